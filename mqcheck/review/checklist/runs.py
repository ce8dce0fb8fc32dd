"""Checking variants of one spec with another fault model, each variant checked once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from mqcheck.engines.progress import Progress, labelled
from mqcheck.result import CheckResult
from mqcheck.review.batch import BatchListener, Pool, run_batch
from mqcheck.run import check_spec, not_computed
from mqcheck.spec.schema import FAULT_NAMES, Faults, Spec

#: A review runs many variants; each one is capped well below `mqcheck check`'s default.
DEFAULT_MAX_STATES = 300_000
DEFAULT_TIMEOUT_S = 60.0

FaultKey = tuple[tuple[str, int], ...]


def fault_key(faults: Mapping[str, int]) -> FaultKey:
    """A canonical, hashable form of a fault budget (zero budgets left out)."""
    return tuple((name, int(faults[name])) for name in FAULT_NAMES if faults.get(name, 0))


@dataclass
class VariantRunner:
    """Checks `spec` under other fault budgets, with the spec's guarantees and bounds;
    every budget is checked at most once (the checklist and the profile share runs).

    `timeout` is the command line's `--timeout`: when given, the time limit of every run,
    the spec's own check included (per run, as `check.timeout_s` is); otherwise each variant
    stops at `timeout_s` or the spec's limit, whichever is lower. `progress` hears every
    run's search, labelled with the run it belongs to. `pool`: where `check_all` spreads
    its runs (None: here, one after another, each search showing its own progress);
    `batch_progress` hears such a batch's items come back."""

    spec: Spec
    max_states: int = DEFAULT_MAX_STATES
    timeout_s: float = DEFAULT_TIMEOUT_S
    messages: int | None = None
    timeout: float | None = None
    progress: Progress | None = None
    pool: Pool | None = None
    batch_progress: BatchListener | None = None
    _cache: dict[FaultKey, CheckResult] = field(default_factory=dict)
    _parts: list[VariantRunner] = field(default_factory=list)

    @property
    def runs(self) -> int:
        """Runs done, those of the runners made by `part` included."""
        return len(self._cache) + sum(p.runs for p in self._parts)

    def part(self, spec: Spec) -> VariantRunner:
        """A runner for a spec derived from this one (the checklist's consumer rows judge the
        spec without its share consumers), with the same limits; its runs count as ours."""
        child = replace(self, spec=spec, _cache={}, _parts=[])
        self._parts.append(child)
        return child

    def variant(self, faults: Mapping[str, int]) -> Spec:
        budgets = {name: int(faults.get(name, 0)) for name in FAULT_NAMES}
        return replace(self.spec, faults=Faults(**budgets), expect={})

    def check(self, faults: Mapping[str, int]) -> CheckResult:
        key = fault_key(faults)
        if key not in self._cache:
            budget = ", ".join(f"{name}={n}" for name, n in key) or "no faults"
            self._cache[key] = check_spec(
                *self._run(key).arguments(),
                progress=labelled(self.progress, f"run {self.runs + 1}, {budget}"),
            )
        return self._cache[key]

    def check_all(self, budgets: Sequence[Mapping[str, int]]) -> None:
        """Run every budget not run yet, spread over `pool` (they are independent); each
        result is then `check`'s answer for it, exactly as if it had run here."""
        keys = list(dict.fromkeys(k for k in map(fault_key, budgets) if k not in self._cache))
        if self.pool is None or self.pool.serial(len(keys)):
            for key in keys:
                self.check(dict(key))
            return
        found = run_batch(
            _run_variant, [self._run(k) for k in keys], self.pool, _failed, self.batch_progress
        )
        self._cache.update(zip(keys, found, strict=True))

    def _run(self, key: FaultKey) -> _Run:
        return _Run(
            self.variant(dict(key)),
            self.messages,
            min(self.max_states, self.spec.check.max_states),
            self.timeout or min(self.timeout_s, self.spec.check.timeout_s),
        )

    def spec_check(self, max_states: int | None = None) -> CheckResult:
        """The spec itself, with its own fault model, limits (or `max_states`) and expect:
        block, as `mqcheck check` gives it; variants with the same budget reuse it."""
        result = check_spec(
            self.spec,
            None,
            None,
            self.messages,
            max_states,
            self.timeout,
            progress=labelled(self.progress, "the spec"),
        )
        stripped = replace(result, expect={})
        self._cache.setdefault(fault_key(self.spec.faults.as_dict()), stripped)
        return result


@dataclass(frozen=True)
class _Run:
    """One variant's check as it goes to a worker: the resolved spec and its limits (a
    search on a worker runs in one process: the batch already uses every worker)."""

    spec: Spec
    messages: int | None
    max_states: int
    timeout_s: float

    def arguments(self) -> tuple[Spec, None, None, int | None, int, float]:
        return (self.spec, None, None, self.messages, self.max_states, self.timeout_s)


def _run_variant(run: _Run) -> CheckResult:
    return check_spec(*run.arguments(), workers=1)


def _failed(run: _Run, reason: str) -> CheckResult:
    return not_computed(run.spec, run.messages, reason)
