"""Fingerprints of whole state matrices, and the compact visited set that keeps them.

A state is identified by a 64-bit fingerprint of its canonical row, as in TLC and
Stateright; the engine keeps no states, only fingerprints and what rebuilding a trace needs.
The set is a few sorted runs of (fingerprint, state index) pairs, merged as they grow (an
LSM tree in miniature): 12 bytes per state, no hash-table slack, and a lookup is one
`searchsorted` per run for a whole frontier.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

Rows = npt.NDArray[Any]
Fingerprints = npt.NDArray[np.uint64]

_SEED = np.uint64(0x243F6A8885A308D3)
_MUL = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)


def fmix(h: Fingerprints) -> Fingerprints:
    """MurmurHash3's 64-bit finaliser: every input bit reaches every output bit."""
    h ^= h >> np.uint64(33)
    h *= _M1
    h ^= h >> np.uint64(33)
    h *= _M2
    h ^= h >> np.uint64(33)
    return h


def fingerprint(rows: Rows) -> Fingerprints:
    """One 64-bit fingerprint per row. The row's bytes are read as 64-bit words, so the
    cost is a few operations per 8 bytes of state, not per variable."""
    m, width = rows.shape
    row_bytes = width * rows.dtype.itemsize
    words = max(1, -(-row_bytes // 8))
    buf = np.zeros((m, words * 8), dtype=np.uint8)
    buf[:, :row_bytes] = np.ascontiguousarray(rows).view(np.uint8).reshape(m, row_bytes)
    w = buf.view(np.uint64)
    h = np.full(m, _SEED, dtype=np.uint64)
    for k in range(words):
        h ^= w[:, k]
        h *= _MUL
        h = fmix(h)
    return h


def collision_probability(states: int, transitions: int) -> float:
    """TLC's (optimistic) estimate of the chance that two distinct states explored share a
    fingerprint: n * (t - n) / 2**64 for n distinct states among t generated ones."""
    return states * max(transitions - states, 0) / 2.0**64


def _merge(
    ka: Fingerprints, va: npt.NDArray[Any], kb: Fingerprints, vb: npt.NDArray[Any]
) -> tuple[Fingerprints, npt.NDArray[Any]]:
    """Two sorted runs as one (keys held by both stay side by side): each of b's entries goes where
    `searchsorted` puts it among a's, a's fill the rest. Four times faster than sorting the
    concatenation, and no index array of the merged size. The values are one row per key
    (an index, or an index and a budget tag)."""
    n = len(ka) + len(kb)
    at = np.searchsorted(ka, kb) + np.arange(len(kb))
    keys = np.empty(n, dtype=np.uint64)
    vals = np.empty((n, *va.shape[1:]), dtype=va.dtype)
    rest = np.ones(n, dtype=bool)
    rest[at] = False
    keys[at], vals[at] = kb, vb
    keys[rest], vals[rest] = ka, va
    return keys, vals


class _SortedRuns:
    """A few sorted runs of (key, value) merged as they grow: what both visited sets keep."""

    def __init__(self) -> None:
        self.runs: list[tuple[Fingerprints, npt.NDArray[Any]]] = []
        self.size = 0

    def _push(self, keys: Fingerprints, vals: npt.NDArray[Any]) -> None:
        """One more sorted run; run sizes stay geometric, so there are few runs to search
        and each entry is merged O(log n) times."""
        self.runs.append((keys, vals))
        self.size += len(keys)
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (ka, va), (kb, vb) = self.runs[-2], self.runs[-1]
            self.runs[-2:] = [_merge(ka, va, kb, vb)]

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes + v.nbytes for k, v in self.runs)


def _ascending(fps: Fingerprints) -> npt.NDArray[np.int64] | None:
    """The order that sorts `fps`, None when they are sorted already. A `searchsorted` of
    sorted queries is about 6x faster on a run of millions (numpy narrows each search by
    the previous answer, and the probes stay in cache), far more than the sort costs."""
    if len(fps) < 2 or bool((fps[1:] >= fps[:-1]).all()):
        return None
    return np.argsort(fps)


def _unsorted(
    order: npt.NDArray[np.int64], answers: npt.NDArray[np.int32]
) -> npt.NDArray[np.int32]:
    """Answers to queries asked in `order` (from `_ascending`), back in the callers' order."""
    out = np.empty(len(answers), dtype=np.int32)
    out[order] = answers
    return out


class VisitedSet(_SortedRuns):
    """Fingerprint -> state index, for batches."""

    def lookup(self, fps: Fingerprints) -> npt.NDArray[np.int32]:
        """The index of each fingerprint's state, -1 where it is not in the set."""
        order = _ascending(fps)
        if order is not None:
            return _unsorted(order, self.lookup(fps[order]))
        out = np.full(len(fps), -1, dtype=np.int32)
        for keys, vals in self.runs:
            at = np.searchsorted(keys, fps)
            at[at == len(keys)] = 0
            hit = keys[at] == fps
            out[hit] = vals[at[hit]]
        return out

    def add(self, fps: Fingerprints, indexes: npt.NDArray[np.int32]) -> None:
        """Add fingerprints not yet in the set (each once)."""
        if not len(fps):
            return
        order = np.argsort(fps)  # distinct fingerprints: no need for a stable sort
        self._push(fps[order], indexes[order].astype(np.int32))


class TaggedSet(_SortedRuns):
    """Budget-free fingerprint -> (state index, budget tag), several states per key: the
    visited set of a search with fault-budget subsumption (mqcheck.engines.subsume). Its
    runs are sorted (keys, int64 values): the index in the low 32 bits, the tag above (at
    most 28 bits: seven budgets of four bits, mqcheck.ir.budgets)."""

    def cover(
        self,
        fps: Fingerprints,
        tags: npt.NDArray[np.uint64],
        dominates: Callable[
            [npt.NDArray[np.uint64], npt.NDArray[np.uint64]], npt.NDArray[np.bool_]
        ],
    ) -> npt.NDArray[np.int32]:
        """Per query, a state held under its key whose tag dominates the query's: the one
        with the very tag (the state itself) where there is one; -1 where none dominates."""
        order = _ascending(fps)
        if order is not None:
            return _unsorted(order, self.cover(fps[order], tags[order], dominates))
        out = np.full(len(fps), -1, dtype=np.int64)
        for keys, vals in self.runs:
            lo = np.searchsorted(keys, fps, side="left")
            # how many entries each key has here (a few at most: one per budget tag kept),
            # counted forward from `lo` rather than by a second search
            n = np.zeros(len(fps), dtype=np.int64)
            live = np.flatnonzero(lo < len(keys))
            step = 0
            while len(live):
                at = lo[live] + step
                live = live[at < len(keys)]
                live = live[keys[lo[live] + step] == fps[live]]
                n[live] += 1
                step += 1
            total = int(n.sum())
            if not total:
                continue
            query = np.repeat(np.arange(len(fps)), n)
            pos = np.arange(total) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
            held = vals[pos]
            held_tag = (held >> 32).astype(np.uint64)
            ok = dominates(held_tag, tags[query])
            same = ok & (held_tag == tags[query])
            some = ok & (out[query] < 0)
            out[query[some]] = held[some] & 0xFFFFFFFF
            out[query[same]] = held[same] & 0xFFFFFFFF
        return out.astype(np.int32)

    def add(
        self, fps: Fingerprints, indexes: npt.NDArray[Any], tags: npt.NDArray[np.uint64]
    ) -> None:
        """Add states (a key may be held already, by a state with other budgets)."""
        if not len(fps):
            return
        order = np.argsort(fps, kind="stable")
        vals = indexes[order].astype(np.int64) | (tags[order].astype(np.int64) << 32)
        self._push(fps[order], vals)
