"""Shared reading of one client section (a producer, consumer or processor): its modelled Kafka
properties as given, the origin of each effective value, its `app:` block and its topic
references."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.context import LoadContext, join
from mqcheck.spec.kafka_property import KafkaProperty, Scope
from mqcheck.spec.keys import INVALID, read_property, read_section
from mqcheck.spec.schema import Origin
from mqcheck.spec.tree import Entry, Node, describe
from mqcheck.spec.validate import check_topic_reference
from mqcheck.spec.values import bool_value, integer_value, scalar_text


class ClientProps:
    """The modelled properties of one client: what the spec gave, and where each value came
    from. `given` holds only valid, non-null values; problems are already reported."""

    def __init__(
        self, ctx: LoadContext, scope: Scope, path: str, owner: str, entries: Mapping[str, Entry]
    ) -> None:
        self.ctx, self.scope, self.path, self.owner = ctx, scope, path, owner
        self.entries = dict(entries)
        self.given: dict[str, object] = {}
        for name, entry in entries.items():
            prop = catalog.CATALOG.get((scope, name))
            if prop is not None and prop.modelled:
                value = self.read(prop, entry)
                if value is not INVALID and value is not None:
                    self.given[name] = value

    def read(self, prop: KafkaProperty, entry: Entry) -> object:
        """Hook for properties with a special reading (acks, processing.guarantee)."""
        return read_property(self.ctx, prop, entry, join(self.path, prop.name))

    def value(self, name: str) -> object:
        """The given value, else Kafka's default for the version."""
        if name in self.given:
            return self.given[name]
        return self.ctx.version_default(catalog.CATALOG[(self.scope, name)], self.path)[0]

    def origin(self, name: str, note: str = "") -> Origin:
        """`derived` when a Kafka rule set the value (`note` says which), else spec / default."""
        key_path = join(self.path, name)
        entry = self.entries.get(name)
        if note:
            line, column = entry.position if entry and entry.position else (None, None)
            return Origin("derived", key_path, line, column, note)
        if name in self.given and entry is not None:
            return self.ctx.from_spec(entry, key_path)
        return self.ctx.version_default(catalog.CATALOG[(self.scope, name)], key_path)[1]

    def record(self, name: str, value: object, note: str = "") -> None:
        self.ctx.record(self.owner, name, value, self.origin(name, note))

    def unmodelled_int(self, name: str) -> int:
        """A not-modelled property that bounds a Kafka rule (linger.ms, session.timeout.ms):
        as given, else its default for the version."""
        entry = self.entries.get(name)
        value = integer_value(entry.value) if entry is not None else None
        if value is not None:
            return value
        prop = catalog.lookup(self.scope, name)
        default = prop.default_for(self.ctx.kafka) if prop is not None else None
        return default.value if default is not None and isinstance(default.value, int) else 0

    def unmodelled_text(self, name: str) -> str | None:
        """A not-modelled property as given, trimmed (booleans lower case, as ConfigDef
        parses them); None when left out or null. Keyed routing reads partitioner.class,
        partitioner.ignore.keys and key.serializer this way (model/partition_load.py)."""
        entry = self.entries.get(name)
        if entry is None or entry.value.kind != "scalar" or entry.value.value is None:
            return None
        flag = bool_value(entry.value)
        if flag is not None:
            return "true" if flag else "false"
        return scalar_text(entry.value).strip()

    def position(self, name: str) -> tuple[int, int] | None:
        entry = self.entries.get(name)
        if entry is not None and entry.position is not None:
            return entry.position
        return self.ctx.positions.get(self.path)


def client_entries(
    ctx: LoadContext, node: Node | None, section: str, *, required: str
) -> list[Entry]:
    """The named clients of a section (`producers:`); `required` words the error when none."""
    mapping = ctx.reader.mapping(node, section) if node is not None else None
    entries = mapping.entries if mapping is not None else []
    for entry in entries:
        ctx.saw(join(section, entry.key), entry.position)
    if required and not entries and (node is None or mapping is not None):
        ctx.problems.add(section, required, node.position if node is not None else None)
    return entries


