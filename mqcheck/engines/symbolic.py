"""The Z3 engine: bounded model checking and proofs over the same IR the explicit engine reads.

A state is a vector of Z3 integer terms, one per IR variable; step i chooses one grounded
action through an integer selector `act@i`, whose guard must hold and whose updates define
the next state (a variable the action does not write keeps its value). Transitions leave only
non-`limit` states, as in the explicit engine (a state past a modelling bound is not expanded).
There is no stuttering: every depth is asked about exactly, so a path that deadlocks simply
does not extend.

Safety (Invariant): one solver holds the path from the initial state, deepened one step at a
time, with simple-path constraints (states pairwise distinct: a shortest counterexample never
repeats a state, so nothing is lost). At depth k it asks for a bad state; the first k that
answers is the shallowest violation, and among paths of that length the one with the fewest
fault actions is taken. Then it looks a little deeper (up to twice that length) for a path with
fewer faults, so the story told is the one the explicit engine prefers whenever it is not much
longer. Three things prove `holds`:

- completeness: no simple path of length k leaves the initial state, so every reachable state
  was asked about at a depth below k (the recurrence diameter from the initial state);
- k-induction: a path of k transitions from *any* state in which the property holds for the
  first k states, all pairwise distinct, cannot end in a state where it fails;
- the model's lemmas (`mqcheck.engines.houdini`), tried first: the largest inductive subset
  of the candidate invariants the model offers (replication and consumer facts sized to the
  spec); when it includes "not bad", it is re-checked by an independent solver and proves
  `holds` at any bound, enumerable or not;
- IC3/PDR (`mqcheck.engines.pdr`; opt-in, `SymbolicLimits(pdr=True)`, `check --pdr`),
  tried once from inside the deepening loop: an inductive invariant, re-checked on the IR
  by an independent solver (`mqcheck.engines.inductive_check`) before `holds` is reported.

The property proved is "not bad, no `limit` state, every variable within its domain"; each
part is also checked by the base case, so the domain constraints assumed by the induction are
themselves proved. A reachable `limit` state makes `holds` impossible (as in the explicit
engine: `unknown` with the model's reason).

Liveness (Eventually, at-least-once): a violation is a reachable state from which no fault-free
path reaches the goal (or a `limit` state, which the explicit engine counts as able to). BMC
proposes candidate states; each is judged exactly by a fault-free breadth-first search from
the concrete state (the explicit engine's own definition). A candidate that can reach the goal
yields a *plan* (the action sequence to the goal), and every state from which that plan works
is excluded symbolically from later candidates (counterexample-guided). `holds` needs a proof
that every reachable state is the goal, a `limit` state or has a learned plan: completeness
or k-induction as above. Otherwise: `unknown` with the depth reached.

Limits (time, depth, the look-ahead budget) end in `unknown`, never in `holds`. Every
counterexample is re-executed on the compiled Python model before it is reported, so it
replays and renders exactly like the explicit engine's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import z3  # type: ignore[import-untyped]

from mqcheck.engines import lemma_proof
from mqcheck.engines import z3terms as zt
from mqcheck.engines.composite import in_requested_order
from mqcheck.engines.inductive_check import check_invariant
from mqcheck.engines.pdr import Pdr, Problem, negated
from mqcheck.engines.relations import related_pairs
from mqcheck.engines.witness import witness
from mqcheck.ir.compile_py import CompiledSystem, Predicate, compile_predicate, compile_system
from mqcheck.ir.expr import BOOL, And, BinOp, Const, Expr, Ite, Not, Or, Var
from mqcheck.ir.lookahead import Future, goal_plan
from mqcheck.ir.system import Checked, Eventually, Invariant, TransitionSystem
from mqcheck.result import GuaranteeResult, Stats

State = tuple[int, ...]
Path = list[tuple[int, State]]
Term = Any  # a z3 expression (z3 is untyped)

ENGINE = "z3"
# Induction may take this fraction of the time the BMC search has taken (see `inductor`).
INDUCTION_SHARE = 1 / 3
# An invariant's first BMC pass may take this fraction of its time; IC3 then this fraction
# of what is left (see `_invariant`).
BMC_FIRST = 0.2
PDR_SHARE = 0.5
#: The share of an invariant's time the model's lemmas may take before the bounded search.
LEMMA_SHARE = 0.75


@dataclass
class SymbolicLimits:
    timeout_s: float = 600.0
    max_depth: int = 60
    # states the fault-free look-ahead may visit to judge one at-least-once candidate
    lookahead_states: int = 200_000
    # integers as bit-vectors (pure SAT, faster) or as Z3 integers
    bitvectors: bool = True
    # IC3/PDR for invariants (bit-vectors only), tried from inside the BMC search; opt-in
    # until it pays for its time share (docs/engines.md, "IC3/PDR for invariants")
    pdr: bool = False
    # IC3 gives up (`unknown`) after this many frames
    pdr_frames: int = 60
    # IC3 may relate two variables in a lemma (`x < y`, `x != y`; mqcheck.engines.relations)
    pdr_relations: bool = True
    # try the model's candidate lemmas (Houdini) before the bounded search of an invariant
    lemmas: bool = True


class _OutOfTime(Exception):
    pass


class _Undecided(Exception):
    pass


class _Collected:
    """Stands in for a solver to collect the constraints of one unrolled step (IC3's
    transition relation)."""

    def __init__(self) -> None:
        self.terms: list[Term] = []

    def add(self, *terms: Term) -> None:
        self.terms.extend(terms)


class _Capped(Exception):
    """One query ran past its own time cap (the search goes on without its answer)."""


# ---- translation -----------------------------------------------------------------------
class Numbers:
    """The Z3 sort that holds IR integers: signed bit-vectors of `width` bits (the default;
    wide enough for every intermediate value, see `value_width`), or mathematical integers
    when `width` is None."""

    def __init__(self, width: int | None) -> None:
        self.width = width
        self._values: dict[int, Term] = {}
        self.one = self.val(1)
        self.zero = self.val(0)

    def const(self, name: str) -> Term:
        return z3.Int(name) if self.width is None else z3.BitVec(name, self.width)

    def val(self, value: int) -> Term:
        """The constant `value` (made once: building a Z3 numeral is not cheap)."""
        hit = self._values.get(value)
        if hit is None:
            hit = z3.IntVal(value) if self.width is None else z3.BitVecVal(value, self.width)
            self._values[value] = hit
        return hit


def _interval(
    e: Expr, domains: Mapping[str, tuple[int, int]], memo: dict[int, tuple[int, int]]
) -> tuple[int, int]:
    """Bounds of a term's value over states within the variables' domains."""
    key = id(e)
    hit = memo.get(key)
    if hit is not None:
        return hit
    out: tuple[int, int]
    if isinstance(e, Const):
        out = (int(e.value), int(e.value))
    elif isinstance(e, Var):
        out = domains.get(e.name, (0, 0))
    elif isinstance(e, BinOp):
        a = _interval(e.left, domains, memo)
        b = _interval(e.right, domains, memo)
        if e.op == "+":
            out = (a[0] + b[0], a[1] + b[1])
        elif e.op == "-":
            out = (a[0] - b[1], a[1] - b[0])
        elif e.op == "*":
            products = [x * y for x in a for y in b]
            out = (min(products), max(products))
        elif e.op in ("min", "max"):
            out = (min(a[0], b[0]), max(a[1], b[1]))
        else:
            out = (0, 1)
    elif isinstance(e, Ite):
        _interval(e.cond, domains, memo)
        a = _interval(e.then, domains, memo)
        b = _interval(e.other, domains, memo)
        out = (min(a[0], b[0]), max(a[1], b[1]))
    else:
        for arg in (e.arg,) if isinstance(e, Not) else e.args if isinstance(e, (And, Or)) else ():
            _interval(arg, domains, memo)
        out = (0, 1)
    memo[key] = out
    return out


def value_width(system: TransitionSystem, extra: int = 0) -> int:
    """Bits of a signed bit-vector that holds every value of every term of the system (and
    `extra`) without wrapping, as long as the state is within its domains; the base case
    checks that reachable states are."""
    domains = {v.name: (v.lo, v.hi) for v in system.variables}
    memo: dict[int, tuple[int, int]] = {}
    bound = max([abs(extra), *(max(abs(v.lo), abs(v.hi)) for v in system.variables)])
    for t in system.terms():
        lo, hi = _interval(t, domains, memo)
        bound = max(bound, abs(lo), abs(hi))
    # one sign bit, one bit of margin
    return max(8, bound.bit_length() + 2)


class Translator:
    """IR terms over one state (an environment of Z3 terms), memoised per node. The IR
    node's sort says whether its term is boolean, so no Z3 sort is queried."""

    def __init__(self, env: Mapping[str, Term], num: Numbers) -> None:
        self.env = env
        self.num = num
        self.memo: dict[int, Term] = {}

    def term(self, e: Expr) -> Term:
        key = id(e)
        hit = self.memo.get(key)
        if hit is None:
            hit = self._term(e)
            self.memo[key] = hit
        return hit

    def boolean(self, e: Expr) -> Term:
        t = self.term(e)
        return t if e.sort == BOOL else zt.not_(zt.compare("==", t, self.num.zero))

    def integer(self, e: Expr) -> Term:
        t = self.term(e)
        return zt.ite(t, self.num.one, self.num.zero) if e.sort == BOOL else t

    def _term(self, e: Expr) -> Term:
        if isinstance(e, Const):
            if isinstance(e.value, bool):
                return z3.BoolVal(e.value)
            return self.num.val(int(e.value))
        if isinstance(e, Var):
            try:
                return self.env[e.name]
            except KeyError:
                raise KeyError(f"unknown variable {e.name!r}") from None
        if isinstance(e, BinOp):
            return self._binary(e.op, self.integer(e.left), self.integer(e.right))
        if isinstance(e, Not):
            return zt.not_(self.boolean(e.arg))
        if isinstance(e, And):
            return zt.and_([self.boolean(a) for a in e.args])
        if isinstance(e, Or):
            return zt.or_([self.boolean(a) for a in e.args])
        if isinstance(e, Ite):
            c = self.boolean(e.cond)
            if e.sort == BOOL:
                return zt.ite(c, self.boolean(e.then), self.boolean(e.other))
            return zt.ite(c, self.integer(e.then), self.integer(e.other))
        raise TypeError(f"not an expression: {e!r}")

    def _binary(self, op: str, a: Term, b: Term) -> Term:
        if op in ("==", "!="):
            return zt.compare(op, a, b)
        if op == "min":
            return zt.ite(self._binary("<=", a, b), a, b)
        if op == "max":
            return zt.ite(self._binary(">=", a, b), a, b)
        if self.num.width is not None:
            return zt.arith(op, a, b) if op in ("+", "-", "*") else zt.compare(op, a, b)
        # mathematical integers (the slow reference): z3's own operators
        if op in _INT_OPS:
            return _INT_OPS[op](a, b)
        raise ValueError(f"unknown operator {op!r}")


