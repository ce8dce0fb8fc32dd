"""Leader isolation (mqcheck/model/isolation.py): a broker is cut off from the controller
and its peers past the session timeout while clients still reach it; the controller fences
it as for a crash, it goes on answering as the leader it believes it is, and when the
network heals it becomes a follower and truncates by leader epoch."""

from __future__ import annotations

import pytest

from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.model.isolation_state import ALONE, CONNECTED, CUT_OFF, TIMES_OUT, TOO_FEW
from mqcheck.model.layout import ACKED, RETRY, WAIT
from mqcheck.run import check_spec
from tests.factories import make_spec
from tests.model.walking import enabled_names, value, walk


def verdict(guarantee: str = "at-least-once", **kw: object) -> str:
    (r,) = check_spec(make_spec(**kw), [guarantee]).results
    return r.verdict


ACKS1 = dict(acks=1, idempotence=False, rf=3, min_isr=2, messages=1)


def test_the_fenced_leader_is_replaced_but_keeps_its_log_and_still_believes_it_leads():
    spec = make_spec(**ACKS1, faults=dict(leader_isolation=1))
    ts, cs, s = walk(spec, ["send(m1)", "leader_isolation(0,0)"])
    assert value(ts, s, "alive_0") == 0 and value(ts, s, "iso_0") == TIMES_OUT
    assert value(ts, s, "isr_0") == 0 and value(ts, s, "leader") == 3
    names = enabled_names(ts, cs, s)
    # the controller may elect another ISR member, never the fenced broker
    assert "elect(1)" in names and "elect(0)" not in names
    # the producer may still reach it; it does not restart (its process never stopped)
    assert "isolated_append(m1,0,0,0,2)" in names and "restart(0)" not in names


def test_acks1_write_to_the_isolated_leader_is_acknowledged_then_truncated_on_heal():
    spec = make_spec(**ACKS1, faults=dict(leader_isolation=1))
    steps = [
        "send(m1)",
        "leader_isolation(0,0)",
        "elect(1)",
        "isolated_append(m1,0,0,0,2)",
        "ack(m1)",
    ]
    ts, _cs, s = walk(spec, steps)
    assert value(ts, s, "status_m1") == ACKED and value(ts, s, "leo_0") == 1
    assert value(ts, s, "leo_1") == 0 and value(ts, s, "hw") == 0
    ts, _cs, s = walk(spec, [*steps, "heal_replaced(0)", "truncate(0,1,0)"])
    assert value(ts, s, "iso_0") == CONNECTED and value(ts, s, "alive_0") == 1
    assert value(ts, s, "leo_0") == 0 and value(ts, s, "log_0_0") == 0


def test_acks_all_write_to_the_isolated_leader_times_out_and_is_retried():
    """Its followers no longer fetch and it cannot shrink its ISR (KIP-497), so its HW
    is frozen: the request expires and the producer retries."""
    spec = make_spec(rf=3, min_isr=2, messages=1, faults=dict(leader_isolation=1))
    ts, cs, s = walk(spec, ["send(m1)", "leader_isolation(0,0)", "isolated_append(m1,0,0,0,2)"])
    assert value(ts, s, "status_m1") == RETRY and value(ts, s, "leo_0") == 1
    assert not any(n.startswith("ack(") for n in enabled_names(ts, cs, s))


def test_a_waiting_acks_all_request_expires_at_the_fence():
    spec = make_spec(rf=3, min_isr=2, messages=1, faults=dict(leader_isolation=1))
    ts, _cs, s = walk(spec, ["send(m1)", "append(m1,0,0,0)", "fetch(1,0,0)"])
    assert value(ts, s, "status_m1") == WAIT
    ts, _cs, s = walk(
        spec, ["send(m1)", "append(m1,0,0,0)", "fetch(1,0,0)", "leader_isolation(0,0)"]
    )
    assert value(ts, s, "status_m1") == RETRY


