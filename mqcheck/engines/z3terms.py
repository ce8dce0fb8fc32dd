"""Direct constructors for the Z3 terms the translation builds most often.

z3's Python operators (`a + b`, `a == b`, `z3.And`, `z3.If`) coerce and type-check every
argument; for at-least-once queries, which substitute learned plans into the state terms,
that bookkeeping cost several times more than the solver itself. These functions call the
C API with arguments that are already Z3 terms of the right sort (bit-vectors of one width,
booleans), and build exactly the terms the operators would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import z3  # type: ignore[import-untyped]

Term = Any

_ARITH: dict[str, Callable[..., Any]] = {
    "+": z3.Z3_mk_bvadd,
    "-": z3.Z3_mk_bvsub,
    "*": z3.Z3_mk_bvmul,
}
_COMPARE: dict[str, Callable[..., Any]] = {
    "<": z3.Z3_mk_bvslt,
    "<=": z3.Z3_mk_bvsle,
    ">": z3.Z3_mk_bvsgt,
    ">=": z3.Z3_mk_bvsge,
}


def arith(op: str, a: Term, b: Term) -> Term:
    """Signed bit-vector +, - or * of two terms of one width."""
    ctx = a.ctx
    return z3.BitVecRef(_ARITH[op](ctx.ref(), a.as_ast(), b.as_ast()), ctx)


def compare(op: str, a: Term, b: Term) -> Term:
    """Signed bit-vector comparison (<, <=, >, >=), or == / != of any two terms."""
    ctx = a.ctx
    if op == "==":
        return z3.BoolRef(z3.Z3_mk_eq(ctx.ref(), a.as_ast(), b.as_ast()), ctx)
    if op == "!=":
        return not_(compare("==", a, b))
    return z3.BoolRef(_COMPARE[op](ctx.ref(), a.as_ast(), b.as_ast()), ctx)


def not_(a: Term) -> Term:
    ctx = a.ctx
    return z3.BoolRef(z3.Z3_mk_not(ctx.ref(), a.as_ast()), ctx)


def implies(a: Term, b: Term) -> Term:
    ctx = a.ctx
    return z3.BoolRef(z3.Z3_mk_implies(ctx.ref(), a.as_ast(), b.as_ast()), ctx)


def ite(c: Term, a: Term, b: Term) -> Term:
    """If-then-else; the result has the sort (and Python class) of `a`."""
    ctx = a.ctx
    return type(a)(z3.Z3_mk_ite(ctx.ref(), c.as_ast(), a.as_ast(), b.as_ast()), ctx)


def _nary(make: Callable[..., Any], unit: bool, terms: Sequence[Term]) -> Term:
    if not terms:
        return z3.BoolVal(unit)
    if len(terms) == 1:
        return terms[0]
    ctx = terms[0].ctx
    args = (z3.Ast * len(terms))(*[t.as_ast() for t in terms])
    return z3.BoolRef(make(ctx.ref(), len(terms), args), ctx)


def and_(terms: Sequence[Term]) -> Term:
    return _nary(z3.Z3_mk_and, True, terms)


def or_(terms: Sequence[Term]) -> Term:
    return _nary(z3.Z3_mk_or, False, terms)
