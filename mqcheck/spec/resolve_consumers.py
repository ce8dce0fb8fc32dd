"""Consumers and processors (Kafka Streams consume-transform-produce stages).

The commit mode an engineer means is the one that really runs: with enable.auto.commit=true the
consumer commits on every poll whatever else the application does, so an explicit
`commit: after_processing` next to it is effectively `auto` (the origin says so), while
`commit: auto` without enable.auto.commit=true describes nothing Kafka does and is an error.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.client_props import (
    AppKey,
    ClientProps,
    app_origin,
    client_entries,
    client_section,
    read_app,
    topic_reference,
)
from mqcheck.spec.context import LoadContext, join
from mqcheck.spec.kafka_property import KafkaProperty
from mqcheck.spec.keys import INVALID
from mqcheck.spec.schema import (
    CommitMode,
    Consumer,
    ConsumerApp,
    GroupProtocol,
    IsolationLevel,
    Joins,
    OffsetReset,
    OnRevoke,
    Origin,
    Processing,
    ProcessingGuarantee,
    Processor,
    consumer_groups,
)
from mqcheck.spec.tree import Entry, Node
from mqcheck.spec.validate import MSG_CONSUMER_TIMEOUT, consumer_timeouts_refused, kafka_refuses
from mqcheck.spec.versions import line_text

APP_KEYS = (
    AppKey("commit", None, "choice", ("after_processing", "before_processing", "auto")),
    AppKey("processing", "sync", "choice", ("sync", "async")),
    AppKey("idempotent", False, "bool"),
    AppKey("joins", "before_production", "choice", ("before_production", "any_time")),
    AppKey("on_revoke", "none", "choice", ("none", "commit")),
)

_NO_GROUP = (
    "no group.id given: mqcheck names the group after the {kind} (Kafka's default is no group, "
    "which cannot commit offsets)"
)


def resolve_consumers(
    ctx: LoadContext, node: Node | None, topics: Collection[str], required: bool
) -> dict[str, Consumer]:
    consumers: dict[str, Consumer] = {}
    message = "a spec needs at least one consumer or processor" if required else ""
    for entry in client_entries(ctx, node, "consumers", required=message):
        consumer = _consumer(ctx, entry.key, entry.value, join("consumers", entry.key), topics)
        if consumer is not None:
            consumers[entry.key] = consumer
    _record_group_defaults(ctx, consumers)
    return consumers


def _record_group_defaults(ctx: LoadContext, consumers: dict[str, Consumer]) -> None:
    """The membership settings matter once several consumers share a group: list their
    defaults then (a given value was recorded when it was read)."""
    for c in (c for group in consumer_groups(consumers) if len(group) > 1 for c in group):
        path = join("consumers", c.name)
        values = {
            "partition.assignment.strategy": ",".join(c.assignment_strategy),
            "group.instance.id": c.group_instance_id,
            "group.protocol": c.group_protocol,
        }
        if not ctx.recorded(f"consumer:{c.name}", "app.on_revoke"):
            ctx.record(
                f"consumer:{c.name}",
                "app.on_revoke",
                c.app.on_revoke,
                Origin("app default", join(join(path, "app"), "on_revoke")),
            )
        for key, value in values.items():
            prop = catalog.CATALOG[("consumer", key)]
            if not ctx.kafka.at_least(*prop.since) or ctx.recorded(f"consumer:{c.name}", key):
                continue
            ctx.record(
                f"consumer:{c.name}", key, value, ctx.version_default(prop, join(path, key))[1]
            )


def _consumer(
    ctx: LoadContext, name: str, node: Node, path: str, topics: Collection[str]
) -> Consumer | None:
    owner = f"consumer:{name}"
    keys = [key.name for key in APP_KEYS]
    entries = client_section(ctx, node, path, "consumer", owner, ("topic", "app"), keys)
    if entries is None:
        return None
    topic = topic_reference(ctx, entries, path, "topic", topics)
    props = ClientProps(ctx, "consumer", path, owner, entries)
    group_id = _group_id(props, name, "consumer")
    values = {
        key: props.value(key)
        for key in (
            "enable.auto.commit",
            "auto.commit.interval.ms",
            "auto.offset.reset",
            "isolation.level",
        )
    }
    for key, value in values.items():
        note = ""
        if key == "isolation.level" and not ctx.kafka.at_least(0, 11):
            note = "no transactions before Kafka 0.11 (KIP-98): every record is read"
        props.record(key, value, note)
    _consumer_timeouts(props)
    membership = _membership(props)
    app_node = entries["app"].value if "app" in entries else None
    app = _consumer_app(ctx, app_node, join(path, "app"), owner, bool(values["enable.auto.commit"]))
    if app is None or topic is None:
        return None
    return Consumer(
        name=name,
        topic=topic,
        group_id=group_id,
        enable_auto_commit=bool(values["enable.auto.commit"]),
        auto_commit_interval_ms=cast(int, values["auto.commit.interval.ms"]),
        auto_offset_reset=cast(OffsetReset, values["auto.offset.reset"]),
        isolation_level=cast(IsolationLevel, values["isolation.level"]),
        app=app,
        group_instance_id=membership[0],
        assignment_strategy=membership[1],
        group_protocol=membership[2],
    )


def _membership(props: ClientProps) -> tuple[str | None, tuple[str, ...], GroupProtocol]:
    """group.instance.id, partition.assignment.strategy and group.protocol, as model/group.py
    reads them. From 4.0 the consumer refuses an assignor list next to group.protocol=consumer
    (KAFKA-17338: ConsumerConfig's CONSUMER_PROTOCOL_UNSUPPORTED_CONFIGS); in 3.7-3.9 the new
    consumer ignores it (KAFKA-16786), as it ignores the assignors the broker replaces."""
    instance = props.value("group.instance.id")
    protocol = cast(GroupProtocol, props.value("group.protocol"))
    raw = props.value("partition.assignment.strategy")
    strategies = _strategy_list(raw)
    note = ""
    if protocol == "consumer":
        given = "partition.assignment.strategy" in props.given
        if given and props.ctx.kafka.at_least(4, 0):
            props.ctx.problems.add(
                join(props.path, "partition.assignment.strategy"),
                kafka_refuses(
                    "partition.assignment.strategy cannot be set when group.protocol=consumer "
                    "(KAFKA-17338, 4.0): the broker assigns the partitions"
                ),
                props.position("partition.assignment.strategy"),
                hint="remove it, or set group.remote.assignor: uniform | range",
            )
        note = "not used with group.protocol=consumer: the broker assigns (KIP-848)"
    for name in strategies:
        since = _ASSIGNOR_SINCE.get(name)
        if since is not None and not props.ctx.kafka.at_least(*since[0]):
            props.ctx.problems.add(
                join(props.path, "partition.assignment.strategy"),
                kafka_refuses(
                    f"Class {name} cannot be found: it exists from Kafka "
                    f"{line_text(since[0])} ({since[1]})"
                ),
                props.position("partition.assignment.strategy"),
            )
    values = {
        "partition.assignment.strategy": ",".join(strategies),
        "group.instance.id": instance,
        "group.protocol": protocol,
    }
    for key, value in values.items():
        if key in props.given:
            props.record(key, value, note if key == "partition.assignment.strategy" else "")
    return (instance if isinstance(instance, str) else None), strategies, protocol


#: Kafka's own assignor classes and the release that added each (ConfigDef resolves the class
#: names when the consumer is configured: an absent class is a ConfigException).
_ASSIGNOR_SINCE: dict[str, tuple[tuple[int, int], str]] = {
    "org.apache.kafka.clients.consumer.StickyAssignor": ((0, 11), "KIP-54"),
    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor": ((2, 4), "KIP-429"),
}


def _strategy_list(raw: object) -> tuple[str, ...]:
    if isinstance(raw, str):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if isinstance(raw, (list, tuple)):
        return tuple(str(part).strip() for part in raw if str(part).strip())
    return ()


def _group_id(props: ClientProps, name: str, kind: str) -> str:
    group_id = props.given.get("group.id")
    if isinstance(group_id, str):
        props.record("group.id", group_id)
        return group_id
    props.record("group.id", name, _NO_GROUP.format(kind=kind))
    return name


def _consumer_timeouts(props: ClientProps) -> None:
    """0.10-1.1: KafkaConsumer's constructor refuses request.timeout.ms <= session.timeout.ms."""
    request = props.unmodelled_int("request.timeout.ms")
    session = props.unmodelled_int("session.timeout.ms")
    fetch_wait = props.unmodelled_int("fetch.max.wait.ms")
    if consumer_timeouts_refused(props.ctx.kafka, request, session, fetch_wait):
        key = next(
            (
                k
                for k in ("request.timeout.ms", "session.timeout.ms", "fetch.max.wait.ms")
                if k in props.entries
            ),
            "request.timeout.ms",
        )
        props.ctx.problems.add(
            join(props.path, key), kafka_refuses(MSG_CONSUMER_TIMEOUT), props.position(key)
        )


def _consumer_app(
    ctx: LoadContext, node: Node | None, path: str, owner: str, auto_commit: bool
) -> ConsumerApp | None:
    app = read_app(ctx, node, path, owner, APP_KEYS)
    if app is None:
        return None
    for key in APP_KEYS[1:]:
        origin = app_origin(ctx, node, path, key.name)
        if key.name == "on_revoke" and origin.source != "spec":
            continue  # listed with the group's settings (_record_group_defaults)
        ctx.record(owner, f"app.{key.name}", app[key.name], origin)
    commit = _commit_mode(ctx, node, path, owner, cast("str | None", app["commit"]), auto_commit)
    if commit is None:
        return None
    return ConsumerApp(
        commit=commit,
        processing=cast(Processing, app["processing"]),
        idempotent=bool(app["idempotent"]),
        joins=cast(Joins, app["joins"]),
        on_revoke=cast(OnRevoke, app["on_revoke"]),
    )


def implied_commit(auto_commit: bool) -> CommitMode:
    """The commit mode a consumer without `app.commit` runs (contract section 1): with
    enable.auto.commit=true the consumer commits on every poll, else after processing."""
    return "auto" if auto_commit else "after_processing"


def _commit_mode(
    ctx: LoadContext,
    node: Node | None,
    path: str,
    owner: str,
    given: str | None,
    auto_commit: bool,
) -> CommitMode | None:
    key_path = join(path, "commit")
    origin = app_origin(ctx, node, path, "commit")
    position = (origin.line, origin.column) if origin.line and origin.column else None
    effective: str
    if given is None:
        effective = implied_commit(auto_commit)
        origin = Origin(
            "derived", key_path, note=f"implied by enable.auto.commit={str(auto_commit).lower()}"
        )
    elif given == "auto" and not auto_commit:
        ctx.problems.add(
            key_path,
            "commit: auto needs enable.auto.commit: true",
            position,
            hint="set enable.auto.commit: true, or say when the application commits",
        )
        return None
    elif given == "after_processing" and auto_commit:
        effective = "auto"
        origin = Origin(
            "derived",
            key_path,
            origin.line,
            origin.column,
            "enable.auto.commit=true: the consumer also commits on every poll, before "
            "processing may have finished, whatever the application commits itself",
        )
    else:
        effective = given
    ctx.record(owner, "app.commit", effective, origin)
    return cast(CommitMode, effective)


# --- processors (Kafka Streams) -------------------------------------------------------------


class _StreamsProps(ClientProps):
    def read(self, prop: KafkaProperty, entry: Entry) -> object:
        if prop.name != "processing.guarantee":
            return super().read(prop, entry)
        key_path = join(self.path, prop.name)
        every_value = [item.value for item in prop.allowed]
        text = self.ctx.reader.choice(entry.value, key_path, every_value, what=prop.name, trim=True)
        if text is None:
            return INVALID
        if text in prop.allowed_in(self.ctx.kafka):
            return text
        allowed = prop.allowed_entry(text)
        assert allowed is not None
        if self.ctx.kafka.at_least(*allowed.since):
            reason = f"'{text}' was removed in Kafka 4.0 ({allowed.source})"
        else:
            reason = f"'{text}' exists from Kafka {line_text(allowed.since)} on ({allowed.source})"
        self.ctx.problems.add(
            key_path,
            f"not accepted by Kafka {self.ctx.kafka}: {reason}",
            entry.value.position,
            expected=" or ".join(prop.allowed_in(self.ctx.kafka)),
        )
        return INVALID


def resolve_processors(
    ctx: LoadContext, node: Node | None, topics: Collection[str]
) -> dict[str, Processor]:
    processors: dict[str, Processor] = {}
    for entry in client_entries(ctx, node, "processors", required=""):
        processor = _processor(ctx, entry.key, entry.value, join("processors", entry.key), topics)
        if processor is not None:
            processors[entry.key] = processor
    return processors


def _processor(
    ctx: LoadContext, name: str, node: Node, path: str, topics: Collection[str]
) -> Processor | None:
    owner = f"processor:{name}"
    entries = client_section(
        ctx, node, path, "streams", owner, ("from", "to", "application.id", "instances")
    )
    if entries is None:
        return None
    from_topic = topic_reference(ctx, entries, path, "from", topics)
    to_topic = topic_reference(ctx, entries, path, "to", topics)
    props = _StreamsProps(ctx, "streams", path, owner, entries)
    _application_id(props, entries)
    group_id = _group_id(props, name, "processor")
    guarantee = props.value("processing.guarantee")
    note = ""
    if guarantee == "exactly_once_beta":
        guarantee = "exactly_once_v2"
        note = "exactly_once_beta is the protocol KIP-732 renamed exactly_once_v2 (KIP-447)"
    props.record("processing.guarantee", guarantee, note)
    instances = _instances(ctx, entries, path, owner)
    if from_topic is None or to_topic is None or instances is None:
        return None
    return Processor(
        name=name,
        from_topic=from_topic,
        to_topic=to_topic,
        group_id=group_id,
        processing_guarantee=cast(ProcessingGuarantee, guarantee),
        instances=instances,
    )


def _instances(ctx: LoadContext, entries: dict[str, Entry], path: str, owner: str) -> int | None:
    """How many instances of the application run (one consumer group sharing the input
    partitions, SPEC_FORMAT §1.1); 1 when not given. Not a Kafka property: the number of
    processes started with this application.id. Recorded only when given, so a spec without
    it reads (and explains its defaults) as before."""
    key_path = join(path, "instances")
    entry = entries.get("instances")
    if entry is None:
        return 1
    value = ctx.reader.integer(entry.value, key_path, minimum=1)
    if value is not None:
        ctx.record(owner, "instances", value, ctx.from_spec(entry, key_path))
    return value


def _application_id(props: ClientProps, entries: dict[str, Entry]) -> None:
    """Streams' application.id is its consumer group: accepted as a synonym of group.id."""
    entry = entries.get("application.id")
    if entry is None:
        return
    key_path = join(props.path, "application.id")
    value = props.ctx.reader.string(entry.value, key_path)
    if value is None:
        return
    group_id = props.given.get("group.id")
    if group_id is not None and group_id != value:
        props.ctx.problems.add(
            key_path,
            "application.id and group.id differ; Kafka Streams uses application.id as the group id",
            entry.position,
            hint="give one of them",
        )
        return
    props.given["group.id"] = value
    props.entries.setdefault("group.id", entry)
