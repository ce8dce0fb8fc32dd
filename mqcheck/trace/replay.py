"""Replay a counterexample against a freshly compiled model: every step's action must exist,
its guard must hold in the state reached so far, the recorded state after it (when given)
must be what the action produces, and the last state must violate the guarantee.

A trace that fails any of these is refused with the step and the reason: a counterexample
that does not replay is worth nothing to a reviewer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mqcheck.engines.explicit import unreachable_parts
from mqcheck.ir.compile_py import CompiledSystem, compile_predicate, compile_system
from mqcheck.ir.symmetry import canonicalizer
from mqcheck.ir.system import Eventually, Invariant, TransitionSystem


@dataclass(frozen=True)
class ReplayOutcome:
    ok: bool
    steps: int
    guarantee: str
    message: str


def extract_trace(data: Mapping[str, Any]) -> tuple[str, int | None, list[Mapping[str, Any]]]:
    """(guarantee, messages bound, steps) from a JSON result or a bare counterexample."""
    if "results" in data:
        for r in data["results"]:
            if isinstance(r, Mapping) and r.get("counterexample"):
                bounds = r.get("bounds") or {}
                return (
                    str(r.get("guarantee", "")),
                    bounds.get("messages"),
                    list(r["counterexample"]["steps"]),
                )
        raise ValueError("the JSON result holds no counterexample")
    if "counterexample" in data:
        bounds = data.get("bounds") or {}
        return (
            str(data.get("guarantee", "")),
            bounds.get("messages"),
            list(data["counterexample"]["steps"]),
        )
    if "steps" in data:
        return str(data.get("guarantee", "")), None, list(data["steps"])
    raise ValueError("not an mqcheck trace: expected 'results', 'counterexample' or 'steps'")


def violates(
    system: TransitionSystem, compiled: CompiledSystem, guarantee: str, state: tuple[int, ...]
) -> bool | None:
    """Whether `state` violates the guarantee (None: the model defines no such guarantee).
    at-least-once looks ahead over fault-free steps with `compiled.successors`."""
    g = system.guarantee("at-least-once" if guarantee == "exactly-once" else guarantee)
    if guarantee == "exactly-once":
        amo = system.guarantee("at-most-once")
        if isinstance(amo, Invariant) and compile_predicate(system, amo.bad)(state):
            g = amo
    if isinstance(g, Invariant):
        return compile_predicate(system, g.bad)(state)
    if isinstance(g, Eventually):
        canon = canonicalizer(system) or (lambda s: s)
        return bool(unreachable_parts(system, compiled, canon, g, state))
    return None


def replay(
    system: TransitionSystem, guarantee: str, steps: Sequence[Mapping[str, Any]]
) -> ReplayOutcome:
    compiled = compile_system(system)
    by_name = {a.name: i for i, a in enumerate(system.actions)}
    names = [v.name for v in system.variables]
    state = system.initial_state()
    for n, step in enumerate(steps, start=1):
        action_name = step.get("action")
        if not isinstance(action_name, str) or action_name not in by_name:
            return ReplayOutcome(
                False, n - 1, guarantee, f"step {n}: no action {action_name!r} in the model"
            )
        a = by_name[action_name]
        after = compiled.apply(a, state)
        if after is None:
            return ReplayOutcome(
                False,
                n - 1,
                guarantee,
                f"step {n}: {action_name} is not enabled here (its guard is false)",
            )
        recorded = step.get("state")
        if isinstance(recorded, Mapping):
            for name, value in zip(names, after, strict=True):
                if name in recorded and recorded[name] != value:
                    return ReplayOutcome(
                        False,
                        n - 1,
                        guarantee,
                        f"step {n}: after {action_name}, {name} is {value} but the trace says {recorded[name]}",
                    )
        state = after
    violated = violates(system, compiled, guarantee, state)
    if violated is None:
        return ReplayOutcome(
            True,
            len(steps),
            guarantee,
            f"all {len(steps)} steps replay (no guarantee named to check)",
        )
    if not violated:
        return ReplayOutcome(
            False,
            len(steps),
            guarantee,
            f"all {len(steps)} steps replay, but the last state does not violate {guarantee}",
        )
    return ReplayOutcome(
        True,
        len(steps),
        guarantee,
        f"all {len(steps)} steps replay and the last state violates {guarantee}",
    )
