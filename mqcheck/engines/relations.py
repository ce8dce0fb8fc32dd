"""Pairs of state variables worth comparing with each other in IC3's lemmas.

Kafka's invariants are often relations between two counters (the high watermark never
passes the log end offset, the committed offset never passes the position), which literals
of one variable against a constant express only as one clause per value. IC3 may therefore
replace two such literals by `x_i < x_j` or `x_i != x_j` (`mqcheck.engines.pdr`), but trying
every pair on every lemma would cost a query per pair; the candidates are the pairs the
model itself relates:

- compared with each other, or combined by `min`/`max`, in a guard, update, guarantee or
  the `limit` term (`hw < leo`, `min(hw + 1, leo)`);
- one written from the other (`committed := position`, `x := y + 1`);
- moved together: one action adds the same constant to both (`x += 1; y += 1`).

and, in each case, with overlapping domains (neither fixed to one value).
"""

from __future__ import annotations

from itertools import combinations

from mqcheck.ir.expr import And, BinOp, Const, Expr, Ite, Not, Or, Var, variables_of
from mqcheck.ir.system import TransitionSystem

_RELATING = ("==", "!=", "<", "<=", ">", ">=", "min", "max")
# sides with more variables than this (sums over members) relate too much to be useful
_SIDE = 2


def _compared(e: Expr, out: set[frozenset[str]], seen: set[int]) -> None:
    if id(e) in seen:
        return
    seen.add(id(e))
    if isinstance(e, BinOp):
        if e.op in _RELATING:
            left, right = variables_of(e.left), variables_of(e.right)
            if len(left) <= _SIDE and len(right) <= _SIDE:
                out.update(frozenset((a, b)) for a in left for b in right if a != b)
        _compared(e.left, out, seen)
        _compared(e.right, out, seen)
    elif isinstance(e, Not):
        _compared(e.arg, out, seen)
    elif isinstance(e, (And, Or)):
        for a in e.args:
            _compared(a, out, seen)
    elif isinstance(e, Ite):
        for a in (e.cond, e.then, e.other):
            _compared(a, out, seen)


def _step(name: str, e: Expr) -> int | None:
    """c when `e` is `name + c` or `name - c`, else None."""
    if (
        isinstance(e, BinOp)
        and e.op in ("+", "-")
        and isinstance(e.right, Const)
        and isinstance(e.left, Var)
        and e.left.name == name
    ):
        c = int(e.right.value)
        return c if e.op == "+" else -c
    return None


def related_pairs(system: TransitionSystem) -> tuple[tuple[int, int], ...]:
    """Candidate pairs (i, j), i < j, of variable indices; see the module docstring."""
    found: set[frozenset[str]] = set()
    seen: set[int] = set()
    for act in system.actions:
        for name, e in act.updates.items():
            sources = variables_of(e) - {name}
            if len(sources) <= _SIDE:
                found.update(frozenset((name, m)) for m in sources)
        steps: dict[int, list[str]] = {}
        for name, e in act.updates.items():
            c = _step(name, e)
            if c is not None:
                steps.setdefault(c, []).append(name)
        for names in steps.values():
            found.update(frozenset(p) for p in combinations(names, 2))
    for t in system.terms():
        _compared(t, found, seen)
    index = {v.name: i for i, v in enumerate(system.variables)}
    domain = {v.name: (v.lo, v.hi) for v in system.variables}
    out: set[tuple[int, int]] = set()
    for pair in found:
        a, b = sorted(pair)
        if a not in index or b not in index:
            continue
        (lo_a, hi_a), (lo_b, hi_b) = domain[a], domain[b]
        if lo_a < hi_a and lo_b < hi_b and max(lo_a, lo_b) <= min(hi_a, hi_b):
            i, j = sorted((index[a], index[b]))
            out.add((i, j))
    return tuple(sorted(out))
