"""Keyed producers (model/partition_load.py, docs/semantics.md §1.3 and §2.18): the keys fix
each message's partition by murmur2, the checked partition gets exactly its messages, order is
judged only among them, and splits one partition cannot represent are `unknown`."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.model.partition_load import PartitionLoad, partition_load
from mqcheck.model.partitioner import murmur2, partition_for_string_key, to_positive
from mqcheck.run import check_spec
from mqcheck.spec.schema import Processor, Spec
from tests.factories import make_spec
from tests.strategies import keyed_specs

# murmur2 of the UTF-8 bytes (StringSerializer), through the port pinned to Kafka's
# UtilsTest vectors (tests/model/test_partitioner.py); toPositive, then % 2
KEY_HASHES = {
    "customer-1": 1939597761,  # odd: partition 1 of 2
    "customer-2": 1971984518,  # even: partition 0 of 2
    "k1": 1684045097,  # odd: partition 1 (the contract's example keys share a partition)
    "k2": 380483553,  # odd: partition 1
}
P1, P0 = "customer-1", "customer-2"


def _keyed(spec: Spec, *keys: tuple[str, ...], partitions: int = 2) -> Spec:
    """`spec` with the topic's partitions set and producer j given keys[j] (() for none)."""
    producers = {
        name: replace(p, app=replace(p.app, keys=k))
        for (name, p), k in zip(spec.producers.items(), keys, strict=True)
    }
    topic = replace(spec.topics["events"], partitions=partitions)
    return replace(spec, producers=producers, topics={"events": topic})


def _verdicts(spec: Spec) -> dict[str, str]:
    return {r.guarantee: r.verdict for r in check_spec(spec, spec.checked_guarantees()).results}


def _reorders(keys: tuple[str, ...], messages: int) -> Spec:
    """A producer that can reorder a partition's records: five in flight, no idempotence,
    one lost request (specs/inflight5-no-idempotence-reorders.yaml)."""
    spec = make_spec(
        rf=2,
        min_isr=1,
        idempotence=False,
        faults={"produce_request_lost": 1},
        guarantees=("at-least-once",),
        ordering=True,
        messages=messages,
    )
    return _keyed(spec, keys)


@pytest.mark.parametrize(("key", "hashed"), KEY_HASHES.items())
def test_key_partition_is_the_positive_murmur2_of_its_utf8_modulo_partitions(
    key: str, hashed: int
) -> None:
    assert to_positive(murmur2(key.encode("utf-8"))) == hashed
    assert partition_for_string_key(key, 2) == hashed % 2
    assert partition_for_string_key(key, 7) == hashed % 7


def test_the_checked_partition_gets_exactly_the_messages_its_keys_send() -> None:
    # message i carries keys[i % 2]: customer-1, customer-2, customer-1 -> partitions 1, 0, 1
    load = partition_load(_reorders((P1, P2 := P0), 3), 3)
    assert load == PartitionLoad((2,), 1, {"app": {P1: 1, P2: 0}})
    assert partition_load(_reorders((P0, P1), 3), 3).per_producer == (2,)
    assert partition_load(_reorders((P0, P1), 3), 3).checked == 0
    assert partition_load(_reorders(("k1", "k2"), 3), 3) == PartitionLoad(
        (3,), 1, {"app": {"k1": 1, "k2": 1}}
    )


def test_bounds_name_the_checked_partition_and_its_messages() -> None:
    system = build(_reorders((P0, P1), 3))
    assert system.bounds["partitions"] == 2
    assert system.bounds["checked_partition"] == 0
    assert system.bounds["messages_in_checked_partition"] == 2
    assert system.bounds["messages_in_checked_partition_per_producer"] == {"app": 2}
    assert system.bounds["key_partitions"] == {"app": {P0: 0, P1: 1}}
    # the checked partition's messages keep their names in the whole run: sends 1 and 3
    sends = [a.text for a in system.actions if a.name.startswith("send(")]
    assert any("send(m1) to events-0" in t for t in sends)
    assert any("send(m3) to events-0" in t for t in sends)
    assert not any("m2" in t for t in sends)


def test_without_keys_the_bounds_and_names_are_unchanged() -> None:
    system = build(_keyed(make_spec(messages=3), ()))
    assert system.bounds["messages_in_checked_partition"] == 3
    assert "checked_partition" not in system.bounds
    assert any("send(m2) to events-0" in a.text for a in system.actions)


def test_a_one_partition_topic_ignores_the_keys() -> None:
    keyed = build(_keyed(make_spec(messages=3), (P0, P1), partitions=1))
    plain = build(make_spec(messages=3))
    assert keyed.bounds == plain.bounds
    assert [a.name for a in keyed.actions] == [a.name for a in plain.actions]


