"""One shard of the explicit search: the fingerprints it owns and the states it must expand.

The fingerprint space is split among shards by `fingerprint % shards`. A shard keeps the
visited set of the fingerprints it owns, and the rows of the states it discovered until
their layer is expanded (a state's row stays where it was generated: only fingerprints and
16-byte keys cross between shards). One chunk of a layer takes four steps, each run by every
shard at once (mqcheck.engines.shard_pool), with the coordinator (mqcheck.engines.frontier)
in between:

1. `expand`: the shard's parents of the chunk give candidates, each with the key
   `parent index * actions + tree rank` (the reference's discovery order); the first
   occurrence of each fingerprint is sent to the fingerprint's owner.
2. `resolve`: the owner keeps, per fingerprint, the least key over all shards and looks the
   fingerprint up in its visited set: the fingerprints not seen before are the new states,
   reported by key.
3. The coordinator merges the new keys of all owners in key order (the order the reference
   finds them), applies the state limit after the same parent as the reference, and numbers
   the states. `commit`: each owner records its numbered fingerprints and tells every shard
   the index of each fingerprint it sent, and whether its candidate was the discovery.
4. `finish`: each shard files the new states it discovered under their next layer, and
   reports transitions, fault-free edges, goal and bad-state hits for the coordinator.

So the states, their indices, parents and every answer are those of one process; the
sharding decides only where the work and the memory go. The same four calls serve local
processes today and Dask actors, one per worker, later.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mqcheck.engines.expand import Expander
from mqcheck.engines.subsume import Subsumption, Tags
from mqcheck.engines.visited import Fingerprints, TaggedSet, VisitedSet, fingerprint
from mqcheck.ir.compile_np import PredicateFn, columns, compile_mask
from mqcheck.ir.compile_py import compile_system
from mqcheck.ir.expr import Expr
from mqcheck.ir.lookahead import Future
from mqcheck.ir.system import TransitionSystem

Rows = npt.NDArray[Any]
Ints = npt.NDArray[np.int64]
#: (fingerprints, keys) a shard sends one owner; with fault-budget subsumption also each
#: state's budget-free fingerprint and budget tag (mqcheck.engines.subsume).
Sent = tuple[Fingerprints, Ints] | tuple[Fingerprints, Ints, Fingerprints, Tags]
#: What an owner tells a sender about its fingerprints: their state indices (-1: not kept,
#: past the state limit) and whether the sender's candidate discovered the state.
Answer = tuple[Ints, npt.NDArray[np.bool_]]


def first_occurrences(fps: Fingerprints) -> tuple[Fingerprints, Ints, Ints]:
    """`np.unique(fps, return_index=True, return_inverse=True)`, written out: the sorted
    distinct fingerprints, where each first occurs, and each one's group. (np.unique would
    import numpy.ma on first use, a tenth of a second a small spec should not pay.)"""
    # numpy's default (vectorised quick) sort is ~6x faster than a stable one here; the
    # first occurrence of each group is then its least position
    order = np.argsort(fps)
    ranked = fps[order]
    starts = np.ones(len(fps), dtype=bool)
    starts[1:] = ranked[1:] != ranked[:-1]
    inverse = np.empty(len(fps), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    at = np.flatnonzero(starts)
    first = np.minimum.reduceat(order, at) if len(fps) else order
    return ranked[starts], first, inverse


def _part_then_key(part: Fingerprints, key: Ints) -> Ints:
    """`np.lexsort((key, part))` for distinct keys: the order by part, then by key. One
    plain sort by part, then a second sort of only the entries whose part occurs more than
    once, by (run of equal parts, key) packed in one int64: about a quarter of the time of
    two full sorts on durable-baseline's chunks, lexsort dearer still."""
    order = np.argsort(part)
    ranked = part[order]
    same = ranked[1:] == ranked[:-1]
    if same.any():
        shared = np.zeros(len(order), dtype=bool)
        shared[1:] |= same
        shared[:-1] |= same
        slots = np.flatnonzero(shared)
        sub = order[slots]
        # the shared entries keep their slots, which are whole runs of equal parts in
        # part order: sorting them by (part, key) rearranges each run within itself. The
        # runs are numbered in order; (run, key) packed in one int64 sorts by both at once
        # where the key fits 40 bits (a parent index times the actions, +1)
        sub_key = key[sub]
        if len(sub) and int(sub_key.min()) >= 0 and int(sub_key.max()) < 1 << 40:
            heads = np.ones(len(slots), dtype=bool)
            heads[1:] = ranked[slots[1:]] != ranked[slots[:-1]]
            packed = (np.cumsum(heads).astype(np.int64) << 40) | sub_key
            order[slots] = sub[np.argsort(packed)]
        else:
            order[slots] = sub[np.lexsort((sub_key, part[sub]))]
    return order


