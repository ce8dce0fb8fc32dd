"""The Python API: what `mqcheck check` does, callable from a script or a notebook with the
same result (docs/api.md).

`mqcheck/__init__.py` re-exports these names lazily, so `import mqcheck.spec` (an editor
plugin validating a spec) loads neither the engines nor z3. The functions raise
`InvalidSpec` for a spec the loader refuses: a Python caller has no exit code to read, and a
`None` would be easy to drop.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from mqcheck import run
from mqcheck.result import CheckResult
from mqcheck.spec.errors import SpecError, format_errors
from mqcheck.spec.load import load_spec
from mqcheck.spec.schema import Spec
from mqcheck.trace import render_itf, render_json, render_mermaid, render_text

FORMATS = ("text", "json", "mermaid", "itf")

PathLike = str | os.PathLike[str]


class InvalidSpec(ValueError):
    """The loader refused the spec. `errors` holds every problem (file, line, column, key
    path, what was expected); `str()` is the report the CLI prints before exiting 2."""

    def __init__(self, errors: Sequence[SpecError]) -> None:
        self.errors = tuple(errors)
        super().__init__(format_errors(self.errors))


def load(path: PathLike) -> Spec:
    """The typed spec of a YAML file, every default resolved, or `InvalidSpec`."""
    result = load_spec(path)
    if result.spec is None:
        raise InvalidSpec(result.errors)
    return result.spec


def check(
    spec: PathLike | Spec,
    guarantees: Sequence[str] | None = None,
    engine: str | None = None,
    messages: int | None = None,
    max_states: int | None = None,
    timeout_s: float | None = None,
    workers: int | None = None,
    pdr: bool = False,
    cluster: str | None = None,
    shards: int | None = None,
) -> CheckResult:
    """`mqcheck check SPEC` as a value: a path is loaded first (`InvalidSpec` if refused);
    the keyword arguments are the command's options, None leaving the spec's `check:` block
    in charge (and `workers`, the processes of the explicit search, the machine's cores).
    `cluster` (a Dask scheduler's address) holds the explicit search's `shards` on that
    cluster's workers (`check --cluster`); the answer is the same."""
    loaded = spec if isinstance(spec, Spec) else load(spec)
    return run.check_spec(
        loaded,
        guarantees,
        engine,
        messages,
        max_states,
        timeout_s=timeout_s,
        workers=workers,
        pdr=pdr,
        cluster=cluster,
        shards=shards,
    )


def check_spec(
    spec: Spec,
    guarantees: Sequence[str] | None = None,
    engine: str | None = None,
    messages: int | None = None,
    max_states: int | None = None,
    timeout_s: float | None = None,
    workers: int | None = None,
    pdr: bool = False,
) -> CheckResult:
    """The lower-level call on an already loaded spec; the one the CLI makes."""
    return check(spec, guarantees, engine, messages, max_states, timeout_s, workers, pdr)


def render(result: CheckResult, output_format: str = "text", spec: Spec | None = None) -> str:
    """The text `mqcheck check --format FORMAT` prints on stdout for `result`. Mermaid draws
    the spec's producers, consumers and replicas when `spec` is given (as the CLI does),
    else only the actors the traces name."""
    if output_format == "text":
        return render_text.render(result)
    if output_format == "json":
        return render_json.dumps(render_json.check_json(result))
    if output_format == "mermaid":
        if spec is not None:
            return render_mermaid.render_for_spec(result, spec)
        return render_mermaid.render(result)
    if output_format == "itf":
        return render_itf.render(result)
    raise ValueError(f"unknown format {output_format!r}; expected one of {', '.join(FORMATS)}")