def test_a_leader_alone_in_its_isr_acknowledges_acks_all_and_is_elected_again():
    spec = make_spec(rf=2, min_isr=1, messages=2, faults=dict(leader_isolation=1, follower_lag=1))
    steps = ["send(m1)", "append(m1,0,0,0)", "isr_shrink(1,0)", "leader_isolation(0,0)"]
    ts, cs, s = walk(spec, steps)
    assert value(ts, s, "iso_0") == ALONE and value(ts, s, "isr_0") == 1
    # m1 was already below its HW: its ack is still on the way
    assert value(ts, s, "status_m1") == WAIT
    assert "elect(1)" not in enabled_names(ts, cs, s)
    more = ["send(m2)", "isolated_append(m2,0,1,0,3)", "heal_replaced(0)", "elect(0)"]
    ts, cs, s = walk(spec, [*steps, *more])
    assert value(ts, s, "status_m2") == ACKED and value(ts, s, "leader") == 0
    assert value(ts, s, "leo_0") == 2


def test_below_min_isr_the_isolated_leader_refuses_acks_all():
    spec = make_spec(rf=3, min_isr=3, messages=1, faults=dict(leader_isolation=1, follower_lag=1))
    steps = ["send(m1)", "append(m1,0,0,0)", "isr_shrink(2,0)", "leader_isolation(0,0)"]
    ts, _cs, s = walk(spec, steps)
    assert value(ts, s, "iso_0") == TOO_FEW and value(ts, s, "status_m1") == RETRY
    ts, cs, s = walk(spec, [*steps, "retry_dispatch(m1)"])
    names = enabled_names(ts, cs, s)
    assert "isolated_reject(m1,0)" in names
    assert not any(n.startswith("isolated_append(") for n in names)


def test_an_isolated_follower_is_fenced_out_of_the_isr_and_rejoins_after_the_heal():
    spec = make_spec(**ACKS1, faults=dict(leader_isolation=1))
    ts, cs, s = walk(spec, ["leader_isolation(1,0)"])
    assert value(ts, s, "iso_1") == CUT_OFF and value(ts, s, "isr_1") == 0
    assert value(ts, s, "leader") == 0
    assert not any(n.startswith("isolated_") for n in enabled_names(ts, cs, s))
    ts, _cs, s = walk(
        spec, ["leader_isolation(1,0)", "heal(1)", "fetch_caught_up(1,0,0)", "isr_expand(1,0)"]
    )
    assert value(ts, s, "isr_1") == 1 and value(ts, s, "iso_1") == CONNECTED


def test_a_power_loss_ends_the_isolated_process():
    spec = make_spec(**ACKS1, faults=dict(leader_isolation=1, simultaneous_power_loss=1))
    ts, cs, s = walk(spec, ["leader_isolation(0,0)", "simultaneous_power_loss(0,0,0)"])
    assert value(ts, s, "iso_0") == CONNECTED
    assert "restart(0)" in enabled_names(ts, cs, s)


def test_with_elr_the_isolated_leader_stays_eligible_after_the_heal():
    """A fence is no unclean shutdown: the broker's process never stopped."""
    spec = make_spec(
        version=(4, 1), elr=True, rf=2, min_isr=2, messages=1, faults=dict(leader_isolation=1)
    )
    ts, _cs, s = walk(spec, ["leader_isolation(0,0)"])
    assert value(ts, s, "elr_0") == 1
    ts, _cs, s = walk(spec, ["leader_isolation(0,0)", "heal_replaced(0)"])
    assert value(ts, s, "elr_0") == 1 and value(ts, s, "alive_0") == 1


def test_acks1_vs_acks_all_flips_at_least_once():
    faults = dict(leader_isolation=1)
    assert verdict(acks=1, idempotence=False, rf=3, min_isr=2, faults=faults) == "violated"
    assert verdict(acks=-1, rf=3, min_isr=2, faults=faults) == "holds"
    assert verdict(acks=0, idempotence=False, rf=3, min_isr=2, faults=faults) == "violated"


def test_without_the_fault_nothing_is_declared():
    ts = build(make_spec(**ACKS1))
    assert not any(v.name.startswith("iso_") for v in ts.variables)
    assert not any(a.fault == "leader_isolation" for a in ts.actions)


@pytest.mark.parametrize(
    "kw",
    [
        dict(version=(0, 10)),
        dict(unclean=True),
    ],
    ids=["before-0.11", "unclean-with-consumer"],
)
def test_not_modelled_cases_are_refused(kw: dict[str, object]) -> None:
    with pytest.raises(UnsupportedSpec, match="leader_isolation"):
        build(make_spec(faults=dict(leader_isolation=1), **kw))  # type: ignore[arg-type]
