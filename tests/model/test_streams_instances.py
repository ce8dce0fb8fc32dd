"""Several instances of one Kafka Streams application (`processors.<name>.instances`): each
test pins one behaviour of docs/semantics.md §2.17 on orders -> p1 -> t1 -> billing.

billing commits before processing and resets to earliest, so a stall of billing itself
neither loses nor repeats a record (§4.9): every verdict below is about the processor's
instances."""

from __future__ import annotations

import pytest

from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.model.transaction_state import ABORTING
from mqcheck.run import check_spec, compile_spec
from mqcheck.spec.load import load_spec_text
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from tests.model.test_processors import verdicts
from tests.model.walking import enabled_names, value, walk


def streams(
    guarantee: str = "at_least_once",
    *,
    instances: int | None = 2,
    faults: str = "consumer_stall: 1",
    version: str = "3.7",
    isolation: str = "read_committed",
    messages: int = 1,
    ordering: bool = False,
) -> Spec:
    count = "" if instances is None else f"\n    instances: {instances}"
    text = f"""
mqcheck: 1
name: instances
kafka_version: "{version}"
cluster: {{brokers: 1}}
topics:
  orders: {{partitions: 1, replication.factor: 1}}
  t1: {{partitions: 1, replication.factor: 1}}
producers:
  shop: {{topic: orders, acks: all, enable.idempotence: true}}
processors:
  p1:
    from: orders
    to: t1
    application.id: g1
    processing.guarantee: {guarantee}{count}
consumers:
  billing:
    topic: t1
    group.id: billing
    enable.auto.commit: false
    auto.offset.reset: earliest
    isolation.level: {isolation}
    app: {{commit: before_processing}}
faults:
  {faults}
  follower_lag: false
check:
  guarantees: [at-least-once, at-most-once]
  ordering: {str(ordering).lower()}
  messages: {messages}
"""
    loaded = load_spec_text(text)
    assert loaded.spec is not None, loaded.errors
    return loaded.spec


# m1 is written to orders, p1's instance 1 processes it and its output is acknowledged.
PROCESSED_M1 = [
    "orders-0/send(m1)",
    "orders-0/append(m1,0,0,0)",
    "orders-0/poll(c1,0,0,0)",
    "orders-0/process(c1,1)",
    "t1-0/append(m1,0,0,0)",
]


def test_at_least_once_zombie_output_is_duplicated_by_the_new_owner() -> None:
    """Nothing fences an at_least_once zombie: what it wrote stays, and the instance that
    takes its task over processes the same input again (KIP-62, CommitFailedException)."""
    result = {r.guarantee: r for r in check_spec(streams()).results}
    assert result["at-least-once"].verdict == "holds"
    cex = result["at-most-once"].counterexample
    assert cex is not None and cex.duplicated == ("m1",)
    stalls = [s for s in cex.steps if s.kind == "stall"]
    assert [s.actor for s in stalls] == ["processor:p1"]
    assert "p1-2" in stalls[0].text
    assert stalls[0].fix.startswith("processing.guarantee=exactly_once_v2")


def test_at_least_once_stall_keeps_the_zombie_outputs_and_rewinds_the_task() -> None:
    spec = streams()
    ts, cs, state = walk(spec, PROCESSED_M1)
    assert "orders-0/processor_stall(p1,0)" not in enabled_names(ts, cs, state)  # not acked
    ack = next(n for n in enabled_names(ts, cs, state) if n.startswith("t1-0/ack(m1"))
    ts, cs, state = walk(spec, [*PROCESSED_M1, ack, "orders-0/processor_stall(p1,0)"])
    assert value(ts, state, "x0_owner") == 1
    assert value(ts, state, "c1_pos") == 0  # the new owner starts at offset 0 again
    assert value(ts, state, "t1_leo_0") == 1  # the zombie's output is in the log


def test_exactly_once_v2_zombie_is_fenced_by_its_group_generation() -> None:
    """KIP-447: the zombie's TxnOffsetCommit carries a stale generation, so its transaction
    aborts; read_committed downstream never sees its output."""
    assert verdicts(streams("exactly_once_v2")) == {
        "at-least-once": "holds",
        "at-most-once": "holds",
    }
    spec = streams("exactly_once_v2")
    steps = ["t1-0/txn_begin(p1)", *PROCESSED_M1, "orders-0/processor_stall(p1,0)"]
    ts, _, state = walk(spec, steps)
    assert value(ts, state, "txn_p1") == ABORTING
    assert value(ts, state, "c1_pos") == 0
    assert value(ts, state, "x0_owner") == 1


