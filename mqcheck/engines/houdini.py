"""Houdini: the largest inductive subset of the model's candidate invariants.

The model offers candidate clauses (mqcheck.model.lemmas: replication and consumer facts
instantiated for the spec's brokers, slots and messages). Houdini (Flanagan and Leino,
"Houdini, an annotation assistant for ESC/Java", FME 2001) keeps the largest subset that is
inductive: while some step, from a state where every kept clause holds, reaches a state
where some kept clause fails, drop the clauses that fail there. What is left holds
initially (candidates false in the initial state go first) and is preserved by every step,
so it holds in every reachable state, whatever the candidates were: a wrong candidate is
dropped, never trusted. An invariant guarantee is proved when the clauses that exclude its
bad states survive; mqcheck.engines.inductive_check then re-checks the whole invariant with
fresh solvers before a verdict rests on it.

Two things make it fast enough to run before a bounded search:

- *Reachable states first.* A breadth-first walk of the compiled model (no symmetry, so no
  candidate is an artefact of a canonical form) collects up to `sample` states; a candidate
  false in one of them is no invariant, and numpy drops all such at once. Houdini's solver
  then only removes the candidates no sampled state refutes.
- *One incremental solver.* Each candidate is guarded by an activation literal; a query asks
  for a step out of the kept set by assuming the kept candidates' literals, so what the
  solver learnt about the step relation is kept from query to query.

A candidate that a sampled state refutes and that excludes a bad state means a reachable bad
state: there is no proof, and the bounded search will find the violation.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import z3  # type: ignore[import-untyped]

from mqcheck.engines.inductive_check import clause_term, transition_terms
from mqcheck.ir.clauses import Clause, well_formed
from mqcheck.ir.compile_py import compile_system
from mqcheck.ir.expr import BinOp, Const, Expr, Or, Var
from mqcheck.ir.system import TransitionSystem

#: States the breadth-first walk collects to refute candidates before any solver call.
SAMPLE_STATES = 200_000

_NEGATED = {">=": ("<=", -1), ">": ("<=", 0), "<=": (">=", 1), "<": (">=", 0)}


@dataclass(frozen=True)
class Strengthening:
    """What Houdini kept, and how much it took."""

    kept: tuple[Clause, ...]
    candidates: int  # offered and well formed
    after_sample: int  # left once the sampled states refuted what they could
    sampled: int  # states the walk collected
    queries: int  # solver calls of the Houdini loop
    seconds: float
    why_not: str = ""  # why no proof can follow (a required clause was refuted), or ""


def property_clauses(bad: Expr) -> tuple[Clause, ...] | None:
    """The unit clauses that say "not bad", when `bad` is a disjunction of bounds on
    variables (`c0_done_m1 >= 2 or c0_done_m2 >= 2`); None for any other form."""
    parts = bad.args if isinstance(bad, Or) else (bad,)
    out: list[Clause] = []
    for p in parts:
        if not (isinstance(p, BinOp) and isinstance(p.left, Var) and isinstance(p.right, Const)):
            return None
        c = int(p.right.value)
        if p.op in _NEGATED:
            op, shift = _NEGATED[p.op]
            out.append(((p.left.name, op, c + shift),))
        elif p.op == "==":
            out.append(((p.left.name, "!=", c),))
        else:
            return None
    return tuple(out)


def sample_states(system: TransitionSystem, limit: int, deadline: float) -> list[tuple[int, ...]]:
    """Up to `limit` reachable states, breadth first from the initial ones (by `deadline`)."""
    code = compile_system(system)
    seen: dict[tuple[int, ...], None] = dict.fromkeys(system.starts())
    frontier = list(seen)
    while frontier and len(seen) < limit and time.perf_counter() < deadline:
        nxt: list[tuple[int, ...]] = []
        for state in frontier:
            for _, succ in code.successors(state):
                if succ not in seen:
                    seen[succ] = None
                    nxt.append(succ)
            if len(seen) >= limit:
                break
        frontier = nxt
    return list(seen)[:limit]


def refuted_by(
    clauses: Sequence[Clause], names: Sequence[str], states: Sequence[tuple[int, ...]]
) -> list[bool]:
    """For each clause, whether some state in `states` falsifies it."""
    if not states:
        return [False] * len(clauses)
    rows: npt.NDArray[np.int64] = np.array(states, dtype=np.int64)
    column = {n: rows[:, i] for i, n in enumerate(names)}
    cache: dict[tuple[str, str, int | str], npt.NDArray[np.bool_]] = {}

    def lit(n: str, op: str, v: int | str) -> npt.NDArray[np.bool_]:
        hit = cache.get((n, op, v))
        if hit is None:
            x = column[n]
            y: Any = column[v] if isinstance(v, str) else v
            hit = {"!=": x != y, "==": x == y, "<=": x <= y, ">=": x >= y}[op]
            cache[(n, op, v)] = hit
        return hit

    out = []
    for c in clauses:
        ok = lit(*c[0]).copy()
        for n, op, v in c[1:]:
            ok |= lit(n, op, v)
        out.append(not bool(ok.all()))
    return out


def strengthen(
    system: TransitionSystem,
    candidates: Sequence[Clause],
    required: Sequence[Clause],
    deadline: float,
    sample: int = SAMPLE_STATES,
) -> Strengthening | None:
    """The largest inductive subset of `candidates` plus `required`, or None when the
    deadline came first. `required` (the property's clauses) are candidates too; when one
    of them is dropped the result says why and no proof can rest on it."""
    started = time.perf_counter()
    names = [v.name for v in system.variables]
    offered = list(dict.fromkeys([*required, *well_formed(candidates, set(names))]))
    need = set(required)
    states = sample_states(system, sample, started + (deadline - started) / 4)
    refuted = refuted_by(offered, names, states)
    alive = [c for c, r in zip(offered, refuted, strict=True) if not r]

    def result(kept: list[Clause], queries: int, why: str = "") -> Strengthening:
        return Strengthening(
            tuple(kept),
            len(offered),
            len(alive),
            len(states),
            queries,
            round(time.perf_counter() - started, 3),
            why,
        )

    if need - set(alive):
        return result([], 0, "a reachable state breaks the property")
    now = {n: z3.Int(f"hd_{n}") for n in names}
    nxt = {n: z3.Int(f"hd_{n}'") for n in names}
    solver = z3.Solver()
    solver.add(*transition_terms(system, now, nxt))
    guard: dict[Clause, Any] = {}
    for i, c in enumerate(alive):
        guard[c] = z3.Bool(f"hd_a{i}")
        solver.add(z3.Implies(guard[c], clause_term(c, now)))
    after = {c: clause_term(c, nxt) for c in alive}
    kept = list(alive)
    queries = 0
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        ask = z3.Bool(f"hd_q{queries}")
        solver.add(z3.Implies(ask, z3.Or([z3.Not(after[c]) for c in kept])))
        solver.set("timeout", max(1, int(left * 1000)))
        queries += 1
        answer = solver.check(ask, *[guard[c] for c in kept])
        if answer == z3.unsat:
            return result(kept, queries)
        if answer != z3.sat:
            return None
        model = solver.model()
        kept = [c for c in kept if z3.is_true(model.eval(after[c], model_completion=True))]
        if need - set(kept):
            return result([], queries, "the property is not inductive with the model's lemmas")
