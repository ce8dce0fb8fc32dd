"""The explicit search on one core against the same search split into shards over several
worker processes, side by side: states, seconds, states/s, peak memory, speed-up, and
whether the answers are identical (verdicts, counts, counterexample steps).

    python3 benchmarks/workers_compare.py [--runs 3] [--workers 2] [CASE ...]

A CASE is SPEC[:MESSAGES[:MAX_STATES]]; without cases, durable-baseline at 2 messages and
at 3 messages (with a 6,000,000-state limit) and the two largest specs of specs/. Runs of
the two configurations alternate, each in a fresh process, so a noisy neighbour slows
both alike; seconds are medians. "peak MB" is the coordinator's peak resident memory plus
the largest worker's. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

CHILD = r"""
import hashlib, json, resource, sys, time
from mqcheck.engines.explicit import Limits
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.run import compile_spec, requested_guarantees
from mqcheck.spec.load import load_spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.steps import with_traces

path, workers, messages, max_states = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
spec = load_spec(path).spec
wanted = requested_guarantees(spec, None)
system = compile_spec(spec, wanted, int(messages) if messages != "-" else None)
limits = Limits(max_states=max_states or spec.check.max_states, timeout_s=3600)
checker = FrontierChecker(system, limits, workers=workers)
t = time.perf_counter()
results = with_traces(system, checker.check(wanted))
seconds = time.perf_counter() - t
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
answer = [
    (r.guarantee, r.verdict, r.reason, r.stats.states, r.stats.transitions, r.stats.depth,
     [step_json(s) for s in r.counterexample.steps] if r.counterexample else None)
    for r in results
]
r = results[0]
print(json.dumps({
    "states": r.stats.states, "seconds": seconds, "peak_mb": own + kids,
    "shards": checker.shards_used,
    "answer": hashlib.sha256(json.dumps(answer, default=str).encode()).hexdigest()[:12],
    "verdicts": " ".join(f"{x.guarantee}={x.verdict}" for x in results),
}))
"""


def run(path: Path, workers: int, messages: str, max_states: int) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(workers), messages, str(max_states)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def cases(given: list[str]) -> list[tuple[Path, str, int]]:
    if not given:
        given = [
            "examples/durable-baseline.yaml:2",
            "examples/durable-baseline.yaml:3:6000000",
            "specs/last-replica-standing-elr.yaml",
            "specs/streams-at-least-once-2-8-acks1.yaml",
        ]
    out = []
    for case in given:
        parts = case.split(":")
        spec, messages, cap = (parts + ["-", "0"][len(parts) - 1 :])[:3]
        out.append((ROOT / spec, messages, int(cap)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    print(
        "| case | workers | shards | states | s (median) | states/s | peak MB | speed-up | answer |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|---|")
    for path, messages, cap in cases(args.cases):
        runs: dict[int, list[dict[str, object]]] = {1: [], args.workers: []}
        for _ in range(args.runs):
            for w in runs:
                runs[w].append(run(path, w, messages, cap))
        base = statistics.median(float(str(r["seconds"])) for r in runs[1])
        name = f"{path.stem} m={messages}" + (f" cap {cap:,}" if cap else "")
        answers = {str(r["answer"]) for rs in runs.values() for r in rs}
        for w, rs in runs.items():
            secs = statistics.median(float(str(r["seconds"])) for r in rs)
            states = int(str(rs[0]["states"]))
            peak = statistics.median(float(str(r["peak_mb"])) for r in rs)
            same = "identical" if len(answers) == 1 else "DIFFERENT"
            print(
                f"| {name} | {w} | {rs[0]['shards']} | {states:,} | {secs:.2f} | "
                f"{states / secs:,.0f} | {peak:,.0f} | {base / secs:.2f}x | {same} |"
            )


if __name__ == "__main__":
    main()
