"""Fault budgets the explicit search may subsume: which state columns count faults left.

Most of a Kafka model's states differ only in how much of each fault budget is left (at
two messages, durable-baseline has 1,131,329 states but 87,690 distinct states once the
budgets are ignored). A state (x, b) with budgets b *simulates* (x, b') when b >= b'
component-wise, provided the budgets are used only the way a budget is: read by the guard
conjunct `v > 0` of the fault steps that spend it and decremented by one there, and read
by nothing else (no other guard, update, guarantee, limit, observation or trace text, and
no symmetry). Then every step of (x, b') is a step of (x, b) to the same x-part with budgets
still >= (fault-free steps do not look at b; a fault step enabled with b'_v > 0 is enabled
with b_v >= b'_v), so everything (x, b') can reach, (x, b) reaches with the same x-part.
Invariants and the at-least-once goal read x only, and so does a state's fault-free
future, which makes "no fault-free path to the goal" a property of x. The argument for the
search that prunes dominated states (mqcheck.engines.frontier) is in docs/engines.md,
"Fault-budget subsumption".

This module only decides whether the argument applies and where the budget columns are;
it answers None whenever a condition fails, and the search is then not reduced.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from mqcheck.ir.expr import BinOp, Const, Expr, Var, conjuncts, variables_of
from mqcheck.ir.system import Action, Eventually, Invariant, TransitionSystem

_COMPARE: dict[str, Callable[[int, int], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}

#: Bits per budget in a packed budget tag; a budget above 15 turns the reduction off.
BITS = 4
#: Budgets that fit the 28-bit tag the visited set keeps beside a state index.
MAX_BUDGETS = 7


@dataclass(frozen=True)
class Budgets:
    """The budget columns of the state row, in tag order (budget k in bits 4k..4k+3 of its tag)."""

    columns: tuple[int, ...]
    names: tuple[str, ...]


def _spends(action: Action) -> str | None:
    """The budget `action` spends: the one variable it decrements by one (`v: v - 1`)
    under a guard conjunct `v > 0`, if there is exactly one."""
    tests = conjuncts(action.guard)
    found = [
        name
        for name, e in action.updates.items()
        if isinstance(e, BinOp)
        and e.op == "-"
        and isinstance(e.left, Var)
        and e.left.name == name
        and isinstance(e.right, Const)
        and e.right.value == 1
        and any(_is_positive_test(t, name) for t in tests)
    ]
    return found[0] if len(found) == 1 else None


def _is_positive_test(term: Expr, name: str) -> bool:
    """`v > 0` or `v >= 1`."""
    if not (isinstance(term, BinOp) and isinstance(term.left, Var) and term.left.name == name):
        return False
    if not isinstance(term.right, Const):
        return False
    return (term.op == ">" and term.right.value == 0) or (term.op == ">=" and term.right.value == 1)


def _never(guard: Expr) -> bool:
    """A guard with a conjunct that reads no variable and is false (a fault whose budget
    is 0: the model writes `0 > 0`)."""
    for term in conjuncts(guard):
        if isinstance(term, Const) and not term.value:
            return True
        if (
            isinstance(term, BinOp)
            and isinstance(term.left, Const)
            and isinstance(term.right, Const)
            and term.op in _COMPARE
            and not _COMPARE[term.op](term.left.value, term.right.value)
        ):
            return True
    return False


def _reads(action: Action) -> set[str]:
    found = variables_of(action.guard)
    for e in action.updates.values():
        found |= variables_of(e)
    for e in action.text_args.values():
        found |= variables_of(e)
    return found


def subsumable_budgets(system: TransitionSystem) -> Budgets | None:
    """The budget columns when the subsumption argument holds for `system`, else None.

    Besides the use of each budget (module docstring), every fault step must spend exactly
    one budget or never be enabled: then the faults a state used are the budget it has
    spent, and a dominating state has used no more faults than the state it dominates
    (what keeps the reported counterexample the fewest-fault, shortest one)."""
    candidates: set[str] = set()
    for a in system.actions:
        if a.fault is not None:
            spent = _spends(a)
            if spent is not None:
                candidates.add(spent)
    if not candidates:
        return None
    variables = {v.name: v for v in system.variables}
    for name in candidates:
        v = variables.get(name)
        if v is None or v.lo != 0 or v.hi >= 1 << BITS:
            return None
    for a in system.actions:
        if a.fault is None:
            if _reads(a) & candidates or set(a.updates) & candidates:
                return None
            continue
        if _never(a.guard):
            continue
        spent = _spends(a)
        if spent is None or spent not in candidates:
            return None  # a fault that spends no budget: faults used != budget spent
        if set(a.updates) & candidates != {spent}:
            return None
        tests = [t for t in conjuncts(a.guard) if variables_of(t) & candidates]
        if len(tests) != 1 or not _is_positive_test(tests[0], spent):
            return None
        others: set[str] = set()
        for t in conjuncts(a.guard):
            if t is not tests[0]:
                others |= variables_of(t)
        for var, e in a.updates.items():
            if var != spent:
                others |= variables_of(e)
        for e in a.text_args.values():
            others |= variables_of(e)
        if others & candidates:
            return None
    elsewhere: set[str] = set()
    for g in system.guarantees:
        if isinstance(g, Invariant):
            elsewhere |= variables_of(g.bad)
        elif isinstance(g, Eventually):
            elsewhere |= variables_of(g.goal)
            for part in g.parts.values():
                elsewhere |= variables_of(part)
    for o in system.observations:
        elsewhere |= variables_of(o.holds)
    if system.limit is not None:
        elsewhere |= variables_of(system.limit)
    for sym in system.symmetries:
        elsewhere |= {n for member in sym.members for n in member}
        elsewhere |= set(sym.index_vars) | set(sym.mask_vars)
    if elsewhere & candidates or len(candidates) > MAX_BUDGETS:
        return None
    index = system.index()
    names = tuple(sorted(candidates, key=lambda n: index[n]))
    return Budgets(tuple(index[n] for n in names), names)
