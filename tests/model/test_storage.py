"""Storage and broker faults (mqcheck/model/storage.py): page cache vs flushed prefix,
broker crash vs power loss, simultaneous power loss, restarts."""

from __future__ import annotations

from mqcheck.model.layout import RETRY
from mqcheck.result import GuaranteeResult
from mqcheck.run import check_spec
from tests.factories import make_spec
from tests.model.walking import value, walk


def check(guarantee: str, **kw: object) -> GuaranteeResult:
    (r,) = check_spec(make_spec(**kw), [guarantee]).results
    return r


def test_flush_every_message_survives_simultaneous_power_loss():
    """flush.messages=1 forces an fsync of every message before it is acknowledged (topic
    config `flush.messages`), so even losing power on every broker at once loses nothing."""
    r = check("at-least-once", flush_messages=1, messages=1, faults=dict(simultaneous_power_loss=1))
    assert r.verdict == "holds"


def test_default_flush_loses_acked_data_on_simultaneous_power_loss():
    """By default Kafka leaves flushing to the OS and relies on replication for durability
    (Kafka docs "Persistence": "we don't fsync"; `log.flush.interval.messages` defaults to
    Long.MAX_VALUE). acks=all only means every ISR member has it in page cache; a
    datacenter-wide power loss loses it."""
    r = check("at-least-once", messages=1, faults=dict(simultaneous_power_loss=1))
    assert r.verdict == "violated"
    k = [s.kind for s in r.counterexample.steps]
    assert "power_loss" in k
    assert k.index("ack") < k.index("power_loss")
    assert r.counterexample.lost == ("m1",)


def test_replication_covers_a_single_broker_power_loss():
    """Replication is Kafka's durability mechanism (docs "Persistence"/"Replication"): with
    acks=all, rf=3, min.insync.replicas=2 one broker losing its page cache is survived."""
    r = check("at-least-once", rf=3, min_isr=2, messages=1, faults=dict(broker_power_loss=1))
    assert r.verdict == "holds"


def test_power_loss_of_the_only_isr_member_loses_data():
    """With min.insync.replicas=1 the ISR may be the leader alone; its power loss drops the
    unflushed record and, as the last ISR member, it is re-elected with the shorter log
    (KIP-966 motivation: "last replica standing" unclean recovery)."""
    r = check(
        "at-least-once",
        rf=2,
        min_isr=1,
        messages=1,
        faults=dict(follower_lag=1, broker_power_loss=1),
    )
    assert r.verdict == "violated"
    k = [s.kind for s in r.counterexample.steps]
    assert "power_loss" in k and "isr_shrink" in k


def test_broker_crash_keeps_page_cache():
    """A process crash (not a power loss) leaves the OS page cache intact, so the log is
    unchanged on restart (Kafka docs "Persistence"; LogLoader recovery)."""
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(broker_crash=1))
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "broker_crash(0)"])
    assert value(ts, s, "leo_0") == 1 and value(ts, s, "log_0_0") == 1
    assert value(ts, s, "alive_0") == 0
    assert value(ts, s, "leader") == 2


def test_power_loss_drops_the_unflushed_suffix():
    """log.flush.interval.messages: data past the last flush is only in page cache and is
    gone after a power loss; the OS may have written back any prefix before, so a power
    loss may keep anything from nothing to the whole log."""
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(broker_power_loss=1))
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "broker_power_loss(0,0,0)"])
    assert value(ts, s, "leo_0") == 0 and value(ts, s, "log_0_0") == 0
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "broker_power_loss(0,0,1)"])
    assert value(ts, s, "leo_0") == 1 and value(ts, s, "log_0_0") == 1
    # nothing can be kept that was never written
    assert ts.action_named("broker_power_loss(0,0,2)") is None or not walk_enabled(
        spec, ["send(m1)", "append(m1,0,0,0)"], "broker_power_loss(0,0,2)"
    )


def walk_enabled(spec, names, action):
    ts, cs, s = walk(spec, names)
    return action in [ts.actions[a].name for a, _ in cs.successors(s)]


def test_flush_messages_n_flushes_on_the_nth_message():
    """flush.messages=N: the log is fsynced once N messages are unflushed (UnifiedLog:
    unflushedMessages >= flushInterval)."""
    spec = make_spec(
        flush_messages=2,
        rf=2,
        min_isr=1,
        messages=2,
        idempotence=False,
        acks=1,
        faults=dict(broker_power_loss=1),
    )
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)"])
    assert value(ts, s, "flushed_0") == 0
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "send(m2)", "append(m2,0,1,0)"])
    assert value(ts, s, "flushed_0") == 2


def test_leader_crash_fails_in_flight_requests_for_retry():
    """When the leader dies, requests to it fail (NotLeaderOrFollower / disconnect) and the
    producer retries them (ProducerConfig `retries`)."""
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(broker_crash=1))
    ts, _cs, s = walk(spec, ["send(m1)", "broker_crash(0)"])
    assert value(ts, s, "status_m1") == RETRY
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "broker_crash(0)"])
    assert value(ts, s, "status_m1") == RETRY


def test_a_crash_step_says_who_the_broker_was() -> None:
    """Each crash action is grounded on the partition's leader at that moment, so its text
    states the role ("broker 1, the leader, crashes"), never "if it led the partition"."""
    from mqcheck.model.compile import build

    system = build(make_spec(rf=3, messages=1, faults=dict(broker_crash=1, broker_power_loss=1)))
    texts = {a.name: a.text for a in system.actions if a.kind in ("broker_crash", "power_loss")}
    assert texts["broker_crash(0,0)"] == (
        "broker 1, the leader, crashes (its page cache survives); the partition has no leader "
        "until an election"
    )
    assert texts["broker_crash(1,0)"] == (
        "broker 2, a follower, crashes (its page cache survives); leader broker 1 carries on"
    )
    assert texts["broker_crash(1,3)"].endswith("; the partition still has no leader")
    assert texts["broker_power_loss(2,2,1)"].startswith(
        "broker 3, the leader, loses power: the process dies, and the OS had written 1 of its"
    )
    assert not any("if it led" in t for t in texts.values())
