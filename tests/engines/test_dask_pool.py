"""The search with its shards on a real Dask cluster gives the single-process answers.

A `LocalCluster` of two worker processes (spawned, not forked: each worker compiles its
shards' model itself from the pickled `ShardModel`) holds the shards as actors; the states,
counts and counterexamples must be exactly those of one process, on random specs, with and
without fault-budget subsumption and early verdicts. A worker killed in mid-search gives
`unknown` with the reason, never `holds`.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mqcheck.cli import main
from mqcheck.engines import dask_pool
from mqcheck.engines.dask_pool import DaskPool
from mqcheck.engines.explicit import Limits
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.engines.shard import Shard, ShardModel
from mqcheck.engines.shard_pool import Pool
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import with_traces
from tests.engines.test_frontier import GUARANTEES, _summary
from tests.factories import make_spec
from tests.strategies import small_specs

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def _on(client: Any) -> Any:
    def factory(model: ShardModel, shards: list[Shard]) -> Pool:
        return DaskPool(client, model, shards)

    return factory


def _answers(
    client: Any, spec: Spec, shards: int, chunk: int, cap: int, subsume: bool, early: bool
) -> None:
    try:
        system = build(spec, GUARANTEES)
    except UnsupportedSpec:
        return
    limits = Limits(max_states=cap, timeout_s=120)
    common: dict[str, Any] = dict(
        small=1, chunk=chunk, tuple_states=0, early=early, subsume=subsume
    )
    want = with_traces(system, FrontierChecker(system, limits, **common).check(GUARANTEES))
    checker = FrontierChecker(
        system, limits, workers=shards, shard_from=0, pool_factory=_on(client), **common
    )
    got = with_traces(system, checker.check(GUARANTEES))
    assert checker.shards_used == shards
    assert [_summary(r) for r in got] == [_summary(r) for r in want]
    for r in got:
        if r.counterexample is not None:
            steps = [step_json(s) for s in r.counterexample.steps]
            assert replay(system, r.guarantee, steps).ok, r.guarantee


@settings(
    max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    small_specs(),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([7, 4096]),
    st.sampled_from([60, 20_000]),
    st.booleans(),
    st.booleans(),
)
def test_shards_on_dask_workers_give_one_processs_answers(
    client: Any, spec: Spec, shards: int, chunk: int, cap: int, subsume: bool, early: bool
) -> None:
    _answers(client, spec, shards, chunk, cap, subsume, early)


def test_a_larger_search_on_two_workers(client: Any) -> None:
    spec = make_spec(rf=3, min_isr=2, faults={"broker_crash": 1, "consumer_crash": 1})
    system = build(spec, GUARANTEES)
    limits = Limits(max_states=200_000, timeout_s=120)
    want = with_traces(system, FrontierChecker(system, limits, subsume=True).check(GUARANTEES))
    checker = FrontierChecker(
        system, limits, workers=2, shard_from=1000, subsume=True, pool_factory=_on(client)
    )
    got = with_traces(system, checker.check(GUARANTEES))
    assert want[0].stats.states > 5000
    assert checker.shards_used == 2
    assert [_summary(r) for r in got] == [_summary(r) for r in want]


def test_a_worker_lost_in_mid_search_gives_unknown_never_holds() -> None:
    system = build(
        make_spec(rf=3, min_isr=2, faults={"broker_crash": 1, "consumer_crash": 1}), GUARANTEES
    )
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):

        class Dying(DaskPool):
            calls = 0

            def call(self, step: str, args: Any) -> list[Any]:
                Dying.calls += 1
                if Dying.calls == 6:  # in the second chunk: kill the worker of shard 1
                    with contextlib.suppress(Exception):  # the worker dies answering
                        c.run(os._exit, 1, workers=[self.workers[1]])
                return super().call(step, args)

        def factory(model: ShardModel, shards: list[Shard]) -> Pool:
            return Dying(c, model, shards)

        limits = Limits(max_states=200_000, timeout_s=120)
        checker = FrontierChecker(
            system, limits, small=1, chunk=500, tuple_states=0, workers=2, shard_from=100,
            pool_factory=factory,
        )  # fmt: skip
        results = checker.check(GUARANTEES)
    assert Dying.calls >= 6
    for r in results:
        assert r.verdict in ("unknown", "violated")
    lost = [r for r in results if r.verdict == "unknown"]
    assert lost and all("Dask worker holding a shard was lost" in r.reason for r in lost)


def _json_results(out: str) -> list[tuple[str, str, int]]:
    data = json.loads(out)
    return [(r["guarantee"], r["verdict"], r["stats"]["states"]) for r in data["results"]]


def test_check_with_cluster_gives_the_answer_without(client: Any, tmp_path: Any) -> None:
    spec = "examples/durable-baseline.yaml"
    runner = CliRunner()
    alone = runner.invoke(main, ["check", spec, "--format", "json", "--workers", "1"])
    address = client.scheduler.address
    on = runner.invoke(main, ["check", spec, "--format", "json", "--cluster", address])
    assert alone.exit_code == on.exit_code == 0, on.output
    assert _json_results(on.stdout) == _json_results(alone.stdout)


def test_cluster_options_refused_when_they_cannot_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    spec = "examples/durable-baseline.yaml"
    out = runner.invoke(main, ["check", spec, "--shards", "2"])
    assert out.exit_code == 2 and "--shards needs --cluster" in out.output
    both = runner.invoke(main, ["check", spec, "--workers", "2", "--cluster", "tcp://x:1"])
    assert both.exit_code == 2 and "exclude each other" in both.output
    monkeypatch.setattr(dask_pool, "dask_available", lambda: False)
    missing = runner.invoke(main, ["check", spec, "--cluster", "tcp://127.0.0.1:8786"])
    assert missing.exit_code == 2
    assert "pip install 'mqcheck[dask]'" in missing.output
