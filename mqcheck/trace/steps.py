"""Turn (action, state before, state after) into a trace step with its sentence.

Shared by both engines and by replay, so a counterexample reads the same whichever engine
found it. Like Stateright's `format_step`: the action's text template, filled with terms
evaluated in the state before the step.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from functools import lru_cache

from mqcheck.ir.compile_py import Evaluator, compile_term
from mqcheck.ir.system import Action, TransitionSystem
from mqcheck.result import Step

State = tuple[int, ...]


@lru_cache(maxsize=4096)
def _evaluator(system: TransitionSystem, action_index: int, name: str) -> Evaluator:
    return compile_term(system, system.actions[action_index].text_args[name])


def state_dict(system: TransitionSystem, state: State) -> dict[str, int]:
    return {v.name: int(x) for v, x in zip(system.variables, state, strict=True)}


def fill_text(system: TransitionSystem, action_index: int, before: State) -> str:
    action = system.actions[action_index]
    values: dict[str, str] = {}
    for name in action.text_args:
        value = _evaluator(system, action_index, name)(before)
        if name.startswith("msg") and system.value_labels and 0 <= value < len(system.value_labels):
            values[name] = system.value_labels[value]
        else:
            values[name] = str(value)
    fields = {f for _, f, _, _ in string.Formatter().parse(action.text) if f}
    for f in fields - values.keys():
        values[f] = "{" + f + "}"
    return action.text.format(**values)


def make_step(
    system: TransitionSystem, action_index: int, before: State, after: State, i: int
) -> Step:
    action: Action = system.actions[action_index]
    return Step(
        i=i,
        kind=action.kind,
        actor=action.actor,
        text=fill_text(system, action_index, before),
        action=action.name,
        message=action.message,
        fault=action.fault,
        hazard=action.hazard,
        fix=action.fix,
        state=state_dict(system, after),
    )


def make_steps(
    system: TransitionSystem, path: Sequence[tuple[int, State]], start: State
) -> list[Step]:
    """Steps for a path given as (action index, state after) pairs from `start`."""
    steps = []
    before = start
    for i, (a, after) in enumerate(path, start=1):
        steps.append(make_step(system, a, before, after, i))
        before = after
    return steps
