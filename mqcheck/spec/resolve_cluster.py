"""Broker settings and topics: each topic value is the topic-level override, else the broker
setting it inherits, else the broker's default for the Kafka version (as Kafka's LogConfig
resolves them)."""

from __future__ import annotations

from dataclasses import dataclass

from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.context import LoadContext, join
from mqcheck.spec.keys import INVALID, read_property, read_section
from mqcheck.spec.schema import LONG_MAX, Origin, Topic
from mqcheck.spec.tree import Node
from mqcheck.spec.validate import topic_name_refusal

#: topic-level name -> the broker setting it defaults to (Kafka's LogConfig synonyms; the two
#: creation parameters default to num.partitions and default.replication.factor).
TOPIC_FALLBACK: dict[str, str] = {
    "partitions": "num.partitions",
    "replication.factor": "default.replication.factor",
    "min.insync.replicas": "min.insync.replicas",
    "unclean.leader.election.enable": "unclean.leader.election.enable",
    "flush.messages": "log.flush.interval.messages",
    "flush.ms": "log.flush.interval.ms",
    "max.message.bytes": "message.max.bytes",
    "retention.ms": "log.retention.ms",
    "retention.bytes": "log.retention.bytes",
    "cleanup.policy": "log.cleanup.policy",
}

#: LogConfig's ValidList for cleanup.policy.
CLEANUP_POLICIES = ("compact", "delete")


@dataclass(frozen=True)
class Effective:
    value: object
    origin: Origin


def resolve_broker(ctx: LoadContext, node: Node | None) -> dict[str, Effective]:
    """Every modelled broker setting of the version: the spec's value or Kafka's default."""
    entries = {}
    if node is not None:
        entries = read_section(ctx, node, "broker", fixed=(), scope="broker", owner="broker") or {}
    result: dict[str, Effective] = {}
    for prop in catalog.MODELLED:
        if prop.scope != "broker" or not prop.exists_in(ctx.kafka):
            continue
        key_path = join("broker", prop.name)
        entry = entries.get(prop.name)
        value, origin = ctx.version_default(prop, key_path)
        if entry is not None:
            given = read_property(ctx, prop, entry, key_path)
            if given is not INVALID:
                value, origin = given, ctx.from_spec(entry, key_path, source="broker setting")
        result[prop.name] = Effective(value, origin)
        ctx.record("broker", prop.name, value, origin)
    return result


def resolve_topics(
    ctx: LoadContext, node: Node | None, broker: dict[str, Effective]
) -> dict[str, Topic]:
    if node is None:
        ctx.problems.add("topics", "missing: a spec needs at least one topic", None)
        return {}
    mapping = ctx.reader.mapping(node, "topics")
    if mapping is None:
        return {}
    if not mapping.entries:
        ctx.problems.add("topics", "no topics: a spec needs at least one", mapping.position)
    topics: dict[str, Topic] = {}
    for entry in mapping.entries:
        path = join("topics", entry.key)
        ctx.saw(path, entry.position)
        refusal = topic_name_refusal(entry.key)
        if refusal:
            ctx.problems.add(path, f'Kafka refuses this topic name: "{refusal}"', entry.position)
        topic = _resolve_topic(ctx, entry.key, entry.value, path, broker)
        if topic is not None:
            topics[entry.key] = topic
    return topics


