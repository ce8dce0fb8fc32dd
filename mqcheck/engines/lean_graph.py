"""The at-least-once graph kept as one fault-free edge per state, the rest rebuilt on demand.

The at-least-once judgement asks, of every explored state, whether some fault-free path
reaches a target (the goal, or a state the search did not expand). Keeping every fault-free
edge costs about 4.6 bytes an edge, 17 bytes a state on durable-baseline; this keeps one,
the *policy* edge, and answers exactly anyway:

1. **The policy.** Each state's policy successor is its fault-free successor that is deepest
   in the search (then the latest found): the tree children a state discovered cost nothing
   to keep (`parent`/`via`), and for a state without one the search keeps its best other
   fault-free successor (`alt`, one int32). Following policy edges from a state is following
   real fault-free edges, so a state whose policy chain meets a target can reach it
   (`follow`, by pointer doubling). On the shipped specs this settles 98-100 % of the states.
2. **The rest, exactly.** For the states the chains do not settle, their rows are rebuilt by
   re-applying the recorded actions from the initial state along the search tree, as the
   counterexample path is (`rebuild`), and expanded once more: every fault-free edge out of
   them, with the destination's index from the visited set. Their judgement is then the
   ordinary backward pass over those edges, with every settled state as a target.

A state is "able" here exactly when the full graph's backward pass says so: step 1 only
marks states that have a fault-free path to a target, and step 2 runs the complete pass over
every state step 1 left, whose other edges all lead either to settled states or to states of
step 2. So verdicts and counterexamples do not change; the test
`tests/engines/test_lean_graph.py` compares both on random specs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from mqcheck.engines.expand import Expander

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Rows = npt.NDArray[Any]
#: rows -> the indices of the states they are known by (-1: not found); the visited set,
#: wherever it is held (with subsumption, a covered row answers its representative)
Lookup = Callable[[Rows], npt.NDArray[np.int32]]


def _rank(dst: npt.NDArray[Any], dst_depth: npt.NDArray[Any]) -> Ints:
    """The order successors are preferred in, as one int64: depth << 32 | index."""
    key = dst_depth.astype(np.int64) << 32
    key |= dst.astype(np.int64)
    return key


def best_successor(
    src: npt.NDArray[Any], dst: npt.NDArray[Any], depth: npt.NDArray[Any], n: int
) -> npt.NDArray[np.int64]:
    """Per state, the deepest (then the latest found) destination among edges src -> dst,
    as the key depth << 32 | index; -1 for a state with no edge."""
    best = np.full(n, -1, dtype=np.int64)
    if len(src):
        np.maximum.at(best, src.astype(np.int64), _rank(dst, depth[dst]))
    return best


def merge_best(
    old: npt.NDArray[np.int32], src: Ints, dst: Ints, depth_of: Callable[[Ints], Ints]
) -> None:
    """Keep in `old[s]` the better of its destination and each new edge's (same order as
    `best_successor`); edges of one source may arrive in several batches (one per shard)."""
    if not len(src):
        return
    key = _rank(dst, depth_of(dst))
    if (np.diff(src) < 0).any():  # each batch comes with its sources ascending
        order = np.argsort(src, kind="stable")
        src, key = src[order], key[order]
    starts = np.flatnonzero(np.concatenate(([True], src[1:] != src[:-1])))
    src, key = src[starts], np.maximum.reduceat(key, starts)
    mine = old[src].astype(np.int64)
    have = mine >= 0
    mine_key = np.full(len(mine), -1, dtype=np.int64)
    mine_key[have] = _rank(mine[have], depth_of(mine[have]))
    better = key > mine_key
    old[src[better]] = (key[better] & 0xFFFFFFFF).astype(np.int32)


def policy(
    parent: npt.NDArray[Any],
    via: npt.NDArray[Any],
    is_fault: npt.NDArray[Any],
    alt: npt.NDArray[np.int32],
    depth: npt.NDArray[Any],
) -> npt.NDArray[np.int32]:
    """Each state's policy successor (itself when it has no fault-free successor kept)."""
    n = len(parent)
    tree = np.flatnonzero(is_fault[via] == 0)
    tree = tree[tree > 0]
    have = np.flatnonzero(alt >= 0)
    src = np.concatenate([parent[tree].astype(np.int64), have])
    dst = np.concatenate([tree, alt[have].astype(np.int64)])
    best = best_successor(src, dst, depth, n)
    out = np.arange(n, dtype=np.int32)
    some = best >= 0
    out[some] = (best[some] & 0xFFFFFFFF).astype(np.int32)
    return out


