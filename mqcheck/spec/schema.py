"""The typed spec: what the loader produces and the model compiler consumes.

Every value here is *effective*: defaults for `kafka_version` are already applied and
topic overrides resolved, so the model layer never looks at YAML or at Kafka's defaults.
Where each value came from is kept separately in `Spec.settings` (for explain-defaults and
the checklist) and `Spec.positions` (for error locations and SARIF).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

#: Kafka's "never" for flush.messages / log.flush.interval.messages (Long.MAX_VALUE).
LONG_MAX = 9223372036854775807
INT_MAX = 2147483647

Acks = Literal[0, 1, -1]  # -1 is Kafka's spelling of "all"
OnSendError = Literal["drop", "resend", "halt"]
CommitMode = Literal["after_processing", "before_processing", "auto"]
Processing = Literal["sync", "async"]
OffsetReset = Literal["earliest", "latest", "none"]
IsolationLevel = Literal["read_uncommitted", "read_committed"]
Joins = Literal["before_production", "any_time"]
OnRevoke = Literal["none", "commit"]
GroupProtocol = Literal["classic", "consumer"]
ProcessingGuarantee = Literal["at_least_once", "exactly_once_v2", "exactly_once"]
Guarantee = Literal["at-most-once", "at-least-once", "exactly-once", "ordering"]
EngineName = Literal["explicit", "z3", "both"]
Verdict = Literal["holds", "violated", "unknown"]

GUARANTEES: tuple[str, ...] = ("at-least-once", "at-most-once", "exactly-once", "ordering")
FAULT_NAMES: tuple[str, ...] = (
    "broker_crash",
    "broker_power_loss",
    "simultaneous_power_loss",
    "produce_request_lost",
    "produce_response_lost",
    "consumer_crash",
    "producer_crash",
    "processor_crash",
    "follower_lag",
    "offsets_expire",
    "delivery_timeout",
    "consumer_stall",
    "group_rebalance",
    "controlled_shutdown",
    "disk_failure",
    "rack_power_loss",
    "retention_passes_consumer",
    "leader_isolation",
    "processing_error",
)


@dataclass(frozen=True)
class KafkaVersion:
    """A Kafka release line, compared as (major, minor); "0.10" is (0, 10), "3.7" is (3, 7)."""

    major: int
    minor: int
    # the patch part when the spec named a full release ("3.2.1" -> (1,)); not part of
    # equality: a line's defaults are its newest patch's; model/group.py reads it
    patch: tuple[int, ...] = field(default=(), compare=False)

    def at_least(self, major: int, minor: int) -> bool:
        return (self.major, self.minor) >= (major, minor)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class Origin:
    """Where an effective value came from: 'spec', 'topic override', 'broker setting',
    'version default', 'app default' or 'derived' (e.g. auto commit implied by
    enable.auto.commit)."""

    source: str
    path: str  # key path in the spec, e.g. "topics.orders.min.insync.replicas"
    line: int | None = None
    column: int | None = None
    note: str = ""  # e.g. "Kafka 3.0 default (KIP-679)"


@dataclass(frozen=True)
class EffectiveSetting:
    """One row of `mqcheck explain-defaults`: scope/owner, property, value, origin."""

    scope: str  # "broker", "topic:orders", "producer:checkout", "consumer:billing", ...
    name: str  # Kafka property name or app key ("app.commit")
    value: object
    origin: Origin
    modelled: bool = True


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    replication_factor: int
    min_insync_replicas: int
    unclean_leader_election_enable: bool
    flush_messages: int  # LONG_MAX: never forced by count
    flush_ms: int | None  # None: never forced by time (log.flush.interval.ms null)
    max_message_bytes: int  # topic max.message.bytes / broker message.max.bytes
    # KIP-966 Eligible Leader Replicas; only true where the version allows it.
    eligible_leader_replicas: bool = False
    # Retention (LogConfig retention.ms / retention.bytes, -1: no limit) and whether
    # cleanup.policy includes "delete" (compact alone deletes nothing by retention).
    retention_ms: int = 604800000
    retention_bytes: int = -1
    cleanup_delete: bool = True

    @property
    def retention_deletes(self) -> bool:
        """Retention can delete records: a delete policy with some limit
        (UnifiedLog.deleteOldSegments returns at once for -1/-1 or compact alone)."""
        return self.cleanup_delete and (self.retention_ms >= 0 or self.retention_bytes >= 0)


@dataclass(frozen=True)
class ProducerApp:
    waits_for_result: bool = True
    on_send_error: OnSendError = "drop"
    message_bytes: int = 1000
    # app.keys (SPEC_FORMAT §1.1): message i carries key keys[i % len]; () sends no key
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Producer:
    name: str
    topic: str
    acks: Acks
    enable_idempotence: bool
    retries: int
    max_in_flight: int  # max.in.flight.requests.per.connection
    delivery_timeout_ms: int
    max_request_size: int
    transactional_id: str | None
    app: ProducerApp
    # Not modelled, but they decide where a keyed record goes (KafkaProducer.partition):
    # partitioner.class and partitioner.ignore.keys as given (None / False when left out),
    # and key.serializer as given (None: the StringSerializer the spec's string keys assume).
    partitioner_class: str | None = None
    partitioner_ignore_keys: bool = False
    key_serializer: str | None = None


@dataclass(frozen=True)
class Processor:
    name: str
    from_topic: str
    to_topic: str
    group_id: str
    processing_guarantee: ProcessingGuarantee
    # instances of the application (one application.id, one consumer group) that share the
    # input partitions (SPEC_FORMAT §1.1; docs/semantics.md §2.17)
    instances: int = 1


@dataclass(frozen=True)
class ConsumerApp:
    commit: CommitMode = "after_processing"
    processing: Processing = "sync"
    idempotent: bool = False
    joins: Joins = "before_production"
    # what the ConsumerRebalanceListener does in onPartitionsRevoked (SPEC_FORMAT §1.1)
    on_revoke: OnRevoke = "none"


@dataclass(frozen=True)
class Consumer:
    name: str
    topic: str
    group_id: str
    enable_auto_commit: bool
    auto_commit_interval_ms: int
    auto_offset_reset: OffsetReset
    isolation_level: IsolationLevel
    app: ConsumerApp
    # Group membership (model/group.py): a static member's id (KIP-345), the assignors the
    # member offers, in order, and the group protocol (KIP-848).
    group_instance_id: str | None = None
    assignment_strategy: tuple[str, ...] = ()
    group_protocol: GroupProtocol = "classic"


AckMode = Literal["implicit", "explicit"]
ShareOffsetReset = Literal["latest", "earliest"]
ShareAck = Literal["after_processing", "before_processing"]
ShareOnError = Literal["release", "reject", "accept"]


@dataclass(frozen=True)
class ShareConsumerApp:
    """What the application around a KafkaShareConsumer does (SPEC_FORMAT §1.1): when it
    acknowledges a delivery, what it does when processing one fails, and whether processing
    twice is harmless."""

    ack: ShareAck = "after_processing"
    on_error: ShareOnError = "release"
    idempotent: bool = False
    # when the share group is created (its first member subscribes): with
    # share.auto.offset.reset=latest a group created after production skips what came before
    joins: Joins = "before_production"


@dataclass(frozen=True)
class ShareConsumer:
    """One member of a share group (KIP-932). The share.* group settings are the group's
    (Kafka keeps them per group, kafka-configs --entity-type groups); they are written under
    each member and resolved with the broker's group.share.* defaults and bounds."""

    name: str
    topic: str
    group_id: str
    acknowledgement_mode: AckMode
    record_lock_duration_ms: int
    delivery_count_limit: int
    auto_offset_reset: ShareOffsetReset
    isolation_level: IsolationLevel
    app: ShareConsumerApp