def _resolve_topic(
    ctx: LoadContext, name: str, node: Node, path: str, broker: dict[str, Effective]
) -> Topic | None:
    entries = read_section(ctx, node, path, fixed=(), scope="topic", owner=f"topic:{name}")
    if entries is None:
        return None
    values: dict[str, object] = {}
    origins: dict[str, Origin] = {}
    for topic_name, broker_name in TOPIC_FALLBACK.items():
        key_path = join(path, topic_name)
        entry = entries.get(topic_name)
        prop = catalog.lookup("topic", topic_name)
        assert prop is not None
        inherited = broker[broker_name]
        if topic_name == "flush.ms" and inherited.value is None:
            inherited = broker["log.flush.scheduler.interval.ms"]
        if topic_name == "retention.ms" and inherited.value is None:
            inherited = _retention_ms_of_broker(broker)
        value, origin = inherited.value, inherited.origin
        if entry is not None:
            given = read_property(ctx, prop, entry, key_path)
            if given is not INVALID and given is not None:
                value, origin = given, ctx.from_spec(entry, key_path, source="topic override")
        if topic_name == "flush.ms" and value == LONG_MAX:
            value = None  # never forced by time
        values[topic_name] = value
        origins[topic_name] = origin
        ctx.record(f"topic:{name}", topic_name, value, origin)
    partitions = _creation_parameter(ctx, "partitions", values, origins)
    replicas = _creation_parameter(ctx, "replication.factor", values, origins)
    elr_level = broker.get("eligible.leader.replicas.version")
    elr = elr_level is not None and elr_level.value == 1
    if elr_level is not None:
        ctx.record(f"topic:{name}", "eligible.leader.replicas", elr, elr_level.origin)
    if partitions is None or replicas is None:
        return None
    flush_ms = values["flush.ms"]
    retention_ms = _as_int(values["retention.ms"])
    policies = _cleanup_policies(ctx, values["cleanup.policy"], origins["cleanup.policy"])
    return Topic(
        name=name,
        partitions=partitions,
        replication_factor=replicas,
        min_insync_replicas=_as_int(values["min.insync.replicas"]),
        unclean_leader_election_enable=bool(values["unclean.leader.election.enable"]),
        flush_messages=_as_int(values["flush.messages"]),
        flush_ms=None if flush_ms is None else _as_int(flush_ms),
        max_message_bytes=_as_int(values["max.message.bytes"]),
        eligible_leader_replicas=elr,
        retention_ms=-1 if retention_ms < 0 else retention_ms,
        retention_bytes=_as_int(values["retention.bytes"]),
        cleanup_delete="delete" in policies,
    )


def _retention_ms_of_broker(broker: dict[str, Effective]) -> Effective:
    """KafkaConfig.logRetentionTimeMillis: log.retention.ms, else log.retention.minutes,
    else log.retention.hours; negative means -1 (no limit)."""
    ms, minutes, hours = (
        broker["log.retention.ms"],
        broker["log.retention.minutes"],
        broker["log.retention.hours"],
    )
    if ms.value is not None:
        return ms
    if minutes.value is not None:
        return Effective(_as_int(minutes.value) * 60_000, minutes.origin)
    return Effective(_as_int(hours.value) * 3_600_000, hours.origin)


def _cleanup_policies(ctx: LoadContext, value: object, origin: Origin) -> tuple[str, ...]:
    """cleanup.policy as its list; a member other than compact or delete is refused with
    LogConfig's words (an empty list, allowed from 4.2 by KIP-1161, deletes nothing)."""
    assert isinstance(value, str)
    parts = tuple(p.strip() for p in value.split(",") if p.strip())
    for part in parts:
        if part not in CLEANUP_POLICIES:
            position = (origin.line, origin.column) if origin.line and origin.column else None
            ctx.problems.add(
                origin.path,
                f'Kafka refuses this value: "Invalid value {value} for configuration '
                f'cleanup.policy: String must be one of: compact, delete"',
                position,
            )
    return parts


def _as_int(value: object) -> int:
    """Values here are well typed: an invalid one was reported and replaced by the default."""
    assert isinstance(value, int)
    return value


def _creation_parameter(
    ctx: LoadContext, name: str, values: dict[str, object], origins: dict[str, Origin]
) -> int | None:
    """partitions / replication.factor, refused below 1 with CreateTopics' own words."""
    value = _as_int(values[name])
    if value >= 1:
        return value
    kraft = ctx.kafka.at_least(4, 0)
    if name == "partitions":
        message = (
            "Number of partitions was set to an invalid non-positive value."
            if kraft
            else "Number of partitions must be larger than 0."
        )
    else:
        message = (
            "Replication factor must be larger than 0, or -1 to use the default value."
            if kraft
            else "Replication factor must be larger than 0."
        )
    origin = origins[name]
    position = (origin.line, origin.column) if origin.line and origin.column else None
    ctx.problems.add(origin.path, f'Kafka refuses this topic: "{message}"', position)
    return None
