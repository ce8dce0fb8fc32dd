"""The guarantees (mqcheck/model/guarantees.py, docs/contract.md section 2) and the explicit
engine's promises about them: exactly-once = both, `halt` excuses, violations with the
fewest faults, limits give `unknown` (never `holds`), and every counterexample replays."""

from __future__ import annotations

import pytest

from mqcheck.model.compile import build
from mqcheck.result import GuaranteeResult
from mqcheck.run import check_spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from tests.factories import make_spec

SMALL = dict(rf=2, min_isr=1)


def check(guarantee: str, **kw: object) -> GuaranteeResult:
    (r,) = check_spec(make_spec(**{**SMALL, **kw}), [guarantee]).results
    return r


# ---- exactly-once ----------------------------------------------------------------------


def test_exactly_once_violated_by_a_duplicate():
    """exactly-once = at-least-once and at-most-once (docs/contract.md section 2): a consumer
    that commits after processing duplicates on a crash (KafkaConsumer javadoc)."""
    r = check("exactly-once", commit="after_processing", messages=1, faults=dict(consumer_crash=1))
    assert r.verdict == "violated"
    assert r.counterexample.duplicated == ("m1",)


def test_exactly_once_violated_by_a_loss():
    """exactly-once fails when at-least-once fails (acks=0 lost request, ProducerConfig
    `acks`)."""
    r = check(
        "exactly-once", acks=0, idempotence=False, messages=1, faults=dict(produce_request_lost=1)
    )
    assert r.verdict == "violated"
    assert r.counterexample.lost == ("m1",)


def test_exactly_once_holds_when_both_hold():
    """Idempotent producer + response loss (KIP-98) with no consumer faults: no loss, no
    duplicate."""
    r = check("exactly-once", messages=1, faults=dict(produce_response_lost=1))
    assert r.verdict == "holds"
    both = check_spec(
        make_spec(**SMALL, messages=1, faults=dict(produce_response_lost=1)),
        ["at-least-once", "at-most-once", "exactly-once"],
    ).results
    assert [x.verdict for x in both] == ["holds", "holds", "holds"]


# ---- excused failures ------------------------------------------------------------------


def test_halt_on_send_error_is_excused():
    """docs/contract.md section 2: a message the producer app was told had failed and halts on
    (`on_send_error: halt`) is not a loss, nor are the messages it never sent after halting
    (delivery.timeout.ms expiry, KIP-91)."""
    r = check("at-least-once", on_send_error="halt", messages=2, faults=dict(delivery_timeout=1))
    assert r.verdict == "holds"


def test_drop_on_send_error_is_a_loss():
    """An application that drops a send that failed with TimeoutException (KIP-91
    delivery.timeout.ms) loses the message (docs/contract.md section 2: "error ignored")."""
    r = check("at-least-once", on_send_error="drop", messages=1, faults=dict(delivery_timeout=1))
    assert r.verdict == "violated"
    assert [s.kind for s in r.counterexample.steps][-1] == "delivery_timeout"


def test_resend_on_send_error_recovers_from_delivery_timeout():
    """Re-sending after a delivery timeout (KIP-91) delivers the message."""
    r = check("at-least-once", on_send_error="resend", messages=1, faults=dict(delivery_timeout=1))
    assert r.verdict == "holds"


def test_fire_and_forget_loses_on_delivery_timeout():
    """An application that never reads send()'s result (waits_for_result: false) cannot
    react to a TimeoutException after delivery.timeout.ms (KIP-91): the message is lost even
    with on_send_error: halt configured."""
    for reaction in ("resend", "halt"):
        r = check(
            "at-least-once",
            waits_for_result=False,
            on_send_error=reaction,
            messages=1,
            faults=dict(delivery_timeout=1),
        )
        assert r.verdict == "violated", reaction
        assert "delivery_timeout" in r.counterexample.faults_used


def test_ordering_needs_the_flag_and_is_reported_last():
    """`check.ordering: true` adds the ordering guarantee, reported last (docs/contract.md)."""
    spec = make_spec(**SMALL, ordering=True, guarantees=("at-least-once",), messages=1)
    res = check_spec(spec)
    assert [r.guarantee for r in res.results] == ["at-least-once", "ordering"]


def test_unmodelled_feature_is_unknown_not_holds():
    """A feature outside the model (here: a consume-transform-produce processor) gives
    `unknown` with a reason, never `holds`."""
    from dataclasses import replace

    from mqcheck.spec.schema import Processor

    spec = make_spec(messages=1)
    proc = Processor("enrich", "events", "events", "enrich", "exactly_once_v2")
    (r,) = check_spec(replace(spec, processors={"enrich": proc}), ["at-least-once"]).results
    assert r.verdict == "unknown"
    assert "not modelled" in r.reason


