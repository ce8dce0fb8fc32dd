"""Which grounded actions commute: read/write sets, dependency, and stubborn sets.

Partial-order reduction (docs/engines.md, "Partial-order reduction") expands, in a state,
only an *ample* subset of the enabled actions when the others commute with it and cannot
change what a guarantee looks at. Everything that decides "commute" is computed here, once
per system and statically, from the IR's expressions: the variables each action's guard
and updates read and the variables it writes. The per-state choice (`AmpleSets.choose`) is
then a function of the set of enabled actions alone, memoised on it, so an engine that
works on whole frontiers can call it once per distinct enabled set of a chunk; given the
state's own enabling sets (`EnablingSets`, which read the state) it is finer and per state.

The one thing an engine must add is the cycle proviso (`cycle_proviso_met`): it depends on
the search order, not on the system.

Action sets are Python ints used as bit masks (bit i: action i): closures are then a few
integer operations per action.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from mqcheck.ir.compile_py import to_source
from mqcheck.ir.expr import BinOp, Const, Expr, Ite, Var, conjuncts, variables_of
from mqcheck.ir.system import Action, TransitionSystem, Variable

State = tuple[int, ...]
#: Distinct enabled sets whose choice is memoised; past that the choice is recomputed.
CACHE_LIMIT = 1 << 16


@dataclass(frozen=True)
class Footprint:
    """What one action touches. `writes` leaves out updates `v := v` (they change
    nothing); `update_reads` are the variables the kept updates' right sides read."""

    guard_reads: frozenset[str]
    update_reads: frozenset[str]
    writes: frozenset[str]

    @property
    def reads(self) -> frozenset[str]:
        return self.guard_reads | self.update_reads


def footprint(action: Action) -> Footprint:
    kept = {v: e for v, e in action.updates.items() if not (isinstance(e, Var) and e.name == v)}
    update_reads: set[str] = set()
    for e in kept.values():
        update_reads |= variables_of(e)
    return Footprint(
        frozenset(variables_of(action.guard)), frozenset(update_reads), frozenset(kept)
    )


def dependent(a: Footprint, b: Footprint) -> bool:
    """Whether two actions may fail to commute. Independent (False) means: where both are
    enabled, neither enables or disables the other and both orders reach the same state,
    because neither writes a variable the other reads or writes (simultaneous updates
    read the state before the step, so disjoint writes over unchanged inputs commute)."""
    return bool(a.writes & (b.reads | b.writes) or b.writes & a.reads)


_HOLDS: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _atom(c: Expr) -> tuple[str, str, int] | None:
    """A conjunct `variable op constant` (either way round) as (name, op, constant)."""
    if not isinstance(c, BinOp) or c.op not in _HOLDS:
        return None
    if isinstance(c.left, Var) and isinstance(c.right, Const):
        return c.left.name, c.op, int(c.right.value)
    if isinstance(c.right, Var) and isinstance(c.left, Const):
        return c.right.name, _MIRROR[c.op], int(c.left.value)
    return None


def _constant_values(e: Expr) -> set[int] | None:
    """The values a term can take when every leaf of its if-then-else tree is a constant
    (`status := SENT`, `x := c ? 1 : 0`), else None."""
    if isinstance(e, Const):
        return {int(e.value)}
    if isinstance(e, Ite):
        then, other = _constant_values(e.then), _constant_values(e.other)
        return None if then is None or other is None else then | other
    return None


def guard_values(action: Action, domains: dict[str, Variable]) -> dict[str, int]:
    """For each variable a top-level guard conjunct compares with a constant, the values
    (bit v - lo) the guard allows it. Two actions whose allowed values of some variable do
    not meet are never enabled in the same state."""
    allowed: dict[str, int] = {}
    for c in conjuncts(action.guard):
        atom = _atom(c)
        if atom is None:
            continue
        name, op, k = atom
        var = domains[name]
        test = _HOLDS[op]
        bits = sum(1 << (x - var.lo) for x in range(var.lo, var.hi + 1) if test(x, k))
        allowed[name] = allowed.get(name, -1) & bits
    return allowed


def conjunct_enablers(
    action: Action, actions: Sequence[Action], writers: dict[str, int]
) -> tuple[int, ...]:
    """Per top-level guard conjunct of `action`, the actions that can make it true: the
    writers of its variables, less, for a `variable op constant` conjunct, those that only
    ever write values failing the comparison. While the conjunct is false, only these can
    enable the action."""
    out = []
    for c in conjuncts(action.guard):
        mask = 0
        for v in variables_of(c):
            mask |= writers.get(v, 0)
        atom = _atom(c)
        if atom is not None:
            name, op, k = atom
            test = _HOLDS[op]
            for w in _bits(mask):
                values = _constant_values(actions[w].updates[name])
                if values is not None and not any(test(x, k) for x in values):
                    mask &= ~(1 << w)
        out.append(mask)
    return tuple(out)


