"""Every counterexample replays against a freshly compiled model, and replay refuses a
trace that does not fit."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from mqcheck.model.compile import build
from mqcheck.run import check_spec, compile_spec
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import extract_trace, replay
from tests.factories import make_spec
from tests.strategies import small_specs


def _violations(spec: Spec) -> list[tuple[str, list[dict[str, object]]]]:
    result = check_spec(spec, spec.checked_guarantees(), max_states=60_000)
    return [
        (r.guarantee, [step_json(s) for s in r.counterexample.steps])
        for r in result.results
        if r.counterexample is not None
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs())
def test_every_counterexample_replays(spec: Spec) -> None:
    for guarantee, steps in _violations(spec):
        outcome = replay(compile_spec(spec, spec.checked_guarantees()), guarantee, steps)
        assert outcome.ok, outcome.message


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs())
def test_every_counterexample_replays_many(spec: Spec) -> None:
    test_every_counterexample_replays.hypothesis.inner_test(spec)  # type: ignore[attr-defined]


def _acks1_trace() -> tuple[Spec, list[dict[str, object]]]:
    spec = make_spec(
        acks=1, idempotence=False, faults={"broker_crash": 1}, guarantees=("at-least-once",)
    )
    [(_, steps)] = _violations(spec)
    return spec, steps


def test_replay_refuses_a_step_whose_guard_is_false() -> None:
    spec, steps = _acks1_trace()
    swapped = [steps[1], steps[0], *steps[2:]]  # append before send
    outcome = replay(build(spec), "at-least-once", swapped)
    assert not outcome.ok
    assert "step 1" in outcome.message and "not enabled" in outcome.message


def test_replay_refuses_a_falsified_state() -> None:
    spec, steps = _acks1_trace()
    forged = [dict(s) for s in steps]
    forged[1] = {**forged[1], "state": {**forged[1]["state"], "leo_0": 2}}  # type: ignore[dict-item]
    outcome = replay(build(spec), "at-least-once", forged)
    assert not outcome.ok and "leo_0" in outcome.message


def test_replay_refuses_a_trace_that_ends_without_a_violation() -> None:
    spec, steps = _acks1_trace()
    outcome = replay(build(spec), "at-least-once", steps[:-1])
    assert not outcome.ok and "does not violate" in outcome.message


def test_replay_refuses_an_unknown_action() -> None:
    spec, steps = _acks1_trace()
    outcome = replay(build(spec), "at-least-once", [{**steps[0], "action": "teleport(m1)"}])
    assert not outcome.ok and "no action" in outcome.message


def test_extract_trace_reads_the_json_result_format() -> None:
    _, steps = _acks1_trace()
    data = json.loads(
        json.dumps(
            {
                "results": [
                    {
                        "guarantee": "at-least-once",
                        "bounds": {"messages": 2},
                        "counterexample": {"steps": steps},
                    }
                ]
            }
        )
    )
    guarantee, messages, got = extract_trace(data)
    assert (guarantee, messages, len(got)) == ("at-least-once", 2, len(steps))
    with pytest.raises(ValueError):
        extract_trace({"nothing": 1})


def test_replay_uses_the_messages_bound_of_the_trace() -> None:
    spec = replace(
        make_spec(acks=0, idempotence=False, faults={"produce_request_lost": 1}), path="<t>"
    )
    [(guarantee, steps), *_] = _violations(spec)
    assert replay(compile_spec(spec, (guarantee,), 2), guarantee, steps).ok
