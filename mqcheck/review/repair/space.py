"""What `mqcheck repair` may change: the settings the user controls *and* the model reads.

Each knob is one setting of one owner (a producer, the checked topic, a consumer, the broker)
with a small finite domain that always holds its current value. Only settings that change a
verdict are knobs: the model reads `delivery.timeout.ms`, `auto.commit.interval.ms` and
`offsets.retention.minutes` only for its narrative (the `delivery_timeout` and
`offsets_expire` faults stand for them), so they are not searched; likewise a share group's
`share.record.lock.duration.ms`, whose expiry is the `consumer_stall` fault. The fault
model, the cluster size and `app.joins` (when the consumer or share group is deployed, a
fact rather than a choice) stay fixed unless `--allow` names them; `--freeze` holds more
settings fixed. The domains are documented in docs/repair.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mqcheck.model.share_state import bad_releases
from mqcheck.review.spec_variants import targets
from mqcheck.spec.kafka_properties import lookup
from mqcheck.spec.schema import (
    FAULT_NAMES,
    INT_MAX,
    LONG_MAX,
    Origin,
    ShareConsumer,
    Spec,
    consumer_groups,
)

KeyPath = tuple[str, ...]
Write = tuple[KeyPath, object]  # a YAML key path and the value written there

ALLOWABLE = ("faults", *(f"faults.{f}" for f in FAULT_NAMES), "cluster.brokers", "app.joins")
#: How many brokers `--allow cluster.brokers` may add.
EXTRA_BROKERS = 2


@dataclass(frozen=True)
class Knob:
    scope: str  # "producer:shop", "topic:orders", "consumer:billing", "broker", "faults", "cluster"
    name: str  # the Kafka property, app.KEY, fault name or "brokers"
    kind: str  # "config" | "app" | "fault" | "cluster"
    domain: tuple[object, ...]  # effective values; holds `current`
    current: object
    attr: tuple[str, ...]  # where the typed Spec holds the effective value
    paths: tuple[KeyPath, ...]  # where the YAML holds it (app.commit writes two keys)
    origin: Origin | None = None
    # the same keys of the other members of a consumer group: a group's members are
    # configured alike (model/group_members.py), so one knob sets all of them
    also: tuple[tuple[KeyPath, ...], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.scope} {self.name}"

    def writes(self, value: object) -> tuple[Write, ...]:
        """The YAML keys and values that set this knob to `value`."""
        out: list[Write] = []
        for paths in (self.paths, *self.also):
            out += self._writes(paths, value)
        return tuple(out)

    def _writes(self, paths: tuple[KeyPath, ...], value: object) -> tuple[Write, ...]:
        if self.name == "app.commit":  # one knob: Kafka's auto-commit or the app's own commit
            auto_path, commit_path = paths
            return ((auto_path, value == "auto"), (commit_path, value))
        if self.name == "acks" and value == -1:
            return ((paths[0], "all"),)
        if self.name == "eligible.leader.replicas.version":
            return ((paths[0], int(bool(value))),)
        return ((paths[0], value),)

    def read(self, spec: Spec) -> object:
        """The knob's effective value in a loaded spec."""
        node: Any = spec
        for part in self.attr:
            node = node[part] if isinstance(node, Mapping) else getattr(node, part)
        return node


@dataclass(frozen=True)
class SearchSpace:
    knobs: tuple[Knob, ...]
    fixed_faults: Mapping[str, int]  # fault budgets that are not knobs

    def current(self) -> tuple[object, ...]:
        return tuple(k.current for k in self.knobs)

    def size(self) -> int:
        total = 1
        for k in self.knobs:
            total *= len(k.domain)
        return total

    def index(self) -> dict[str, int]:
        return {k.id: i for i, k in enumerate(self.knobs)}


class SpaceError(ValueError):
    """An --allow or --freeze that names nothing this command can search."""


def _values(*values: object) -> tuple[object, ...]:
    """Distinct values, in the order given (the domain's display order)."""
    return tuple(dict.fromkeys(values))


def _origin(spec: Spec, scope: str, name: str) -> Origin | None:
    for s in spec.settings:
        if s.scope == scope and s.name == name:
            return s.origin
    return None


def _path(spec: Spec, section: str, owner: str, prop: str) -> KeyPath:
    found = targets(spec, f"{section}.{owner}.{prop}")
    return found[0]


