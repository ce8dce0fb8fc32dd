"""Kafka properties that a spec may name but the model does not read.

They are accepted (a real configuration file carries dozens of them), type-checked where the
type is simple, and listed as "not modelled" so the reader knows they did not change a verdict.
A few of them do feed Kafka's own refusals (linger.ms and request.timeout.ms bound
delivery.timeout.ms from 2.1 on; session.timeout.ms and fetch.max.wait.ms bound the consumer's
request.timeout.ms before 2.0), so their defaults are recorded with sources.
Defaults read from ProducerConfig.java / ConsumerConfig.java / KafkaConfig.scala at the tags.
"""

from __future__ import annotations

from mqcheck.spec.kafka_property import (
    Default,
    KafkaProperty,
    PropType,
    Scope,
    enum_values,
    prop,
)
from mqcheck.spec.release_rows import through_releases

_COMPRESSION = enum_values("none", "gzip", "snappy", "lz4", "zstd")

_BROKER: tuple[KafkaProperty, ...] = (
    prop("broker.id", "broker", "int", -1),
    prop("node.id", "broker", "int", -1, since=(2, 8), since_source="KIP-500"),
    prop("process.roles", "broker", "list", "", since=(2, 8), since_source="KIP-500"),
    prop("controller.quorum.voters", "broker", "list", "", since=(2, 8), since_source="KIP-500"),
    prop("controller.quorum.bootstrap.servers", "broker", "list", "", since=(3, 9)),
    prop("controller.listener.names", "broker", "list", None, since=(2, 8)),
    prop("listeners", "broker", "list", None),
    prop("advertised.listeners", "broker", "list", None),
    prop("listener.security.protocol.map", "broker", "string", None),
    prop("inter.broker.listener.name", "broker", "string", None),
    prop("security.inter.broker.protocol", "broker", "string", "PLAINTEXT"),
    prop(
        "zookeeper.connect",
        "broker",
        "string",
        None,
        until=(3, 9),
        until_source="KIP-500: Kafka 4.0 runs without ZooKeeper",
    ),
    prop("zookeeper.session.timeout.ms", "broker", "int", None, until=(3, 9)),
    prop("zookeeper.connection.timeout.ms", "broker", "int", None, until=(3, 9)),
    prop("log.dirs", "broker", "list", None),
    prop("log.dir", "broker", "string", "/tmp/kafka-logs"),
    prop("metadata.log.dir", "broker", "string", None, since=(2, 8)),
    prop("num.network.threads", "broker", "int", 3, minimum=1),
    prop("num.io.threads", "broker", "int", 8, minimum=1),
    prop("background.threads", "broker", "int", 10, minimum=1),
    prop("queued.max.requests", "broker", "int", 500, minimum=1),
    prop("num.replica.fetchers", "broker", "int", 1),
    prop(
        "replica.lag.time.max.ms",
        "broker",
        "long",
        defaults=(Default((0, 10), 10000), Default((2, 5), 30000, "KIP-537")),
    ),
    prop("replica.fetch.max.bytes", "broker", "int", None, minimum=0),
    prop("replica.fetch.wait.max.ms", "broker", "int", 500),
    prop("replica.socket.timeout.ms", "broker", "int", 30000),
    prop(
        "num.recovery.threads.per.data.dir",
        "broker",
        "int",
        defaults=(Default((0, 10), 1), Default((4, 0), 2, "KIP-1030")),
        minimum=1,
    ),
    prop("log.retention.check.interval.ms", "broker", "long", 300000, minimum=1),
    prop("log.segment.bytes", "broker", "int", 1073741824),
    prop("log.roll.hours", "broker", "int", 168, minimum=1),
    prop("log.roll.ms", "broker", "long", None),
    prop("log.cleaner.enable", "broker", "bool", True),
    prop("log.cleaner.threads", "broker", "int", 1, minimum=0),
    prop("log.index.size.max.bytes", "broker", "int", 10485760),
    prop("log.message.format.version", "broker", "string", None, until=(3, 9)),
    prop("log.message.timestamp.type", "broker", "string", "CreateTime"),
    prop("inter.broker.protocol.version", "broker", "string", None, until=(3, 9)),
    prop("compression.type", "broker", "string", "producer"),
    prop("auto.create.topics.enable", "broker", "bool", True),
    prop(
        "delete.topic.enable",
        "broker",
        "bool",
        defaults=(Default((0, 10), False), Default((1, 0), True, "KAFKA-5384")),
    ),
    prop("auto.leader.rebalance.enable", "broker", "bool", True),
    prop("controlled.shutdown.enable", "broker", "bool", True),
    prop("offsets.topic.replication.factor", "broker", "int", 3, minimum=1),
    prop("offsets.topic.num.partitions", "broker", "int", 50, minimum=1),
    prop("offsets.commit.required.acks", "broker", "int", -1, until=(3, 9)),
    prop("offsets.retention.check.interval.ms", "broker", "long", 600000, minimum=1),
    prop("transaction.state.log.replication.factor", "broker", "int", 3, since=(0, 11)),
    prop("transaction.state.log.min.isr", "broker", "int", 2, since=(0, 11)),
    prop("transaction.state.log.num.partitions", "broker", "int", 50, since=(0, 11)),
    prop("transaction.max.timeout.ms", "broker", "int", 900000, since=(0, 11)),
    prop("transactional.id.expiration.ms", "broker", "int", 604800000, since=(0, 11)),
    prop("group.initial.rebalance.delay.ms", "broker", "int", 3000, since=(0, 11)),
    prop("group.min.session.timeout.ms", "broker", "int", 6000),
    prop("group.max.session.timeout.ms", "broker", "int", None),
    prop("group.coordinator.rebalance.protocols", "broker", "list", None, since=(3, 7)),
    # Share groups (KIP-932; ShareGroupConfig): read by the share-consumer loader
    # (resolve_share_consumers.py) for the group configs' defaults and bounds.
    prop(
        "group.share.record.lock.duration.ms",
        "broker",
        "int",
        30000,
        minimum=1000,
        maximum=3600000,
        since=(4, 0),
        since_source="KIP-932",
    ),
    prop(
        "group.share.min.record.lock.duration.ms",
        "broker",
        "int",
        15000,
        minimum=1000,
        maximum=30000,
        since=(4, 0),
        since_source="KIP-932",
    ),
    prop(
        "group.share.max.record.lock.duration.ms",
        "broker",
        "int",
        60000,
        minimum=30000,
        maximum=3600000,
        since=(4, 0),
        since_source="KIP-932",
    ),
    prop(
        "group.share.delivery.count.limit",
        "broker",
        "int",
        5,
        minimum=2,
        maximum=10,
        since=(4, 0),
        since_source="KIP-932",
    ),
    prop(
        "group.share.min.delivery.count.limit",
        "broker",
        "int",
        2,
        minimum=2,
        maximum=5,
        since=(4, 3),
        since_source="KIP-1240",
    ),
    prop(
        "group.share.max.delivery.count.limit",
        "broker",
        "int",
        10,
        minimum=5,
        maximum=25,
        since=(4, 3),
        since_source="KIP-1240",
    ),
    prop("socket.send.buffer.bytes", "broker", "int", 102400),
    prop("socket.receive.buffer.bytes", "broker", "int", 102400),
    prop("socket.request.max.bytes", "broker", "int", 104857600, minimum=1),
    prop("broker.rack", "broker", "string", None),
    prop("authorizer.class.name", "broker", "string", ""),
    prop("super.users", "broker", "list", None),
    prop("auto.include.jmx.reporter", "broker", "bool", True, since=(3, 4), until=(3, 9)),
    prop("metric.reporters", "broker", "list", ""),
)

