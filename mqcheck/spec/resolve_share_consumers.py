"""Share consumers (`share_consumers:`): KafkaShareConsumer members of a share group (KIP-932,
queues for Kafka), with the group-level share settings Kafka keeps per group and the
broker-level `group.share.*` settings that default and bound them.

Which lines accept them: share groups were early access in 4.0 and a preview in 4.1; the 4.2
upgrade notes declare them production-ready (releases.py, KAFKA_4_2). The configuration
moved meanwhile (a GroupConfig.java of the early-access period, apache/kafka 020f7ac5, has no
share.isolation.level and no by_duration reset; the 4.3-era one has both), so a spec that uses
them on a line before 4.2 is refused with its version rather than checked against a moving
target.

The rules, from Kafka's source (cited in docs/semantics.md, "Share groups"):
- GroupConfig: share.record.lock.duration.ms atLeast(1000) and, when the group config is
  altered, within group.share.min/max.record.lock.duration.ms (InvalidConfigurationException);
  share.delivery.count.limit (a group config from 4.3, KIP-1240) atLeast(2) and within
  group.share.min/max.delivery.count.limit; share.auto.offset.reset latest (default) |
  earliest | by_duration:<ISO-8601>; share.isolation.level read_uncommitted (default) |
  read_committed.
- ShareGroupConfig: group.share.record.lock.duration.ms between(1000, 3600000) and within
  its min/max; group.share.delivery.count.limit between(2, 10) and within its min/max.
- ConsumerConfig (CommonConsumerConfigs), read by KafkaShareConsumer:
  share.acknowledgement.mode implicit (default: "delivery is acknowledged implicitly on the
  next call to poll or commit") | explicit.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from mqcheck.spec.client_props import AppKey, client_entries, read_app, topic_reference
from mqcheck.spec.context import LoadContext, join
from mqcheck.spec.kafka_properties import lookup
from mqcheck.spec.keys import read_section
from mqcheck.spec.schema import Origin, ShareConsumer, ShareConsumerApp, ShareOnError
from mqcheck.spec.tree import Entry, Node
from mqcheck.spec.validate import kafka_refuses
from mqcheck.spec.values import integer_value
from mqcheck.spec.versions import Line, at_least, line_text

#: The first line that checks share groups (KIP-932 production-ready, upgrade notes 4.2.0).
SHARE_GROUPS_SINCE: Line = (4, 2)
#: share.delivery.count.limit became a group config in 4.3 (KIP-1240, upgrade notes 4.3.0).
GROUP_DELIVERY_LIMIT_SINCE: Line = (4, 3)

SECTION = "share_consumers"
ACK_MODES = ("implicit", "explicit")
RESETS = ("latest", "earliest")
ISOLATION = ("read_uncommitted", "read_committed")
APP_KEYS = (
    AppKey("ack", "after_processing", "choice", ("after_processing", "before_processing")),
    AppKey("on_error", "release", "choice", ("release", "reject", "accept")),
    AppKey("idempotent", False, "bool"),
    AppKey("joins", "before_production", "choice", ("before_production", "any_time")),
)
_GROUP_KEYS = (
    "share.record.lock.duration.ms",
    "share.delivery.count.limit",
    "share.auto.offset.reset",
    "share.isolation.level",
)
_FIXED = ("topic", "group.id", "share.acknowledgement.mode", *_GROUP_KEYS, "app")


@dataclass(frozen=True)
class _Bounds:
    """A broker setting and the broker min/max settings a group config must stay within."""

    value: int
    low: int
    high: int
    low_name: str
    high_name: str


def uses_share_groups(node: Node | None) -> bool:
    """The spec has a `share_consumers:` section with at least one member."""
    return node is not None and node.kind == "map" and bool(node.entries)


def version_refusal(ctx: LoadContext) -> str:
    """Why this spec's line cannot use share groups, or "" when it can."""
    if at_least(ctx.kafka, SHARE_GROUPS_SINCE):
        return ""
    if at_least(ctx.kafka, (4, 0)):
        stage = "early access" if not at_least(ctx.kafka, (4, 1)) else "a preview"
        return (
            f"share groups (KIP-932) are {stage} in Kafka {ctx.kafka}, not production-ready: "
            f"mqcheck checks them from Kafka {line_text(SHARE_GROUPS_SINCE)} on, the release "
            "whose upgrade notes call them production-ready (their configuration changed "
            "before it)"
        )
    return (
        f"share groups (KIP-932) do not exist in Kafka {ctx.kafka}: they are production-ready "
        f"from Kafka {line_text(SHARE_GROUPS_SINCE)}"
    )


