"""The successors of a batch of parent states, in the reference engine's discovery order.

Both the single-process search and each shard of the sharded one (mqcheck.engines.shard)
generate candidates here, so the order that makes their answers identical to the
reference's (mqcheck.engines.explicit) is written once: candidates are ordered by parent
position, then by the position of their action in compile_py's decision tree.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mqcheck.ir.compile_np import (
    FrontierCode,
    PredicateFn,
    columns,
    compile_frontier,
    compile_mask,
    state_dtype,
)
from mqcheck.ir.compile_py import CompiledSystem
from mqcheck.ir.lookahead import Future
from mqcheck.ir.symmetry_np import frontier_canon_changes
from mqcheck.ir.system import TransitionSystem

State = tuple[int, ...]
Rows = npt.NDArray[Any]
Ints = npt.NDArray[np.int64]


@dataclass
class Chunk:
    """Successors of some parents, in the reference's discovery order."""

    pos: Ints  # parent position within the batch
    act: Ints
    rows: Rows
    expanded: Ints  # positions of the parents that were expanded (not limit states)
    limit_hit: bool = False  # some parent was a `limit` state (not expanded)


def tree_order(compiled: CompiledSystem, count: int) -> Ints:
    """Each action's rank in the order compile_py's successor function lists successors."""
    seen = [int(a) for a in re.findall(r"out\.append\(\((\d+), ", compiled.source)]
    rank = np.full(count, count, dtype=np.int64)
    rank[np.array(seen, dtype=np.int64)] = np.arange(len(seen))
    return rank


class Expander:
    """Candidate generation for one transition system: numpy column operations for big
    batches (compiled on first use, so small specs never pay for it), compile_py's tuple
    successor function below `small` parents, where numpy's per-call cost would dominate."""

    def __init__(
        self, system: TransitionSystem, compiled: CompiledSystem, future: Future, small: int
    ) -> None:
        self.system = system
        self.compiled = compiled
        self.future = future
        self.small = small
        self.canon_changes = frontier_canon_changes(system)
        symmetric = {v for sym in system.symmetries for m in sym.members for v in m}
        symmetric |= {v for sym in system.symmetries for v in (*sym.index_vars, *sym.mask_vars)}
        self.permutes = np.array([bool(a.writes() & symmetric) for a in system.actions])
        self.rank = tree_order(compiled, len(system.actions))
        #: a candidate's key is parent index * radix + its action's rank
        self.radix = len(system.actions) + 1
        self.dtype = state_dtype(system)
        self.width = len(system.variables)
        self._code: FrontierCode | None = None
        self._limit_mask: PredicateFn | None = None

    def code(self) -> FrontierCode:
        """Compiled on the first batch big enough to need it."""
        if self._code is None:
            self._code = compile_frontier(self.system)
        return self._code

    def limit_states(self, rows: Rows) -> npt.NDArray[np.bool_] | None:
        """Which rows are `limit` states (never expanded; they make a `holds` unknown);
        None when the system has no `limit`. The mask is compiled on first use."""
        if self.system.limit is None:
            return None
        if self._limit_mask is None:
            self._limit_mask = compile_mask(self.system, self.system.limit)
        return np.asarray(self._limit_mask(columns(rows), len(rows)), dtype=bool)

    def successors(self, parents: Rows) -> Chunk:
        """Every (parent, action, canonical successor) of `parents`, ordered by parent
        position and then by the reference's successor order."""
        m = len(parents)
        if m < self.small:
            return self._successors_tuples(parents)
        code = self.code()
        kept = np.arange(m)
        limit_hit = False
        hit = self.limit_states(parents)
        if hit is not None and hit.any():
            limit_hit = True
            kept = np.flatnonzero(~hit)
            parents = parents[kept]
        moves = code.expand(columns(parents), len(parents))
        if not moves:
            empty = np.zeros(0, dtype=np.int64)
            return Chunk(empty, empty, parents[:0], kept, limit_hit)
        # blocks in the reference's successor order, then a stable sort by parent alone
        # (a radix sort while chunk positions fit 16 bits) gives (parent, successor order)
        moves.sort(key=lambda move: int(self.rank[move[0]]))
        pos = np.concatenate([i for _, i, _ in moves])
        act = np.concatenate([np.full(len(i), a, dtype=np.int64) for a, i, _ in moves])
        narrow = pos.astype(np.uint16) if len(parents) <= 65_536 else pos
        order = np.argsort(narrow, kind="stable")
        # the rows are gathered once, already in (parent, successor order); each block's
        # updated columns are then written where its successors went
        pos = pos[order]
        rows = parents[pos]
        where = np.empty(len(order), dtype=np.int64)
        where[order] = np.arange(len(order))
        at = 0
        for _, i, updates in moves:
            if updates:
                dest = where[at : at + len(i)]
                for col, values in updates.items():
                    rows[dest, col] = values
            at += len(i)
        pos, act = kept[pos], act[order]
        if self.canon_changes is not None:
            moved = np.flatnonzero(self.permutes[act])
            if len(moved):
                sub, fixed = self.canon_changes(rows[moved])
                rows[moved[sub]] = fixed
        return Chunk(pos, act, rows, kept, limit_hit)

    def _successors_tuples(self, parents: Rows) -> Chunk:
        """The same candidates through the tuple path (compile_py), for small batches. A
        dict numbers the distinct successors, so only those become array rows."""
        successors, canon = self.compiled.successors, self.future.canon
        permutes = self.permutes.tolist()
        limit = self.future.limit
        counts: list[int] = []
        act: list[int] = []
        group: list[int] = []
        distinct: dict[State, int] = {}
        number = distinct.setdefault
        expanded: list[int] = []
        limit_hit = False
        for p, s in enumerate(map(tuple, parents.tolist())):
            if limit is not None and limit(s):
                limit_hit = True
                continue
            expanded.append(p)
            succ = successors(s)
            counts.append(len(succ))
            for a, t in succ:
                act.append(a)
                group.append(number(canon(t) if permutes[a] else t, len(distinct)))
        flat = itertools.chain.from_iterable(distinct)
        count = len(distinct) * self.width
        rows = np.fromiter(flat, dtype=self.dtype, count=count).reshape(-1, self.width)
        at = np.array(expanded, dtype=np.int64)
        return Chunk(
            np.repeat(at, counts),
            np.array(act, dtype=np.int64),
            rows[np.array(group, dtype=np.int64)],
            at,
            limit_hit,
        )
