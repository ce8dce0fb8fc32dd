"""The lean at-least-once graph (one fault-free edge per state, mqcheck.engines.lean_graph)
gives the reference engine's answers: verdicts, counts and counterexample steps, with and
without shards and early verdicts, on random specs; its parts on their own; and the bytes a
state it keeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mqcheck.engines.frontier as frontier
from mqcheck.api import load
from mqcheck.engines.explicit import Limits
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.engines.lean_graph import follow, merge_best, policy
from mqcheck.model.compile import build
from mqcheck.result import GuaranteeResult
from mqcheck.spec.schema import Spec
from tests.engines.test_frontier import GUARANTEES, _summary
from tests.engines.test_shards import _sharded_answers
from tests.factories import make_spec
from tests.strategies import small_specs

SPECS = Path(__file__).resolve().parents[2] / "specs"


def test_follow_settles_chains_that_meet_a_target_and_no_others() -> None:
    # 0 -> 1 -> 2 (target); 3 -> 4 -> 3 (a cycle); 5 (dead end); 6 -> 5; 7 -> 0
    step = np.array([1, 2, 2, 4, 3, 5, 5, 0], dtype=np.int32)
    targets = np.zeros(8, dtype=bool)
    targets[2] = True
    assert follow(step, targets).tolist() == [True, True, True, False, False, False, False, True]


def test_follow_on_a_long_chain() -> None:
    n = 1000
    step = np.minimum(np.arange(n) + 1, n - 1).astype(np.int32)
    targets = np.zeros(n, dtype=bool)
    targets[-1] = True
    assert follow(step, targets).all()
    targets[-1] = False
    assert not follow(step, targets).any()


def test_merge_best_keeps_the_deepest_then_latest_successor() -> None:
    depth = np.array([0, 1, 1, 2, 2])
    alt = np.full(5, -1, dtype=np.int32)
    merge_best(alt, np.array([0, 0, 1]), np.array([1, 2, 2]), lambda i: depth[i])
    assert alt.tolist() == [2, 2, -1, -1, -1]
    # a later batch (another shard's edges of the same sources)
    merge_best(alt, np.array([0, 1]), np.array([3, 1]), lambda i: depth[i])
    assert alt.tolist() == [3, 2, -1, -1, -1]


def test_policy_prefers_a_tree_child() -> None:
    parent = np.array([-1, 0, 0, 1])
    via = np.array([0, 1, 2, 1])
    is_fault = np.array([0, 0, 1])  # action 2 is a fault: state 2 is no fault-free child
    depth = np.array([0, 1, 1, 2])
    alt = np.array([-1, -1, 1, -1], dtype=np.int32)
    assert policy(parent, via, is_fault, alt, depth).tolist() == [1, 3, 1, 3]


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    small_specs(),
    st.sampled_from([1, 2]),
    st.booleans(),
    st.sampled_from([300, 20_000]),
    st.sampled_from([0, 50]),
)
def test_lean_graph_gives_the_reference_answers(
    spec: Spec, workers: int, early: bool, cap: int, lean_from: int
) -> None:
    _sharded_answers(spec, workers, 0, 37, cap, early, lean_from)


def _checker(lean_from: int) -> tuple[FrontierChecker, list[GuaranteeResult]]:
    spec = make_spec(rf=3, min_isr=2, faults={"broker_crash": 1, "consumer_crash": 1})
    system = build(spec, GUARANTEES)
    checker = FrontierChecker(
        system, Limits(max_states=50_000), tuple_states=0, lean_from=lean_from
    )
    return checker, checker.check(GUARANTEES)


def test_lean_graph_keeps_at_most_24_bytes_per_state_with_at_least_once() -> None:
    lean, got = _checker(0)
    full, want = _checker(10**9)
    assert [r.verdict for r in got] == [r.verdict for r in want]
    assert got[0].stats.states > 1000
    # 24 bytes a state plus 16 per run of states (depth and fault level): 0.05 B here
    assert 0 < lean.bytes_per_state < 24.1 < full.bytes_per_state


def test_the_states_the_policy_leaves_are_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    """The exact second step runs (some states' policy chains miss the goal), so the
    random-spec test above compares it, not just the policy."""
    rebuilt: list[int] = []
    real = frontier.rebuild

    def spy(*args: Any) -> Any:
        rebuilt.append(len(args[-1]))
        return real(*args)

    monkeypatch.setattr(frontier, "rebuild", spy)
    system = build(load(SPECS / "last-replica-standing-elr.yaml"), ("at-least-once",))
    checker = FrontierChecker(system, Limits(), tuple_states=0, lean_from=0)
    want = FrontierChecker(system, Limits(), tuple_states=0, lean_from=10**9)
    assert [_summary(r) for r in checker.check(("at-least-once",))] == [
        _summary(r) for r in want.check(("at-least-once",))
    ]
    assert rebuilt and max(rebuilt) > 0
