"""How far the model's lemmas carry an at-most-once proof, and what each proof costs.

    PYTHONPATH=. python3 benchmarks/lemma_proofs.py [--runs 3] [--timeout 300] [--library]
        [SPEC:MESSAGES[:BROKERS] ...]

Default points: `specs/durable-commit-before-processing.yaml` at 2 to 6 messages and on
five brokers (replication factor 5, min.insync.replicas as shipped) at 2 and 3 messages.
Each point is compiled once; then, `--runs` times, Houdini runs over the model's candidate
lemmas (mqcheck.engines.houdini.strengthen) and the independent solver re-checks what it
kept (mqcheck.engines.inductive_check.check_invariant). Prints a Markdown table: the model's
size, the candidates offered, those left after the sampled reachable states refuted what
they could, those kept, Houdini's solver queries, then the median seconds of Houdini and of
the check, and whether the check accepted the invariant (so that at-most-once holds). The
same proof is what `mqcheck check SPEC --messages M --engine z3 --guarantee at-most-once`
reports, and what `mqcheck check` without `--engine` falls back on when the explicit search
stops at its limit.

`--library`: instead, every spec of `examples/` and `specs/` that checks at-most-once, at its
own bound (MESSAGES 0), one run each; the last column says why there is no proof.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from z3_beyond_enumeration import five_brokers

from mqcheck.engines.houdini import property_clauses, strengthen
from mqcheck.engines.inductive_check import check_invariant
from mqcheck.ir.system import Invariant
from mqcheck.model.compile import UnsupportedSpec
from mqcheck.run import compile_spec
from mqcheck.spec.load import load_spec_text

ROOT = Path(__file__).resolve().parents[1]
COMMIT_FIRST = ROOT / "specs" / "durable-commit-before-processing.yaml"
DEFAULT_POINTS = [
    *(f"{COMMIT_FIRST}:{m}" for m in range(2, 7)),
    f"{COMMIT_FIRST}:2:5",
    f"{COMMIT_FIRST}:3:5",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("points", nargs="*", metavar="SPEC:MESSAGES[:BROKERS]")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--library", action="store_true")
    args = parser.parse_args(argv)
    points = args.points or DEFAULT_POINTS
    if args.library:
        args.runs = 1
        paths = sorted((ROOT / "examples").glob("*.yaml")) + sorted((ROOT / "specs").glob("*.yaml"))
        points = [f"{p}:0" for p in paths]
    print(
        "| spec | messages | brokers | vars | actions | candidates | after sample | kept | "
        "queries | Houdini s | check s | holds | why not |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|---|")
    proved = tried = 0
    for point in points:
        path_text, messages_text, *rest = point.split(":")
        path, messages = Path(path_text), int(messages_text)
        brokers = int(rest[0]) if rest else None
        text = path.read_text() if brokers is None else five_brokers(path, brokers)
        loaded = load_spec_text(text, str(path))
        if loaded.spec is None:
            print(f"{point}: {loaded.errors[0]}", file=sys.stderr)
            return 2
        if "at-most-once" not in loaded.spec.checked_guarantees():
            continue
        try:
            system = compile_spec(loaded.spec, ["at-most-once"], messages or None)
        except UnsupportedSpec as why:  # not modelled: nothing to prove
            print(f"| {path.stem} | - | - | not modelled: {str(why)[:60]} |||||||||")
            continue
        g = system.guarantee("at-most-once")
        assert isinstance(g, Invariant)
        required = property_clauses(g.bad) or ()
        houdini: list[float] = []
        check: list[float] = []
        holds, why_not = "no", ""
        out = None
        tried += 1
        for _ in range(args.runs):
            out = strengthen(
                system, system.lemma_candidates, required, time.perf_counter() + args.timeout
            )
            if out is None:
                break
            houdini.append(out.seconds)
            t = time.perf_counter()
            verdict = check_invariant(system, g.bad, out.kept, args.timeout) if out.kept else None
            check.append(time.perf_counter() - t)
            holds = "yes" if verdict is not None and verdict.ok else "no"
            why_not = out.why_not or (verdict.reason if verdict is not None else "")
        if out is None:
            print(f"| {path.stem} | {messages} | {brokers or '-'} | timeout | | | | | | | | | |")
            continue
        proved += holds == "yes"
        row = [
            path.stem, str(messages or loaded.spec.check.messages), str(brokers or loaded.spec.brokers),
            str(len(system.variables)), str(len(system.actions)), f"{out.candidates:,}",
            f"{out.after_sample:,}", f"{len(out.kept):,}", str(out.queries),
            f"{statistics.median(houdini):.1f}", f"{statistics.median(check):.1f}", holds,
            why_not,
        ]  # fmt: skip
        print("| " + " | ".join(row) + " |", flush=True)
    print(f"\nProved: {proved} of {tried}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