def resolve_share_consumers(
    ctx: LoadContext, node: Node | None, broker: Node | None, topics: Collection[str]
) -> dict[str, ShareConsumer]:
    """Every share consumer, read and checked against Kafka's rules; {} after a problem."""
    if node is None:
        return {}
    refusal = version_refusal(ctx)
    if refusal:
        ctx.problems.add(SECTION, refusal, ctx.positions.get(SECTION) or node.position)
        return {}
    # ShareGroupConfig's ConfigDef ranges for the lines without the min/max settings
    lock = _broker_bounds(ctx, broker, "record.lock.duration.ms", (1000, 3600000))
    limit = _broker_bounds(ctx, broker, "delivery.count.limit", (2, 10))
    members: dict[str, ShareConsumer] = {}
    for entry in client_entries(ctx, node, SECTION, required=""):
        member = _member(ctx, entry, join(SECTION, entry.key), topics, lock, limit)
        if member is not None:
            members[entry.key] = member
    if not _one_setting_per_group(ctx, members):
        return {}
    return members


#: ShareConsumer field -> the group config it holds
_GROUP_FIELDS = {
    "record_lock_duration_ms": "share.record.lock.duration.ms",
    "delivery_count_limit": "share.delivery.count.limit",
    "auto_offset_reset": "share.auto.offset.reset",
    "isolation_level": "share.isolation.level",
}


def _one_setting_per_group(ctx: LoadContext, members: dict[str, ShareConsumer]) -> bool:
    """The share.* settings are the group's (GroupConfig, one value per group.id): members of
    one share group that give different values describe no group Kafka can have."""
    first: dict[str, ShareConsumer] = {}
    ok = True
    for member in members.values():
        seen = first.setdefault(member.group_id, member)
        for field, name in _GROUP_FIELDS.items():
            mine, theirs = getattr(member, field), getattr(seen, field)
            if mine == theirs:
                continue
            path = join(join(SECTION, member.name), name)
            ctx.problems.add(
                path,
                f"share group '{member.group_id}' has one {name}: {seen.name} has {theirs}, "
                f"{member.name} has {mine}",
                ctx.positions.get(path) or ctx.positions.get(join(SECTION, member.name)),
                hint="a share group's share.* settings are group configs: give them the same value",
            )
            ok = False
    return ok


def _broker_bounds(
    ctx: LoadContext, broker: Node | None, suffix: str, fallback: tuple[int, int]
) -> _Bounds | None:
    """group.share.<suffix> with its group.share.min/max.<suffix> (ShareGroupConfig.validate:
    the broker does not start when the value is outside them); None after a problem. On a line
    without the min/max settings, `fallback` (the setting's own ConfigDef range) bounds it."""
    name = f"group.share.{suffix}"
    low_name, high_name = f"group.share.min.{suffix}", f"group.share.max.{suffix}"
    value = _broker_int(ctx, broker, name)
    low: int | None
    high: int | None
    prop = lookup("broker", low_name)
    if prop is None or not prop.exists_in(ctx.kafka):
        low, high = fallback
        low_name = high_name = f"the range of {name}"
    else:
        low, high = _broker_int(ctx, broker, low_name), _broker_int(ctx, broker, high_name)
    if value is None or low is None or high is None:  # out of its range: already reported
        return None
    if value < low or value > high:
        first, second = (name, low_name) if value < low else (high_name, name)
        path = join("broker", name)
        ctx.problems.add(
            path,
            kafka_refuses(f"{first} must be greater than or equal to {second}"),
            ctx.positions.get(path) or ctx.positions.get("broker"),
        )
        return None
    return _Bounds(value, low, high, low_name, high_name)


def _broker_int(ctx: LoadContext, broker: Node | None, name: str) -> int | None:
    """A broker group.share.* setting as given (read_section already checked its type and
    range), else its default for the version; None when the value given is outside Kafka's
    range (read_section reported it) or the line does not have the setting."""
    prop = lookup("broker", name)
    if prop is None or not prop.exists_in(ctx.kafka):
        return None
    entry = broker.get(name) if broker is not None and broker.kind == "map" else None
    given = integer_value(entry.value) if entry is not None else None
    if given is not None:
        low, high = prop.minimum, prop.maximum
        if (low is not None and given < low) or (high is not None and given > high):
            return None  # read_section reported Kafka's range error
        return given
    default = prop.default_for(ctx.kafka)
    return default.value if default is not None and isinstance(default.value, int) else None


