"""Partial-order reduction in the reference engine: states and seconds with and without it,
for every invariant guarantee (at-most-once, ordering) of specs/ and examples/.

    python3 benchmarks/por_compare.py [--max-states N] [--timeout S] [SPEC ...]

Each guarantee is checked on its own (the reduction depends on what the guarantee reads),
at the spec's own bounds, by `ExplicitChecker` unreduced and with `por=True`. "reduced" is
the reduced search's own state count; a violation is then re-checked without the reduction
(for the reference's counterexample), which "s (por)" includes. "factor" is unreduced over
reduced states. Prints a Markdown table and the totals.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.model.compile import UnsupportedSpec
from mqcheck.run import compile_spec
from mqcheck.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[1]
INVARIANTS = ("at-most-once", "ordering")


def _row(path: Path, guarantee: str, limits: Limits) -> list[str] | None:
    spec = load_spec(str(path)).spec
    try:
        system = compile_spec(spec, (guarantee,))
    except UnsupportedSpec:
        return None
    if not system.checked((guarantee,)):
        return None
    t = time.perf_counter()
    [full] = ExplicitChecker(system, limits).check((guarantee,))
    full_s = time.perf_counter() - t
    checker = ExplicitChecker(system, limits, por=True)
    t = time.perf_counter()
    [reduced] = checker.check((guarantee,))
    por_s = time.perf_counter() - t
    stats = checker.reduced_stats
    assert stats is not None
    verdict = (
        full.verdict if full.verdict == reduced.verdict else f"{full.verdict}/{reduced.verdict}"
    )
    factor = full.stats.states / max(stats.states, 1)
    return [
        path.stem,
        guarantee,
        verdict,
        str(full.stats.states),
        str(stats.states),
        f"{factor:.2f}",
        f"{full_s:.2f}",
        f"{por_s:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("specs", nargs="*", type=Path)
    parser.add_argument("--max-states", type=int, default=300_000)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    paths = args.specs or sorted([*ROOT.glob("specs/*.yaml"), *ROOT.glob("examples/*.yaml")])
    limits = Limits(max_states=args.max_states, timeout_s=args.timeout)
    head = ["spec", "guarantee", "verdict", "states", "reduced", "factor", "s", "s (por)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    rows = []
    for path in paths:
        for guarantee in INVARIANTS:
            row = _row(path, guarantee, limits)
            if row is not None:
                rows.append(row)
                print("| " + " | ".join(row) + " |", flush=True)
    full = sum(int(r[3]) for r in rows)
    reduced = sum(int(r[4]) for r in rows)
    held = [r for r in rows if r[2] == "holds"]
    print(
        f"\n{len(rows)} checks; states {full} unreduced, {reduced} reduced "
        f"(factor {full / max(reduced, 1):.2f}); seconds {sum(float(r[6]) for r in rows):.1f} "
        f"unreduced, {sum(float(r[7]) for r in rows):.1f} with the reduction"
    )
    if held:
        hf = sum(int(r[3]) for r in held) / max(sum(int(r[4]) for r in held), 1)
        print(
            f"{len(held)} checks that hold: factor {hf:.2f}, best {max(float(r[5]) for r in held):.2f}"
        )


if __name__ == "__main__":
    main()