# ---- engine promises -------------------------------------------------------------------


def test_counterexample_uses_the_fewest_faults():
    """DESIGN: states are explored by (faults used, depth), so the reported violation uses
    the fewest faults: a duplicate needs only a consumer crash, not a broker crash too."""
    r = check("at-most-once", messages=1, faults=dict(broker_crash=1, consumer_crash=1))
    assert r.verdict == "violated"
    assert r.counterexample.faults_used == ("consumer_crash",)
    assert all(s.fault in (None, "consumer_crash") for s in r.counterexample.steps)


def test_fault_free_violation_reported_without_faults():
    """A violation reachable with no fault (auto.offset.reset=latest, late join) is reported
    without using any of the allowed faults."""
    r = check(
        "at-least-once",
        reset="latest",
        joins="any_time",
        messages=1,
        faults=dict(broker_crash=1, consumer_crash=1),
    )
    assert r.verdict == "violated"
    assert r.counterexample.faults_used == ()


def test_violation_reported_at_the_point_of_no_return():
    """docs/contract.md section 2: "A violation is reported at the first state from which it can
    no longer be avoided": the acks=0 trace ends with the lost request."""
    r = check(
        "at-least-once", acks=0, idempotence=False, messages=1, faults=dict(produce_request_lost=1)
    )
    assert [s.kind for s in r.counterexample.steps] == ["send", "request_lost"]


@pytest.mark.parametrize("guarantee", ["at-least-once", "at-most-once"])
def test_tiny_state_limit_gives_unknown_with_a_reason(guarantee):
    """Limits end in `unknown`, never `holds` (engines/explicit.py docstring); without an
    engine named, an invariant left `unknown` may still be proved, by the model's lemmas,
    and the result says so."""
    spec = make_spec(rf=3, min_isr=2, messages=1, faults=dict(broker_crash=1))
    full = check_spec(spec, [guarantee]).results[0]
    assert full.verdict == "holds"
    (r,) = check_spec(spec, [guarantee], "explicit", max_states=10).results
    assert r.verdict == "unknown"
    assert "state limit" in r.reason
    (any_engine,) = check_spec(spec, [guarantee], max_states=10).results
    if any_engine.verdict != "unknown":
        assert guarantee == "at-most-once" and any_engine.engine == "z3"
        assert "candidate lemmas" in any_engine.reason and "state limit" in any_engine.reason


REPLAY_CASES = [
    (
        "at-least-once",
        dict(acks=0, idempotence=False, messages=1, faults=dict(produce_request_lost=1)),
    ),
    ("at-least-once", dict(acks=1, idempotence=False, messages=1, faults=dict(broker_crash=1))),
    ("at-least-once", dict(unclean=True, messages=1, faults=dict(follower_lag=1, broker_crash=1))),
    ("at-least-once", dict(rf=3, messages=1, faults=dict(simultaneous_power_loss=1))),
    ("at-least-once", dict(commit="before_processing", messages=1, faults=dict(consumer_crash=1))),
    ("at-least-once", dict(reset="latest", messages=2, faults=dict(offsets_expire=1))),
    ("at-most-once", dict(idempotence=False, messages=1, faults=dict(produce_response_lost=1))),
    ("at-most-once", dict(messages=1, faults=dict(producer_crash=1))),
    (
        "exactly-once",
        dict(commit="auto", processing="async", messages=1, faults=dict(consumer_crash=1)),
    ),
    (
        "ordering",
        dict(idempotence=False, ordering=True, messages=2, faults=dict(produce_request_lost=1)),
    ),
]


@pytest.mark.parametrize("guarantee,kw", REPLAY_CASES)
def test_every_counterexample_replays(guarantee, kw):
    """A counterexample that does not replay is worth nothing (trace/replay.py): every step's
    action exists, is enabled, gives the recorded state, and the last state violates."""
    spec = make_spec(**{**SMALL, **kw})
    (r,) = check_spec(spec, [guarantee]).results
    assert r.verdict == "violated"
    steps = [step_json(s) for s in r.counterexample.steps]
    ts = build(spec, (guarantee,))
    outcome = replay(ts, guarantee, steps)
    assert outcome.ok, outcome.message
    assert outcome.steps == len(steps)
    if steps:
        # replay is not vacuous: without the last step the guarantee is not yet violated
        cut = replay(ts, guarantee, steps[:-1])
        assert not cut.ok
