"""Every counterexample replays against a freshly compiled model, and replay refuses a
trace that does not fit."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from mqcheck.cli import main
from mqcheck.model.compile import build
from mqcheck.run import check_spec, compile_spec, replay_spec
from mqcheck.spec.load import load_spec
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import TraceError, read_trace, replay
from tests.factories import make_spec
from tests.strategies import group_specs, keyed_specs, small_specs

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _violations(spec: Spec) -> list[tuple[str, list[dict[str, object]]]]:
    return [(g, steps) for g, steps, _ in _traces(spec)]


def _traces(spec: Spec) -> list[tuple[str, list[dict[str, object]], list[dict[str, object]]]]:
    """(guarantee, steps, consequence) of every counterexample, as JSON step objects."""
    result = check_spec(spec, spec.checked_guarantees(), max_states=60_000)
    return [
        (
            r.guarantee,
            [step_json(s) for s in r.counterexample.steps],
            [step_json(s) for s in r.counterexample.consequence],
        )
        for r in result.results
        if r.counterexample is not None
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs())
def test_every_counterexample_replays(spec: Spec) -> None:
    """And so does how an at-least-once loss plays out: fault-free, step by step."""
    system = compile_spec(spec, spec.checked_guarantees())
    for guarantee, steps, consequence in _traces(spec):
        outcome = replay(system, guarantee, steps, consequence=consequence)
        assert outcome.ok, outcome.message
        assert all("fault" not in s for s in consequence)
        if guarantee != "at-least-once":
            assert consequence == []


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs())
def test_every_counterexample_replays_many(spec: Spec) -> None:
    test_every_counterexample_replays.hypothesis.inner_test(spec)  # type: ignore[attr-defined]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(group_specs())
def test_every_consumer_group_counterexample_replays(spec: Spec) -> None:
    """Member steps, zombies and rebalances replay like every other step."""
    test_every_counterexample_replays.hypothesis.inner_test(spec)  # type: ignore[attr-defined]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keyed_specs())
def test_every_keyed_counterexample_replays(spec: Spec) -> None:
    """Keyed producers: the checked partition's messages keep their whole-run names."""
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


def test_read_trace_reads_the_json_result_format() -> None:
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
    trace = read_trace(data, 6)
    assert (trace.guarantee, trace.messages, len(trace.steps)) == ("at-least-once", 2, len(steps))
    with pytest.raises(TraceError):
        read_trace({"nothing": 1}, 6)


def test_replay_uses_the_messages_bound_of_the_trace() -> None:
    spec = replace(
        make_spec(acks=0, idempotence=False, faults={"produce_request_lost": 1}), path="<t>"
    )
    [(guarantee, steps), *_] = _violations(spec)
    assert replay(compile_spec(spec, (guarantee,), 2), guarantee, steps).ok


# ---- a trace says nothing trustworthy about itself (issue 19) ---------------------------
def _spec(name: str) -> Spec:
    loaded = load_spec(str(SPECS / name))
    assert loaded.spec is not None
    return loaded.spec


def _forged(guarantee: str | None, messages: object, steps: object) -> dict[str, Any]:
    result: dict[str, Any] = {"bounds": {"messages": messages}, "counterexample": {"steps": steps}}
    if guarantee is not None:
        result["guarantee"] = guarantee
    return {"results": [result]}


def _replay_cli(spec: str, data: object, tmp_path: Path) -> tuple[int, str]:
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps(data), encoding="utf-8")
    got = CliRunner().invoke(main, ["replay", str(SPECS / spec), str(trace)])
    assert got.exception is None or isinstance(got.exception, SystemExit), got.exception
    return got.exit_code, got.output


def test_an_empty_forged_trace_does_not_replay_where_the_guarantee_holds(tmp_path: Path) -> None:
    """The forged trace of the fuzzing run: at-least-once holds for this spec, so no state,
    the initial one included, violates it, whatever messages bound the trace claims."""
    code, out = _replay_cli(
        "idempotent-consumer-crash.yaml", _forged("at-least-once", 2, []), tmp_path
    )
    assert code == 1 and "does not violate at-least-once" in out
    code, out = _replay_cli(
        "idempotent-consumer-crash.yaml", _forged("at-least-once", 10, []), tmp_path
    )
    assert code == 2 and "bounds.messages is 10" in out


