"""The independent re-check of an invariant before a `holds` rests on it.

IC3 (`mqcheck.engines.pdr`) runs on the Z3 engine's bit-vector translation and on one
long-lived incremental solver; a bug in either (a width that wraps, a stale activation
literal, a wrong core) could make a non-invariant look inductive. So the invariant leaves
IC3 as plain data, clauses of (variable name, op, value) literals, and is checked here on a
translation written again from the IR: Z3 *integers* (no widths, nothing wraps) through
Z3's own Python operators, one fresh `z3.Solver` per condition:

1. Init ⇒ Inv
2. Inv ∧ T ⇒ Inv' (T: one action whose guard holds, from a non-`limit` state, the
   variables it does not write unchanged: the compiled model's step)
3. Inv ⇒ ¬bad ∧ ¬limit ∧ every variable within its declared domain

Together they say that no reachable state is bad, a `limit` state or outside its domain,
which is exactly what `holds` claims (a reachable `limit` state would make it `unknown`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import z3  # type: ignore[import-untyped]

from mqcheck.ir.clauses import COMPARE, Clause
from mqcheck.ir.expr import BOOL, And, BinOp, Const, Expr, Ite, Not, Or, Var, variables_of
from mqcheck.ir.system import Action, TransitionSystem

Term = Any


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str


def _term(e: Expr, env: Mapping[str, Term], memo: dict[int, Term]) -> Term:
    hit = memo.get(id(e))
    if hit is not None:
        return hit
    out: Term
    if isinstance(e, Const):
        out = z3.BoolVal(e.value) if isinstance(e.value, bool) else z3.IntVal(int(e.value))
    elif isinstance(e, Var):
        out = env[e.name]
    elif isinstance(e, BinOp):
        a, b = _int(e.left, env, memo), _int(e.right, env, memo)
        ops = {
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "min": lambda: z3.If(a <= b, a, b),
            "max": lambda: z3.If(a >= b, a, b),
            "==": lambda: a == b,
            "!=": lambda: a != b,
            "<": lambda: a < b,
            "<=": lambda: a <= b,
            ">": lambda: a > b,
            ">=": lambda: a >= b,
        }
        out = ops[e.op]()
    elif isinstance(e, Not):
        out = z3.Not(_bool(e.arg, env, memo))
    elif isinstance(e, And):
        out = z3.And([_bool(a, env, memo) for a in e.args])
    elif isinstance(e, Or):
        out = z3.Or([_bool(a, env, memo) for a in e.args])
    elif isinstance(e, Ite):
        c = _bool(e.cond, env, memo)
        if e.sort == BOOL:
            out = z3.If(c, _bool(e.then, env, memo), _bool(e.other, env, memo))
        else:
            out = z3.If(c, _int(e.then, env, memo), _int(e.other, env, memo))
    else:
        raise TypeError(f"not an expression: {e!r}")
    memo[id(e)] = out
    return out


def _bool(e: Expr, env: Mapping[str, Term], memo: dict[int, Term]) -> Term:
    t = _term(e, env, memo)
    return t if e.sort == BOOL else t != 0


def _int(e: Expr, env: Mapping[str, Term], memo: dict[int, Term]) -> Term:
    t = _term(e, env, memo)
    return z3.If(t, 1, 0) if e.sort == BOOL else t


def _step(
    a: Action,
    names: Sequence[str],
    now: Mapping[str, Term],
    nxt: Mapping[str, Term],
    memo: dict[int, Term],
) -> Term:
    """One step of `a`: its guard holds now, and each variable's next value is its
    update's, or its value now when `a` does not write it."""
    step = [_bool(a.guard, now, memo)]
    for n in names:
        e = a.updates.get(n)
        step.append(nxt[n] == (now[n] if e is None else _int(e, now, memo)))
    return z3.And(step)


def _source(system: TransitionSystem, now: Mapping[str, Term], memo: dict[int, Term]) -> list[Term]:
    """A state a step may leave: within the declared domains, not a `limit` state."""
    out = [z3.And(now[v.name] >= v.lo, now[v.name] <= v.hi) for v in system.variables]
    if system.limit is not None:
        out.append(z3.Not(_bool(system.limit, now, memo)))
    return out


