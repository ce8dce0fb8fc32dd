"""One call from a loaded spec to a CheckResult: compile, pick the engine, check.

The CLI, sweeps and tests all go through `check_spec`, so they give the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.result import CheckResult, GuaranteeResult, Stats
from mqcheck.ir.system import TransitionSystem
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.spec.schema import Spec

Progress = Callable[[int, int, float], None]


def requested_guarantees(spec: Spec, guarantees: Sequence[str] | None) -> tuple[str, ...]:
    """The guarantees to report: the command line's, or the spec's (ordering last)."""
    if guarantees:
        names = list(dict.fromkeys(guarantees))
        return tuple(names)
    return spec.checked_guarantees()


def compile_spec(
    spec: Spec, guarantees: Sequence[str], messages: int | None = None
) -> TransitionSystem:
    return build(spec, tuple(guarantees), messages)


def check_spec(
    spec: Spec,
    guarantees: Sequence[str] | None = None,
    engine: str | None = None,
    messages: int | None = None,
    max_states: int | None = None,
    timeout_s: float | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    wanted = requested_guarantees(spec, guarantees)
    engine_name = engine or spec.check.engine
    limits = Limits(
        max_states=max_states or spec.check.max_states,
        timeout_s=timeout_s or spec.check.timeout_s,
    )
    bounds: dict[str, object] = {
        "messages": messages or spec.check.messages,
        "faults": {k: v for k, v in spec.faults.as_dict().items() if v},
    }
    try:
        system = compile_spec(spec, wanted, messages)
    except UnsupportedSpec as why:
        results = tuple(_unknown(g, engine_name, bounds, f"not modelled: {why}") for g in wanted)
        return _result(spec, results)
    if engine_name in ("explicit", "both"):
        results = tuple(ExplicitChecker(system, limits).check(wanted, progress))
        if engine_name == "both":
            results = tuple(
                replace(
                    r,
                    reason=(r.reason + "; " if r.reason else "")
                    + "the z3 engine is not available yet",
                )
                for r in results
            )
    else:
        results = tuple(
            _unknown(
                g,
                engine_name,
                dict(system.bounds),
                "the z3 engine is not available yet; use --engine explicit",
            )
            for g in wanted
        )
    return _result(spec, results)


def _unknown(
    guarantee: str, engine: str, bounds: dict[str, object], reason: str
) -> GuaranteeResult:
    return GuaranteeResult(guarantee, "unknown", engine, bounds, Stats(0, 0, 0, 0.0), None, reason)


def _result(spec: Spec, results: tuple[GuaranteeResult, ...]) -> CheckResult:
    return CheckResult(
        spec=spec.name,
        path=spec.path,
        results=results,
        not_modelled=spec.not_modelled,
        expect=dict(spec.expect),
    )
