"""Compile cost against spec size: grounded actions, estimated and generated source, time and
peak memory of `model.compile.build` and `ir.compile_py.compile_system`, for specs growing
in messages, fault budgets, topics and producers, including issue 19's 50-line spec.

    python benchmarks/compile_cost.py [--no-limit] [--memory-gb G]

Each case runs in a fresh process (peak memory is per case) whose address space is capped
at G GB (default 3): a case that needs more reports MemoryError instead of taking the
machine with it. With --no-limit the model's size limits (MAX_ACTIONS, MAX_SOURCE_BYTES in
model/compile.py) are lifted, to show what they prevent. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from mqcheck.spec.load import load_spec_text
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.ir.compile_py import compile_system, source_bytes_estimate
from mqcheck.engines.explicit import peak_rss_mb
spec = load_spec_text(sys.stdin.read()).spec
unlimited = sys.argv[1] == "unlimited"
limits = {"max_actions": 10**9, "max_source_bytes": 10**12} if unlimited else {}
out = {}
t = time.perf_counter()
try:
    system = build(spec, spec.checked_guarantees(), **limits)
except UnsupportedSpec as why:
    out.update(unknown=str(why), build_s=time.perf_counter() - t, peak_mb=peak_rss_mb())
    print(json.dumps(out)); sys.exit()
out["build_s"] = time.perf_counter() - t
out["actions"] = len(system.actions)
out["estimate_mb"] = source_bytes_estimate(system) / 2**20
out["build_mb"] = peak_rss_mb()
print(json.dumps(out), flush=True)
t = time.perf_counter()
compiled = compile_system(system)
out["compile_s"] = time.perf_counter() - t
out["source_mb"] = len(compiled.source) / 2**20
out["peak_mb"] = peak_rss_mb()
print(json.dumps(out))
"""

ISSUE_19 = """\
mqcheck: 1
name: streams-eos-beta-power-loss
kafka_version: 3.0.0
cluster: {brokers: 3}
broker: {log.flush.interval.messages: 9223372036854775807}
topics:
  orders: {partitions: 1, replication.factor: 3, min.insync.replicas: 3}
  enriched: {partitions: 1, replication.factor: 3, min.insync.replicas: 2,
             flush.messages: 9223372036854775807}
producers:
  checkout: {topic: orders, acks: 0, enable.idempotence: false, delivery.timeout.ms: 300000,
             app: {waits_for_result: true, on_send_error: drop}}
processors:
  enricher: {from: orders, to: enriched, group.id: enricher, processing.guarantee: exactly_once_beta}
consumers:
  billing: {topic: enriched, enable.auto.commit: false, auto.offset.reset: earliest,
            app: {commit: after_processing, processing: sync, joins: before_production}}
faults: {processor_crash: 1, broker_power_loss: 1, produce_request_lost: 2, broker_crash: 1,
         follower_lag: true}
check: {messages: 2}
"""


def spec_text(
    messages: int,
    faults: dict[str, int],
    processor: bool = False,
    producers: int = 1,
    acks: int = -1,
) -> str:
    """A pipeline on RF-3 topics: `producers` producers on `orders`, optionally an
    exactly-once processor into `enriched`, one consumer of the last topic."""
    last = "enriched" if processor else "orders"
    lines = [
        "mqcheck: 1",
        "name: compile-cost",
        "kafka_version: 3.7.0",
        "cluster: {brokers: 3}",
        "topics:",
        "  orders: {partitions: 1, replication.factor: 3, min.insync.replicas: 2}",
    ]
    if processor:
        lines.append("  enriched: {partitions: 1, replication.factor: 3, min.insync.replicas: 2}")
    lines.append("producers:")
    lines += [f"  p{i}: {{topic: orders, acks: {acks}}}" for i in range(producers)]
    if processor:
        lines += [
            "processors:",
            "  enricher: {from: orders, to: enriched, group.id: enricher,",
            "             processing.guarantee: exactly_once_v2}",
        ]
    lines += [
        "consumers:",
        f"  billing: {{topic: {last}, enable.auto.commit: false,",
        "            app: {commit: after_processing, processing: sync}}",
        "faults: {" + ", ".join(f"{k}: {v}" for k, v in faults.items()) + "}",
        f"check: {{messages: {messages}}}",
    ]
    return "\n".join(lines) + "\n"


CASES: list[tuple[str, str]] = [
    *(
        (f"1 topic, messages {m}, broker_crash 1", spec_text(m, {"broker_crash": 1}))
        for m in (1, 2, 3, 4)
    ),
    ("1 topic, messages 2, broker_crash 2", spec_text(2, {"broker_crash": 2})),
    (
        "1 topic, messages 2, crash 1 + power loss 1",
        spec_text(2, {"broker_crash": 1, "broker_power_loss": 1}),
    ),
    (
        "1 topic, messages 2, crash 1 + power loss 1 + request lost 2",
        spec_text(2, {"broker_crash": 1, "broker_power_loss": 1, "produce_request_lost": 2}),
    ),
    (
        "2 topics (EOS processor), messages 1, crash 1",
        spec_text(1, {"broker_crash": 1, "processor_crash": 1}, processor=True),
    ),
    (
        "2 topics (EOS processor), messages 2, crash 1",
        spec_text(2, {"broker_crash": 1, "processor_crash": 1}, processor=True),
    ),
    (
        "2 topics (EOS processor), messages 2, crash 1 + power loss 1",
        spec_text(
            2, {"broker_crash": 1, "broker_power_loss": 1, "processor_crash": 1}, processor=True
        ),
    ),
    (
        "2 topics (EOS processor), messages 3, three budgets of 2",
        spec_text(
            3,
            {"broker_crash": 2, "produce_request_lost": 2, "processor_crash": 2},
            processor=True,
        ),
    ),
    (
        "20 acks=0 producers, messages 1, request lost 1",
        spec_text(1, {"produce_request_lost": 1}, producers=20, acks=0),
    ),
    ("issue 19's 50-line spec (EOS beta, power loss)", ISSUE_19),
]


def run_case(text: str, unlimited: bool, memory_gb: float, timeout_s: float) -> dict[str, object]:
    cap = int(memory_gb * 2**30)

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, "unlimited" if unlimited else "limited"],
            input=text,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=timeout_s,
            preexec_fn=limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout_s:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    row: dict[str, object] = json.loads(lines[-1]) if lines else {}
    if proc.returncode != 0:
        why = "MemoryError" if "MemoryError" in proc.stderr else proc.stderr.strip()[-200:]
        row["error"] = f"{why} (address space {memory_gb:g} GB)"
    return row


def _cell(row: dict[str, object], key: str, fmt: str) -> str:
    value = row.get(key)
    return format(value, fmt) if isinstance(value, (int, float)) else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-limit", action="store_true", help="lift the model size limits")
    parser.add_argument("--memory-gb", type=float, default=3.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    print(
        "| spec | actions | build s | estimate MiB | source MiB | compile s | peak MiB | outcome |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, text in CASES:
        row = run_case(text, args.no_limit, args.memory_gb, args.timeout)
        outcome = row.get("error") or (
            f"unknown: {row['unknown']}" if "unknown" in row else "compiled"
        )
        print(
            f"| {name} | {_cell(row, 'actions', ',')} | {_cell(row, 'build_s', '.2f')} "
            f"| {_cell(row, 'estimate_mb', '.1f')} | {_cell(row, 'source_mb', '.1f')} "
            f"| {_cell(row, 'compile_s', '.2f')} | {_cell(row, 'peak_mb', ',.0f')} | {outcome} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
