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
enable one action) uses it with a different target.
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
        order = np.argsort(dst, kind="stable")
        src_by_dst = src[order]
        starts = np.searchsorted(dst[order], np.arange(n + 1))
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
            preds = np.unique(src_by_dst[idx])
            preds = preds[~ok[preds]]
            ok[preds] = True
            frontier = preds
    return ok
