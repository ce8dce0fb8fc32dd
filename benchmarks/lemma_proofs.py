"""How far the model's lemmas carry an at-most-once proof, and what each proof costs.

    PYTHONPATH=. python3 benchmarks/lemma_proofs.py [--runs 3] [--timeout 300] [SPEC:MESSAGES[:BROKERS] ...]

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
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from mqcheck.engines.houdini import property_clauses, strengthen
from mqcheck.engines.inductive_check import check_invariant
from mqcheck.ir.system import Invariant
from mqcheck.run import compile_spec
from mqcheck.spec.load import load_spec_text

ROOT = Path(__file__).resolve().parents[1]
COMMIT_FIRST = ROOT / "specs" / "durable-commit-before-processing.yaml"
DEFAULT_POINTS = [
    *(f"{COMMIT_FIRST}:{m}" for m in range(2, 7)),
    f"{COMMIT_FIRST}:2:5",
    f"{COMMIT_FIRST}:3:5",
]


def spec_text(path: Path, brokers: int | None) -> str:
    """The spec, with `brokers` brokers and that replication factor when given."""
    if brokers is None:
        return path.read_text()
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    data["cluster"]["brokers"] = brokers
    for topic in data["topics"].values():
        topic["replication.factor"] = brokers
    data.pop("expect", None)
    return yaml.safe_dump(data, sort_keys=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("points", nargs="*", metavar="SPEC:MESSAGES[:BROKERS]")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    print(
        "| spec | messages | brokers | vars | actions | candidates | after sample | kept | "
        "queries | Houdini s | check s | holds |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|")
    for point in args.points or DEFAULT_POINTS:
        path_text, messages_text, *rest = point.split(":")
        path, messages = Path(path_text), int(messages_text)
        brokers = int(rest[0]) if rest else None
        loaded = load_spec_text(spec_text(path, brokers), str(path))
        if loaded.spec is None:
            print(f"{point}: {loaded.errors[0]}", file=sys.stderr)
            return 2
        system = compile_spec(loaded.spec, ["at-most-once"], messages)
        g = system.guarantee("at-most-once")
        assert isinstance(g, Invariant)
        required = property_clauses(g.bad) or ()
        houdini: list[float] = []
        check: list[float] = []
        holds = "no"
        out = None
        for _ in range(args.runs):
            out = strengthen(
                system, system.lemma_candidates, required, time.perf_counter() + args.timeout
            )
            if out is None:
                break
            houdini.append(out.seconds)
            t = time.perf_counter()
            ok = bool(out.kept) and check_invariant(system, g.bad, out.kept, args.timeout).ok
            check.append(time.perf_counter() - t)
            holds = "yes" if ok else "no"
        if out is None:
            print(f"| {path.stem} | {messages} | {brokers or '-'} | timeout | | | | | | | | |")
            continue
        row = [
            path.stem, str(messages), str(brokers or loaded.spec.brokers),
            str(len(system.variables)), str(len(system.actions)), f"{out.candidates:,}",
            f"{out.after_sample:,}", f"{len(out.kept):,}", str(out.queries),
            f"{statistics.median(houdini):.1f}", f"{statistics.median(check):.1f}", holds,
        ]  # fmt: skip
        print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
