"""Producer hop (mqcheck/model/producer.py): acks, min.insync.replicas, retries,
idempotence, max.in.flight ordering, producer crashes and record-size limits.

Each test pins one documented Kafka behaviour on a tiny spec (1-2 messages, rf 2-3,
0-2 faults) and the verdict or trace property the model must give.
"""

from __future__ import annotations

from mqcheck.model.compile import build
from mqcheck.result import GuaranteeResult
from mqcheck.run import check_spec
from tests.factories import make_spec
from tests.model.walking import enabled_names, walk


def check(guarantee: str, **kw: object) -> GuaranteeResult:
    if guarantee == "ordering":
        kw.setdefault("ordering", True)
    result = check_spec(make_spec(**kw), [guarantee])
    (r,) = result.results
    return r


def kinds(r: GuaranteeResult) -> list[str]:
    assert r.counterexample is not None
    return [s.kind for s in r.counterexample.steps]


# ---- acks ------------------------------------------------------------------------------


def test_acks0_lost_request_is_a_silent_loss():
    """acks=0: "the producer will not wait for any acknowledgment from the server at all ...
    no guarantee can be made that the server has received the record" (ProducerConfig
    `acks` docs). A lost request is never retried, so the message is lost."""
    r = check(
        "at-least-once", acks=0, idempotence=False, faults=dict(produce_request_lost=1), messages=1
    )
    assert r.verdict == "violated"
    assert "request_lost" in kinds(r)
    assert r.counterexample.lost == ("m1",)
    assert r.counterexample.faults_used == ("produce_request_lost",)


def test_acks0_without_faults_holds():
    """acks=0 only loses when something fails: with no faults the record arrives
    (ProducerConfig `acks`)."""
    r = check("at-least-once", acks=0, idempotence=False, messages=1, rf=2, min_isr=1)
    assert r.verdict == "holds"


def test_acks1_leader_crash_before_replication_loses_acked_message():
    """acks=1: "the leader will write the record to its local log but will respond without
    awaiting full acknowledgement from all followers ... if the leader fails immediately
    after acknowledging the record but before the followers have replicated it then the
    record will be lost" (ProducerConfig `acks` docs)."""
    r = check("at-least-once", acks=1, idempotence=False, faults=dict(broker_crash=1), messages=1)
    assert r.verdict == "violated"
    k = kinds(r)
    assert "ack" in k and "broker_crash" in k
    assert k.index("ack") < k.index("broker_crash")
    # the follower never had it: no replicate step before the ack
    assert "replicate" not in k[: k.index("ack")]
    assert r.counterexample.lost == ("m1",)


def test_acks_all_min_isr2_rf3_survives_one_broker_crash():
    """acks=all with min.insync.replicas=2 and replication.factor=3: "the record will not be
    lost as long as at least one in-sync replica remains alive" (ProducerConfig `acks`;
    Kafka docs "Availability and Durability Guarantees")."""
    r = check("at-least-once", acks=-1, rf=3, min_isr=2, faults=dict(broker_crash=1), messages=1)
    assert r.verdict == "holds"


def test_acks_all_waits_for_the_high_watermark():
    """acks=all: "the leader will wait for the full set of in-sync replicas to acknowledge
    the record" (ProducerConfig `acks`); right after the leader's own append no ack is
    possible with rf=3."""
    spec = make_spec(acks=-1, rf=3, min_isr=2, messages=1)
    ts, cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)"])
    assert not [n for n in enabled_names(ts, cs, s) if n.startswith("ack(")]
    ts, cs, s = walk(
        spec,
        [
            "send(m1)",
            "append(m1,0,0,0)",
            "fetch(1,0,0)",
            "fetch(2,0,0)",
            "fetch_caught_up(1,0,1)",
            "fetch_caught_up(2,0,1)",
        ],
    )
    assert "ack(m1@0)" in enabled_names(ts, cs, s)


# ---- min.insync.replicas ---------------------------------------------------------------


