"""The expression language of the IR: integer and boolean terms over state variables.

Every guard, update, guarantee and trace annotation of the Kafka model is built from these
nodes, so each engine (Python closures, Z3 terms) translates one small AST instead of
re-implementing Kafka. Booleans stored in the state are integers 0/1; comparisons and the
logical connectives produce the boolean sort.

Nodes compare by identity (`eq=False`): `==` is not overloaded; use `e.eq(x)` to build an
equality term.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Union

IntLike = Union["Expr", int, bool]

INT = "int"
BOOL = "bool"

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_ARITHMETIC = ("+", "-", "*", "min", "max")


class Expr:
    """Base of every term. Operators build new terms; they never evaluate."""

    sort: str = INT

    def __add__(self, other: IntLike) -> Expr:
        return BinOp("+", self, lift(other))

    def __radd__(self, other: IntLike) -> Expr:
        return BinOp("+", lift(other), self)

    def __sub__(self, other: IntLike) -> Expr:
        return BinOp("-", self, lift(other))

    def __rsub__(self, other: IntLike) -> Expr:
        return BinOp("-", lift(other), self)

    def __mul__(self, other: IntLike) -> Expr:
        return BinOp("*", self, lift(other))

    def __lt__(self, other: IntLike) -> Expr:
        return BinOp("<", self, lift(other))

    def __le__(self, other: IntLike) -> Expr:
        return BinOp("<=", self, lift(other))

    def __gt__(self, other: IntLike) -> Expr:
        return BinOp(">", self, lift(other))

    def __ge__(self, other: IntLike) -> Expr:
        return BinOp(">=", self, lift(other))

    def __and__(self, other: IntLike) -> Expr:
        return And((self, lift(other)))

    def __or__(self, other: IntLike) -> Expr:
        return Or((self, lift(other)))

    def __invert__(self) -> Expr:
        return Not(self)

    def eq(self, other: IntLike) -> Expr:
        return BinOp("==", self, lift(other))

    def ne(self, other: IntLike) -> Expr:
        return BinOp("!=", self, lift(other))

    def is_true(self) -> Expr:
        """A 0/1 variable read as a boolean."""
        return BinOp("==", self, Const(1))


@dataclass(frozen=True, eq=False)
class Const(Expr):
    value: int

    @property
    def sort(self) -> str:  # type: ignore[override]
        return BOOL if isinstance(self.value, bool) else INT


@dataclass(frozen=True, eq=False)
class Var(Expr):
    """A state variable, read in the state *before* the action."""

    name: str


@dataclass(frozen=True, eq=False)
class BinOp(Expr):
    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in _COMPARISONS + _ARITHMETIC:
            raise ValueError(f"unknown operator {self.op!r}")

    @property
    def sort(self) -> str:  # type: ignore[override]
        return BOOL if self.op in _COMPARISONS else INT


@dataclass(frozen=True, eq=False)
class Not(Expr):
    arg: Expr
    sort = BOOL


@dataclass(frozen=True, eq=False)
class And(Expr):
    args: tuple[Expr, ...]
    sort = BOOL


@dataclass(frozen=True, eq=False)
class Or(Expr):
    args: tuple[Expr, ...]
    sort = BOOL


@dataclass(frozen=True, eq=False)
class Ite(Expr):
    cond: Expr
    then: Expr
    other: Expr

    @property
    def sort(self) -> str:  # type: ignore[override]
        return self.then.sort


TRUE = Const(True)
FALSE = Const(False)


def lift(value: IntLike) -> Expr:
    """Turn a Python int/bool into a constant; leave terms alone."""
    if isinstance(value, Expr):
        return value
    return Const(value)


def conjuncts(guard: Expr) -> list[Expr]:
    """The top-level conjuncts of a guard (none for `true`): the compilers' decision trees
    test each shared conjunct once for every action that has it."""
    if isinstance(guard, And):
        return list(guard.args)
    if isinstance(guard, Const) and guard.value:
        return []
    return [guard]


def all_of(terms: Iterable[IntLike]) -> Expr:
    """Conjunction that folds constants, so generated guards stay small."""
    kept: list[Expr] = []
    for term in terms:
        e = lift(term)
        if isinstance(e, Const):
            if not e.value:
                return FALSE
            continue
        kept.extend(e.args if isinstance(e, And) else (e,))
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else And(tuple(kept))


def any_of(terms: Iterable[IntLike]) -> Expr:
    """Disjunction that folds constants."""
    kept: list[Expr] = []
    for term in terms:
        e = lift(term)
        if isinstance(e, Const):
            if e.value:
                return TRUE
            continue
        kept.extend(e.args if isinstance(e, Or) else (e,))
    if not kept:
        return FALSE
    return kept[0] if len(kept) == 1 else Or(tuple(kept))


def ite(cond: IntLike, then: IntLike, other: IntLike) -> Expr:
    """If-then-else that folds a constant condition."""
    c = lift(cond)
    if isinstance(c, Const):
        return lift(then) if c.value else lift(other)
    return Ite(c, lift(then), lift(other))


def bool_to_int(term: IntLike) -> Expr:
    return ite(term, 1, 0)


def count_true(terms: Sequence[IntLike]) -> Expr:
    """How many of the boolean terms hold, as an integer term."""
    total: Expr = Const(0)
    for term in terms:
        total = total + bool_to_int(term)
    return total


def minimum(terms: Sequence[IntLike]) -> Expr:
    result = lift(terms[0])
    for term in terms[1:]:
        result = BinOp("min", result, lift(term))
    return result


def maximum(terms: Sequence[IntLike]) -> Expr:
    result = lift(terms[0])
    for term in terms[1:]:
        result = BinOp("max", result, lift(term))
    return result


def variables_of(expr: Expr) -> set[str]:
    """The state variables a term reads (for read/write sets and slicing)."""
    found: set[str] = set()
    stack: list[Expr] = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Var):
            found.add(e.name)
        elif isinstance(e, BinOp):
            stack.extend((e.left, e.right))
        elif isinstance(e, Not):
            stack.append(e.arg)
        elif isinstance(e, (And, Or)):
            stack.extend(e.args)
        elif isinstance(e, Ite):
            stack.extend((e.cond, e.then, e.other))
    return found


def tree_size(expr: Expr, memo: dict[int, int] | None = None) -> int:
    """Nodes of a term written out as a tree: a subterm shared by several parents counts
    once per parent, as in generated source, so this measures what compiling it costs
    before any source exists. `memo` (by node identity) keeps shared terms linear to walk."""
    memo = {} if memo is None else memo
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        e, children_done = stack.pop()
        if id(e) in memo:
            continue
        kids: tuple[Expr, ...]
        if isinstance(e, BinOp):
            kids = (e.left, e.right)
        elif isinstance(e, Not):
            kids = (e.arg,)
        elif isinstance(e, (And, Or)):
            kids = e.args
        elif isinstance(e, Ite):
            kids = (e.cond, e.then, e.other)
        else:
            kids = ()
        if children_done or not kids:
            memo[id(e)] = 1 + sum(memo[id(k)] for k in kids)
        else:
            stack.append((e, True))
            stack.extend((k, False) for k in kids if id(k) not in memo)
    return memo[id(expr)]
