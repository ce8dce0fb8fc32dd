"""Controlled shutdown (mqcheck/model/shutdown.py): leadership and ISR move as for a
crash, the log is flushed, the shutdown is clean and, with ELR, the broker stays eligible."""

from __future__ import annotations

import pytest

from mqcheck.model.compile import build
from mqcheck.run import check_spec
from tests.factories import make_spec
from tests.model.walking import value, walk


def verdict(**kw: object) -> str:
    (r,) = check_spec(make_spec(**kw), ["at-least-once"]).results
    return r.verdict


def test_shutdown_of_the_leader_keeps_its_log_and_leaves_the_partition_to_an_election():
    """KRaft's handleBrokerInControlledShutdown (like the ZooKeeper controller's
    doControlledShutdown) takes the broker's leaderships and ISR memberships; its log stays
    whole (LogManager.shutdown flushes it)."""
    spec = make_spec(rf=2, min_isr=1, messages=1, faults=dict(controlled_shutdown=1))
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "controlled_shutdown(0,0)"])
    assert value(ts, s, "alive_0") == 0 and value(ts, s, "leo_0") == 1
    assert value(ts, s, "leader") == 2  # none until the controller elects broker 2
    assert value(ts, s, "isr_0") == 0 and value(ts, s, "budget_controlled_shutdown") == 0
    _ts, _cs, s = walk(
        spec, ["send(m1)", "append(m1,0,0,0)", "controlled_shutdown(0,0)", "elect(1)"]
    )
    assert value(ts, s, "leader") == 1


def test_shutdown_flushes_the_log():
    """With flush.messages=N tracked, the flushed offset reaches the log end at shutdown,
    so a later power loss (after the restart) finds it on disk."""
    spec = make_spec(
        rf=2,
        min_isr=1,
        messages=2,
        flush_messages=2,
        faults=dict(controlled_shutdown=1, broker_power_loss=1),
    )
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)"])
    assert value(ts, s, "flushed_0") == 0
    _ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "controlled_shutdown(0,0)"])
    assert value(ts, s, "flushed_0") == 1


def test_no_shutdown_while_the_controller_owes_an_election():
    """A leaderless partition with a live ISR member exists only between the model's crash
    and election steps (in Kafka both are one controller event): no shutdown starts there."""
    spec = make_spec(
        rf=3, min_isr=2, messages=1, faults=dict(controlled_shutdown=1, broker_crash=1)
    )
    ts, cs, s = walk(spec, ["broker_crash(0)"])
    enabled = {ts.actions[a].name for a, _ in cs.successors(s)}
    assert not any(n.startswith("controlled_shutdown") for n in enabled)
    assert "elect(1)" in enabled


def test_clean_restart_keeps_the_eligible_leader_replica():
    """KIP-966 with the clean-shutdown detection of 4.0 (KAFKA-15582, KAFKA-18635): a
    broker that shut down cleanly is still in the ELR when it comes back; a crash-restart
    (unclean) removes it."""
    spec = make_spec(
        version=(4, 1),
        elr=True,
        rf=3,
        min_isr=2,
        messages=1,
        faults=dict(follower_lag=1, controlled_shutdown=1, broker_crash=1),
    )
    steps = ["send(m1)", "append(m1,0,0,0)", "isr_shrink(2,0)", "controlled_shutdown(1,0)"]
    ts, _cs, s = walk(spec, steps)
    assert value(ts, s, "elr_1") == 1 and value(ts, s, "clean_1") == 1
    ts, _cs, s = walk(spec, [*steps, "restart_clean(1)"])
    assert value(ts, s, "elr_1") == 1 and value(ts, s, "clean_1") == 0
    crashed = ["send(m1)", "append(m1,0,0,0)", "isr_shrink(2,0)", "broker_crash(1)"]
    ts, _cs, s = walk(spec, crashed)
    assert value(ts, s, "elr_1") == 1
    ts, _cs, s = walk(spec, [*crashed, "restart(1)"])
    assert value(ts, s, "elr_1") == 0


def test_last_known_leader_waits_for_a_broker_in_the_elr():
    """PartitionChangeBuilder.canElectLastKnownLeader refuses while the ELR is not empty,
    even when its members are down: the clean-shut-down ELR member is waited for."""
    spec = make_spec(
        version=(4, 1),
        elr=True,
        rf=3,
        min_isr=2,
        messages=1,
        faults=dict(follower_lag=1, controlled_shutdown=1, broker_power_loss=1),
    )
    steps = [
        "send(m1)",
        "append(m1,0,0,0)",
        "isr_shrink(2,0)",
        "controlled_shutdown(1,0)",
        "broker_power_loss(0,0,0)",
        "restart(0)",
    ]
    ts, cs, s = walk(spec, steps)
    enabled = {ts.actions[a].name for a, _ in cs.successors(s)}
    assert "elect_last_leader(0)" not in enabled
    assert value(ts, s, "elr_1") == 1


@pytest.mark.parametrize(
    "kw",
    [
        dict(rf=3, min_isr=2),
        dict(rf=2, min_isr=1),
        dict(rf=2, min_isr=2, on_send_error="drop"),
        dict(rf=3, min_isr=2, acks=1, idempotence=False),
        dict(rf=3, min_isr=2, version=(4, 1), elr=True),
    ],
)
def test_what_survives_crashes_survives_controlled_shutdowns(kw: dict[str, object]):
    """A controlled shutdown does what a crash does to leadership and the ISR and loses
    less (nothing: the log is flushed), so a verdict that holds under broker_crash holds
    under controlled_shutdown; and loss under a shutdown implies loss under a crash."""
    crash = verdict(messages=1, faults=dict(broker_crash=2), **kw)
    planned = verdict(messages=1, faults=dict(controlled_shutdown=2), **kw)
    assert crash in ("holds", "violated") and planned in ("holds", "violated")
    if crash == "holds":
        assert planned == "holds"


def test_rolling_restart_with_rf2_is_fragile():
    """RF 2: while one broker restarts, the other is a single copy; its power loss then
    loses acknowledged data, and the shutdown step names the hazard."""
    kw = dict(rf=2, min_isr=1, messages=1, faults=dict(controlled_shutdown=1, broker_power_loss=1))
    (r,) = check_spec(make_spec(**kw), ["at-least-once"]).results
    assert r.verdict == "violated"
    assert r.counterexample is not None
    steps = [s for s in r.counterexample.steps if s.kind == "shutdown"]
    assert steps and "replication.factor=2" in steps[0].hazard
    # RF 3 and min ISR 2: the restart leaves two copies in the ISR
    faults = dict(controlled_shutdown=1, broker_power_loss=1)
    assert verdict(rf=3, min_isr=2, messages=1, faults=faults) == "holds"


def test_min_isr_equal_to_rf_is_an_availability_hazard():
    """min.insync.replicas = replication.factor: during the restart every acks=all write
    fails with NotEnoughReplicas; the retrying producer loses nothing."""
    faults = dict(controlled_shutdown=1, follower_lag=0)
    assert verdict(rf=3, min_isr=3, messages=1, faults=faults) == "holds"
    spec = make_spec(rf=3, min_isr=3, messages=1, faults=faults)
    hazards = {a.hazard for a in build(spec).actions if a.kind == "shutdown"}
    assert any("NotEnoughReplicas" in h for h in hazards)