def test_min_isr_above_rf_rejects_forever():
    """min.insync.replicas > replication.factor: with acks=all every produce fails with
    NotEnoughReplicasException ("If this minimum cannot be met, then the producer will
    raise an exception (either NotEnoughReplicas or NotEnoughReplicasAfterAppend)",
    topic config `min.insync.replicas`); the message is never written. The violation is
    unavoidable from the start, so the counterexample is empty; the model must offer the
    `reject` step and never an append."""
    r = check("at-least-once", acks=-1, rf=2, min_isr=3, messages=1, version=(3, 6))
    assert r.verdict == "violated"
    assert r.counterexample.lost == ("m1",)
    ts, cs, s = walk(make_spec(acks=-1, rf=2, min_isr=3, messages=1, version=(3, 6)), ["send(m1)"])
    names = enabled_names(ts, cs, s)
    assert "reject_not_enough_replicas(m1,0)" in names
    assert not [n for n in names if n.startswith("append(")]
    rejected = cs.apply(ts.actions.index(ts.action_named("reject_not_enough_replicas(m1,0)")), s)
    assert ts.action_named("reject_not_enough_replicas(m1,0)").kind == "reject"
    assert rejected is not None


def test_min_isr_above_rf_is_capped_from_3_7():
    """From 3.7 the broker uses min(min.insync.replicas, replication.factor)
    (Partition.effectiveMinIsr, KAFKA-15583), so min.insync.replicas=3 on RF 2 works."""
    r = check("at-least-once", acks=-1, rf=2, min_isr=3, messages=1, version=(3, 7))
    assert r.verdict == "holds"


def test_min_isr_rejects_after_isr_shrinks():
    """Partition.appendRecordsToLeader: with acks=all, a leader whose ISR is below
    min.insync.replicas rejects before appending (NotEnoughReplicas); rf=2 min_isr=2 and one
    follower dropped from the ISR."""
    spec = make_spec(acks=-1, rf=2, min_isr=2, faults=dict(follower_lag=1), messages=2)
    ts, cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "send(m2)"])
    names = enabled_names(ts, cs, s)
    assert "reject_not_enough_replicas(m2,0)" in names
    assert not [n for n in names if n.startswith("append(m2")]


# ---- idempotence -----------------------------------------------------------------------


def test_no_idempotence_response_lost_appends_twice():
    """enable.idempotence=false: "retries ... may cause duplicates ... if the response is
    lost the producer resends a record the broker already appended" (ProducerConfig
    `enable.idempotence` / `retries`). The consumer processes m1 twice."""
    r = check(
        "at-most-once", acks=-1, idempotence=False, faults=dict(produce_response_lost=1), messages=1
    )
    assert r.verdict == "violated"
    steps = r.counterexample.steps
    appends = [s for s in steps if s.kind == "append" and s.message == "m1"]
    assert len(appends) == 2
    assert "response_lost" in kinds(r)
    assert r.counterexample.duplicated == ("m1",)


def test_idempotence_dedups_retry_after_lost_response():
    """enable.idempotence=true: "the producer will ensure that exactly one copy of each
    message is written in the stream" (ProducerConfig; KIP-98 sequence numbers). A retry of
    an appended batch is answered as a duplicate."""
    r = check(
        "at-most-once", acks=-1, idempotence=True, faults=dict(produce_response_lost=1), messages=1
    )
    assert r.verdict == "holds"
    ts = build(
        make_spec(acks=-1, idempotence=True, faults=dict(produce_response_lost=1), messages=1)
    )
    assert any(a.name.startswith("dedup(") for a in ts.actions)
    ts2 = build(
        make_spec(acks=-1, idempotence=False, faults=dict(produce_response_lost=1), messages=1)
    )
    assert not any(a.name.startswith("dedup(") for a in ts2.actions)


def test_idempotence_does_not_survive_producer_restart():
    """KIP-98: idempotence holds within one producer session (producer id); a restarted
    producer gets a new producer id, so the application's resend of an unacknowledged
    but appended message is a second copy."""
    r = check(
        "at-most-once",
        acks=-1,
        idempotence=True,
        on_send_error="resend",
        faults=dict(producer_crash=1),
        messages=1,
    )
    assert r.verdict == "violated"
    k = kinds(r)
    assert "producer_crash" in k
    appends = [s for s in r.counterexample.steps if s.kind == "append" and s.message == "m1"]
    assert len(appends) == 2
    assert k.index("producer_crash") > k.index("append")