def may_be_coenabled(a: dict[str, int], b: dict[str, int]) -> bool:
    """False when the guards' constant comparisons exclude each other (`guard_values`)."""
    return all(a[v] & b[v] for v in a.keys() & b.keys())


@dataclass(frozen=True)
class Independence:
    """The static relations, one bit mask per action.

    `dependents[a]`: the actions dependent on a that may be enabled in a state where a
    is (a itself left out; an action never enabled with a cannot be the first dependent
    one to occur while a stays enabled, docs/engines.md). `conjunct_enablers[a][k]`: the
    actions that can make a's k-th guard conjunct true (`conjunct_enablers`); their union
    `enablers[a]` is a necessary enabling set of a disabled a valid in every state.
    `visible`: the actions that write a variable in `visible_vars`, the only ones that can
    change the value of a predicate over those variables.
    """

    size: int
    dependents: tuple[int, ...]
    enablers: tuple[int, ...]
    conjunct_enablers: tuple[tuple[int, ...], ...]
    visible: int

    @staticmethod
    def of(system: TransitionSystem, visible_vars: Iterable[str]) -> Independence:
        prints = [footprint(a) for a in system.actions]
        domains = {v.name: v for v in system.variables}
        values = [guard_values(a, domains) for a in system.actions]
        writers: dict[str, int] = {}
        readers: dict[str, int] = {}
        for i, fp in enumerate(prints):
            for v in fp.writes:
                writers[v] = writers.get(v, 0) | 1 << i
            for v in fp.reads:
                readers[v] = readers.get(v, 0) | 1 << i
        dependents = []
        for i, fp in enumerate(prints):
            mask = 0
            for v in fp.writes:
                mask |= writers.get(v, 0) | readers.get(v, 0)
            for v in fp.reads:
                mask |= writers.get(v, 0)
            mask &= ~(1 << i)
            for j in _bits(mask):
                if not may_be_coenabled(values[i], values[j]):
                    mask &= ~(1 << j)
            dependents.append(mask)
        per_conjunct = tuple(conjunct_enablers(a, system.actions, writers) for a in system.actions)
        enablers: list[int] = []
        for masks in per_conjunct:
            en = 0
            for m in masks:
                en |= m
            enablers.append(en)
        visible = 0
        for v in set(visible_vars):
            visible |= writers.get(v, 0)
        return Independence(len(prints), tuple(dependents), tuple(enablers), per_conjunct, visible)


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


class AmpleSets:
    """The per-state choice: `choose(enabled)` is a subset of the enabled actions to
    expand instead of all of them, or None for "expand all".

    A candidate is a stubborn closure of one enabled invisible seed (Valmari's strong
    stubborn sets): a set T holding the seed, closed so that every enabled action in T
    brings in its `dependents` and every disabled action in T one necessary enabling set
    (one of the state's, from `EnablingSets`, or the state-free `enablers`). Its enabled
    part is an ample set satisfying, in every state with this enabled set, C0 (nonempty), C1 (on every path
    from the state, an action dependent on the set cannot occur before an action of the
    set, and the first action of T on any path was enabled at the start) and C2 (all
    invisible), the argument in docs/engines.md. The smallest candidate wins (the lowest
    seed on ties); a candidate that holds a visible action, or every enabled action, is no
    reduction. The cycle proviso (C3) is the engine's: `cycle_proviso_met`.
    """

    def __init__(self, independence: Independence) -> None:
        self.relation = independence
        self._cache: dict[int, tuple[int, ...] | None] = {}

    def choose(
        self, enabled: Sequence[int], enabling: Callable[[int], Sequence[int]] | None = None
    ) -> tuple[int, ...] | None:
        """The ample set (action indices, ascending) for a state whose enabled actions
        are `enabled`, or None when only the full set qualifies.

        `enabling(a)`, when given, lists necessary enabling sets of the disabled action a
        in *this* state (`EnablingSets.of_state`; the closure takes one of them): smaller
        than the static one, so the choice is better, but then it depends on the state
        and is not memoised."""
        if len(enabled) < 2:
            return None
        mask = 0
        for a in enabled:
            mask |= 1 << a
        if enabling is not None:
            return self._choose(mask, enabling)
        if mask in self._cache:
            return self._cache[mask]
        static = self.relation.enablers
        chosen = self._choose(mask, lambda a: (static[a],))
        if len(self._cache) < CACHE_LIMIT:
            self._cache[mask] = chosen
        return chosen

    def _choose(
        self, enabled: int, enabling: Callable[[int], Sequence[int]]
    ) -> tuple[int, ...] | None:
        visible = self.relation.visible
        best = 0
        best_size = enabled.bit_count()
        # a seed met inside an earlier seed's closure is not tried again: its own closure
        # lies inside that one when complete, so it seldom does better, and skipping it
        # only ever costs reduction, never soundness (any candidate is a valid ample set)
        met = 0
        for seed in _bits(enabled & ~visible):
            if met >> seed & 1:
                continue
            ample, reached = self._closure(seed, enabled, visible, best_size, enabling)
            met |= reached
            if ample and ample.bit_count() < best_size:
                best, best_size = ample, ample.bit_count()
                if best_size == 1:
                    break
        return tuple(_bits(best)) if best else None

    def _closure(
        self,
        seed: int,
        enabled: int,
        visible: int,
        bound: int,
        enabling: Callable[[int], Sequence[int]],
    ) -> tuple[int, int]:
        """The enabled part of the seed's stubborn closure, or 0 when it reaches a visible
        enabled action or `bound` enabled actions (no better than what is known); and the
        enabled actions it met before it stopped."""
        dependents = self.relation.dependents
        closed = 1 << seed
        todo = closed
        while todo:
            low = todo & -todo
            todo ^= low
            a = low.bit_length() - 1
            if enabled & low:
                new = dependents[a] & ~closed
            else:
                # of the action's enabling sets, the one adding the fewest new actions
                new = min((m & ~closed for m in enabling(a)), key=int.bit_count)
            if new:
                closed |= new
                todo |= new
                hit = closed & enabled
                if hit & visible or hit.bit_count() >= bound:
                    return 0, hit
        return closed & enabled, closed & enabled


