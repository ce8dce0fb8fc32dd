"""Differential tests: on random small valid specs, the explicit and the Z3 engine give the
same verdict wherever both give one, and every trace either engine returns replays.

A modest number of examples runs by default (each Z3 run is capped at a few seconds, so
`unknown` is possible there and only checked for agreement when both decide); the slow run
(`pytest -m slow`) checks many more with a longer cap.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.symbolic import SymbolicLimits, Z3Checker
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.result import GuaranteeResult
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import with_traces
from tests.strategies import group_specs, share_specs, tiny_specs

GUARANTEES = ("at-least-once", "at-most-once")


def _replays(system: object, r: GuaranteeResult) -> bool:
    assert r.counterexample is not None
    steps = [step_json(s) for s in r.counterexample.steps]
    return replay(system, r.guarantee, steps).ok  # type: ignore[arg-type]


def _agree(spec: Spec, z3_seconds: float) -> None:
    try:
        system = build(spec, GUARANTEES)
    except UnsupportedSpec:
        return
    explicit = ExplicitChecker(system, Limits(max_states=200_000, timeout_s=60)).check(GUARANTEES)
    symbolic = Z3Checker(system, SymbolicLimits(timeout_s=z3_seconds)).check(GUARANTEES)
    explicit, symbolic = with_traces(system, explicit), with_traces(system, symbolic)
    for e, z in zip(explicit, symbolic, strict=True):
        assert e.guarantee == z.guarantee
        if e.verdict != "unknown" and z.verdict != "unknown":
            assert e.verdict == z.verdict, (e.guarantee, e.verdict, z.verdict, z.reason)
        for r in (e, z):
            if r.verdict == "violated":
                assert _replays(system, r), (r.engine, r.guarantee)
            else:
                assert r.counterexample is None


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(tiny_specs())
def test_engines_agree_on_small_specs(spec: Spec) -> None:
    _agree(spec, z3_seconds=4.0)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_specs())
def test_engines_agree_on_many_small_specs(spec: Spec) -> None:
    # CI runs the slow step too: 60 specs with z3 capped at 8 s each stay under ~10 minutes
    _agree(spec, z3_seconds=8.0)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(group_specs())
def test_engines_agree_on_consumer_groups(spec: Spec) -> None:
    """Members, zombies and rebalances (model/group.py) in both engines."""
    _agree(spec, z3_seconds=4.0)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(group_specs())
def test_engines_agree_on_many_consumer_groups(spec: Spec) -> None:
    _agree(spec, z3_seconds=8.0)


def _new_fault_specs() -> list[object]:
    """One small spec per broker fault of issue 15, each with a violation to trace."""
    from dataclasses import replace

    from tests.factories import make_spec

    two_racks = {"az-a": (1,), "az-b": (2,)}
    return [
        make_spec(
            rf=2, min_isr=1, messages=1, faults=dict(controlled_shutdown=1, broker_power_loss=1)
        ),
        make_spec(rf=2, min_isr=1, messages=1, faults=dict(disk_failure=1, follower_lag=1)),
        make_spec(
            rf=2, min_isr=1, messages=1, acks=1, idempotence=False, faults=dict(disk_failure=1)
        ),
        replace(
            make_spec(rf=2, min_isr=1, messages=1, faults=dict(rack_power_loss=1, follower_lag=1)),
            racks=two_racks,
        ),
        replace(
            make_spec(rf=2, min_isr=1, messages=1, faults=dict(rack_power_loss=1)),
            racks={"az-a": (1, 2)},
        ),
        make_spec(
            rf=2, min_isr=1, messages=1, acks=1, idempotence=False, faults=dict(leader_isolation=1)
        ),
        make_spec(rf=2, min_isr=1, messages=1, faults=dict(leader_isolation=1, follower_lag=1)),
        pytest.param(
            make_spec(
                version=(4, 1),
                elr=True,
                rf=2,
                min_isr=2,
                messages=1,
                faults=dict(controlled_shutdown=1, follower_lag=1, broker_crash=1),
            ),
            marks=pytest.mark.slow,  # Z3 needs its whole 20 s to give up on `holds`
        ),
    ]


@pytest.mark.parametrize(
    "spec",
    _new_fault_specs(),
    ids=lambda s: (
        ",".join(f"{k}={v}" for k, v in s.faults.as_dict().items() if v)
        + ("+racks" if s.racks else "")
    ),
)
def test_engines_agree_on_the_broker_faults_of_issue_15(spec: Spec) -> None:
    """controlled_shutdown, disk_failure, rack_power_loss and leader_isolation steps: both
    engines decide the same verdict, and every counterexample replays."""
    system = build(spec, GUARANTEES)
    assert any(
        a.fault in ("controlled_shutdown", "disk_failure", "rack_power_loss", "leader_isolation")
        for a in system.actions
    )
    explicit = ExplicitChecker(system, Limits(max_states=200_000, timeout_s=60)).check(GUARANTEES)
    symbolic = Z3Checker(system, SymbolicLimits(timeout_s=20)).check(GUARANTEES)
    explicit, symbolic = with_traces(system, explicit), with_traces(system, symbolic)
    for e, z in zip(explicit, symbolic, strict=True):
        assert e.verdict != "unknown", e.reason
        # Z3 finds every violation here by bounded search; proving `holds` may run out of
        # time, which is `unknown`, never a different verdict
        if z.verdict == "unknown":
            assert e.verdict == "holds", z.reason
        else:
            assert e.verdict == z.verdict, (e.guarantee, e.verdict, z.verdict)
        for r in (e, z):
            if r.verdict == "violated":
                assert _replays(system, r), (r.engine, r.guarantee)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(share_specs())
def test_engines_agree_on_share_groups(spec: Spec) -> None:
    """Acquisition locks, delivery counts, releases and zombies (model/share_group.py) in
    both engines."""
    _agree(spec, z3_seconds=4.0)