def owners(fps: Fingerprints, count: int) -> Ints:
    """The shard that owns each fingerprint, from its top eight bits: the two keys of a
    state under subsumption share them (mqcheck.engines.subsume), so one shard owns both."""
    if count == 1:
        return np.zeros(len(fps), dtype=np.int64)
    return ((fps >> np.uint64(56)) % np.uint64(count)).astype(np.int64)


def _divide(whole: VisitedSet | TaggedSet, parts: list[Any]) -> None:
    """Each run of `whole` split among `parts` (sets of the same kind) by owner."""
    for keys, vals in whole.runs:
        who = owners(keys, len(parts))
        for k, part in enumerate(parts):
            mine = who == k
            if mine.any():
                part.runs.append((keys[mine], vals[mine]))
                part.size += int(mine.sum())


@dataclass
class Expanded:
    """A shard's part of a chunk, after step 1."""

    taken: Ints  # parents taken from the layer (expanded or `limit` states), ascending
    expanded: Ints  # the ones expanded, ascending
    limit_hit: bool
    sends: list[Sent]  # per owner


@dataclass
class Finished:
    """A shard's report after step 4 (the states it discovered, ascending)."""

    transitions: int
    new: Ints
    goal: npt.NDArray[np.bool_]  # per new state
    bad: list[Ints]  # per bad predicate: the new states that satisfy it
    src: npt.NDArray[np.int32]
    dst: npt.NDArray[np.int32]


@dataclass
class _Flight:
    """A chunk between `expand` and `finish`."""

    pidx: Ints  # per candidate: the parent's state index
    act: Ints
    rows: Rows
    inverse: Ints  # per candidate: its fingerprint's group
    first: Ints  # per group: the first candidate
    owner: Ints  # per group
    keys: Ints  # per candidate


@dataclass
class _Resolving:
    """An owner's chunk between `resolve` and `commit`."""

    fps: Fingerprints  # per group (distinct fingerprint)
    known: Ints  # per group: its state index, -1 if new
    new: Ints  # the new groups, by key
    inverse: Ints  # per received fingerprint: its group
    winner: Ints  # per group: the received position with the least key
    lengths: list[int]  # received fingerprints per sender
    # with subsumption: per group, the new group of this chunk that covers it (-1: none),
    # its budget-free fingerprint and its budget tag
    alias: Ints | None = None
    fpx: Fingerprints | None = None
    tag: Tags | None = None


@dataclass(frozen=True)
class ShardModel:
    """What a shard in another process needs to compile its own model: the system, the
    goal and bad predicates it reports on, the tuple path's batch size and the search's
    subsumption. Plain values that pickle, for a shard that is not forked from the
    coordinator (a Dask worker, mqcheck.engines.dask_pool); the compiled functions of a
    `Shard` do not."""

    system: TransitionSystem
    goal: Expr | None
    bad: tuple[Expr, ...]
    need_graph: bool
    small: int
    subsume: Subsumption | None


@dataclass
class ShardState:
    """A shard's data without its compiled parts: what crosses the network when a shard
    moves to a worker."""

    index: int
    count: int
    visited: VisitedSet
    tagged: TaggedSet
    pending: dict[tuple[int, int], list[tuple[Rows, Ints]]]


def shard_state(shard: Shard) -> ShardState:
    """The part of `shard` that travels (only between chunks)."""
    assert shard._flight is None and shard._resolving is None
    return ShardState(shard.index, shard.count, shard.visited, shard.tagged, shard.pending)


def rebuild_shard(model: ShardModel, state: ShardState) -> Shard:
    """A shard compiled here from its model and data: it answers every step as the shard
    `state` was taken from (the compilation is deterministic)."""
    system = model.system
    compiled = compile_system(system)
    expander = Expander(system, compiled, Future.of(system, compiled.successors), model.small)
    is_fault = np.array([a.fault is not None for a in system.actions], dtype=np.int64)
    return Shard(
        expander,
        is_fault,
        compile_mask(system, model.goal) if model.goal is not None else None,
        [compile_mask(system, e) for e in model.bad],
        model.need_graph,
        state.index,
        state.count,
        state.visited,
        model.subsume,
        state.tagged,
        state.pending,
    )


