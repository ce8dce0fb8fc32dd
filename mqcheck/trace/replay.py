"""Replay a counterexample against a freshly compiled model: every step's action must exist,
its guard must hold in the state reached so far, every variable the step records must be
what the action produces, and the last state must violate the guarantee.

A trace that fails any of these is refused with the step and the reason: a counterexample
that does not replay is worth nothing to a reviewer. The `consequence` of an at-least-once
trace (how the loss plays out, not part of the minimal trace) is replayed after the last
state has been judged, under the same checks, and each of its steps must be fault-free. Replay trusts nothing the trace says
about itself: `read_trace` checks its shape first (a trace that names no guarantee, a
messages bound `check` would not accept or a step that is not an object is not a trace),
and the last state is judged by the model's own guarantee with the judgement the engines
use (`mqcheck.ir.lookahead`), not by anything an engine left behind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mqcheck.ir.compile_py import CompiledSystem, compile_predicate, compile_system
from mqcheck.ir.lookahead import DEFAULT_STATES, Future, goal_plan
from mqcheck.ir.system import Eventually, Invariant, TransitionSystem

State = tuple[int, ...]


class TraceError(ValueError):
    """The data is not a readable mqcheck trace (the replay contract's exit 2)."""


@dataclass(frozen=True)
class Trace:
    """What a trace file says: the guarantee it violates, the messages bound it was found
    with (None: not recorded) and its steps, each an object."""

    guarantee: str
    messages: int | None
    steps: tuple[Mapping[str, Any], ...]
    consequence: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class ReplayOutcome:
    ok: bool
    steps: int
    guarantee: str
    message: str


def read_trace(data: object, max_messages: int) -> Trace:
    """The trace in a JSON result (the first result with a counterexample), a single
    result or a bare object with `steps`; `max_messages` is the largest messages bound
    `check` accepts. Raises TraceError naming what is wrong."""
    if not isinstance(data, Mapping):
        raise TraceError("the file does not hold a JSON object")
    holder: Mapping[str, Any] = data
    if "results" in data:
        results = data["results"]
        if not isinstance(results, list):
            raise TraceError("'results' is not a list")
        found = [r for r in results if isinstance(r, Mapping) and r.get("counterexample")]
        if not found:
            raise TraceError("the JSON result holds no counterexample")
        holder = found[0]
    if "counterexample" in holder:
        cex = holder["counterexample"]
        if not isinstance(cex, Mapping):
            raise TraceError("'counterexample' is not an object")
    elif "steps" in holder:
        cex = holder
    else:
        raise TraceError("not an mqcheck trace: expected 'results', 'counterexample' or 'steps'")
    guarantee = holder.get("guarantee")
    if not isinstance(guarantee, str) or not guarantee:
        raise TraceError("the trace names no guarantee it violates")
    consequence = _steps(cex["consequence"], "consequence") if "consequence" in cex else ()
    return Trace(guarantee, _messages(holder, max_messages), _steps(cex.get("steps")), consequence)


def _messages(holder: Mapping[str, Any], max_messages: int) -> int | None:
    bounds = holder.get("bounds")
    if bounds is None:
        return None
    if not isinstance(bounds, Mapping):
        raise TraceError("'bounds' is not an object")
    messages = bounds.get("messages")
    if messages is None:
        return None
    if not isinstance(messages, int) or isinstance(messages, bool):
        raise TraceError(f"bounds.messages is not an integer: {_short(messages)}")
    if not 1 <= messages <= max_messages:
        raise TraceError(
            f"bounds.messages is {_short(messages)}, outside the 1..{max_messages} that "
            "check accepts"
        )
    return messages


def _steps(steps: object, key: str = "steps") -> tuple[Mapping[str, Any], ...]:
    where = "step" if key == "steps" else f"{key} step"
    if not isinstance(steps, list):
        raise TraceError(f"'{key}' is not a list")
    for n, step in enumerate(steps, start=1):
        if not isinstance(step, Mapping):
            raise TraceError(f"{where} {n} is not an object")
        state = step.get("state")
        if state is None:
            continue
        if not isinstance(state, Mapping):
            raise TraceError(f"{where} {n}: 'state' is not an object")
        for name, value in state.items():
            if not isinstance(value, int) or isinstance(value, bool):
                raise TraceError(f"{where} {n}: state.{name} is not an integer: {_short(value)}")
    return tuple(steps)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def violates(
    system: TransitionSystem,
    future: Callable[[], Future],
    guarantee: str,
    state: State,
    max_states: int = DEFAULT_STATES,
) -> bool | None:
    """Whether `state` violates the guarantee; a composite (exactly-once) when one of its
    parts does. None when the fault-free look-ahead of at-least-once gave up after
    `max_states` states (undecided). `future` is called only when a look-ahead is needed
    (repair judges many traces under invariants alone). The guarantee must be defined by
    the model."""
    verdicts: list[bool | None] = []
    # invariants first: a state predicate decides at once
    for g in sorted(system.checked((guarantee,)), key=lambda g: isinstance(g, Eventually)):
        if isinstance(g, Invariant):
            verdicts.append(compile_predicate(system, g.bad)(state))
        else:
            found = goal_plan(future(), compile_predicate(system, g.goal), state, max_states)
            [plan] = found.plans
            verdicts.append(None if plan is None and found.stopped else plan is None)
        if verdicts[-1]:
            return True
    return None if None in verdicts else False


def _walk(
    system: TransitionSystem,
    compiled: CompiledSystem,
    state: State,
    steps: Sequence[Mapping[str, Any]],
    where: str,
    fault_free: bool,
) -> tuple[State, int, str]:
    """Apply `steps` from `state`: (the state reached, the steps that replayed, why the
    next one did not, "" when all did). `where` names a step in the reason ("step",
    "consequence step"); with `fault_free`, a fault step is refused too."""
    by_name = {a.name: i for i, a in enumerate(system.actions)}
    index = system.index()
    for n, step in enumerate(steps, start=1):
        action_name = step.get("action")
        if not isinstance(action_name, str) or action_name not in by_name:
            return state, n - 1, f"{where} {n}: no action {action_name!r} in the model"
        if fault_free and system.actions[by_name[action_name]].fault is not None:
            return state, n - 1, f"{where} {n}: {action_name} is a fault, and no fault follows"
        after = compiled.apply(by_name[action_name], state)
        if after is None:
            return (
                state,
                n - 1,
                f"{where} {n}: {action_name} is not enabled here (its guard is false)",
            )
        recorded = step.get("state")
        if isinstance(recorded, Mapping):
            for name, value in recorded.items():
                if name not in index:
                    return (
                        state,
                        n - 1,
                        f"{where} {n}: the trace records {name}, which the model does not have",
                    )
                if value != after[index[name]]:
                    return (
                        state,
                        n - 1,
                        f"{where} {n}: after {action_name}, {name} is {after[index[name]]} but "
                        f"the trace says {value}",
                    )
        state = after
    return state, len(steps), ""


def replay(
    system: TransitionSystem,
    guarantee: str,
    steps: Sequence[Mapping[str, Any]],
    compiled: CompiledSystem | None = None,
    consequence: Sequence[Mapping[str, Any]] = (),
) -> ReplayOutcome:
    """Replay `steps` (as `read_trace` returns them, or step objects of a JSON trace), then
    the trace's `consequence` from its last state, fault-free."""
    if system.guarantee(guarantee) is None:
        defined = ", ".join(g.guarantee for g in system.guarantees)
        return ReplayOutcome(
            False, 0, guarantee, f"the model defines no guarantee {guarantee!r} ({defined})"
        )
    compiled = compiled or compile_system(system)
    state, done, why = _walk(system, compiled, system.initial_state(), steps, "step", False)
    if why:
        return ReplayOutcome(False, done, guarantee, why)
    successors = compiled.successors
    violated = violates(system, lambda: Future.of(system, successors), guarantee, state)
    if violated is None:
        return ReplayOutcome(
            False,
            len(steps),
            guarantee,
            f"all {len(steps)} steps replay, but whether the last state violates {guarantee} "
            f"was not decided within {DEFAULT_STATES} states of look-ahead",
        )
    if not violated:
        return ReplayOutcome(
            False,
            len(steps),
            guarantee,
            f"all {len(steps)} steps replay, but the last state does not violate {guarantee}",
        )
    message = f"all {len(steps)} steps replay and the last state violates {guarantee}"
    if consequence:
        _, _, why = _walk(system, compiled, state, consequence, "consequence step", True)
        if why:
            return ReplayOutcome(False, len(steps), guarantee, f"{message}, but {why}")
        message += f"; the {len(consequence)} steps of how it plays out replay without faults"
    return ReplayOutcome(True, len(steps), guarantee, message)
