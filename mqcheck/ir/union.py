"""Several transition systems as one: a `config` variable, fixed in the initial state, picks
which member runs.

This is how `--symbolic` asks one query about many configurations without a second model of
Kafka: each configuration is compiled by the ordinary model, and the union only renames and
guards. Member i's actions are guarded by `config == i` and write only member i's variables;
variables are merged by name with the union of their domains (a variable member i does not
have keeps its initial value while member i runs); each guarantee, the goal parts and the
`limit` hold relative to the member that runs. No action writes `config`, so every run stays
inside one member, and a path of the union with `config == i` is, step for step, a path of
member i (`Union.member_path`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from mqcheck.ir.expr import Expr, Var, all_of, any_of
from mqcheck.ir.system import (
    Action,
    Composite,
    Eventually,
    Guarantee,
    Invariant,
    TransitionSystem,
    Variable,
)

State = tuple[int, ...]
SELECTOR = "config"


@dataclass(frozen=True, eq=False)
class Union:
    system: TransitionSystem
    members: tuple[TransitionSystem, ...]
    offsets: tuple[int, ...]  # member i's actions are system.actions[offsets[i]:offsets[i+1]]
    selector: str = SELECTOR

    def member_of(self, state: State) -> int:
        """Which member a union state belongs to."""
        return state[self.system.index()[self.selector]]

    def project(self, member: int, state: State) -> State:
        """A union state as a state of member `member` (its variables, in its order)."""
        index = self.system.index()
        return tuple(state[index[v.name]] for v in self.members[member].variables)

    def member_path(
        self, member: int, path: Sequence[tuple[int, State]]
    ) -> list[tuple[int, State]]:
        """A union path of member `member` as a path of the member's own system: action
        indices shifted back, states projected onto the member's variables."""
        start = self.offsets[member]
        out = []
        for a, state in path:
            if not start <= a < self.offsets[member + 1]:
                raise ValueError(f"action {a} does not belong to member {member}")
            out.append((a - start, self.project(member, state)))
        return out


def union(members: Sequence[TransitionSystem], name: str = "union") -> Union:
    """The union of `members` (at least one); see the module docstring."""
    if not members:
        raise ValueError("a union needs at least one member")
    merged: dict[str, Variable] = {}
    for m in members:
        for v in m.variables:
            if v.name == SELECTOR:
                raise ValueError(f"member {m.name} already has a variable named {SELECTOR!r}")
            old = merged.get(v.name)
            merged[v.name] = v if old is None else _widened(old, v)
    n = len(members)
    config = Variable(SELECTOR, 0, n - 1, 0, "which configuration runs (fixed from the start)")
    variables = (config, *merged.values())
    starts = []
    for i, m in enumerate(members):
        own = {v.name: v.init for v in m.variables}
        starts.append((i, *(own.get(v.name, v.init) for v in merged.values())))
    selector = Var(SELECTOR)
    actions: list[Action] = []
    offsets = [0]
    for i, m in enumerate(members):
        own_names = {v.name for v in m.variables}
        for a in m.actions:
            actions.append(
                replace(
                    a,
                    name=f"{a.name}#{i}",
                    guard=all_of((selector.eq(i), a.guard)),
                    # an update of a name that is not one of the member's variables is
                    # ignored by the member's model; another member may own that name
                    updates={k: e for k, e in a.updates.items() if k in own_names},
                )
            )
        offsets.append(len(actions))
    limits = [(i, m.limit) for i, m in enumerate(members) if m.limit is not None]
    system = TransitionSystem(
        name=name,
        variables=variables,
        actions=tuple(actions),
        guarantees=_guarantees(members, selector),
        limit=any_of(selector.eq(i) & e for i, e in limits) if limits else None,
        limit_reason="a modelling bound of one configuration was reached",
        initial_states=tuple(starts),
    )
    return Union(system, tuple(members), tuple(offsets))


def _widened(old: Variable, v: Variable) -> Variable:
    """One variable for two members' of the same name: the wider domain; what its values
    mean is kept only where the members agree (a leader index means another broker when
    the replica counts differ), else it reads as a plain number."""
    lo, hi = min(old.lo, v.lo), max(old.hi, v.hi)
    agree = (old.kind, old.labels) == (v.kind, v.labels)
    if agree and (old.kind != "enum" or (lo, hi) == (old.lo, old.hi)):
        return replace(old, lo=lo, hi=hi)
    return replace(old, lo=lo, hi=hi, kind="int", labels={})


def _relative(selector: Expr, terms: Sequence[tuple[int, Expr]]) -> Expr:
    """`term_i` holds for the member i that runs."""
    return any_of(selector.eq(i) & t for i, t in terms)


def _guarantees(members: Sequence[TransitionSystem], selector: Expr) -> tuple[Guarantee, ...]:
    out: list[Guarantee] = []
    for g in members[0].guarantees:
        own = [(i, m.guarantee(g.guarantee)) for i, m in enumerate(members)]
        if isinstance(g, Composite):  # made of guarantees that are relative already
            out.append(g)
        elif isinstance(g, Invariant):
            bad = [(i, h.bad) for i, h in own if isinstance(h, Invariant)]
            out.append(Invariant(g.guarantee, _relative(selector, bad), g.description))
        elif isinstance(g, Eventually):
            live = [(i, h) for i, h in own if isinstance(h, Eventually)]
            labels = list(dict.fromkeys(label for _, h in live for label in h.parts))
            parts = {
                label: _relative(
                    selector, [(i, h.parts[label]) for i, h in live if label in h.parts]
                )
                for label in labels
            }
            goal = _relative(selector, [(i, h.goal) for i, h in live])
            out.append(Eventually(g.guarantee, goal, parts, g.description))
    return tuple(out)
