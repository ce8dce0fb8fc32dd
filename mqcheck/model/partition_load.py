"""Which partition of the producers' topic is checked, and how many of each producer's
messages it receives (docs/semantics.md §1.3 and §2.18).

The model checks one partition of a topic. That is sound because partitions share no
replicated state and every fault or client step projects onto each partition (§1.3); what
this module settles is the partition's *load*:

- records without a key: a sticky partitioner (2.4+) can put every message into one
  partition; round-robin (before 2.4) gives the busiest partition ceil(messages / partitions);
- records with a key (`app.keys`): the partition is a function of the key
  (`partitioner.partition_for_message`), fixed before any broker is asked, so the load of
  every partition is known exactly. The checked partition is one whose load covers every
  other partition's, producer by producer: a violation with fewer messages of a producer is
  also a run with more (the extra ones stay unsent or are delivered after it).

Where the keyed split cannot be represented by one partition's run, `NotModelled` says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from mqcheck.model.partitioner import partition_for_message
from mqcheck.spec.schema import Producer, Spec

#: The partitioners whose keyed branch is BuiltInPartitioner.partitionForKey's murmur2
#: (DefaultPartitioner.partition up to 3.2 and, deprecated, after; `None`: no partitioner.class,
#: KafkaProducer.partition from 3.3, DefaultPartitioner before).
_KEYED_MURMUR2 = (None, "org.apache.kafka.clients.producer.internals.DefaultPartitioner")
#: The serializer whose bytes for a string key are its UTF-8 (StringSerializer, the default
#: encoding); `None`: the spec names none and its keys are strings.
_STRING_SERIALIZERS = (None, "org.apache.kafka.common.serialization.StringSerializer")


class NotModelled(Exception):
    """The spec's partitioning is not one the per-partition check represents faithfully."""


@dataclass(frozen=True)
class PartitionLoad:
    """What the checked partition receives: `per_producer[j]` of producer j's messages, in
    send order. `checked` is the partition's index when keys decide it (None: any partition
    can be the busiest); `key_partitions` maps each keyed producer's keys to partitions."""

    per_producer: tuple[int, ...]
    checked: int | None = None
    key_partitions: dict[str, dict[str, int]] | None = None


def routes_by_key(producer: Producer) -> bool:
    """The producer's records carry keys that decide their partition. KafkaProducer.partition
    hashes a serialized key unless `partitioner.ignore.keys` (KIP-794, 3.3) is true, which
    "has no effect if a custom partitioner is used" (ProducerConfig); a partitioner.class
    decides by itself (`_check_keyed`)."""
    if not producer.app.keys:
        return False
    return producer.partitioner_class is not None or not producer.partitioner_ignore_keys


def partition_load(spec: Spec, per_producer: int) -> PartitionLoad:
    """The checked partition's load; raises NotModelled (the verdict is `unknown`)."""
    producers = list(spec.producers.values())
    topic = spec.topics[producers[0].topic]
    keyed = [p for p in producers if routes_by_key(p)]
    if topic.partitions <= 1 or not keyed:
        # one partition takes every record, keyed or not; or no key decides anything
        count = _unkeyed_count(spec, per_producer)
        return PartitionLoad(per_producer=tuple(count for _ in producers))
    _check_keyed(spec, keyed, per_producer)
    n = topic.partitions
    loads: list[tuple[int, ...]] = []
    unkeyed = None if len(keyed) == len(producers) else _unkeyed_count(spec, per_producer)
    for partition in range(n):
        counts: list[int] = []
        for p in producers:
            if routes_by_key(p):
                counts.append(
                    sum(
                        1
                        for i in range(per_producer)
                        if partition_for_message(i, p.app.keys, n) == partition
                    )
                )
            else:
                assert unkeyed is not None
                counts.append(unkeyed)  # any partition can be the one that gets them
        loads.append(tuple(counts))
    key_partitions = {
        p.name: {key: partition_for_message(i, p.app.keys, n) for i, key in enumerate(p.app.keys)}
        for p in keyed
    }
    for partition, load in enumerate(loads):
        if all(a >= b for other in loads for a, b in zip(load, other, strict=True)):
            return PartitionLoad(load, partition, key_partitions)
    shown = "; ".join(
        f"partition {i}: "
        + ", ".join(f"{c} of {p.name}" for c, p in zip(load, producers, strict=True))
        for i, load in enumerate(loads)
    )
    raise NotModelled(
        f"the keys split the producers' messages over the partitions so that no partition "
        f"receives at least as many of every producer's messages as each other one ({shown}); "
        "the model checks one partition, and checking each load separately is not built yet "
        "(give the producers keys whose busiest partitions coincide, or one producer per spec)"
    )


def _check_keyed(spec: Spec, keyed: list[Producer], per_producer: int) -> None:
    """Keyed combinations whose partitions cannot be checked one at a time."""
    n = spec.topics[keyed[0].topic].partitions
    for p in keyed:
        if p.partitioner_class not in _KEYED_MURMUR2:
            raise NotModelled(
                f"producer {p.name} sets partitioner.class {p.partitioner_class}: that class "
                "decides where its keyed records go, not murmur2 of the key"
            )
        if p.key_serializer not in _STRING_SERIALIZERS:
            raise NotModelled(
                f"producer {p.name} serializes its keys with {p.key_serializer}: app.keys are "
                "strings, and their partitions are computed from StringSerializer's UTF-8 bytes"
            )
        spread = {partition_for_message(i, p.app.keys, n) for i in range(per_producer)}
        if p.transactional_id is not None and len(spread) > 1:
            raise NotModelled(
                f"the keys of transactional producer {p.name} put its messages on partitions "
                f"{', '.join(map(str, sorted(spread)))}: one transaction then commits or aborts "
                "on several partitions at once, which the per-partition check does not model"
            )
    if spec.processors:
        raise NotModelled(
            "keyed producers on a topic with several partitions feeding Kafka Streams "
            "processors: each stream task reads one input partition and the key chooses the "
            "output partition, which the one-partition chain does not model"
        )


def _unkeyed_count(spec: Spec, per_producer: int) -> int:
    """How many of an unkeyed producer's messages the checked partition receives.

    From 2.4 the default partitioner is sticky (KIP-480): it fills one partition's batch
    before moving on, so a run can put every message into the same partition; before 2.4
    keyless records are spread round-robin, and the busiest partition gets
    ceil(messages / partitions) (docs/semantics.md, "Partitions")."""
    topic = spec.topics[next(iter(spec.producers.values())).topic]
    if topic.partitions <= 1 or spec.kafka_version.at_least(2, 4):
        return per_producer
    busiest = -(-per_producer // topic.partitions)
    f = spec.faults
    broker_faults = (
        f.broker_crash
        + f.broker_power_loss
        + f.simultaneous_power_loss
        + f.controlled_shutdown
        + f.disk_failure
        + f.rack_power_loss
        + f.leader_isolation
    )
    if busiest < per_producer and broker_faults:
        # DefaultPartitioner (before 2.4) goes round-robin over
        # cluster.availablePartitionsForTopic: a partition without a leader (its leader's
        # broker down, no election yet) is skipped, so one partition can receive anywhere
        # from `busiest` to every message, depending on when the faults strike
        raise NotModelled(
            f"before Kafka 2.4 keyless records go round-robin over the partitions that have "
            f"a leader, so with broker faults one of the {topic.partitions} partitions can "
            f"receive from {busiest} to {per_producer} of a producer's messages; the "
            f"partitions would have to be checked together (set partitions: 1 to check one)"
        )
    return busiest
