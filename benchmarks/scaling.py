"""How the explicit search grows with durable-baseline's bounds: states, transitions, time,
states/s and peak memory against messages, brokers (replication factor = brokers) and the
broker-crash budget, each varied alone from the shipped spec (examples/durable-baseline.yaml:
RF 3, min.insync.replicas 2, one crash of each kind, 2 messages).

    python3 benchmarks/scaling.py [--max-states N] [--timeout S] [--workers N] [--only AXIS]

Each point is one `mqcheck check --format json` in a fresh process; a point that reaches the
state or time limit is shown with its limit ("≥ N states", verdict unknown), never as a
verdict. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "examples" / "durable-baseline.yaml"

#: (axis, value, messages, brokers, broker_crash)
POINTS = [
    *[("messages", m, m, 3, 1) for m in (1, 2, 3, 4)],
    *[("brokers", b, 2, b, 1) for b in (3, 5)],
    *[("broker_crash", k, 2, 3, k) for k in (1, 2, 3)],
]


def spec_text(brokers: int, crashes: int) -> str:
    data: dict[str, Any] = yaml.safe_load(BASE.read_text())
    data["cluster"]["brokers"] = brokers
    data["topics"]["orders"]["replication.factor"] = brokers
    data["faults"]["broker_crash"] = crashes
    data.pop("expect", None)
    return yaml.safe_dump(data, sort_keys=False)


def point(messages: int, brokers: int, crashes: int, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "durable-baseline.yaml"
        path.write_text(spec_text(brokers, crashes))
        command = [
            sys.executable, "-m", "mqcheck", "check", str(path), "--format", "json",
            "--messages", str(messages), "--max-states", str(args.max_states),
            "--timeout", str(args.timeout), "--workers", str(args.workers),
        ]  # fmt: skip
        proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-states", type=int, default=20_000_000)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--only", choices=["messages", "brokers", "broker_crash"])
    args = parser.parse_args()
    print(
        "| axis | value | states | transitions | s | states/s | peak MB | at-least-once | at-most-once |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|---|---|")
    for axis, value, messages, brokers, crashes in POINTS:
        if args.only and axis != args.only:
            continue
        doc = point(messages, brokers, crashes, args)
        verdicts = {r["guarantee"]: r["verdict"] for r in doc["results"]}
        # the full search's figures: at-least-once's (early verdicts may stop sooner)
        s = max((r["stats"] for r in doc["results"]), key=lambda st: st["states"])
        capped = any("state limit" in r.get("reason", "") for r in doc["results"])
        states = f"≥ {s['states']:,}" if capped else f"{s['states']:,}"
        rate = s["states"] / s["seconds"] if s["seconds"] else 0.0
        print(
            f"| {axis} | {value} | {states} | {s['transitions']:,} | {s['seconds']:.1f} | "
            f"{rate:,.0f} | {s['peak_memory_mb']:,.0f} | {verdicts.get('at-least-once')} | "
            f"{verdicts.get('at-most-once')} |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