_INT_OPS: dict[str, Callable[[Term, Term], Term]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _Unrolling:
    """States X_0..X_k of one path and the action of each step, asserted into one solver."""

    def __init__(
        self,
        system: TransitionSystem,
        solver: Any,
        tag: str,
        from_initial: bool,
        simple: bool,
        num: Numbers,
    ) -> None:
        self.system = system
        self.num = num
        self.solver = solver
        self.tag = tag
        self.simple = simple
        self.names = [v.name for v in system.variables]
        self.writers: dict[str, list[int]] = {n: [] for n in self.names}
        self.enabled_actions: list[int] = []
        for i, a in enumerate(system.actions):
            if isinstance(a.guard, Const) and not a.guard.value:
                continue
            self.enabled_actions.append(i)
            for name in a.updates:
                # an update of a name that is not a variable (a constant budget) is
                # ignored, as by the compiled Python model
                if name in self.writers:
                    self.writers[name].append(i)
        self.fault_actions = [i for i in self.enabled_actions if system.actions[i].fault]
        if from_initial:
            first = self._initial(system, solver, tag, num)
        else:
            first = [num.const(f"{tag}{n}@0") for n in self.names]
        self.states: list[list[Term]] = [first]
        self.tr: list[Translator] = [Translator(dict(zip(self.names, first, strict=True)), num)]
        self.acts: list[Term] = []
        self.fault_flags: list[Term] = []

    @staticmethod
    def _initial(system: TransitionSystem, solver: Any, tag: str, num: Numbers) -> list[Term]:
        """The initial state: constants, or, where the system has several initial states,
        a fresh term for each variable on which they differ, constrained to one of them."""
        starts = system.starts()
        first: list[Term] = []
        varying: list[int] = []
        for i, v in enumerate(system.variables):
            if all(s[i] == starts[0][i] for s in starts):
                first.append(num.val(starts[0][i]))
            else:
                first.append(num.const(f"{tag}{v.name}@0"))
                varying.append(i)
        if varying:
            solver.add(
                z3.Or([z3.And([first[i] == num.val(s[i]) for i in varying]) for s in starts])
            )
        return first

    @property
    def depth(self) -> int:
        return len(self.acts)

    def extend(self) -> None:
        i = self.depth
        x = self.tr[i]
        num = self.num
        a = num.const(f"{self.tag}act@{i}")
        y = [num.const(f"{self.tag}{n}@{i + 1}") for n in self.names]
        cons: list[Term] = []
        choices = self.enabled_actions
        # "action j is chosen", built once per step
        chosen = {j: zt.compare("==", a, num.val(j)) for j in choices}
        cons.append(zt.or_(list(chosen.values())) if choices else z3.BoolVal(False))
        limit = self.system.limit
        if limit is not None:
            cons.append(zt.not_(x.boolean(limit)))
        for j in choices:
            g = x.boolean(self.system.actions[j].guard)
            if not z3.is_true(g):
                cons.append(zt.implies(chosen[j], g))
        for n, yv in zip(self.names, y, strict=True):
            t = x.env[n]
            for j in reversed(self.writers[n]):
                t = zt.ite(chosen[j], x.integer(self.system.actions[j].updates[n]), t)
            cons.append(zt.compare("==", yv, t))
        flag = num.const(f"{self.tag}fault@{i}")
        faulty = [chosen[j] for j in self.fault_actions]
        cons.append(
            zt.compare("==", flag, zt.ite(zt.or_(faulty), num.one, num.zero))
            if faulty
            else zt.compare("==", flag, num.zero)
        )
        if self.simple:
            for prev in self.states:
                cons.append(z3.Or([p != q for p, q in zip(prev, y, strict=True)]))
        self.solver.add(*cons)
        self.acts.append(a)
        self.fault_flags.append(flag)
        self.states.append(y)
        self.tr.append(Translator(dict(zip(self.names, y, strict=True)), self.num))

    def faults(self, k: int) -> Term:
        return z3.Sum(self.fault_flags[:k]) if k else self.num.zero

    def domains(self, i: int) -> Term:
        return z3.And(
            [
                z3.And(x >= v.lo, x <= v.hi)
                for v, x in zip(self.system.variables, self.states[i], strict=True)
            ]
        )


# find_at(solver, path, k, max_faults, focus): a violating path of exactly k steps (under
# the further assumptions `focus`), or None
_Finder = Callable[[Any, "_Unrolling", int, "int | None", Sequence[Any]], "Path | None"]
# parts(x, path, i): the named parts of the property proved by induction, in state i
_Parts = Callable[["Translator", "_Unrolling", int], list[tuple[str, Any]]]


@dataclass
class Query:
    """One guarantee as the deepening loop asks about it: how to find a violation at a
    depth, the property that induction proves, and `version`, which changes whenever that
    property does (at-least-once learns plans), so an induction path is rebuilt."""

    find_at: _Finder
    parts: _Parts
    version: Callable[[], int]
    grows: bool = False
    # another proof, tried once from inside the deepening loop (IC3 for invariants):
    # its proof text, or ""
    side_proof: Callable[[], str] | None = None


def _value(model: Any, term: Term) -> int:
    v = model.eval(term, model_completion=True)
    return int(v.as_signed_long() if z3.is_bv_value(v) else v.as_long())


# ---- the checker -----------------------------------------------------------------------
@dataclass(frozen=True)
class LocalModel:
    """A system compiled for concrete steps: re-executing traces and the look-ahead."""

    compiled: CompiledSystem
    future: Future

    @staticmethod
    def of(system: TransitionSystem) -> LocalModel:
        compiled = compile_system(system)
        return LocalModel(compiled, Future.of(system, compiled.successors))


@dataclass
class _Found:
    depth: int
    faults: int
    path: Path


@dataclass
class _Outcome:
    found: _Found | None = None
    proof: str = ""  # how `holds` was shown ("" = not shown)
    why_not: str = ""  # why neither a violation nor a proof
    depth: int = 0


def checking_order(system: TransitionSystem, guarantees: Sequence[str]) -> list[Checked]:
    """The guarantees to check for `guarantees` (a composite as its parts), invariants
    first: each gets an equal share of the time left, and an invariant is often violated
    quickly, leaving its share to at-least-once, whose proofs need the deepest search."""
    return sorted(system.checked(guarantees), key=lambda g: isinstance(g, Eventually))


class Z3Checker:
    """Built from a transition system; `check` answers for the requested guarantees with
    the same result type as the explicit engine."""

    def __init__(self, system: TransitionSystem, limits: SymbolicLimits | None = None) -> None:
        self.system = system
        self.limits = limits or SymbolicLimits()
        self.local = LocalModel.of(system)
        self.compiled: CompiledSystem = self.local.compiled
        self.is_fault = self.local.future.is_fault
        self.deadline = 0.0
        self.started = 0.0
        self.queries = 0
        extra = max(len(system.actions), self.limits.max_depth + 1)
        self.num = Numbers(value_width(system, extra) if self.limits.bitvectors else None)

    # ---- public ------------------------------------------------------------------------
    def check(self, guarantees: Sequence[str]) -> list[GuaranteeResult]:
        by_name: dict[str, GuaranteeResult] = {}
        for g, t0 in self.in_turn(guarantees):
            try:
                out = self._invariant(g) if isinstance(g, Invariant) else self._eventually(g)
            except _OutOfTime:
                out = _Outcome(why_not=f"the time limit ({self.limits.timeout_s:g} s) was reached")
                out.depth = self._depth_reached
            by_name[g.guarantee] = self._result(g, out, time.perf_counter() - t0)
        return in_requested_order(self.system, guarantees, by_name)

    def in_turn(self, guarantees: Sequence[str]) -> Iterator[tuple[Invariant | Eventually, float]]:
        """The guarantees to check (a composite as its parts), each with its start, after
        setting its deadline: an equal share of the time left."""
        todo = checking_order(self.system, guarantees)
        started = time.perf_counter()
        for n, g in enumerate(todo):
            now = time.perf_counter()
            left = self.limits.timeout_s - (now - started)
            yield g, self.begin(now + max(left, 0.0) / (len(todo) - n))

    # ---- solver helpers ----------------------------------------------------------------
    _depth_reached = 0
    bmc_first_s = 0.0  # search time after which the side proof is tried
    induction_s = 0.0  # time spent on induction for the current guarantee
    side_s = 0.0  # time spent on the side proof (IC3) for the current guarantee

    def begin(self, deadline: float) -> float:
        """Start on a guarantee that must be answered by `deadline`; returns the start."""
        self.deadline = deadline
        self.queries = 0
        self.induction_s = 0.0
        self.side_s = 0.0
        self.started = time.perf_counter()
        return self.started

    def _solver(self) -> Any:
        # Bit-vectors with assumption literals keep Z3 on its incremental SAT solver, which
        # is several times faster here than the SMT core that push/pop selects.
        return z3.SolverFor("QF_BV") if self.num.width is not None else z3.Solver()

    def _ask(self, solver: Any, *assumptions: Term, cap: float | None = None) -> Any | None:
        """A model when the solver's constraints and `assumptions` are satisfiable, None
        when they are not; out of time raises _OutOfTime, or _Capped when the query's own
        `cap` (seconds) ran out first."""
        left = self.deadline - time.perf_counter()
        if left <= 0:
            raise _OutOfTime
        budget = left if cap is None else min(cap, left)
        capped = budget < left
        solver.set("timeout", max(1, int(budget * 1000)))
        self.queries += 1
        if self.num.width is None:
            solver.push()
            solver.add(*assumptions)
            try:
                r = solver.check()
                model = solver.model() if r == z3.sat else None
            finally:
                solver.pop()
        elif assumptions:
            literal = z3.Bool(f"q{self.queries}")
            solver.add(z3.Implies(literal, z3.And(assumptions)))
            r = solver.check(literal)
            model = solver.model() if r == z3.sat else None
        else:
            r = solver.check()
            model = solver.model() if r == z3.sat else None
        if r == z3.sat:
            return model
        if r == z3.unsat:
            return None
        raise _Capped if capped else _OutOfTime

    def _trace(self, model: Any, path: _Unrolling, k: int) -> Path:
        """The concrete path of a model, re-executed on the compiled model."""
        state = self.start_of(model, path)
        out: Path = []
        for i in range(k):
            a = _value(model, path.acts[i])
            nxt = self.compiled.apply(a, state)
            if nxt is None:  # pragma: no cover - the translation and the model disagree
                raise RuntimeError(
                    f"z3 path step {i + 1}: {self.system.actions[a].name} not enabled"
                )
            want = tuple(_value(model, x) for x in path.states[i + 1])
            if want != nxt:  # pragma: no cover
                raise RuntimeError(f"z3 path step {i + 1}: the state differs from the model's")
            out.append((a, nxt))
            state = nxt
        return out

    def start_of(self, model: Any, path: _Unrolling) -> State:
        """The initial state of a model's path (one of the system's initial states)."""
        start = tuple(_value(model, x) for x in path.states[0])
        if start not in self.system.starts():  # pragma: no cover - a translation bug
            raise RuntimeError("z3 path starts outside the initial states")
        return start

    def _fewest_faults(
        self,
        find: _Finder,
        solver: Any,
        path: _Unrolling,
        k: int,
        first: Path,
        focus: Sequence[Term] = (),
    ) -> _Found:
        """Given a path found at depth k, one with the fewest faults at that depth."""
        c = self._faults_of(first)
        for f in range(c):
            better = find(solver, path, k, f, focus)
            if better is not None:
                return _Found(k, self._faults_of(better), better)
        return _Found(k, c, first)

    def _faults_of(self, path: Path) -> int:
        return sum(1 for a, _ in path if self.is_fault[a])

    # ---- the deepening loop shared by both kinds -----------------------------------------
    def bmc_path(self) -> tuple[Any, _Unrolling]:
        """A solver holding the simple path from the initial state(s), not yet deepened."""
        solver = self._solver()
        return solver, _Unrolling(self.system, solver, "b_", True, True, self.num)

    def _search(self, query: Query) -> _Outcome:
        """Deepen one BMC path. `query.find_at` looks for a violation at each depth; the
        base case of the common parts (domains, `limit`) is checked at each depth, and
        k-induction tries the property without the parts whose base case failed."""
        find_at = query.find_at
        prove = self._gated(query)
        solver, path = self.bmc_path()
        dropped: set[str] = set()
        out = _Outcome()
        side = query.side_proof
        k = 0
        while True:
            self._depth_reached = k
            out.depth = k
            if k > 0:
                path.extend()
                if self._ask(solver) is None:
                    out.proof = (
                        f"no simple path of length {k} leaves the initial state: every "
                        f"reachable state was checked (depth < {k})"
                    )
                    break
            hit = find_at(solver, path, k, None, ())
            if hit is not None:
                out.found = _Found(k, self._faults_of(hit), hit)
                self._improve(out, solver, path, find_at)
                break
            for name, bad in self.common_base(path, k):
                if name not in dropped and self._ask(solver, bad) is not None:
                    dropped.add(name)
            if prove(k + 1, frozenset(dropped)):
                out.proof = f"k-induction with simple paths succeeded at k = {k + 1}"
                break
            # the side proof once the search has had its share, or at the depth limit; not
            # after a `limit` state or domain escape was reached (no proof can follow)
            spent = time.perf_counter() - self.started
            if (
                side is not None
                and not dropped
                and (k >= self.limits.max_depth or spent >= self.bmc_first_s)
            ):
                out.proof, side = side(), None
                if out.proof:
                    break
            if k >= self.limits.max_depth:
                out.why_not = (
                    f"no violation up to depth {k}, and no proof by then (the depth limit, "
                    f"{self.limits.max_depth} steps, was reached)"
                )
                break
            k += 1
        if out.found is None and "domain" in dropped:
            out.why_not = out.why_not or "a variable left its declared domain"
        if out.found is None and "limit" in dropped:
            out.proof = ""
            out.why_not = self.system.limit_reason or "a modelling bound was reached"
        return out

    def _improve(self, out: _Outcome, solver: Any, path: _Unrolling, find_at: _Finder) -> None:
        """Among paths of the shallowest depth, take one with the fewest faults; then look
        somewhat deeper (up to twice that depth) for one with fewer still: the explicit
        engine's preference is fewest faults first, then shortest."""
        found = out.found
        assert found is not None
        # at most as long again as the search took so far (and at least a second)
        spent = time.perf_counter() - self.started
        self.deadline = min(self.deadline, time.perf_counter() + max(1.0, spent))
        try:
            found = self._fewest_faults(find_at, solver, path, found.depth, found.path)
            out.found = found
            k = found.depth
            cap = min(self.limits.max_depth, 2 * found.depth + 2)
            while found.faults > 0 and k < cap:
                k += 1
                if path.depth < k:
                    path.extend()
                if self._ask(solver) is None:
                    break
                hit = find_at(solver, path, k, found.faults - 1, ())
                if hit is not None:
                    found = self._fewest_faults(find_at, solver, path, k, hit)
                    out.found = found
        except (_OutOfTime, _Undecided):
            pass

    # ---- induction ---------------------------------------------------------------------
    def inductor(self, parts: _Parts) -> Callable[..., bool]:
        """k-induction for a property given as named parts (each a term that must hold):
        a fresh path of k transitions, all states distinct, the property holding in the
        first k states; proved when it cannot fail in the last. `prove(k, dropped, within)`
        leaves out the dropped parts and, when `within` is given (a function of the first
        state's terms), assumes it of the first state. The path is kept and extended while
        the parts used and `within` stay the same (`key` names the latter).

        Induction gets at most INDUCTION_SHARE of the time the BMC search took: on most
        Kafka specs it fails at every depth while the search reaches the completeness
        threshold, so an attempt is skipped while induction is over its share, and each
        query is capped at what is left of it. Skipping depths loses no proof, only delays it: a property that is
        k-inductive (with simple paths) is also (k+1)-inductive."""
        cache: dict[str, Any] = {}

        def prove(
            k: int,
            dropped: frozenset[str],
            within: Callable[[list[Term]], Term] | None = None,
            key: object = None,
        ) -> bool:
            started = time.perf_counter()
            searched = started - self.started - self.induction_s - self.side_s
            share = searched * INDUCTION_SHARE
            if self.induction_s > share:
                return False
            try:
                return attempt(k, dropped, within, key, max(0.25, share - self.induction_s))
            except _Capped:
                return False
            finally:
                self.induction_s += time.perf_counter() - started

        def attempt(
            k: int,
            dropped: frozenset[str],
            within: Callable[[list[Term]], Term] | None,
            key: object,
            cap: float,
        ) -> bool:
            if cache.get("key") != (dropped, key):
                fresh = self._solver()
                start = _Unrolling(self.system, fresh, "i_", False, True, self.num)
                if within is not None:
                    fresh.add(within(start.states[0]))
                cache.update(key=(dropped, key), solver=fresh, path=start)
            solver = cache["solver"]
            path: _Unrolling = cache["path"]

            def prop(i: int) -> Term:
                return z3.And([t for name, t in parts(path.tr[i], path, i) if name not in dropped])

            while path.depth < k:
                solver.add(prop(path.depth))
                path.extend()
            return self._ask(solver, z3.Not(prop(k)), cap=cap) is None

        return prove

    def _gated(self, query: Query) -> Callable[..., bool]:
        """Induction for a query. A property that grows (at-least-once learns plans) needs a
        new induction path for each version, so it is only tried once the version stayed
        the same since the previous attempt."""
        if not query.grows:
            return self.inductor(query.parts)
        inductors: dict[int, Callable[..., bool]] = {}
        last = [-1]

        def prove(k: int, dropped: frozenset[str], *rest: Any) -> bool:
            n = query.version()
            if n != last[0]:
                last[0] = n
                return False
            if n not in inductors:
                inductors.clear()
                inductors[n] = self.inductor(query.parts)
            return inductors[n](k, dropped, *rest)

        return prove

    def common_parts(self, x: Translator, path: _Unrolling, i: int) -> list[tuple[str, Term]]:
        parts: list[tuple[str, Term]] = [("domain", path.domains(i))]
        if self.system.limit is not None:
            parts.append(("limit", z3.Not(x.boolean(self.system.limit))))
        return parts

    def common_base(self, path: _Unrolling, k: int) -> list[tuple[str, Term]]:
        """The common parts' failures at depth k: (name, term that holds when it fails)."""
        out = [("domain", z3.Not(path.domains(k)))]
        if self.system.limit is not None:
            out.append(("limit", path.tr[k].boolean(self.system.limit)))
        return out

    # ---- safety ------------------------------------------------------------------------
    def query(self, g: Invariant | Eventually) -> Query:
        return self._invariant_query(g) if isinstance(g, Invariant) else self._eventually_query(g)

    def _invariant_query(self, g: Invariant) -> Query:
        def find_at(
            solver: Any, path: _Unrolling, k: int, bound: int | None, focus: Sequence[Term]
        ) -> Path | None:
            extra = [path.tr[k].boolean(g.bad), *focus]
            if bound is not None:
                extra.append(path.faults(k) <= bound)
            model = self._ask(solver, *extra)
            return None if model is None else self._trace(model, path, k)

        def parts(x: Translator, path: _Unrolling, i: int) -> list[tuple[str, Term]]:
            return [("bad", z3.Not(x.boolean(g.bad))), *self.common_parts(x, path, i)]

        return Query(find_at, parts, lambda: 0)

    # ---- at-least-once -----------------------------------------------------------------
    def _eventually_query(self, g: Eventually) -> Query:
        judge = self.judge(g)
        plans: list[list[int]] = []
        ok_cache: dict[tuple[int, int, str], Term] = {}

        def ok_terms(path: _Unrolling, i: int) -> list[Term]:
            """For each learned plan: "the plan runs from state i to the goal or a limit
            state"."""
            terms = []
            for p, plan in enumerate(plans):
                key = (p, i, path.tag)
                t = ok_cache.get(key)
                if t is None:
                    t = self._plan_works(plan, path.tr[i], g.goal)
                    ok_cache[key] = t
                terms.append(t)
            return terms

        def covered(x: Translator, path: _Unrolling, i: int) -> Term:
            done = [x.boolean(g.goal)]
            if self.system.limit is not None:
                done.append(x.boolean(self.system.limit))
            return z3.Or(done + ok_terms(path, i))

        # per BMC depth: a literal that switches on "state k is uncovered", and how many
        # plans have been asserted under it (plans are added incrementally)
        uncovered: dict[int, tuple[Term, int]] = {}

        def find_at(
            solver: Any, path: _Unrolling, k: int, bound: int | None, focus: Sequence[Term]
        ) -> Path | None:
            x = path.tr[k]
            if k not in uncovered:
                literal = z3.Bool(f"uncovered@{k}")
                base = [z3.Not(x.boolean(g.goal))]
                if self.system.limit is not None:
                    base.append(z3.Not(x.boolean(self.system.limit)))
                solver.add(z3.Implies(literal, z3.And(base)))
                uncovered[k] = (literal, 0)
            while True:
                literal, done = uncovered[k]
                for t in ok_terms(path, k)[done:]:
                    solver.add(z3.Implies(literal, z3.Not(t)))
                uncovered[k] = (literal, len(plans))
                extra = [literal, *focus]
                if bound is not None:
                    extra.append(path.faults(k) <= bound)
                model = self._ask(solver, *extra)
                if model is None:
                    return None
                trace = self._trace(model, path, k)
                state = trace[-1][1] if trace else self.start_of(model, path)
                doomed, plan = judge(state)
                if doomed:
                    return trace
                plans.append(plan)

        def parts(x: Translator, path: _Unrolling, i: int) -> list[tuple[str, Term]]:
            return [("goal", covered(x, path, i)), *self.common_parts(x, path, i)]

        return Query(find_at, parts, lambda: len(plans), grows=True)

    def _invariant(self, g: Invariant) -> _Outcome:
        """The model's lemmas first (mqcheck.engines.lemma_proof, LEMMA_SHARE of the time):
        a proof there needs no search. Then BMC, with IC3 tried once from inside the deepening loop when the search has had
        BMC_FIRST of the time without a verdict (or reached the depth limit): violations
        are mostly shallow, and completeness or induction proofs are cheap when they come.
        IC3 gets PDR_SHARE of the time left; when it finds no checked invariant, the same
        BMC search goes on (nothing is redone). IC3 only ever proves: its refutations are
        left to the BMC, which reports the shortest, fewest-fault path (or the `limit`
        state or domain escape that makes `holds` impossible)."""
        notes: list[str] = []
        if self.limits.lemmas and self.system.lemma_candidates:
            now = time.perf_counter()
            # Houdini by its share, the re-check with what is left of the guarantee's time
            lemmas_end = now + (self.deadline - now) * LEMMA_SHARE
            proof, note = lemma_proof.prove(self.system, g, lemmas_end, self.deadline)
            self.side_s += time.perf_counter() - now
            if proof:
                return _Outcome(proof=proof)
            notes.append(note)
        query = self._invariant_query(g)
        if self.limits.pdr and self.num.width is not None:
            end = self.deadline
            self.bmc_first_s = (end - self.started) * BMC_FIRST

            def side() -> str:
                now = time.perf_counter()
                proof, note, _ = self.pdr_proof(g, now + (end - now) * PDR_SHARE)
                self.side_s += time.perf_counter() - now
                notes.append(note)
                return proof

            query.side_proof = side
        try:
            out = self._search(query)
        except _OutOfTime:
            out = _Outcome(why_not=f"the time limit ({self.limits.timeout_s:g} s) was reached")
            out.depth = self._depth_reached
        if out.found is None and not out.proof and any(notes):
            out.why_not += "".join(f"; {n}" for n in notes if n)
        return out

    def _enabled(self, x: Translator, j: int) -> Term:
        """Action j can be taken in the state of `x` (its guard holds, not a limit state)."""
        terms = [x.boolean(self.system.actions[j].guard)]
        if self.system.limit is not None:
            terms.append(zt.not_(x.boolean(self.system.limit)))
        return zt.and_(terms)

    def pdr_proof(self, g: Invariant, deadline: float) -> tuple[str, str, bool]:
        """(proof, "", False) when IC3 finds an inductive invariant for "not bad, no
        `limit` state, within the domains" by `deadline` and an independent solver confirms
        it on the IR; else ("", why not, refuted), refuted when IC3 found a reachable state
        where that property fails (a path the BMC will find)."""
        collected = _Collected()
        step = _Unrolling(self.system, collected, "p_", False, False, self.num)
        step.extend()
        x = step.tr[0]
        now, nxt = step.states
        targets: list[Term | tuple[tuple[int, str, int], ...]] = [x.boolean(g.bad)]
        if self.system.limit is not None:
            targets.append(x.boolean(self.system.limit))
        for i, v in enumerate(self.system.variables):
            targets.extend((((i, "<=", v.lo - 1),), ((i, ">=", v.hi + 1),)))
        starts = self.system.starts()
        val = self.num.val
        problem = Problem(
            names=tuple(step.names),
            now=tuple(now),
            nxt=tuple(nxt),
            trans=tuple(collected.terms),
            init=z3.Or(
                [z3.And([a == val(b) for a, b in zip(now, s, strict=True)]) for s in starts]
            ),
            starts=starts,
            targets=tuple(targets),
            literal=lambda t, op, v: zt.compare(op, t, val(v)),
            value=_value,
            make_solver=self._solver,
            choice=step.acts[0],
            enabled=lambda j: self._enabled(x, j),
            compare=lambda a, op, b: zt.compare(op, a, b),
            pairs=related_pairs(self.system) if self.limits.pdr_relations else (),
        )
        out = Pdr(problem, deadline, max_frames=self.limits.pdr_frames).run()
        if not out.proved:
            return "", f"IC3 after {out.frames} frames: {out.why_not}", out.refuted
        clauses = [negated(c, step.names) for c in out.clauses]
        # no grace period: a check that cannot finish by the deadline rejects the invariant
        left = self.deadline - time.perf_counter()
        verdict = check_invariant(self.system, g.bad, clauses, left)
        if not verdict.ok:
            why = f"IC3's invariant of {len(clauses)} clause(s) was rejected: {verdict.reason}"
            return "", why, False
        related = sum(any(isinstance(v, str) for _, _, v in c) for c in clauses)
        return (
            (
                f"IC3/PDR found an inductive invariant of {len(clauses)} clause(s) "
                + (f"({related} relating two variables) " if related else "")
                + f"({out.frames} frames, {out.queries} queries), re-checked by an independent "
                "solver: it holds initially, is preserved by every action, and excludes bad, "
                "limit and out-of-domain states"
            ),
            "",
            False,
        )

    def _eventually(self, g: Eventually) -> _Outcome:
        try:
            return self._search(self._eventually_query(g))
        except _Undecided as why:
            out = _Outcome(why_not=str(why))
            out.depth = self._depth_reached
            return out

    def _plan_works(self, plan: Sequence[int], start: Translator, goal: Expr) -> Term:
        """Running `plan` from the state of `start` reaches the goal or a limit state
        (the guards holding on the way)."""
        limit = self.system.limit
        x = start
        done: list[Term] = []  # after step s: the goal or a limit state
        guards: list[Term] = []  # the guard of step s
        for step in range(len(plan) + 1):
            reached = [x.boolean(goal)]
            if limit is not None:
                reached.append(x.boolean(limit))
            done.append(zt.or_(reached))
            if step == len(plan):
                break
            action = self.system.actions[plan[step]]
            guards.append(x.boolean(action.guard))
            env = dict(x.env)
            for name, e in action.updates.items():
                env[name] = x.integer(e)
            x = Translator(env, start.num)
        # done_0 or (guard_0 and (done_1 or (guard_1 and ... done_n))): linear in the plan
        works = done[-1]
        for step in range(len(plan) - 1, -1, -1):
            works = zt.or_([done[step], zt.and_([guards[step], works])])
        return works

    def judge(self, g: Eventually) -> Callable[[State], tuple[bool, list[int]]]:
        """How an at-least-once candidate state is judged: (doomed, plan), see
        `_lookahead`. A union of configurations judges each on its member's own model."""
        goal = compile_predicate(self.system, g.goal)
        return lambda state: self._lookahead(state, goal)

    def _lookahead(
        self, start: State, goal: Predicate, model: LocalModel | None = None
    ) -> tuple[bool, list[int]]:
        """(doomed, plan): the judgement of mqcheck.ir.lookahead from a concrete state (the
        explicit engine's, limit states counting as able to reach the goal). Not doomed
        comes with the shortest plan to the goal or a limit state. `model` is the system's
        own compiled model unless another is given (a union's member)."""
        m = model or self.local
        budget = self.limits.lookahead_states
        found = goal_plan(m.future, goal, start, budget, self.deadline)
        if found.stopped == "time":
            raise _OutOfTime
        if found.stopped:
            raise _Undecided(
                f"the fault-free look-ahead from a candidate state exceeded {budget} states"
            )
        [plan] = found.plans
        return (True, []) if plan is None else (False, list(plan))

    # ---- results -----------------------------------------------------------------------
    def _result(self, g: Checked, out: _Outcome, seconds: float) -> GuaranteeResult:
        guarantee = g.guarantee
        bounds = dict(self.system.bounds)
        stats = Stats(0, 0, out.depth, round(seconds, 3))
        if out.found is not None:
            init = self.system.initial_state()
            found = witness(self.system, self.local.future, g, init, out.found.path)
            stats = Stats(0, 0, out.found.depth, round(seconds, 3))
            return GuaranteeResult(
                guarantee, "violated", ENGINE, bounds, stats, None, witness=found
            )
        if out.proof:
            return GuaranteeResult(guarantee, "holds", ENGINE, bounds, stats, None, out.proof)
        reason = out.why_not or "no verdict"
        if "depth" not in reason:
            reason += f" (no violation up to depth {out.depth})"
        return GuaranteeResult(guarantee, "unknown", ENGINE, bounds, stats, None, reason)
