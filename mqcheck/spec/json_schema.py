"""A JSON Schema of the spec format, generated from the loader's own tables.

Editors (VS Code's YAML extension, JetBrains IDEs) autocomplete and validate a YAML file
against a JSON Schema; CI jobs can lint specs with it. It is built from the same key lists
and property catalog the loader reads, so it cannot drift from what `mqcheck check` accepts.

A schema is weaker than the loader, by nature: it cannot see that a property exists only from
some `kafka_version` on, that a topic named by a producer exists, or Kafka's cross-property
refusals (ConfigException cases). It accepts every spec the loader accepts; the loader stays
the judge of the rest (docs/spec.md, "JSON Schema").
"""

from __future__ import annotations

import json
import re
from typing import Any

from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.client_props import AppKey
from mqcheck.spec.kafka_properties_unmodelled import prefixes
from mqcheck.spec.kafka_property import KafkaProperty, Scope
from mqcheck.spec.load import FORMAT_VERSION, TOP_KEYS
from mqcheck.spec.resolve_consumers import APP_KEYS as CONSUMER_APP_KEYS
from mqcheck.spec.resolve_producers import APP_KEYS as PRODUCER_APP_KEYS
from mqcheck.spec.resolve_run import CHECK_KEYS, ENGINES, MAX_MESSAGES, VERDICTS
from mqcheck.spec.resolve_share_consumers import ACK_MODES, ISOLATION, RESETS
from mqcheck.spec.resolve_share_consumers import APP_KEYS as SHARE_APP_KEYS
from mqcheck.spec.schema import FAULT_NAMES, GUARANTEES
from mqcheck.spec.versions import SUPPORTED_LINES, line_text

SCHEMA_ID = "https://github.com/mqcheck/mqcheck/blob/main/schema/mqcheck-spec.schema.json"
Schema = dict[str, Any]

#: Kafka reads every configuration value as text in the end, so "5000" is an integer and
#: "true" (any case) a boolean wherever 5000 and true are (spec/values.py).
_INT_TEXT = r"^\s*[-+]?[0-9]+\s*$"
_BOOL_TEXT = r"^\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])\s*$"
_SCALAR = ["string", "number", "integer", "boolean"]


def _racks() -> Schema:
    """cluster.racks: rack name -> the broker ids in it (resolve_racks.py)."""
    return {
        "type": "object",
        "description": "broker.rack of each broker: rack name -> broker ids (1-based)",
        "additionalProperties": {"type": "array", "items": _integer(1), "minItems": 1},
    }


def _integer(minimum: int | None = None, maximum: int | None = None) -> Schema:
    number: Schema = {"type": "integer"}
    if minimum is not None:
        number["minimum"] = minimum
    if maximum is not None:
        number["maximum"] = maximum
    return {"anyOf": [number, {"type": "string", "pattern": _INT_TEXT}]}


