"""Fault-budget subsumption for the frontier search: the keys a candidate state is known by.

With the budgets of mqcheck.ir.budgets, a candidate (x, b) is covered when the search
already holds a state (x, B) with B >= b component-wise: everything it can reach, (x, B)
reaches with the same budget-free part, so it needs no exploring of its own, and an edge
to it may point at (x, B) instead (docs/engines.md, "Fault-budget subsumption").

Each state has three keys:
- `x`, the fingerprint of its row with the budget columns zeroed: the key it is kept under
  in the visited set (mqcheck.engines.visited.TaggedSet), several states per key;
- `tag`, its budgets, four bits each, kept beside its index;
- `full = x ^ g(tag)`, with g non-zero and below the top eight bits: its identity within a
  chunk (duplicates are removed by it). g keeps the top eight bits, which decide the owner
  shard (mqcheck.engines.shard.owners), so `full` and `x` have one owner.

A candidate is covered when a state held under its `x` has a tag that dominates its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mqcheck.engines.visited import Fingerprints, fingerprint, fmix
from mqcheck.ir.budgets import BITS, Budgets

Rows = npt.NDArray[Any]
Tags = npt.NDArray[np.uint64]
_LOW56 = np.uint64((1 << 56) - 1)
_SALT = np.uint64(0x5851F42D4C957F2D)


@dataclass(frozen=True)
class Keys:
    full: Fingerprints
    x: Fingerprints
    tag: Tags


@dataclass(frozen=True)
class Subsumption:
    budgets: Budgets

    def keys(self, rows: Rows) -> Keys:
        """The three keys of each row."""
        cols = list(self.budgets.columns)
        tag = np.zeros(len(rows), dtype=np.uint64)
        for k, c in enumerate(cols):
            tag |= rows[:, c].astype(np.uint64) << np.uint64(BITS * k)
        bare = rows.copy()
        bare[:, cols] = 0
        x = fingerprint(bare)
        return Keys(x ^ self.offset(tag), x, tag)

    @staticmethod
    def offset(tag: Tags) -> Fingerprints:
        """g(tag): never zero, the top eight bits clear."""
        return (fmix((tag + np.uint64(1)) * _SALT) & _LOW56) | np.uint64(1)

    def dominates(self, held: Tags, wanted: Tags) -> npt.NDArray[np.bool_]:
        """Whether each held tag has every budget at least the wanted tag's."""
        ok = np.ones(len(held), dtype=bool)
        mask = np.uint64((1 << BITS) - 1)
        for k in range(len(self.budgets.columns)):
            shift = np.uint64(BITS * k)
            ok &= ((held >> shift) & mask) >= ((wanted >> shift) & mask)
        return ok

    def split(self, state: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """A state tuple's budget-free part and its budgets (the tuple phase's keys)."""
        cols = self.budgets.columns
        bare = list(state)
        for c in cols:
            bare[c] = 0
        return tuple(bare), tuple(state[c] for c in cols)
