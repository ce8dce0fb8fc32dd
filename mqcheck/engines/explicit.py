"""Explicit-state model checking: breadth-first search over canonical states.

States are tuples of ints; the visited set holds 64-bit fingerprints (Python's tuple
hash, deterministic for ints) with the parent's index and the action taken, as TLC and
Stateright do; a counterexample is rebuilt afterwards by re-executing from the initial
state along the fingerprints. States are expanded in order of (faults used, depth): the
violation reported is one with the fewest faults and, among those, a shortest one (a
reviewer believes a one-fault story; DESIGN.md).

Safety guarantees (`Invariant`: at-most-once, ordering) are state predicates checked as
states are found. An `Eventually` (at-least-once) needs the whole graph: a reachable state
from which no fault-free path reaches the goal is a violation, judged as mqcheck.ir.lookahead
defines it (`backward_reach` over the fault-free edges). A violation is returned as a
`Witness` (the path and its labels); the trace layer writes its steps. Limits end in
`unknown`, never in `holds`.
"""

from __future__ import annotations

import resource
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mqcheck.engines.composite import in_requested_order
from mqcheck.engines.progress import Progress as Progress  # re-exported: frontier imports it
from mqcheck.engines.progress import SearchProgress
from mqcheck.engines.visited import collision_probability
from mqcheck.engines.witness import witness
from mqcheck.ir.compile_py import CompiledSystem, Predicate, compile_predicate, compile_system
from mqcheck.ir.independence import (
    AmpleSets,
    EnablingSets,
    Independence,
    cycle_proviso_met,
    visible_variables,
)
from mqcheck.ir.lookahead import Future, backward_reach
from mqcheck.ir.system import Checked, Eventually, Invariant, TransitionSystem
from mqcheck.result import GuaranteeResult, Stats, Witness

State = tuple[int, ...]
Successors = list[tuple[int, State]]


@dataclass
class Limits:
    max_states: int = 5_000_000
    timeout_s: float = 600.0
    max_memory_mb: float = 16_000.0

    def progress(self, states: int, depth: int, faults: int, seconds: float) -> SearchProgress:
        """A progress report of a search under these limits (the memory read now)."""
        return SearchProgress.measured(
            states, depth, faults, seconds, self.max_states, self.timeout_s
        )


