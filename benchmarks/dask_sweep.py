"""A 24-point sweep over the settings the shared examples vary (acks, min.insync.replicas,
unclean.leader.election.enable, flush.messages), checked one point after another and on a
local Dask cluster, side by side: seconds (medians), speed-up, and whether the two tables
are identical.

    python3 benchmarks/dask_sweep.py [--runs 3] [--workers 2] [--messages 1] [--max-states N]

Each run is `mqcheck sweep examples/durable-baseline.yaml --vary ... --format json` in a
fresh process (so the Dask run pays for starting its cluster, as a user's does), the serial
and the Dask runs alternating so a noisy neighbour slows both alike. `enable.idempotence` is
held at false so that acks 0 and 1 are points Kafka accepts. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "durable-baseline.yaml"
VARY = (
    "acks=0,1,all",
    "min.insync.replicas=1,2",
    "unclean.leader.election.enable=false,true",
    "flush.messages=1,10000",
    "enable.idempotence=false",
)


def sweep(workers: int, messages: int, max_states: int | None) -> tuple[float, str, str]:
    """One run: its wall-clock seconds, the digest of its JSON table, and the table."""
    command = [sys.executable, "-m", "mqcheck", "sweep", str(SPEC), "--format", "json"]
    for v in (*VARY, f"check.messages={messages}"):
        command += ["--vary", v]
    command += ["--workers", str(workers)]
    if max_states:
        command += ["--max-states", str(max_states)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    seconds = time.perf_counter() - started
    return seconds, hashlib.sha256(out.encode()).hexdigest()[:12], out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--messages", type=int, default=1)
    parser.add_argument("--max-states", type=int)
    args = parser.parse_args()
    serial: list[float] = []
    spread: list[float] = []
    digests: set[tuple[str, str]] = set()
    points = 0
    for _ in range(args.runs):
        s, ds, table = sweep(1, args.messages, args.max_states)
        d, dd, _ = sweep(args.workers, args.messages, args.max_states)
        serial.append(s)
        spread.append(d)
        digests.add((ds, dd))
        points = table.count('"values"')
    s_med, d_med = statistics.median(serial), statistics.median(spread)
    identical = len(digests) == 1 and next(iter(digests))[0] == next(iter(digests))[1]
    print(
        f"{points}-point sweep of {SPEC.name}, check.messages={args.messages}, {args.runs} runs each"
    )
    print()
    print(
        f"| points | serial s (median) | --workers {args.workers} s (median) | speed-up | identical |"
    )
    print("|---:|---:|---:|---:|---|")
    print(
        f"| {points} | {s_med:.1f} | {d_med:.1f} | {s_med / d_med:.2f}x | "
        f"{'yes' if identical else 'NO'} |"
    )
    print()
    print("runs (s): serial " + ", ".join(f"{x:.1f}" for x in serial))
    print(f"runs (s): --workers {args.workers} " + ", ".join(f"{x:.1f}" for x in spread))


if __name__ == "__main__":
    main()