def test_ordering_is_judged_only_within_a_partition() -> None:
    """Two keys on two partitions, two messages: each partition holds one message, and
    records of different partitions have no order to keep; unkeyed (sticky: both in one
    partition) the lost-and-retried request reorders them. Three messages put two in one
    partition, where the retry reorders again."""
    assert _verdicts(_reorders((P0, P1), 2))["ordering"] == "holds"
    assert _verdicts(_reorders((), 2))["ordering"] == "violated"
    assert _verdicts(_reorders((P0, P1), 3))["ordering"] == "violated"
    # idempotence keeps the order within the partition (KIP-98 sequence numbers)
    idempotent = replace(
        _reorders((P0, P1), 3),
        producers={
            "app": replace(_reorders((P0, P1), 3).producers["app"], enable_idempotence=True)
        },
    )
    assert _verdicts(idempotent)["ordering"] == "holds"


def test_partitioner_ignore_keys_makes_records_unkeyed() -> None:
    spec = _reorders((P0, P1), 2)
    spec = replace(
        spec, producers={"app": replace(spec.producers["app"], partitioner_ignore_keys=True)}
    )
    assert partition_load(spec, 2) == PartitionLoad((2,))
    assert _verdicts(spec)["ordering"] == "violated"


def test_several_producers_use_the_partition_whose_load_covers_the_others() -> None:
    spec = make_spec(producers=2, messages=3)
    # app0: 2 on p1, 1 on p0; app1 keyed all on p1 -> p1 = (2, 3) covers p0 = (1, 0)
    load = partition_load(_keyed(spec, (P1, P0), ("k1",)), 3)
    assert load.checked == 1 and load.per_producer == (2, 3)
    # an unkeyed sticky producer can put all its messages into that partition
    load = partition_load(_keyed(spec, (P1, P0), ()), 3)
    assert load.checked == 1 and load.per_producer == (2, 3)
    system = build(_keyed(spec, (P1, P0), ()))
    sends = {a.text.split(")")[0] for a in system.actions if a.name.startswith("send(")}
    assert sends == {f"app{j} calls send(m{i}" for j, i in ((0, 1), (0, 3), (1, 4), (1, 5), (1, 6))}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"partitioner_class": "com.example.RegionPartitioner"}, "sets partitioner.class"),
        (
            {"key_serializer": "org.apache.kafka.common.serialization.ByteArraySerializer"},
            "serializes its keys with",
        ),
        ({"transactional_id": "tx-1"}, "one transaction then commits or aborts on several"),
    ],
)
def test_keyed_routing_the_model_cannot_follow_is_unknown(
    change: dict[str, object], why: str
) -> None:
    spec = _reorders((P0, P1), 2)
    spec = replace(spec, producers={"app": replace(spec.producers["app"], **change)})
    with pytest.raises(UnsupportedSpec, match=why):
        build(spec)


def test_the_builtin_default_partitioner_class_hashes_keys_the_same_way() -> None:
    spec = _reorders((P0, P1), 3)
    cls = "org.apache.kafka.clients.producer.internals.DefaultPartitioner"
    spec = replace(spec, producers={"app": replace(spec.producers["app"], partitioner_class=cls)})
    assert partition_load(spec, 3).checked == 0


def test_a_transaction_within_one_partition_is_checked() -> None:
    spec = _reorders(("k1", "k2"), 2)  # both keys on partition 1
    spec = replace(spec, producers={"app": replace(spec.producers["app"], transactional_id="t")})
    assert build(spec).bounds["checked_partition"] == 1


def test_incomparable_loads_of_several_producers_are_unknown() -> None:
    spec = _keyed(make_spec(producers=2, messages=2), (P0,), (P1,))  # (2, 0) vs (0, 2)
    with pytest.raises(UnsupportedSpec, match=r"partition 0: 2 of app0, 0 of app1; partition 1"):
        build(spec)


def test_keys_with_processors_on_several_partitions_are_unknown() -> None:
    spec = _reorders((P0, P1), 2)
    proc = Processor("enrich", "events", "enriched", "enrich", "at_least_once")
    topics = {**spec.topics, "enriched": replace(spec.topics["events"], name="enriched")}
    consumers = {"reader": replace(spec.consumers["reader"], topic="enriched")}
    chained = replace(spec, processors={"enrich": proc}, topics=topics, consumers=consumers)
    with pytest.raises(UnsupportedSpec, match="Kafka Streams processors"):
        build(chained)
    one = replace(spec.topics["events"], partitions=1)
    build(replace(chained, topics={**topics, "events": one}))  # one partition: keys change nothing


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keyed_specs())
def test_a_keyed_spec_is_its_busiest_partition_checked_alone(spec: Spec) -> None:
    """The per-partition argument (§1.3), as a property: a keyed producer's verdicts are
    those of the same producer, unkeyed, on one partition, sending as many messages as the
    keys put into the busiest partition."""
    n = spec.check.messages
    p = spec.producers["app"]
    counts = [0, 0]
    for i in range(n):
        counts[partition_for_string_key(p.app.keys[i % len(p.app.keys)], 2)] += 1
    alone = replace(
        spec,
        producers={"app": replace(p, app=replace(p.app, keys=()))},
        topics={"events": replace(spec.topics["events"], partitions=1)},
        check=replace(spec.check, messages=max(counts)),
    )
    assert build(spec).bounds["messages_in_checked_partition"] == max(counts)
    assert _verdicts(spec) == _verdicts(alone)
