"""The successor rows of a frontier in one compiled pass (numba), when numba is installed.

numpy evaluates the guards and updates well: one array operation per shared conjunct and
per update over the whole frontier (mqcheck.ir.compile_np). What it does badly is the
per-row work after that: gathering each successor's parent row, writing its updated
columns, sorting the rows back into the reference's order, canonicalising them under the
broker symmetry (an argsort along the member axis and several gathers) and fingerprinting
them, each a separate pass over memory with its own temporaries. Here that is one loop:
each successor goes straight to its place in the reference's order, is written, made
canonical and fingerprinted while its row is in cache.

The functions are fixed (nothing is generated per spec), so numba compiles them once per
state dtype and caches the machine code on disk (`cache=True`). numba is optional
(`pip install 'mqcheck[fast]'`); without it mqcheck.engines.expand does the same work in
numpy, with the same rows, order and fingerprints.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from mqcheck.ir.symmetry_np import Layout

Ints = npt.NDArray[np.int64]
Rows = npt.NDArray[Any]

#: Parents whose successors `_assemble` writes together (their rows stay in cache).
BLOCK = 512
# mqcheck.engines.visited's fingerprint constants
_SEED = np.uint64(0x243F6A8885A308D3)
_MUL = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)


@numba.njit(cache=True, nogil=True)
def _mix(h: np.uint64, w: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """One word into the hash: xor, multiply, MurmurHash3's 64-bit finaliser."""
    h ^= w
    h *= _MUL
    h ^= h >> np.uint64(33)
    h *= _M1
    h ^= h >> np.uint64(33)
    h *= _M2
    h ^= h >> np.uint64(33)
    return h


@numba.njit(cache=True, nogil=True)
def _assemble(
    parents: Rows,
    kept: Ints,
    pos: Ints,
    move_lo: Ints,
    move_act: Ints,
    upd_lo: Ints,
    upd_col: Ints,
    upd_at: Ints,
    upd_const: Ints,
    values: Ints,
    permutes: npt.NDArray[np.bool_],
    slots: Ints,
    flags: Ints,
    masks: Ints,
    renamed: Ints,
    size: int,
    out_pos: Ints,
    out_act: Ints,
    out_rows: Rows,
    out_fps: npt.NDArray[np.uint64],
) -> None:  # pragma: no cover - compiled
    """Successor `e` of move `j` (moves in the reference's action order, `pos[e]` its
    parent) goes to the next free place of its parent's run, so the output is ordered by
    parent, then action. Update `u` of move `j` (`upd_lo[j]:upd_lo[j+1]`) writes column
    `upd_col[u]` with `values[upd_at[u] + e - move_lo[j]]`, or `upd_const[u]` when
    `upd_at[u]` is -1."""
    m, width = parents.shape
    total = len(pos)
    start = np.zeros(m + 1, dtype=np.int64)
    for e in range(total):
        start[pos[e] + 1] += 1
    for p in range(m):
        start[p + 1] += start[p]
    # everything is written out in this one function: a call that passes arrays costs
    # about 50 ns in numba (reference counts), more than the work of one successor
    n, mw = slots.shape
    canon = n > 1
    order = np.zeros(max(n, 1), dtype=np.int64)
    rename = np.zeros(max(n, 1), dtype=np.int64)
    src = np.empty(width, dtype=parents.dtype)
    per = 8 // size
    keep = np.uint64(0xFFFFFFFFFFFFFFFF) >> np.uint64(64 - 8 * size)
    step = np.uint64(8 * size)
    cursor = move_lo[:-1].copy()
    # a block of parents at a time, each move's successors in it in turn (a move's
    # successors are ascending by parent): the rows written stay in cache, and every
    # read runs forward
    for first in range(0, m, BLOCK):
        last = min(m, first + BLOCK)
        for j in range(len(move_act)):
            a = move_act[j]
            flip = canon and permutes[a]
            e = cursor[j]
            end = move_lo[j + 1]
            while e < end and pos[e] < last:
                p = pos[e]
                at = start[p]
                start[p] = at + 1
                for c in range(width):
                    out_rows[at, c] = parents[p, c]
                for u in range(upd_lo[j], upd_lo[j + 1]):
                    if upd_at[u] < 0:
                        out_rows[at, upd_col[u]] = upd_const[u]
                    else:
                        out_rows[at, upd_col[u]] = values[upd_at[u] + e - move_lo[j]]
                if flip:
                    # mqcheck.ir.symmetry's rule: members ordered stably (insertion sort,
                    # there are a few) by (index-variable flags, mask bits, own variables)
                    moved = False
                    for i in range(n):
                        order[i] = i
                    for i in range(1, n):
                        x = order[i]
                        k = i - 1
                        while k >= 0:
                            y = order[k]
                            less = False
                            decided = False
                            for q in range(len(flags)):
                                fx = out_rows[at, flags[q]] == x
                                fy = out_rows[at, flags[q]] == y
                                if fx != fy:
                                    less = fy  # False < True
                                    decided = True
                                    break
                            if not decided:
                                for q in range(len(masks)):
                                    w = np.int64(out_rows[at, masks[q]])
                                    bx = (w >> x) & 1
                                    by = (w >> y) & 1
                                    if bx != by:
                                        less = bx < by
                                        decided = True
                                        break
                            if not decided:
                                for c in range(mw):
                                    vx = out_rows[at, slots[x, c]]
                                    vy = out_rows[at, slots[y, c]]
                                    if vx != vy:
                                        less = vx < vy
                                        break
                            if not less:
                                break
                            order[k + 1] = y
                            k -= 1
                            moved = True
                        order[k + 1] = x
                    if moved:
                        for c in range(width):
                            src[c] = out_rows[at, c]
                        for new in range(n):
                            old = order[new]
                            rename[old] = new
                            for c in range(mw):
                                out_rows[at, slots[new, c]] = src[slots[old, c]]
                        for q in range(len(renamed)):
                            iv = np.int64(src[renamed[q]])
                            if iv < n:  # as a Python list index: below 0 counts from the end
                                out_rows[at, renamed[q]] = rename[iv % n]
                        for q in range(len(masks)):
                            mv = np.int64(src[masks[q]])
                            bits = np.int64(0)
                            for old in range(n):
                                bits |= ((mv >> old) & 1) << rename[old]
                            out_rows[at, masks[q]] = bits
                # mqcheck.engines.visited.fingerprint: the row's little-endian bytes,
                # zero-padded to 64-bit words, each mixed in
                h = _SEED
                word = np.uint64(0)
                shift = np.uint64(0)
                filled = 0
                for c in range(width):
                    word |= (np.uint64(np.int64(out_rows[at, c])) & keep) << shift
                    shift += step
                    filled += 1
                    if filled == per:
                        h = _mix(h, word)
                        word = np.uint64(0)
                        shift = np.uint64(0)
                        filled = 0
                if filled or width == 0:
                    h = _mix(h, word)
                out_pos[at] = kept[p]
                out_act[at] = a
                out_fps[at] = h
                e += 1
            cursor[j] = e


