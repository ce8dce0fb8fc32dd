"""The Kafka property catalog: every property a spec may name, with its type, the values Kafka
accepts, its default in each release line and where that default is written down.

The defaults were read from Kafka's source at the release tags (ProducerConfig.java,
ConsumerConfig.java, StreamsConfig.java, KafkaConfig.scala, LogConfig.scala) and from the
KIPs and upgrade notes that changed them; each change names its source. The model reads only
the properties with `modelled=True`; the rest (in `kafka_properties_unmodelled`) are accepted,
type-checked and reported as "not modelled".
"""

from __future__ import annotations

from collections.abc import Iterable

from mqcheck.spec.kafka_properties_unmodelled import UNMODELLED, prefix_family
from mqcheck.spec.kafka_property import (
    SCOPES,
    Allowed,
    Default,
    KafkaProperty,
    Scope,
    enum_values,
)
from mqcheck.spec.kafka_property import prop as _prop
from mqcheck.spec.release_rows import through_releases
from mqcheck.spec.schema import INT_MAX, LONG_MAX

_RANGE = "org.apache.kafka.clients.consumer.RangeAssignor"
_COOPERATIVE_STICKY = "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"

# --- The properties the model reads -------------------------------------------------------

_ROWS: tuple[KafkaProperty, ...] = (
    # Broker (server.properties names): cluster-wide defaults that topics inherit.
    _prop("min.insync.replicas", "broker", "int", 1, modelled=True, minimum=1),
    _prop(
        "unclean.leader.election.enable",
        "broker",
        "bool",
        defaults=(Default((0, 10), True), Default((0, 11), False, "KIP-106")),
        modelled=True,
    ),
    _prop("log.flush.interval.messages", "broker", "long", LONG_MAX, modelled=True, minimum=1),
    _prop("log.flush.interval.ms", "broker", "long", None, modelled=True, nullable=True),
    _prop("log.flush.scheduler.interval.ms", "broker", "long", LONG_MAX, modelled=True),
    _prop(
        "message.max.bytes",
        "broker",
        "int",
        defaults=(Default((0, 10), 1000012), Default((2, 5), 1048588, "KAFKA-4203")),
        modelled=True,
        minimum=0,
    ),
    _prop("default.replication.factor", "broker", "int", 1, modelled=True),
    _prop("num.partitions", "broker", "int", 1, modelled=True, minimum=1),
    _prop(
        "offsets.retention.minutes",
        "broker",
        "int",
        defaults=(Default((0, 10), 1440), Default((2, 0), 10080, "KIP-186")),
        modelled=True,
        minimum=1,
    ),
    # Log retention (model/retention.py, fault retention_passes_consumer). KafkaConfig
    # .logRetentionTimeMillis: log.retention.ms, else log.retention.minutes, else
    # log.retention.hours (168); a negative value is -1, no limit. LogConfig: retention.bytes
    # -1 is no limit; cleanup.policy "delete" (or "compact,delete") deletes by retention.
    _prop("log.retention.hours", "broker", "int", 168, modelled=True),
    _prop("log.retention.minutes", "broker", "int", None, modelled=True, nullable=True),
    _prop("log.retention.ms", "broker", "long", None, modelled=True, nullable=True),
    _prop("log.retention.bytes", "broker", "long", -1, modelled=True),
    _prop("log.cleanup.policy", "broker", "list", "delete", modelled=True),
    # KIP-966 part 1: a feature level, set with kafka-features.sh / kafka-storage.sh format
    # rather than server.properties; off by default in 4.0, on for new clusters from 4.1
    # (Kafka docs, operations: Eligible Leader Replicas).
    _prop(
        "eligible.leader.replicas.version",
        "broker",
        "int",
        defaults=(Default((4, 0), 0, "KIP-966"), Default((4, 1), 1, "KIP-966")),
        modelled=True,
        minimum=0,
        maximum=1,
        since=(4, 0),
        since_source="KIP-966",
        doc="eligible_leader_replicas",
    ),
    # Topic-level overrides (kafka-topics.sh --config names) and the creation parameters.
    # (their lower bound is checked with the topic, quoting CreateTopics' own refusal)
    _prop("partitions", "topic", "int", None, modelled=True, doc="basic_ops_add_topic"),
    _prop("replication.factor", "topic", "int", None, modelled=True, doc="basic_ops_add_topic"),
    _prop("min.insync.replicas", "topic", "int", None, modelled=True, minimum=1),
    _prop("unclean.leader.election.enable", "topic", "bool", None, modelled=True),
    _prop("flush.messages", "topic", "long", None, modelled=True, minimum=0),
    _prop("flush.ms", "topic", "long", None, modelled=True, minimum=0),
    _prop("max.message.bytes", "topic", "int", None, modelled=True, minimum=0),
    _prop("retention.ms", "topic", "long", None, modelled=True, minimum=-1),
    _prop("retention.bytes", "topic", "long", None, modelled=True),
    _prop("cleanup.policy", "topic", "list", None, modelled=True),
    # Producer.
    _prop(
        "acks",
        "producer",
        "enum",
        defaults=(Default((0, 10), 1), Default((3, 0), -1, "KIP-679")),
        modelled=True,
        allowed=enum_values("all", "-1", "0", "1"),
    ),
    _prop(
        "enable.idempotence",
        "producer",
        "bool",
        defaults=(Default((0, 10), False), Default((3, 0), True, "KIP-679")),
        modelled=True,
        since=(0, 11),
        since_source="KIP-98",
    ),
    _prop(
        "retries",
        "producer",
        "int",
        defaults=(Default((0, 10), 0), Default((2, 1), INT_MAX, "KIP-91")),
        modelled=True,
        minimum=0,
        maximum=INT_MAX,
    ),
    _prop("max.in.flight.requests.per.connection", "producer", "int", 5, modelled=True, minimum=1),
    _prop(
        "delivery.timeout.ms",
        "producer",
        "int",
        defaults=(Default((2, 1), 120000, "KIP-91"),),
        modelled=True,
        minimum=0,
        since=(2, 1),
        since_source="KIP-91",
    ),
    _prop("max.request.size", "producer", "int", 1048576, modelled=True, minimum=0),
    _prop(
        "transactional.id",
        "producer",
        "string",
        defaults=(Default((0, 10), None),),
        modelled=True,
        nullable=True,
        since=(0, 11),
        since_source="KIP-98",
    ),
    # Consumer.
    _prop("group.id", "consumer", "string", None, modelled=True),
    _prop("enable.auto.commit", "consumer", "bool", True, modelled=True),
    _prop("auto.commit.interval.ms", "consumer", "int", 5000, modelled=True, minimum=0),
    _prop(
        "auto.offset.reset",
        "consumer",
        "enum",
        "latest",
        modelled=True,
        allowed=enum_values("latest", "earliest", "none"),
    ),
    _prop(
        "isolation.level",
        "consumer",
        "enum",
        defaults=(Default((0, 10), "read_uncommitted"),),
        modelled=True,
        allowed=enum_values("read_uncommitted", "read_committed"),
        since=(0, 11),
        since_source="KIP-98",
    ),
    # Group membership (model/group.py). ConsumerConfig at 0.10.2.0 .. 2.8.0: [RangeAssignor];
    # from 3.0.0: [RangeAssignor, CooperativeStickyAssignor] (KAFKA-13023), which still runs
    # Range, eagerly (model/assignment.py: rebalance_protocol, selected_assignors).
    _prop(
        "partition.assignment.strategy",
        "consumer",
        "list",
        defaults=(
            Default((0, 10), _RANGE, "ConsumerConfig"),
            Default((3, 0), f"{_RANGE},{_COOPERATIVE_STICKY}", "KAFKA-13023"),
        ),
        modelled=True,
    ),
    _prop(
        "group.instance.id",
        "consumer",
        "string",
        None,
        modelled=True,
        nullable=True,
        since=(2, 3),
        since_source="KIP-345",
    ),
    # ConsumerConfig 3.7.0 accepts "classic" | "consumer" (GroupProtocol); KIP-848 is GA in 4.0.
    _prop(
        "group.protocol",
        "consumer",
        "enum",
        "classic",
        modelled=True,
        allowed=enum_values("classic", "consumer"),
        since=(3, 7),
        since_source="KIP-848",
    ),
    # Kafka Streams (processors). group.id stands for Streams' application.id.
    _prop(
        "group.id", "streams", "string", None, modelled=True, doc="streamsconfigs_application.id"
    ),
    _prop(
        "processing.guarantee",
        "streams",
        "enum",
        "at_least_once",
        modelled=True,
        allowed=(
            Allowed("at_least_once", (0, 11), None, "KIP-129"),
            Allowed(
                "exactly_once", (0, 11), (3, 9), "KIP-129; deprecated by KIP-732, removed in 4.0"
            ),
            Allowed(
                "exactly_once_beta",
                (2, 6),
                (3, 9),
                "KIP-447; deprecated by KIP-732, removed in 4.0",
            ),
            Allowed("exactly_once_v2", (3, 0), None, "KIP-732"),
        ),
        since=(0, 11),
        since_source="KIP-129",
    ),
)


