"""What an engine says about the last state of a violation: the lost messages (goal parts
out of reach without faults) and the duplicated and reordered ones (the model's
observations). Shared by both engines, so a violation is labelled the same whichever
engine found it; the steps and sentences are the trace layer's job.
"""

from __future__ import annotations

from collections.abc import Sequence

from mqcheck.ir.compile_py import compile_predicate
from mqcheck.ir.lookahead import Future, missing_parts, part_predicates
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
    story (`Observation.not_with`)."""
    final = path[-1][1] if path else start
    lost: tuple[str, ...] = ()
    if isinstance(guarantee, Eventually):
        lost, _ = missing_parts(future, part_predicates(system, guarantee), final)
    duplicated: list[str] = []
    reordered: list[str] = []
    for obs in system.observations:
        if guarantee.guarantee in obs.not_with:
            continue
        if compile_predicate(system, obs.holds)(final):
            (duplicated if obs.category == "duplicated" else reordered).append(obs.label)
    return Witness(start, tuple(path), lost, tuple(duplicated), tuple(reordered))
