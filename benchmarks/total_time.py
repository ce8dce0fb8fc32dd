"""Every shipped spec at its own bounds, the reference engine against what `mqcheck check`
runs (the frontier engine with fault-budget subsumption): the total time, side by side.

    PYTHONPATH=. python3 benchmarks/total_time.py [--runs 3] [--engines reference,subsumed]

Each spec of examples/ and specs/ is checked in a fresh process per engine (the child of
benchmarks/frontier_vs_reference.py: the search's own seconds, not process start), the
engines alternating so both see the same load; per spec the median of `--runs` runs.
Prints one row per spec with each engine's seconds and verdicts (they must agree), then
the totals and their ratio.
"""

from __future__ import annotations

import argparse
import glob
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from frontier_vs_reference import ROOT, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="reference,subsumed")
    args = parser.parse_args()
    engines = args.engines.split(",")
    paths = sorted(glob.glob(str(ROOT / "examples" / "*.yaml")))
    paths += sorted(glob.glob(str(ROOT / "specs" / "*.yaml")))
    totals = dict.fromkeys(engines, 0.0)
    print("| spec | " + " | ".join(f"{e} s" for e in engines) + " | verdicts agree |")
    print("|---|" + "---:|" * len(engines) + "---|")
    for path in paths:
        seconds: dict[str, list[float]] = {e: [] for e in engines}
        verdicts: dict[str, str] = {}
        for _ in range(args.runs):
            for e in engines:
                out = run(Path(path), e, "-", 0)
                seconds[e].append(float(str(out["seconds"])))
                verdicts[e] = str(out["verdicts"])
        medians = {e: statistics.median(seconds[e]) for e in engines}
        for e in engines:
            totals[e] += medians[e]
        agree = "yes" if len(set(verdicts.values())) == 1 else "NO: " + str(verdicts)
        cells = " | ".join(f"{medians[e]:.2f}" for e in engines)
        print(f"| {Path(path).stem} | {cells} | {agree} |", flush=True)
    cells = " | ".join(f"**{totals[e]:.1f}**" for e in engines)
    print(f"| total ({len(paths)} specs) | {cells} | |")
    base = totals[engines[0]]
    for e in engines[1:]:
        print(f"\n{e} / {engines[0]}: {totals[e] / base:.3f}")


if __name__ == "__main__":
    main()