def consumer_groups(consumers: Mapping[str, Consumer]) -> list[list[Consumer]]:
    """The consumers that form one group (a shared group.id and topic), in the order each
    group's first member appears: the loader, the model and repair all group this way."""
    groups: dict[tuple[str, str], list[Consumer]] = {}
    for c in consumers.values():
        groups.setdefault((c.group_id, c.topic), []).append(c)
    return list(groups.values())


@dataclass(frozen=True)
class Faults:
    """How many of each fault one run may contain. `follower_lag` is the number of ISR
    shrinks caused by a lagging follower (True in the YAML means the default bound)."""

    broker_crash: int = 0
    broker_power_loss: int = 0
    simultaneous_power_loss: int = 0
    produce_request_lost: int = 0
    produce_response_lost: int = 0
    consumer_crash: int = 0
    producer_crash: int = 0
    processor_crash: int = 0
    follower_lag: int = 0
    offsets_expire: int = 0
    delivery_timeout: int = 0
    consumer_stall: int = 0
    group_rebalance: int = 0
    controlled_shutdown: int = 0  # planned restarts (a rolling restart is a budget of these)
    disk_failure: int = 0  # a log directory fails (KIP-112, JBOD)
    rack_power_loss: int = 0  # every broker of one rack loses power at once
    retention_passes_consumer: int = 0  # retention deletes a prefix a group may not have read
    # a broker loses the controller and its peers past the session timeout, then heals
    leader_isolation: int = 0
    # the application fails to process one delivery of a share consumer (app.on_error)
    processing_error: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in FAULT_NAMES}


@dataclass(frozen=True)
class Check:
    guarantees: tuple[str, ...] = ("at-least-once",)
    ordering: bool = False
    messages: int = 2
    engine: EngineName = "explicit"
    max_states: int = 5_000_000
    timeout_s: float = 600.0


@dataclass(frozen=True)
class Spec:
    """A loaded, validated, fully resolved spec."""

    path: str  # file it came from ("<string>" when loaded from text)
    format_version: int
    name: str
    description: str
    kafka_version: KafkaVersion
    brokers: int
    topics: dict[str, Topic]
    producers: dict[str, Producer]
    processors: dict[str, Processor]
    consumers: dict[str, Consumer]
    faults: Faults
    check: Check
    expect: dict[str, str] = field(default_factory=dict)  # guarantee -> expected verdict
    # cluster.racks: rack -> its brokers' ids (1-based); {} when racks are not given
    racks: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Broker-scope settings the model reads directly (offsets.retention.minutes, ...).
    offsets_retention_minutes: int = 10080
    not_modelled: tuple[str, ...] = ()
    settings: tuple[EffectiveSetting, ...] = ()
    # share_consumers: members of share groups (KIP-932), model/share_group.py
    share_consumers: dict[str, ShareConsumer] = field(default_factory=dict)
    # key path ("topics.orders.min.insync.replicas") -> (line, column), 1-based
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)

    def checked_guarantees(self) -> tuple[str, ...]:
        """The guarantees to report, with ordering last when `check.ordering` is set."""
        names = list(self.check.guarantees)
        if self.check.ordering and "ordering" not in names:
            names.append("ordering")
        return tuple(names)
