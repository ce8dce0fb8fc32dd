"""`mqcheck explain-defaults`: every effective value of a spec and where it came from.

A reviewer's first question about a pipeline is "what is it really running with?"; most
answers are defaults that changed between Kafka versions (acks, enable.idempotence, retries,
unclean.leader.election.enable), so each row names the version and the KIP behind it.
"""

from __future__ import annotations

import json

from mqcheck.spec.schema import EffectiveSetting, Origin, Spec


def origin_text(setting: EffectiveSetting) -> str:
    """'spec line 12', 'topic override (line 9)', 'version default (3.7; KIP-679)', ..."""
    origin = setting.origin
    where = f"line {origin.line}" if origin.line is not None else ""
    if origin.source == "spec":
        text = f"spec {where}".strip()
    elif origin.source in ("topic override", "broker setting"):
        text = f"{origin.source} ({where})" if where else origin.source
    elif origin.source == "version default":
        text = f"version default ({origin.note})" if origin.note else "version default"
    elif origin.source == "derived":
        text = f"derived: {origin.note}" if origin.note else "derived"
    else:
        text = f"{origin.source}: {origin.note}" if origin.note else origin.source
    inherited = _inherited_from(setting)
    if inherited:
        text += f", via {inherited}"
    return text


def _inherited_from(setting: EffectiveSetting) -> str:
    """For a topic value taken from the broker: the broker key it came from."""
    origin: Origin = setting.origin
    if setting.scope.startswith("topic:") and origin.path.startswith("broker."):
        return origin.path
    return ""


def value_text(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ", ".join(value_text(item) for item in value)
    return str(value)


def render_text(spec: Spec) -> str:
    header = ("scope", "property", "value", "origin")
    rows = [
        (
            s.scope,
            s.name,
            value_text(s.value),
            origin_text(s) + ("" if s.modelled else "; not modelled"),
        )
        for s in spec.settings
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [f"{spec.name}: effective settings for Kafka {spec.kafka_version}", ""]
    for row in [header, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    lines.append("")
    if spec.not_modelled:
        lines.append(
            "not modelled (accepted, do not change the verdict): " + ", ".join(spec.not_modelled)
        )
    else:
        lines.append("not modelled: none")
    return "\n".join(lines) + "\n"


def render_json(spec: Spec) -> str:
    document = {
        "mqcheck": spec.format_version,
        "spec": spec.name,
        "kafka_version": str(spec.kafka_version),
        "settings": [
            {
                "scope": s.scope,
                "property": s.name,
                "value": list(s.value) if isinstance(s.value, tuple) else s.value,
                "origin": {
                    "source": s.origin.source,
                    "path": s.origin.path,
                    "line": s.origin.line,
                    "column": s.origin.column,
                    "note": s.origin.note,
                    "text": origin_text(s),
                },
                "modelled": s.modelled,
            }
            for s in spec.settings
        ],
        "not_modelled": list(spec.not_modelled),
    }
    return json.dumps(document, indent=2) + "\n"
