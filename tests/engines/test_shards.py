"""The sharded search (mqcheck.engines.shard) gives the single-process answers exactly.

Sharding decides only where states are stored and expanded; the states, their indices,
the counts and every counterexample must be those of one process, which are the
reference engine's. The protocol is tested with the shards in this process (any count, on
random specs, split at random points of the search), and once with real worker processes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.frontier import LEAN_FROM, FrontierChecker
from mqcheck.engines.shard import Shard, _part_then_key
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import with_traces
from tests.engines.test_frontier import GUARANTEES, _summary
from tests.factories import make_spec
from tests.strategies import small_specs


def _sharded_answers(
    spec: Spec,
    workers: int,
    shard_from: int,
    chunk: int,
    cap: int,
    early: bool = False,
    lean_from: int = LEAN_FROM,
) -> None:
    try:
        system = build(spec, GUARANTEES)
    except UnsupportedSpec:
        return
    limits = Limits(max_states=cap, timeout_s=120)
    want = with_traces(system, ExplicitChecker(system, limits).check(GUARANTEES))
    checker = FrontierChecker(
        system, limits, small=1, chunk=chunk, tuple_states=0, workers=workers,
        shard_from=shard_from, processes=False, early=early, lean_from=lean_from,
    )  # fmt: skip
    got = with_traces(system, checker.check(GUARANTEES))
    if shard_from == 0:
        assert checker.shards_used == workers
    if early:
        assert [(g.guarantee, g.verdict) for g in got] == [(w.guarantee, w.verdict) for w in want]
        assert [_summary(g)[7] for g in got] == [_summary(w)[7] for w in want]
    else:
        assert [_summary(r) for r in got] == [_summary(r) for r in want]
    for r in got:
        if r.counterexample is not None:
            steps = [step_json(s) for s in r.counterexample.steps]
            assert replay(system, r.guarantee, steps).ok, r.guarantee


@settings(
    max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    small_specs(),
    st.sampled_from([2, 3]),
    st.sampled_from([0, 40, 2000]),
    st.sampled_from([5, 64, 4096]),
    st.sampled_from([60, 20_000]),
)
def test_shards_give_the_reference_answers_on_random_specs(
    spec: Spec, workers: int, shard_from: int, chunk: int, cap: int
) -> None:
    _sharded_answers(spec, workers, shard_from, chunk, cap)


@settings(
    max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_specs(), st.sampled_from([300, 20_000]))
def test_shards_with_early_verdicts_give_the_full_searchs_answer(spec: Spec, cap: int) -> None:
    _sharded_answers(spec, 2, 0, 97, cap, early=True)


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(), st.integers(2, 4), st.integers(0, 3000), st.integers(1, 3000),
       st.integers(2, 100_000))  # fmt: skip
def test_shards_on_many_random_specs(
    spec: Spec, workers: int, shard_from: int, chunk: int, cap: int
) -> None:
    _sharded_answers(spec, workers, shard_from, chunk, cap)


def test_worker_processes_give_one_processs_answers() -> None:
    system = build(
        make_spec(rf=3, min_isr=2, faults={"broker_crash": 1, "consumer_crash": 1}), GUARANTEES
    )
    limits = Limits(max_states=200_000, timeout_s=120)
    one = FrontierChecker(system, limits, small=1, chunk=500, tuple_states=0)
    want = with_traces(system, one.check(GUARANTEES))
    two = FrontierChecker(
        system, limits, small=1, chunk=500, tuple_states=0, workers=2, shard_from=100
    )
    got = with_traces(system, two.check(GUARANTEES))
    assert two.shards_used == 2
    assert want[0].stats.states > 1000
    assert [_summary(r) for r in got] == [_summary(r) for r in want]


def test_a_failing_worker_gives_unknown_never_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    system = build(
        make_spec(rf=3, min_isr=2, faults={"broker_crash": 1, "consumer_crash": 1}), GUARANTEES
    )
    real = Shard.finish

    def finish(self: Shard, *args: object) -> object:
        if self.index == 1:  # the forked worker inherits this
            raise MemoryError("injected")
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Shard, "finish", finish)
    limits = Limits(max_states=200_000, timeout_s=120)
    checker = FrontierChecker(
        system, limits, small=1, chunk=500, tuple_states=0, workers=2, shard_from=100
    )
    results = checker.check(GUARANTEES)
    for r in results:
        assert r.verdict in ("unknown", "violated")
        if r.verdict == "unknown":
            assert "worker failed" in r.reason and "MemoryError" in r.reason
    assert any(r.verdict == "unknown" for r in results)


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(st.integers(0, 5), min_size=0, max_size=60),
    wide=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_part_then_key_is_lexsort(parts: list[int], wide: bool, seed: int) -> None:
    """The in-chunk cover's order: by part, then by (distinct) key, as np.lexsort gives it,
    also for keys past 40 bits (the fallback) and parts that repeat or do not."""
    rng = np.random.default_rng(seed)
    n = len(parts)
    top = 1 << 50 if wide else 1 << 20
    keys = rng.choice(top, size=n, replace=False).astype(np.int64) if n else np.zeros(0, np.int64)
    fps = (
        (np.array(parts, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        if n
        else np.zeros(0, np.uint64)
    )
    got = _part_then_key(fps, keys)
    assert got.tolist() == np.lexsort((keys, fps)).tolist()
