"""Learning from a counterexample: which knobs the refuting trace depends on.

A knob is *involved* when some other value of it, changed alone, makes the trace stop
witnessing a violation (witness.py: followed through the changed model, with short
fault-free fillings, it must end in a violating state). A change Kafka refuses on its own
(acks=1 for an idempotent producer) is tried with the fewest companion changes that make it
valid; a knob with no valid alternative counts as involved, which only weakens the clause.
Then the uninvolved knobs are moved away together, one after another, keeping each move
while the trace still witnesses; a knob whose move breaks it joins the involved set. The
clause learned is "at least one involved knob differs": the refuted configuration, each
single-change neighbour and the chain of joint moves are all witnessed; other combinations
are a generalisation (docs/repair.md, "Soundness").
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mqcheck.ir.compile_py import ActionCode
from mqcheck.model.compile import UnsupportedSpec
from mqcheck.result import Counterexample
from mqcheck.review.repair.rules import Rule, valid
from mqcheck.review.repair.solver import Config
from mqcheck.review.repair.space import SearchSpace
from mqcheck.review.repair.witness import witnesses
from mqcheck.run import compile_spec
from mqcheck.spec.schema import Spec

Realise = Callable[[Config], Spec | None]  # the loaded variant, or None if Kafka refuses it


def trace_actions(counterexample: Counterexample) -> tuple[str, ...]:
    return tuple(s.action for s in counterexample.steps)


@dataclass
class Learner:
    space: SearchSpace
    rules: Sequence[Rule]
    realise: Realise
    guarantee: str
    replays_run: int = 0
    traces: int = 0
    _cache: dict[tuple[int, Config], bool] = field(default_factory=dict)
    _code: dict[str, ActionCode] = field(default_factory=dict)  # compiled actions, by text

    def replays(self, trace_id: int, actions: Sequence[str], config: Config) -> bool:
        """Whether the trace is a counterexample under `config` too."""
        key = (trace_id, config)
        if key not in self._cache:
            self._cache[key] = self._replays(actions, config)
        return self._cache[key]

    def _replays(self, actions: Sequence[str], config: Config) -> bool:
        spec = self.realise(config)
        if spec is None:
            return False
        self.replays_run += 1
        try:
            system = compile_spec(spec, (self.guarantee,))
        except UnsupportedSpec:
            return False
        return witnesses(system, self.guarantee, actions, self._code)

    def involved(self, config: Config, counterexample: Counterexample) -> tuple[int, ...]:
        """The knobs the refutation of `config` depends on (indexes, in knob order)."""
        steps = trace_actions(counterexample)
        self.traces += 1
        trace_id = self.traces
        involved: set[int] = set()
        movable: dict[int, object] = {}  # an alternative that keeps the trace replaying
        for i, knob in enumerate(self.space.knobs):
            tested = False
            for value in knob.domain:
                if value == config[i] and type(value) is type(config[i]):
                    continue
                neighbour = self._valid_neighbour(config, i, value)
                if neighbour is None:
                    continue
                tested = True
                if not self.replays(trace_id, steps, neighbour):
                    involved.add(i)
                    break
                movable.setdefault(i, value)
            if not tested:
                involved.add(i)
        joint = config
        for i, value in movable.items():
            if i in involved:
                continue
            moved = _with(joint, i, value)
            if not valid(moved, self.rules) or self.realise(moved) is None:
                continue
            if self.replays(trace_id, steps, moved):
                joint = moved
            else:
                involved.add(i)
        return tuple(sorted(involved))

    def _valid_neighbour(self, config: Config, i: int, value: object) -> Config | None:
        """`config` with knob i set to `value`; where a rule then fails (acks=1 for an
        idempotent producer), the fewest other knobs of the failing rules change with it."""
        neighbour = _with(config, i, value)
        broken = [r for r in self.rules if not r.holds(neighbour)]
        if broken:
            others = sorted({j for r in broken for j in r.knobs if j != i})
            options = [
                [neighbour[j], *(v for v in self.space.knobs[j].domain if v != neighbour[j])]
                for j in others
            ]
            candidates = sorted(
                itertools.product(*options),
                key=lambda row: sum(
                    a != b for a, b in zip(row, [neighbour[j] for j in others], strict=True)
                ),
            )
            for row in candidates:
                moved = neighbour
                for j, v in zip(others, row, strict=True):
                    moved = _with(moved, j, v)
                if valid(moved, self.rules):
                    neighbour = moved
                    break
            else:
                return None
        return neighbour if self.realise(neighbour) is not None else None


def _with(config: Config, i: int, value: object) -> Config:
    return (*config[:i], value, *config[i + 1 :])
