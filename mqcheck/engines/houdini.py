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
  candidate is an artefact of a canonical form), then random walks from the initial state,
  collect up to `sample` states; a candidate
  false in one of them is no invariant, and numpy drops all such at once. Houdini's solver
  then only removes the candidates no sampled state refutes.
- *One incremental solver.* Each candidate is guarded by an activation literal; a query asks
  for a step out of the kept set by assuming the kept candidates' literals, so what the
  solver learnt about the step relation is kept from query to query.

A candidate that a sampled state refutes and that excludes a bad state means a reachable bad
state: there is no proof, and the bounded search will find the violation.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import z3  # type: ignore[import-untyped]

from mqcheck.engines.inductive_check import clause_term, transition_terms
from mqcheck.ir.clauses import COMPARE, Clause, well_formed
from mqcheck.ir.compile_py import CompiledSystem, compile_system
from mqcheck.ir.expr import BinOp, Const, Expr, Or, Var
from mqcheck.ir.system import TransitionSystem

#: States the breadth-first walk collects to refute candidates before any solver call.
SAMPLE_STATES = 200_000

#: States per chunk when sampled states refute candidates (bounds numpy's temporaries).
REFUTE_CHUNK = 20_000

#: Steps of one random walk, and how many walks in a row may add nothing before sampling ends.
WALK_STEPS = 200
WALKS_IDLE = 50

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


State = tuple[int, ...]


def _breadth_first(
    code: CompiledSystem, starts: Sequence[State], limit: int, deadline: float
) -> tuple[list[State], bool]:
    """Up to `limit` reachable states breadth first from `starts` (by `deadline`), and
    whether they are all the reachable states."""
    seen: dict[State, None] = dict.fromkeys(starts)
    frontier = list(seen)
    while frontier and len(seen) < limit and time.perf_counter() < deadline:
        nxt: list[State] = []
        for state in frontier:
            for _, succ in code.successors(state):
                if succ not in seen:
                    seen[succ] = None
                    nxt.append(succ)
            if len(seen) >= limit:
                break
        frontier = nxt
    return list(seen)[:limit], not frontier


def _random_walks(
    code: CompiledSystem, starts: Sequence[State], known: Sequence[State], limit: int,
    deadline: float,
) -> list[State]:  # fmt: skip
    """Up to `limit` reachable states not in `known`, from random walks (seeded: the same
    states each run): they reach the deep states a breadth-first prefix of a large model
    never does (every message acknowledged, processed, committed)."""
    seen = set(known)
    out: list[State] = []
    rng = random.Random(0)
    idle = 0
    while len(out) < limit and time.perf_counter() < deadline and idle < WALKS_IDLE:
        state, added = rng.choice(starts), 0
        for _ in range(WALK_STEPS):
            succs = code.successors(state)
            if not succs:
                break
            state = rng.choice(succs)[1]
            if state not in seen:
                seen.add(state)
                out.append(state)
                added += 1
        idle = 0 if added else idle + 1
    return out[:limit]


def sample_states(
    system: TransitionSystem,
    limit: int,
    deadline: float,
    go_deep: Callable[[list[State]], bool] = lambda shallow: True,
) -> list[State]:
    """Up to `limit` reachable states by `deadline`: half breadth first (every shallow
    state, the initial ones always, so what is kept holds in them), then, unless `go_deep`
    of those says not to, the rest from random walks; where the model has fewer states,
    all of them."""
    code = compile_system(system)
    starts = system.starts()
    shallow, complete = _breadth_first(code, starts, max(limit // 2, len(starts)), deadline)
    if complete or not go_deep(shallow):
        return shallow
    return shallow + _random_walks(code, starts, shallow, limit - len(shallow), deadline)


def refuted_by(
    clauses: Sequence[Clause], names: Sequence[str], states: Sequence[tuple[int, ...]]
) -> list[bool]:
    """For each clause, whether some state in `states` falsifies it. The states are read
    in chunks, each literal evaluated once per chunk for all the clauses that share it."""
    out = [False] * len(clauses)
    for at in range(0, len(states), REFUTE_CHUNK):
        chunk = _Chunk(names, states[at : at + REFUTE_CHUNK])
        for i, c in enumerate(clauses):
            if not out[i]:
                out[i] = not chunk.holds(c)
    return out


class _Chunk:
    """Sampled states as numpy columns, with each literal's truth cached."""

    def __init__(self, names: Sequence[str], states: Sequence[tuple[int, ...]]) -> None:
        rows: npt.NDArray[np.int64] = np.array(states, dtype=np.int64)
        self.column = {n: rows[:, i] for i, n in enumerate(names)}
        self.cache: dict[tuple[str, str, int | str], npt.NDArray[np.bool_]] = {}

    def literal(self, n: str, op: str, v: int | str) -> npt.NDArray[np.bool_]:
        hit = self.cache.get((n, op, v))
        if hit is None:
            x = self.column[n]
            y: Any = self.column[v] if isinstance(v, str) else v
            hit = COMPARE[op](x, y)
            self.cache[(n, op, v)] = hit
        return hit

    def holds(self, clause: Clause) -> bool:
        """Whether `clause` holds in every state of the chunk."""
        ok = self.literal(*clause[0]).copy()
        for n, op, v in clause[1:]:
            ok |= self.literal(n, op, v)
        return bool(ok.all())


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
    # the property first on the shallow states (a violation is mostly shallow: no walks),
    # then every candidate on those and on the walks' deep states
    states = sample_states(
        system,
        sample,
        started + (deadline - started) / 4,
        lambda shallow: not any(refuted_by(required, names, shallow)),
    )
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
