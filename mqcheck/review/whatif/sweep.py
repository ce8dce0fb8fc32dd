"""`mqcheck sweep`: the spec checked at every point of a cartesian product of settings.

Each point is built by `review.spec_variants.plan` the way a user would write it, so a
combination that Kafka refuses (e.g. enable.idempotence=true with acks=1) is reported as
`invalid` with Kafka's reason instead of being dropped.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

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


def _check_point(
    data: dict[str, Any],
    path: str,
    values: tuple[tuple[str, str], ...],
    max_states: int | None,
    timeout_s: float | None = None,
) -> Point:
    loaded = load_spec_data(data, path)
    if loaded.spec is None:
        reason = "; ".join(e.message for e in loaded.errors[:2])
        return Point(values, "invalid", {}, reason)
    # one process per point: the points already run in parallel, one per core
    result = check_spec(loaded.spec, None, None, None, max_states, timeout_s, workers=1)
    verdicts = {r.guarantee: r.verdict for r in result.results}
    reasons = sorted({r.reason for r in result.results if r.verdict == "unknown" and r.reason})
    return Point(values, "checked", verdicts, "; ".join(reasons))


def run_sweep(
    spec: Spec,
    data: Mapping[str, Any],
    vary: Sequence[tuple[str, Sequence[str]]],
    *,
    max_states: int | None = None,
    timeout_s: float | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Point]:
    """Check every point, in parallel over `workers` processes (default: every core);
    the points come back in product order whatever order they finish in. `timeout_s` is
    the time limit of each point's check (None: the spec's `check.timeout_s`)."""
    planned = plan(spec, data, vary)
    total = len(planned)
    workers = workers or os.cpu_count() or 1
    results: list[Point] = []
    if workers == 1 or total == 1:
        for i, (values, point) in enumerate(planned, 1):
            results.append(_check_point(point, spec.path, values, max_states, timeout_s))
            if progress:
                progress(i, total)
        return results
    with ProcessPoolExecutor(max_workers=min(workers, total)) as pool:
        futures = [
            pool.submit(_check_point, point, spec.path, values, max_states, timeout_s)
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