class EnablingSets:
    """Necessary enabling sets that read the state: for a disabled action, one set per
    guard conjunct that is false in the state, the actions that can make it true (an action
    outside the set leaves that conjunct false, so the action stays disabled). Any one of
    them will do; the closure takes the one that adds the fewest actions it does not hold
    yet. Compiled to one Python function per action, like the successor function."""

    def __init__(self, system: TransitionSystem, independence: Independence) -> None:
        # a conjunct reads few of the variables: index the state, do not unpack it
        names = {v.name: f"s[{i}]" for i, v in enumerate(system.variables)}
        lines: list[str] = []
        for i, action in enumerate(system.actions):
            masks = independence.conjunct_enablers[i]
            tests = [
                (mask.bit_count(), mask, to_source(c, names, itertools.count()))
                for c, mask in zip(conjuncts(action.guard), masks, strict=True)
            ]
            tests.sort(key=lambda t: t[0])
            lines.append(f"def nes_{i}(s):")
            lines.append("    out = []")
            lines += [f"    if not {src}:\n        out.append({mask})" for _, mask, src in tests]
            lines.append(f"    return out or [{independence.enablers[i]}]")
        namespace: dict[str, object] = {}
        exec(compile("\n".join(lines) + "\n", "<mqcheck enabling sets>", "exec"), namespace)
        self._fns: list[Callable[[State], list[int]]] = [
            namespace[f"nes_{i}"]  # type: ignore[misc]
            for i in range(len(system.actions))
        ]

    def of_state(self, state: State) -> Callable[[int], list[int]]:
        """`enabling` for `AmpleSets.choose` in this state (each action's sets computed
        once: the closures of several seeds meet the same disabled actions)."""
        fns = self._fns
        known: dict[int, list[int]] = {}

        def enabling(a: int) -> list[int]:
            masks = known.get(a)
            if masks is None:
                masks = known[a] = fns[a](state)
            return masks

        return enabling


def cycle_proviso_met(successor_indices: Iterable[int | None], index: int) -> bool:
    """The cycle proviso for a search that numbers states in discovery order: a reduced
    expansion of the state numbered `index` is kept only when at least one ample successor
    is numbered after it (None: not found yet, so it will be). Otherwise the state is
    expanded in full. Along the edges of reduced expansions the numbers then strictly
    increase, which is what rules out ignoring an action forever (docs/engines.md)."""
    return any(j is None or j > index for j in successor_indices)


def visible_variables(system: TransitionSystem, predicates: Iterable[Expr]) -> set[str]:
    """The variables read by the given `Expr` predicates and by the system's `limit` (a
    reduction must reach a limit state whenever the full search does, or it would turn
    the full search's `unknown` into `holds`)."""
    found: set[str] = set()
    for p in predicates:
        found |= variables_of(p)
    if system.limit is not None:
        found |= variables_of(system.limit)
    return found