#: The rows as of the newest checked line: the releases from 4.2 on change them in one place
#: each (releases.py); the properties they add are all not modelled.
MODELLED: tuple[KafkaProperty, ...] = through_releases(_ROWS, add=False)


def _index(props: Iterable[KafkaProperty]) -> dict[tuple[Scope, str], KafkaProperty]:
    return {(prop.scope, prop.name): prop for prop in props}


def _all() -> dict[tuple[Scope, str], KafkaProperty]:
    table = _index(UNMODELLED)
    table.update(_index(MODELLED))  # a modelled entry wins over a not-modelled one
    return table


CATALOG: dict[tuple[Scope, str], KafkaProperty] = _all()


def lookup(scope: Scope, name: str) -> KafkaProperty | None:
    """The catalog entry for `name` in `scope`, including the prefix families (ssl.*, ...)."""
    prop = CATALOG.get((scope, name))
    if prop is not None:
        return prop
    return prefix_family(scope, name)


def names(scope: Scope) -> tuple[str, ...]:
    return tuple(sorted(name for (prop_scope, name) in CATALOG if prop_scope == scope))


def scopes_of(name: str) -> tuple[Scope, ...]:
    """Every scope in which `name` is a property, for 'that is a topic property' hints."""
    return tuple(scope for scope in SCOPES if (scope, name) in CATALOG)