class Assembler:
    """One transition system's symmetry, ready for `_assemble`."""

    def __init__(self, permutes: npt.NDArray[np.bool_], layout: Layout | None) -> None:
        self.permutes = np.ascontiguousarray(permutes, dtype=np.bool_)
        none = np.zeros(0, dtype=np.int64)
        if layout is None:
            self.slots = none.reshape(0, 0)
            self.flags, self.masks, self.renamed = none, none, none
        else:
            slots, flags, masks, renamed = layout
            self.slots = np.ascontiguousarray(slots, dtype=np.int64)
            self.flags = np.array(flags, dtype=np.int64)
            self.masks = np.array(masks, dtype=np.int64)
            self.renamed = np.array(renamed, dtype=np.int64)

    def rows(
        self,
        parents: Rows,
        kept: Ints,
        moves: list[tuple[int, npt.NDArray[np.intp], dict[int, Any]]],
    ) -> tuple[Ints, Ints, Rows, npt.NDArray[np.uint64]]:
        """(parent index in the batch, action, canonical row, fingerprint) of every
        successor in `moves` (compile_np's, sorted by the reference's action order), ordered
        by parent and then by that order."""
        lengths = [len(i) for _, i, _ in moves]
        move_lo = np.zeros(len(moves) + 1, dtype=np.int64)
        np.cumsum(lengths, out=move_lo[1:])
        total = int(move_lo[-1])
        pos = np.concatenate([i for _, i, _ in moves]).astype(np.int64, copy=False)
        upd_lo = [0]
        upd_col: list[int] = []
        upd_at: list[int] = []
        upd_const: list[int] = []
        arrays: list[npt.NDArray[Any]] = []
        filled = 0
        for _, _, updates in moves:
            for col, value in updates.items():
                upd_col.append(col)
                if np.ndim(value) == 0:  # a term that folded to a constant
                    upd_at.append(-1)
                    upd_const.append(int(value))
                else:
                    upd_at.append(filled)
                    upd_const.append(0)
                    arrays.append(value)
                    filled += len(value)
            upd_lo.append(len(upd_col))
        values = np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(1, np.int64)
        width = parents.shape[1]
        out_pos = np.empty(total, dtype=np.int64)
        out_act = np.empty(total, dtype=np.int64)
        out_rows = np.empty((total, width), dtype=parents.dtype)
        out_fps = np.empty(total, dtype=np.uint64)
        _assemble(
            np.ascontiguousarray(parents), kept.astype(np.int64, copy=False), pos, move_lo,
            np.array([a for a, _, _ in moves], dtype=np.int64), np.array(upd_lo, np.int64),
            np.array(upd_col, dtype=np.int64), np.array(upd_at, dtype=np.int64),
            np.array(upd_const, dtype=np.int64),
            values, self.permutes, self.slots, self.flags, self.masks, self.renamed,
            parents.dtype.itemsize, out_pos, out_act, out_rows, out_fps,
        )  # fmt: skip
        return out_pos, out_act, out_rows, out_fps
