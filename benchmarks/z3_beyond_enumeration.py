"""Where the explicit engine runs out of states or time: what the Z3 engine answers there.

    PYTHONPATH=. python3 benchmarks/z3_beyond_enumeration.py \
        [--max-states 5000000] [--explicit-timeout 300] [--z3-timeout 120] [--workers 2] \
        [--extra SPEC:MESSAGES ...] [--only LABEL-PART]

Issue #18 item 5. The points are specs the explicit engine cannot finish within its default
state limit (`check.max_states`, 5,000,000): `examples/durable-baseline.yaml` at
`--messages 4` and `5`, the same spec on five brokers (replication factor 5,
min.insync.replicas 2, 2 messages), `examples/group-two-partitions.yaml` (2 messages), and
the same three points of `specs/durable-commit-before-processing.yaml` (whose
at-most-once holds: the model's lemmas prove it, docs/engines.md);
`--extra` adds any other spec at a message bound. No spec of `specs/` is listed: all of
them decide in seconds (benchmarks/engines_compare.py), the `group-*` ones in under 1,000
states.

Every point is checked three times, each in a fresh process, with exactly these commands
(SPEC is the spec file, for the five-broker point a temporary copy with the cluster
changed):

    python3 -m mqcheck check SPEC --messages M --format json --engine explicit \
        --max-states MAX_STATES --timeout EXPLICIT_TIMEOUT --workers WORKERS
    python3 -m mqcheck check SPEC --messages M --format json --engine z3 --timeout Z3_TIMEOUT
    python3 -m mqcheck check SPEC --messages M --format json --engine z3 --pdr \
        --timeout Z3_TIMEOUT

The Z3 cap is per spec, shared among its guarantees as the engine shares `check.timeout_s`
(invariants first). Prints a Markdown table, one row per point and guarantee: each
engine's verdict with its figures (states for the explicit engine, the depth reached for
Z3) and seconds (the result's own `stats.seconds`), then each process's wall time. A
guarantee one engine says `holds` and another `violated` is a bug in one of them: it is
printed on stderr and the exit status is 1. With the defaults the run takes about 17
minutes on 2 cores (the Z3 processes run to their cap); figures in docs/engines.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DURABLE = ROOT / "examples" / "durable-baseline.yaml"
GROUPS = ROOT / "examples" / "group-two-partitions.yaml"
COMMIT_FIRST = ROOT / "specs" / "durable-commit-before-processing.yaml"
ENGINES = ("explicit", "z3", "z3 --pdr")


@dataclass(frozen=True)
class Point:
    """One spec at one message bound; `brokers` rewrites durable-baseline's cluster."""

    label: str
    spec: Path
    messages: int
    brokers: int | None = None


POINTS = [
    Point("durable-baseline, 4 messages", DURABLE, 4),
    Point("durable-baseline, 5 messages", DURABLE, 5),
    Point("durable-baseline, 5 brokers (RF 5), 2 messages", DURABLE, 2, brokers=5),
    Point("group-two-partitions, 2 messages", GROUPS, 2),
    Point("durable-commit-before-processing, 4 messages", COMMIT_FIRST, 4),
    Point("durable-commit-before-processing, 5 messages", COMMIT_FIRST, 5),
    Point("durable-commit-before-processing, 5 brokers (RF 5), 2 messages", COMMIT_FIRST, 2, 5),
]


def five_brokers(spec: Path, brokers: int) -> str:
    """The spec with `brokers` brokers and replication factor `brokers` (min ISR as shipped)."""
    data: dict[str, Any] = yaml.safe_load(spec.read_text())
    data["cluster"]["brokers"] = brokers
    for topic in data["topics"].values():
        topic["replication.factor"] = brokers
    data.pop("expect", None)
    return yaml.safe_dump(data, sort_keys=False)


def command(spec: Path, messages: int, engine: str, args: argparse.Namespace) -> list[str]:
    """The exact `mqcheck check` command line of one engine on one point."""
    base = [
        sys.executable, "-m", "mqcheck", "check", str(spec),
        "--messages", str(messages), "--format", "json",
    ]  # fmt: skip
    if engine == "explicit":
        return [
            *base, "--engine", "explicit", "--max-states", str(args.max_states),
            "--timeout", str(args.explicit_timeout), "--workers", str(args.workers),
        ]  # fmt: skip
    pdr = ["--pdr"] if engine == "z3 --pdr" else []
    return [*base, "--engine", "z3", *pdr, "--timeout", str(args.z3_timeout)]


