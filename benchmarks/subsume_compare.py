"""Fault-budget subsumption, on and off, side by side: states, time, memory and verdicts.

    PYTHONPATH=. python3 benchmarks/subsume_compare.py [--runs N] [--max-states N]
        [--workers N] SPEC[:MESSAGES] ...

Each run is a fresh process (`--one`), the two settings alternating so that both see the
same load; the table shows medians of `--runs` runs of the search's own seconds (`check()`,
the at-least-once pass and traces included), the peak resident memory of the process, the
bytes the engine kept per state, and the verdicts, which must be the same on both rows
(the counterexamples may be other states of the same faults and length: docs/engines.md,
"Fault-budget subsumption"). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one(
    path: str, messages: int | None, subsume: bool, max_states: int, workers: int
) -> dict[str, object]:
    """One search in this process; printed as JSON for the parent."""
    sys.path.insert(0, str(ROOT))
    from mqcheck.engines.explicit import Limits
    from mqcheck.engines.frontier import FrontierChecker
    from mqcheck.model.compile import build
    from mqcheck.spec.load import load_spec

    spec = load_spec(path).spec
    assert spec is not None
    system = build(spec, messages=messages)
    checker = FrontierChecker(
        system, Limits(max_states=max_states, timeout_s=3600), workers=workers, subsume=subsume
    )
    results = checker.check(list(spec.checked_guarantees()))
    stats = results[0].stats
    return {
        "states": stats.states,
        "seconds": stats.seconds,
        "peak_mb": stats.peak_mb,
        "kept": round(checker.bytes_per_state, 1),
        "reduced": checker.subsumption is not None,
        "verdicts": " ".join(f"{r.guarantee}={r.verdict}" for r in results),
        "faults_steps": " ".join(
            f"{len(r.witness.path)}" if r.witness is not None else "-" for r in results
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("specs", nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-states", type=int, default=5_000_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--one", nargs=3, metavar=("SPEC", "MESSAGES", "SUBSUME"))
    args = parser.parse_args()
    if args.one:
        path, m, sub = args.one
        out = one(path, int(m) if m != "-" else None, sub == "1", args.max_states, args.workers)
        print(json.dumps(out))
        return
    print("| spec | msgs | subsumption | states | s (median) | peak MB | kept B/state | verdicts |")
    print("|---|---|---|---:|---:|---:|---:|---|")
    for item in args.specs:
        path, _, m = item.partition(":")
        runs: dict[bool, list[dict[str, object]]] = {False: [], True: []}
        for _ in range(args.runs):
            for sub in (False, True):
                cmd = [
                    sys.executable,
                    __file__,
                    "--one",
                    path,
                    m or "-",
                    "1" if sub else "0",
                    "--max-states",
                    str(args.max_states),
                    "--workers",
                    str(args.workers),
                ]
                done = subprocess.run(cmd, capture_output=True, text=True, check=True)
                runs[sub].append(json.loads(done.stdout.strip().splitlines()[-1]))
        for sub in (False, True):
            rs = runs[sub]
            first = rs[0]
            secs = statistics.median(float(str(r["seconds"])) for r in rs)
            peak = statistics.median(float(str(r["peak_mb"])) for r in rs)
            label = "on" if sub and first["reduced"] else ("on (not applicable)" if sub else "off")
            print(
                f"| {Path(path).stem} | {m or '-'} | {label} | {int(str(first['states'])):,} | "
                f"{secs:.2f} | {peak:,.0f} | {first['kept']} | {first['verdicts']} |"
            )


if __name__ == "__main__":
    main()
