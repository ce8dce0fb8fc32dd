"""Disk failure (mqcheck/model/disk.py): a JBOD log directory fails (KIP-112); the
replica's log is gone, it leaves the ISR, a leader is replaced in the same controller
event, and the replica rebuilds from the leader."""

from __future__ import annotations

from mqcheck.run import check_spec
from tests.factories import make_spec
from tests.model.walking import value, walk


def verdict(**kw: object) -> str:
    (r,) = check_spec(make_spec(**kw), ["at-least-once"]).results
    return r.verdict


def test_a_follower_loses_its_log_leaves_the_isr_and_rebuilds():
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(disk_failure=1))
    steps = ["send(m1)", "append(m1,0,0,0)", "fetch(1,0,0)", "disk_failure(1,0)"]
    ts, _cs, s = walk(spec, steps)
    assert value(ts, s, "leo_1") == 0 and value(ts, s, "log_1_0") == 0
    assert value(ts, s, "isr_1") == 0 and value(ts, s, "alive_1") == 1
    assert value(ts, s, "leader") == 0
    ts, _cs, s = walk(spec, [*steps, "fetch(1,0,0)"])
    assert value(ts, s, "leo_1") == 1 and value(ts, s, "log_1_0") == 1


def test_a_leader_that_loses_its_log_is_replaced_in_the_same_event():
    """The controller elects another ISR member at once (the replica on the failed
    directory is not an acceptable leader: LeaderAcceptor / hasOnlineDir)."""
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(disk_failure=1))
    steps = ["send(m1)", "append(m1,0,0,0)", "fetch(1,0,0)", "fetch_caught_up(1,0,1)"]
    ts, _cs, s = walk(spec, [*steps, "disk_failure(0,0,1)"])
    assert value(ts, s, "leader") == 1 and value(ts, s, "leo_0") == 0
    assert value(ts, s, "isr_0") == 0 and value(ts, s, "isr_1") == 1


def test_without_elr_the_emptied_last_isr_member_is_elected_again():
    """The ISR never empties without ELR: the replica that lost its log stays the ISR and
    no other replica may be elected; it is later elected with an empty log."""
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(disk_failure=1, follower_lag=1))
    steps = ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "disk_failure(0,0)"]
    ts, cs, s = walk(spec, steps)
    assert value(ts, s, "isr_0") == 1 and value(ts, s, "leader") == 2
    assert value(ts, s, "leo_0") == 0
    enabled = {ts.actions[a].name for a, _ in cs.successors(s)}
    assert "elect(0)" in enabled and "elect(1)" not in enabled


def test_elr_on_vs_off_flips_the_last_isr_member_disk_failure():
    faults = dict(follower_lag=2, disk_failure=1)
    assert verdict(version=(4, 1), rf=3, min_isr=2, faults=faults) == "violated"
    assert verdict(version=(4, 1), elr=True, rf=3, min_isr=2, faults=faults) == "holds"


def test_with_elr_the_emptied_replica_joins_the_elr():
    """handleDirectoriesOffline passes the broker as brokerToRemove, not as an unclean
    shutdown, so maybePopulateTargetElr keeps it: a second fault can then elect it empty."""
    spec = make_spec(
        version=(4, 1),
        elr=True,
        rf=3,
        min_isr=2,
        messages=1,
        faults=dict(follower_lag=1, disk_failure=1),
    )
    steps = ["send(m1)", "append(m1,0,0,0)", "isr_shrink(2,0)", "disk_failure(1,0)"]
    ts, _cs, s = walk(spec, steps)
    assert value(ts, s, "elr_1") == 1 and value(ts, s, "leo_1") == 0
    faults = dict(follower_lag=2, disk_failure=1, broker_crash=1)
    assert verdict(version=(4, 1), elr=True, rf=3, min_isr=2, faults=faults) == "violated"


def test_rf3_min_isr2_without_lag_survives_a_disk_failure():
    assert verdict(rf=3, min_isr=2, faults=dict(disk_failure=1, follower_lag=0)) == "holds"


def test_before_1_0_a_disk_failure_is_not_modelled():
    """Before KIP-112 (1.0) a failed directory stopped the whole broker."""
    (r,) = check_spec(
        make_spec(version=(0, 11), rf=2, min_isr=1, faults=dict(disk_failure=1)),
        ["at-least-once"],
    ).results
    assert r.verdict == "unknown" and "1.0" in r.reason


def test_unclean_election_happens_in_the_same_event():
    """With unclean.leader.election.enable the controller elects a live out-of-sync
    replica at once when the leader, the last ISR member, loses its directory."""
    spec = make_spec(
        rf=2, min_isr=1, unclean=True, messages=1, faults=dict(disk_failure=1, follower_lag=1)
    )
    steps = ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "disk_failure(0,0,1)"]
    ts, _cs, s = walk(spec, steps)
    assert value(ts, s, "leader") == 1 and value(ts, s, "isr_1") == 1


def test_with_elr_and_unclean_election_the_last_resort_is_still_taken():
    """electLeader's order with ELR: ISR, then ELR, then (unclean enabled) any live
    replica; the disk failure of the last ISR member with an empty ELR elects uncleanly."""
    spec = make_spec(
        version=(4, 1),
        elr=True,
        rf=2,
        min_isr=1,
        unclean=True,
        messages=1,
        faults=dict(disk_failure=1, follower_lag=1),
    )
    steps = ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "disk_failure(0,0,1)"]
    ts, _cs, s = walk(spec, steps)
    assert value(ts, s, "elr_1") == 0
    assert value(ts, s, "leader") == 1 and value(ts, s, "isr_1") == 1 and value(ts, s, "isr_0") == 0
