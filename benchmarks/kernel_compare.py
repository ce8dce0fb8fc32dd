"""The frontier engine with and without its numba kernel (mqcheck.engines.kernel), side by
side: wall and CPU seconds of the search, states/s, medians of a few runs.

    python3 benchmarks/kernel_compare.py [--runs 5] [--kernel-from N] [CASE ...]

A CASE is SPEC[:MESSAGES[:MAX_STATES]]; without cases, durable-baseline at 2 messages, at 3
messages with a 2,000,000-state limit and with the default 5,000,000, and the five largest
specs of specs/. Each run is a fresh process (so numba's loading is paid as a user pays it)
with one worker; "numpy" runs set MQCHECK_NUMBA=0, "numba" runs leave it on, in turn (numpy,
numba, numpy, ...) so a drift of the machine's speed hits both alike. CPU seconds are the
process's own (user + system during the search), steadier than wall time on a loaded
machine. `--kernel-from` overrides when the kernel is loaded (default: the engine's
KERNEL_FROM parents). Prints a Markdown table; exits non-zero if the two disagree on states
or verdicts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "examples"
LARGEST = (
    "last-replica-standing-elr",
    "streams-at-least-once-2-8-acks1",
    "transactional-abort-read-uncommitted",
    "last-replica-standing-no-elr",
    "pipeline-payments-effectively-once",
)

CHILD = r"""
import json, sys, time
from mqcheck.engines.explicit import Limits
from mqcheck.engines.expand import KERNEL_FROM
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.run import compile_spec, requested_guarantees
from mqcheck.spec.load import load_spec

path, messages, max_states, kernel_from = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
spec = load_spec(path).spec
wanted = requested_guarantees(spec, None)
system = compile_spec(spec, wanted, int(messages) if messages != "-" else None)
limits = Limits(max_states=max_states or spec.check.max_states, timeout_s=3600)
checker = FrontierChecker(system, limits, kernel_from=kernel_from if kernel_from >= 0 else KERNEL_FROM)
wall, cpu = time.perf_counter(), time.process_time()
results = checker.check(wanted)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({
    "states": results[0].stats.states, "wall": wall, "cpu": cpu,
    "kernel": checker.expander._assembler is not None,
    "verdicts": " ".join(f"{x.guarantee}={x.verdict}" for x in results),
}))
"""


def run(
    path: Path, messages: str, max_states: int, numba: bool, kernel_from: int
) -> dict[str, object]:
    env = dict(os.environ, MQCHECK_NUMBA="1" if numba else "0")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), messages, str(max_states), str(kernel_from)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env=env,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def cases(args: argparse.Namespace) -> list[tuple[Path, str, int]]:
    if args.cases:
        out = []
        for case in args.cases:
            parts = case.split(":")
            spec, messages, states = (parts + ["-", "0"][len(parts) - 1 :])[:3]
            out.append((Path(spec), messages, int(states)))
        return out
    durable = SHARED / "durable-baseline.yaml"
    return [
        (durable, "2", 0),
        (durable, "3", 2_000_000),
        (durable, "3", 0),
        *((ROOT / "specs" / f"{name}.yaml", "-", 0) for name in LARGEST),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cases", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kernel-from", type=int, default=-1)
    args = parser.parse_args()
    print(
        "| spec | msgs | states | numpy wall s | numba wall s | numpy CPU s | numba CPU s |"
        " numpy states/CPU-s | numba states/CPU-s | CPU ratio | kernel | verdicts |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    agree = True
    for path, messages, max_states in cases(args):
        runs: dict[bool, list[dict[str, object]]] = {False: [], True: []}
        for _ in range(args.runs):
            for numba in (False, True):
                runs[numba].append(run(path, messages, max_states, numba, args.kernel_from))
        wall = {k: statistics.median(float(r["wall"]) for r in v) for k, v in runs.items()}  # type: ignore[arg-type]
        cpu = {k: statistics.median(float(r["cpu"]) for r in v) for k, v in runs.items()}  # type: ignore[arg-type]
        states = int(runs[False][0]["states"])  # type: ignore[call-overload]
        verdicts = {(r["states"], r["verdicts"]) for v in runs.values() for r in v}
        agree = agree and len(verdicts) == 1
        used = "yes" if all(r["kernel"] for r in runs[True]) else "no"
        print(
            f"| {path.stem} | {messages} | {states:,} | {wall[False]:.2f} | {wall[True]:.2f} |"
            f" {cpu[False]:.2f} | {cpu[True]:.2f} | {states / cpu[False]:,.0f} |"
            f" {states / cpu[True]:,.0f} | {cpu[True] / cpu[False]:.2f} | {used} |"
            f" {runs[False][0]['verdicts']}{'' if len(verdicts) == 1 else ' DISAGREE'} |",
            flush=True,
        )
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