@pytest.mark.parametrize("messages", [40, -3, 10**6, 0, True, "2", 2.0])
def test_a_messages_bound_check_would_refuse_is_not_a_trace(
    messages: object, tmp_path: Path
) -> None:
    code, out = _replay_cli(
        "acks0-lost-request.yaml", _forged("at-least-once", messages, []), tmp_path
    )
    assert code == 2 and "not a readable mqcheck trace" in out and "bounds.messages" in out


@pytest.mark.parametrize("steps", [[1], ["send(m1)"], [None], [[]], "steps", {"i": 1}])
def test_steps_that_are_not_objects_are_not_a_trace(steps: object, tmp_path: Path) -> None:
    code, out = _replay_cli("acks0-lost-request.yaml", _forged("at-least-once", 2, steps), tmp_path)
    assert code == 2 and "not a readable mqcheck trace" in out


def test_a_state_that_is_not_integers_is_not_a_trace(tmp_path: Path) -> None:
    steps = [{"action": "x", "state": {"leo_0": "1"}}]
    code, out = _replay_cli("acks0-lost-request.yaml", _forged("at-least-once", 2, steps), tmp_path)
    assert code == 2 and "state.leo_0 is not an integer" in out


@pytest.mark.parametrize("guarantee", [None, "", 7])
def test_a_trace_that_names_no_guarantee_is_refused(guarantee: object, tmp_path: Path) -> None:
    spec = _spec("acks0-lost-request.yaml")
    [r] = [r for r in check_spec(spec).results if r.counterexample is not None][:1]
    assert r.counterexample is not None
    steps = [step_json(s) for s in r.counterexample.steps]
    data: dict[str, Any] = {"counterexample": {"steps": steps}}
    if guarantee is not None:
        data["guarantee"] = guarantee
    code, out = _replay_cli("acks0-lost-request.yaml", data, tmp_path)
    assert code == 2 and "names no guarantee" in out
    # the same steps, naming their guarantee, replay
    code, out = _replay_cli("acks0-lost-request.yaml", {**data, "guarantee": r.guarantee}, tmp_path)
    assert code == 0, out


def test_a_guarantee_the_model_does_not_define_is_refused() -> None:
    outcome = replay_spec(
        _spec("acks0-lost-request.yaml"), {"guarantee": "nearly-once", "steps": []}
    )
    assert not outcome.ok and "no guarantee 'nearly-once'" in outcome.message


def _ordering_trace() -> tuple[Spec, dict[str, Any]]:
    """A JSON result of the reordering spec, whose steps record `c0_reordered`."""
    spec = _spec("inflight5-no-idempotence-reorders.yaml")
    result = check_spec(spec)
    [r] = [r for r in result.results if r.counterexample is not None][:1]
    assert r.counterexample is not None
    steps = [step_json(s) for s in r.counterexample.steps]
    assert all("c0_reordered" in s["state"] for s in steps)
    data = {"guarantee": r.guarantee, "bounds": dict(r.bounds), "counterexample": {"steps": steps}}
    return spec, json.loads(json.dumps(data))


def test_an_observation_only_variable_is_compared_too() -> None:
    """`c0_reordered` changes no guard, so only comparing it catches a tampered value."""
    spec, data = _ordering_trace()
    assert replay_spec(spec, data).ok
    steps = data["counterexample"]["steps"]
    last = steps[-1]["state"]
    last["c0_reordered"] = last["c0_reordered"] + 1
    outcome = replay_spec(spec, data)
    assert not outcome.ok and "c0_reordered" in outcome.message


def test_every_step_state_is_compared_not_only_the_last() -> None:
    spec, data = _ordering_trace()
    steps = data["counterexample"]["steps"]
    name = next(iter(steps[0]["state"]))
    steps[0]["state"][name] += 1
    outcome = replay_spec(spec, data)
    assert not outcome.ok and outcome.message.startswith("step 1:") and name in outcome.message