def transition_terms(
    system: TransitionSystem, now: Mapping[str, Term], nxt: Mapping[str, Term]
) -> list[Term]:
    """The compiled model's step from `now` to `nxt` as terms to assert together: one of
    the actions, from a state within the declared domains that is not a `limit` state."""
    names = [v.name for v in system.variables]
    memo: dict[int, Term] = {}
    steps = z3.Or([_step(a, names, now, nxt, memo) for a in system.actions])
    return [*_source(system, now, memo), steps]


def clause_term(clause: Clause, env: Mapping[str, Term]) -> Term:
    return z3.Or(
        [COMPARE[op](env[n], env[v] if isinstance(v, str) else z3.IntVal(v)) for n, op, v in clause]
    )


def invariant_term(clauses: Sequence[Clause], env: Mapping[str, Term]) -> Term:
    return z3.And([clause_term(c, env) for c in clauses])


def _solve(query: Sequence[Term], deadline: float) -> Any | None:
    """Z3's answer to `query` with the time left before `deadline`; None when none is left."""
    left = deadline - time.perf_counter()
    if left <= 0:
        return None
    solver = z3.Solver()
    solver.set("timeout", max(1, int(left * 1000)))
    solver.add(*query)
    return solver.check()


def check_invariant(
    system: TransitionSystem,
    bad: Expr,
    clauses: Sequence[Clause],
    timeout_s: float,
) -> Verdict:
    """Whether `clauses` are an inductive invariant of `system` that excludes `bad`,
    `limit` states and domain escapes; each failed or undecided condition is the reason."""
    deadline = time.perf_counter() + timeout_s
    names = [v.name for v in system.variables]
    now = {n: z3.Int(f"chk_{n}") for n in names}
    nxt = {n: z3.Int(f"chk_{n}'") for n in names}
    inv, inv_next = invariant_term(clauses, now), invariant_term(clauses, nxt)
    memo: dict[int, Term] = {}
    init = z3.Or(
        [z3.And([now[n] == v for n, v in zip(names, s, strict=True)]) for s in system.starts()]
    )
    trans = [z3.Or([_step(a, names, now, nxt, memo) for a in system.actions])]
    fails = [_bool(bad, now, memo)]
    if system.limit is not None:
        limit = _bool(system.limit, now, memo)
        trans.append(z3.Not(limit))
        fails.append(limit)
    fails.extend(z3.Or(now[v.name] < v.lo, now[v.name] > v.hi) for v in system.variables)
    conditions = [
        ("the initial state is not in the invariant", [init, z3.Not(inv)]),
        ("the invariant is not inductive", [inv, *trans, z3.Not(inv_next)]),
        ("the invariant admits a bad, limit or out-of-domain state", [inv, z3.Or(fails)]),
    ]
    for what, query in conditions:
        r = _solve(query, deadline)
        if r is None:
            return Verdict(False, "the independent check ran out of time")
        if r == z3.sat:
            return Verdict(False, f"independent check: {what}")
        if r != z3.unsat:
            return Verdict(False, f"independent check undecided ({what}?)")
    return Verdict(True, "")


def closed_under_steps(system: TransitionSystem, predicate: Expr, timeout_s: float) -> Verdict:
    """Whether every step of `system` from a state where `predicate` holds (a non-`limit`
    state within the declared domains) leads to a state where it holds again: condition 2
    above for `predicate` alone, without an initial condition. The search that stops at the
    at-least-once goal (mqcheck.engines.frontier, `goal_cut`) rests on it: a goal state's
    whole future is then goal states, none of which can be doomed."""
    names = [v.name for v in system.variables]
    now = {n: z3.Int(f"cl_{n}") for n in names}
    nxt = {n: z3.Int(f"cl_{n}'") for n in names}
    memo: dict[int, Term] = {}
    query = [_bool(predicate, now, memo), *_source(system, now, memo)]
    after = _bool(predicate, nxt, {})
    deadline = time.perf_counter() + timeout_s
    read = variables_of(predicate)
    for a in system.actions:
        if not read & a.writes():
            continue  # nothing the predicate reads changes
        r = _solve([*query, _step(a, names, now, nxt, memo), z3.Not(after)], deadline)
        if r is None:
            return Verdict(False, "ran out of time proving that the goal stays reached")
        if r == z3.sat:
            return Verdict(False, f"{a.name} can leave the goal")
        if r != z3.unsat:
            return Verdict(False, f"undecided whether {a.name} can leave the goal")
    return Verdict(True, "")
