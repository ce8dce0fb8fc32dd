"""One big search in one process, split over local worker processes, and with its shards on
the workers of a Dask `LocalCluster`, side by side: states, seconds, peak memory of the
coordinator and of each worker, and whether the answers are identical (verdicts, counts,
counterexample steps).

    python3 benchmarks/dask_shards.py [--runs 3] [--shards 2] [CASE ...]

A CASE is SPEC[:MESSAGES]; without cases, durable-baseline at 3 messages. Each run is a
fresh process; the three configurations alternate, so a noisy neighbour slows all alike;
seconds are medians of the search alone (the cluster's start-up is reported apart).
Needs `pip install 'mqcheck[dask]'`. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import hashlib, json, resource, sys, time
from mqcheck.engines.explicit import Limits
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.run import compile_spec, requested_guarantees
from mqcheck.spec.load import load_spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.steps import with_traces

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

if __name__ == "__main__":
    path, mode, shards, messages = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    spec = load_spec(path).spec
    wanted = requested_guarantees(spec, None)
    system = compile_spec(spec, wanted, int(messages) if messages != "-" else None)
    limits = Limits(max_states=spec.check.max_states, timeout_s=3600)
    startup, workers_mb, factory, client = 0.0, [], None, None
    if mode == "dask":
        from distributed import Client, LocalCluster
        from mqcheck.engines.dask_pool import DaskPool
        t = time.perf_counter()
        cluster = LocalCluster(n_workers=shards, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        startup = time.perf_counter() - t
        factory = lambda model, parts: DaskPool(client, model, parts)
    n = 1 if mode == "one" else shards
    checker = FrontierChecker(system, limits, early=True, workers=n, subsume=True,
                              pool_factory=factory)
    t = time.perf_counter()
    results = with_traces(system, checker.check(wanted))
    seconds = time.perf_counter() - t
    if client is not None:
        workers_mb = sorted(client.run(peak_mb).values())
        client.close(); cluster.close()
    elif mode == "processes":
        workers_mb = [resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]
    answer = [
        (r.guarantee, r.verdict, r.reason, r.stats.states, r.stats.transitions, r.stats.depth,
         [step_json(s) for s in r.counterexample.steps] if r.counterexample else None)
        for r in results
    ]
    r = results[0]
    print(json.dumps({
        "states": r.stats.states, "seconds": seconds, "startup": startup,
        "coordinator_mb": peak_mb(), "workers_mb": workers_mb, "shards": checker.shards_used,
        "answer": hashlib.sha256(json.dumps(answer, default=str).encode()).hexdigest()[:12],
        "verdicts": " ".join(f"{x.guarantee}={x.verdict}" for x in results),
    }))
"""

MODES = ("one", "processes", "dask")
LABEL = {"one": "one process", "processes": "local processes", "dask": "Dask LocalCluster"}


def run(path: str, mode: str, shards: int, messages: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, path, mode, str(shards), messages],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("cases", nargs="*", default=["examples/durable-baseline.yaml:3"])
    args = ap.parse_args()
    print(
        "| spec | msgs | where | shards | states | s (median) | start-up s | "
        "coordinator MB | worker MB | answer | verdicts |"
    )
    print("|---|---|---|--:|--:|--:|--:|--:|---|---|---|")
    for case in args.cases:
        path, _, messages = case.partition(":")
        got: dict[str, list[dict[str, object]]] = {m: [] for m in MODES}
        for _ in range(args.runs):
            for mode in MODES:
                got[mode].append(run(path, mode, args.shards, messages or "-"))
        base = got["one"][0]["answer"]
        for mode in MODES:
            rows = got[mode]
            last = rows[-1]
            secs = statistics.median(float(r["seconds"]) for r in rows)  # type: ignore[arg-type]
            start = statistics.median(float(r["startup"]) for r in rows)  # type: ignore[arg-type]
            wmb = ", ".join(f"{x:.0f}" for x in last["workers_mb"]) or "-"  # type: ignore[attr-defined]
            same = "identical" if all(r["answer"] == base for r in rows) else "DIFFERS"
            print(
                f"| {Path(path).stem} | {messages or '-'} | {LABEL[mode]} | {last['shards']} | "
                f"{last['states']:,} | {secs:.2f} | {start:.2f} | "
                f"{float(last['coordinator_mb']):.0f} | {wmb} | {same} | {last['verdicts']} |"
            )  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