def _member(
    ctx: LoadContext,
    entry: Entry,
    path: str,
    topics: Collection[str],
    lock: _Bounds | None,
    limit: _Bounds | None,
) -> ShareConsumer | None:
    entries = read_section(ctx, entry.value, path, fixed=_FIXED)
    if entries is None:
        return None
    owner = f"share_consumer:{entry.key}"
    topic = topic_reference(ctx, entries, path, "topic", topics)
    group = _group_id(ctx, entries, path, entry.key, owner)
    mode = _choice(ctx, entries, path, owner, "share.acknowledgement.mode", ACK_MODES, "implicit")
    lock_ms = _group_int(ctx, entries, path, owner, "share.record.lock.duration.ms", 1000, lock)
    limit_n = _delivery_limit(ctx, entries, path, owner, limit)
    reset = _reset(ctx, entries, path, owner)
    isolation = _choice(
        ctx, entries, path, owner, "share.isolation.level", ISOLATION, "read_uncommitted"
    )
    app_node = entries["app"].value if "app" in entries else None
    app = read_app(ctx, app_node, join(path, "app"), owner, APP_KEYS)
    values = (topic, group, mode, lock_ms, limit_n, reset, isolation, app)
    if any(value is None for value in values) or app is None:
        return None
    assert topic is not None and group is not None and mode is not None
    assert lock_ms is not None and limit_n is not None and reset is not None
    assert isolation is not None
    if mode == "implicit" and not _implicit_on_error(ctx, app_node, path, app):
        return None
    for key in APP_KEYS:
        origin = _app_origin(ctx, app_node, path, key, implicit=mode == "implicit")
        ctx.record(owner, f"app.{key.name}", app[key.name], origin)
    return ShareConsumer(
        name=entry.key,
        topic=topic,
        group_id=group,
        acknowledgement_mode="explicit" if mode == "explicit" else "implicit",
        record_lock_duration_ms=lock_ms,
        delivery_count_limit=limit_n,
        auto_offset_reset="earliest" if reset == "earliest" else "latest",
        isolation_level="read_committed" if isolation == "read_committed" else "read_uncommitted",
        app=ShareConsumerApp(
            ack="before_processing" if app["ack"] == "before_processing" else "after_processing",
            on_error=_on_error(app["on_error"]),
            idempotent=bool(app["idempotent"]),
            joins="any_time" if app["joins"] == "any_time" else "before_production",
        ),
    )


def _implicit_on_error(
    ctx: LoadContext, node: Node | None, path: str, app: dict[str, object]
) -> bool:
    """In implicit mode the application cannot RELEASE or REJECT a record:
    KafkaShareConsumer.acknowledge throws IllegalStateException ("Implicit acknowledgement of
    delivery is being used"), and the next poll or commit accepts every record the previous
    poll delivered. So app.on_error is `accept` there: written otherwise it describes an
    application Kafka refuses; left out, it is `accept`, not the explicit mode's default."""
    entry = node.get("on_error") if node is not None and node.kind == "map" else None
    if entry is None:
        app["on_error"] = "accept"
        return True
    if app["on_error"] == "accept":
        return True
    ctx.reader.error(
        join(join(path, "app"), "on_error"),
        entry.value,
        kafka_refuses(
            "IllegalStateException: Implicit acknowledgement of delivery is being used "
            f"(KafkaShareConsumer.acknowledge with {str(app['on_error']).upper()} in "
            "share.acknowledgement.mode=implicit)"
        ),
        expected="accept (the next poll accepts a failed record), or set "
        "share.acknowledgement.mode: explicit",
    )
    return False


def _on_error(value: object) -> ShareOnError:
    return "reject" if value == "reject" else "accept" if value == "accept" else "release"


def _app_origin(
    ctx: LoadContext, node: Node | None, path: str, key: AppKey, implicit: bool = False
) -> Origin:
    entry = node.get(key.name) if node is not None and node.kind == "map" else None
    key_path = join(join(path, "app"), key.name)
    if entry is not None:
        return ctx.from_spec(entry, key_path)
    if key.name == "on_error" and implicit:
        note = "share.acknowledgement.mode=implicit: the next poll accepts a failed record"
        return Origin("derived", key_path, note=note)
    return Origin("app default", key_path)


