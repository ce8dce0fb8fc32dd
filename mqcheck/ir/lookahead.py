"""The one judgement at-least-once rests on: can the goal still be reached from a state
without further faults?

Written once, here, and read by every place that asks it: the explicit engine (over the
whole explored graph, `backward_reach`), the Z3 engine's judge of a candidate state
(`goal_plan`), the lost messages of a counterexample (`missing_parts`), replay, and repair's
witness check. The semantics, in all of them: only fault-free actions are followed; a state where
the system's `limit` holds (a modelling bound was exceeded) is not expanded and counts as
able to reach the goal, so a state is only judged doomed when its whole fault-free future
lies inside the model's bounds and misses the goal.

`explore` is the bounded breadth-first search itself; repair's filling (a fault-free way to
enable one action) uses it with a different target. `settle` answers the question a reader
asks of a doomed state: how does the loss then actually play out?
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mqcheck.ir.compile_py import Predicate, compile_predicate
from mqcheck.ir.symmetry import canonicalizer
from mqcheck.ir.system import Eventually, TransitionSystem

State = tuple[int, ...]
Successors = Callable[[State], Sequence[tuple[int, State]]]
#: States the fault-free future of one state may visit before the judgement gives up.
DEFAULT_STATES = 200_000


def _same(state: State) -> State:
    return state


@dataclass(frozen=True)
class Future:
    """What exploring a state's fault-free future needs: the successor function, which
    actions are faults, the canonical form of a state (symmetry) and the `limit`."""

    successors: Successors
    is_fault: Sequence[bool]
    canon: Callable[[State], State]
    limit: Predicate | None

    @staticmethod
    def of(system: TransitionSystem, successors: Successors) -> Future:
        """The system's future through `successors` (its compiled model's, or one that
        yields only some of them, as long as it yields every fault-free one)."""
        return Future(
            successors,
            [a.fault is not None for a in system.actions],
            canonicalizer(system) or _same,
            compile_predicate(system, system.limit) if system.limit is not None else None,
        )


@dataclass(frozen=True)
class Explored:
    """What `explore` found: per target, the shortest plan (action indices) from the start
    to a state where it holds, or None when no explored state satisfies it. `stopped` says
    why the search ended early ("states" or "time"), "" when it ran to completion (every
    target reached, or the bounded future exhausted)."""

    plans: tuple[tuple[int, ...] | None, ...]
    stopped: str = ""


def explore(
    future: Future,
    start: State,
    targets: Sequence[Callable[[State], bool]],
    max_states: int,
    max_depth: int | None = None,
    deadline: float | None = None,
) -> Explored:
    """Breadth-first over fault-free steps from `start` until every target holds somewhere,
    without expanding `limit` states or states at `max_depth`; states are told apart by
    their canonical form. A target is tested on each state as it is first seen; the search
    stops early once `max_states` states are seen or at `deadline` (perf_counter)."""
    plans: list[tuple[int, ...] | None] = [() if t(start) else None for t in targets]
    if all(p is not None for p in plans):
        return Explored(tuple(plans))
    parent: list[int] = [-1]
    via: list[int] = [-1]
    canon, limit, is_fault = future.canon, future.limit, future.is_fault
    seen = {canon(start)}
    queue: deque[tuple[State, int, int]] = deque([(start, 0, 0)])
    open_ = [i for i, p in enumerate(plans) if p is None]

    def plan_to(j: int) -> tuple[int, ...]:
        out = []
        while j > 0:
            out.append(via[j])
            j = parent[j]
        return tuple(out[::-1])

    while queue:
        if deadline is not None and time.perf_counter() > deadline:
            return Explored(tuple(plans), "time")
        s, si, depth = queue.popleft()
        if (limit is not None and limit(s)) or (max_depth is not None and depth >= max_depth):
            continue
        for a, t in future.successors(s):
            if is_fault[a]:
                continue
            c = canon(t)
            if c in seen:
                continue
            seen.add(c)
            parent.append(si)
            via.append(a)
            j = len(parent) - 1
            for i in [i for i in open_ if targets[i](t)]:
                plans[i] = plan_to(j)
                open_.remove(i)
            if not open_:
                return Explored(tuple(plans))
            if len(seen) >= max_states:
                return Explored(tuple(plans), "states")
            queue.append((t, j, depth + 1))
    return Explored(tuple(plans))


def or_limit(future: Future, target: Predicate) -> Callable[[State], bool]:
    """`target`, or a `limit` state: one past the model's bounds counts as reaching it."""
    limit = future.limit
    if limit is None:
        return target
    return lambda s: target(s) or limit(s)


def goal_plan(
    future: Future,
    goal: Predicate,
    start: State,
    max_states: int = DEFAULT_STATES,
    deadline: float | None = None,
) -> Explored:
    """Can the goal still be reached from `start` without faults? `plans[0]` is a shortest
    fault-free way to the goal or a limit state, None when there is none (doomed) — unless
    the search `stopped` first."""
    return explore(future, start, [or_limit(future, goal)], max_states, deadline=deadline)


