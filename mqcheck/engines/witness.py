"""What an engine says about the last state of a violation: the lost messages (goal parts
out of reach without faults) and the duplicated and reordered ones (the model's
observations). Shared by both engines, so a violation is labelled the same whichever
engine found it; the steps and sentences are the trace layer's job.
"""

from __future__ import annotations

from collections.abc import Sequence

from mqcheck.ir.compile_py import compile_predicate
from mqcheck.ir.lookahead import Future, missing_parts, part_predicates, settle
from mqcheck.ir.system import Checked, Eventually, TransitionSystem
from mqcheck.result import Witness

State = tuple[int, ...]


def witness(
    system: TransitionSystem,
    future: Future,
    guarantee: Checked,
    start: State,
    path: Sequence[tuple[int, State]],
) -> Witness:
    """The violation of `guarantee` along `path` from `start`, labelled at its last state.
    An observation is left out when the model says it is not part of this guarantee's
    story (`Observation.not_with`). An at-least-once violation ends where the loss became
    unavoidable; its `consequence` shows how it then plays out (`settle`), so a reader
    need not guess which election, truncation or offset loses the message."""
    final = path[-1][1] if path else start
    lost: tuple[str, ...] = ()
    consequence: tuple[tuple[int, State], ...] = ()
    if isinstance(guarantee, Eventually):
        lost, _ = missing_parts(future, part_predicates(system, guarantee), final)
        consequence = _follow(future, final, settle(future, final)[0] or ())
    duplicated: list[str] = []
    reordered: list[str] = []
    for obs in system.observations:
        if guarantee.guarantee in obs.not_with:
            continue
        if compile_predicate(system, obs.holds)(final):
            (duplicated if obs.category == "duplicated" else reordered).append(obs.label)
    return Witness(start, tuple(path), lost, tuple(duplicated), tuple(reordered), consequence)


def _follow(future: Future, start: State, plan: Sequence[int]) -> tuple[tuple[int, State], ...]:
    """The (action, state after) pairs of `plan` from `start`: a grounded action has one
    successor, so the action index alone picks it."""
    out = []
    state = start
    for a in plan:
        state = dict(future.successors(state))[a]
        out.append((a, state))
    return tuple(out)