def search_space(spec: Spec, allow: Sequence[str] = (), freeze: Sequence[str] = ()) -> SearchSpace:
    """The knobs of `spec`, widened by `allow` and narrowed by `freeze`."""
    unknown = [a for a in allow if a not in ALLOWABLE]
    if unknown:
        raise SpaceError(
            f"--allow {unknown[0]}: expected one of cluster.brokers, app.joins, faults "
            "(every fault) or faults.NAME"
        )
    brokers_allowed = "cluster.brokers" in allow
    knobs: list[Knob] = []
    if brokers_allowed:
        knobs.append(
            Knob(
                "cluster",
                "brokers",
                "cluster",
                tuple(range(spec.brokers, spec.brokers + EXTRA_BROKERS + 1)),
                spec.brokers,
                ("brokers",),
                (("cluster", "brokers"),),
                _origin(spec, "cluster", "brokers"),
            )
        )
    max_brokers = spec.brokers + (EXTRA_BROKERS if brokers_allowed else 0)
    topic_names = dict.fromkeys(p.topic for p in spec.producers.values())
    topic_names.update(dict.fromkeys(x.to_topic for x in spec.processors.values()))
    for name in topic_names:
        knobs.extend(_topic_knobs(spec, name, max_brokers))
    for producer in spec.producers:
        knobs.extend(_producer_knobs(spec, producer))
    for processor in spec.processors:
        knobs.extend(_processor_knobs(spec, processor))
    for group in consumer_groups(spec.consumers):
        members = [c.name for c in group]
        first = list(_consumer_knobs(spec, members[0], "app.joins" in allow))
        others = [list(_consumer_knobs(spec, m, "app.joins" in allow)) for m in members[1:]]
        for i, k in enumerate(first):
            knobs.append(replace(k, also=tuple(o[i].paths for o in others)))
    knobs.extend(_share_knobs(spec, "app.joins" in allow))
    budgets = spec.faults.as_dict()
    freed = {f for f in FAULT_NAMES if "faults" in allow or f"faults.{f}" in allow}
    for fault in FAULT_NAMES:
        if fault in freed and budgets[fault] > 0:
            knobs.append(
                Knob(
                    "faults",
                    fault,
                    "fault",
                    tuple(range(budgets[fault], -1, -1)),
                    budgets[fault],
                    ("faults", fault),
                    (("faults", fault),),
                    _origin(spec, "faults", fault),
                )
            )
    kept = _apply_freeze(knobs, freeze)
    fixed = {f: n for f, n in budgets.items() if n and not any(k.name == f for k in kept)}
    return SearchSpace(tuple(k for k in kept if len(k.domain) > 1), fixed)


def _apply_freeze(knobs: list[Knob], freeze: Sequence[str]) -> list[Knob]:
    def frozen(knob: Knob, pattern: str) -> bool:
        dotted = [".".join(p) for p in knob.paths]
        return (
            pattern in (knob.name, knob.id)
            or (pattern == "app" and knob.kind == "app")
            or any(d == pattern or d.startswith(pattern + ".") for d in dotted)
        )

    for pattern in freeze:
        if not any(frozen(k, pattern) for k in knobs):
            names = sorted({k.name for k in knobs})
            raise SpaceError(
                f"--freeze {pattern}: no searched setting has that name (searched: "
                f"{', '.join(names)}; or app, or a dotted path like producers.NAME)"
            )
    return [k for k in knobs if not any(frozen(k, p) for p in freeze)]


def _maker(spec: Spec, section: str, role: str, owner: str) -> Callable[..., Knob]:
    """A knob of one owner (a topic, producer or consumer): its YAML key, typed attribute
    and origin follow from the property name."""
    scope = f"{role}:{owner}"

    def knob(prop: str, attr: tuple[str, ...], domain: tuple[object, ...], current: object) -> Knob:
        return Knob(
            scope,
            prop,
            "app" if prop.startswith("app.") else "config",
            domain,
            current,
            (section, owner, *attr),
            (_path(spec, section, owner, prop),),
            _origin(spec, scope, prop),
        )

    return knob


