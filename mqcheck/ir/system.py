"""The transition system: variables with finite domains, guarded actions, guarantees.

This is the one artefact every engine reads. The model layer builds it from a Spec; the
explicit engine compiles it to Python, the Z3 engine to terms, the trace printer reads its
action texts. An action is *grounded*: its parameters (which broker, which message) are
already constants, kept in `params` so traces and exporters can name them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mqcheck.ir.clauses import Clause
from mqcheck.ir.expr import Expr

#: How a variable's integers read: plain numbers, false/true, or names (every value named).
KINDS = ("int", "bool", "enum")


@dataclass(frozen=True)
class Variable:
    """A state variable with the integer domain lo..hi (booleans are 0..1).

    `kind` and `labels` say what the integers encode, so that machine outputs (ITF, the
    state graph) can show what the model means rather than its encoding: a "bool" reads 0/1
    as false/true; an "enum" names every value in `labels` (a producer status, a broker, a
    log entry); an "int" is a number, and `labels` may name a sentinel (-1: "none").
    `mqcheck.result.Encoding` carries the same two fields to renderers, and reads a value.
    """

    name: str
    lo: int
    hi: int
    init: int
    doc: str = ""
    kind: str = "int"
    labels: Mapping[int, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.lo <= self.init <= self.hi:
            raise ValueError(f"{self.name}: initial value {self.init} outside {self.lo}..{self.hi}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r} is not one of {KINDS}")
        if self.kind == "bool" and not 0 <= self.lo <= self.hi <= 1:
            raise ValueError(f"{self.name}: a bool needs a domain within 0..1")
        unnamed = [x for x in range(self.lo, self.hi + 1) if x not in self.labels]
        if self.kind == "enum" and unnamed:
            raise ValueError(f"{self.name}: an enum names every value; {unnamed[0]} has no label")


@dataclass(frozen=True)
class Action:
    """One grounded action: when `guard` holds, all `updates` happen at once (each right
    side is read in the state before the action).

    `kind` is the trace step kind of the contract (send, append, broker_crash, ...);
    `text` is a template whose `{name}` fields are filled from `text_args`, terms evaluated
    in the state before the step. `fault` names the fault budget the action draws on (None
    for ordinary progress); at-least-once is judged over runs in which faults stop.
    `hazard` says which setting can make this step fatal and `fix` what prevents it; the
    narrative quotes them when the step is part of a counterexample.
    """

    name: str
    kind: str
    actor: str
    guard: Expr
    updates: Mapping[str, Expr]
    text: str
    text_args: Mapping[str, Expr] = field(default_factory=dict)
    params: Mapping[str, int | str] = field(default_factory=dict)
    fault: str | None = None
    message: str | None = None
    hazard: str = ""
    fix: str = ""

    def writes(self) -> set[str]:
        return set(self.updates)


@dataclass(frozen=True)
class Invariant:
    """A safety guarantee: `bad` must never hold in a reachable state."""

    guarantee: str
    bad: Expr
    description: str


@dataclass(frozen=True)
class Eventually:
    """A liveness guarantee judged as "the goal stays reachable without further faults":
    a reachable state from which no fault-free path reaches `goal` violates it.

    `goal` is the conjunction of `parts`; each part is monotone (once true, it stays true),
    which makes the per-part check and the whole-goal check agree. `parts` name what is
    missing when the guarantee fails (e.g. "m1" -> "m1 processed by billing").
    """

    guarantee: str
    goal: Expr
    parts: Mapping[str, Expr]
    description: str


@dataclass(frozen=True)
class Composite:
    """A guarantee that holds when each of `parts` (names of the system's other guarantees)
    holds. Engines check the parts and answer for the composite from their answers, so they
    need not know which guarantees the model composes (exactly-once is the model's word)."""

    guarantee: str
    parts: tuple[str, ...]
    description: str


#: A guarantee an engine checks directly.
Checked = Invariant | Eventually
Guarantee = Invariant | Eventually | Composite


@dataclass(frozen=True)
class Observation:
    """A labelled state predicate reported with a counterexample: `category` is lost,
    duplicated or reordered, `label` the message (m1). `not_with` names the guarantees whose
    counterexamples leave it out (the model's choice of what each story is about)."""

    category: str
    label: str
    holds: Expr
    not_with: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Symmetry:
    """Interchangeable members (e.g. a partition's replicas): `members[i]` lists member
    i's variables, role by role, in the same order for every member. Permuting members
    permutes those variables, renames the member indices held in `index_vars` (a value
    equal to len(members) means "none") and permutes the bits of `mask_vars`."""

    members: tuple[tuple[str, ...], ...]
    index_vars: tuple[str, ...] = ()
    mask_vars: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class TransitionSystem:
    name: str
    variables: tuple[Variable, ...]
    actions: tuple[Action, ...]
    guarantees: tuple[Guarantee, ...]
    observations: tuple[Observation, ...] = ()
    symmetries: tuple[Symmetry, ...] = ()
    # Facts about the bounds, reported with every result (messages, fault budgets, ...).
    bounds: Mapping[str, object] = field(default_factory=dict)
    # States where a modelling bound was exceeded (e.g. a replica log ran out of slots):
    # they are not explored further, and a guarantee that was not violated elsewhere is
    # then `unknown`, never `holds`.
    limit: Expr | None = None
    limit_reason: str = ""
    # How to print a value held by a variable that stores a log entry: code -> "m1".
    # Text arguments whose name starts with "msg" are printed through it.
    value_labels: tuple[str, ...] = ()
    # Several initial states (each a full state, in variable order) instead of the one that
    # the variables' `init` values make: a union of configurations (mqcheck.ir.union) starts
    # in any of its members' initial states. Empty: the single state of `init` values.
    initial_states: tuple[tuple[int, ...], ...] = ()
    # Candidate invariants the model offers the proof engines (mqcheck.model.lemmas): facts
    # it expects of every reachable state, as clauses. Only candidates: an engine keeps the
    # ones it proves inductive (mqcheck.engines.houdini), so a wrong one costs a proof, never
    # a verdict. Clauses naming a variable the system lacks are ignored.
    lemma_candidates: tuple[Clause, ...] = ()

    def index(self) -> dict[str, int]:
        return {v.name: i for i, v in enumerate(self.variables)}

    def initial_state(self) -> tuple[int, ...]:
        """The initial state; for a system with several, the first (see `initial_states`)."""
        return tuple(v.init for v in self.variables)

    def starts(self) -> tuple[tuple[int, ...], ...]:
        """Every initial state."""
        return self.initial_states or (self.initial_state(),)

    def terms(self) -> list[Expr]:
        """Every term the system evaluates: the guards and updates of its actions, each
        guarantee's `bad` predicate or goal, and the `limit` (what an analysis of the values
        the model computes must cover)."""
        out: list[Expr] = []
        for a in self.actions:
            out.append(a.guard)
            out.extend(a.updates.values())
        for g in self.guarantees:
            if isinstance(g, Invariant):
                out.append(g.bad)
            elif isinstance(g, Eventually):
                out.append(g.goal)
        if self.limit is not None:
            out.append(self.limit)
        return out

    def action_named(self, name: str) -> Action | None:
        for action in self.actions:
            if action.name == name:
                return action
        return None

    def guarantee(self, name: str) -> Guarantee | None:
        for g in self.guarantees:
            if g.guarantee == name:
                return g
        return None

    def checked(self, names: Iterable[str]) -> list[Checked]:
        """The guarantees an engine checks to answer for `names`: each one itself, or a
        composite's parts; in the system's order, each once, undefined names left out."""
        wanted: set[str] = set()
        for name in names:
            g = self.guarantee(name)
            wanted |= set(g.parts) if isinstance(g, Composite) else {name}
        return [
            g for g in self.guarantees if not isinstance(g, Composite) and g.guarantee in wanted
        ]