def test_idempotence_ordering_with_five_in_flight():
    """KIP-98 / KAFKA-5494: with enable.idempotence=true ordering is kept with up to 5
    in-flight requests, even when a request is lost and retried."""
    r = check(
        "ordering",
        idempotence=True,
        max_in_flight=5,
        faults=dict(produce_request_lost=1),
        messages=2,
    )
    assert r.verdict == "holds"


# ---- ordering and retries --------------------------------------------------------------


def test_max_in_flight_5_without_idempotence_reorders_on_retry():
    """max.in.flight.requests.per.connection > 1 without idempotence: "there is a risk of
    message reordering due to retries" (ProducerConfig `max.in.flight.requests.per.connection`
    and `retries`)."""
    r = check(
        "ordering",
        idempotence=False,
        max_in_flight=5,
        faults=dict(produce_request_lost=1),
        messages=2,
    )
    assert r.verdict == "violated"
    assert "request_lost" in kinds(r)
    assert "retry" in kinds(r)
    assert r.counterexample.reordered == ("m1",)


def test_max_in_flight_1_keeps_order():
    """max.in.flight.requests.per.connection=1 keeps order under retries (ProducerConfig)."""
    r = check(
        "ordering",
        idempotence=False,
        max_in_flight=1,
        faults=dict(produce_request_lost=1),
        messages=2,
    )
    assert r.verdict == "holds"


def test_retries_zero_and_drop_loses():
    """retries=0: a failed request is not retried and the error reaches the callback
    (ProducerConfig `retries`); an application that drops failed sends loses the message."""
    r = check(
        "at-least-once",
        retries=0,
        idempotence=False,
        on_send_error="drop",
        faults=dict(produce_request_lost=1),
        messages=1,
        rf=2,
        min_isr=1,
    )
    assert r.verdict == "violated"
    assert kinds(r)[-1] == "request_lost"


def test_retries_zero_and_resend_holds():
    """retries=0 with an application that re-sends on error: the message still arrives
    (ProducerConfig `retries`; contract `on_send_error: resend`)."""
    r = check(
        "at-least-once",
        retries=0,
        idempotence=False,
        on_send_error="resend",
        faults=dict(produce_request_lost=1),
        messages=1,
        rf=2,
        min_isr=1,
    )
    assert r.verdict == "holds"


# ---- record size -----------------------------------------------------------------------


def test_record_over_topic_max_message_bytes_is_never_written():
    """A record over the topic's max.message.bytes is rejected with RecordTooLargeException,
    which is not retriable (topic config `max.message.bytes`); a re-send fails the same way."""
    r = check(
        "at-least-once",
        message_bytes=2_000_000,
        max_request_size=3_000_000,
        messages=1,
        rf=2,
        min_isr=1,
    )
    assert r.verdict == "violated"
    ts, cs, s = walk(
        make_spec(message_bytes=2_000_000, max_request_size=3_000_000, messages=1, rf=2, min_isr=1),
        ["send(m1)"],
    )
    assert "reject_too_large(m1,0)" in enabled_names(ts, cs, s)


def test_record_over_max_request_size_with_halt_is_excused():
    """KafkaProducer.send throws RecordTooLargeException when the serialized record is over
    max.request.size (ProducerConfig `max.request.size`); an app that halts on it is
    excused (docs/contract.md section 2)."""
    r = check(
        "at-least-once",
        message_bytes=2_000_000,
        max_message_bytes=3_000_000,
        on_send_error="halt",
        messages=1,
        rf=2,
        min_isr=1,
    )
    assert r.verdict == "holds"


def test_record_over_max_request_size_is_never_delivered_even_if_resent():
    """KafkaProducer.doSend calls ensureValidRecordSize on every send(): a record over
    max.request.size always fails with RecordTooLargeException (ProducerConfig
    `max.request.size`). Re-sending cannot deliver it, so at-least-once is violated."""
    r = check(
        "at-least-once",
        message_bytes=2_000_000,
        max_message_bytes=3_000_000,
        on_send_error="resend",
        messages=1,
        rf=2,
        min_isr=1,
    )
    assert r.verdict == "violated"
