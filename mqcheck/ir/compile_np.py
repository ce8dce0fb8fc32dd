"""Compile IR terms and actions to numpy column operations over a whole frontier.

The explicit engine's tuple path (mqcheck.ir.compile_py) pays Python's price once per state;
here one call evaluates a guard or an update for every state of a frontier at once. The IR
was made for this: actions have no control flow, indices are constants and domains are
known, so every term is a fixed sequence of array operations. States arrive as rows of a
narrow integer matrix; each variable is read as one int32 column (wide enough for any
intermediate value of the model's small domains).

Guards are factored into the same kind of decision tree as compile_py's: a conjunct shared
by several actions is computed once per frontier, and a subtree whose mask is empty is
skipped, so the actions a frontier cannot take cost one `any()` each.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mqcheck.ir.expr import (
    BOOL,
    And,
    BinOp,
    Const,
    Expr,
    Ite,
    Not,
    Or,
    Var,
    conjuncts,
    variables_of,
)
from mqcheck.ir.system import TransitionSystem

Rows = npt.NDArray[Any]
Mask = npt.NDArray[np.bool_]
#: One action's successors over a frontier: (action, parent positions, {column: values}).
Moves = list[tuple[int, npt.NDArray[np.intp], dict[int, Any]]]
ExpandFn = Callable[[Sequence[Any], int], Moves]
PredicateFn = Callable[[Sequence[Any], int], Mask]

_temps = itertools.count()


def state_dtype(system: TransitionSystem) -> np.dtype[Any]:
    """The narrowest signed integer type holding every variable's domain."""
    lo = min((v.lo for v in system.variables), default=0)
    hi = max((v.hi for v in system.variables), default=0)
    for dt in (np.int8, np.int16, np.int32):
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return np.dtype(dt)
    return np.dtype(np.int64)


def to_numpy_source(expr: Expr, names: dict[str, str]) -> str:
    """numpy source for a term over column arrays (a constant stays a Python scalar)."""
    if isinstance(expr, Const):
        return repr(expr.value)
    if isinstance(expr, Var):
        return names[expr.name]
    if isinstance(expr, BinOp):
        a, b = to_numpy_source(expr.left, names), to_numpy_source(expr.right, names)
        if expr.op == "min":
            return f"_np.minimum({a}, {b})"
        if expr.op == "max":
            return f"_np.maximum({a}, {b})"
        return f"({a} {expr.op} {b})"
    if isinstance(expr, Not):
        return f"_np.logical_not({to_numpy_source(expr.arg, names)})"
    if isinstance(expr, And):
        return "(" + " & ".join(_bool(a, names) for a in expr.args) + ")"
    if isinstance(expr, Or):
        return "(" + " | ".join(_bool(a, names) for a in expr.args) + ")"
    if isinstance(expr, Ite):
        c = to_numpy_source(expr.cond, names)
        then, other = to_numpy_source(expr.then, names), to_numpy_source(expr.other, names)
        return f"_np.where({c}, {then}, {other})"
    raise TypeError(f"not an expression: {expr!r}")


def _bool(expr: Expr, names: dict[str, str]) -> str:
    # `&`/`|` on two Python bools stays a bool, on arrays an elementwise and/or; wrapping
    # constants keeps `~`-style surprises (~True == -2) out of the generated code
    src = to_numpy_source(expr, names)
    return f"_np.asarray({src}, dtype=bool)" if isinstance(expr, Const) else src


@dataclass(frozen=True)
class FrontierCode:
    """The numpy form of a transition system: `expand(columns, n)` lists, per enabled
    action, the parents that can take it and the new values of the columns it writes."""

    expand: ExpandFn
    source: str