def _topic_knobs(spec: Spec, name: str, max_brokers: int) -> Iterable[Knob]:
    topic = spec.topics[name]
    knob = _maker(spec, "topics", "topic", name)

    rf = topic.replication_factor
    yield knob("replication.factor", ("replication_factor",), tuple(range(1, max_brokers + 1)), rf)
    min_isr = topic.min_insync_replicas
    top = max(max_brokers, min_isr)
    yield knob("min.insync.replicas", ("min_insync_replicas",), tuple(range(1, top + 1)), min_isr)
    # A share group's topic keeps out what the model refuses for it (model/share_state.py
    # not_modelled: a log truncated below what the share partition delivered): a proposal
    # there could only come back "not modelled", never a repair.
    shared = any(c.topic == name for c in spec.share_consumers.values())
    f = spec.faults
    power = f.broker_power_loss + f.simultaneous_power_loss + f.rack_power_loss
    unclean = topic.unclean_leader_election_enable
    yield knob(
        "unclean.leader.election.enable",
        ("unclean_leader_election_enable",),
        (unclean,) if shared else (False, True),
        unclean,
    )
    flush = topic.flush_messages
    flushes = (flush,) if shared and power else _values(flush, 1, LONG_MAX)
    yield knob("flush.messages", ("flush_messages",), flushes, flush)
    if spec.faults.retention_passes_consumer and topic.retention_deletes:
        # retention deletes whatever a group has not read (model/retention.py); -1 turns
        # the limit off, the only value that takes the fault away
        for prop, attr in (
            ("retention.ms", "retention_ms"),
            ("retention.bytes", "retention_bytes"),
        ):
            limit = getattr(topic, attr)
            if limit >= 0:
                yield knob(prop, (attr,), (limit, -1), limit)
    largest = max(
        (p.app.message_bytes for p in spec.producers.values() if p.topic == name), default=0
    )
    if largest > topic.max_message_bytes:  # the model compares the record size with it
        size = topic.max_message_bytes
        yield knob("max.message.bytes", ("max_message_bytes",), (size, largest), size)
    if spec.kafka_version.at_least(4, 0):  # KIP-966, a broker feature level
        elr = topic.eligible_leader_replicas
        yield Knob(
            "broker",
            "eligible.leader.replicas.version",
            "config",
            (False, True),
            elr,
            ("topics", name, "eligible_leader_replicas"),
            (("broker", "eligible.leader.replicas.version"),),
            _origin(spec, "broker", "eligible.leader.replicas.version"),
        )


def _producer_knobs(spec: Spec, name: str) -> Iterable[Knob]:
    p = spec.producers[name]
    knob = _maker(spec, "producers", "producer", name)

    yield knob("acks", ("acks",), (0, 1, -1), p.acks)
    if spec.kafka_version.at_least(0, 11) and p.transactional_id is None:
        yield knob(
            "enable.idempotence", ("enable_idempotence",), (False, True), p.enable_idempotence
        )
    yield knob("retries", ("retries",), _values(p.retries, 0, INT_MAX), p.retries)
    in_flight = p.max_in_flight
    yield knob(
        "max.in.flight.requests.per.connection",
        ("max_in_flight",),
        _values(in_flight, 1, 5),
        in_flight,
    )
    if p.app.message_bytes > p.max_request_size:  # the model compares the record size with it
        size = p.max_request_size
        yield knob("max.request.size", ("max_request_size",), (size, p.app.message_bytes), size)
    yield knob(
        "app.waits_for_result", ("app", "waits_for_result"), (False, True), p.app.waits_for_result
    )
    yield knob(
        "app.on_send_error",
        ("app", "on_send_error"),
        ("drop", "resend", "halt"),
        p.app.on_send_error,
    )


def _consumer_knobs(spec: Spec, name: str, joins: bool) -> Iterable[Knob]:
    c = spec.consumers[name]
    knob = _maker(spec, "consumers", "consumer", name)

    commit = knob(
        "app.commit",
        ("app", "commit"),
        ("after_processing", "before_processing", "auto"),
        c.app.commit,
    )
    auto_path = _path(spec, "consumers", name, "enable.auto.commit")
    yield replace(commit, paths=(auto_path, commit.paths[0]))
    yield knob(
        "auto.offset.reset",
        ("auto_offset_reset",),
        ("earliest", "latest", "none"),
        c.auto_offset_reset,
    )
    if spec.kafka_version.at_least(0, 11):
        yield knob(
            "isolation.level",
            ("isolation_level",),
            ("read_uncommitted", "read_committed"),
            c.isolation_level,
        )
    yield knob("app.processing", ("app", "processing"), ("sync", "async"), c.app.processing)
    yield knob("app.idempotent", ("app", "idempotent"), (False, True), c.app.idempotent)
    if spec.faults.group_rebalance:
        yield knob("app.on_revoke", ("app", "on_revoke"), ("none", "commit"), c.app.on_revoke)
    if joins:
        yield knob("app.joins", ("app", "joins"), ("before_production", "any_time"), c.app.joins)


def _processor_knobs(spec: Spec, name: str) -> Iterable[Knob]:
    """A Kafka Streams processor's `processing.guarantee`: at_least_once, or the
    transactional protocol the version has (exactly_once_v2 from 3.0, exactly_once_beta
    in 2.6-2.8; the v1 `exactly_once` before)."""
    proc = spec.processors[name]
    v = spec.kafka_version
    if v.at_least(3, 0):
        exactly = "exactly_once_v2"
    elif v.at_least(2, 6):
        exactly = "exactly_once_beta"
    elif v.at_least(0, 11):
        exactly = "exactly_once"
    else:
        return
    current = proc.processing_guarantee
    domain = _values(current, "at_least_once", exactly if current == "at_least_once" else current)
    yield Knob(
        f"processor:{name}",
        "processing.guarantee",
        "config",
        domain,
        current,
        ("processors", name, "processing_guarantee"),
        (("processors", name, "processing.guarantee"),),
        _origin(spec, f"processor:{name}", "processing.guarantee"),
    )


