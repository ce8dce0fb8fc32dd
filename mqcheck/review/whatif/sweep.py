"""`mqcheck sweep`: the spec checked at every point of a cartesian product of settings.

Each point is built by `review.spec_variants.plan` the way a user would write it, so a
combination that Kafka refuses (e.g. enable.idempotence=true with acks=1) is reported as
`invalid` with Kafka's reason instead of being dropped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mqcheck.review.batch import BatchListener, Pool, run_batch
from mqcheck.review.spec_variants import plan
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec_data
from mqcheck.spec.schema import Spec


@dataclass(frozen=True)
class Point:
    values: tuple[tuple[str, str], ...]  # (property as given, value as given)
    status: str  # "checked" | "invalid"
    verdicts: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True)
class _Task:
    """One point as it goes to a worker: the YAML data of the variant (the worker loads it,
    so Kafka's refusals apply there as here) and the limits of its check."""

    data: dict[str, Any]
    path: str
    values: tuple[tuple[str, str], ...]
    max_states: int | None
    timeout_s: float | None
    guarantees: tuple[str, ...]


def _check_point(task: _Task) -> Point:
    loaded = load_spec_data(task.data, task.path)
    if loaded.spec is None:
        reason = "; ".join(e.message for e in loaded.errors[:2])
        return Point(task.values, "invalid", {}, reason)
    # one process per point: the points already run in parallel, one per core
    result = check_spec(loaded.spec, None, None, None, task.max_states, task.timeout_s, workers=1)
    verdicts = {r.guarantee: r.verdict for r in result.results}
    reasons = sorted({r.reason for r in result.results if r.verdict == "unknown" and r.reason})
    return Point(task.values, "checked", verdicts, "; ".join(reasons))


def _not_computed(task: _Task, reason: str) -> Point:
    """A point no worker could check: unknown for every guarantee, with why."""
    return Point(task.values, "checked", dict.fromkeys(task.guarantees, "unknown"), reason)


def run_sweep(
    spec: Spec,
    data: Mapping[str, Any],
    vary: Sequence[tuple[str, Sequence[str]]],
    *,
    max_states: int | None = None,
    timeout_s: float | None = None,
    pool: Pool | None = None,
    progress: BatchListener | None = None,
) -> list[Point]:
    """Check every point, in parallel on `pool` (None: a process per core); the points
    come back in product order whatever order they finish in. `timeout_s` is the time limit
    of each point's check (None: the spec's `check.timeout_s`). Raises ClusterUnavailable
    when `pool.cluster` cannot be used."""
    planned = plan(spec, data, vary)
    guarantees = spec.checked_guarantees()
    tasks = [
        _Task(point, spec.path, values, max_states, timeout_s, guarantees)
        for values, point in planned
    ]
    return run_batch(_check_point, tasks, pool or Pool(), _not_computed, progress)


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