class _Emitter:
    def __init__(self, system: TransitionSystem) -> None:
        self.system = system
        self.col = {v.name: i for i, v in enumerate(system.variables)}
        self.names = {v.name: f"v{i}" for i, v in enumerate(system.variables)}
        self.lines: list[str] = []
        self.hoisted: dict[str, str] = {}
        self.exprs: dict[str, Expr] = {}

    def conj_key(self, e: Expr) -> str:
        key = to_numpy_source(e, self.names)
        self.exprs.setdefault(key, e)
        return key

    def test(self, key: str) -> str:
        return self.hoisted.get(key) or f"_full({key}, n)"

    def emit_action(self, index: int, mask: str, indent: str) -> None:
        """Positions of the parents taking the action, then its updates on those rows."""
        action = self.system.actions[index]
        self.lines.append(f"{indent}_i = _np.flatnonzero({mask})")
        self.lines.append(f"{indent}if _i.size:")
        inner = indent + "    "
        # as compile_py: an update of a variable the system does not keep is dropped
        writes = {k: e for k, e in action.updates.items() if k in self.col}
        reads = sorted(set().union(*(variables_of(e) for e in writes.values())))
        local = {name: f"u{self.col[name]}" for name in reads}
        for name in reads:
            self.lines.append(f"{inner}{local[name]} = {self.names[name]}[_i]")
        parts = []
        for name, e in writes.items():
            src = to_numpy_source(e, local)
            if e.sort == BOOL:
                src = f"_np.asarray({src}, dtype=_np.int32)"
            parts.append(f"{self.col[name]}: {src}")
        self.lines.append(f"{inner}out.append(({index}, _i, {{{', '.join(parts)}}}))")

    def tree(self, items: Sequence[tuple[int, list[str]]], mask: str, indent: str) -> None:
        """Nested masks: the conjunct shared by the most remaining actions first."""
        rest = list(items)
        while rest:
            for index, conj in rest:
                if not conj:
                    self.emit_action(index, mask, indent)
            rest = [item for item in rest if item[1]]
            if not rest:
                return
            counts: Counter[str] = Counter()
            for _, conj in rest:
                counts.update(set(conj))
            key = max(counts, key=lambda k: (counts[k] / (1 + 0.25 * len(k)), k))
            inside = [(i, [c for c in conj if c != key]) for i, conj in rest if key in conj]
            rest = [(i, conj) for i, conj in rest if key not in conj]
            m = f"_m{next(_temps)}"
            self.lines.append(f"{indent}{m} = {mask} & {self.test(key)}")
            self.lines.append(f"{indent}if {m}.any():")
            self.tree(inside, m, indent + "    ")


def _full(value: Any, n: int) -> Mask:
    """A mask of length n, from an array or from a term that folded to a constant."""
    arr = np.asarray(value, dtype=bool)
    return arr if arr.shape == (n,) else np.broadcast_to(arr, (n,))


def compile_frontier(system: TransitionSystem) -> FrontierCode:
    """Compile every action once; the result is reused for every frontier."""
    em = _Emitter(system)
    items = [
        (i, [em.conj_key(c) for c in conjuncts(a.guard)]) for i, a in enumerate(system.actions)
    ]
    em.lines.append("def expand(c, n):")
    if system.variables:
        em.lines.append("    " + ", ".join(em.names.values()) + ", = c")
    em.lines.append("    out = []")
    em.lines.append("    _all = _np.ones(n, dtype=bool)")
    counts: Counter[str] = Counter(key for _, conj in items for key in set(conj))
    for key, k in sorted(counts.items()):
        if k >= 3:
            name = f"_h{len(em.hoisted)}"
            em.hoisted[key] = name
            em.lines.append(f"    {name} = _full({key}, n)")
    em.tree(items, "_all", "    ")
    em.lines.append("    return out")
    source = "\n".join(em.lines) + "\n"
    namespace: dict[str, object] = {"_np": np, "_full": _full}
    exec(compile(source, f"<mqcheck frontier {system.name!r}>", "exec"), namespace)
    return FrontierCode(namespace["expand"], source)  # type: ignore[arg-type]


def compile_mask(system: TransitionSystem, expr: Expr) -> PredicateFn:
    """A state predicate over a frontier's columns: one boolean per state."""
    names = {v.name: f"v{i}" for i, v in enumerate(system.variables)}
    unpack = ("    " + ", ".join(names.values()) + ", = c\n") if names else ""
    source = f"def fn(c, n):\n{unpack}    return _full({to_numpy_source(expr, names)}, n)\n"
    namespace: dict[str, object] = {"_np": np, "_full": _full}
    exec(compile(source, "<mqcheck frontier term>", "exec"), namespace)
    return namespace["fn"]  # type: ignore[return-value]


def columns(rows: Rows) -> list[npt.NDArray[np.int32]]:
    """Each variable of a frontier as a contiguous int32 column."""
    wide = np.ascontiguousarray(rows.T, dtype=np.int32)
    return list(wide)
