"""Replication hop (mqcheck/model/replication.py): follower fetch, the high watermark,
ISR shrink/expand, and leader-epoch truncation of a diverged follower."""

from __future__ import annotations

from mqcheck.ir.compile_py import compile_system
from mqcheck.model.compile import build
from mqcheck.result import GuaranteeResult
from mqcheck.run import check_spec
from tests.factories import make_spec
from tests.model.walking import enabled_names, value, walk


def check(guarantee: str, **kw: object) -> GuaranteeResult:
    (r,) = check_spec(make_spec(**kw), [guarantee]).results
    return r


def reachable(ts, cs, limit: int = 200_000):
    seen = {ts.initial_state()}
    frontier = [ts.initial_state()]
    while frontier:
        nxt = []
        for s in frontier:
            for _a, t in cs.successors(s):
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
        assert len(seen) < limit
    return seen


# ---- the high watermark ----------------------------------------------------------------


def test_consumer_never_reads_past_the_high_watermark():
    """ "Consumers only read up to the high watermark" — only committed messages (replicated
    to every ISR member) are given out (Kafka docs "Replication": "Only committed messages
    are ever given out to the consumer"). Over every reachable state of a faulty acks=1
    cluster, every enabled poll reads an offset below the HW, and the HW never exceeds the
    leader's log end."""
    spec = make_spec(
        acks=1,
        idempotence=False,
        rf=2,
        min_isr=1,
        messages=1,
        faults=dict(broker_crash=1, follower_lag=1),
    )
    ts = build(spec)
    cs = compile_system(ts)
    idx = ts.index()
    polls = 0
    for s in reachable(ts, cs):
        leader = s[idx["leader"]]
        if leader < 2:  # 2 = rf = "no leader"
            assert s[idx["hw"]] <= s[idx[f"leo_{leader}"]]
        for a, _ in cs.successors(s):
            act = ts.actions[a]
            if act.name.startswith("poll("):
                polls += 1
                assert act.params["offset"] < s[idx["hw"]]
                assert act.params["leader"] == leader
    assert polls > 0


def test_high_watermark_needs_follower_confirmation():
    """The HW is the smallest LEO among ISR members as the leader learns it from their fetch
    requests (Partition.maybeIncrementLeaderHW); a follower's fetch at offset k confirms
    only offsets below k, so the HW moves on the *next* fetch."""
    spec = make_spec(rf=2, min_isr=1, messages=1)
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "fetch(1,0,0)"])
    assert value(ts, s, "hw") == 0
    assert value(ts, s, "leo_1") == 1
    ts, _cs, s = walk(
        spec, ["send(m1)", "append(m1,0,0,0)", "fetch(1,0,0)", "fetch_caught_up(1,0,1)"]
    )
    assert value(ts, s, "hw") == 1


def test_isr_shrink_lets_the_high_watermark_advance():
    """A follower removed from the ISR (replica.lag.time.max.ms) no longer holds the HW back
    (Partition.maybeShrinkIsr is followed by maybeIncrementLeaderHW)."""
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(follower_lag=1))
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)"])
    assert value(ts, s, "isr_1") == 0
    assert value(ts, s, "hw") == 1


def test_kafka_3_7_hw_does_not_advance_below_min_isr():
    """KAFKA-15583 (fixed in 3.7.0): the HW does not advance while the ISR is smaller than
    min.insync.replicas; before 3.7 it did."""
    names = ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "isr_shrink(2,0)"]
    kw = dict(acks=1, idempotence=False, rf=3, min_isr=2, messages=1, faults=dict(follower_lag=2))
    ts, _cs, s = walk(make_spec(version=(3, 7), **kw), names)
    assert value(ts, s, "hw") == 0
    ts, _cs, s = walk(make_spec(version=(3, 6), **kw), names)
    assert value(ts, s, "hw") == 1


def test_isr_expand_when_follower_catches_up():
    """A follower rejoins the ISR once its LEO reaches the leader's HW (Partition
    .maybeExpandIsr: followerEndOffset >= leaderHW)."""
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(follower_lag=1))
    ts, cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)"])
    assert "isr_expand(1,0)" not in enabled_names(ts, cs, s)  # it knows LEO 0 < HW 1
    ts, cs, s = walk(
        spec,
        [
            "send(m1)",
            "append(m1,0,0,0)",
            "isr_shrink(1,0)",
            "fetch(1,0,0)",
            "fetch_caught_up(1,0,1)",
        ],
    )
    assert "isr_expand(1,0)" in enabled_names(ts, cs, s)


def test_follower_lag_with_min_isr_1_loses_on_unclean_election():
    """min.insync.replicas=1 lets the ISR shrink to the leader alone and acks=all still
    succeeds; an unclean election then loses acknowledged data (Kafka docs "Availability and
    Durability Guarantees")."""
    r = check(
        "at-least-once",
        rf=2,
        min_isr=1,
        unclean=True,
        messages=1,
        faults=dict(follower_lag=1, broker_crash=1),
    )
    assert r.verdict == "violated"
    k = [s.kind for s in r.counterexample.steps]
    assert k.index("isr_shrink") < k.index("ack") < k.index("broker_crash")


