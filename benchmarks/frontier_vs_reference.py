"""The frontier engine against the reference engine, side by side: states, seconds,
states/s, bytes per state and peak memory, medians of a few runs.

    python3 benchmarks/frontier_vs_reference.py [--runs 3] [--max-states N] [--early]
        [--subsume] [CASE ...]

A CASE is SPEC[:MESSAGES[:MAX_STATES]]; without cases, durable-baseline at 2 messages and at
3 messages (with a state limit) and the five largest specs of specs/. Every run is a fresh
process, so peak memory is that run's. "B/state" is the growth of resident memory during the
search divided by the states found (everything the process allocated for it: visited set,
per-state arrays, waiting layers, edges, numpy temporaries); "kept" is what the frontier
engine itself holds per state at the end (visited set, per-state arrays, edges). Prints a
Markdown table. `--early` adds a third engine row: the frontier engine deciding at-least-once
early (`FrontierChecker(early=True)`); `--subsume` a row with fault-budget subsumption
(`FrontierChecker(subsume=True)`, what `mqcheck check` runs): fewer states, the same verdicts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "examples"  # the public example specs, shipped in the repository
#: the five largest specs of specs/ (by states at their own bounds; see explicit_throughput.py)
LARGEST = (
    "last-replica-standing-elr",
    "streams-at-least-once-2-8-acks1",
    "transactional-abort-read-uncommitted",
    "last-replica-standing-no-elr",
    "pipeline-payments-effectively-once",
)

CHILD = r"""
import json, resource, sys, time
from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.run import compile_spec, requested_guarantees
from mqcheck.spec.load import load_spec

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

path, engine, messages, max_states = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
early = {"early": True} if engine == "early" else {}
if engine == "subsumed":
    early = {"subsume": True}
spec = load_spec(path).spec
wanted = requested_guarantees(spec, None)
system = compile_spec(spec, wanted, int(messages) if messages != "-" else None)
limits = Limits(max_states=max_states or spec.check.max_states, timeout_s=3600)
checker = (ExplicitChecker if engine == "reference" else FrontierChecker)(system, limits, **early)
before = rss_mb()
t = time.perf_counter()
results = checker.check(wanted)
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
r = results[0]
print(json.dumps({
    "states": r.stats.states, "seconds": seconds, "peak_mb": peak,
    "grown_mb": max(peak - before, 0.0),
    "kept": getattr(checker, "bytes_per_state", None),
    "verdicts": " ".join(f"{x.guarantee}={x.verdict}" for x in results),
}))
"""


def run(path: Path, engine: str, messages: str, max_states: int) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), engine, messages, str(max_states)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def cases(args: argparse.Namespace) -> list[tuple[Path, str, int]]:
    if args.cases:
        out = []
        for case in args.cases:
            parts = case.split(":")
            spec, messages, states = (parts + ["-", "0"][len(parts) - 1 :])[:3]
            out.append((Path(spec), messages, int(states) or args.max_states))
        return out
    durable = SHARED / "durable-baseline.yaml"
    return [
        (durable, "2", args.max_states),
        (durable, "3", args.limited),
        *((ROOT / "specs" / f"{name}.yaml", "-", args.max_states) for name in LARGEST),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cases", nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-states", type=int, default=5_000_000)
    parser.add_argument("--limited", type=int, default=2_000_000, help="limit at 3 messages")
    parser.add_argument("--early", action="store_true", help="also the early at-least-once run")
    parser.add_argument("--subsume", action="store_true", help="also fault-budget subsumption")
    args = parser.parse_args()
    print(
        "| spec | msgs | engine | states | s | states/s | B/state | kept B/state | peak MB |"
        " verdicts |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---|")
    for path, messages, max_states in cases(args):
        extra = (*(("early",) if args.early else ()), *(("subsumed",) if args.subsume else ()))
        for engine in ("reference", "frontier", *extra):
            runs = [run(path, engine, messages, max_states) for _ in range(args.runs)]
            seconds = statistics.median(float(r["seconds"]) for r in runs)  # type: ignore[arg-type]
            peak = statistics.median(float(r["peak_mb"]) for r in runs)  # type: ignore[arg-type]
            grown = statistics.median(float(r["grown_mb"]) for r in runs)  # type: ignore[arg-type]
            states = int(runs[0]["states"])  # type: ignore[call-overload]
            kept = runs[0]["kept"]
            print(
                f"| {path.stem} | {messages} | {engine} | {states:,} | {seconds:.2f} |"
                f" {states / seconds:,.0f} | {grown * 2**20 / max(states, 1):.0f} |"
                f" {'' if kept is None else f'{kept:.1f}'} | {peak:.0f} | {runs[0]['verdicts']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
