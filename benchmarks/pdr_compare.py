"""Invariant guarantees the Z3 engine decides without and with IC3/PDR, side by side.

    python benchmarks/pdr_compare.py [--z3-timeout 20] [SPEC...]

For every spec in specs/ with an invariant guarantee (at-most-once, ordering), the explicit
engine's verdicts are the reference; the Z3 engine checks the same invariants twice on the
same compiled system, with `pdr=False` (BMC, completeness, k-induction: the default) and
with `pdr=True` (IC3 tried from inside the search, opt-in), each capped at `--z3-timeout`
seconds per spec. Prints a markdown table (h holds, v violated, ? unknown) and the totals;
a disagreement with the explicit engine (holds vs violated) makes the exit status 1.
`--ic3-alone` adds a column: IC3 by itself (`Z3Checker.pdr_proof`, no BMC) with the whole
cap for each invariant: h when it found an invariant that the independent check accepted,
r when it found a reachable failing state (refuted: no proof exists), ? otherwise.
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.symbolic import SymbolicLimits, Z3Checker
from mqcheck.ir.system import Invariant
from mqcheck.model.compile import UnsupportedSpec
from mqcheck.run import compile_spec, requested_guarantees
from mqcheck.spec.load import load_spec

SHORT = {"holds": "h", "violated": "v", "unknown": "?"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*")
    parser.add_argument("--z3-timeout", type=float, default=20.0)
    parser.add_argument("--ic3-alone", action="store_true")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    paths = args.specs or sorted(glob.glob(str(root / "specs" / "*.yaml")))
    head = "| spec | invariants | explicit | z3 before | s | z3 + IC3 | s | IC3 invariant |"
    rule = "|---|---|--:|--:|--:|--:|--:|---|"
    if args.ic3_alone:
        head += " IC3 alone | s | clauses |"
        rule += "--:|--:|---|"
    print(head)
    print(rule)
    alone = 0
    decided = {False: 0, True: 0}
    seconds = {False: 0.0, True: 0.0}
    total = disagreements = 0
    for path in paths:
        loaded = load_spec(path)
        if loaded.spec is None:
            continue
        wanted = requested_guarantees(loaded.spec, None)
        try:
            system = compile_spec(loaded.spec, wanted)
        except UnsupportedSpec:
            continue
        names = [g.guarantee for g in system.checked(wanted) if isinstance(g, Invariant)]
        if not names:
            continue
        total += len(names)
        explicit = ExplicitChecker(system, Limits(timeout_s=600)).check(names)
        row = [Path(path).stem, ",".join(names), "".join(SHORT[r.verdict] for r in explicit)]
        sizes = []
        for pdr in (False, True):
            t = time.perf_counter()
            limits = SymbolicLimits(timeout_s=args.z3_timeout, pdr=pdr)
            found = Z3Checker(system, limits).check(names)
            dt = time.perf_counter() - t
            seconds[pdr] += dt
            decided[pdr] += sum(r.verdict != "unknown" for r in found)
            for e, z in zip(explicit, found, strict=True):
                if {e.verdict, z.verdict} == {"holds", "violated"}:
                    disagreements += 1
            row += ["".join(SHORT[r.verdict] for r in found), f"{dt:.2f}"]
            if pdr:
                sizes = [
                    r.reason.split(" clause(s)")[0].split()[-1]
                    for r in found
                    if "IC3/PDR" in r.reason
                ]
        row.append(", ".join(f"{n} clauses" for n in sizes) or "-")
        if args.ic3_alone:
            marks, counts = "", []
            t = time.perf_counter()
            for name in names:
                g = system.guarantee(name)
                assert isinstance(g, Invariant)
                checker = Z3Checker(system, SymbolicLimits(timeout_s=args.z3_timeout))
                end = time.perf_counter() + args.z3_timeout
                checker.begin(end)
                proof, _, refuted = checker.pdr_proof(g, end)
                marks += "h" if proof else "r" if refuted else "?"
                alone += bool(proof)
                if proof:
                    counts.append(proof.split(" clause(s)")[0].split()[-1])
            row += [marks, f"{time.perf_counter() - t:.2f}", ", ".join(counts) or "-"]
        print("| " + " | ".join(row) + " |", flush=True)
    print()
    print(
        f"Invariant guarantees: {total}; z3 decided {decided[False]} before "
        f"({seconds[False]:.1f} s), {decided[True]} with IC3 ({seconds[True]:.1f} s), "
        f"capped at {args.z3_timeout:g} s per spec; disagreements with explicit: {disagreements}."
        + (f" IC3 alone proved {alone}." if args.ic3_alone else "")
    )
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
