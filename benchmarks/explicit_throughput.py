"""Explicit engine throughput: states, states/s, peak memory and time to verdict for every
spec in specs/ and the shared examples.

    python benchmarks/explicit_throughput.py [SPEC_OR_DIR ...] [--max-states N]

Each spec runs in a fresh process so peak memory is per spec. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIRS = [ROOT / "specs", ROOT / "examples"]

CHILD = r"""
import json, sys, time
from mqcheck.spec.load import load_spec
from mqcheck.run import check_spec
from mqcheck.engines.explicit import peak_rss_mb
spec = load_spec(sys.argv[1]).spec
t = time.perf_counter()
result = check_spec(spec, max_states=int(sys.argv[2]))
elapsed = time.perf_counter() - t
r = result.results[0]
print(json.dumps({
    "states": r.stats.states, "transitions": r.stats.transitions, "seconds": elapsed,
    "verdicts": {x.guarantee: x.verdict for x in result.results}, "rss": peak_rss_mb(),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--max-states", type=int, default=5_000_000)
    args = parser.parse_args()
    specs: list[Path] = []
    for p in args.paths or DEFAULT_DIRS:
        specs.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    print("| spec | states | transitions | seconds | states/s | peak MB | verdicts |")
    print("|---|---:|---:|---:|---:|---:|---|")
    total_states, total_seconds = 0, 0.0
    for spec in specs:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(spec), str(args.max_states)],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(f"| {spec.name} | error: {out.stderr.strip().splitlines()[-1:]} | | | | | |")
            continue
        d = json.loads(out.stdout)
        rate = d["states"] / d["seconds"] if d["seconds"] else 0
        total_states += d["states"]
        total_seconds += d["seconds"]
        verdicts = ", ".join(f"{k}: {v}" for k, v in d["verdicts"].items())
        print(
            f"| {spec.name} | {d['states']:,} | {d['transitions']:,} | {d['seconds']:.2f} | "
            f"{rate:,.0f} | {d['rss']:.0f} | {verdicts} |"
        )
    if total_seconds:
        print(
            f"\nTotal: {total_states:,} states in {total_seconds:.1f} s "
            f"({total_states / total_seconds:,.0f} states/s)"
        )


if __name__ == "__main__":
    main()