_TOPIC: tuple[KafkaProperty, ...] = (
    prop("segment.bytes", "topic", "int", None),
    prop("segment.ms", "topic", "long", None),
    prop("segment.index.bytes", "topic", "int", None),
    prop("segment.jitter.ms", "topic", "long", None),
    prop("compression.type", "topic", "string", None),
    prop("min.compaction.lag.ms", "topic", "long", None),
    prop("max.compaction.lag.ms", "topic", "long", None),
    prop("delete.retention.ms", "topic", "long", None),
    prop("min.cleanable.dirty.ratio", "topic", "double", None),
    prop("file.delete.delay.ms", "topic", "long", None),
    prop("index.interval.bytes", "topic", "int", None),
    prop("preallocate", "topic", "bool", None),
    prop("message.timestamp.type", "topic", "string", None),
    prop("message.timestamp.difference.max.ms", "topic", "long", None),
    prop("message.format.version", "topic", "string", None, until=(3, 9)),
    prop("message.downconversion.enable", "topic", "bool", None, since=(2, 0), until=(3, 9)),
    prop("local.retention.ms", "topic", "long", None, since=(3, 6)),
    prop("local.retention.bytes", "topic", "long", None, since=(3, 6)),
    prop("remote.storage.enable", "topic", "bool", None, since=(3, 6)),
    prop("leader.replication.throttled.replicas", "topic", "list", None),
    prop("follower.replication.throttled.replicas", "topic", "list", None),
)