def _boolean() -> Schema:
    return {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": _BOOL_TEXT}]}


def _nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def _choice(values: list[Any]) -> Schema:
    """One of `values`, also with blanks around it: Kafka's ConfigDef trims a string before
    validating it, and so does the loader (spec/values.py). The plain enum comes first, so
    editors still offer its values."""
    texts = "|".join(re.escape(str(v)) for v in values)
    return {"anyOf": [{"enum": values}, {"type": "string", "pattern": rf"^\s*({texts})\s*$"}]}


def _property(prop: KafkaProperty) -> Schema:
    """One Kafka property's value, over every release line (the loader checks the version)."""
    value: Schema
    if prop.type in ("int", "long"):
        value = _integer(prop.minimum, prop.maximum)
    elif prop.type == "bool":
        value = _boolean()
    elif prop.type == "double":
        value = {"anyOf": [{"type": "number"}, {"type": "string"}]}
    elif prop.type == "enum":
        value = _choice(sorted({item.value for item in prop.allowed}))
    elif prop.type == "list":
        value = {"anyOf": [{"type": _SCALAR}, {"type": "array", "items": {"type": _SCALAR}}]}
    else:
        value = {"type": _SCALAR}
    if prop.name == "acks" and prop.scope == "producer":
        value = _choice(["all", "-1", "0", "1", -1, 0, 1])
    if prop.nullable or not prop.modelled:
        value = _nullable(value)
    read = "read by the model" if prop.modelled else "accepted, not modelled (no verdict changes)"
    value["description"] = f"Kafka {prop.scope} property ({prop.type}), {read}."
    value["markdownDescription"] = f"{value['description']} [Kafka docs]({prop.doc_url()})"
    return value


def _section(
    scope: Scope | None, fixed: dict[str, Schema], required: tuple[str, ...] = ()
) -> Schema:
    """A mapping of the section's own keys and its scope's Kafka properties, nothing else."""
    properties: dict[str, Schema] = dict(fixed)
    pattern: dict[str, Schema] = {}
    if scope is not None:
        for name in catalog.names(scope):
            if name not in properties:
                found = catalog.lookup(scope, name)
                if found is not None:
                    properties[name] = _property(found)
        for prefix in prefixes(scope):
            pattern["^" + prefix.replace(".", r"\.") + ".+"] = {"type": [*_SCALAR, "null"]}
    section: Schema = {"type": ["object", "null"], "properties": properties}
    if pattern:
        section["patternProperties"] = pattern
    section["additionalProperties"] = False
    if required:
        section["required"] = list(required)
    return section


def _app(keys: tuple[AppKey, ...]) -> Schema:
    fixed: dict[str, Schema] = {}
    for key in keys:
        if key.kind == "bool":
            fixed[key.name] = _boolean()
        elif key.kind == "size":
            fixed[key.name] = _integer(1)
        elif key.kind == "keys":
            fixed[key.name] = _keys()
        else:
            fixed[key.name] = {"enum": list(key.choices)}
        default = "" if key.default is None else f" Default: {json.dumps(key.default)}."
        fixed[key.name]["description"] = f"What the application code does.{default}"
        if key.kind == "keys":
            fixed[key.name]["description"] = (
                "The keys the application sends: message i carries keys[i % len], so it goes "
                "to partition toPositive(murmur2(key)) % partitions. Default: no key."
            )
    return _section(None, fixed)


def _keys() -> Schema:
    """app.keys: distinct, non-empty keys; a scalar is its text as written (`21` is "21")."""
    key = {
        "anyOf": [{"type": "string", "minLength": 1}, {"type": ["number", "integer", "boolean"]}]
    }
    return {"type": "array", "items": key, "minItems": 1, "uniqueItems": True}


def _named(section: Schema, what: str) -> Schema:
    """A mapping from names the user picks (topics, producers, ...) to sections."""
    return {
        "type": ["object", "null"],
        "minProperties": 1,
        "description": what,
        "additionalProperties": section,
    }


def _faults() -> Schema:
    fixed = {name: _integer(0) for name in FAULT_NAMES}
    fixed["follower_lag"] = {"anyOf": [_integer(0), _boolean()]}
    return _section(None, fixed)


def _check() -> Schema:
    guarantee = {"enum": list(GUARANTEES)}
    fixed: dict[str, Schema] = {
        "guarantees": {"anyOf": [guarantee, {"type": "array", "items": guarantee}]},
        "ordering": _boolean(),
        "messages": _integer(1, MAX_MESSAGES),
        "engine": {"enum": list(ENGINES)},
        "max_states": _integer(1),
        "timeout_s": {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string"}]},
    }
    assert set(fixed) == set(CHECK_KEYS), "the schema's check: keys follow the loader's"
    return _section(None, fixed)


def spec_schema() -> Schema:
    """The JSON Schema (draft-07, the draft editors support best) of a spec file."""
    lines = [line_text(line) for line in SUPPORTED_LINES]
    version_pattern = "^(" + "|".join(v.replace(".", r"\.") for v in lines) + r")(\.[0-9]+){0,2}$"
    text: Schema = {"type": ["string", "number", "integer", "boolean"]}
    topic = _section(
        "topic", {"partitions": _integer(1), "replication.factor": _integer(1)}, required=()
    )
    producer = _section(
        "producer",
        {"topic": {"type": "string"}, "app": _app(PRODUCER_APP_KEYS)},
        required=("topic",),
    )
    consumer = _section(
        "consumer",
        {"topic": {"type": "string"}, "app": _app(CONSUMER_APP_KEYS)},
        required=("topic",),
    )
    share_consumer = _section(
        None,
        {
            "topic": {"type": "string"},
            "group.id": {"type": "string"},
            "share.acknowledgement.mode": _choice(list(ACK_MODES)),
            "share.record.lock.duration.ms": _integer(1000),
            "share.delivery.count.limit": _integer(2),
            "share.auto.offset.reset": _choice(list(RESETS)),
            "share.isolation.level": _choice(list(ISOLATION)),
            "app": _app(SHARE_APP_KEYS),
        },
        required=("topic",),
    )
    processor = _section(
        "streams",
        {
            "from": {"type": "string"},
            "to": {"type": "string"},
            "application.id": {"type": "string"},
            "instances": _integer(1),
        },
        required=("from", "to"),
    )
    properties: dict[str, Schema] = {
        "mqcheck": {"const": FORMAT_VERSION, "description": "The spec format version."},
        "name": text,
        "description": {"type": ["string", "null"]},
        "kafka_version": {
            "type": ["string", "number"],
            "pattern": version_pattern,
            "description": "A quoted release line: " + ", ".join(lines) + ".",
        },
        "cluster": _section(None, {"brokers": _integer(1), "racks": _racks()}),
        "broker": _section("broker", {}),
        "topics": _named(topic, "Topics by name."),
        "producers": _named(producer, "Producers by name."),
        "processors": _named(processor, "Kafka Streams processors by name."),
        "consumers": _named(consumer, "Consumers by name."),
        "share_consumers": _named(
            share_consumer, "Share consumers (KIP-932 share groups, Kafka 4.2+) by name."
        ),
        "faults": _faults(),
        "check": _check(),
        "expect": _section(None, {g: {"enum": list(VERDICTS)} for g in GUARANTEES}),
    }
    assert set(properties) == set(TOP_KEYS), "the schema's top-level keys follow the loader's"
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "mqcheck spec",
        "description": "A Kafka pipeline for mqcheck to model-check (docs/spec.md).",
        "type": "object",
        "properties": properties,
        "required": ["mqcheck", "name", "kafka_version", "topics", "producers"],
        # the loader's rule: at least one consumer or processor reads what is produced
        "anyOf": [
            {"required": ["consumers"]},
            {"required": ["processors"]},
            {"required": ["share_consumers"]},
        ],
        "additionalProperties": False,
    }


def schema_text() -> str:
    """The schema as the shipped file holds it: sorted keys, two-space indent, newline."""
    return json.dumps(spec_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
