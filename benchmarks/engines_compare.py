"""Time to verdict of the explicit and the Z3 engine on the specs in specs/.

    python benchmarks/engines_compare.py [--z3-timeout 60] [--max-vars 40] [SPEC...]

Both engines check the spec's own guarantees on the same compiled transition system. The
Z3 engine gets `--z3-timeout` seconds per spec (shared among its guarantees); specs whose
model has more than `--max-vars` variables are skipped for Z3. Prints a markdown table, one
row per spec: the verdicts of each engine (h = holds, v = violated, ? = unknown), their
times, and whether they agree wherever both decided; then the totals.
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.symbolic import SymbolicLimits, Z3Checker
from mqcheck.model.compile import UnsupportedSpec
from mqcheck.run import compile_spec, requested_guarantees
from mqcheck.spec.load import load_spec

SHORT = {"holds": "h", "violated": "v", "unknown": "?"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*")
    parser.add_argument("--z3-timeout", type=float, default=60.0)
    parser.add_argument("--max-vars", type=int, default=40)
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    paths = args.specs or sorted(glob.glob(str(root / "specs" / "*.yaml")))
    print("| spec | vars | acts | explicit | s | z3 | s | agree |")
    print("|---|--:|--:|--:|--:|--:|--:|:-:|")
    totals = {"explicit": 0.0, "z3": 0.0}
    decided = agreed = disagreed = 0
    for path in paths:
        loaded = load_spec(path)
        if loaded.spec is None:
            continue
        spec = loaded.spec
        wanted = requested_guarantees(spec, None)
        try:
            system = compile_spec(spec, wanted)
        except UnsupportedSpec:
            continue
        t = time.perf_counter()
        explicit = ExplicitChecker(system, Limits(timeout_s=600)).check(wanted)
        te = time.perf_counter() - t
        ev = "".join(SHORT[r.verdict] for r in explicit)
        if len(system.variables) > args.max_vars:
            zv, tz_text, agree = "skipped", "-", "-"
        else:
            t = time.perf_counter()
            symbolic = Z3Checker(system, SymbolicLimits(timeout_s=args.z3_timeout)).check(wanted)
            tz = time.perf_counter() - t
            totals["z3"] += tz
            zv = "".join(SHORT[r.verdict] for r in symbolic)
            tz_text = f"{tz:.2f}"
            both = [
                (a.verdict, b.verdict)
                for a, b in zip(explicit, symbolic, strict=True)
                if "unknown" not in (a.verdict, b.verdict)
            ]
            decided += sum(1 for r in symbolic if r.verdict != "unknown")
            ok = all(a == b for a, b in both)
            agreed += ok
            disagreed += not ok
            agree = "yes" if ok else "NO"
        totals["explicit"] += te
        name = Path(path).stem
        print(
            f"| {name} | {len(system.variables)} | {len(system.actions)} | {ev} | "
            f"{te:.2f} | {zv} | {tz_text} | {agree} |",
            flush=True,
        )
    print()
    print(
        f"Total: explicit {totals['explicit']:.1f} s, z3 {totals['z3']:.1f} s "
        f"(z3 capped at {args.z3_timeout:g} s per spec); z3 decided {decided} guarantee(s); "
        f"specs agreeing {agreed}, disagreeing {disagreed}."
    )
    return 1 if disagreed else 0


if __name__ == "__main__":
    sys.exit(main())