def run(cmd: list[str]) -> tuple[dict[str, dict[str, Any]], float, str]:
    """Results by guarantee, wall seconds, and an error text if the output is not JSON."""
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - t
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {}, wall, f"exit {proc.returncode}: {(proc.stderr or proc.stdout)[-400:]}"
    return {r["guarantee"]: r for r in doc["results"]}, wall, ""


def cell(result: dict[str, Any] | None, engine: str) -> tuple[str, str]:
    """(verdict with its figure, seconds) for one engine's result on one guarantee."""
    if result is None:
        return "error", "-"
    stats = result.get("stats", {})
    verdict = result["verdict"]
    reason = result.get("reason", "")
    if engine == "explicit":
        capped = "state limit" in reason or "time limit" in reason
        states = f"{'≥ ' if capped else ''}{stats.get('states', 0):,} states"
        text = f"{verdict} ({states})"
    else:
        text = f"{verdict} (depth {stats.get('depth', '?')})"
        if "IC3/PDR" in reason and verdict == "holds":
            text += " IC3"
        if "candidate lemmas" in reason and verdict == "holds":
            text = f"{verdict} (lemmas)"
    return text, f"{stats.get('seconds', 0.0):.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-states", type=int, default=5_000_000)
    parser.add_argument("--explicit-timeout", type=float, default=300.0)
    parser.add_argument("--z3-timeout", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--extra", action="append", default=[], metavar="SPEC:MESSAGES")
    parser.add_argument("--only", default="", help="run only the points whose label has this")
    args = parser.parse_args(argv)
    points = [p for p in POINTS if args.only in p.label]
    for extra in args.extra:
        path, _, messages = extra.rpartition(":")
        points.append(Point(f"{Path(path).stem}, {messages} messages", Path(path), int(messages)))
    print(
        f"Caps: explicit {args.max_states:,} states or {args.explicit_timeout:g} s "
        f"({args.workers} workers); z3 and z3 --pdr {args.z3_timeout:g} s per spec.\n"
    )
    print("| point | guarantee | explicit | s | z3 | s | z3 --pdr | s | agree |")
    print("|---|---|---|--:|---|--:|---|--:|:-:|")
    walls: list[str] = []
    reasons: list[str] = []
    disagreements: list[str] = []
    beyond = 0
    for point in points:
        with tempfile.TemporaryDirectory() as tmp:
            spec = point.spec
            if point.brokers is not None:
                spec = Path(tmp) / f"{point.spec.stem}.yaml"
                spec.write_text(five_brokers(point.spec, point.brokers))
            outcomes = {e: run(command(spec, point.messages, e, args)) for e in ENGINES}
        for engine, (_, _, error) in outcomes.items():
            if error:
                print(f"ERROR {point.label} {engine}: {error}", file=sys.stderr)
        walls.append(f"{point.label}: " + ", ".join(f"{e} {outcomes[e][1]:.1f} s" for e in ENGINES))
        names = list(dict.fromkeys(n for e in ENGINES for n in outcomes[e][0]))
        for name in names:
            results = {e: outcomes[e][0].get(name) for e in ENGINES}
            verdicts = {r["verdict"] for r in results.values() if r is not None}
            agree = "NO" if {"holds", "violated"} <= verdicts else "yes"
            if agree == "NO":
                disagreements.append(
                    f"{point.label} {name}: "
                    + ", ".join(f"{e}={r['verdict'] if r else 'error'}" for e, r in results.items())
                )
            explicit = results["explicit"]
            if explicit is None or explicit["verdict"] == "unknown":
                beyond += any(
                    r is not None and r["verdict"] != "unknown"
                    for e, r in results.items()
                    if e != "explicit"
                )
            for engine in ENGINES[1:]:
                z3 = results[engine]
                if z3 is not None and z3.get("reason"):
                    reasons.append(f"{point.label}, {name}, {engine}: {z3['reason']}")
            row = [point.label, name]
            for engine in ENGINES:
                row += cell(results[engine], engine)
            print("| " + " | ".join(row) + f" | {agree} |", flush=True)
    print()
    print("Wall time of each process (loading and compiling included):")
    for line in walls:
        print(f"- {line}")
    print()
    print("Reasons the Z3 engine gave:")
    for line in reasons:
        print(f"- {line}")
    print()
    print(f"Guarantees Z3 decided where the explicit engine answered unknown: {beyond}.")
    for line in disagreements:
        print(f"DISAGREEMENT (holds vs violated): {line}", file=sys.stderr)
    print(f"Disagreements between the engines: {len(disagreements)}.")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
