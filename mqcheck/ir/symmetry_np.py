"""Canonical states under interchangeable members, for a whole frontier at once.

The same rule as mqcheck.ir.symmetry (so both engines meet the same representatives):
order the members by their key (the index-variable flags, the mask bits, then the member's
own variables) and rename indices and mask bits to match. Here the keys of every row are
packed into integers and each row's member order comes from one stable argsort along the
member axis, instead of a Python `sorted` per state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from mqcheck.ir.system import TransitionSystem

Rows = npt.NDArray[Any]


def frontier_canonicalizer(system: TransitionSystem) -> Callable[[Rows], Rows] | None:
    """A function mapping each row of a state matrix to its representative, or None when
    nothing is symmetric."""
    changes = frontier_canon_changes(system)
    if changes is None:
        return None

    def canon(rows: Rows) -> Rows:
        sub, fixed = changes(rows)
        if not len(sub):
            return rows
        out = rows.copy()
        out[sub] = fixed
        return out

    return canon


#: rows -> (the positions of the rows that are not canonical, their representatives)
Changes = Callable[[Rows], tuple[npt.NDArray[np.intp], Rows]]


def frontier_canon_changes(system: TransitionSystem) -> Changes | None:
    """What `frontier_canonicalizer` computes, as the rows that change and their
    representatives only: most rows of a frontier are canonical already, and the caller can
    then write the few that are not in place instead of copying the whole matrix."""
    index = system.index()
    sym = next((s for s in system.symmetries if len(s.members) > 1), None)
    if sym is None:
        return None
    n = len(sym.members)
    slots = np.array([[index[v] for v in member] for member in sym.members], dtype=np.intp)
    idx_vars = [index[v] for v in sym.index_vars]
    mask_vars = [index[v] for v in sym.mask_vars]
    width = slots.shape[1]
    contiguous = (
        not mask_vars
        and bool(idx_vars)
        and idx_vars[0] == n * width
        and all(list(slots[i]) == list(range(i * width, (i + 1) * width)) for i in range(n))
    )
    # the key's flag order is the one mqcheck.ir.symmetry's generated function uses
    flag_vars = [idx_vars[0], *sorted(idx_vars[1:])] if contiguous else idx_vars
    # key components (kind, column, lo, span) in significance order, packed greedily
    # into int64 words: (flag: value == member), (bit of a mask), (member's role value)
    comps: list[tuple[str, int, int, int]] = [("flag", v, 0, 2) for v in flag_vars]
    comps += [("bit", v, 0, 2) for v in mask_vars]
    var = system.variables
    for j in range(width):
        lo = min(var[int(slots[i, j])].lo for i in range(n))
        hi = max(var[int(slots[i, j])].hi for i in range(n))
        comps.append(("role", j, lo, hi - lo + 1))
    words: list[list[tuple[str, int, int, int]]] = [[]]
    room = 1
    for comp in comps:
        if room * comp[3] >= 2**62:
            words.append([])
            room = 1
        words[-1].append(comp)
        room *= comp[3]

    def keys(rows: Rows, word: list[tuple[str, int, int, int]]) -> npt.NDArray[np.int64]:
        """One word of every member's key, packed: shape (rows, members)."""
        key = np.zeros((len(rows), n), dtype=np.int64)
        for kind, col, lo, span in word:
            if kind == "flag":
                part = (rows[:, col : col + 1] == member).astype(np.int64)
            elif kind == "bit":
                part = (rows[:, col : col + 1].astype(np.int64) >> member) & 1
            else:
                part = rows[:, slots[:, col]].astype(np.int64) - lo
            key *= span
            key += part
        return key

    member = np.arange(n, dtype=np.int64)

    nothing = np.zeros(0, dtype=np.intp)

    def changes(rows: Rows) -> tuple[npt.NDArray[np.intp], Rows]:
        m = len(rows)
        if m == 0:
            return nothing, rows[:0]
        if len(words) == 1:
            # most rows are canonical already (members in key order): sort only the others
            key = keys(rows, words[0])
            sub = np.flatnonzero(np.any(key[:, 1:] < key[:, :-1], axis=1))
            if not len(sub):
                return nothing, rows[:0]
            o = np.argsort(key[sub], axis=1, kind="stable")
        else:
            order = np.broadcast_to(np.arange(n), (m, n))
            # least significant word first: stable sorts compose into a lexicographic one
            for word in reversed(words):
                key = np.take_along_axis(keys(rows, word), order, axis=1)
                order = np.take_along_axis(order, np.argsort(key, axis=1, kind="stable"), axis=1)
            sub = np.flatnonzero(np.any(order != np.arange(n), axis=1))
            if not len(sub):
                return nothing, rows[:0]
            o = order[sub]
        fixed = rows[sub]
        src = fixed.astype(np.int64)
        # member `new` of the representative is member order[new] of the state
        fixed[:, slots.reshape(-1)] = np.take_along_axis(
            src, slots[o].reshape(len(sub), -1), axis=1
        )
        rename = np.argsort(o, axis=1)
        for iv in idx_vars:
            v = src[:, iv]
            # as a Python list index would: a value below 0 counts from the end
            named = np.take_along_axis(rename, (v % n)[:, None], axis=1)[:, 0]
            fixed[:, iv] = np.where(v < n, named, v)
        for mv in mask_vars:
            v = src[:, mv]
            total = np.zeros(len(sub), dtype=np.int64)
            for old in range(n):
                total |= ((v >> old) & 1) << rename[:, old]
            fixed[:, mv] = total
        return sub, fixed

    return changes