def test_exactly_once_v2_zombie_output_is_seen_by_read_uncommitted() -> None:
    spec = streams("exactly_once_v2", isolation="read_uncommitted")
    assert verdicts(spec)["at-most-once"] == "violated"


@pytest.mark.parametrize(
    ("guarantee", "version"), [("exactly_once", "2.8"), ("exactly_once_beta", "2.8")]
)
def test_older_exactly_once_protocols_fence_the_zombie_too(guarantee: str, version: str) -> None:
    """v1 (KIP-129): the new owner's producer has the task's transactional.id and fences the
    zombie in initTransactions(); exactly_once_beta (2.6-2.8) is the v2 protocol."""
    spec = streams(guarantee, version=version)
    assert verdicts(spec) == {"at-least-once": "holds", "at-most-once": "holds"}
    ts = build(spec)
    stall = next(a for a in ts.actions if a.kind == "stall" and "p1" in a.name)
    assert ("KIP-129" in stall.text) == (guarantee == "exactly_once")


def test_one_instance_is_the_model_of_before() -> None:
    """instances: 1 (the default) declares nothing new and grounds the same actions."""
    for faults in ("processor_crash: 1", "broker_crash: 1"):
        default = build(streams(instances=None, faults=faults))
        one = build(streams(instances=1, faults=faults))
        assert [v.name for v in one.variables] == [v.name for v in default.variables]
        assert [a.name for a in one.actions] == [a.name for a in default.actions]
        assert not any(v.name.endswith("_owner") for v in one.variables)


def test_several_instances_without_a_fault_that_moves_the_task_change_nothing() -> None:
    one = build(streams(instances=1, faults="broker_crash: 1"))
    three = build(streams(instances=3, faults="broker_crash: 1"))
    assert [v.name for v in three.variables] == [v.name for v in one.variables]
    assert [a.name for a in three.actions] == [a.name for a in one.actions]


def test_a_stall_of_a_lone_instance_is_not_modelled() -> None:
    with pytest.raises(UnsupportedSpec, match="with one instance"):
        build(streams(instances=1))
    result = check_spec(streams(instances=1))
    assert {r.verdict for r in result.results} == {"unknown"}
    assert all(r.reason.startswith("not modelled: consumer_stall") for r in result.results)


def test_ordering_across_a_task_migration_is_not_modelled() -> None:
    result = check_spec(streams(ordering=True))
    assert {r.verdict for r in result.results} == {"unknown"}
    assert all("may land in either order" in r.reason for r in result.results)


def test_a_crashed_instance_hands_its_task_to_the_next() -> None:
    """processor_crash with several instances: the same verdicts as one instance; the
    task moves on, so the narrative names the instance that takes it."""
    for guarantee in ("at_least_once", "exactly_once_v2"):
        many = streams(guarantee, faults="processor_crash: 1")
        one = streams(guarantee, instances=1, faults="processor_crash: 1")
        assert verdicts(many) == verdicts(one)
    ts = build(streams(faults="processor_crash: 1"))
    crashes = [a for a in ts.actions if a.fault == "processor_crash"]
    assert [a.name for a in crashes] == [
        "orders-0/processor_crash(p1,0)",
        "orders-0/processor_crash(p1,1)",
    ]
    assert "to p1-2" in crashes[0].text and "to p1-1" in crashes[1].text


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once_v2"])
def test_a_clean_rebalance_hands_the_task_over_at_its_committed_offset(guarantee: str) -> None:
    """TaskManager.handleRevocation commits a revoked task before it is given up."""
    spec = streams(guarantee, faults="group_rebalance: 1", messages=2)
    assert verdicts(spec) == {"at-least-once": "holds", "at-most-once": "holds"}
    ts = build(spec)
    assert any(a.kind == "rebalance" and a.actor == "processor:p1" for a in ts.actions)


def test_instance_counterexamples_replay() -> None:
    spec = streams(messages=2)
    result = {r.guarantee: r for r in check_spec(spec).results}
    cex = result["at-most-once"].counterexample
    assert cex is not None
    steps = [step_json(s) for s in cex.steps]
    outcome = replay(compile_spec(spec, spec.checked_guarantees()), "at-most-once", steps)
    assert outcome.ok, outcome.message


@pytest.mark.slow
def test_both_engines_agree_on_an_instance_stall() -> None:
    result = check_spec(streams(), engine="both", timeout_s=120)
    assert not result.disagreements
    assert {r.guarantee: r.verdict for r in result.results} == {
        "at-least-once": "holds",
        "at-most-once": "violated",
    }