def client_section(
    ctx: LoadContext,
    node: Node,
    path: str,
    scope: Scope,
    owner: str,
    fixed: tuple[str, ...],
    app_keys: Collection[str] = (),
) -> dict[str, Entry] | None:
    """The section's own keys and modelled properties; app keys at the wrong level get a hint."""
    hint = {key: "that is an application setting: put it under app:" for key in app_keys}
    return read_section(ctx, node, path, fixed=fixed, scope=scope, owner=owner, elsewhere=hint)


def topic_reference(
    ctx: LoadContext, entries: Mapping[str, Entry], path: str, key: str, topics: Collection[str]
) -> str | None:
    """A required reference to a declared topic (`topic:`, `from:`, `to:`)."""
    key_path = join(path, key)
    entry = entries.get(key)
    if entry is None:
        ctx.problems.add(
            key_path, f"missing: which topic? (`{key}: <topic name>`)", ctx.positions.get(path)
        )
        return None
    name = ctx.reader.string(entry.value, key_path)
    if name is not None and topics:
        check_topic_reference(ctx.problems, key_path, entry.value.position, name, topics)
    return name


@dataclass(frozen=True)
class AppKey:
    """One `app:` key: its default (per the contract) and how to read it."""

    name: str
    default: object
    kind: str  # "bool" | "size" | "choice" | "keys"
    choices: tuple[str, ...] = ()


def read_app(
    ctx: LoadContext, node: Node | None, path: str, owner: str, keys: tuple[AppKey, ...]
) -> dict[str, object] | None:
    """The app block's values (defaults filled in and recorded); None after a problem."""
    names = [key.name for key in keys]
    entries = read_section(ctx, node, path, fixed=names) if node is not None else {}
    if entries is None:
        return None
    values: dict[str, object] = {}
    ok = True
    for key in keys:
        key_path = join(path, key.name)
        entry = entries.get(key.name)
        if entry is None:
            values[key.name] = key.default
            continue
        value: object
        if key.kind == "bool":
            value = ctx.reader.boolean(entry.value, key_path)
        elif key.kind == "size":
            value = ctx.reader.integer(entry.value, key_path, minimum=1)
        elif key.kind == "keys":
            value = read_keys(ctx, entry.value, key_path)
        else:
            value = ctx.reader.choice(entry.value, key_path, key.choices)
        if value is None:
            ok = False
        values[key.name] = value
    return values if ok else None


_KEYS_EXPECTED = "a non-empty list of distinct, non-empty strings, such as [k1, k2]"


def read_keys(ctx: LoadContext, node: Node, path: str) -> tuple[str, ...] | None:
    """A producer's `app.keys` (contract §1.1): message i carries keys[i % len], serialized
    by StringSerializer. Each key is the text as written (`21` is the key "21"). A repeated
    key would only be a different rotation of the same keys, so the list names each once."""
    if node.kind != "seq" or not node.items:
        message = "empty: name at least one key" if node.kind == "seq" else "not a list of keys"
        ctx.reader.error(path, node, message, expected=_KEYS_EXPECTED, found=describe(node))
        return None
    keys: list[str] = []
    ok = True
    for index, item in enumerate(node.items):
        item_path = f"{path}[{index}]"
        text = ctx.reader.string(item, item_path)
        if text is None:
            ok = False
        elif not text:
            ctx.reader.error(item_path, item, "empty key", expected=_KEYS_EXPECTED)
            ok = False
        elif text in keys:
            ctx.reader.error(
                item_path,
                item,
                f"duplicate key '{text}' (also at index {keys.index(text)})",
                expected=_KEYS_EXPECTED,
                hint="list each key once",
            )
            ok = False
        else:
            keys.append(text)
    return tuple(keys) if ok else None


def app_origin(ctx: LoadContext, node: Node | None, path: str, key: str) -> Origin:
    entry = node.get(key) if node is not None and node.kind == "map" else None
    key_path = join(path, key)
    if entry is None:
        return Origin("app default", key_path)
    return ctx.from_spec(entry, key_path)
