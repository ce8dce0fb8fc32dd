"""Leader election (mqcheck/model/election.py): clean elections pick only live ISR
members, unclean elections (unclean.leader.election.enable=true) may pick an out-of-sync
replica and lose acknowledged data."""

from __future__ import annotations

from mqcheck.result import GuaranteeResult
from mqcheck.run import check_spec
from tests.factories import make_spec
from tests.model.walking import enabled_names, value, walk


def check(guarantee: str, **kw: object) -> GuaranteeResult:
    (r,) = check_spec(make_spec(**kw), [guarantee]).results
    return r


def test_clean_election_picks_only_isr_members():
    """With unclean.leader.election.enable=false the controller elects a new leader only
    from the live ISR (Kafka docs "Replicated Logs: Quorums, ISRs, and State Machines";
    KIP-106). rf=3: broker 2 dropped out of the ISR, broker 1 (leader) crashes: only broker 3
    may lead."""
    spec = make_spec(rf=3, min_isr=1, messages=1, faults=dict(follower_lag=1, broker_crash=1))
    ts, cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "broker_crash(0)"])
    names = enabled_names(ts, cs, s)
    assert "elect(2)" in names
    assert "elect(1)" not in names
    assert not [n for n in names if n.startswith("elect_unclean")]
    ts, cs, s = walk(
        spec, ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "broker_crash(0)", "elect(2)"]
    )
    assert value(ts, s, "leader") == 2
    # the dead old leader is no longer in the ISR
    assert value(ts, s, "isr_0") == 0


def test_clean_election_waits_for_the_last_isr_member():
    """The ISR never becomes empty: when the last ISR member dies the partition stays offline
    until it returns (unclean.leader.election.enable=false, Kafka docs "Unclean leader
    election")."""
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(follower_lag=1, broker_crash=1))
    names = ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "broker_crash(0)"]
    ts, cs, s = walk(spec, names)
    assert value(ts, s, "isr_0") == 1  # the last ISR member stays in the ISR
    assert value(ts, s, "leader") == 2  # offline
    assert not [n for n in enabled_names(ts, cs, s) if n.startswith("elect")]
    ts, cs, s = walk(spec, [*names, "restart(0)"])
    assert "elect(0)" in enabled_names(ts, cs, s)


def test_clean_election_loses_nothing_when_leader_returns():
    """unclean=false + lagging follower + leader crash: the partition goes offline and the
    old leader, the only ISR member, comes back with the data: nothing is lost (Kafka docs
    "Unclean leader election": availability is traded for durability)."""
    r = check(
        "at-least-once",
        rf=2,
        min_isr=1,
        unclean=False,
        messages=1,
        faults=dict(follower_lag=1, broker_crash=1),
    )
    assert r.verdict == "holds"


def test_unclean_election_loses_acknowledged_message():
    """unclean.leader.election.enable=true: "Indicates whether to enable replicas not in the
    ISR set to be elected as leader as a last resort, even though doing so may result in data
    loss" (broker/topic config docs)."""
    r = check(
        "at-least-once",
        rf=2,
        min_isr=1,
        unclean=True,
        messages=1,
        faults=dict(follower_lag=1, broker_crash=1),
    )
    assert r.verdict == "violated"
    elects = [s for s in r.counterexample.steps if s.kind == "elect"]
    assert elects and "unclean" in elects[-1].text
    assert r.counterexample.steps[-1].kind == "elect"
    assert r.counterexample.lost == ("m1",)


def test_unclean_election_only_when_no_isr_member_is_alive():
    """Unclean election is a last resort: only when no ISR member is alive
    (unclean.leader.election.enable docs)."""
    spec = make_spec(
        rf=3, min_isr=1, unclean=True, messages=1, faults=dict(follower_lag=1, broker_crash=1)
    )
    ts, cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "broker_crash(0)"])
    names = enabled_names(ts, cs, s)
    assert "elect(2)" in names
    assert not [n for n in names if n.startswith("elect_unclean")]


def test_unclean_election_with_min_isr_2_rf_3_still_holds_for_one_crash():
    """With min.insync.replicas=2 an acknowledged record is on two replicas; one crash
    leaves a live ISR member, so unclean election is never needed (Kafka docs
    "Availability and Durability Guarantees")."""
    r = check(
        "at-least-once", rf=3, min_isr=2, unclean=True, messages=1, faults=dict(broker_crash=1)
    )
    assert r.verdict == "holds"


def test_new_leader_high_watermark_within_its_log():
    """A newly elected leader's HW cannot exceed its own log end (Partition.makeLeader uses
    the local replica's HW); here the old leader's HW of 1 becomes 0 on an empty new
    leader."""
    spec = make_spec(
        rf=2, min_isr=1, unclean=True, messages=1, faults=dict(follower_lag=1, broker_crash=1)
    )
    names = [
        "send(m1)",
        "append(m1,0,0,0)",
        "isr_shrink(1,0)",
        "broker_crash(0)",
        "elect_unclean(1)",
    ]
    ts, _cs, s = walk(spec, names)
    assert value(ts, s, "leader") == 1
    assert value(ts, s, "hw") == 0
    assert value(ts, s, "isr_1") == 1 and value(ts, s, "isr_0") == 0
