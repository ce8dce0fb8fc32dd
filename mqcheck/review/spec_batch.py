"""`mqcheck check SPEC SPEC...`: several specs checked side by side, one per worker.

Each spec is checked as `mqcheck check` checks it alone (the same guarantees, engine and
limits), its search in one process: the batch already keeps every worker busy. The results
come back in the order the specs were given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mqcheck.engines.progress import Progress, labelled
from mqcheck.result import CheckResult
from mqcheck.review.batch import BatchListener, Pool, run_batch
from mqcheck.run import check_spec, not_computed
from mqcheck.spec.schema import Spec


@dataclass(frozen=True)
class SpecCheck:
    """One spec's check as it goes to a worker: the resolved spec (workers never read
    YAML) and the command line's overrides."""

    spec: Spec
    guarantees: tuple[str, ...] = ()
    engine: str | None = None
    messages: int | None = None
    max_states: int | None = None
    timeout_s: float | None = None
    pdr: bool = False


def check_specs(
    checks: Sequence[SpecCheck],
    pool: Pool,
    progress: BatchListener | None = None,
    search_progress: Progress | None = None,
) -> list[CheckResult]:
    """Every check's result, in order. On a serial pool (`--workers 1`) the checks run
    here one after another, each search using every core and reporting to
    `search_progress`, as before batches existed. Raises ClusterUnavailable."""
    if pool.serial(len(checks)):
        several = len(checks) > 1
        return [
            _check(c, None, labelled(search_progress, c.spec.name) if several else search_progress)
            for c in checks
        ]
    return run_batch(_check_one, list(checks), pool, _not_computed, progress)


def _check(c: SpecCheck, workers: int | None, progress: Progress | None) -> CheckResult:
    return check_spec(
        c.spec,
        c.guarantees,
        c.engine,
        c.messages,
        c.max_states,
        timeout_s=c.timeout_s,
        progress=progress,
        workers=workers,
        pdr=c.pdr,
    )


def _check_one(c: SpecCheck) -> CheckResult:
    return _check(c, 1, None)


def _not_computed(c: SpecCheck, reason: str) -> CheckResult:
    return not_computed(c.spec, c.messages, reason, c.guarantees, c.engine)