# Settings every Java client has (CommonClientConfigs).
_CLIENT_COMMON: tuple[tuple[str, PropType, object], ...] = (
    ("bootstrap.servers", "list", None),
    ("client.id", "string", ""),
    ("client.dns.lookup", "string", None),
    ("security.protocol", "string", "PLAINTEXT"),
    ("send.buffer.bytes", "int", None),
    ("receive.buffer.bytes", "int", None),
    ("reconnect.backoff.ms", "long", 50),
    ("reconnect.backoff.max.ms", "long", 1000),
    ("retry.backoff.ms", "long", 100),
    ("retry.backoff.max.ms", "long", 1000),
    ("metadata.max.age.ms", "long", 300000),
    ("connections.max.idle.ms", "long", None),
    ("metric.reporters", "list", ""),
    ("metrics.num.samples", "int", 2),
    ("metrics.sample.window.ms", "long", 30000),
    ("metrics.recording.level", "string", "INFO"),
    ("interceptor.classes", "list", ""),
    ("socket.connection.setup.timeout.ms", "long", 10000),
    ("socket.connection.setup.timeout.max.ms", "long", 30000),
    ("auto.include.jmx.reporter", "bool", True),
    ("enable.metrics.push", "bool", True),
)


def _common(scope: Scope) -> tuple[KafkaProperty, ...]:
    return tuple(prop(name, scope, type_, default) for name, type_, default in _CLIENT_COMMON)


_PRODUCER: tuple[KafkaProperty, ...] = (
    *_common("producer"),
    prop("key.serializer", "producer", "class", None),
    prop("value.serializer", "producer", "class", None),
    prop("compression.type", "producer", "enum", "none", allowed=_COMPRESSION),
    prop("batch.size", "producer", "int", 16384, minimum=0),
    prop(
        "linger.ms",
        "producer",
        "long",
        defaults=(Default((0, 10), 0), Default((4, 0), 5, "KIP-1030")),
        minimum=0,
    ),
    prop("buffer.memory", "producer", "long", 33554432, minimum=0),
    prop("request.timeout.ms", "producer", "int", 30000, minimum=0),
    prop("max.block.ms", "producer", "long", 60000, minimum=0),
    prop("partitioner.class", "producer", "class", None),
    prop("partitioner.ignore.keys", "producer", "bool", False, since=(3, 3)),
    prop("partitioner.adaptive.partitioning.enable", "producer", "bool", True, since=(3, 3)),
    prop("partitioner.availability.timeout.ms", "producer", "long", 0, since=(3, 3)),
    prop("transaction.timeout.ms", "producer", "int", 60000, since=(0, 11)),
    prop("compression.gzip.level", "producer", "int", None, since=(3, 8)),
    prop("compression.lz4.level", "producer", "int", None, since=(3, 8)),
    prop("compression.zstd.level", "producer", "int", None, since=(3, 8)),
    prop("metadata.max.idle.ms", "producer", "long", 300000, since=(2, 5)),
)