# ---- truncation ------------------------------------------------------------------------


def test_diverged_follower_truncates_after_leader_change():
    """KIP-101/KIP-279: after a leader change a follower truncates to the point where its log
    and the new leader's diverge (OffsetsForLeaderEpoch), then fetches the leader's entries."""
    spec = make_spec(
        acks=1, idempotence=False, rf=2, min_isr=1, messages=2, faults=dict(broker_crash=1)
    )
    names = ["send(m1)", "append(m1,0,0,0)", "broker_crash(0)", "elect(1)", "restart(0)"]
    ts, cs, s = walk(spec, names)
    assert "truncate(0,1,0)" in enabled_names(ts, cs, s)
    # no fetch until the diverging entry is dropped
    assert not [n for n in enabled_names(ts, cs, s) if n.startswith("fetch(0,")]
    ts, cs, s = walk(spec, [*names, "truncate(0,1,0)"])
    assert value(ts, s, "leo_0") == 0 and value(ts, s, "log_0_0") == 0


def test_truncate_keeps_the_common_prefix():
    """KIP-279: only entries past the divergence point are dropped; the shared prefix stays."""
    spec = make_spec(
        acks=1, idempotence=False, rf=2, min_isr=1, messages=2, faults=dict(broker_crash=1)
    )
    names = [
        "send(m1)",
        "append(m1,0,0,0)",
        "fetch(1,0,0)",
        "fetch_caught_up(1,0,1)",
        "send(m2)",
        "append(m2,0,1,0)",
        "broker_crash(0)",
        "elect(1)",
        "restart(0)",
    ]
    ts, cs, s = walk(spec, names)
    names_enabled = enabled_names(ts, cs, s)
    assert "truncate(0,1,1)" in names_enabled and "truncate(0,1,0)" not in names_enabled
    ts, cs, s = walk(spec, [*names, "truncate(0,1,1)"])
    assert value(ts, s, "leo_0") == 1 and value(ts, s, "log_0_0") == 1


def test_truncation_follows_an_acks1_loss():
    """acks=1 loss story (ProducerConfig `acks`): the leader acknowledges, dies, a follower
    without the record is elected, and when the old leader returns it truncates the
    unreplicated suffix (KIP-101). From the counterexample's last state every fault-free
    continuation is explored; the old leader's truncation must be among them."""
    kw = dict(acks=1, idempotence=False, rf=2, min_isr=1, messages=1, faults=dict(broker_crash=1))
    r = check("at-least-once", **kw)
    assert r.verdict == "violated"
    ts, cs, s = walk(make_spec(**kw), [st.action for st in r.counterexample.steps])
    seen, frontier, truncations = {s}, [s], set()
    while frontier:
        nxt = []
        for x in frontier:
            for a, t in cs.successors(x):
                act = ts.actions[a]
                if act.fault is not None:
                    continue
                if act.kind == "truncate":
                    truncations.add(act.name)
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    assert "truncate(0,1,0)" in truncations


# ---- model bugs ------------------------------------------------------------------------


def test_single_replica_topic_delivers_without_faults():
    """replication.factor=1 (default.replication.factor defaults to 1): the leader is the
    whole ISR, and appendRecordsToLeader calls maybeIncrementLeaderHW ("we may need to
    increment high watermark since ISR could be down to 1"), so the HW follows the LEO and
    the consumer reads the message. With no faults nothing can be lost."""
    r = check("at-least-once", rf=1, min_isr=1, messages=1)
    assert r.verdict == "holds"


def test_append_advances_hw_when_leader_is_the_whole_isr():
    """Partition.appendRecordsToLeader ends with maybeIncrementLeaderHW ("we may need to
    increment high watermark since ISR could be down to 1"): with the ISR shrunk to the
    leader, an append moves the HW to the new LEO at once."""
    spec = make_spec(rf=2, min_isr=1, messages=2, faults=dict(follower_lag=1))
    ts, _cs, s = walk(
        spec, ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "send(m2)", "append(m2,0,1,0)"]
    )
    assert value(ts, s, "hw") == 2


def test_follower_crash_shrinks_isr_and_acks_with_leader_alone():
    """When a follower dies the controller removes it from the ISR and the leader, on the
    new ISR, increments the HW ("we may need to increment high watermark since ISR could be
    down to 1", Partition.makeLeader). With min.insync.replicas=1 the message is then
    acknowledged with only the leader holding it; losing the leader and electing the
    restarted follower uncleanly loses it (rf=2, unclean=true, two broker crashes)."""
    r = check(
        "at-least-once", rf=2, min_isr=1, unclean=True, messages=1, faults=dict(broker_crash=2)
    )
    assert r.verdict == "violated"


def test_hw_advances_when_crashed_follower_leaves_isr():
    """Partition.makeLeader / updateAssignmentAndIsr → maybeIncrementLeaderHW: after the
    ISR shrinks to the leader alone (follower crashed) the HW reaches the leader's LEO."""
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(broker_crash=1))
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "broker_crash(1)"])
    assert value(ts, s, "isr_1") == 0
    assert value(ts, s, "hw") == 1
