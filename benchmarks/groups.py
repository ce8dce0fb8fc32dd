"""Consumer groups at scale (issue 14's benchmark): the two-member group on a two-partition
topic with RF 3, two producers, one broker crash, one consumer crash and one stall
(examples/group-two-partitions.yaml), with and without lagging followers, plus the group
specs of specs/ for scale.

    python3 benchmarks/groups.py [--max-states N] [--timeout S] [--workers N] [--runs K]

Each point is one `mqcheck check --format json` in a fresh process (its peak resident
memory read by a fresh wrapper process through getrusage(RUSAGE_CHILDREN)); a point that reaches a limit is shown
with the limit ("≥ N states", verdict unknown), never as a verdict. Seconds are medians of
--runs runs. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "examples" / "group-two-partitions.yaml"

#: (label, spec path, follower_lag override or None)
POINTS: list[tuple[str, Path, bool | None]] = [
    ("group-two-partitions (follower_lag: true)", BENCH, None),
    ("group-two-partitions (follower_lag: false)", BENCH, False),
    *[(p.stem, p, None) for p in sorted((ROOT / "specs").glob("group-*.yaml"))],
]


def _spec_file(path: Path, lag: bool | None, tmp: Path) -> Path:
    if lag is None:
        return path
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    data["faults"]["follower_lag"] = lag
    out = tmp / path.name
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


#: Runs its arguments and prints the child's peak resident set (KiB) on stderr's last line.
_WRAPPER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
)


def run(path: Path, args: argparse.Namespace) -> tuple[dict[str, Any], float, float]:
    command = [
        sys.executable, "-c", _WRAPPER,
        sys.executable, "-m", "mqcheck", "check", str(path), "--format", "json",
        "--max-states", str(args.max_states), "--timeout", str(args.timeout),
        "--workers", str(args.workers),
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - start
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
    return json.loads(proc.stdout), seconds, peak_mb


def _row(label: str, runs: list[tuple[dict[str, Any], float, float]]) -> str:
    result = runs[0][0]
    results = result["results"]
    stats = results[0]["stats"]
    capped = any("state limit" in (r.get("reason") or "") for r in results)
    states = f"≥ {stats['states']:,}" if capped else f"{stats['states']:,}"
    verdicts = " ".join(f"{r['guarantee']}={r['verdict']}" for r in results)
    seconds = statistics.median(s for _, s, _ in runs)
    peak = max(m for _, _, m in runs)
    return f"| {label} | {states} | {stats['transitions']:,} | {seconds:.1f} | {peak:,.0f} | {verdicts} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-states", type=int, default=5_000_000)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print("| spec | states | transitions | s | peak MB | verdicts |")
    print("|---|--:|--:|--:|--:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, path, lag in POINTS:
            spec = _spec_file(path, lag, Path(tmp))
            runs = [run(spec, args) for _ in range(args.runs)]
            print(_row(label, runs), flush=True)


if __name__ == "__main__":
    main()