@dataclass
class _Search:
    """Everything the BFS keeps: one entry per canonical state."""

    fps: dict[int, int] = field(default_factory=dict)
    parent: array[int] = field(default_factory=lambda: array("i"))
    via: array[int] = field(default_factory=lambda: array("i"))
    depth: array[int] = field(default_factory=lambda: array("H"))
    faults: array[int] = field(default_factory=lambda: array("H"))
    expanded: bytearray = field(default_factory=bytearray)
    goal: bytearray = field(default_factory=bytearray)
    src: array[int] = field(default_factory=lambda: array("i"))
    dst: array[int] = field(default_factory=lambda: array("i"))
    transitions: int = 0
    limit_hit: str = ""


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ExplicitChecker:
    """Built from a transition system; `check` answers for the requested guarantees."""

    def __init__(
        self, system: TransitionSystem, limits: Limits | None = None, por: bool = False
    ) -> None:
        """`por`: partial-order reduction when every checked guarantee is an invariant
        (docs/engines.md, "Partial-order reduction"); verdicts and counterexamples stay the
        reference's, the stats of a `holds` count the reduced search."""
        if len(system.starts()) > 1:
            # a union of configurations: `--symbolic` checks each one on its own here
            raise ValueError(f"{system.name}: the explicit engine needs one initial state")
        self.system = system
        self.limits = limits or Limits()
        self.compiled: CompiledSystem = compile_system(system)
        self.future = Future.of(system, self.compiled.successors)
        self.canon = self.future.canon
        symmetric = {v for sym in system.symmetries for m in sym.members for v in m}
        symmetric |= {v for sym in system.symmetries for v in (*sym.index_vars, *sym.mask_vars)}
        self.permutes = [bool(a.writes() & symmetric) for a in system.actions]
        self.limit_pred: Predicate | None = self.future.limit
        self.por = por
        self.enabling: EnablingSets | None = None
        #: the stats of the last reduced search, before any unreduced re-check (benchmarks)
        self.reduced_stats: Stats | None = None

    # ---- search ----------------------------------------------------------------------
    def check(
        self, guarantees: Sequence[str], progress: Progress | None = None
    ) -> list[GuaranteeResult]:
        started = time.perf_counter()
        ample = self._ample_sets(guarantees)
        results = self._check(guarantees, started, progress, ample)
        if ample is not None:
            self.reduced_stats = results[0].stats if results else None
            results = self._unreduced_violations(results, progress)
        peak_mb = peak_rss_mb()
        return [
            GuaranteeResult(
                r.guarantee,
                r.verdict,
                r.engine,
                r.bounds,
                Stats(
                    r.stats.states,
                    r.stats.transitions,
                    r.stats.depth,
                    r.stats.seconds,
                    round(peak_mb, 1),
                    collision_probability(r.stats.states, r.stats.transitions),
                ),
                r.counterexample,
                r.reason,
                r.witness,
            )
            for r in results
        ]

    def _ample_sets(self, guarantees: Sequence[str]) -> AmpleSets | None:
        """The reduction for these guarantees, or None: off unless asked for, and off as
        soon as one checked guarantee is not an invariant (at-least-once needs the whole
        graph; docs/engines.md says why the argument does not carry over)."""
        checked = self.system.checked(guarantees)
        if not self.por or not checked or not all(isinstance(g, Invariant) for g in checked):
            return None
        bad = [g.bad for g in checked if isinstance(g, Invariant)]
        relation = Independence.of(self.system, visible_variables(self.system, bad))
        self.enabling = EnablingSets(self.system, relation)
        return AmpleSets(relation)

    def _unreduced_violations(
        self, results: list[GuaranteeResult], progress: Progress | None
    ) -> list[GuaranteeResult]:
        """A violation the reduced search found is real, but its trace need not be the
        fewest-fault, shortest one the reference reports: the violated guarantees are
        checked again without the reduction (which stops as soon as they are settled), so
        their verdicts and counterexamples are the reference's. Should that search hit a
        limit first, the reduced search's violation (and trace) stands."""
        violated = [r.guarantee for r in results if r.verdict == "violated"]
        if not violated:
            return results
        again = ExplicitChecker(self.system, self.limits)
        redo = {r.guarantee: r for r in again._check(violated, time.perf_counter(), progress)}
        return [
            redo[r.guarantee]
            if r.guarantee in redo and redo[r.guarantee].verdict == "violated"
            else r
            for r in results
        ]

    def _reduce(
        self, ample: AmpleSets, state: State, succ: Successors, index: int, fps: dict[int, int]
    ) -> Successors:
        """The successors a reduced expansion of state `index` follows: an ample subset
        when one exists and the cycle proviso is met, else all of them."""
        enabling = self.enabling.of_state(state) if self.enabling is not None else None
        chosen = ample.choose([a for a, _ in succ], enabling)
        if chosen is None:
            return succ
        keep = set(chosen)
        subset = [(a, t) for a, t in succ if a in keep]
        canon, permutes = self.canon, self.permutes
        found = (fps.get(hash(canon(t) if permutes[a] else t)) for a, t in subset)
        return subset if cycle_proviso_met(found, index) else succ

    def _check(
        self,
        guarantees: Sequence[str],
        started: float,
        progress: Progress | None,
        ample: AmpleSets | None = None,
    ) -> list[GuaranteeResult]:
        system = self.system
        checked = system.checked(guarantees)
        invariants = [g for g in checked if isinstance(g, Invariant)]
        liveness = [g for g in checked if isinstance(g, Eventually)]
        bad = [(g.guarantee, compile_predicate(system, g.bad)) for g in invariants]
        goal_pred = compile_predicate(system, liveness[0].goal) if liveness else None
        need_graph = bool(liveness)

        sr = _Search()
        # (faults used, depth, index) of the best violation found so far, per guarantee
        found: dict[str, tuple[int, int, int]] = {}
        init = self.canon(system.initial_state())
        self._add_initial(sr, init, goal_pred)
        for name, pred in bad:
            if pred(init):
                found[name] = (sr.faults[0], 0, 0)
        # Buckets by (faults used, depth), processed in that order: the first violation
        # settled is one with the fewest faults, and among those the shortest.
        buckets: dict[int, dict[int, list[tuple[State, int]]]] = {sr.faults[0]: {0: [(init, 0)]}}
        successors = self.compiled.successors
        canon = self.canon
        limits = self.limits
        is_fault = [1 if f else 0 for f in self.future.is_fault]
        permutes = self.permutes
        limit_pred = self.limit_pred
        last_report = started
        stop = False
        while buckets and not stop:
            level = min(buckets)
            layers = buckets[level]
            while layers and not stop:
                depth = min(layers)
                if (
                    bad
                    and not need_graph
                    and len(found) == len(bad)
                    and all(key <= (level, depth + 1, -1) for key in found.values())
                ):
                    stop = True
                    break
                layer = layers.pop(depth)
                fps, parent_arr, via_arr = sr.fps, sr.parent, sr.via
                depth_arr, faults_arr, expanded, goal_arr = (
                    sr.depth,
                    sr.faults,
                    sr.expanded,
                    sr.goal,
                )
                src_arr, dst_arr = sr.src, sr.dst
                here = layers.setdefault(depth + 1, [])
                child_depth = min(depth + 1, 65535)
                for s, si in layer:
                    if limit_pred is not None and limit_pred(s):
                        sr.limit_hit = sr.limit_hit or system.limit_reason
                        continue
                    expanded[si] = 1
                    succ = successors(s)
                    if ample is not None and len(succ) > 1:
                        succ = self._reduce(ample, s, succ, si, fps)
                    sr.transitions += len(succ)
                    for a, t in succ:
                        # an action that writes no symmetric variable keeps a canonical
                        # state canonical
                        c = canon(t) if permutes[a] else t
                        h = hash(c)
                        known = fps.get(h)
                        if known is not None:
                            j = known
                        else:
                            # a new state: its fault count is its parent's plus this action's
                            j = len(parent_arr)
                            fps[h] = j
                            parent_arr.append(si)
                            via_arr.append(a)
                            depth_arr.append(child_depth)
                            f = level + is_fault[a]
                            faults_arr.append(f)
                            expanded.append(0)
                            if goal_pred is not None:
                                goal_arr.append(1 if goal_pred(c) else 0)
                            if f == level:
                                here.append((c, j))
                            else:
                                buckets.setdefault(f, {}).setdefault(depth + 1, []).append((c, j))
                            for name, pred in bad:
                                if pred(c):
                                    key = (f, depth + 1, j)
                                    best = found.get(name)
                                    if best is None or key < best:
                                        found[name] = key
                        if need_graph and not is_fault[a]:
                            src_arr.append(si)
                            dst_arr.append(j)
                    if len(sr.fps) >= limits.max_states:
                        sr.limit_hit = f"the state limit ({limits.max_states} states) was reached"
                        stop = True
                        break
                    now = time.perf_counter()
                    if now - started > limits.timeout_s:
                        sr.limit_hit = f"the time limit ({limits.timeout_s:g} s) was reached"
                        stop = True
                        break
                    if progress is not None and now - last_report > 1.0:
                        progress(limits.progress(len(sr.fps), depth, level, now - started))
                        last_report = now
                if len(sr.fps) > 200_000 and peak_rss_mb() > limits.max_memory_mb:
                    sr.limit_hit = f"the memory limit ({limits.max_memory_mb:g} MB) was reached"
                    stop = True
                if not layers.get(depth + 1):
                    layers.pop(depth + 1, None)
            if not layers:
                del buckets[level]
        seconds = time.perf_counter() - started
        max_depth = max(sr.depth) if len(sr.depth) else 0
        stats = Stats(len(sr.fps), sr.transitions, max_depth, round(seconds, 3))
        doomed: int | None = None
        if liveness:
            doomed = self._doomed(sr)
        by_name: dict[str, GuaranteeResult] = {}
        for g in checked:
            hit: int | None = doomed
            if isinstance(g, Invariant):
                settled = found.get(g.guarantee)
                hit = settled[2] if settled is not None else None
            by_name[g.guarantee] = self._result(g, hit, sr, stats)
        return in_requested_order(system, guarantees, by_name)

    @staticmethod
    def _add_initial(sr: _Search, state: State, goal: Predicate | None) -> None:
        """Entry 0: the initial state, with no parent and no fault used."""
        sr.fps[hash(state)] = 0
        sr.parent.append(-1)
        sr.via.append(-1)
        sr.depth.append(0)
        sr.faults.append(0)
        sr.expanded.append(0)
        if goal is not None:
            sr.goal.append(1 if goal(state) else 0)

    # ---- at-least-once ---------------------------------------------------------------
    def _doomed(self, sr: _Search) -> int | None:
        """The shallowest (then fewest-fault) reachable state from which the goal is out of
        reach along fault-free edges. Unexpanded states (limits) count as able to reach it,
        so a state reported here is a real violation."""
        # the judgement of mqcheck.ir.lookahead over the whole graph: goal states and states
        # not expanded (limit states, and those a search limit left) can reach the goal
        able = np.frombuffer(bytes(sr.goal), dtype=np.uint8).astype(bool)
        able |= ~np.frombuffer(bytes(sr.expanded), dtype=np.uint8).astype(bool)
        src = np.frombuffer(sr.src, dtype=np.int32)
        dst = np.frombuffer(sr.dst, dtype=np.int32)
        ok = backward_reach(able, src, dst)
        bad = np.nonzero(~ok)[0]
        if not len(bad):
            return None
        depth = np.frombuffer(sr.depth, dtype=np.uint16)[bad]
        faults = np.frombuffer(sr.faults, dtype=np.uint16)[bad]
        best = np.lexsort((bad, depth, faults))[0]
        return int(bad[best])

    # ---- results and traces ----------------------------------------------------------
    def _result(self, g: Checked, hit: int | None, sr: _Search, stats: Stats) -> GuaranteeResult:
        bounds = dict(self.system.bounds)
        guarantee = g.guarantee
        if hit is not None:
            found = self.witness(sr, hit, g)
            return GuaranteeResult(
                guarantee, "violated", "explicit", bounds, stats, None, witness=found
            )
        if sr.limit_hit:
            return GuaranteeResult(
                guarantee, "unknown", "explicit", bounds, stats, None, sr.limit_hit
            )
        return GuaranteeResult(guarantee, "holds", "explicit", bounds, stats)

    def path_to(self, sr: _Search, target: int) -> list[tuple[int, State]]:
        """Re-execute from the initial state along the stored fingerprints: at each step
        pick an action whose canonical successor has the recorded fingerprint."""
        chain = []
        j = target
        while j > 0:
            chain.append(j)
            j = sr.parent[j]
        chain.reverse()
        fp_of = {idx: fp for fp, idx in sr.fps.items()} if chain else {}
        state = self.system.initial_state()
        path: list[tuple[int, State]] = []
        for j in chain:
            want = fp_of[j]
            preferred = sr.via[j]
            options = sorted(self.compiled.successors(state), key=lambda at: at[0] != preferred)
            for a, t in options:
                if hash(self.canon(t)) == want:
                    path.append((a, t))
                    state = t
                    break
            else:  # pragma: no cover - would mean the search and the model disagree
                raise RuntimeError("counterexample could not be re-executed")
        return path

    def witness(self, sr: _Search, target: int, g: Checked) -> Witness:
        init = self.system.initial_state()
        return witness(self.system, self.future, g, init, self.path_to(sr, target))