def missing_parts(
    future: Future,
    parts: Mapping[str, Predicate],
    start: State,
    max_states: int = DEFAULT_STATES,
) -> tuple[tuple[str, ...], str]:
    """The goal parts no fault-free path from `start` reaches (the lost messages), shortest
    label first, and why the search stopped early ("" when it did not; then the parts not
    reached yet are reported). Each part is monotone, so reaching each part on its own
    agrees with reaching the whole goal."""
    labels = list(parts)
    found = explore(future, start, [or_limit(future, parts[k]) for k in labels], max_states)
    missing = [k for k, p in zip(labels, found.plans, strict=True) if p is None]
    return tuple(sorted(missing, key=lambda x: (len(x), x))), found.stopped


def part_predicates(system: TransitionSystem, live: Eventually) -> dict[str, Predicate]:
    return {label: compile_predicate(system, e) for label, e in live.parts.items()}


def backward_reach(
    able: npt.NDArray[np.bool_], src: npt.NDArray[np.int32], dst: npt.NDArray[np.int32]
) -> npt.NDArray[np.bool_]:
    """The same judgement over a whole explored graph: given the states `able` to reach
    the goal by themselves (goal states, and states not expanded: `limit` states and states
    a search limit left unexplored) and the fault-free edges src -> dst, every state from
    which some fault-free path leads to one of them (computed backwards with numpy)."""
    ok = able.copy()
    n = len(ok)
    if len(src):
        # the edges sorted by destination: one sort of (dst, src) packed in 64 bits is
        # twice as fast as an argsort and needs no index array
        packed = dst.astype(np.int64)
        packed <<= 32
        packed |= src.astype(np.uint32)
        packed.sort()
        src_by_dst = (packed & 0xFFFFFFFF).astype(np.int32)
        del packed
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(dst, minlength=n), out=starts[1:])
        # stamp[j] = the last position j was written at: keeps one of each value in a batch
        # of predecessors without sorting them
        stamp = np.zeros(n, dtype=np.int64 if len(src) >= 2**31 else np.int32)
        frontier: npt.NDArray[Any] = np.nonzero(ok)[0]
        while len(frontier):
            # predecessors of the frontier along fault-free edges
            lo, hi = starts[frontier], starts[frontier + 1]
            counts = hi - lo
            total = int(counts.sum())
            if total == 0:
                break
            idx = np.repeat(lo - np.cumsum(np.concatenate(([0], counts[:-1]))), counts) + np.arange(
                total
            )
            preds = src_by_dst[idx]
            preds = preds[~ok[preds]]
            at = np.arange(len(preds))
            stamp[preds] = at
            preds = preds[stamp[preds] == at]
            ok[preds] = True
            frontier = preds
    return ok


def settle(
    future: Future, start: State, max_states: int = DEFAULT_STATES
) -> tuple[tuple[int, ...] | None, str]:
    """How a run goes on from `start` without faults until it has settled: a shortest
    fault-free plan (action indices) to a state in a terminal strongly connected component
    of `start`'s fault-free future, i.e. a state from which every fault-free continuation
    stays among states it can come back to (a deadlock is the one-state case), so nothing
    that still happens changes anything for good. From a doomed state this is how the loss
    plays out: the election, the truncation, the consumer moving past the offset.

    Deterministic: breadth-first in the successor function's order, the first state found
    that lies in a terminal component (so the plan is a shortest one, ties broken by that
    order). A `limit` state is not expanded and so counts as settled (a doomed state's
    future holds none: reaching one would count as reaching the goal). None, with "states",
    when the future has more than `max_states` states (the components need all of it)."""
    canon, limit, is_fault = future.canon, future.limit, future.is_fault
    ids = {canon(start): 0}
    parent: list[int] = [-1]
    via: list[int] = [-1]
    out: list[list[int]] = [[]]
    queue: deque[tuple[State, int]] = deque([(start, 0)])
    while queue:
        s, si = queue.popleft()
        if limit is not None and limit(s):
            continue
        edges = out[si]
        for a, t in future.successors(s):
            if is_fault[a]:
                continue
            c = canon(t)
            j = ids.get(c)
            if j is None:
                if len(ids) >= max_states:
                    return None, "states"
                j = ids[c] = len(parent)
                parent.append(si)
                via.append(a)
                out.append([])
                queue.append((t, j))
            edges.append(j)
    # states are numbered in breadth-first order: the smallest settled one is the nearest
    j = min(_in_terminal_components(out))
    plan = []
    while j > 0:
        plan.append(via[j])
        j = parent[j]
    return tuple(plan[::-1]), ""


def _in_terminal_components(out: Sequence[Sequence[int]]) -> list[int]:
    """The nodes of the graph `out` (node -> successors) that lie in a strongly connected
    component no edge leaves; Tarjan's algorithm, iterative (futures are deep)."""
    n = len(out)
    index = [-1] * n
    low = [0] * n
    comp = [-1] * n
    on_stack = [False] * n
    stack: list[int] = []
    counter = components = 0
    for root in range(n):
        if index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, 0)]
        while work:
            v, k = work[-1]
            if k < len(out[v]):
                work[-1] = (v, k + 1)
                w = out[v][k]
                if index[w] == -1:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, 0))
                elif on_stack[w]:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    comp[w] = components
                    if w == v:
                        break
                components += 1
    leaves = [True] * components
    for v in range(n):
        for w in out[v]:
            if comp[w] != comp[v]:
                leaves[comp[v]] = False
    return [v for v in range(n) if leaves[comp[v]]]