def _group_id(
    ctx: LoadContext, entries: dict[str, Entry], path: str, name: str, owner: str
) -> str | None:
    """group.id: a share consumer is always a member of a share group, and ConsumerConfig's
    default is null; mqcheck names the group after the member, as it does for consumers, and
    says so in explain-defaults."""
    key_path = join(path, "group.id")
    entry = entries.get("group.id")
    if entry is None:
        note = "no group.id given: mqcheck names the share group after the share consumer"
        ctx.record(owner, "group.id", name, Origin("derived", key_path, note=note))
        return name
    value = ctx.reader.string(entry.value, key_path)
    if value is not None and not value.strip():
        ctx.reader.error(key_path, entry.value, kafka_refuses("group.id must not be empty"))
        return None
    if value is not None:
        ctx.record(owner, "group.id", value, ctx.from_spec(entry, key_path))
    return value


def _choice(
    ctx: LoadContext,
    entries: dict[str, Entry],
    path: str,
    owner: str,
    name: str,
    allowed: tuple[str, ...],
    default: str,
) -> str | None:
    key_path = join(path, name)
    entry = entries.get(name)
    if entry is None:
        ctx.record(owner, name, default, Origin("version default", key_path, note=str(ctx.kafka)))
        return default
    value = ctx.reader.choice(entry.value, key_path, allowed, trim=True)
    if value is not None:
        ctx.record(owner, name, value, ctx.from_spec(entry, key_path))
    return value


def _reset(ctx: LoadContext, entries: dict[str, Entry], path: str, owner: str) -> str | None:
    """share.auto.offset.reset: latest by default (GroupConfig.SHARE_AUTO_OFFSET_RESET_DEFAULT).
    by_duration:<duration> is a Kafka value mqcheck does not model (it needs record
    timestamps): refused with that reason rather than checked as something else."""
    entry = entries.get("share.auto.offset.reset")
    text = entry.value.value if entry is not None else None
    if isinstance(text, str) and text.strip().startswith("by_duration:"):
        ctx.reader.error(
            join(path, "share.auto.offset.reset"),
            entry.value if entry is not None else None,
            "not modelled: by_duration resets by record timestamp, which mqcheck does not model",
            expected="latest or earliest",
        )
        return None
    return _choice(ctx, entries, path, owner, "share.auto.offset.reset", RESETS, "latest")


def _group_int(
    ctx: LoadContext,
    entries: dict[str, Entry],
    path: str,
    owner: str,
    name: str,
    minimum: int,
    bounds: _Bounds | None,
) -> int | None:
    """A group config: its ConfigDef lower bound, then GroupConfig.validateValues' check
    against the broker's min/max (InvalidConfigurationException); the broker setting's value
    when left out."""
    key_path = join(path, name)
    entry = entries.get(name)
    if bounds is None:
        return None
    if entry is None:
        note = f"the broker's group.{name}"
        ctx.record(owner, name, bounds.value, Origin("broker setting", key_path, note=note))
        return bounds.value
    value = ctx.reader.integer(entry.value, key_path, minimum=minimum, kafka_name=name)
    if value is None:
        return None
    if value < bounds.low or value > bounds.high:
        word, other = (
            ("greater", bounds.low_name) if value < bounds.low else ("less", bounds.high_name)
        )
        ctx.reader.error(
            key_path,
            entry.value,
            kafka_refuses(f"{name} must be {word} than or equal to {other}"),
            expected=f"{bounds.low} to {bounds.high} ({bounds.low_name} to {bounds.high_name})",
        )
        return None
    ctx.record(owner, name, value, ctx.from_spec(entry, key_path))
    return value


def _delivery_limit(
    ctx: LoadContext, entries: dict[str, Entry], path: str, owner: str, bounds: _Bounds | None
) -> int | None:
    """share.delivery.count.limit is a group config from 4.3 (KIP-1240); on 4.2 only the
    broker's group.share.delivery.count.limit sets it."""
    name = "share.delivery.count.limit"
    entry = entries.get(name)
    if entry is not None and not at_least(ctx.kafka, GROUP_DELIVERY_LIMIT_SINCE):
        ctx.reader.error(
            join(path, name),
            entry.value,
            f"{name} is a share-group config from Kafka {line_text(GROUP_DELIVERY_LIMIT_SINCE)} "
            f"(KIP-1240); this spec is for Kafka {ctx.kafka}",
            hint="set group.share.delivery.count.limit under broker: instead",
        )
        return None
    limit = _group_int(ctx, entries, path, owner, name, 2, bounds)
    if entry is None and limit is not None:
        # the group takes the broker's value: the model reads it (model/share_group.py)
        ctx.mark_modelled("broker", "group.share.delivery.count.limit")
    return limit