def test_a_recorded_variable_the_model_does_not_have_is_refused() -> None:
    spec, data = _ordering_trace()
    data["counterexample"]["steps"][0]["state"]["teleported_m1"] = 0
    outcome = replay_spec(spec, data)
    assert not outcome.ok and "teleported_m1, which the model does not have" in outcome.message


def test_replay_compiles_the_guarantees_the_spec_checks() -> None:
    """An at-least-once trace of a spec that also checks ordering records `c0_reordered`,
    which a model compiled for at-least-once alone does not have: replay compiles what
    `check` compiled, so the variable is there, and compared."""
    spec = make_spec(
        acks=1,
        idempotence=False,
        faults={"broker_crash": 1},
        guarantees=("at-least-once",),
        ordering=True,
    )
    [r] = [r for r in check_spec(spec).results if r.guarantee == "at-least-once"]
    assert r.counterexample is not None
    steps = [step_json(s) for s in r.counterexample.steps]
    assert "c0_reordered" in steps[-1]["state"]
    assert "c0_reordered" not in compile_spec(spec, ("at-least-once",)).index()
    data = {"guarantee": "at-least-once", "counterexample": {"steps": steps}}
    assert replay_spec(spec, data).ok
    steps[-1]["state"]["c0_reordered"] += 1
    outcome = replay_spec(spec, data)
    assert not outcome.ok and "c0_reordered" in outcome.message


def _acks1_consequence() -> tuple[Spec, list[dict[str, Any]], list[dict[str, Any]]]:
    spec = make_spec(
        acks=1, idempotence=False, faults={"broker_crash": 1}, guarantees=("at-least-once",)
    )
    [(_, steps, consequence)] = _traces(spec)
    return spec, steps, consequence


def test_the_consequence_goes_on_from_the_last_state_and_replays() -> None:
    """acks=1, the leader dies after the ack: the numbered steps end at the crash; how it
    plays out has the election of the follower that never had m1 and the truncation of the
    old leader's log, numbered from 1, each step fault-free."""
    spec, steps, consequence = _acks1_consequence()
    assert steps[-1]["kind"] == "broker_crash"
    kinds = [s["kind"] for s in consequence]
    assert "elect" in kinds and "truncate" in kinds
    assert [s["i"] for s in consequence] == list(range(1, len(consequence) + 1))
    outcome = replay(build(spec), "at-least-once", steps, consequence=consequence)
    assert outcome.ok and f"the {len(consequence)} steps of how it plays out" in outcome.message


def test_replay_refuses_a_consequence_with_a_fault_or_a_disabled_step() -> None:
    spec, steps, consequence = _acks1_consequence()
    system = build(spec)
    with_fault = [*consequence[:1], {"action": steps[-1]["action"]}]
    outcome = replay(system, "at-least-once", steps, consequence=[steps[-1]])
    assert not outcome.ok and "consequence step 1" in outcome.message and "fault" in outcome.message
    outcome = replay(system, "at-least-once", steps, consequence=with_fault)
    assert not outcome.ok and "consequence step 2" in outcome.message
    reversed_ = list(reversed(consequence))
    outcome = replay(system, "at-least-once", steps, consequence=reversed_)
    assert not outcome.ok and "consequence step 1" in outcome.message


def test_read_trace_reads_the_consequence(tmp_path: Path) -> None:
    """`check --trace-out` writes it, `replay` checks it, a malformed one is no trace."""
    spec = SPECS / "acks1-leader-failover.yaml"
    trace = tmp_path / "trace.json"
    runner = CliRunner()
    runner.invoke(main, ["check", str(spec), "--trace-out", str(trace)])
    data = json.loads(trace.read_text())
    cex = data["results"][0]["counterexample"]
    assert read_trace(data, 6).consequence == tuple(cex["consequence"])
    out = runner.invoke(main, ["replay", str(spec), str(trace)])
    assert out.exit_code == 0 and "how it plays out replay without faults" in out.output
    cex["consequence"] = [cex["consequence"][-1]]
    trace.write_text(json.dumps(data))
    out = runner.invoke(main, ["replay", str(spec), str(trace)])
    assert out.exit_code == 1 and "consequence step 1" in out.output
    cex["consequence"] = {"not": "a list"}
    with pytest.raises(TraceError, match="'consequence' is not a list"):
        read_trace(data, 6)