_CONSUMER: tuple[KafkaProperty, ...] = (
    *_common("consumer"),
    prop("key.deserializer", "consumer", "class", None),
    prop("value.deserializer", "consumer", "class", None),
    prop(
        "session.timeout.ms",
        "consumer",
        "int",
        defaults=(Default((0, 10), 10000, "KIP-62"), Default((3, 0), 45000, "KIP-735")),
    ),
    prop("heartbeat.interval.ms", "consumer", "int", 3000),
    prop(
        "max.poll.records",
        "consumer",
        "int",
        defaults=(Default((0, 10), 500, "KIP-62"),),
        minimum=1,
    ),
    prop(
        "max.poll.interval.ms",
        "consumer",
        "int",
        defaults=(Default((0, 10), 300000, "KIP-62"),),
        minimum=1,
    ),
    prop("fetch.min.bytes", "consumer", "int", 1, minimum=0),
    prop("fetch.max.bytes", "consumer", "int", 52428800, minimum=0, since=(0, 11)),
    prop("fetch.max.wait.ms", "consumer", "int", 500, minimum=0),
    prop("max.partition.fetch.bytes", "consumer", "int", 1048576, minimum=0),
    prop(
        "request.timeout.ms",
        "consumer",
        "int",
        defaults=(Default((0, 10), 305000, "KIP-62"), Default((2, 0), 30000, "KIP-266")),
        minimum=0,
    ),
    prop("default.api.timeout.ms", "consumer", "int", 60000, since=(2, 0)),
    prop("group.remote.assignor", "consumer", "string", None, since=(3, 7)),
    prop("client.rack", "consumer", "string", "", since=(2, 4)),
    prop("check.crcs", "consumer", "bool", True),
    prop("exclude.internal.topics", "consumer", "bool", True),
    prop("allow.auto.create.topics", "consumer", "bool", True, since=(2, 3)),
)

_STREAMS: tuple[KafkaProperty, ...] = (
    prop("bootstrap.servers", "streams", "list", None),
    prop("client.id", "streams", "string", ""),
    prop("num.stream.threads", "streams", "int", 1),
    prop("commit.interval.ms", "streams", "long", 30000, minimum=0),
    prop("state.dir", "streams", "string", None),
    prop("replication.factor", "streams", "int", None),
    prop("num.standby.replicas", "streams", "int", 0),
    prop("cache.max.bytes.buffering", "streams", "long", 10485760),
    prop("statestore.cache.max.bytes", "streams", "long", 10485760, since=(3, 4)),
    prop("default.key.serde", "streams", "class", None),
    prop("default.value.serde", "streams", "class", None),
    prop("default.deserialization.exception.handler", "streams", "class", None),
    prop("default.production.exception.handler", "streams", "class", None),
    prop("max.task.idle.ms", "streams", "long", 0),
    prop("topology.optimization", "streams", "string", "none"),
    prop("poll.ms", "streams", "long", 100),
    prop("acceptable.recovery.lag", "streams", "long", 10000, since=(2, 6)),
    prop("security.protocol", "streams", "string", "PLAINTEXT"),
)


UNMODELLED: tuple[KafkaProperty, ...] = through_releases(
    _BROKER + _TOPIC + _PRODUCER + _CONSUMER + _STREAMS
)

#: Families of names Kafka accepts by prefix: security settings, and the client settings a
#: Streams application passes through to its embedded clients (StreamsConfig prefixes).
_PREFIXES: dict[Scope, tuple[str, ...]] = {
    "broker": ("ssl.", "sasl.", "listener.name.", "log.cleaner.", "remote.log."),
    "topic": (),
    "producer": ("ssl.", "sasl."),
    "consumer": ("ssl.", "sasl."),
    "streams": (
        "ssl.",
        "sasl.",
        "producer.",
        "consumer.",
        "main.consumer.",
        "restore.consumer.",
        "global.consumer.",
        "admin.",
        "topic.",
    ),
}


def prefixes(scope: Scope) -> tuple[str, ...]:
    """The name prefixes whose every member is an accepted, not-modelled property of `scope`."""
    return tuple(_PREFIXES[scope])


def prefix_family(scope: Scope, name: str) -> KafkaProperty | None:
    """A string-typed, not-modelled entry for names in a prefix family (ssl.truststore.location)."""
    for prefix in _PREFIXES[scope]:
        if name.startswith(prefix) and len(name) > len(prefix):
            return prop(name, scope, "password" if _is_secret(name) else "string", None)
    return None


def _is_secret(name: str) -> bool:
    return any(word in name for word in ("password", "jaas", "secret"))