def follow(step: npt.NDArray[np.int32], targets: Bools) -> Bools:
    """The states whose chain s, step[s], step[step[s]], ... meets a target.

    This is `backward_reach` over the edges s -> step[s], specialised: with one edge per
    state, doubling needs no sort of the edges by destination and stops for each state as
    soon as it is settled, where most chains are short.

    Pointer doubling: `jump[s]` is a state further along s's chain, twice as far each
    round, and `ok[s]` says whether the chain up to it met a target. A state leaves the
    work once it is settled, or once its jump stops moving: then it has reached a state
    whose whole future was seen (a dead end, or a cycle gone round) without a target."""
    ok = targets.copy()
    active = np.flatnonzero(~ok)
    jump = step.copy()
    for _ in range(len(step).bit_length() + 1):
        if not len(active):
            break
        ahead = jump[active]
        hit = ok[ahead]
        ok[active[hit]] = True
        further = jump[ahead]
        moving = ~hit & (further != ahead)
        active = active[moving]
        jump[active] = further[moving]
    return ok


def rebuild(
    expander: Expander,
    initial: Rows,
    parent: npt.NDArray[Any],
    via: npt.NDArray[Any],
    depth: npt.NDArray[Any],
    wanted: Ints,
) -> Rows:
    """The canonical rows of the states `wanted` (ascending), re-derived along the search
    tree: each state is its recorded action applied to its parent's row and put in canonical
    form, which is how the search found it (and how `FrontierChecker.path_to` walks)."""
    if not len(wanted):
        return initial[:0]
    mark = np.zeros(len(parent), dtype=bool)
    todo = wanted
    while len(todo):
        mark[todo] = True
        up = parent[todo].astype(np.int64)
        up = np.unique(up[up >= 0])
        todo = up[~mark[up]]
    known = np.flatnonzero(mark)
    rows = np.zeros((len(known), initial.shape[1]), dtype=initial.dtype)
    rows[0] = initial[0]  # state 0 is every state's first ancestor
    radix = expander.radix
    level = depth[known]
    for d in range(1, int(level.max()) + 1 if len(level) else 0):
        children = known[level == d]
        if not len(children):
            continue
        par = parent[children].astype(np.int64)
        ups = np.unique(par)
        made = expander.successors(rows[np.searchsorted(known, ups)])
        key = made.pos * radix + made.act
        order = np.argsort(key, kind="stable")
        want = np.searchsorted(ups, par) * radix + via[children].astype(np.int64)
        at = order[np.minimum(np.searchsorted(key[order], want), len(key) - 1)]
        if not np.array_equal(key[at], want):  # pragma: no cover - search and model disagree
            raise RuntimeError("a state could not be rebuilt from its parent")
        rows[np.searchsorted(known, children)] = made.rows[at]
    return rows[np.searchsorted(known, wanted)]


def edges_out(
    expander: Expander,
    is_fault: npt.NDArray[Any],
    rows: Rows,
    states: Ints,
    lookup: Lookup,
) -> tuple[Ints, Ints]:
    """Every fault-free edge out of `states` (whose rows are `rows`), self-loops left out;
    each destination's index from the visited set."""
    if not len(states):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    if not np.array_equal(lookup(rows).astype(np.int64), states):
        raise RuntimeError(
            "a rebuilt state is not the state the search recorded"
        )  # pragma: no cover
    made = expander.successors(rows)
    keep = is_fault[made.act] == 0
    src = states[made.pos[keep]]
    dst = lookup(made.rows[keep]).astype(np.int64)
    if (dst < 0).any():  # pragma: no cover - every successor of an expanded state is known
        raise RuntimeError("a successor of an explored state is missing from the visited set")
    loop = src == dst
    return src[~loop], dst[~loop]
