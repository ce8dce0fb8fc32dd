"""The command line around the spec layer: option validation, exit codes, explain-defaults,
import, and that no traceback escapes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mqcheck import cli
from mqcheck.cli import main
from tests.examples import EXAMPLES

DURABLE = next(path for path in EXAMPLES if path.name == "durable-baseline.yaml")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_check_answers_every_shared_example() -> None:
    """Every shared example loads and gets a verdict (a tiny state limit keeps this quick;
    the verdicts themselves are pinned by tests/test_specs_library.py)."""
    code, output = run("check", *map(str, EXAMPLES), "--max-states", "200")
    assert code in (0, 1, 3)
    assert output.count("at-least-once:") == len(EXAMPLES)
    assert "internal error" not in output


def test_check_accepts_all_contract_options(tmp_path: Path) -> None:
    code, _ = run(
        "check",
        str(DURABLE),
        "--guarantee",
        "at-least-once",
        "--guarantee",
        "ordering",
        "--engine",
        "explicit",  # `both` is exercised on a small spec in tests/engines/test_symbolic.py
        "--messages",
        "3",
        "--format",
        "json",
        "--trace-out",
        str(tmp_path / "t.json"),
        "--max-states",
        "1000",
    )
    assert code in (0, 1, 3)  # a verdict, never "invalid"


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        (["--guarantee", "at-least-twice"], "'at-least-twice' is not one of"),
        (["--engine", "spin"], "'spin' is not one of"),
        (["--messages", "7"], "explicit engine's bound"),
        (["--messages", "0"], "outside 1..6"),
        (["--format", "xml"], "'xml' is not one of"),
        (["--max-states", "0"], "0 is not in the range"),
    ],
)
def test_check_rejects_bad_options_with_exit_2(option: list[str], fragment: str) -> None:
    code, output = run("check", str(DURABLE), *option)
    assert code == 2 and fragment in output


def test_check_of_an_invalid_spec_exits_2_with_positions(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(DURABLE.read_text().replace("    acks: all", "    ackz: all"))
    code, output = run("check", str(DURABLE), str(bad))
    assert code == 2
    assert f"{bad}:16:5: producers.checkout.ackz: unknown key" in output
    assert "at-least-once" not in output  # nothing is checked when any spec is invalid


def test_check_of_a_missing_file_exits_2() -> None:
    code, output = run("check", "no-such-spec.yaml")
    assert (code, output.strip()) == (2, "no-such-spec.yaml: no such file")


def test_replay_parses_its_arguments(tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    trace.write_text("{}")
    assert run("replay", str(DURABLE), str(trace))[0] == 2
    code, output = run("replay", str(DURABLE), str(tmp_path / "missing.json"))
    assert code == 2 and "does not exist" in output


@pytest.mark.parametrize(
    "args",
    [
        ["sweep", "SPEC", "--vary", "acks"],
        ["graph", "SPEC", "-o", "graph.png"],
        ["repair", "SPEC"],
        ["checklist", "SPEC", "--format", "pdf"],
    ],
)
def test_bad_options_of_other_commands_exit_2(args: list[str]) -> None:
    code, output = run(*[str(DURABLE) if a == "SPEC" else a for a in args])
    assert code == 2 and "Error" in output


def test_explain_defaults_text_names_origins() -> None:
    code, output = run("explain-defaults", str(DURABLE))
    assert code == 0
    lines = output.splitlines()
    assert lines[0] == "durable-baseline: effective settings for Kafka 3.7"
    row = next(line for line in lines if "producer:checkout" in line and " retries " in line)
    assert "2147483647" in row and "version default (3.7; KIP-91)" in row
    assert any("spec line 16" in line and " acks " in line for line in lines)
    assert lines[-1] == "not modelled: none"


def test_explain_defaults_json_is_deterministic() -> None:
    first = run("explain-defaults", str(DURABLE), "--format", "json")[1]
    second = run("explain-defaults", str(DURABLE), "--format", "json")[1]
    assert first == second
    document = json.loads(first)
    assert document["spec"] == "durable-baseline" and document["not_modelled"] == []
    acks = next(s for s in document["settings"] if s["property"] == "acks")
    assert acks["value"] == "all" and acks["origin"]["line"] == 16


def test_import_writes_a_spec_that_checks(tmp_path: Path) -> None:
    producer = tmp_path / "producer.properties"
    producer.write_text("acks=all\nlinger.ms=10\n")
    output = tmp_path / "orders.yaml"
    code, message = run(
        "import", "--producer", str(producer), "--topic", "orders", "-o", str(output)
    )
    assert code == 0 and "wrote" in message
    assert run("check", str(output), "--max-states", "500")[0] in (0, 1, 3)
    assert run("import", "--producer", str(producer), "-o", str(output))[0] == 2  # exists
    assert run("import", "--producer", str(producer), "-o", str(output), "--force")[0] == 0


def test_import_rejects_an_unknown_kafka_version(tmp_path: Path) -> None:
    code, output = run("import", "-o", str(tmp_path / "x.yaml"), "--kafka-version", "9.9")
    assert code == 2 and "unknown Kafka version '9.9'" in output


def test_import_of_a_refused_configuration_exits_2(tmp_path: Path) -> None:
    producer = tmp_path / "p.properties"
    producer.write_text("enable.idempotence=true\nmax.in.flight.requests.per.connection=6\n")
    code, output = run("import", "--producer", str(producer), "-o", str(tmp_path / "p.yaml"))
    assert code == 2 and "Must set max.in.flight.requests.per.connection to at most 5" in output


def test_an_internal_error_is_reported_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: str) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "load_spec", broken)
    code, output = run("check", str(DURABLE))
    assert code == 4
    assert output.startswith("internal error: RuntimeError: boom") and "Traceback" not in output
    result = CliRunner().invoke(main, ["--debug", "check", str(DURABLE)])
    assert isinstance(result.exception, RuntimeError)


def test_python_dash_m_mqcheck_runs() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "mqcheck", "explain-defaults", str(DURABLE)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert completed.returncode == 0 and "acks" in completed.stdout


ACKS1 = Path(__file__).resolve().parents[1] / "specs" / "acks1-leader-failover.yaml"


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["sweep", "--vary", "acks=1,all", "--jobs", "1"],
        ["explain"],
        ["repair", "--guarantee", "at-least-once"],
        ["check", "--symbolic", "acks"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_every_command_reads_a_tagged_mapping_as_check_does(
    tmp_path: Path, args: list[str]
) -> None:
    """One loader for every command: a tag on a mapping is refused by `check` with its
    position, and so by the commands that build variants of the spec (they re-read the file
    with yaml.safe_load once, and exited 4 on the tag)."""
    tagged = tmp_path / "spec.yaml"
    tagged.write_text(
        ACKS1.read_text().replace("cluster: {brokers: 2}", "cluster: !foo {brokers: 2}")
    )
    line = next(i for i, text in enumerate(tagged.read_text().splitlines(), 1) if "!foo" in text)
    code, output = run(args[0], str(tagged), *args[1:])
    assert code == 2 and "internal error" not in output and "Traceback" not in output
    assert f"{tagged}:{line}:" in output
    assert "cluster: the YAML tag !foo is not used by the spec format" in output
    assert "a mapping or list without a tag" in output


def _untimed(output: str) -> str:
    """The output without its wall-clock figures ("0.52 s"), which no rerun reproduces."""
    return re.sub(r"\b[0-9]+(?:\.[0-9]+)? s\b", "_ s", output)


@pytest.mark.parametrize(
    "args",
    [
        ["check", str(ACKS1), "--trace-out", "{out}"],
        ["import", "-o", "{out}"],
        ["graph", str(ACKS1), "-o", "{out}"],
        ["checklist", str(ACKS1), "--no-profile", "-o", "{out}"],
        ["repair", str(ACKS1), "--guarantee", "at-least-once", "-o", "{out}"],
    ],
    ids=lambda args: args[0],
)
def test_an_output_in_a_missing_directory_exits_2_with_the_path(
    tmp_path: Path, args: list[str]
) -> None:
    """Refused before any work is done, naming the file, not an internal error (exit 4)."""
    out = str(tmp_path / "no" / "such" / ("t.graphml" if args[0] == "graph" else "t.json"))
    code, output = run(*(a.replace("{out}", out) for a in args))
    assert code == 2, output
    assert out in output and "does not exist" in output and "internal error" not in output
    assert not (tmp_path / "no").exists()


def test_an_output_the_system_refuses_exits_2_with_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails after the work (no permission, a full disk) names the file."""

    def refuse(self: Path, *args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied", str(self))

    out = tmp_path / "t.md"
    monkeypatch.setattr(Path, "write_text", refuse)
    code, output = run("checklist", str(ACKS1), "--no-profile", "-o", str(out))
    assert code == 2 and f"{out}: cannot write the file: Permission denied" in output