@dataclass
class Shard:
    """The visited set of the fingerprints `fingerprint % count == index`, and the states this
    shard discovered, by layer (faults used, depth), each part ascending by index."""

    expander: Expander
    is_fault: Ints
    goal_mask: PredicateFn | None
    bad_masks: list[PredicateFn]
    need_graph: bool
    index: int = 0
    count: int = 1
    visited: VisitedSet = field(default_factory=VisitedSet)
    subsume: Subsumption | None = None
    tagged: TaggedSet = field(default_factory=TaggedSet)  # the visited set, with subsumption
    pending: dict[tuple[int, int], list[tuple[Rows, Ints]]] = field(default_factory=dict)
    _flight: _Flight | None = None
    _resolving: _Resolving | None = None

    # ---- set-up ----------------------------------------------------------------------
    def seed(self, fps: Fingerprints, indexes: npt.NDArray[np.int32]) -> None:
        """Visited states found before the shards existed (only the owned ones are kept)."""
        mine = owners(fps, self.count) == self.index
        self.visited.add(fps[mine], indexes[mine])

    def seed_tagged(self, fps: Fingerprints, indexes: npt.NDArray[np.int32], tags: Tags) -> None:
        """`seed` for a search with subsumption: each state under its key, with its tag."""
        mine = owners(fps, self.count) == self.index
        self.tagged.add(fps[mine], indexes[mine], tags[mine])

    def hold(self, level: int, depth: int, rows: Rows, indexes: Ints) -> None:
        """States waiting in layer (level, depth), appended after the ones held already."""
        if len(rows):
            self.pending.setdefault((level, depth), []).append((rows, indexes))

    def split(self, count: int) -> list[Shard]:
        """This shard's states divided among `count` shards by fingerprint (rows too, so the
        work starts out balanced); only between chunks."""
        assert self._flight is None and self._resolving is None
        parts = [self._empty(k, count) for k in range(count)]
        _divide(self.visited, [part.visited for part in parts])
        _divide(self.tagged, [part.tagged for part in parts])
        for layer, chunks in self.pending.items():
            for rows, idxs in chunks:
                who = owners(fingerprint(rows), count)
                for k, part in enumerate(parts):
                    mine = who == k
                    part.hold(*layer, rows[mine], idxs[mine])
        return parts

    def _empty(self, index: int, count: int) -> Shard:
        ex, faults, goal, bad = self.expander, self.is_fault, self.goal_mask, self.bad_masks
        return Shard(ex, faults, goal, bad, self.need_graph, index, count, subsume=self.subsume)

    # ---- the four steps of a chunk ---------------------------------------------------
    def expand(self, level: int, depth: int, below: int, cut: bool = False) -> Expanded:
        """Step 1: expand the held states of layer (level, depth) with index < `below`;
        with `cut`, not the goal states that are not `limit` states (the coordinator's
        `_cut_goal`): they are taken but not expanded."""
        rows, pidx = self._take((level, depth), below)
        taken = pidx
        if cut and self.goal_mask is not None and len(rows):
            skip = np.asarray(self.goal_mask(columns(rows), len(rows)), dtype=bool)
            if skip.any():
                # a goal state that is also a `limit` state stays: its expansion flags the limit
                limits = self.expander.limit_states(rows[skip])
                if limits is not None:
                    skip[np.flatnonzero(skip)[limits]] = False
                rows, pidx = rows[~skip], pidx[~skip]
        count = self.count
        if not len(rows):
            empty = np.zeros(0, dtype=np.int64)
            nothing = np.zeros(0, dtype=np.uint64)
            none: Sent = (
                (nothing, empty) if self.subsume is None else (nothing, empty, nothing, nothing)
            )
            self._flight = _Flight(empty, empty, rows, empty, empty, empty, empty)
            return Expanded(taken, empty, False, [none] * count)
        ex = self.expander
        chunk = ex.successors(rows)
        parent = pidx[chunk.pos]
        keys = parent * ex.radix + ex.rank[chunk.act]
        both = self.subsume.keys(chunk.rows) if self.subsume is not None else None
        fps = both.full if both is not None else fingerprint(chunk.rows)
        uniq, first, inverse = first_occurrences(fps)
        who = owners(uniq, count)
        self._flight = _Flight(parent, chunk.act, chunk.rows, inverse, first, who, keys)
        ukeys = keys[first]
        sends: list[Sent] = []
        for k in range(count):
            mine = np.flatnonzero(who == k) if count > 1 else slice(None)
            if both is None:
                sends.append((uniq[mine], ukeys[mine]))
            else:
                sends.append((uniq[mine], ukeys[mine], both.x[first][mine], both.tag[first][mine]))
        return Expanded(taken, pidx[chunk.expanded], chunk.limit_hit, sends)

    def resolve(self, received: list[Sent]) -> Ints:
        """Step 2, as owner: the keys of the fingerprints never seen, ascending."""
        lengths = [len(sent[0]) for sent in received]
        if len(received) == 1:  # one sender: its fingerprints are distinct and sorted
            groups, keys = received[0][0], received[0][1]
            inverse = winner = np.arange(len(groups))
        else:
            # each sender's list is sorted: a stable sort merges the runs; then the least
            # key of each fingerprint (keys are distinct) without a lexsort, 10x dearer
            fps = np.concatenate([sent[0] for sent in received])
            keys = np.concatenate([sent[1] for sent in received])
            order = np.argsort(fps, kind="stable")
            ranked = fps[order]
            starts = np.ones(len(fps), dtype=bool)
            starts[1:] = ranked[1:] != ranked[:-1]
            group = np.cumsum(starts) - 1
            inverse = np.empty(len(fps), dtype=np.int64)
            inverse[order] = group
            by_fp = keys[order]
            least = np.minimum.reduceat(by_fp, np.flatnonzero(starts)) if len(fps) else by_fp
            winner = order[by_fp == least[group]]
            groups = ranked[starts]
        if self.subsume is not None:
            return self._resolve_covered(received, groups, keys, inverse, winner, lengths)
        known = self.visited.lookup(groups).astype(np.int64)
        fresh = np.flatnonzero(known < 0)
        fresh = fresh[np.argsort(keys[winner[fresh]])]  # keys are distinct
        self._resolving = _Resolving(groups, known, fresh, inverse, winner, lengths)
        return keys[winner[fresh]]

    def _resolve_covered(
        self,
        received: list[Sent],
        groups: Fingerprints,
        keys: Ints,
        inverse: Ints,
        winner: Ints,
        lengths: list[int],
    ) -> Ints:
        """`resolve` with subsumption: a group is known when a state held with its
        budget-free part has every budget at least its own (itself included), or when a
        group of this chunk that comes first in key order does (it was found first: in one
        process it would be held already). Which cover a known group is answered with does
        not matter for any verdict (every state with that part has its fault-free future),
        so the first new one of its part is."""
        sub = self.subsume
        assert sub is not None
        fpx = np.concatenate([sent[2] for sent in received])[winner]  # type: ignore[misc]
        tag = np.concatenate([sent[3] for sent in received])[winner]  # type: ignore[misc]
        known = self.tagged.cover(fpx, tag, sub.dominates).astype(np.int64)
        gkey = keys[winner]
        # within the chunk, in (part, key) order: covered by an earlier group of its part
        order = _part_then_key(fpx, gkey)
        part, ptag = fpx[order], tag[order]
        inside = np.zeros(len(order), dtype=bool)
        # each group against the ones before it in its part, one distance at a time; only
        # the groups that far into their part take part (most parts hold one or two)
        at = np.arange(len(order))
        head = np.ones(len(order), dtype=bool)
        head[1:] = part[1:] != part[:-1]
        rank = at - np.maximum.accumulate(np.where(head, at, 0))
        live = np.flatnonzero(rank >= 1)
        shift = 1
        while len(live):
            inside[live] |= sub.dominates(ptag[live - shift], ptag[live])
            shift += 1
            live = live[rank[live] >= shift]
        late = np.zeros(len(groups), dtype=bool)
        late[order[inside]] = True
        late &= known < 0
        fresh = np.flatnonzero((known < 0) & ~late)
        fresh = fresh[np.argsort(gkey[fresh])]  # keys are distinct
        alias = np.full(len(groups), -1, dtype=np.int64)
        if late.any():
            # the first new group of each part (fresh is in key order)
            parts, first = np.unique(fpx[fresh], return_index=True)
            at = np.searchsorted(parts, fpx[late])
            alias[late] = fresh[first[at]]
        self._resolving = _Resolving(
            groups, known, fresh, inverse, winner, lengths, alias, fpx, tag
        )
        return keys[winner[fresh]]

    def commit(self, numbers: Ints) -> list[Answer]:
        """Step 3, as owner: record the numbered new states (`numbers` per key `resolve`
        returned, -1 past the state limit); answer every sender."""
        r = self._resolving
        assert r is not None
        self._resolving = None
        target = r.known.copy()
        target[r.new] = numbers
        kept = numbers >= 0
        if r.alias is None:
            self.visited.add(r.fps[r.new[kept]], numbers[kept].astype(np.int32))
        else:
            assert r.fpx is not None and r.tag is not None
            late = np.flatnonzero(r.alias >= 0)
            target[late] = target[r.alias[late]]
            new = r.new[kept]
            self.tagged.add(r.fpx[new], numbers[kept], r.tag[new])
        won = np.zeros(len(r.inverse), dtype=bool)
        won[r.winner[r.new[kept]]] = True
        per = target[r.inverse]
        answers: list[Answer] = []
        at = 0
        for n in r.lengths:
            answers.append((per[at : at + n], won[at : at + n]))
            at += n
        return answers

    def finish(self, answers: list[Answer], cut: int, level: int, depth: int) -> Finished:
        """Step 4: file the states this shard discovered (parents up to `cut` only, -1 for
        no cut), report what the coordinator records."""
        f = self._flight
        assert f is not None
        self._flight = None
        groups = len(f.first)
        target = np.full(groups, -1, dtype=np.int64)
        won = np.zeros(groups, dtype=bool)
        for k, (idx, w) in enumerate(answers):
            mine = np.flatnonzero(f.owner == k) if self.count > 1 else slice(None)
            target[mine] = idx
            won[mine] = w
        keep = f.pidx <= cut if cut >= 0 else np.ones(len(f.pidx), dtype=bool)
        by_index = np.argsort(target[won])  # distinct indices
        found = f.first[won][by_index]
        new = target[won][by_index]
        rows, act = f.rows[found], f.act[found]
        faults = level + self.is_fault[act]
        for fl in np.unique(faults).tolist() if len(new) else []:
            same = faults == fl
            self.hold(fl, depth + 1, rows[same], new[same])
        cols = columns(rows) if len(new) and (self.bad_masks or self.goal_mask) else []
        goal = (
            self.goal_mask(cols, len(new))
            if self.goal_mask is not None and len(new)
            else np.zeros(len(new), dtype=bool)
        )
        bad = [new[mask(cols, len(new))] if len(new) else new for mask in self.bad_masks]
        src = dst = np.zeros(0, dtype=np.int32)
        if self.need_graph and len(f.pidx):
            to = target[f.inverse]
            tree = np.zeros(len(f.pidx), dtype=bool)
            tree[found] = True
            free = keep & (self.is_fault[f.act] == 0) & ~tree & (f.pidx != to)
            src, dst = f.pidx[free].astype(np.int32), to[free].astype(np.int32)
        return Finished(int(keep.sum()), new, goal, bad, src, dst)

    def rss_mb(self) -> float:
        """This process's peak resident memory (the coordinator sums its shards')."""
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def nbytes(self) -> int:
        return self.visited.nbytes + self.tagged.nbytes

    def find(self, rows: Rows) -> npt.NDArray[np.int32]:
        """The index of the state each row is known by (all owned by this shard), -1 if
        none: the state itself, or with subsumption a state that covers it. The
        at-least-once pass of a lean graph asks it (mqcheck.engines.lean_graph)."""
        if self.subsume is None:
            return self.visited.lookup(fingerprint(rows))
        both = self.subsume.keys(rows)
        return self.tagged.cover(both.x, both.tag, self.subsume.dominates)

    # ---- helpers ---------------------------------------------------------------------
    def _take(self, layer: tuple[int, int], below: int) -> tuple[Rows, Ints]:
        """The held states of `layer` with index < `below`, in index order."""
        chunks = self.pending.get(layer, [])
        rows: list[Rows] = []
        idxs: list[Ints] = []
        while chunks:
            r, i = chunks[0]
            cut = int(np.searchsorted(i, below))
            if cut == len(i):
                rows.append(r)
                idxs.append(i)
                chunks.pop(0)
                continue
            if cut:
                rows.append(r[:cut])
                idxs.append(i[:cut])
                chunks[0] = (r[cut:], i[cut:])
            break
        if not chunks:
            self.pending.pop(layer, None)
        ex = self.expander
        if not rows:
            return np.zeros((0, ex.width), dtype=ex.dtype), np.zeros(0, dtype=np.int64)
        if len(rows) == 1:
            return rows[0], idxs[0]
        return np.concatenate(rows), np.concatenate(idxs)
