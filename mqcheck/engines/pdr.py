"""IC3/PDR: an inductive invariant for a safety property, on Z3's incremental solver.

Bounded model checking proves `holds` only at the recurrence diameter, and k-induction
rarely converges sooner on the Kafka specs (unreachable states that lead to bad ones form
long simple paths). IC3 instead learns clauses that cut those states off, one frame at a
time, and stops when two frames agree: the clauses are then an inductive invariant, which
is what a `holds` must rest on. Its job here is proving; counterexamples are the BMC's
(shortest, fewest faults), so a refutation only says that no proof exists.

The algorithm is Een, Mishchenko and Brayton's ("Efficient implementation of property
directed reachability", FMCAD 2011) on one solver:

- the transition relation T(X, X') is asserted once; frame F_i's clauses are guarded by
  activation literals (a clause learned at level i belongs to F_1..F_i, "delta encoding"),
  so a query about F_i assumes the literals of levels >= i; F_0 is the initial states;
- a cube is a conjunction of literals `x == c`, `x <= c`, `x >= c` over state variables,
  and `x < y`, `x != y` over the candidate pairs of `mqcheck.engines.relations`; the
  literals of primed cubes are assumption literals, so an unsat core names the literals a
  blocked cube needs;
- a proof obligation (cube, level) is blocked by relative induction
  (F_{i-1} ∧ ¬c ∧ T ∧ c' unsat) or yields a predecessor state (a full cube) at level i-1;
  a predecessor that is an initial state is a real path to a bad state (refuted);
- a blocked cube is generalised: the unsat core, then relating (two literals on a
  candidate pair that imply `x != y` or `x < y` replaced by that one literal, so "y <= x"
  is one clause, not one per value), dropping literals one by one, and widening `x == c`
  to `x >= c` or `x <= c` (counters and domain bounds are cut off by one inequality
  instead of one clause per value), each step kept only if the cube stays disjoint from
  the initial states and relatively inductive; the clause is then pushed to the highest
  level where it still holds;
- propagation moves each clause forward where F_i ∧ T ⇒ c'; an empty level means
  F_i = F_{i+1}, and the clauses of the levels above are the invariant;
- the solver is rebuilt from T, the initial states and the frames' clauses at a new level
  once it has answered REBUILD_AFTER queries (what each query left behind slows the later
  ones down several times).

The property's targets are given as terms (a state to block is then read from a model) or
as cubes (a domain bound `x >= hi + 1` is blocked as that one literal, not value by value).
The caller must not trust the invariant: `mqcheck.engines.inductive_check` re-checks it on
the IR with a solver of its own before any `holds` is reported.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3  # type: ignore[import-untyped]

from mqcheck.engines import z3terms as zt

Term = Any  # a z3 expression (z3 is untyped)
#: x_i op value, op in ==, <=, >=; or x_i op x_j, op in RELATIONS
Lit = tuple[int, str, int]
#: the literals between two variables (the third element is j): x_i < x_j, x_i != x_j
RELATIONS = {"lt": "<", "ne": "!="}
#: relational generalisation tries at most this many candidate literals per cube
RELATE_TRIES = 4
#: queries after which the solver is rebuilt (at the next level), see `Pdr._rebuild`
REBUILD_AFTER = 300
Cube = tuple[Lit, ...]


@dataclass(frozen=True)
class Problem:
    """A transition system as Z3 terms, for IC3.

    `now` and `nxt` are the state variables' terms before and after one step (in the order
    of `names`); `trans` constrains them (and any choice terms of its own); `init` is a term
    over `now`; `starts` the initial states as values (to keep cubes disjoint from them
    without a solver call); `targets` the ways the property fails, each a term over `now`
    or a cube; `literal(term, op, value)` builds a comparison in the terms' sort; `value`
    reads a state variable's value from a model."""

    names: tuple[str, ...]
    now: tuple[Term, ...]
    nxt: tuple[Term, ...]
    trans: tuple[Term, ...]
    init: Term
    starts: tuple[tuple[int, ...], ...]
    targets: tuple[Term | Cube, ...]
    literal: Callable[[Term, str, int], Term]
    value: Callable[[Any, Term], int]
    make_solver: Callable[[], Any]
    # `compare(a, op, b)` for two state terms (op "<", "!="), and the pairs (i, j), i < j,
    # that relating may try (none: single-variable literals only)
    compare: Callable[[Term, str, Term], Term] | None = None
    pairs: tuple[tuple[int, int], ...] = ()
    # the term of `trans` that says which action is taken, and the condition over `now`
    # under which action number a can be taken (to lift predecessors)
    choice: Term = None
    enabled: Callable[[int], Term] | None = None


