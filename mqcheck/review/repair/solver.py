"""The proposer of `mqcheck repair`: Z3's Optimize over the knobs' value indexes.

It holds the domains, Kafka's validity rules (rules.py), the cost (cost.py)
and every clause learned so far, and answers with the cheapest configuration left, or None
when no configuration satisfies them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import z3  # type: ignore[import-untyped]

from mqcheck.review.repair.cost import MIN_ISR_EQUALS_RF, change_cost
from mqcheck.review.repair.rules import Rule
from mqcheck.review.repair.space import SearchSpace

Config = tuple[object, ...]  # one value per knob, in SearchSpace.knobs order

#: Z3's own limit for one Optimize call; the search spaces are small, this is a safeguard.
SOLVER_TIMEOUT_MS = 60_000


class SolverGaveUp(RuntimeError):
    """Z3 answered `unknown` (its timeout): the search cannot go on."""


class Proposer:
    def __init__(self, space: SearchSpace, rules: Sequence[Rule]) -> None:
        self.space = space
        self.opt = z3.Optimize()
        self.opt.set("timeout", SOLVER_TIMEOUT_MS)
        self.x = [z3.Int(f"k{i}") for i in range(len(space.knobs))]
        for x, knob in zip(self.x, space.knobs, strict=True):
            self.opt.add(x >= 0, x < len(knob.domain))
        for rule in rules:
            self.opt.add(z3.Or([self._row(rule.knobs, row) for row in rule.allowed]))
        self.opt.minimize(self._cost())
        # Tie-break: fewer changes, then the lower index (the domain's order): deterministic.
        self.opt.minimize(z3.Sum([z3.If(x != self._cur(i), 1, 0) for i, x in enumerate(self.x)]))

    def _cur(self, i: int) -> int:
        knob = self.space.knobs[i]
        return knob.domain.index(knob.current)

    def _eq(self, i: int, value: object) -> z3.BoolRef:
        knob = self.space.knobs[i]
        matches = [j for j, v in enumerate(knob.domain) if v == value and type(v) is type(value)]
        return self.x[i] == matches[0] if matches else z3.BoolVal(False)

    def _row(self, knobs: Iterable[int], row: Sequence[object]) -> z3.BoolRef:
        return z3.And([self._eq(i, v) for i, v in zip(knobs, row, strict=True)])

    def _cost(self) -> z3.ArithRef:
        terms = []
        for i, knob in enumerate(self.space.knobs):
            for j, value in enumerate(knob.domain):
                cost = change_cost(knob, value)
                if cost:
                    terms.append(z3.If(self.x[i] == j, cost, 0))
        terms.extend(self._pair_costs())
        return z3.Sum(terms) if terms else z3.IntVal(0)

    def _pair_costs(self) -> list[z3.ArithRef]:
        """min.insync.replicas = replication.factor (≥ 2): availability, charged once."""
        out = []
        index = self.space.index()
        for knob in self.space.knobs:
            if knob.name != "replication.factor":
                continue
            rf_i = index[knob.id]
            m_i = index.get(f"{knob.scope} min.insync.replicas")
            if m_i is None:
                continue
            m_knob = self.space.knobs[m_i]
            if m_knob.current == knob.current:
                continue
            same = z3.Or(
                [
                    z3.And(self._eq(rf_i, r), self._eq(m_i, r))
                    for r in knob.domain
                    if isinstance(r, int) and r >= 2 and r in m_knob.domain
                ]
            )
            out.append(z3.If(same, MIN_ISR_EQUALS_RF, 0))
        return out

    def propose(self) -> Config | None:
        answer = self.opt.check()
        if answer == z3.unsat:
            return None
        if answer != z3.sat:
            raise SolverGaveUp(str(self.opt.reason_unknown()))
        model = self.opt.model()
        return tuple(
            knob.domain[model.eval(x, model_completion=True).as_long()]
            for x, knob in zip(self.x, self.space.knobs, strict=True)
        )

    def cost(self, config: Config) -> int:
        """The objective's value for `config`, computed the same way in Python."""
        total = sum(change_cost(k, v) for k, v in zip(self.space.knobs, config, strict=True))
        index = self.space.index()
        for knob in self.space.knobs:
            m_i = index.get(f"{knob.scope} min.insync.replicas")
            if knob.name != "replication.factor" or m_i is None:
                continue
            m_knob = self.space.knobs[m_i]
            r, m = config[index[knob.id]], config[m_i]
            if m_knob.current != knob.current and r == m and isinstance(r, int) and r >= 2:
                total += MIN_ISR_EQUALS_RF
        return total

    def exclude(self, config: Config, knobs: Iterable[int]) -> None:
        """Learn: at least one of `knobs` differs from its value in `config`."""
        self.opt.add(z3.Or([z3.Not(self._eq(i, config[i])) for i in knobs]))
