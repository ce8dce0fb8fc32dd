"""Which keys a section may hold, and what to say about one it may not.

A key is either one of the section's own keys (`topic`, `app`, ...), a Kafka property of the
section's scope that the model reads, or a Kafka property it does not read (accepted, checked
by type, listed as not modelled). Anything else is an error with the most useful hint we can
give: a near spelling, the scope the property really belongs to, or the dotted name when
someone nested `min: {insync: {replicas: 2}}`.
"""

from __future__ import annotations

from collections.abc import Collection

from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.context import LoadContext, join
from mqcheck.spec.errors import did_you_mean, one_of
from mqcheck.spec.kafka_property import KafkaProperty, Scope
from mqcheck.spec.tree import Entry, Node
from mqcheck.spec.versions import line_text

_SCOPE_WORDS: dict[Scope, str] = {
    "broker": "a broker property (under broker:)",
    "topic": "a topic property (under topics.<name>:)",
    "producer": "a producer property (under producers.<name>:)",
    "consumer": "a consumer property (under consumers.<name>:)",
    "streams": "a Kafka Streams property (under processors.<name>:)",
}


def read_section(
    ctx: LoadContext,
    node: Node,
    path: str,
    *,
    fixed: Collection[str],
    scope: Scope | None = None,
    owner: str = "",
    elsewhere: dict[str, str] | None = None,
) -> dict[str, Entry] | None:
    """The entries of `node` that the caller resolves: its fixed keys and the valid Kafka
    properties of `scope`. Not-modelled properties are checked and recorded for `owner`
    (e.g. "producer:checkout"); unknown keys are reported. `elsewhere` maps keys that belong
    in another section to a hint ("put it under app:")."""
    mapping = ctx.reader.mapping(node, path)
    if mapping is None:
        return None
    wanted: dict[str, Entry] = {}
    for entry in mapping.entries:
        key_path = join(path, entry.key)
        ctx.saw(key_path, entry.position)
        if entry.key in fixed:
            wanted[entry.key] = entry
            continue
        prop = catalog.lookup(scope, entry.key) if scope is not None else None
        if prop is None:
            _unknown_key(ctx, entry, key_path, fixed, scope, elsewhere or {})
        elif not prop.exists_in(ctx.kafka):
            _not_in_version(ctx, prop, entry, key_path)
        elif prop.modelled:
            wanted[entry.key] = entry
        elif _not_modelled(ctx, prop, entry, key_path, owner or str(scope)):
            wanted[entry.key] = entry  # some feed Kafka's rules (linger.ms, ...)
    return wanted


def _unknown_key(
    ctx: LoadContext,
    entry: Entry,
    key_path: str,
    fixed: Collection[str],
    scope: Scope | None,
    elsewhere: dict[str, str],
) -> None:
    known = list(fixed)
    modelled = [prop.name for prop in catalog.MODELLED if prop.scope == scope]
    expected = one_of([*known, *(name for name in modelled if name not in known)])
    if scope is not None:
        expected += f", or another {scope} property from Kafka's documentation"
    hint = did_you_mean(entry.key, [*known, *(catalog.names(scope) if scope else ())])
    if entry.key in elsewhere:
        hint = elsewhere[entry.key]
    elif not hint:
        hint = _scope_hint(entry.key, scope) or _nesting_hint(entry, scope)
    ctx.problems.add(key_path, "unknown key", entry.position, expected=expected, hint=hint)


def _scope_hint(key: str, scope: Scope | None) -> str:
    scopes = [other for other in catalog.scopes_of(key) if other != scope]
    if not scopes:
        return ""
    return f"'{key}' is " + " and ".join(_SCOPE_WORDS[other] for other in scopes)


def _nesting_hint(entry: Entry, scope: Scope | None) -> str:
    """`min: {insync: {replicas: 2}}` → suggest the one dotted key Kafka uses."""
    if scope is None or entry.value.kind != "map":
        return ""
    for dotted in _dotted_names(entry.key, entry.value, depth=0):
        if catalog.lookup(scope, dotted) is not None:
            return f"Kafka property names are one dotted key: write '{dotted}: ...'"
    return ""


def _dotted_names(prefix: str, node: Node, depth: int) -> list[str]:
    if node.kind != "map" or depth > 6:
        return [prefix]
    names: list[str] = []
    for entry in node.entries:
        names.extend(_dotted_names(f"{prefix}.{entry.key}", entry.value, depth + 1))
    return names


def _not_in_version(ctx: LoadContext, prop: KafkaProperty, entry: Entry, key_path: str) -> None:
    if prop.until is not None and ctx.kafka.at_least(*prop.since):
        reason = f"it was removed after Kafka {line_text(prop.until)}"
        if prop.until_source:
            reason += f" ({prop.until_source})"
    else:
        reason = f"it exists from Kafka {line_text(prop.since)} on"
        if prop.since_source:
            reason += f" ({prop.since_source})"
    ctx.problems.add(
        key_path,
        f"'{prop.name}' does not exist in Kafka {ctx.kafka}: {reason}",
        entry.position,
        hint="change kafka_version or remove the key",
    )


def _not_modelled(
    ctx: LoadContext, prop: KafkaProperty, entry: Entry, key_path: str, owner: str
) -> bool:
    """Type-check a property the model ignores, then record it as not modelled."""
    value = check_type(ctx, prop, entry.value, key_path)
    if value is _INVALID:
        return False
    ctx.not_modelled.add(prop.name)
    shown = "<redacted>" if prop.type == "password" else value
    origin = ctx.from_spec(entry, key_path, note="not modelled: does not change the verdict")
    ctx.record(owner, prop.name, shown, origin, modelled=False)
    return True


_INVALID = object()


def check_type(
    ctx: LoadContext, prop: KafkaProperty, node: Node, key_path: str, *, null_ok: bool = True
) -> object:
    """The value of a property if it has the catalog's type, else `_INVALID` (reported).
    null means "left at Kafka's default": accepted where `null_ok` or the property is nullable."""
    reader = ctx.reader
    if node.kind == "scalar" and node.value is None:
        if null_ok or prop.nullable:
            return None
        ctx.problems.add(key_path, "missing value", node.position, expected=_type_words(prop))
        return _INVALID
    result: object
    if prop.type in ("int", "long"):
        result = reader.integer(
            node,
            key_path,
            minimum=prop.minimum_in(ctx.kafka),
            maximum=prop.maximum,
            java_type=prop.type,
            kafka_name=prop.name,
        )
    elif prop.type == "bool":
        result = reader.boolean(node, key_path)
    elif prop.type == "double":
        result = reader.number(node, key_path)
    elif prop.type == "enum":
        result = reader.choice(node, key_path, prop.allowed_in(ctx.kafka), trim=True)
    elif prop.type == "list" and node.kind == "seq":
        parts = [reader.string(item, key_path) for item in node.items]
        result = None if None in parts else ",".join(str(part) for part in parts)
    else:
        result = reader.string(node, key_path)
    return _INVALID if result is None else result


def read_property(ctx: LoadContext, prop: KafkaProperty, entry: Entry, key_path: str) -> object:
    """A modelled property's value as given (`INVALID` when reported): null only where Kafka
    allows null."""
    return check_type(ctx, prop, entry.value, key_path, null_ok=False)


def _type_words(prop: KafkaProperty) -> str:
    if prop.type in ("int", "long"):
        return "an integer"
    if prop.type == "bool":
        return "true or false"
    if prop.type == "enum":
        return one_of(item.value for item in prop.allowed)
    return "a value"


INVALID = _INVALID
