"""`mqcheck sweep`: the spec checked at every point of a cartesian product of settings.

Each point is built the way a user would write it: the spec's YAML with the varied values
put in, loaded by the ordinary loader, so a combination that Kafka refuses (e.g.
enable.idempotence=true with acks=1) is reported as `invalid` with Kafka's reason instead of
being dropped. A property is either dotted from the top of the spec
(`topics.orders.min.insync.replicas`, `producers.checkout.acks`, `faults.broker_crash`,
`check.messages`) or a bare Kafka name (`acks`, `min.insync.replicas`, `app.commit`), which
is set on every producer, topic, consumer and processor that has it (the broker section when
only the broker has it, `faults:` for a fault name).
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import json
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import yaml

from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec_data
from mqcheck.spec.schema import FAULT_NAMES, Spec

SECTIONS = ("topics", "producers", "consumers", "processors")
PLAIN_SECTIONS = ("broker", "cluster", "faults", "check")
_SCOPES = {"topic": "topics", "producer": "producers", "consumer": "consumers"}


@dataclass(frozen=True)
class Point:
    values: tuple[tuple[str, str], ...]  # (property as given, value as given)
    status: str  # "checked" | "invalid"
    verdicts: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""


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
        if s.name == prop and role in _SCOPES:
            out.append((_SCOPES[role], owner, *_key(prop)))
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


def apply(data: Mapping[str, Any], path: Sequence[str], value: object) -> dict[str, Any]:
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


def _check_point(
    data: dict[str, Any], path: str, values: tuple[tuple[str, str], ...], max_states: int | None
) -> Point:
    loaded = load_spec_data(data, path)
    if loaded.spec is None:
        reason = "; ".join(e.message for e in loaded.errors[:2])
        return Point(values, "invalid", {}, reason)
    result = check_spec(loaded.spec, None, None, None, max_states)
    verdicts = {r.guarantee: r.verdict for r in result.results}
    reasons = sorted({r.reason for r in result.results if r.verdict == "unknown" and r.reason})
    return Point(values, "checked", verdicts, "; ".join(reasons))


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


def run_sweep(
    spec: Spec,
    data: Mapping[str, Any],
    vary: Sequence[tuple[str, Sequence[str]]],
    *,
    max_states: int | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Point]:
    """Check every point, in parallel over `workers` processes (default: every core);
    the points come back in product order whatever order they finish in."""
    planned = plan(spec, data, vary)
    total = len(planned)
    workers = workers or os.cpu_count() or 1
    results: list[Point] = []
    if workers == 1 or total == 1:
        for i, (values, point) in enumerate(planned, 1):
            results.append(_check_point(point, spec.path, values, max_states))
            if progress:
                progress(i, total)
        return results
    with ProcessPoolExecutor(max_workers=min(workers, total)) as pool:
        futures = [
            pool.submit(_check_point, point, spec.path, values, max_states)
            for values, point in planned
        ]
        for i, future in enumerate(futures, 1):
            results.append(future.result())
            if progress:
                progress(i, total)
    return results


def _columns(points: Sequence[Point], guarantees: Sequence[str]) -> list[str]:
    props = [p for p, _ in points[0].values] if points else []
    return [*props, *guarantees, "note"]


def _rows(points: Sequence[Point], guarantees: Sequence[str]) -> list[list[str]]:
    rows = []
    for p in points:
        values = [v for _, v in p.values]
        if p.status == "invalid":
            rows.append([*values, *(["invalid"] * len(guarantees)), p.reason])
        else:
            rows.append([*values, *(p.verdicts.get(g, "-") for g in guarantees), p.reason])
    return rows


def render(points: Sequence[Point], guarantees: Sequence[str], output_format: str) -> str:
    header = _columns(points, guarantees)
    rows = _rows(points, guarantees)
    if output_format == "json":
        doc = [
            {
                "values": dict(p.values),
                "status": p.status,
                "verdicts": dict(p.verdicts),
                **({"reason": p.reason} if p.reason else {}),
            }
            for p in points
        ]
        return json.dumps(doc, indent=2) + "\n"
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()
    if output_format == "md":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in rows:
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
        return "\n".join(lines) + "\n"
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"
