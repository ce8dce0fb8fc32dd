"""Explicit-state model checking a frontier at a time: the default explicit engine.

The same search as the reference engine (mqcheck.engines.explicit: buckets by (faults used,
depth), first discovery wins), but each grounded action is applied to a whole layer of
states at once as numpy column operations (mqcheck.ir.compile_np), canonicalised
(mqcheck.ir.symmetry_np), fingerprinted and deduplicated as arrays (mqcheck.engines.visited).

Identical answers by construction: the reference expands a layer's states in order and each
state's successors in the order of its decision tree, recording the first discovery. Here
the candidates of a layer (parent position, action, successor) are put in exactly that order
before deduplication keeps each fingerprint's first occurrence, so states, transitions,
depths, the parents chosen and hence every counterexample are the reference's. A layer too
small to pay numpy's per-call overhead takes the tuple path (compile_py's successor
function) and then the same array deduplication, so small specs stay fast.

Past `SHARD_FROM` states a search with several workers goes on in fingerprint shards, one
per process (mqcheck.engines.shard, mqcheck.engines.shard_pool): this module then only
merges what the shards report, in the order that keeps every index the one-process one.

With `subsume` (what `mqcheck check` runs), a state that a state already found covers
(the same state but for fault budgets, with at least as much of each left: mqcheck.ir.budgets,
mqcheck.engines.subsume) is not explored: the same verdicts and fault counts, fewer states,
so the counts are no longer the reference's (docs/engines.md, "Fault-budget subsumption").

Per state the engine keeps a fingerprint and index (12 bytes in the visited set), the
parent's index, the action, depth, fault count and two flags (11 bytes); at-least-once adds
its fault-free edges (8 bytes each) for the backward pass. States themselves are kept only
while their layer waits to be expanded.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mqcheck.engines.composite import in_requested_order
from mqcheck.engines.expand import Expander
from mqcheck.engines.explicit import Limits, Progress, peak_rss_mb
from mqcheck.engines.lean_graph import edges_out, follow, merge_best, policy, rebuild
from mqcheck.engines.shard import Expanded, Finished, Shard, ShardModel, owners
from mqcheck.engines.shard_pool import LocalPool, Pool, ProcessPool, WorkerLost, fork_available
from mqcheck.engines.subsume import Subsumption
from mqcheck.engines.visited import Fingerprints, collision_probability, fingerprint
from mqcheck.engines.witness import witness
from mqcheck.ir.budgets import subsumable_budgets
from mqcheck.ir.compile_np import compile_mask
from mqcheck.ir.compile_py import Predicate, compile_predicate, compile_system
from mqcheck.ir.lookahead import Future, backward_reach
from mqcheck.ir.system import Checked, Eventually, Invariant, TransitionSystem
from mqcheck.result import GuaranteeResult, Stats, Witness

State = tuple[int, ...]
Rows = npt.NDArray[Any]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
#: A run of states waiting in a layer: their rows (None once a shard holds them) and indices.
Part = tuple[Rows | None, Ints]
Buckets = dict[int, dict[int, list[Part]]]
#: Builds the pool that holds a search's shards elsewhere (a Dask cluster's workers,
#: mqcheck.engines.dask_pool), from the model each shard compiles and the shards.
PoolFactory = Callable[[ShardModel, list[Shard]], Pool]
#: Below this many parents a chunk takes the tuple path (numpy's per-call cost dominates).
SMALL = 512
#: States the search may find in its first, pure-tuple phase (a dict of states, as in the
#: reference) before moving to the fingerprint set; a chunk of `SMALL` parents ends it sooner.
TUPLE_STATES = 200_000
#: Parents expanded together; bounds the candidate arrays of one step.
CHUNK = 65_536
#: States known before a search with several workers splits into shards (below this the
#: processes would cost more than they save).
SHARD_FROM = 50_000
#: States found before the at-least-once graph keeps one edge per state instead of all of
#: them (mqcheck.engines.lean_graph): 24 bytes a state instead of about 41, for more CPU.
LEAN_FROM = 4_000_000
#: States found before the first early look at at-least-once (then each time they double).
EARLY_FIRST = 20_000
#: States found before the goal cut may start (its proof costs Z3 about a second).
GOAL_CUT_FROM = 200_000
#: Seconds the proof that the goal is closed may take; past them the cut stays off.
GOAL_PROOF_S = 20.0


def _settled(
    found: dict[str, tuple[int, int, int]], invariants: int, level: int, depth: int
) -> bool:
    """Whether every one of the `invariants` checked has its counterexample fixed before
    layer (level, depth) is expanded: each was found at a key (faults, depth, index) that
    nothing found from that layer on can precede."""
    return len(found) == invariants and all(key <= (level, depth + 1, -1) for key in found.values())


class _Grow:
    """A numpy array appended to in batches (capacity grows by half)."""

    def __init__(self, dtype: Any) -> None:
        self.data = np.zeros(1024, dtype=dtype)
        self.n = 0

    def extend(self, values: Any) -> None:
        values = np.asarray(values)
        need = self.n + len(values)
        if need > len(self.data):
            # half again, not double: at most a third of the array is slack
            bigger = np.zeros(max(need, len(self.data) * 3 // 2), dtype=self.data.dtype)
            bigger[: self.n] = self.data[: self.n]
            self.data = bigger
        self.data[self.n : need] = values
        self.n = need

    def view(self) -> npt.NDArray[Any]:
        return self.data[: self.n]


class _Runs:
    """A value per state that is constant over runs of consecutive indices (the states of
    one `record` call share their depth and their parent's fault level): kept per run."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.values: list[int] = []
        self._arrays: tuple[Ints, Ints] | None = None

    def add(self, start: int, value: int) -> None:
        if not self.values or self.values[-1] != value:
            self.starts.append(start)
            self.values.append(value)
            self._arrays = None

    def _both(self) -> tuple[Ints, Ints]:
        if self._arrays is None:
            self._arrays = (np.array(self.starts), np.array(self.values))
        return self._arrays

    def of(self, idx: npt.NDArray[Any]) -> Ints:
        starts, values = self._both()
        return values[np.searchsorted(starts, idx, side="right") - 1]

    def all(self, n: int) -> Ints:
        """The value of each of the states 0 … n-1 (one pass, no search)."""
        starts, values = self._both()
        return np.repeat(values, np.diff(np.append(starts, n)))


@dataclass
class _Store:
    """Everything the search keeps per state, as arrays indexed by discovery order."""

    via_dtype: Any
    is_fault: Ints
    parent: _Grow = field(default_factory=lambda: _Grow(np.int32))
    via: _Grow = field(init=False)
    # depth, and the fault level of the parent, per run of states (`depths`, `faults`)
    depth_runs: _Runs = field(default_factory=_Runs)
    level_runs: _Runs = field(default_factory=_Runs)
    expanded: _Grow = field(default_factory=lambda: _Grow(np.bool_))
    # taken from its layer (expanded, or a `limit` state); kept only for early verdicts
    closed: _Grow = field(default_factory=lambda: _Grow(np.bool_))
    goal: _Grow = field(default_factory=lambda: _Grow(np.bool_))
    # the stored fault-free edges (see `add_edges`): per batch, the distinct sources, how
    # many edges each has, and the destinations
    src: list[npt.NDArray[np.int32]] = field(default_factory=list)
    count: list[npt.NDArray[np.uint16]] = field(default_factory=list)
    dst: list[npt.NDArray[np.int32]] = field(default_factory=list)
    # once `lean`: instead of those, each state's best other fault-free successor (-1:
    # none), mqcheck.engines.lean_graph
    lean: bool = False
    alt: _Grow = field(default_factory=lambda: _Grow(np.int32))
    transitions: int = 0
    limit_hit: str = ""

    def __post_init__(self) -> None:
        self.via = _Grow(self.via_dtype)

    @property
    def size(self) -> int:
        return self.parent.n

    def nbytes(self) -> int:
        """Bytes held for the states found (used parts of the arrays, edges included)."""
        per = self.parent.view().nbytes + self.via.view().nbytes
        per += 16 * (len(self.depth_runs.starts) + len(self.level_runs.starts))
        per += self.expanded.n + self.goal.n + self.alt.view().nbytes
        edges = sum(a.nbytes for a in self.src) + sum(a.nbytes for a in self.count)
        edges += sum(a.nbytes for a in self.dst)
        return per + edges

    @property
    def max_depth(self) -> int:
        return max(self.depth_runs.values)

    def depths(self, idx: npt.NDArray[Any] | None = None) -> Ints:
        """The depth of states `idx` (all states when None)."""
        return self.depth_runs.all(self.size) if idx is None else self.depth_runs.of(idx)

    def faults(self, idx: npt.NDArray[Any] | None = None) -> Ints:
        """The faults used to reach states `idx` (all when None): the parent's level, plus
        one when the recorded action is a fault (the initial state has none)."""
        if idx is None:
            every: Ints = self.level_runs.all(self.size) + self.is_fault[self.via.view()]
            every[0] = 0
            return every
        idx = np.asarray(idx)
        used = self.level_runs.of(idx) + self.is_fault[self.via.view()[idx]]
        return np.where(idx == 0, 0, used)

    def record(self, parent: Ints, via: Ints, depth: int, level: int, early: bool) -> None:
        """New states, numbered from `size` on, all found at `depth` from parents of fault
        level `level`; not expanded yet."""
        k = len(parent)
        if k:
            self.depth_runs.add(self.size, depth)
            self.level_runs.add(self.size, level)
        self.parent.extend(parent)
        self.via.extend(via)
        self.expanded.extend(np.zeros(k, dtype=bool))
        if self.lean:
            self.alt.extend(np.full(k, -1, dtype=np.int32))
        if early:
            self.closed.extend(np.zeros(k, dtype=bool))

    def add_edges(self, src: npt.NDArray[Any], dst: npt.NDArray[Any]) -> None:
        """Keep fault-free edges for the at-least-once pass, `src` ascending. An edge out
        of a goal state is dropped (that state reaches the goal already), and each source
        is kept once with its edge count: about 4 bytes an edge instead of 8."""
        keep = ~self.goal.view()[src]
        src, dst = src[keep], dst[keep]
        if not len(src):
            return
        if self.lean:
            merge_best(self.alt.view(), src, dst, self.depths)
            return
        starts = np.flatnonzero(np.concatenate(([True], src[1:] != src[:-1])))
        counts = np.diff(np.append(starts, len(src)))
        self.src.append(src[starts].astype(np.int32))
        self.count.append(counts.astype(np.uint16))
        self.dst.append(dst.astype(np.int32))

    def go_lean(self) -> None:
        """From all fault-free edges to one per state (the search has grown past the
        tuple phase): the best of each state's stored edges becomes its `alt`."""
        if self.lean:
            return
        src, dst = self.edges()
        self.src, self.count, self.dst = [], [], []
        self.lean = True
        self.alt.extend(np.full(self.size, -1, dtype=np.int32))
        merge_best(self.alt.view(), src.astype(np.int64), dst.astype(np.int64), self.depths)

    def edges(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """The stored edges as (source, destination) arrays."""
        if not self.src:
            empty = np.zeros(0, dtype=np.int32)
            return empty, empty
        src = np.repeat(np.concatenate(self.src), np.concatenate(self.count).astype(np.int64))
        return src, np.concatenate(self.dst)


class FrontierChecker:
    """Built from a transition system; `check` answers for the requested guarantees."""

    engine = "explicit"

    def __init__(
        self,
        system: TransitionSystem,
        limits: Limits | None = None,
        small: int = SMALL,
        chunk: int = CHUNK,
        early: bool = False,
        tuple_states: int = TUPLE_STATES,
        workers: int = 1,
        shard_from: int = SHARD_FROM,
        processes: bool = True,
        lean_from: int = LEAN_FROM,
        subsume: bool = False,
        pool_factory: PoolFactory | None = None,
        goal_cut: bool = False,
        goal_cut_from: int = GOAL_CUT_FROM,
    ) -> None:
        """`small`, `chunk`, `workers`, `shard_from` and `processes` change only speed and
        memory, never an answer (the tests turn them down to run the array path and the
        sharded protocol on tiny specs). `workers` > 1 splits the search into that many
        fingerprint shards once `shard_from` states are known, each in its own process
        (`processes`; False keeps them in this one, for tests). `early` decides
        at-least-once as soon as the answer is certain (`_settled_doomed`): the same verdict
        and counterexample, but the stats count only the states explored until then.
        `lean_from`: from that many states on, the at-least-once graph is kept lean (one
        fault-free edge per state, the rest rebuilt at the end; same answers).
        `subsume` turns on fault-budget subsumption where its argument holds for the
        system (mqcheck.ir.budgets): a state covered by one with the same budget-free part
        and at least its budgets is not explored. The same verdicts and the same
        (faults, depth) of every counterexample, with fewer states (docs/engines.md).
        `pool_factory`: the `workers` shards are held by the pool it builds (a Dask
        cluster's workers) instead of local processes, from `shard_from` states on, even
        for one shard; the answers are the same."""
        self.early = early
        #: stop at the at-least-once goal once every invariant is decided (docs/engines.md,
        #: "Stopping at the goal"), from `goal_cut_from` states on, where the goal is proved
        #: closed under every step; the same verdicts and counterexamples, fewer states
        self.goal_cut = goal_cut
        self.goal_cut_from = goal_cut_from
        self._goal_closed: bool | None = None
        self.lean_from = lean_from
        self.tuple_states = tuple_states
        self.workers = max(1, workers)
        self.shard_from = shard_from
        self.processes = processes
        self.pool_factory = pool_factory
        self._model: ShardModel | None = None
        # the first phase's visited states (canonical tuple -> index); None once the search
        # has moved to the shards' fingerprint sets
        self._seen: dict[State, int] | None = None
        # with subsumption: budget-free part -> (index, budgets) of its states
        self._xseen: dict[State, list[tuple[int, State]]] = {}
        self._init_row: Rows = np.zeros((1, 0))
        if len(system.starts()) > 1:
            raise ValueError(f"{system.name}: the explicit engine needs one initial state")
        self.small, self.chunk = small, max(1, chunk)
        self.system = system
        self.limits = limits or Limits()
        budgets = subsumable_budgets(system) if subsume else None
        #: The reduction in use (None: every state is explored).
        self.subsumption = Subsumption(budgets) if budgets is not None else None
        self.compiled = compile_system(system)
        self.future = Future.of(system, self.compiled.successors)
        self.canon = self.future.canon
        self.expander = Expander(system, self.compiled, self.future, small)
        self.permutes = self.expander.permutes
        self.is_fault = np.array([a.fault is not None for a in system.actions], dtype=np.int64)
        self.dtype = self.expander.dtype
        self.width = self.expander.width
        # key % radix -> action (the inverse of the tree rank the shards key candidates by)
        self._action_of = np.zeros(self.expander.radix, dtype=np.int64)
        self._action_of[self.expander.rank] = np.arange(len(system.actions))
        #: TLC's estimate of a fingerprint collision in the last search (see `visited`).
        self.collision_probability = 0.0
        #: Bytes per state the last search kept (visited set, per-state arrays, edges).
        self.bytes_per_state = 0.0
        #: Shards the last search ran on (1 until it had `shard_from` states).
        self.shards_used = 1
        self._workers_peak_mb = 0.0

    # ---- results, with the run's peak memory ---------------------------------------
    def check(
        self, guarantees: Sequence[str], progress: Progress | None = None
    ) -> list[GuaranteeResult]:
        started = time.perf_counter()
        results = self._check(guarantees, started, progress)
        peak_mb = round(peak_rss_mb() + self._workers_peak_mb, 1)
        out = []
        for r in results:
            s = r.stats
            chance = collision_probability(s.states, s.transitions)
            stats = Stats(s.states, s.transitions, s.depth, s.seconds, peak_mb, chance)
            out.append(
                GuaranteeResult(
                    r.guarantee,
                    r.verdict,
                    r.engine,
                    r.bounds,
                    stats,
                    r.counterexample,
                    r.reason,
                    r.witness,
                )
            )
        return out

    # ---- search ----------------------------------------------------------------------
    def _check(
        self, guarantees: Sequence[str], started: float, progress: Progress | None
    ) -> list[GuaranteeResult]:
        system = self.system
        checked = system.checked(guarantees)
        invariants = [g for g in checked if isinstance(g, Invariant)]
        liveness = [g for g in checked if isinstance(g, Eventually)]
        bad = [(g.guarantee, compile_predicate(system, g.bad)) for g in invariants]
        goal_pred = compile_predicate(system, liveness[0].goal) if liveness else None
        need_graph = bool(liveness)
        sr = _Store(np.uint16 if len(system.actions) < 65_535 else np.int32, self.is_fault)
        found: dict[str, tuple[int, int, int]] = {}

        init = self.canon(system.initial_state())
        init_row = np.array([init], dtype=self.dtype).reshape(1, self.width)
        self._init_row = init_row
        self._seen = {init: 0}
        self._xseen = {}
        if self.subsumption is not None:
            bare, budgets = self.subsumption.split(init)
            self._xseen[bare] = [(0, budgets)]
        self.shards_used, self._workers_peak_mb = 1, 0.0
        sr.record(np.array([-1]), np.array([0]), 0, 0, self.early)
        if goal_pred is not None:
            sr.goal.extend([goal_pred(init)])
        for name, pred in bad:
            if pred(init):
                found[name] = (0, 0, 0)
        # bucket (faults used, depth) -> parts of (rows, state indices), in discovery order;
        # once the shards hold the rows, only the indices are kept here
        buckets: Buckets = {0: {0: [(init_row, np.zeros(1, dtype=np.int64))]}}
        limits = self.limits
        last_report = started
        stop = False
        doomed: int | None = None
        decided = False  # at-least-once decided before the search ended
        next_look = EARLY_FIRST
        pool: Pool | None = None
        try:
            while buckets and not stop:
                level = min(buckets)
                layers = buckets[level]
                while layers and not stop:
                    depth = min(layers)
                    if bad and not need_graph and _settled(found, len(bad), level, depth):
                        stop = True
                        break
                    skip_goal = self._cut_goal(sr, need_graph, bad, found, level, depth)
                    parts = layers.pop(depth)
                    here = layers.setdefault(depth + 1, [])
                    idxs = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
                    rows = None
                    if pool is None:  # the tuple phase: this process holds the rows
                        held = [p[0] for p in parts if p[0] is not None]
                        rows = np.concatenate(held) if len(held) > 1 else held[0]
                    del parts
                    hi = 0
                    while hi < len(idxs):
                        # each shard expands about `chunk` parents of a chunk
                        lo, hi = hi, min(hi + self.chunk * (pool.count if pool else 1), len(idxs))
                        if pool is None and (
                            hi - lo >= self.small
                            or (self._seen is not None and len(self._seen) >= self.tuple_states)
                        ):
                            assert rows is not None
                            pool = self._migrate(
                                sr, rows[lo:], idxs[lo:], level, depth, buckets, invariants,
                                liveness,
                            )  # fmt: skip
                            rows = None
                        if pool is None:
                            assert rows is not None
                            stop = self._settle_tuples(
                                rows[lo:hi], idxs[lo:hi], level, depth, sr, here, buckets,
                                bad, found, goal_pred, need_graph, skip_goal,
                            )  # fmt: skip
                        else:
                            pool = self._grow(pool, sr)
                            stop = self._settle_shards(
                                pool, idxs[lo:hi], level, depth, sr, here, buckets,
                                [name for name, _ in bad], found, need_graph, skip_goal,
                            )  # fmt: skip
                        if need_graph and pool is not None and sr.size >= self.lean_from:
                            sr.go_lean()
                        now = time.perf_counter()
                        if not stop and now - started > limits.timeout_s:
                            sr.limit_hit = f"the time limit ({limits.timeout_s:g} s) was reached"
                            stop = True
                        if progress is not None and now - last_report > 1.0:
                            progress(limits.progress(sr.size, depth, level, now - started))
                            last_report = now
                        if stop:
                            break
                    del rows, idxs
                    if sr.size > 200_000 and self._memory_mb(pool) > limits.max_memory_mb:
                        sr.limit_hit = f"the memory limit ({limits.max_memory_mb:g} MB) was reached"
                        stop = True
                    if not layers.get(depth + 1):
                        layers.pop(depth + 1, None)
                    if (
                        self.early
                        and need_graph
                        and not stop
                        and (sr.size >= next_look or not layers)
                        # nothing left to explore: the full pass below gives the answer
                        and (layers or any(lv > level for lv in buckets))
                        and _settled(found, len(bad), level, depth)
                    ):
                        next_look = 2 * sr.size
                        doomed = self._settled_doomed(sr, pool)
                        if doomed is not None:
                            decided = stop = True
                if not layers:
                    del buckets[level]
            del buckets
            shard_bytes = sum(pool.call("nbytes", [()] * pool.count)) if pool else 0
            self.bytes_per_state = (sr.nbytes() + shard_bytes) / max(sr.size, 1)
            seconds = time.perf_counter() - started
            if liveness and not decided:
                doomed = self._doomed(sr, pool)
            if pool is not None:
                self._workers_peak_mb = pool.workers_mb()
        except WorkerLost as why:
            sr.limit_hit = f"the search was stopped: {why}"
            self.bytes_per_state = sr.nbytes() / max(sr.size, 1)
            seconds = time.perf_counter() - started
            if not decided:
                doomed = None  # the graph's other part is gone with the worker
        finally:
            if pool is not None:
                pool.close()
        stats = Stats(sr.size, sr.transitions, sr.max_depth, round(seconds, 3))
        self.collision_probability = collision_probability(sr.size, sr.transitions)
        by_name: dict[str, GuaranteeResult] = {}
        for g in checked:
            hit: int | None = doomed
            if isinstance(g, Invariant):
                settled = found.get(g.guarantee)
                hit = settled[2] if settled is not None else None
            by_name[g.guarantee] = self._result(g, hit, sr, stats)
        return in_requested_order(system, guarantees, by_name)

    def _cut_goal(
        self,
        sr: _Store,
        need_graph: bool,
        bad: list[tuple[str, Predicate]],
        found: dict[str, tuple[int, int, int]],
        level: int,
        depth: int,
    ) -> bool:
        """Whether the goal states of layer (level, depth) may be left unexpanded: only
        at-least-once is still open (every invariant's counterexample is settled: nothing
        found from here on can precede it) and its goal is proved closed under every step,
        so a goal state's future holds no doomed state and no path to one."""
        if not (self.goal_cut and need_graph and sr.size >= self.goal_cut_from):
            return False
        if not _settled(found, len(bad), level, depth):
            return False
        if self._goal_closed is None:
            from mqcheck.engines.inductive_check import closed_under_steps

            live = [g for g in self.system.guarantees if isinstance(g, Eventually)]
            self._goal_closed = (
                bool(live) and closed_under_steps(self.system, live[0].goal, GOAL_PROOF_S).ok
            )
        return self._goal_closed

    def _memory_mb(self, pool: Pool | None) -> float:
        """The search's peak memory, its worker processes' included."""
        return peak_rss_mb() + (pool.workers_mb() if pool is not None else 0.0)

    def _migrate(
        self,
        sr: _Store,
        rows: Rows,
        idxs: Ints,
        level: int,
        depth: int,
        buckets: Buckets,
        invariants: list[Invariant],
        liveness: list[Eventually],
    ) -> Pool:
        """End the tuple phase: every state found so far into one shard's fingerprint set,
        every waiting row (`rows` are the rest of the layer being expanded) into its layers."""
        seen = self._seen
        assert seen is not None
        self._seen = None
        system = self.system
        goal = liveness[0].goal if liveness else None
        shard = Shard(
            self.expander,
            self.is_fault,
            compile_mask(system, goal) if goal is not None else None,
            [compile_mask(system, g.bad) for g in invariants],
            bool(liveness),
            subsume=self.subsumption,
        )
        bad = tuple(g.bad for g in invariants)
        self._model = ShardModel(system, goal, bad, bool(liveness), self.small, self.subsumption)
        flat = itertools.chain.from_iterable(seen)
        states = np.fromiter(flat, dtype=self.dtype, count=len(seen) * self.width)
        indexes = np.fromiter(seen.values(), dtype=np.int32, count=len(seen))
        if self.subsumption is None:
            shard.seed(fingerprint(states.reshape(-1, self.width)), indexes)
        else:
            both = self.subsumption.keys(states.reshape(-1, self.width))
            shard.seed_tagged(both.x, indexes, both.tag)
            self._xseen = {}
        shard.hold(level, depth, rows, idxs)
        for lv in sorted(buckets):
            for dp in sorted(buckets[lv]):
                waiting = buckets[lv][dp]
                for held, js in waiting:
                    if held is not None:
                        shard.hold(lv, dp, held, js)
                waiting[:] = [(None, js) for _, js in waiting]
        return LocalPool([shard])

    def _grow(self, pool: Pool, sr: _Store) -> Pool:
        """From one shard to `workers` once the search is big enough to pay for them."""
        if pool.count > 1 or sr.size < self.shard_from or not isinstance(pool, LocalPool):
            return pool
        if self.pool_factory is not None:
            assert self._model is not None
            shards = pool.shards[0].split(self.workers)
            placed = self.pool_factory(self._model, shards)
            pool.close()
            self.shards_used = self.workers
            return placed
        if self.workers == 1:
            return pool
        if self.processes and not fork_available():
            return pool  # shards in one process would only cost (no fork on this platform)
        assert isinstance(pool, LocalPool)
        shards = pool.shards[0].split(self.workers)
        if self.processes:
            try:
                grown: Pool = ProcessPool(shards)
            except (AssertionError, OSError):  # e.g. inside a daemonic process: no children
                return pool
        else:
            grown = LocalPool(shards)  # the protocol without processes, for tests
        pool.close()
        self.shards_used = self.workers
        return grown

    def _settle_shards(
        self,
        pool: Pool,
        pidx: Ints,
        level: int,
        depth: int,
        sr: _Store,
        here: list[Part],
        buckets: Buckets,
        bad_names: list[str],
        found: dict[str, tuple[int, int, int]],
        need_graph: bool,
        skip_goal: bool = False,
    ) -> bool:
        """One chunk of a layer (its states `pidx`) through the shards' four steps (see
        mqcheck.engines.shard); True when the state limit stops the search, after the same
        parent as the reference."""
        n = pool.count
        outs: list[Expanded] = pool.call(
            "expand", [(level, depth, int(pidx[-1]) + 1, skip_goal)] * n
        )
        if any(o.limit_hit for o in outs):
            sr.limit_hit = sr.limit_hit or self.system.limit_reason
        expanded = np.sort(np.concatenate([o.expanded for o in outs]))
        news: list[Ints] = pool.call("resolve", [([o.sends[k] for o in outs],) for k in range(n)])
        keys = np.concatenate(news)
        order = np.argsort(keys, kind="stable")
        ranked = keys[order]
        radix = self.expander.radix
        parents = ranked // radix
        n0 = sr.size
        k = len(ranked)
        cut = -1
        stop = False
        max_states = self.limits.max_states
        if n0 + k >= max_states and len(expanded):
            # the reference checks the limit after each expanded parent
            counts = np.searchsorted(parents, expanded, side="right")
            over = np.flatnonzero(n0 + counts >= max_states)
            if len(over):
                cut = int(expanded[over[0]])
                expanded = expanded[expanded <= cut]
                k = int(counts[over[0]])
                sr.limit_hit = f"the state limit ({max_states} states) was reached"
                stop = True
        numbers = np.full(len(ranked), -1, dtype=np.int64)
        numbers[order[:k]] = n0 + np.arange(k)
        bounds = np.cumsum([0] + [len(x) for x in news])
        answers = pool.call("commit", [(numbers[bounds[o] : bounds[o + 1]],) for o in range(n)])
        done: list[Finished] = pool.call(
            "finish", [([answers[o][s] for o in range(n)], cut, level, depth) for s in range(n)]
        )
        sr.expanded.data[expanded] = True
        if self.early:
            taken = np.concatenate([o.taken for o in outs])
            sr.closed.data[taken[taken <= cut] if cut >= 0 else taken] = True
        sr.transitions += sum(f.transitions for f in done)
        if k:
            act = self._action_of[ranked[:k] % radix]
            faults = level + self.is_fault[act]
            js = np.arange(n0, n0 + k, dtype=np.int64)
            sr.record(parents[:k], act, depth + 1, level, self.early)
            if need_graph:
                goal = np.zeros(k, dtype=bool)
                for f in done:
                    goal[f.new - n0] = f.goal
                sr.goal.extend(goal)
            for i, name in enumerate(bad_names):
                hits = np.concatenate([f.bad[i] for f in done])
                if len(hits):
                    best = int(hits[np.lexsort((hits, faults[hits - n0]))[0]])
                    key = (int(faults[best - n0]), depth + 1, best)
                    old = found.get(name)
                    if old is None or key < old:
                        found[name] = key
            same = faults == level
            if same.any():
                here.append((None, js[same]))
            if not same.all():
                buckets.setdefault(level + 1, {}).setdefault(depth + 1, []).append(
                    (None, js[~same])
                )
        if need_graph:
            for f in done:
                if len(f.src):
                    sr.add_edges(f.src, f.dst)
        return stop

    def _settle_tuples(
        self,
        parents: Rows,
        pidx: Ints,
        level: int,
        depth: int,
        sr: _Store,
        here: list[Part],
        buckets: Buckets,
        bad: list[tuple[str, Predicate]],
        found: dict[str, tuple[int, int, int]],
        goal_pred: Predicate | None,
        need_graph: bool,
        skip_goal: bool = False,
    ) -> bool:
        """`_successors` and `_settle` for the first phase, one state at a time as the
        reference does it (a dict of canonical tuples): on a small spec numpy's per-call
        cost would exceed the work. The same discovery order, so the same indices."""
        seen = self._seen
        assert seen is not None
        sub = self.subsumption
        xseen = self._xseen
        successors, canon, limit = self.compiled.successors, self.canon, self.future.limit
        permutes, is_fault = self.permutes.tolist(), self.is_fault.tolist()
        max_states = self.limits.max_states
        n0 = n = sr.size
        via: list[int] = []
        parent: list[int] = []
        faults: list[int] = []
        goal: list[bool] = []
        grouped: dict[int, tuple[list[State], list[int]]] = {}
        src: list[int] = []
        dst: list[int] = []
        expanded: list[int] = []
        transitions = 0
        stop = False
        indexes = pidx.tolist()
        upto = len(indexes)
        at_goal = sr.goal.view() if skip_goal else None
        for p, s in enumerate(map(tuple, parents.tolist())):
            if limit is not None and limit(s):
                sr.limit_hit = sr.limit_hit or self.system.limit_reason
                continue
            si = indexes[p]
            if at_goal is not None and at_goal[si]:
                continue  # its whole future is goal states (`_cut_goal`)
            expanded.append(si)
            succ = successors(s)
            transitions += len(succ)
            for a, t in succ:
                c = canon(t) if permutes[a] else t
                j = seen.get(c)
                if j is None and sub is not None:
                    bare, budgets = sub.split(c)
                    held = xseen.setdefault(bare, [])
                    for k, more in held:
                        if all(h >= w for h, w in zip(more, budgets, strict=True)):
                            j = k  # covered by a state of its part with as much left
                            break
                    else:
                        held.append((n, budgets))
                if j is None:
                    j = seen[c] = n
                    n += 1
                    parent.append(si)
                    via.append(a)
                    f = level + is_fault[a]
                    faults.append(f)
                    if goal_pred is not None:
                        goal.append(goal_pred(c))
                    states, js = grouped.setdefault(f, ([], []))
                    states.append(c)
                    js.append(j)
                    for name, pred in bad:
                        if pred(c):
                            key = (f, depth + 1, j)
                            best = found.get(name)
                            if best is None or key < best:
                                found[name] = key
                elif need_graph and not is_fault[a] and j != si:
                    src.append(si)
                    dst.append(j)
            if n >= max_states:
                sr.limit_hit = f"the state limit ({max_states} states) was reached"
                upto = p + 1
                stop = True
                break
        sr.expanded.data[expanded] = True
        if self.early:
            sr.closed.data[indexes[:upto]] = True
        sr.transitions += transitions
        k = n - n0
        if k:
            sr.record(np.array(parent), np.array(via), depth + 1, level, self.early)
            if goal_pred is not None:
                sr.goal.extend(goal)
            for f, (states, js) in grouped.items():
                flat = itertools.chain.from_iterable(states)
                rows = np.fromiter(flat, dtype=self.dtype, count=len(states) * self.width)
                entry = (rows.reshape(-1, self.width), np.array(js, dtype=np.int64))
                if f == level:
                    here.append(entry)
                else:
                    buckets.setdefault(f, {}).setdefault(depth + 1, []).append(entry)
        if src:
            sr.add_edges(np.array(src, dtype=np.int32), np.array(dst, dtype=np.int32))
        return stop

    # ---- at-least-once ---------------------------------------------------------------
    def _edges(self, sr: _Store) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """The fault-free edges found so far: each parent to the states it discovered
        without a fault (from `parent`/`via`), then the other ones stored."""
        parent, via = sr.parent.view(), sr.via.view()
        tree = np.flatnonzero(self.is_fault[via] == 0)
        tree = tree[tree > 0].astype(np.int32)
        tree = tree[~sr.goal.view()[parent[tree]]]  # out of a goal state: never needed
        src, dst = sr.edges()
        return np.concatenate([parent[tree], src]), np.concatenate([tree, dst])

    def _reach(self, sr: _Store, pool: Pool | None, targets: list[Bools]) -> list[Bools]:
        """Per target set, the states with a fault-free path to it (`backward_reach` over
        the explored graph). The targets must be nested, the last the smallest. A lean
        store (mqcheck.engines.lean_graph) follows the policy edges first and rebuilds only
        the states they leave unsettled, asking the shards' visited sets for indices."""
        if not sr.lean or pool is None:
            src, dst = self._edges(sr)
            return [backward_reach(t, src, dst) for t in targets]
        parent, via, depth = sr.parent.view(), sr.via.view(), sr.depths()
        step = policy(parent, via, self.is_fault, sr.alt.view(), depth)
        settled = [follow(step, t) for t in targets]
        left = np.flatnonzero(~settled[-1] & sr.expanded.view())
        rows = rebuild(self.expander, self._init_row, parent, via, depth, left)
        out_src, out_dst = edges_out(
            self.expander, self.is_fault, rows, left, lambda found: self._lookup(pool, found)
        )
        src32, dst32 = out_src.astype(np.int32), out_dst.astype(np.int32)
        return [backward_reach(ok, src32, dst32) for ok in settled]

    def _lookup(self, pool: Pool, rows: Rows) -> npt.NDArray[np.int32]:
        """The indices of the states rows are known by, each asked of the shard that owns
        it."""
        if pool.count == 1:
            found: npt.NDArray[np.int32] = pool.call("find", [(rows,)])[0]
            return found
        keys = self._keys(rows)
        who = owners(keys, pool.count)
        parts = [np.flatnonzero(who == k) for k in range(pool.count)]
        answers = pool.call("find", [(rows[at],) for at in parts])
        out = np.full(len(rows), -1, dtype=np.int32)
        for at, got in zip(parts, answers, strict=True):
            out[at] = got
        return out

    def _keys(self, rows: Rows) -> Fingerprints:
        """The key whose owner shard holds each row's state."""
        if self.subsumption is not None:
            return self.subsumption.keys(rows).full
        return fingerprint(rows)

    def _settled_doomed(self, sr: _Store, pool: Pool | None) -> int | None:
        """The reference's at-least-once answer, if the graph so far already fixes it.

        A state whose fault-free future is all expanded and misses the goal (and every
        limit state) is doomed now and in any larger graph; a state with a fault-free path
        to the goal or a limit state is never doomed. The rest is undecided, and states not
        found yet come after every state found so far in (faults, depth, index). So when
        the least doomed state precedes every undecided one, it is the state the full
        search would report."""
        goal, expanded = sr.goal.view(), sr.expanded.view()
        (maybe,) = self._reach(sr, pool, [goal | ~expanded])
        doomed = np.flatnonzero(~maybe)
        if not len(doomed):
            return None
        depth, faults = sr.depths(), sr.faults()
        best = int(doomed[np.lexsort((doomed, depth[doomed], faults[doomed]))[0]])
        # only now the narrower question (few states reach the goal itself yet)
        (able,) = self._reach(sr, pool, [goal | (sr.closed.view() & ~expanded)])
        open_ = np.flatnonzero(maybe & ~able)
        if len(open_):
            first = int(open_[np.lexsort((open_, depth[open_], faults[open_]))[0]])
            mine = (int(faults[best]), int(depth[best]), best)
            if (int(faults[first]), int(depth[first]), first) < mine:
                return None
        return best

    def _doomed(self, sr: _Store, pool: Pool | None) -> int | None:
        """The reference's judgement (mqcheck.engines.explicit): the shallowest, then
        fewest-fault reachable state whose fault-free future misses the goal."""
        (ok,) = self._reach(sr, pool, [sr.goal.view() | ~sr.expanded.view()])
        sr.src, sr.count, sr.dst = [], [], []  # the search is over
        bad = np.nonzero(~ok)[0]
        if not len(bad):
            return None
        depth = sr.depths(bad)
        faults = sr.faults(bad)
        return int(bad[np.lexsort((bad, depth, faults))[0]])

    # ---- results and traces ----------------------------------------------------------
    def _result(self, g: Checked, hit: int | None, sr: _Store, stats: Stats) -> GuaranteeResult:
        bounds = dict(self.system.bounds)
        name = g.guarantee
        if hit is not None:
            found = self.witness(sr, hit, g)
            return GuaranteeResult(
                name, "violated", self.engine, bounds, stats, None, witness=found
            )
        if sr.limit_hit:
            return GuaranteeResult(name, "unknown", self.engine, bounds, stats, None, sr.limit_hit)
        return GuaranteeResult(name, "holds", self.engine, bounds, stats)

    def path_to(self, sr: _Store, target: int) -> list[tuple[int, State]]:
        """Re-execute from the initial state along the stored parents, as the reference
        does: at each step the recorded action first, else the first action whose
        canonical successor is the recorded state (the path walks real, uncanonicalised
        states, on which the recorded action may be another broker's)."""
        parent, via = sr.parent.view(), sr.via.view()
        chain: list[int] = []
        j = target
        while j > 0:
            chain.append(j)
            j = int(parent[j])
        chain.reverse()
        updates = self.compiled.updates
        canonical: dict[int, State] = {0: self.canon(self.system.initial_state())}
        state = self.system.initial_state()
        path: list[tuple[int, State]] = []
        for j in chain:
            preferred = int(via[j])
            want = self.canon(updates[preferred](canonical[int(parent[j])]))
            canonical[j] = want
            options = sorted(self.compiled.successors(state), key=lambda at: at[0] != preferred)
            for a, t in options:
                if self.canon(t) == want:
                    path.append((a, t))
                    state = t
                    break
            else:  # pragma: no cover - would mean the search and the model disagree
                raise RuntimeError("counterexample could not be re-executed")
        return path

    def witness(self, sr: _Store, target: int, g: Checked) -> Witness:
        init = self.system.initial_state()
        return witness(self.system, self.future, g, init, self.path_to(sr, target))
