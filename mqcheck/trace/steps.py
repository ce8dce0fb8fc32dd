"""Turn an engine's path into trace steps with their sentences.

Shared by both engines' results and by replay, so a counterexample reads the same whichever
engine found it. Like Stateright's `format_step`: the action's text template, filled with
terms evaluated in the state before the step. Engines return a `Witness` (a path of action
instances and states); whoever calls an engine gives its results to `with_trace`, which
adds the `Counterexample` renderers print.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from dataclasses import replace

from mqcheck.ir.compile_py import Evaluator, compile_term
from mqcheck.ir.system import Action, TransitionSystem
from mqcheck.result import Counterexample, Encoding, GuaranteeResult, Step, Witness

State = tuple[int, ...]


class _Texts:
    """The compiled text arguments of one system's actions, for one trace: compiled on
    first use and dropped with the trace, so no cache outlives (or keeps alive) a system."""

    def __init__(self, system: TransitionSystem) -> None:
        self.system = system
        self.code: dict[tuple[int, str], Evaluator] = {}

    def evaluator(self, action_index: int, name: str) -> Evaluator:
        key = (action_index, name)
        hit = self.code.get(key)
        if hit is None:
            term = self.system.actions[action_index].text_args[name]
            hit = self.code[key] = compile_term(self.system, term)
        return hit


def state_dict(system: TransitionSystem, state: State) -> dict[str, int]:
    return {v.name: int(x) for v, x in zip(system.variables, state, strict=True)}


def _fill_text(texts: _Texts, action_index: int, before: State) -> str:
    system = texts.system
    action = system.actions[action_index]
    values: dict[str, str] = {}
    for name in action.text_args:
        value = texts.evaluator(action_index, name)(before)
        if name.startswith("msg") and system.value_labels and 0 <= value < len(system.value_labels):
            values[name] = system.value_labels[value]
        else:
            values[name] = str(value)
    fields = {f for _, f, _, _ in string.Formatter().parse(action.text) if f}
    for f in fields - values.keys():
        values[f] = "{" + f + "}"
    return action.text.format(**values)


def _make_step(texts: _Texts, action_index: int, before: State, after: State, i: int) -> Step:
    action: Action = texts.system.actions[action_index]
    return Step(
        i=i,
        kind=action.kind,
        actor=action.actor,
        text=_fill_text(texts, action_index, before),
        action=action.name,
        message=action.message,
        fault=action.fault,
        hazard=action.hazard,
        fix=action.fix,
        state=state_dict(texts.system, after),
    )


def make_steps(
    system: TransitionSystem, path: Sequence[tuple[int, State]], start: State
) -> list[Step]:
    """Steps for a path given as (action index, state after) pairs from `start`."""
    texts = _Texts(system)
    steps = []
    before = start
    for i, (a, after) in enumerate(path, start=1):
        steps.append(_make_step(texts, a, before, after, i))
        before = after
    return steps


def counterexample(system: TransitionSystem, found: Witness) -> Counterexample:
    """The trace of a violation of `system`: its steps, the engine's labels, the faults
    the steps used, the initial state, and how a loss plays out afterwards (its own steps,
    numbered from 1, starting from the last state) and how its variables read."""
    steps = tuple(make_steps(system, found.path, found.start))
    end = found.path[-1][1] if found.path else found.start
    return Counterexample(
        steps=steps,
        lost=found.lost,
        duplicated=found.duplicated,
        reordered=found.reordered,
        faults_used=tuple(s.fault for s in steps if s.fault),
        initial_state=state_dict(system, found.start),
        consequence=tuple(make_steps(system, found.consequence, end)),
        encodings=encodings(system),
    )


def encodings(system: TransitionSystem) -> dict[str, Encoding]:
    """How each variable of `system` reads, for renderers that decode states (ITF)."""
    return {v.name: Encoding(v.kind, dict(v.labels)) for v in system.variables}


def with_trace(system: TransitionSystem, result: GuaranteeResult) -> GuaranteeResult:
    """`result` with the counterexample of its witness (unchanged when it has none)."""
    if result.witness is None or result.counterexample is not None:
        return result
    return replace(result, counterexample=counterexample(system, result.witness))


def with_traces(
    system: TransitionSystem, results: Iterable[GuaranteeResult]
) -> list[GuaranteeResult]:
    return [with_trace(system, r) for r in results]
