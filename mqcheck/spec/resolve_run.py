"""What to check and under which faults: `faults:`, `check:` and `expect:`."""

from __future__ import annotations

from typing import cast

from mqcheck.spec.context import LoadContext, join
from mqcheck.spec.keys import read_section
from mqcheck.spec.schema import FAULT_NAMES, GUARANTEES, Check, EngineName, Faults, Origin, Topic
from mqcheck.spec.tree import Entry, Node
from mqcheck.spec.values import bool_value

#: The explicit engine's bound: the state space grows exponentially with the messages per
#: producer, and beyond 6 a run no longer ends in useful time.
MAX_MESSAGES = 6
ENGINES = ("explicit", "z3", "both")
VERDICTS = ("holds", "violated", "unknown")
CHECK_KEYS = ("guarantees", "ordering", "messages", "engine", "max_states", "timeout_s")


def resolve_faults(ctx: LoadContext, node: Node | None, topics: dict[str, Topic]) -> Faults | None:
    entries = read_section(ctx, node, "faults", fixed=FAULT_NAMES) if node is not None else {}
    if entries is None:
        return None
    counts: dict[str, int] = {}
    ok = True
    for name in FAULT_NAMES:
        key_path = join("faults", name)
        entry = entries.get(name)
        if name == "follower_lag":
            value = _follower_lag(ctx, entry, key_path, topics)
        elif entry is None:
            value = 0
            ctx.record(
                "faults",
                name,
                0,
                Origin("mqcheck default", key_path, note="a fault left out never happens"),
            )
        else:
            value = ctx.reader.integer(entry.value, key_path, minimum=0)
            if value is not None:
                ctx.record("faults", name, value, ctx.from_spec(entry, key_path))
        if value is None:
            ok = False
        else:
            counts[name] = value
    return Faults(**counts) if ok else None


def follower_lag_bound(topics: dict[str, Topic]) -> int:
    """`follower_lag: true`: every follower of the widest topic may fall out of the ISR once."""
    widest = max((topic.replication_factor for topic in topics.values()), default=1)
    return max(widest - 1, 0)


def _follower_lag(
    ctx: LoadContext, entry: Entry | None, key_path: str, topics: dict[str, Topic]
) -> int | None:
    bound = follower_lag_bound(topics)
    note = f"true: max replication.factor - 1 = {bound}"
    if entry is None:
        ctx.record("faults", "follower_lag", bound, Origin("mqcheck default", key_path, note=note))
        return bound
    flag = bool_value(entry.value)
    if flag is not None:
        value = bound if flag else 0
        ctx.record(
            "faults",
            "follower_lag",
            value,
            ctx.from_spec(entry, key_path, note=note if flag else ""),
        )
        return value
    count = ctx.reader.integer(entry.value, key_path, minimum=0)
    if count is not None:
        ctx.record("faults", "follower_lag", count, ctx.from_spec(entry, key_path))
    return count


def resolve_check(ctx: LoadContext, node: Node | None) -> Check | None:
    entries = read_section(ctx, node, "check", fixed=CHECK_KEYS) if node is not None else {}
    if entries is None:
        return None
    defaults = Check()
    reader = ctx.reader
    values: dict[str, object] = {}
    ordering_listed = False
    ok = True
    for key in CHECK_KEYS:
        entry = entries.get(key)
        key_path = join("check", key)
        if entry is None:
            values[key] = getattr(defaults, key)
            continue
        value: object
        if key == "guarantees":
            listed = _guarantees(ctx, entry.value, key_path)
            value = None if listed is None else listed[0]
            ordering_listed = listed is not None and listed[1]
        elif key == "ordering":
            value = reader.boolean(entry.value, key_path)
        elif key == "messages":
            value = _messages(ctx, entry.value, key_path)
        elif key == "engine":
            value = reader.choice(entry.value, key_path, ENGINES, what="engine")
        elif key == "max_states":
            value = reader.integer(entry.value, key_path, minimum=1, java_type="long")
        else:
            value = _timeout(ctx, entry.value, key_path)
        if value is None:
            ok = False
        values[key] = value
    if not ok:
        return None
    check = Check(
        guarantees=cast("tuple[str, ...]", values["guarantees"]),
        ordering=bool(values["ordering"]) or ordering_listed,
        messages=cast(int, values["messages"]),
        engine=cast(EngineName, values["engine"]),
        max_states=cast(int, values["max_states"]),
        timeout_s=cast(float, values["timeout_s"]),
    )
    for key in CHECK_KEYS:
        entry = entries.get(key)
        key_path = join("check", key)
        origin = ctx.from_spec(entry, key_path) if entry else Origin("mqcheck default", key_path)
        ctx.record("check", key, getattr(check, key), origin)
    return check


def _guarantees(ctx: LoadContext, node: Node, key_path: str) -> tuple[tuple[str, ...], bool] | None:
    """A list of guarantees (a single name is accepted too); `ordering` in the list sets
    check.ordering, as `--guarantee ordering` does."""
    items = node.items if node.kind == "seq" else [node]
    if not items:
        ctx.problems.add(
            key_path,
            "empty: name at least one guarantee",
            node.position,
            expected=", ".join(GUARANTEES),
        )
        return None
    names: list[str] = []
    ordering = False
    for index, item in enumerate(items):
        name = ctx.reader.choice(item, f"{key_path}[{index}]", GUARANTEES, what="guarantee")
        if name is None:
            return None
        if name == "ordering":
            ordering = True
        elif name not in names:
            names.append(name)
    return tuple(names), ordering


def _messages(ctx: LoadContext, node: Node, key_path: str) -> int | None:
    value = ctx.reader.integer(node, key_path, minimum=1)
    if value is not None and value > MAX_MESSAGES:
        ctx.problems.add(
            key_path,
            f"{value} messages is beyond the explicit engine's bound of {MAX_MESSAGES}: the "
            "state space grows exponentially with the messages per producer",
            node.position,
            expected=f"1 to {MAX_MESSAGES}",
            found=str(value),
        )
        return None
    return value


def _timeout(ctx: LoadContext, node: Node, key_path: str) -> float | None:
    value = ctx.reader.number(node, key_path)
    if value is not None and value <= 0:
        ctx.problems.add(
            key_path, "must be positive", node.position, expected="seconds > 0", found=str(value)
        )
        return None
    return value


def resolve_expect(ctx: LoadContext, node: Node | None) -> dict[str, str] | None:
    entries = read_section(ctx, node, "expect", fixed=GUARANTEES) if node is not None else {}
    if entries is None:
        return None
    expect: dict[str, str] = {}
    ok = True
    for name in GUARANTEES:
        entry = entries.get(name)
        if entry is None:
            continue
        verdict = ctx.reader.choice(entry.value, join("expect", name), VERDICTS, what="verdict")
        if verdict is None:
            ok = False
        else:
            expect[name] = verdict
    return expect if ok else None
