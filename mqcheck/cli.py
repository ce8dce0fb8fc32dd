"""The `mqcheck` command line (docs/contract.md section 3).

Thin by design: each command parses its options, calls one library function, renders, and
exits with the code `mqcheck.exits` gives its answer (0 holds, 1 violated or differs from
expect:, 2 invalid spec or command line, 3 inconclusive, 4 internal error, 5 the engines
disagree, 130 interrupted). Every spec is read once, by the spec loader; commands that build
variants take the loader's data. No Python traceback reaches the user unless `--debug` asks for it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from mqcheck import exits
from mqcheck.engines.graph import explore_graph, write_graph
from mqcheck.model.compile import UnsupportedSpec
from mqcheck.result import CheckResult
from mqcheck.review.batch import ClusterUnavailable, Pool, close_clients
from mqcheck.review.checklist.build import build_checklist
from mqcheck.review.checklist.runs import DEFAULT_MAX_STATES
from mqcheck.review.spec_batch import SpecCheck, check_specs
from mqcheck.run import check_spec, compile_spec, replay_spec
from mqcheck.spec.atomic_write import write_atomically
from mqcheck.spec.errors import format_errors
from mqcheck.spec.explain import render_json, render_text
from mqcheck.spec.load import LoadResult, load_spec
from mqcheck.spec.properties_import import DEFAULT_KAFKA_VERSION, import_spec
from mqcheck.spec.resolve_run import ENGINES, MAX_MESSAGES
from mqcheck.spec.schema import GUARANTEES, Spec
from mqcheck.spec.versions import (
    parse_version_text,
    refused_version_text,
    supported_lines_text,
)
from mqcheck.terminal import ProgressLine
from mqcheck.trace import render_itf as itf_report
from mqcheck.trace import render_json as json_report
from mqcheck.trace import render_mermaid as mermaid_report
from mqcheck.trace import render_text as text_report
from mqcheck.trace.replay import TraceError

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")


class _Main(click.Group):
    """The group that turns an unexpected exception into `internal error: ...` and exit 4,
    and Ctrl-C into exit 130 (click's own handling exits 1, which would read as "violated");
    whatever the end, the command's Dask clients and local cluster are closed."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ninterrupted: nothing is claimed", err=True)
            sys.exit(exits.INTERRUPTED)
        finally:
            close_clients()  # a command's local Dask cluster ends with the command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        argv = kwargs.get("args")
        if argv is None:
            argv = args[0] if args else sys.argv[1:]
        try:
            return super().main(*args, **kwargs)
        except Exception as error:  # a bug in mqcheck, never the user's input
            if "--debug" in list(argv or ()):
                raise
            click.echo(
                f"internal error: {type(error).__name__}: {error} "
                "(run `mqcheck --debug ...` for the traceback)",
                err=True,
            )
            sys.exit(exits.INTERNAL)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show Python tracebacks of internal errors.")
@click.version_option(package_name="mqcheck", message="mqcheck %(version)s")
def main(debug: bool) -> None:
    """Model-check message loss, duplication and ordering in a Kafka pipeline spec.

    \b
    Exit codes (docs/cli.md):
      0    every guarantee holds, or every verdict matches the spec's expect:
      1    a guarantee is violated, or a verdict differs from expect:
      2    the spec or the command line is invalid
      3    inconclusive: a limit (states, time, memory) was hit first
      4    internal error
      5    --engine both: the two engines disagree
      130  interrupted (Ctrl-C)

    \b
    Shell completion (bash; zsh and fish likewise):
      eval "$(_MQCHECK_COMPLETE=bash_source mqcheck)"
    """


def fail(message: str) -> NoReturn:
    """Print `message` to stderr and exit 2 (invalid spec or command line)."""
    click.echo(message, err=True)
    sys.exit(exits.INVALID)


def load_or_exit(path: str) -> Spec:
    """The loaded spec, or every problem on stderr and exit 2. For the commands that check."""
    spec = document_or_exit(path).spec
    assert spec is not None
    return spec


def document_or_exit(path: str) -> LoadResult:
    """The loader's whole result (spec, text, data) for the commands that build variants
    of the spec or edit its text, or every problem on stderr and exit 2."""
    result = load_spec(path)
    if result.spec is None:
        fail(format_errors(result.errors))
    return result


def _output_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An output file must go into a directory that exists: say so before any work is done."""
    if value is not None:
        parent = Path(value).parent
        if not parent.is_dir():
            raise click.BadParameter(f"'{value}': the directory '{parent}' does not exist")
    return value


def _output_option(help_text: str, required: bool = False) -> Callable[[_F], _F]:
    """`-o/--output FILE`, refused (exit 2) when its directory does not exist."""
    return click.option(
        "-o",
        "--output",
        required=required,
        type=click.Path(dir_okay=False),
        callback=_output_path,
        help=help_text,
    )


def write_or_exit(path: str, text: str) -> None:
    """Write an output file, or exit 2 naming it when the system refuses (no such directory,
    no permission, a directory by that name)."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"{path}: cannot write the file: {error.strerror or error}")


def _messages_option(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_MESSAGES:
        raise click.BadParameter(
            f"{value} is outside 1..{MAX_MESSAGES}: {MAX_MESSAGES} messages per producer is the "
            "explicit engine's bound (the state space grows exponentially with it)"
        )
    return value


_GUARANTEE = click.Choice(GUARANTEES)


def _format_option(*choices: str) -> Callable[[_F], _F]:
    """`--format CHOICE`, the first choice by default."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
    )


_text_or_json = _format_option("text", "json")


def _timeout_option(help_text: str) -> Callable[[_F], _F]:
    """`--timeout SECONDS` (> 0): overrides `check.timeout_s`; reaching it is `unknown`."""
    return click.option(
        "--timeout",
        "timeout_s",
        type=click.FloatRange(min=0, min_open=True),
        metavar="SECONDS",
        help=help_text,
    )


_EACH_CHECK = (
    "Time limit of each check it runs (overrides check.timeout_s); a check that reaches it "
    "is unknown, never holds."
)


_WORKERS_HELP = (
    "Processes the checks are spread over: a local Dask cluster of N worker processes, or "
    "local processes without dask (default: this machine's cores; 1: one after another here). "
    "The answers are the same with any number."
)


def _batch_options(workers_help: str = _WORKERS_HELP) -> Callable[[_F], _F]:
    """`--workers N` and `--cluster ADDRESS` of the commands that run many independent
    checks (docs/distributed.md)."""

    def decorate(f: _F) -> _F:
        f = click.option(
            "--cluster",
            metavar="ADDRESS",
            help="Run the checks on the workers of this Dask scheduler (tcp://host:8786); "
            "needs pip install 'mqcheck[dask]'.",
        )(f)
        return click.option(
            "--workers", type=click.IntRange(min=1), metavar="N", help=workers_help
        )(f)

    return decorate


def _batch_or_exit(line: ProgressLine, run: Callable[[], _T]) -> _T:
    """`run()`, or its ClusterUnavailable as a message and exit 2 (nothing was checked)."""
    try:
        return run()
    except ClusterUnavailable as why:
        line.clear()
        fail(str(why))


def _progress_line() -> ProgressLine:
    """The progress line on stderr, shown only when stderr is a terminal; as a context
    manager it is cleared when the checking ends, before the command prints its report."""
    return ProgressLine(sys.stderr)


@main.command()
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...")
@click.option("--guarantee", "guarantees", multiple=True, type=_GUARANTEE, help="Check only these.")
@click.option("--engine", type=click.Choice(ENGINES), help="Override check.engine.")
@click.option("--messages", type=int, callback=_messages_option, help="Override check.messages.")
@_format_option("text", "json", "mermaid", "itf")
@click.option(
    "--trace-out",
    type=click.Path(dir_okay=False),
    callback=_output_path,
    help="Write the counterexample here.",
)
@click.option("--max-states", type=click.IntRange(min=1), help="Override check.max_states.")
@_timeout_option("Override check.timeout_s (the limit of each search).")
@_batch_options(
    "One SPEC: processes its explicit search may use. Several: processes (a local Dask "
    "cluster, or local processes without dask) the specs are spread over, one search each. "
    "Default: this machine's cores; the answers are the same with any number."
)
@click.option(
    "--symbolic",
    multiple=True,
    metavar="NAME[,NAME...]|NAME=V1,V2,...",
    help="Check every combination of these properties' values (see docs/cli.md).",
)
@click.option(
    "--pdr",
    is_flag=True,
    help="The z3 engine also tries IC3/PDR on the invariants (see docs/engines.md).",
)
@click.option(
    "--shards",
    type=click.IntRange(min=1),
    metavar="N",
    help="With --cluster and one SPEC: the fingerprint shards of its explicit search, held "
    "by the cluster's workers (default: one per worker; docs/engines.md).",
)
def check(
    specs: Sequence[str],
    guarantees: Sequence[str],
    engine: str | None,
    messages: int | None,
    output_format: str,
    trace_out: str | None,
    max_states: int | None,
    timeout_s: float | None,
    workers: int | None,
    cluster: str | None,
    symbolic: Sequence[str],
    pdr: bool,
    shards: int | None,
) -> None:
    """Check the guarantees of each SPEC (several: side by side, see --workers)."""
    if shards is not None and cluster is None:
        fail("--shards needs --cluster (without a cluster, --workers sets the processes)")
    if shards is not None and len(specs) > 1:
        fail("--shards applies to the search of one SPEC (several are spread one per worker)")
    if cluster is not None and workers is not None and len(specs) == 1:
        fail("--workers and --cluster exclude each other for one SPEC: --shards sets its shards")
    loaded = [load_spec(path) for path in specs]
    errors = [e for r in loaded for e in r.errors]
    if errors:
        fail(format_errors(errors))
    if pdr:
        _pdr_applies(loaded, engine, symbolic)
    if cluster and symbolic:
        fail("--cluster: not available with --symbolic (its configuration search runs here)")
    if symbolic:
        _check_symbolic(
            loaded,
            symbolic,
            guarantees,
            engine,
            messages,
            max_states,
            timeout_s,
            output_format,
            trace_out,
        )
    spec_list = [r.spec for r in loaded if r.spec is not None]
    codes = []
    first_trace: dict[str, Any] | None = None
    checks = [
        SpecCheck(spec, tuple(guarantees), engine, messages, max_states, timeout_s, pdr)
        for spec in spec_list
    ]
    ran = _check_all(checks, workers, cluster, shards)
    for spec, checked in zip(spec_list, ran, strict=True):
        codes.append(exits.for_check(checked))
        _report_disagreements(checked)
        if output_format == "json":
            click.echo(json_report.dumps(json_report.check_json(checked)), nl=False)
        elif output_format in ("mermaid", "itf"):
            click.echo(mermaid_report.summary(checked), err=True, nl=False)
            if output_format == "mermaid":
                click.echo(mermaid_report.render_for_spec(checked, spec), nl=False)
            else:
                click.echo(itf_report.render(checked), nl=False)
        else:
            click.echo(text_report.render(checked), nl=False)
        if first_trace is None:
            first_trace = json_report.trace_json(checked)
    if trace_out and first_trace is not None:
        write_or_exit(trace_out, json_report.dumps(first_trace))
    sys.exit(exits.worst(codes))


def _check_all(
    checks: Sequence[SpecCheck], workers: int | None, cluster: str | None, shards: int | None
) -> list[CheckResult]:
    """One spec here, its search over `workers` processes, or with `--cluster` its shards on
    the cluster's workers (docs/engines.md); several spread over `workers` or the cluster,
    one search each (docs/distributed.md)."""
    with _progress_line() as line:
        if len(checks) == 1:
            c = checks[0]
            try:
                return [
                    check_spec(
                        c.spec,
                        c.guarantees,
                        c.engine,
                        c.messages,
                        c.max_states,
                        timeout_s=c.timeout_s,
                        progress=line.search,
                        workers=workers,
                        pdr=c.pdr,
                        cluster=cluster,
                        shards=shards,
                    )
                ]
            except ClusterUnavailable as why:
                fail(f"error: {why}")
        pool = Pool(workers, cluster)
        return _batch_or_exit(
            line, lambda: check_specs(checks, pool, line.batch("specs"), line.search)
        )


def _pdr_applies(loaded: Sequence[LoadResult], engine: str | None, symbolic: Sequence[str]) -> None:
    """`--pdr` is an option of the Z3 engine's single-configuration search: refused (exit
    2, nothing checked) where it would be silently ignored."""
    if symbolic:
        fail("--pdr: not available with --symbolic (the configuration search does not use IC3)")
    for r in loaded:
        assert r.spec is not None
        if (engine or r.spec.check.engine) not in ("z3", "both"):
            fail(
                f"--pdr: {r.spec.name} is checked by the explicit engine (use --engine z3 or both)"
            )


def _check_symbolic(
    loaded: Sequence[LoadResult],
    symbolic: Sequence[str],
    guarantees: Sequence[str],
    engine: str | None,
    messages: int | None,
    max_states: int | None,
    timeout_s: float | None,
    output_format: str,
    trace_out: str | None,
) -> NoReturn:
    """`check --symbolic`: a table of combinations per spec; exit 1 if any combination
    violates a guarantee, 3 if some are unknown and none violated, 0 if all hold, 2 when
    no combination is valid, 5 when `--engine both` disagrees."""
    from mqcheck.review.whatif import domains, symbolic_render
    from mqcheck.review.whatif.symbolic import check_symbolic

    specs = [r.spec for r in loaded if r.spec is not None]

    if output_format not in ("text", "json"):
        fail(f"--symbolic: --format {output_format} is not available (use text or json)")
    if trace_out:
        fail(
            "--symbolic: --trace-out is not available (each trace belongs to its own "
            "combination; take it from --format json)"
        )
    try:
        requested = domains.parse_symbolic(symbolic)
        resolved = [domains.resolve(spec, requested) for spec in specs]
    except domains.DomainError as why:
        fail(str(why))
    codes = []
    for document, spec, chosen in zip(loaded, specs, resolved, strict=True):
        with _progress_line() as line:
            result = check_symbolic(
                spec,
                document.data(),
                chosen,
                guarantees,
                engine,
                messages,
                max_states,
                timeout_s,
                progress=line.search,
            )
        for values, d in result.disagreements:
            label = ", ".join(f"{p}={v}" for p, v in values)
            click.echo(
                f"internal error: the engines disagree on {d.guarantee} ({spec.name}, {label}): "
                f"explicit says {d.explicit.verdict}, z3 says {d.z3.verdict}",
                err=True,
            )
        if output_format == "json":
            doc = symbolic_render.render_json(result)
            click.echo(json_report.dumps(doc), nl=False)
        else:
            click.echo(symbolic_render.render_text(result), nl=False)
        codes.append(result.exit_code())
        if not result.checked():
            click.echo(f"{spec.path}: every combination is invalid; nothing was checked", err=True)
    sys.exit(exits.worst(codes))


def _report_disagreements(checked: Any) -> None:
    """`--engine both`: opposite verdicts are an internal error (exit 5); print both."""
    for d in checked.disagreements:
        click.echo(
            f"internal error: the engines disagree on {d.guarantee} ({checked.spec}): "
            f"explicit says {d.explicit.verdict}, z3 says {d.z3.verdict}",
            err=True,
        )
        for r in (d.explicit, d.z3):
            if r.counterexample is not None:
                click.echo(f"  {r.engine}'s trace:", err=True)
                for line in text_report.render_counterexample(d.guarantee, r.counterexample):
                    click.echo(f"  {line}", err=True)
            else:
                click.echo(f"  {r.engine}: {r.verdict} {r.reason}".rstrip(), err=True)


@main.command("explain-defaults")
@click.argument("spec")
@_text_or_json
def explain_defaults(spec: str, output_format: str) -> None:
    """Every effective setting of SPEC and where it came from."""
    loaded = load_or_exit(spec)
    click.echo(render_json(loaded) if output_format == "json" else render_text(loaded), nl=False)


def _kafka_version_option(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if parse_version_text(value) is None:
        refused = refused_version_text(value)
        if refused:
            raise click.BadParameter(refused)
        raise click.BadParameter(
            f"unknown Kafka version '{value}'; expected {supported_lines_text()}"
        )
    return value


@main.command("import")
@click.option(
    "--producer", type=click.Path(exists=True, dir_okay=False), help="producer.properties"
)
@click.option("--broker", type=click.Path(exists=True, dir_okay=False), help="server.properties")
@click.option(
    "--consumer", type=click.Path(exists=True, dir_okay=False), help="consumer.properties"
)
@click.option("--topic", "topics", multiple=True, help="A topic the clients use (repeatable).")
@_output_option("Spec to write.", required=True)
@click.option(
    "--kafka-version",
    default=DEFAULT_KAFKA_VERSION,
    show_default=True,
    callback=_kafka_version_option,
)
@click.option("--brokers", type=click.IntRange(min=1), help="Broker count (not in .properties).")
@click.option("--force", is_flag=True, help="Overwrite an existing spec file.")
def import_command(
    producer: str | None,
    broker: str | None,
    consumer: str | None,
    topics: Sequence[str],
    output: str,
    kafka_version: str,
    brokers: int | None,
    force: bool,
) -> None:
    """Write a spec from Kafka .properties files."""
    if os.path.exists(output) and not force:
        fail(f"{output}: already exists (use --force to overwrite)")
    result = import_spec(
        producer=producer,
        broker=broker,
        consumer=consumer,
        topics=topics,
        output=output,
        kafka_version=kafka_version,
        brokers=brokers,
    )
    if result.file_errors:
        fail("\n".join(result.file_errors))
    unwritten = write_atomically(output, result.text)
    if unwritten is not None:
        fail(unwritten)
    not_placed = result.text.count("# not placed:")
    click.echo(f"wrote {output} ({not_placed} value(s) not placed; see its comments)")
    if result.errors:
        fail("Kafka would refuse this configuration:\n" + format_errors(result.errors))


def _output_paths(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> tuple[str, ...]:
    """Repeatable `-o FILE`: each refused (exit 2) when its directory does not exist, and
    no file named twice (the second would overwrite the first)."""
    for value in values:
        _output_path(ctx, param, value)
    twice = sorted({v for v in values if values.count(v) > 1})
    if twice:
        raise click.BadParameter(f"'{twice[0]}' is given more than once")
    return tuple(values)


_CHECKLIST_FORMATS = ("md", "html", "sarif")


def _checklist_outputs(
    formats: Sequence[str], outputs: Sequence[str], specs: int
) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) pairs: `--format` and `-o` pair in order; one `-o`
    without `--format` is markdown, as it always was. Exits 2 on a pairing that cannot be
    meant: several formats to stdout, or counts that differ."""
    pairing = "paired in order: --format md -o review.md --format html -o review.html"
    if not formats and len(outputs) > 1:
        fail(f"checklist: each -o needs its --format, {pairing}")
    formats = list(formats) or ["md"]
    if not outputs and len(formats) > 1:
        fail(f"checklist: several --format options need one -o FILE each, {pairing}")
    if outputs and len(formats) != len(outputs):
        fail(f"checklist: {len(formats)} --format and {len(outputs)} -o options; {pairing}")
    if specs > 1 and any(f != "sarif" for f in formats):
        fail(f"checklist: several specs need --format sarif (one run for all); got {specs}")
    files: list[str | None] = list(outputs) or [None]
    return list(zip(formats, files, strict=True))


@main.command()
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...")
@click.option(
    "--format",
    "output_formats",
    multiple=True,
    type=click.Choice(_CHECKLIST_FORMATS),
    help="md (default), html or sarif; repeat it with one -o each to write several formats "
    "from one run of the checks.",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    type=click.Path(dir_okay=False),
    callback=_output_paths,
    help="Write here, not stdout (repeatable: the Nth -o gets the Nth --format).",
)
@click.option(
    "--max-states",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_STATES,
    show_default=True,
    help="Limit of each hazard and profile run (the verdicts use the spec's own).",
)
@_timeout_option(_EACH_CHECK + " Default: the spec's own for the verdicts, 60 s per hazard run.")
@click.option("--no-profile", is_flag=True, help="Leave out the resilience profile.")
@click.option(
    "--base-dir",
    type=click.Path(exists=True, file_okay=False),
    help="SARIF: the repository root that locations are relative to (default: here).",
)
def checklist(
    specs: Sequence[str],
    output_formats: Sequence[str],
    outputs: Sequence[str],
    max_states: int,
    timeout_s: float | None,
    no_profile: bool,
    base_dir: str | None,
) -> None:
    """Design-review checklist for SPEC (several specs: one SARIF run holding them all).

    The checks run once whatever the number of formats: `--format md -o review.md
    --format html -o review.html --format sarif -o review.sarif`.
    """
    from mqcheck.review.checklist.render import render_checklist
    from mqcheck.review.checklist.sarif import OutsideBaseDir, artifact_uri, render_sarif

    wanted = _checklist_outputs(output_formats, outputs, len(specs))
    loaded = [load_spec(path) for path in specs]
    errors = [e for r in loaded for e in r.errors]
    if errors:
        fail(format_errors(errors))
    spec_list = [r.spec for r in loaded if r.spec is not None]
    if any(f == "sarif" for f, _ in wanted):
        try:  # before the model checking, which is the slow part
            for spec in spec_list:
                artifact_uri(spec.path, base_dir)
        except OutsideBaseDir as why:
            fail(str(why))
    built = []
    with _progress_line() as line:
        for spec in spec_list:
            built.append(
                build_checklist(
                    spec,
                    max_states=max_states,
                    with_profile=not no_profile,
                    timeout_s=timeout_s,
                    progress=line.search,
                )
            )
    for output_format, output in wanted:
        if output_format == "sarif":
            text = render_sarif(built, base_dir)
        else:
            text = render_checklist(built[0], output_format)
        if output:
            write_or_exit(output, text)
            click.echo(f"wrote {output}", err=True)
        else:
            click.echo(text, nl=False)
    sys.exit(exits.worst(b.exit_code() for b in built))


@main.command()
@_output_option("Write here, not stdout (the shipped copy: schema/mqcheck-spec.schema.json).")
def schema(output: str | None) -> None:
    """Print the JSON Schema of the spec format, for editors and CI linters."""
    from mqcheck.spec.json_schema import schema_text

    text = schema_text()
    if output:
        write_or_exit(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("spec")
@click.option(
    "--cap", type=click.IntRange(1, 4), default=2, show_default=True, help="Largest budget tried."
)
@click.option(
    "--max-states", type=click.IntRange(min=1), default=DEFAULT_MAX_STATES, show_default=True
)
@_timeout_option(_EACH_CHECK + " Default: 60 s, or the spec's check.timeout_s if lower.")
@_batch_options()
def profile(
    spec: str,
    cap: int,
    max_states: int,
    timeout_s: float | None,
    workers: int | None,
    cluster: str | None,
) -> None:
    """Resilience profile: the smallest budget of each fault class that breaks each guarantee."""
    from mqcheck.review.checklist.profile import render_profile_text, resilience_profile
    from mqcheck.review.checklist.runs import VariantRunner

    loaded = load_or_exit(spec)
    with _progress_line() as line:
        runner = VariantRunner(
            loaded,
            max_states=max_states,
            timeout=timeout_s,
            progress=line.search,
            pool=Pool(workers, cluster),
            batch_progress=line.batch("runs"),
        )
        found = _batch_or_exit(line, lambda: resilience_profile(loaded, runner, cap))
    click.echo(render_profile_text(loaded, found), nl=False)


def _names_option(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> tuple[str, ...]:
    """Repeatable and comma-separated: --allow a,b --allow c."""
    return tuple(n.strip() for value in values for n in value.split(",") if n.strip())


@main.command()
@click.argument("spec")
@click.option("--guarantee", required=True, type=_GUARANTEE)
@_output_option("Write the repaired spec here.")
@click.option(
    "--allow",
    multiple=True,
    callback=_names_option,
    metavar="KEY,...",
    help="Also search: faults.NAME, faults, cluster.brokers, app.joins.",
)
@click.option(
    "--freeze",
    multiple=True,
    callback=_names_option,
    metavar="KEY,...",
    help="Never change these: a property, app, or a dotted path (producers.NAME).",
)
@_text_or_json
@click.option("--max-states", type=click.IntRange(min=1), help="Override check.max_states.")
@_timeout_option(
    "Override check.timeout_s: the time limit of each check and of the whole search; "
    "reaching it is unknown (exit 3)."
)
@click.option(
    "--alternatives",
    type=click.IntRange(1, 10),
    default=3,
    show_default=True,
    help="How many repairs to show, at most.",
)
@click.option(
    "--max-iterations",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Proposals checked before giving up (unknown).",
)
@click.option(
    "--pick", type=click.IntRange(min=1), default=1, show_default=True, help="Alternative for -o."
)
@_batch_options(
    "Processes the fault-exclusion searches (run when no repair exists) are spread over: a "
    "local Dask cluster of N workers, or local processes without dask (default: this "
    "machine's cores). The answers are the same with any number."
)
def repair(
    spec: str,
    guarantee: str,
    output: str | None,
    allow: tuple[str, ...],
    freeze: tuple[str, ...],
    output_format: str,
    max_states: int | None,
    timeout_s: float | None,
    alternatives: int,
    max_iterations: int,
    pick: int,
    workers: int | None,
    cluster: str | None,
) -> None:
    """Cheapest configuration change that makes GUARANTEE hold (0 repaired or already
    holds, 1 no repair exists, 2 invalid input, 3 unknown)."""
    from mqcheck.review.repair import render
    from mqcheck.review.repair import search as repairing
    from mqcheck.review.repair.space import SpaceError
    from mqcheck.review.repair.write import fixed_text

    document = document_or_exit(spec)
    loaded, text = document.spec, document.text
    assert loaded is not None and text is not None
    options = repairing.Options(
        allow=allow,
        freeze=freeze,
        max_states=max_states,
        alternatives=alternatives,
        max_iterations=max_iterations,
        timeout_s=timeout_s,
        pool=Pool(workers, cluster),
    )
    progress = None
    if sys.stderr.isatty():

        def progress(message: str) -> None:
            click.echo(f"  {message}", err=True)

    try:
        found = repairing.repair(loaded, document.data(), guarantee, options, progress)
    except SpaceError as why:
        fail(str(why))
    except ClusterUnavailable as why:
        fail(str(why))
    written = None
    notes: list[str] = []
    if output and found.alternatives:
        if pick > len(found.alternatives):
            fail(f"--pick {pick}: only {len(found.alternatives)} alternative(s) were found")
        fixed = fixed_text(found, text, pick - 1)
        write_or_exit(output, fixed.text)
        written = output
        notes.append(f"wrote {output} (alternative {pick}, re-loaded and verified)")
        if not fixed.kept_layout:
            notes.append("  the spec uses YAML anchors: it was re-dumped and comments were lost")
        notes.extend(render.expect_lines(fixed.expect_updates))
    elif output:
        notes.append(f"nothing written to {output}: no verified repair")
    if output_format == "json":
        click.echo(render.render_json(found, written), nl=False)
        for note in notes:
            click.echo(note, err=True)
    else:
        click.echo(render.render_text(found), nl=False)
        for note in notes:
            click.echo(note)
    sys.exit(found.exit_code())


def _vary_option(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    parsed = []
    for value in values:
        name, sep, choices = value.partition("=")
        options = tuple(choice.strip() for choice in choices.split(","))
        if not sep or not name.strip() or not all(options):
            raise click.BadParameter(f"'{value}': expected NAME=V1,V2,... (e.g. acks=0,1,all)")
        parsed.append((name.strip(), options))
    return tuple(parsed)


@main.command()
@click.argument("spec")
@click.option("--vary", multiple=True, required=True, callback=_vary_option, help="NAME=V1,V2,...")
@_format_option("text", "md", "csv", "json")
@click.option("--max-states", type=click.IntRange(min=1), help="Override check.max_states.")
@_timeout_option(_EACH_CHECK.replace("each check it runs", "each point's check"))
@_batch_options()
@click.option("--jobs", type=click.IntRange(min=1), hidden=True, help="The old name of --workers.")
def sweep(
    spec: str,
    vary: tuple[tuple[str, tuple[str, ...]], ...],
    output_format: str,
    max_states: int | None,
    timeout_s: float | None,
    workers: int | None,
    cluster: str | None,
    jobs: int | None,
) -> None:
    """Check SPEC for every combination of the varied settings."""
    from mqcheck.review.spec_variants import SweepError
    from mqcheck.review.whatif import sweep as sweeping

    document = document_or_exit(spec)
    loaded = document.spec
    assert loaded is not None
    pool = Pool(workers or jobs, cluster)
    with _progress_line() as line:
        try:
            points = _batch_or_exit(
                line,
                lambda: sweeping.run_sweep(
                    loaded,
                    document.data(),
                    vary,
                    max_states=max_states,
                    timeout_s=timeout_s,
                    pool=pool,
                    progress=line.batch("points"),
                ),
            )
        except SweepError as why:
            line.clear()
            fail(str(why))
    click.echo(sweeping.render(points, loaded.checked_guarantees(), output_format), nl=False)


@main.command()
@click.argument("spec")
@click.argument("trace", type=click.Path(exists=True, dir_okay=False), metavar="TRACE.json")
def replay(spec: str, trace: str) -> None:
    """Re-validate a counterexample step by step."""
    loaded = load_or_exit(spec)
    try:
        data = json.loads(Path(trace).read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as why:
        fail(f"{trace}: not a readable mqcheck trace: {why}")
    try:
        outcome = replay_spec(loaded, data)
    except TraceError as why:
        fail(f"{trace}: not a readable mqcheck trace: {why}")
    except UnsupportedSpec as why:
        fail(f"{spec}: cannot replay: not modelled: {why}")
    click.echo(f"{trace}: {outcome.message}")
    sys.exit(exits.for_replay(outcome.ok))


@main.command()
@click.argument("spec")
@_text_or_json
@click.option("--max-states", type=click.IntRange(min=1), help="Override check.max_states.")
@_timeout_option(_EACH_CHECK)
def explain(spec: str, output_format: str, max_states: int | None, timeout_s: float | None) -> None:
    """Which settings are load-bearing: taking each out breaks a guarantee."""
    from mqcheck.review.whatif import explain as explaining

    document = document_or_exit(spec)
    assert document.spec is not None
    with _progress_line() as line:
        found = explaining.explain(
            document.spec, document.data(), max_states, timeout_s, progress=line.search
        )
    render = explaining.render_json if output_format == "json" else explaining.render_text
    click.echo(render(found), nl=False)


def _graph_output(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.endswith((".graphml", ".dot")):
        raise click.BadParameter(f"'{value}': the file name must end in .graphml or .dot")
    return _output_path(ctx, param, value) or value


@main.command()
@click.argument("spec")
@click.option(
    "-o", "--output", required=True, callback=_graph_output, metavar="FILE.graphml|FILE.dot"
)
@click.option("--max-states", type=click.IntRange(min=1), default=20_000, show_default=True)
def graph(spec: str, output: str, max_states: int) -> None:
    """Export the explored state graph of a small SPEC."""
    loaded = load_or_exit(spec)
    try:
        system = compile_spec(loaded, loaded.checked_guarantees())
    except UnsupportedSpec as why:
        fail(f"{spec}: cannot build the graph: not modelled: {why}")
    sg = explore_graph(system, max_states)
    if not sg.complete:
        click.echo(
            f"{spec}: the state graph has more than {max_states:,} states; too large to export "
            "(raise --max-states or lower check.messages)",
            err=True,
        )
        sys.exit(exits.UNKNOWN)
    try:
        write_graph(sg, output)
    except OSError as error:
        fail(f"{output}: cannot write the file: {error.strerror or error}")
    g = sg.graph
    faults = sum(1 for _, _, d in g.edges(data=True) if d["fault"])
    click.echo(
        f"{output}: {g.number_of_nodes():,} states, {g.number_of_edges():,} transitions "
        f"({faults:,} fault edges), {len(sg.stuck):,} stuck states"
    )
