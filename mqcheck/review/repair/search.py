"""`mqcheck repair`: the cheapest configuration change after which a guarantee holds.

Counterexample-guided (CEGIS): Z3 proposes the cheapest configuration that Kafka accepts
and that no learned clause rules out (solver.py); the loader builds it as a spec
(variants.py); the explicit engine checks it. A counterexample teaches which settings
it depends on (learn.py) and becomes a clause; a configuration that holds is a
repair, and its supersets are ruled out so the next answer is a genuinely different one.
Every repair reported is a configuration the explicit engine checked and found to hold, so
the answers are sound whatever the learning does; the learning only steers the search and
backs the "no repair exists" answer (docs/repair.md, "Soundness").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mqcheck import exits
from mqcheck.result import GuaranteeResult
from mqcheck.review.batch import Pool, require, run_batch
from mqcheck.review.repair.cost import change_cost, weight
from mqcheck.review.repair.learn import Learner
from mqcheck.review.repair.rules import rules
from mqcheck.review.repair.solver import Config, Proposer, SolverGaveUp
from mqcheck.review.repair.space import Knob, SearchSpace, Write, search_space
from mqcheck.review.repair.variants import Variants, same
from mqcheck.review.repair.yaml_edit import unshared
from mqcheck.review.spec_variants import apply
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec_data
from mqcheck.spec.schema import Spec

#: Proposals checked before the search gives up with `unknown`.
MAX_ITERATIONS = 200
#: A smaller budget for each "what if this fault were excluded" search.
EXCLUSION_ITERATIONS = 60

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Change:
    knob: Knob
    new: object
    cost: int
    why: str  # what the new value costs in production


@dataclass(frozen=True)
class Alternative:
    config: Config
    changes: tuple[Change, ...]
    writes: tuple[Write, ...]  # what -o writes: the changes, then the pins
    pins: tuple[Write, ...]  # unchanged settings written so they keep their value
    cost: int
    result: GuaranteeResult  # the explicit engine's re-check of the repaired spec
    others: tuple[tuple[str, str, str], ...]  # (guarantee, verdict before, verdict after)
    repaired: Spec  # the spec that was checked


@dataclass(frozen=True)
class SearchStats:
    knobs: int = 0
    configurations: int = 0
    proposals: int = 0
    refuted: int = 0
    refused: int = 0  # Kafka (the loader) refused the proposal
    inconclusive: int = 0  # a limit was hit while checking it
    clauses: int = 0
    replays: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Exclusion:
    """What excluding one fault (its budget set to 0) would allow."""

    fault: str
    budget: int
    status: str  # repaired | holds | no_repair | unknown
    alternative: Alternative | None = None
    reason: str = ""  # unknown: why, when it is not a limit of the search (a worker died)


@dataclass(frozen=True)
class Repair:
    spec: Spec
    guarantee: str
    status: str  # holds | repaired | no_repair | unknown
    baseline: GuaranteeResult
    space: SearchSpace
    alternatives: tuple[Alternative, ...] = ()
    stats: SearchStats = SearchStats()
    exclusions: tuple[Exclusion, ...] = ()
    reason: str = ""

    def exit_code(self) -> int:
        """0 repaired or already holding, 1 no repair exists, 3 unknown (docs/repair.md)."""
        return exits.for_repair(self.status)


@dataclass(frozen=True)
class Options:
    allow: Sequence[str] = ()
    freeze: Sequence[str] = ()
    max_states: int | None = None
    alternatives: int = 3
    max_iterations: int = MAX_ITERATIONS
    # the limit of the whole search and of each check in it; None: the spec's check.timeout_s
    timeout_s: float | None = None
    exclusions: bool = True
    # where the exclusion searches run, side by side (None: here, one after another)
    pool: Pool | None = None


def repair(
    spec: Spec,
    data: Mapping[str, Any],
    guarantee: str,
    options: Options = Options(),
    progress: Progress | None = None,
) -> Repair:
    """Repair `spec` (loaded from the YAML `data`, see `LoadResult.data`) for `guarantee`.
    Raises ClusterUnavailable when `options.pool` names a cluster that cannot be used."""
    if options.pool is not None:
        require(options.pool)
    return _repair(spec, unshared(data), guarantee, options, progress)


def _check(spec: Spec, guarantees: Sequence[str], options: Options) -> tuple[GuaranteeResult, ...]:
    return check_spec(
        spec, guarantees, "explicit", None, options.max_states, options.timeout_s
    ).results


@dataclass(frozen=True)
class _Problem:
    """One repair question: the spec with the YAML data it was loaded from, what may change,
    the guarantee to make hold, and how hard to look. The search and the exclusions read it."""

    spec: Spec
    data: Mapping[str, Any]
    space: SearchSpace
    guarantee: str
    options: Options
    progress: Progress | None


def _repair(
    spec: Spec,
    data: Mapping[str, Any],
    guarantee: str,
    options: Options,
    progress: Progress | None,
) -> Repair:
    started = time.monotonic()
    space = search_space(spec, options.allow, options.freeze)
    (baseline,) = _check(spec, (guarantee,), options)
    if baseline.verdict != "violated":
        status = "holds" if baseline.verdict == "holds" else "unknown"
        return Repair(spec, guarantee, status, baseline, space, reason=baseline.reason)
    problem = _Problem(spec, data, space, guarantee, options, progress)
    found, stats, limit = _Search(problem).run(baseline, started)
    if found:
        return Repair(spec, guarantee, "repaired", baseline, space, tuple(found), stats)
    if limit:
        return Repair(spec, guarantee, "unknown", baseline, space, (), stats, reason=limit)
    exclusions = _exclusions(problem)
    return Repair(spec, guarantee, "no_repair", baseline, space, (), stats, exclusions)


class _Search:
    def __init__(self, problem: _Problem) -> None:
        spec, space, guarantee = problem.spec, problem.space, problem.guarantee
        self.spec = spec
        self.space = space
        self.guarantee = guarantee
        self.options = problem.options
        self.progress = problem.progress or (lambda _message: None)
        self.rules = rules(space, spec)
        self.variants = Variants(spec, problem.data, space)
        self.learner = Learner(space, self.rules, self.variants.realise, guarantee)
        self.proposer = Proposer(space, self.rules)
        self.others = tuple(g for g in spec.checked_guarantees() if g != guarantee)
        self.before = {r.guarantee: r.verdict for r in _check(spec, self.others, self.options)}

    def run(
        self, baseline: GuaranteeResult, started: float
    ) -> tuple[list[Alternative], SearchStats, str]:
        """The repairs found, the statistics, and the limit that stopped the search ("")."""
        timeout = self.options.timeout_s or self.spec.check.timeout_s
        stats = SearchStats(len(self.space.knobs), self.space.size())
        found: list[Alternative] = []
        current = self.space.current()
        limit = ""
        assert baseline.counterexample is not None
        self._learn(current, baseline)
        stats = replace(stats, clauses=1)
        while len(found) < self.options.alternatives:
            if stats.proposals >= self.options.max_iterations:
                limit = f"{stats.proposals} proposals checked without a verdict (the limit)"
                break
            if time.monotonic() - started > timeout:
                limit = f"the search ran out of time ({timeout:g} s)"
                break
            try:
                config = self.proposer.propose()
            except SolverGaveUp as why:
                limit = f"Z3 gave up proposing: {why}"
                break
            if config is None:
                break
            stats = replace(stats, proposals=stats.proposals + 1)
            stats, alternative = self._try(config, stats)
            if alternative is not None:
                found.append(alternative)
                self.progress(f"repair {len(found)}: cost {alternative.cost}")
        stats = replace(
            stats, replays=self.learner.replays_run, seconds=round(time.monotonic() - started, 3)
        )
        if found or limit:
            return found, stats, limit if not found else ""
        if stats.inconclusive:
            limit = f"{stats.inconclusive} proposal(s) hit a limit before a verdict"
        return found, stats, limit

    def _learn(self, config: Config, result: GuaranteeResult) -> None:
        assert result.counterexample is not None
        involved = self.learner.involved(config, result.counterexample)
        self.proposer.exclude(config, involved)

    def _try(self, config: Config, stats: SearchStats) -> tuple[SearchStats, Alternative | None]:
        every = range(len(config))
        variant = self.variants.get(config)
        if variant.spec is None:
            self.proposer.exclude(config, every)
            return replace(stats, refused=stats.refused + 1), None
        (result,) = _check(variant.spec, (self.guarantee,), self.options)
        self.progress(f"proposal {stats.proposals}: {result.verdict}")
        if result.verdict == "violated" and result.counterexample is not None:
            self._learn(config, result)
            return replace(stats, refuted=stats.refuted + 1, clauses=stats.clauses + 1), None
        if result.verdict != "holds":
            self.proposer.exclude(config, every)
            return replace(stats, inconclusive=stats.inconclusive + 1), None
        changed = [
            i
            for i, (k, v) in enumerate(zip(self.space.knobs, config, strict=True))
            if not same(v, k.current)
        ]
        self.proposer.exclude(config, changed)  # its supersets are no new answer
        after = {r.guarantee: r.verdict for r in _check(variant.spec, self.others, self.options)}
        others = tuple(
            (g, self.before.get(g, "unknown"), after.get(g, "unknown")) for g in self.others
        )
        changes = tuple(
            Change(self.space.knobs[i], config[i], *self._cost(i, config[i])) for i in changed
        )
        alternative = Alternative(
            config,
            changes,
            (*variant.changes, *variant.pins),
            variant.pins,
            self.proposer.cost(config),
            result,
            others,
            variant.spec,
        )
        return stats, alternative

    def _cost(self, i: int, value: object) -> tuple[int, str]:
        knob = self.space.knobs[i]
        return change_cost(knob, value), weight(knob, value)[1]


@dataclass(frozen=True)
class _ExclusionTask:
    """One exclusion search as it goes to a worker: the spec with the fault set to 0 (and
    the YAML data it was loaded from), and the narrowed options."""

    spec: Spec
    data: Mapping[str, Any]
    guarantee: str
    options: Options
    fault: str
    budget: int


def _exclusions(p: _Problem) -> tuple[Exclusion, ...]:
    """For each fault of the model that is not searched, set alone to 0: is there a repair?
    The searches are independent of each other: with `options.pool` they run side by side,
    and come back in the order of the faults."""
    if not p.options.exclusions:
        return ()
    narrow = replace(
        p.options,
        alternatives=1,
        exclusions=False,
        max_iterations=EXCLUSION_ITERATIONS,
        pool=None,
    )
    tasks = []
    for fault, budget in p.space.fixed_faults.items():
        reduced = apply(p.data, ("faults", fault), False if fault == "follower_lag" else 0)
        loaded = load_spec_data(reduced, p.spec.path)
        if loaded.spec is None:
            continue
        tasks.append(_ExclusionTask(loaded.spec, reduced, p.guarantee, narrow, fault, budget))
    pool = p.options.pool
    if pool is None or pool.serial(len(tasks)):
        return tuple(_exclusion(t, p.progress) for t in tasks)
    return tuple(run_batch(_exclusion, tasks, pool, _exclusion_failed))


def _exclusion(task: _ExclusionTask, progress: Progress | None = None) -> Exclusion:
    sub = _repair(task.spec, task.data, task.guarantee, task.options, progress)
    best = sub.alternatives[0] if sub.alternatives else None
    return Exclusion(task.fault, task.budget, sub.status, best)


def _exclusion_failed(task: _ExclusionTask, reason: str) -> Exclusion:
    """An exclusion search no worker finished: unknown, never "no repair"."""
    return Exclusion(task.fault, task.budget, "unknown", reason=reason)