def share_groups(spec: Spec) -> list[list[ShareConsumer]]:
    """The members of each share group (one group.id), groups and members in spec order."""
    groups: dict[str, list[ShareConsumer]] = {}
    for member in spec.share_consumers.values():
        groups.setdefault(member.group_id, []).append(member)
    return list(groups.values())


def _share_knobs(spec: Spec, joins: bool) -> Iterable[Knob]:
    """A share group's settings, one knob per setting for the whole group: the share.*
    group configs must agree across members (the loader refuses otherwise) and the members
    of one group run one application, so each knob writes every member (`also`). On Kafka
    4.2 the delivery limit is the broker's group.share.delivery.count.limit (the group
    config is 4.3's, KIP-1240): one broker knob for every share group."""
    broker_limit = not spec.kafka_version.at_least(4, 3)
    for n, group in enumerate(share_groups(spec)):
        first = list(_member_knobs(spec, group[0], joins))
        others = [list(_member_knobs(spec, m, joins)) for m in group[1:]]
        for i, k in enumerate(first):
            yield replace(k, also=tuple(o[i].paths for o in others))
        if broker_limit and n == 0 and bad_releases(spec):
            yield _broker_delivery_limit(spec, group[0])


def _member_knobs(spec: Spec, c: ShareConsumer, joins: bool) -> Iterable[Knob]:
    knob = _maker(spec, "share_consumers", "share_consumer", c.name)
    if spec.kafka_version.at_least(4, 3) and bad_releases(spec):
        low, high = delivery_limit_bounds(spec)
        limit = c.delivery_count_limit
        yield knob(
            "share.delivery.count.limit",
            ("delivery_count_limit",),
            _values(limit, *range(low, high + 1)),
            limit,
        )
    yield knob(
        "share.acknowledgement.mode",
        ("acknowledgement_mode",),
        ("implicit", "explicit"),
        c.acknowledgement_mode,
    )
    if spec.faults.processing_error:  # the only fault that reads it (model/share_group.py)
        yield knob(
            "app.on_error", ("app", "on_error"), ("release", "reject", "accept"), c.app.on_error
        )
    yield knob(
        "share.auto.offset.reset",
        ("auto_offset_reset",),
        ("latest", "earliest"),
        c.auto_offset_reset,
    )
    yield knob("app.ack", ("app", "ack"), ("after_processing", "before_processing"), c.app.ack)
    yield knob("app.idempotent", ("app", "idempotent"), (False, True), c.app.idempotent)
    if joins:
        yield knob("app.joins", ("app", "joins"), ("before_production", "any_time"), c.app.joins)


def delivery_limit_bounds(spec: Spec) -> tuple[int, int]:
    """The delivery limits the broker accepts for a share group: from 4.3 the group config
    lies within group.share.min/max.delivery.count.limit (GroupConfig.validateValues); on
    4.2 the broker's group.share.delivery.count.limit has its ConfigDef range, between(2, 10)
    (ShareGroupConfig)."""
    if not spec.kafka_version.at_least(4, 3):
        return 2, 10
    return (
        _broker_int(spec, "group.share.min.delivery.count.limit", 2),
        _broker_int(spec, "group.share.max.delivery.count.limit", 10),
    )


def _broker_int(spec: Spec, name: str, fallback: int) -> int:
    """A broker setting's effective value: as the spec gives it, else the line's default."""
    for s in spec.settings:
        if s.scope == "broker" and s.name == name and isinstance(s.value, int):
            return s.value
    prop = lookup("broker", name)
    default = prop.default_for(spec.kafka_version) if prop is not None else None
    if default is not None and isinstance(default.value, int):
        return default.value
    return fallback


def _broker_delivery_limit(spec: Spec, c: ShareConsumer) -> Knob:
    """Kafka 4.2: every share group's delivery limit is the broker's setting."""
    low, high = delivery_limit_bounds(spec)
    limit = c.delivery_count_limit
    name = "group.share.delivery.count.limit"
    return Knob(
        "broker",
        name,
        "config",
        _values(limit, *range(low, high + 1)),
        limit,
        ("share_consumers", c.name, "delivery_count_limit"),
        (("broker", name),),
        _origin(spec, "broker", name),
    )
