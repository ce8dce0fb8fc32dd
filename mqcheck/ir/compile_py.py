"""Compile IR terms and actions to Python functions over state tuples.

A state is a tuple of ints in the order of `TransitionSystem.variables`. Compiling to Python
source (then `exec`) instead of interpreting the AST makes one successor call a single
function that unpacks the tuple into locals, tests guards and builds new tuples. Guards are
factored into a decision tree on their shared conjuncts, so a state tests each common
condition (e.g. "broker 1 is the leader") once instead of once per action.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar, overload

from mqcheck.ir.expr import BOOL, And, BinOp, Const, Expr, Ite, Not, Or, Var, conjuncts, tree_size
from mqcheck.ir.system import Action, TransitionSystem

State = tuple[int, ...]
SuccessorFn = Callable[[State], list[tuple[int, State]]]
Predicate = Callable[[State], bool]
Evaluator = Callable[[State], int]
T = TypeVar("T")


def to_source(expr: Expr, names: dict[str, str], temps: Iterator[int]) -> str:
    """Python source for a term; `names` maps variable names to local names, `temps`
    numbers the min/max temporaries. The caller owns the numbering, so the same terms
    compiled in the same order give the same text (the compiled-action cache relies on it)."""
    if isinstance(expr, Const):
        return repr(expr.value)
    if isinstance(expr, Var):
        try:
            return names[expr.name]
        except KeyError:
            raise KeyError(f"unknown variable {expr.name!r}") from None
    if isinstance(expr, BinOp):
        a, b = to_source(expr.left, names, temps), to_source(expr.right, names, temps)
        if expr.op in ("min", "max"):
            # inline, not a builtin call: each evaluated once through assignment expressions
            n = next(temps)
            pick = "<" if expr.op == "min" else ">"
            return f"(_a{n} if (_a{n} := {a}) {pick} (_b{n} := {b}) else _b{n})"
        return f"({a} {expr.op} {b})"
    if isinstance(expr, Not):
        return f"(not {to_source(expr.arg, names, temps)})"
    if isinstance(expr, And):
        return "(" + " and ".join(to_source(a, names, temps) for a in expr.args) + ")"
    if isinstance(expr, Or):
        return "(" + " or ".join(to_source(a, names, temps) for a in expr.args) + ")"
    if isinstance(expr, Ite):
        c = to_source(expr.cond, names, temps)
        then, other = to_source(expr.then, names, temps), to_source(expr.other, names, temps)
        return f"({then} if {c} else {other})"
    raise TypeError(f"not an expression: {expr!r}")


def _int_source(expr: Expr, names: dict[str, str], temps: Iterator[int]) -> str:
    src = to_source(expr, names, temps)
    return f"(1 if {src} else 0)" if expr.sort == BOOL else src


@dataclass(frozen=True)
class CompiledSystem:
    """The Python form of a transition system. `source` is the successor function's;
    each action's own guard and update are compiled when first used (`_ActionCode`)."""

    system: TransitionSystem
    successors: SuccessorFn
    guards: Sequence[Predicate]
    updates: Sequence[Callable[[State], State]]
    source: str

    def apply(self, action: int, state: State) -> State | None:
        """The successor under one action, or None when its guard is false."""
        if not self.guards[action](state):
            return None
        return self.updates[action](state)


