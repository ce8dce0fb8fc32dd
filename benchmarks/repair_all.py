"""Time to repair every violated guarantee of the specs in specs/.

    python benchmarks/repair_all.py [--max-iterations 200] [--no-exclusions] [SPEC...]

For each spec and each of its guarantees that the explicit engine finds violated, runs
`mqcheck repair` (three alternatives) and prints one row: the outcome, the cheapest repair,
how many proposals were checked (refuted by a counterexample / refused by Kafka's rules),
clauses learned, trace replays, and the wall-clock seconds. A final line sums them up.
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

from mqcheck.review.repair.render import change_text
from mqcheck.review.repair.search import Options, repair
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*")
    parser.add_argument("--max-iterations", type=int, default=200)
    parser.add_argument("--no-exclusions", action="store_true")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    paths = args.specs or sorted(glob.glob(str(root / "specs" / "*.yaml")))
    options = Options(max_iterations=args.max_iterations, exclusions=not args.no_exclusions)
    print(
        f"{'spec':<40} {'guarantee':<14} {'outcome':<9} {'alts':>4} {'props':>5} "
        f"{'ref':>4} {'inv':>3} {'repl':>5} {'s':>6}  cheapest"
    )
    total = 0.0
    outcomes: dict[str, int] = {}
    for path in paths:
        loaded = load_spec(path)
        if loaded.spec is None:
            print(f"{Path(path).stem:<40} invalid", file=sys.stderr)
            continue
        spec = loaded.spec
        checked = check_spec(spec, engine="explicit")
        for result in checked.results:
            if result.verdict != "violated":
                continue
            start = time.monotonic()
            found = repair(spec, loaded.data(), result.guarantee, options)
            seconds = time.monotonic() - start
            total += seconds
            outcomes[found.status] = outcomes.get(found.status, 0) + 1
            best = found.alternatives[0] if found.alternatives else None
            cheapest = (
                f"cost {best.cost}: " + "; ".join(change_text(c) for c in best.changes)
                if best
                else found.reason or "-"
            )
            s = found.stats
            print(
                f"{Path(path).stem:<40} {result.guarantee:<14} {found.status:<9} "
                f"{len(found.alternatives):>4} {s.proposals:>5} {s.refuted:>4} {s.refused:>3} "
                f"{s.replays:>5} {seconds:>6.1f}  {cheapest}",
                flush=True,
            )
    summary = ", ".join(f"{n} {status}" for status, n in sorted(outcomes.items()))
    print(f"total {total:.1f} s over {sum(outcomes.values())} violated guarantees: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
