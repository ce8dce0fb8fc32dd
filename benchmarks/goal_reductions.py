"""How much two candidate at-least-once reductions would save (issue 13 item 5, issue 14's
state count), measured before either is built into the frontier engine.

    python3 benchmarks/goal_reductions.py [--max-states N]

For each spec point it enumerates the canonical states (the compiled model's successors,
broker symmetry, no fault-budget subsumption) three ways and prints a Markdown table:

- **plain**: every reachable state;
- **goal cut**: goal states of at-least-once are not expanded. Sound for at-least-once once
  every invariant guarantee is decided, *if* the goal is closed under every step (then a
  goal state's whole future is goal states, none doomed, and no path to a doomed state
  passes through one); the column "closed" is that proof
  (`mqcheck.engines.inductive_check.closed_under_steps`, one Z3 query per action that
  writes what the goal reads);
- **cut + saturation**: also the per-consumer `*_done_m*` counters capped at 1. No guard or
  update other than their own increment reads them, so capping is a bisimulation for
  at-least-once (goal ">= 1" kept); at-most-once reads ">= 2" and must be decided first.

A point that reaches --max-states is shown with "≥".
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mqcheck.api import load  # noqa: E402
from mqcheck.engines.inductive_check import closed_under_steps  # noqa: E402
from mqcheck.ir.compile_py import compile_predicate, compile_system  # noqa: E402
from mqcheck.ir.lookahead import Future  # noqa: E402
from mqcheck.ir.system import Eventually, TransitionSystem  # noqa: E402
from mqcheck.run import compile_spec  # noqa: E402

State = tuple[int, ...]
POINTS = [
    ("examples/durable-baseline.yaml", 1, {}),
    ("examples/durable-baseline.yaml", 2, {}),
    ("examples/group-two-partitions.yaml", 1, {"consumer_stall": 0}),
]


def _count(
    system: TransitionSystem, cut: bool, saturate: bool, cap: int
) -> tuple[int, bool, float]:
    compiled = compile_system(system)
    canon = Future.of(system, compiled.successors).canon
    live = system.guarantee("at-least-once")
    assert isinstance(live, Eventually)
    goal = compile_predicate(system, live.goal)
    done = [i for i, v in enumerate(system.variables) if "_done_m" in v.name]

    def norm(s: State) -> State:
        if saturate and any(s[i] > 1 for i in done):
            row = list(s)
            for i in done:
                row[i] = min(row[i], 1)
            s = tuple(row)
        return canon(s)

    start = norm(system.initial_state())
    seen, frontier, began = {start}, [start], time.perf_counter()
    while frontier and len(seen) < cap:
        nxt: list[State] = []
        for s in frontier:
            if cut and goal(s):
                continue
            for _, t in compiled.successors(s):
                c = norm(t)
                if c not in seen:
                    seen.add(c)
                    nxt.append(c)
        frontier = nxt
    return len(seen), not frontier, time.perf_counter() - began


def _cell(n: int, complete: bool) -> str:
    return f"{n:,}" if complete else f"≥ {n:,}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-states", type=int, default=8_000_000)
    args = ap.parse_args()
    rows: list[str] = []
    for path, messages, faults in POINTS:
        spec = load(ROOT / path)
        if faults:
            spec = replace(spec, faults=replace(spec.faults, **faults))
        system = compile_spec(spec, ["at-least-once", "at-most-once"], messages)
        live = system.guarantee("at-least-once")
        assert isinstance(live, Eventually)
        closed = closed_under_steps(system, live.goal, 60.0)
        n0, c0, _ = _count(system, False, False, args.max_states)
        n1, c1, _ = _count(system, True, False, args.max_states)
        n2, c2, _ = _count(system, True, True, args.max_states)
        label = (
            path.split("/")[-1] + f" m{messages}" + "".join(f" {k}={v}" for k, v in faults.items())
        )
        rows.append(
            f"| {label} | {_cell(n0, c0)} | {_cell(n1, c1)} | {_cell(n2, c2)} "
            f"| {n0 / max(n2, 1):.2f} | {'yes' if closed.ok else 'no: ' + closed.reason} |"
        )
    print("| spec | plain | goal cut | cut + saturation | factor | closed |")
    print("|---|--:|--:|--:|--:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