class _Emitter:
    def __init__(self, system: TransitionSystem) -> None:
        self.system = system
        self.names = {v.name: f"v{i}" for i, v in enumerate(system.variables)}
        self.lines: list[str] = []
        self.hoisted: dict[str, str] = {}
        # min/max temporaries are numbered per emitter, never per process: the generated
        # source is a function of the system alone
        self.temps: Iterator[int] = itertools.count()

    def source(self, expr: Expr) -> str:
        return to_source(expr, self.names, self.temps)

    def hoist_shared(self, items: Sequence[tuple[int, list[tuple[str, Expr]]]]) -> None:
        """A compound guard test shared by many actions (e.g. "the ISR has at least
        min.insync.replicas members") is computed once per state into a local, instead of
        once per branch of the decision tree that needs it."""
        counts: Counter[str] = Counter(key for _, conj in items for key, _ in conj)
        for key, n in sorted(counts.items()):
            if n >= 3 and ("+" in key or " or " in key or " and " in key):
                name = f"_h{len(self.hoisted)}"
                self.hoisted[key] = name
                self.lines.append(f"    {name} = {key}")

    def unpack(self, indent: str) -> None:
        if self.system.variables:
            self.lines.append(indent + ", ".join(self.names.values()) + ", = s")

    def tuple_for(self, action: Action) -> str:
        parts = []
        for v in self.system.variables:
            e = action.updates.get(v.name)
            parts.append(
                self.names[v.name] if e is None else _int_source(e, self.names, self.temps)
            )
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"

    def tree(self, items: Sequence[tuple[int, list[tuple[str, Expr]]]], indent: str) -> None:
        """Emit nested ifs: the conjunct shared by the most remaining actions first."""
        rest = list(items)
        while rest:
            counts: Counter[str] = Counter()
            for _, conj in rest:
                counts.update({key for key, _ in conj})
            done = [item for item in rest if not item[1]]
            for index, _ in done:
                self.lines.append(
                    f"{indent}out.append(({index}, {self.tuple_for(self.system.actions[index])}))"
                )
            rest = [item for item in rest if item[1]]
            if not rest:
                return
            # Shared by many actions and cheap to test first: a count weighted by size
            # keeps costly tests (e.g. the ISR size) below the cheap selective ones.
            key = max(counts, key=lambda k: (counts[k] / (1 + 0.25 * len(k)), k))
            inside = [
                (i, [c for c in conj if c[0] != key])
                for i, conj in rest
                if any(c[0] == key for c in conj)
            ]
            rest = [(i, conj) for i, conj in rest if all(c[0] != key for c in conj)]
            expr = next(e for _, conj in items for k, e in conj if k == key)
            test = self.hoisted.get(key) or self.source(expr)
            self.lines.append(f"{indent}if {test}:")
            self.tree(inside, indent + "    ")


#: A successor function longer than this is compiled as several functions of about
#: PIECE_BYTES each, called in order: CPython's compiler needs about 190 bytes of memory
#: per byte of one function's source, and a piece reuses what the previous one freed
#: (benchmarks/compile_cost.py: 1.3 GB -> 0.5 GB on a 7 MB model). Below it (every
#: shipped spec) the source is one function, as before.
SPLIT_BYTES = 2 * 2**20
PIECE_BYTES = 256 * 2**10
_HOISTED_NAME = re.compile(r"\b_h\d+\b")


def _in_pieces(unpack: list[str], hoisted: list[str], body: list[str]) -> list[str]:
    """The successor function as compilation units: pieces split at top-level statements
    of the decision tree, each unpacking the state and computing the shared tests it
    reads, then `successors` calling them in order, so the successors come out in the
    same order as from one function."""
    groups: list[list[str]] = [[]]
    size = 0
    for line in body:
        top = line.startswith("    ") and not line.startswith("     ")
        if top and size >= PIECE_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(line)
        size += len(line) + 1
    units = []
    for k, group in enumerate(groups):
        text = "\n".join(group)
        used = set(_HOISTED_NAME.findall(text))
        shared = [h for h in hoisted if h.split(" = ", 1)[0].strip() in used]
        units.append("\n".join([f"def _piece_{k}(s, out):", *unpack, *shared, text]) + "\n")
    calls = "".join(f"    _piece_{k}(s, out)\n" for k in range(len(groups)))
    units.append(f"def successors(s):\n    out = []\n{calls}    return out\n")
    return units


def compile_system(system: TransitionSystem) -> CompiledSystem:
    """Compile every action once; the result is reused for every state."""
    em = _Emitter(system)
    em.lines.append("def successors(s):")
    em.unpack("    ")
    em.lines.append("    out = []")
    items: list[tuple[int, list[tuple[str, Expr]]]] = []
    for index, action in enumerate(system.actions):
        conj = conjuncts(action.guard)
        items.append((index, [(em.source(c), c) for c in conj]))
    head = len(em.lines)
    em.hoist_shared(items)
    hoisted = len(em.lines)
    em.tree(items, "    ")
    em.lines.append("    return out")
    units = ["\n".join(em.lines) + "\n"]
    if len(units[0]) > SPLIT_BYTES:
        unpack = em.lines[1 : head - 1]  # the line unpacking `s`, when there are variables
        units = _in_pieces(unpack, em.lines[head:hoisted], em.lines[hoisted:-1])
    namespace: dict[str, object] = {}
    for unit in units:
        exec(compile(unit, f"<mqcheck model {system.name!r}>", "exec"), namespace)
    source = "".join(units)
    code = _ActionCode(system)
    return CompiledSystem(
        system=system,
        successors=namespace["successors"],  # type: ignore[arg-type]
        guards=_Part(code, lambda c: c[0]),
        updates=_Part(code, lambda c: c[1]),
        source=source,
    )


