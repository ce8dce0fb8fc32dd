"""Consumer groups (model/group.py, model/group_members.py): members sharing a group.id are
one group; stalls make zombies; clean rebalances repeat records only where Kafka does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec
from mqcheck.spec.schema import Spec
from tests.factories import make_spec

ROOT = Path(__file__).resolve().parents[2]
COOPERATIVE = ("org.apache.kafka.clients.consumer.CooperativeStickyAssignor",)
EAGER_DEFAULT = (
    "org.apache.kafka.clients.consumer.RangeAssignor",
    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
)


def _group(spec: Spec, **changes: object) -> Spec:
    consumers = {
        name: replace(c, group_id="billing", **changes)  # type: ignore[arg-type]
        for name, c in spec.consumers.items()
    }
    return replace(spec, consumers=consumers)


def _partitions(spec: Spec, n: int) -> Spec:
    return replace(spec, topics={"events": replace(spec.topics["events"], partitions=n)})


def _verdicts(spec: Spec) -> dict[str, str]:
    result = check_spec(spec, spec.checked_guarantees())
    return {r.guarantee: r.verdict for r in result.results}


def _base(**kw: object) -> Spec:
    args: dict[str, object] = {"rf": 2, "min_isr": 1, "consumers": 2}
    args.update(kw)
    return make_spec(**args)  # type: ignore[arg-type]


def test_members_of_one_group_share_one_committed_offset() -> None:
    system = build(_group(_base(faults={"consumer_crash": 1})))
    names = {v.name for v in system.variables}
    assert "c0_committed" in names and "c0_owner" in names
    assert not any(n.startswith("c1_") for n in names)  # no second, independent group
    owner = next(v for v in system.variables if v.name == "c0_owner")
    assert owner.labels == {0: "reader0", 1: "reader1", 2: "none"}


def test_consumers_in_different_groups_are_judged_each_on_its_own() -> None:
    system = build(_base(faults={"consumer_crash": 1}))
    names = {v.name for v in system.variables}
    assert "c1_committed" in names and "c0_owner" not in names


def test_a_group_processes_each_message_once_not_each_member() -> None:
    """Two members of one group, no faults: every message processed once by the group."""
    spec = _group(_base(faults={}, reset="latest", joins="before_production"))
    assert _verdicts(spec) == {"at-least-once": "holds", "at-most-once": "holds"}


def test_members_with_different_settings_are_not_modelled() -> None:
    spec = _group(_base(faults={"consumer_crash": 1}))
    first, second = spec.consumers.values()
    spec = replace(
        spec,
        consumers={first.name: first, second.name: replace(second, auto_offset_reset="latest")},
    )
    with pytest.raises(UnsupportedSpec, match=r"different settings .*auto_offset_reset"):
        build(spec)


def test_async_processing_with_a_stall_is_not_modelled() -> None:
    spec = _group(_base(commit="auto", processing="async", faults={"consumer_stall": 1}))
    with pytest.raises(UnsupportedSpec, match="processing: async"):
        build(spec)


def test_a_stalled_member_becomes_a_zombie_and_its_records_are_processed_twice() -> None:
    spec = _group(_base(commit="after_processing", faults={"consumer_stall": 1}))
    result = check_spec(spec, spec.checked_guarantees())
    amo = next(r for r in result.results if r.guarantee == "at-most-once")
    assert amo.verdict == "violated" and amo.counterexample is not None
    kinds = [s.kind for s in amo.counterexample.steps]
    assert "stall" in kinds
    system = build(spec)
    zombie = [a for a in system.actions if a.kind == "process" and ",z0," in a.name]
    assert zombie and all("no longer in the group" in a.text for a in zombie)
    assert {a.actor for a in zombie} == {"consumer:reader0", "consumer:reader1"}


def test_a_lone_member_that_stalls_gets_its_partition_back_when_it_rejoins() -> None:
    spec = _group(_base(consumers=1, commit="after_processing", faults={"consumer_stall": 1}))
    result = check_spec(spec, spec.checked_guarantees())
    verdicts = {r.guarantee: r.verdict for r in result.results}
    assert verdicts == {"at-least-once": "holds", "at-most-once": "violated"}


def test_commit_before_processing_zombie_neither_loses_nor_repeats() -> None:
    """commitSync fails for a member removed before it committed, so it never processes."""
    spec = _group(_base(commit="before_processing", faults={"consumer_stall": 1}))
    assert _verdicts(spec) == {"at-least-once": "holds", "at-most-once": "holds"}


@pytest.mark.parametrize(
    ("strategy", "protocol", "version", "on_revoke", "partitions", "amo"),
    [
        (COOPERATIVE, "classic", (3, 7), "none", 2, "violated"),
        (COOPERATIVE, "classic", (3, 7), "commit", 2, "holds"),
        (COOPERATIVE, "classic", (3, 7), "none", 1, "holds"),  # sticky keeps the one partition
        (EAGER_DEFAULT, "classic", (3, 7), "none", 2, "holds"),
        ((), "consumer", (4, 0), "none", 2, "holds"),  # KIP-848 commits before revoking
    ],
)
def test_clean_rebalance_with_auto_commit(
    strategy: tuple[str, ...],
    protocol: str,
    version: tuple[int, int],
    on_revoke: str,
    partitions: int,
    amo: str,
) -> None:
    spec = _base(commit="auto", version=version, faults={"group_rebalance": 1})
    spec = _partitions(spec, partitions)
    first = next(iter(spec.consumers.values()))
    spec = _group(
        spec,
        assignment_strategy=strategy,
        group_protocol=protocol,
        app=replace(first.app, on_revoke=on_revoke),
    )
    assert _verdicts(spec)["at-most-once"] == amo


def test_manual_commits_make_a_clean_rebalance_harmless_even_when_cooperative() -> None:
    spec = _partitions(_base(commit="after_processing", faults={"group_rebalance": 1}), 2)
    spec = _group(spec, assignment_strategy=COOPERATIVE)
    assert _verdicts(spec) == {"at-least-once": "holds", "at-most-once": "holds"}


def test_a_cooperative_move_before_the_first_commit_resets_by_policy_and_loses() -> None:
    """No committed offset yet: the new owner starts where auto.offset.reset=latest says."""
    spec = _partitions(_base(commit="auto", reset="latest", faults={"group_rebalance": 1}), 2)
    spec = _group(spec, assignment_strategy=COOPERATIVE)
    assert _verdicts(spec)["at-least-once"] == "violated"


def test_a_custom_assignor_with_rebalances_is_not_modelled() -> None:
    spec = _group(
        _base(commit="auto", faults={"group_rebalance": 1}),
        assignment_strategy=("com.example.MyAssignor",),
    )
    with pytest.raises(UnsupportedSpec, match=r"com\.example\.MyAssignor"):
        build(spec)


def test_static_member_crash_is_told_as_keeping_its_partition() -> None:
    spec = _group(_base(commit="after_processing", faults={"consumer_crash": 1}))
    spec = replace(
        spec,
        consumers={
            n: replace(c, group_instance_id=f"billing-{k}")
            for k, (n, c) in enumerate(spec.consumers.items())
        },
    )
    result = check_spec(spec, spec.checked_guarantees())
    amo = next(r for r in result.results if r.guarantee == "at-most-once")
    assert amo.counterexample is not None
    crash = next(s for s in amo.counterexample.steps if s.kind == "consumer_crash")
    assert "static member" in crash.text and "without a rebalance" in crash.text


def test_group_faults_with_a_one_instance_streams_processor_are_not_modelled() -> None:
    """With several instances they are (tests/model/test_streams_instances.py, §2.17)."""
    loaded = load_spec(ROOT / "specs" / "streams-at-least-once-crash.yaml").spec
    assert loaded is not None
    assert build(loaded).actions  # the processor spec compiles without the group faults
    stalled = replace(loaded, faults=replace(loaded.faults, consumer_stall=1))
    with pytest.raises(UnsupportedSpec, match="Kafka Streams processor with one instance"):
        build(stalled)
    assert build(make_spec(faults={"consumer_stall": 1})).actions  # a plain consumer does


@pytest.mark.parametrize(
    ("version", "patch", "amo"),
    [((3, 2), (1,), "violated"), ((3, 2), (), "holds"), ((3, 2), (3,), "holds")],
)
def test_kafka_14196_eager_rebalance_repeats_records_on_3_2_0_to_3_2_2(
    version: tuple[int, int], patch: tuple[int, ...], amo: str
) -> None:
    spec = _base(commit="auto", version=version, faults={"group_rebalance": 1})
    spec = replace(spec, kafka_version=replace(spec.kafka_version, patch=patch))
    spec = _group(spec, assignment_strategy=EAGER_DEFAULT[:1])
    assert _verdicts(spec)["at-most-once"] == amo


def test_a_marker_passed_over_belongs_to_the_poll_before_the_commit() -> None:
    """commit: before_processing on a transactional topic: poll() moves past a control
    record in the same call that returned the record before it, so the position never
    moves past a marker after commitSync while the record is still in hand. (It did: a
    stall then took the done commit for a failed one and dropped the record, a spurious
    loss.)"""
    from mqcheck.spec.load import load_spec_text

    text = """
mqcheck: 1
name: skip-after-commit
kafka_version: "3.7"
cluster: {brokers: 1}
topics:
  orders: {partitions: 1, replication.factor: 1}
producers:
  shop: {topic: orders, transactional.id: shop-tx}
consumers:
  billing:
    topic: orders
    group.id: billing
    enable.auto.commit: false
    auto.offset.reset: earliest
    isolation.level: read_committed
    app: {commit: before_processing}
faults:
  consumer_stall: 1
  follower_lag: false
check:
  guarantees: [at-least-once, at-most-once]
  messages: 1
"""
    loaded = load_spec_text(text)
    assert loaded.spec is not None, loaded.errors
    assert _verdicts(loaded.spec) == {"at-least-once": "holds", "at-most-once": "holds"}