@dataclass
class PdrOutcome:
    """`proved`: the invariant (clauses, each the negation of a blocked cube) was found;
    `refuted`: an initial state reaches a state where the property fails (depth = frames);
    neither: out of time."""

    proved: bool = False
    refuted: bool = False
    clauses: tuple[Cube, ...] = ()
    frames: int = 0
    queries: int = 0
    why_not: str = ""


class _OutOfTime(Exception):
    pass


class _Refuted(Exception):
    pass


def _holds(lit: Lit, state: Sequence[int]) -> bool:
    i, op, v = lit
    x = state[i]
    if op == "lt":
        return x < state[v]
    if op == "ne":
        return x != state[v]
    return x == v if op == "==" else x <= v if op == "<=" else x >= v


def _bounds(cube: Cube) -> dict[int, tuple[float, float]]:
    """The interval each variable is confined to by the cube's constant literals."""
    out: dict[int, tuple[float, float]] = {}
    for i, op, v in cube:
        if op in RELATIONS:
            continue
        lo, hi = out.get(i, (float("-inf"), float("inf")))
        if op in ("==", ">="):
            lo = max(lo, v)
        if op in ("==", "<="):
            hi = min(hi, v)
        out[i] = (lo, hi)
    return out


@dataclass
class Pdr:
    """One IC3 run over `problem`, to be answered by `deadline` (perf_counter seconds)."""

    problem: Problem
    deadline: float
    max_frames: int = 200
    queries: int = 0
    frames: list[set[Cube]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # T is switched on only where a step is taken: asserted outright, it would make
        # every query over X ask for a state with a successor, and a deadlocked bad state
        # would never be found
        self.trans_lit = z3.Bool("pdr_trans")
        self.init_lit = z3.Bool("pdr_init")
        self.level_lits: list[Term] = [self.init_lit]
        self.fresh = itertools.count()
        self.frames = [set()]  # frames[0] unused: F_0 is the initial states
        self.pred: tuple[int, ...] = ()
        self.pred_choice = 0
        self.clauses: dict[Cube, Term] = {}
        self._rebuild()

    def _rebuild(self) -> None:
        """A fresh solver with T, the initial states and the frames' clauses only. Every
        query leaves its implications behind (a cube's literals, "¬cube" literals), and on
        the Kafka specs queries get several times slower as they pile up; IC3 rebuilds
        the solver once REBUILD_AFTER queries have been asked of it, at a new level."""
        p = self.problem
        self.solver = p.make_solver()
        self.solver.add(zt.implies(self.trans_lit, zt.and_(list(p.trans))))
        self.solver.add(zt.implies(self.init_lit, p.init))
        self.proxies: dict[tuple[bool, Lit], Term] = {}
        self.choice_lits: dict[int, tuple[Term, Term]] = {}
        self.outside: dict[Cube, Term] = {}
        for level, cubes in enumerate(self.frames):
            for cube in sorted(cubes):
                self.solver.add(zt.implies(self.level_lits[level], self._clause(cube)))
        self.asked = 0

    # ---- solver helpers ----------------------------------------------------------------
    def _term(self, lit: Lit, state: Sequence[Term]) -> Term:
        """`lit` over the state `state` (the terms before or after a step)."""
        i, op, v = lit
        if op in RELATIONS:
            assert self.problem.compare is not None
            return self.problem.compare(state[i], RELATIONS[op], state[v])
        return self.problem.literal(state[i], op, v)

    def _proxy(self, lit: Lit, primed: bool) -> Term:
        """An assumption literal that implies `lit` of the state before (or after) a step."""
        key = (primed, lit)
        hit = self.proxies.get(key)
        if hit is None:
            state = self.problem.nxt if primed else self.problem.now
            hit = z3.Bool(f"pdr_{'n' if primed else 'c'}{next(self.fresh)}")
            self.solver.add(z3.Implies(hit, self._term(lit, state)))
            self.proxies[key] = hit
        return hit

    def _frame(self, level: int) -> list[Term]:
        """The assumptions that select F_level (level 0: the initial states)."""
        if level == 0:
            return [self.init_lit]
        return self.level_lits[level:]

    def _check(self, assumptions: list[Term]) -> bool:
        """True when satisfiable; out of time raises."""
        left = self.deadline - time.perf_counter()
        if left <= 0:
            raise _OutOfTime
        self.solver.set("timeout", max(1, int(left * 1000)))
        self.queries += 1
        self.asked += 1
        r = self.solver.check(*assumptions)
        if r == z3.unknown:
            raise _OutOfTime
        return bool(r == z3.sat)

    def _state(self) -> tuple[int, ...]:
        model = self.solver.model()
        return tuple(self.problem.value(model, x) for x in self.problem.now)

    def _clause(self, cube: Cube) -> Term:
        """¬cube over the state before a step (built once per cube)."""
        hit = self.clauses.get(cube)
        if hit is None:
            hit = zt.or_([zt.not_(self._term(lit, self.problem.now)) for lit in cube])
            self.clauses[cube] = hit
        return hit

    def _outside(self, cube: Cube) -> Term:
        """An assumption literal that implies ¬cube before the step (one per cube, so the
        solver does not collect a fresh implication per query)."""
        hit = self.outside.get(cube)
        if hit is None:
            hit = z3.Bool(f"pdr_q{next(self.fresh)}")
            self.solver.add(zt.implies(hit, self._clause(cube)))
            self.outside[cube] = hit
        return hit

    def _meets_init(self, cube: Cube) -> bool:
        return any(all(_holds(lit, s) for lit in cube) for s in self.problem.starts)

    # ---- relative induction ------------------------------------------------------------
    def _relative(self, cube: Cube, level: int, want_pred: bool = False) -> Cube | None:
        """Is F_level ∧ ¬cube ∧ T ∧ cube' unsatisfiable? Then the sub-cube of the literals
        in the unsat core; else None, and with `want_pred` `self.pred` is a predecessor
        state. The model is read only then: reading it back from the bit-blasted solver
        costs about two queries, and generalisation and propagation only need sat/unsat."""
        primed = [self._proxy(lit, True) for lit in cube]
        lits = {t.get_id(): lit for t, lit in zip(primed, cube, strict=True)}
        assumptions = [*self._frame(level), self.trans_lit, self._outside(cube), *primed]
        if self._check(assumptions):
            if want_pred:
                model = self.solver.model()
                self.pred = tuple(self.problem.value(model, x) for x in self.problem.now)
                if self.problem.choice is not None:
                    self.pred_choice = self.problem.value(model, self.problem.choice)
            return None
        core = {t.get_id() for t in self.solver.unsat_core()}
        return tuple(lit for key, lit in lits.items() if key in core)

    def _init_safe(self, sub: Cube, whole: Cube) -> Cube:
        """`sub` (literals of `whole`), with literals of `whole` added back until it is
        disjoint from the initial states (whole is)."""
        out = list(sub)
        for lit in whole:
            if not self._meets_init(tuple(out)):
                break
            if lit not in out:
                out.append(lit)
        return tuple(out)

    def _inductive(self, cube: Cube, level: int) -> Cube | None:
        """The generalised form of `cube` if it is init-disjoint and relatively inductive
        at `level`, else None."""
        if not cube or self._meets_init(cube):
            return None
        sub = self._relative(cube, level)
        return None if sub is None else self._init_safe(sub, cube)

    def _relate(self, cube: Cube, level: int, core: Cube) -> Cube:
        """Replace the literals on a candidate pair (i, j) by `x_i < x_j` or `x_i != x_j`
        (whichever the cube implies, the first that keeps it blocked at `level`): a cube
        of the states where y > x is one literal, whatever the values. Only pairs with a
        variable in `core` (the literals the blocking needed) are tried, at most
        RELATE_TRIES queries per cube: each failed try costs a query, and on the Kafka
        specs most do."""
        needed = {i for i, _, _ in core}
        tries_left = RELATE_TRIES
        for i, j in self.problem.pairs:
            if tries_left <= 0:
                break
            bounds = _bounds(cube)
            if i not in bounds or j not in bounds or not {i, j} & needed:
                continue
            (lo_i, hi_i), (lo_j, hi_j) = bounds[i], bounds[j]
            rest = tuple(x for x in cube if x[0] not in (i, j) or x[1] in RELATIONS)
            tries: list[Lit] = []
            if hi_i < lo_j:
                tries = [(i, "lt", j), (i, "ne", j)]
            elif hi_j < lo_i:
                tries = [(j, "lt", i), (i, "ne", j)]
            for lit in tries:
                tries_left -= 1
                got = self._inductive((*rest, lit), level)
                if got is not None:
                    cube = got
                    break
        return cube

    def _generalise(self, cube: Cube, level: int, whole: Cube = ()) -> Cube:
        """Relate pairs, drop literals, then widen equalities, keeping the cube blocked
        at `level`. Relating comes first, on the obligation `whole` that `cube` (its unsat
        core) was taken from: the core and dropping would otherwise keep only one side of a
        relation where the frame is still weak (y = 30 is unreachable in one step, whatever
        x is), and the relation would be learned only frames later."""
        if self.problem.pairs:
            related = self._relate(whole or cube, level, cube)
            if any(op in RELATIONS for _, op, _ in related):
                cube = related
        for lit in list(cube):
            if lit not in cube:
                continue
            smaller = self._inductive(tuple(x for x in cube if x != lit), level)
            if smaller is not None:
                cube = smaller
        for lit in list(cube):
            i, op, v = lit
            if op != "==":
                continue
            for wide in ((i, ">=", v), (i, "<=", v)):
                bigger = tuple(wide if x == lit else x for x in cube)
                got = self._inductive(bigger, level)
                if got is not None:
                    cube = got
                    break
        return cube

    def _core_of(self, lits: dict[int, Lit], assumptions: list[Term]) -> set[Lit] | None:
        """The literals of `lits` (by proxy id) in the unsat core, or None if satisfiable."""
        if self._check(assumptions):
            return None
        return {lits[t.get_id()] for t in self.solver.unsat_core() if t.get_id() in lits}

    def _lift(self, state: tuple[int, ...], action: int, cube: Cube) -> Cube:
        """A sub-cube of the full state `state` every state of which can take `action`
        and thereby lands in `cube`: the union of two unsat cores, "not enabled" and
        "T with that action leaves `cube`". Every state of an obligation thus really
        reaches a failing state, so an obligation that meets the initial states is a real
        path, not an artefact of lifting. Without the choice term, the full state."""
        full = tuple((i, "==", v) for i, v in enumerate(state))
        p = self.problem
        if p.choice is None or p.enabled is None:
            return full
        if action not in self.choice_lits:
            off, take = z3.Bool(f"pdr_off{action}"), z3.Bool(f"pdr_take{action}")
            self.solver.add(z3.Implies(off, z3.Not(p.enabled(action))))
            self.solver.add(z3.Implies(take, p.literal(p.choice, "==", action)))
            self.choice_lits[action] = (off, take)
        off, take = self.choice_lits[action]
        proxies = [self._proxy(lit, False) for lit in full]
        lits = {t.get_id(): lit for t, lit in zip(proxies, full, strict=True)}
        needed = self._core_of(lits, [off, *proxies])
        q = z3.Bool(f"pdr_q{next(self.fresh)}")
        self.solver.add(z3.Implies(q, z3.Or([z3.Not(self._term(lit, p.nxt)) for lit in cube])))
        lands = self._core_of(lits, [self.trans_lit, take, q, *proxies])
        if needed is None or lands is None:  # pragma: no cover - the model said otherwise
            return full
        kept = needed | lands
        return self._init_safe(tuple(lit for lit in full if lit in kept), full)

    # ---- blocking ----------------------------------------------------------------------
    def _blocked(self, cube: Cube, level: int) -> bool:
        """Does F_level already exclude `cube`?"""
        return not self._check([*self._frame(level), *(self._proxy(x, False) for x in cube)])

    def _add(self, cube: Cube, level: int) -> None:
        """Learn ¬cube at the highest level <= top at which it is relatively inductive."""
        top = len(self.frames) - 1
        while level < top and self._relative(cube, level) is not None:
            level += 1
        self.frames[level].add(cube)
        self.solver.add(z3.Implies(self.level_lits[level], self._clause(cube)))

    def _block(self, cube: Cube, level: int) -> None:
        """Block the obligation (cube, level) and every predecessor it spawns; raises
        _Refuted when a predecessor is an initial state."""
        order = itertools.count()
        queue: list[tuple[int, int, Cube]] = [(level, next(order), cube)]
        top = len(self.frames) - 1
        while queue:
            lvl, _, c = heapq.heappop(queue)
            if self._meets_init(c):
                raise _Refuted
            if self._blocked(c, lvl):
                if lvl < top:
                    heapq.heappush(queue, (lvl + 1, next(order), c))
                continue
            got = self._relative(c, lvl - 1, want_pred=True)
            if got is not None:
                learned = self._generalise(self._init_safe(got, c), lvl - 1, c)
                self._add(learned, lvl)
                if lvl < top:
                    heapq.heappush(queue, (lvl + 1, next(order), c))
            else:
                if lvl - 1 == 0:
                    raise _Refuted
                pred = self._lift(self.pred, self.pred_choice, c)
                heapq.heappush(queue, (lvl - 1, next(order), pred))
                heapq.heappush(queue, (lvl, next(order), c))

    # ---- the main loop -----------------------------------------------------------------
    def _new_level(self) -> None:
        self.level_lits.append(z3.Bool(f"pdr_F{len(self.level_lits)}"))
        self.frames.append(set())

    def _target_cubes(self, level: int) -> None:
        """Block every state of F_level where the property fails."""
        for target in self.problem.targets:
            if isinstance(target, tuple):
                if not self._blocked(target, level):
                    self._block(target, level)
                continue
            t = z3.Bool(f"pdr_t{next(self.fresh)}")
            self.solver.add(z3.Implies(t, target))
            while self._check([*self._frame(level), t]):
                state = self._state()
                self._block(tuple((i, "==", v) for i, v in enumerate(state)), level)

    def _propagate(self) -> int | None:
        """Push clauses forward; the first level left empty, if any."""
        top = len(self.frames) - 1
        for level in range(1, top):
            for cube in sorted(self.frames[level]):
                if self._relative(cube, level) is not None:
                    self.frames[level].discard(cube)
                    self.frames[level + 1].add(cube)
                    self.solver.add(z3.Implies(self.level_lits[level + 1], self._clause(cube)))
            if not self.frames[level]:
                return level
        return None

    def run(self) -> PdrOutcome:
        out = PdrOutcome()
        try:
            # a failing initial state: the BMC reports it
            for target in self.problem.targets:
                if isinstance(target, tuple):
                    if self._meets_init(target):
                        raise _Refuted
                elif self._check([self.init_lit, self._target_term(target)]):
                    raise _Refuted
            self._new_level()
            while len(self.frames) - 1 <= self.max_frames:
                self._target_cubes(len(self.frames) - 1)
                self._new_level()
                empty = self._propagate()
                if empty is not None:
                    out.proved = True
                    out.clauses = tuple(sorted(c for lvl in self.frames[empty + 1 :] for c in lvl))
                    break
                if self.asked >= REBUILD_AFTER:
                    self._rebuild()
            else:
                out.why_not = f"no inductive invariant within {self.max_frames} frames"
        except _Refuted:
            out.refuted = True
            out.why_not = "a state where the property fails is reachable"
        except _OutOfTime:
            out.why_not = "out of time"
        out.frames = len(self.frames) - 1
        out.queries = self.queries
        return out

    def _target_term(self, target: Term) -> Term:
        t = z3.Bool(f"pdr_t{next(self.fresh)}")
        self.solver.add(z3.Implies(t, target))
        return t


def negated(cube: Cube, names: Sequence[str]) -> tuple[tuple[str, str, int | str], ...]:
    """The clause ¬cube as (variable name, op, value or variable name) literals, one of
    which must hold."""
    out: list[tuple[str, str, int | str]] = []
    for i, op, v in cube:
        if op == "lt":
            out.append((names[i], ">=", names[v]))
        elif op == "ne":
            out.append((names[i], "==", names[v]))
        elif op == "==":
            out.append((names[i], "!=", v))
        elif op == "<=":
            out.append((names[i], ">=", v + 1))
        else:
            out.append((names[i], "<=", v - 1))
    return tuple(out)