ActionCode = tuple[Predicate, Callable[[State], State]]


def compile_actions(
    system: TransitionSystem,
    indexes: Sequence[int],
    cache: dict[str, ActionCode] | None = None,
) -> dict[int, ActionCode]:
    """Guard and update of a few actions, without the successor function: following one
    trace through a model needs only the actions it takes (repair follows many traces
    through many similar models). With a `cache`, an action whose code is the same text
    as one compiled before (the same action in a model of the same layout) is reused."""
    em = _Emitter(system)
    cache = {} if cache is None else cache
    texts: dict[int, str] = {}
    for index in indexes:
        action = system.actions[index]
        # each action's text stands alone, so it is the same in every model it occurs in
        em.temps = itertools.count()
        em.lines = ["def guard(s):"]
        em.unpack("    ")
        em.lines.append(f"    return bool({em.source(action.guard)})")
        em.lines.append("def update(s):")
        em.unpack("    ")
        em.lines.append(f"    return {em.tuple_for(action)}")
        texts[index] = "\n".join(em.lines) + "\n"
    missing = list(dict.fromkeys(t for t in texts.values() if t not in cache))
    if missing:
        source = "".join(
            t.replace("def guard(", f"def guard_{n}(").replace("def update(", f"def update_{n}(")
            for n, t in enumerate(missing)
        )
        namespace: dict[str, object] = {}
        exec(compile(source, f"<mqcheck actions {system.name!r}>", "exec"), namespace)
        for n, t in enumerate(missing):
            cache[t] = (namespace[f"guard_{n}"], namespace[f"update_{n}"])  # type: ignore[assignment]
    return {i: cache[t] for i, t in texts.items()}


def source_bytes_estimate(system: TransitionSystem) -> int:
    """The size of the successor function compile_system would generate, to within about
    20% (benchmarks/compile_cost.py), without generating it: every action spells out a
    tuple of all the variables, its updates once and its guard conjuncts at most once.
    Compiling costs 70-190 bytes of memory per byte of source, so this is what a caller
    checks before asking for a model that would not fit."""
    memo: dict[int, int] = {}
    updates = sum(tree_size(e, memo) for a in system.actions for e in a.updates.values())
    guards = sum(tree_size(a.guard, memo) for a in system.actions)
    return 5 * len(system.actions) * len(system.variables) + 6 * updates + 2 * guards


class _ActionCode:
    """Every action's guard and update, each compiled on first use. The search runs on
    the successor function alone; only the actions a trace takes (rebuilt, replayed or
    re-run from Z3) need their own, and compiling all of them up front cost more memory
    than the successor function itself (benchmarks/compile_cost.py)."""

    def __init__(self, system: TransitionSystem) -> None:
        self.system = system
        self.by_text: dict[str, ActionCode] = {}
        self.code: dict[int, ActionCode] = {}

    def __len__(self) -> int:
        return len(self.system.actions)

    def get(self, index: int) -> ActionCode:
        hit = self.code.get(index)
        if hit is None:
            if not 0 <= index < len(self.system.actions):
                raise IndexError(index)
            hit = self.code[index] = compile_actions(self.system, [index], self.by_text)[index]
        return hit


class _Part(Sequence[T]):
    """One part of every action's code (its guards, or its updates), as a sequence."""

    def __init__(self, code: _ActionCode, pick: Callable[[ActionCode], T]) -> None:
        self.code = code
        self.pick = pick

    def __len__(self) -> int:
        return len(self.code)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        return self.pick(self.code.get(index if index >= 0 else index + len(self)))


def compile_predicate(system: TransitionSystem, expr: Expr) -> Predicate:
    """A state predicate as a Python function."""
    return _compile_fn(system, expr, boolean=True)  # type: ignore[return-value]


def compile_term(system: TransitionSystem, expr: Expr) -> Evaluator:
    """An integer term as a Python function."""
    return _compile_fn(system, expr, boolean=False)  # type: ignore[return-value]


def _compile_fn(system: TransitionSystem, expr: Expr, boolean: bool) -> Callable[[State], object]:
    names = {v.name: f"v{i}" for i, v in enumerate(system.variables)}
    body = to_source(expr, names, itertools.count())
    unpack = (", ".join(names.values()) + ", = s") if names else "pass"
    ret = f"bool({body})" if boolean else f"int({body})"
    source = f"def fn(s):\n    {unpack}\n    return {ret}\n"
    namespace: dict[str, object] = {}
    exec(compile(source, "<mqcheck term>", "exec"), namespace)
    return namespace["fn"]  # type: ignore[return-value]
