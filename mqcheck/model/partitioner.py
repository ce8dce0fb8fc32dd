"""Which partition a producer's record goes to when the application names none.

Keyed records: Kafka hashes the serialized key with murmur2 and takes
`toPositive(hash) % numPartitions` over *all* partitions of the topic, available or not
(DefaultPartitioner.partition up to 3.2; BuiltInPartitioner.partitionForKey, called from
KafkaProducer.partition, from 3.3 on; Utils.murmur2 and Utils.toPositive). The hash is a
port of the algorithm in Utils.murmur2, pinned by the vectors of Kafka's UtilsTest.testMurmur2.

Unkeyed records follow a version rule (`unkeyed_partitioning`), not a function of the record:
which partition a sticky partitioner picks depends on batching and timing, so the model must
let it be any available partition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from mqcheck.spec.schema import KafkaVersion

_MASK = 0xFFFFFFFF
_SEED = 0x9747B28C  # Utils.murmur2
_M = 0x5BD1E995
_R = 24

UnkeyedPartitioning = Literal["round_robin", "sticky", "uniform_sticky"]


def murmur2(data: bytes) -> int:
    """Kafka's Utils.murmur2: the 32-bit hash as Java's signed int."""
    length = len(data)
    h = (_SEED ^ length) & _MASK
    for i in range(length // 4):
        i4 = i * 4
        k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24)
        k = (k * _M) & _MASK
        k ^= k >> _R
        k = (k * _M) & _MASK
        h = (h * _M) & _MASK
        h ^= k
    tail = length & ~3
    rest = length % 4
    # The Java switch falls through: case 3 into 2 into 1, and only case 1 multiplies.
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def to_positive(number: int) -> int:
    """Utils.toPositive: clear the sign bit (not abs(): Integer.MIN_VALUE maps to 0)."""
    return number & 0x7FFFFFFF


def partition_for_key(serialized_key: bytes, num_partitions: int) -> int:
    """BuiltInPartitioner.partitionForKey (DefaultPartitioner's keyed branch before 3.3)."""
    if num_partitions < 1:
        raise ValueError(f"a topic has at least one partition, not {num_partitions}")
    return to_positive(murmur2(serialized_key)) % num_partitions


def string_key_bytes(key: str) -> bytes:
    """The bytes StringSerializer writes for a key: UTF-8, its default encoding
    (key.serializer.encoding unset). A spec's `app.keys` are strings serialized this way."""
    return key.encode("utf-8")


def partition_for_string_key(key: str, num_partitions: int) -> int:
    return partition_for_key(string_key_bytes(key), num_partitions)


def partition_for_message(index: int, keys: Sequence[str], num_partitions: int) -> int:
    """The partition of message `index` of a producer with `app.keys`: it carries key
    keys[index % len(keys)] (contract §1.1)."""
    return partition_for_string_key(keys[index % len(keys)], num_partitions)


def unkeyed_partitioning(version: KafkaVersion) -> UnkeyedPartitioning:
    """How the default partitioner spreads records without a key, per release line.

    - before 2.4, `round_robin`: DefaultPartitioner takes a per-topic counter modulo the
      *available* partitions (those with a leader), all partitions when none is available.
    - 2.4 to 3.2, `sticky`: KIP-480 (StickyPartitionCache) keeps one partition until a batch
      is sent, then picks another available one at random.
    - from 3.3, `uniform_sticky`: KIP-794 (BuiltInPartitioner) switches partition after
      batch.size bytes, weighted by broker queue sizes when adaptive partitioning is on.
    The sticky rules are not functions of the record; the model must choose the partition
    nondeterministically among the available ones.
    """
    if not version.at_least(2, 4):
        return "round_robin"
    if not version.at_least(3, 3):
        return "sticky"
    return "uniform_sticky"
