"""Variants of a spec, built the way a user would write them: its YAML data with settings
put in or taken out, then loaded by the ordinary loader, so Kafka's refusals and defaults
apply to a variant exactly as they would to a spec the user wrote.

Every room of review/ builds its variants here (sweep points, symbolic combinations,
explain's removals, repair's proposals and pins). A property is either dotted from the top
of the spec (`topics.orders.min.insync.replicas`, `producers.checkout.acks`,
`share_consumers.workers-1.share.acknowledgement.mode`, `faults.broker_crash`,
`check.messages`) or a bare Kafka name (`acks`, `min.insync.replicas`, `app.commit`), which
is set on every producer, topic, consumer, share consumer and processor that has it (the broker section when only the broker has it, `faults:` for a
fault name).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from mqcheck.spec.schema import FAULT_NAMES, EffectiveSetting, Spec

SECTIONS = ("topics", "producers", "consumers", "processors", "share_consumers")
PLAIN_SECTIONS = ("broker", "cluster", "faults", "check")
#: The role of an effective setting's scope ("producer:web") → the spec section of its owner.
SCOPE_SECTIONS = {
    "topic": "topics",
    "producer": "producers",
    "consumer": "consumers",
    "share_consumer": "share_consumers",
}


def parse_value(text: str) -> object:
    """A value as YAML reads it: 1 is a number, all a string, true a boolean, null none."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def targets(spec: Spec, prop: str) -> list[tuple[str, ...]]:
    """The key paths (as tuples) that setting `prop` writes to in the spec's YAML data."""
    head, _, rest = prop.partition(".")
    if head in SECTIONS and rest:
        name, _, key = _split_owner(spec, head, rest)
        return [(head, name, *_key(key))]
    if head in PLAIN_SECTIONS and rest:
        return [(head, rest)]
    if prop in FAULT_NAMES:
        return [("faults", prop)]
    out: list[tuple[str, ...]] = []
    for s in spec.settings:
        role, _, owner = s.scope.partition(":")
        if s.name == prop and role in SCOPE_SECTIONS:
            out.append((SCOPE_SECTIONS[role], owner, *_key(prop)))
    for name, _processor in spec.processors.items():
        if prop in ("group.id", "processing.guarantee"):
            out.append(("processors", name, prop))
    if not out and any(s.scope == "broker" and s.name == prop for s in spec.settings):
        out.append(("broker", prop))
    return list(dict.fromkeys(out))


def bare_name(spec: Spec, prop: str) -> str:
    """The property's own name without a dotted section/owner prefix
    (`topics.orders.min.insync.replicas` → `min.insync.replicas`)."""
    head, _, rest = prop.partition(".")
    if head in SECTIONS and rest:
        return _split_owner(spec, head, rest)[2]
    if head in PLAIN_SECTIONS and rest:
        return rest
    return prop


def _split_owner(spec: Spec, section: str, rest: str) -> tuple[str, str, str]:
    """'orders.min.insync.replicas' → ('orders', '.', 'min.insync.replicas'); owner names
    may contain dots, so the longest known owner wins."""
    owners: Mapping[str, object] = getattr(spec, section)
    for name in sorted(owners, key=len, reverse=True):
        if rest.startswith(name + "."):
            return name, ".", rest[len(name) + 1 :]
    return rest.partition(".")


def _key(prop: str) -> tuple[str, ...]:
    """`app.commit` lives under the owner's `app:` mapping; Kafka names are one key."""
    if prop.startswith("app."):
        return ("app", prop[4:])
    return (prop,)


def setting_path(setting: EffectiveSetting) -> tuple[str, ...]:
    """The key path in the spec's YAML data that writes `setting` (a broker, topic,
    producer or consumer setting; `app.KEY` under the owner's `app:` mapping)."""
    role, _, owner = setting.scope.partition(":")
    if role == "broker":
        return ("broker", setting.name)
    return (SCOPE_SECTIONS[role], owner, *_key(setting.name))


def owner_path(setting: EffectiveSetting) -> str:
    """The dotted path of the section that holds `setting` (`producers.web`, `broker`)."""
    role, _, name = setting.scope.partition(":")
    section = SCOPE_SECTIONS.get(role)
    return f"{section}.{name}" if section else role


def apply(data: Mapping[str, Any], path: Sequence[str], value: object) -> dict[str, Any]:
    """A copy of the YAML data with `value` at `path` (missing mappings created)."""
    out = copy.deepcopy(dict(data))
    node: dict[str, Any] = out
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[path[-1]] = value
    return out


def without(data: Mapping[str, Any], path: Sequence[str]) -> dict[str, Any] | None:
    """A copy of the YAML data with the key at `path` removed (None if it is not there)."""
    out: dict[str, Any] = copy.deepcopy(dict(data))
    node: Any = out
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if not isinstance(node, dict) or path[-1] not in node:
        return None
    del node[path[-1]]
    return out


class SweepError(ValueError):
    """A --vary that names nothing in the spec."""


def plan(
    spec: Spec, data: Mapping[str, Any], vary: Sequence[tuple[str, Sequence[str]]]
) -> list[tuple[tuple[tuple[str, str], ...], dict[str, Any]]]:
    """Every point of the product: its (property, value) pairs and its YAML data."""
    paths = {}
    for prop, _ in vary:
        found = targets(spec, prop)
        if not found:
            raise SweepError(
                f"--vary {prop}: no producer, topic, consumer or broker setting of this spec "
                "has that name (use a Kafka property name, app.KEY, a fault name, or a "
                "dotted path like topics.NAME.PROPERTY)"
            )
        paths[prop] = found
    points = []
    for combo in itertools.product(*[[(p, v) for v in values] for p, values in vary]):
        point = dict(data)
        for prop, value in combo:
            for path in paths[prop]:
                point = apply(point, path, parse_value(value))
        points.append((tuple(combo), point))
    return points
