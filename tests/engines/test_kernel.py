"""The numba kernel (mqcheck.engines.kernel) against the numpy path it replaces.

test_frontier.py and test_shards.py compare the frontier engine with the reference with the
kernel on when numba is installed (`kernel=None`, from the first array batch); here the same
comparisons run with the numpy path forced, so both stay covered, and the kernel's output is
compared with numpy's chunk for chunk: the same parents, actions, canonical rows, order and
fingerprints, on frontiers of random specs and on rows with negative values of every dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mqcheck.engines.expand import Chunk, Expander, numba_wanted
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.engines.visited import fingerprint
from mqcheck.ir.system import TransitionSystem
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.spec.schema import Spec
from tests.engines.test_frontier import GUARANTEES, _same_answers
from tests.engines.test_shards import _sharded_answers
from tests.factories import make_spec
from tests.strategies import small_specs

pytest.importorskip("numba")


def _expander(system: TransitionSystem, kernel: bool) -> Expander:
    checker = FrontierChecker(system, small=1, kernel=kernel, kernel_from=0)
    return checker.expander


def _layers(system: TransitionSystem, depth: int, width: int) -> list[Any]:
    """Distinct states of the first `depth` layers (at most `width` a layer)."""
    ex = _expander(system, kernel=False)
    checker = FrontierChecker(system)
    rows = np.array([checker.canon(system.initial_state())], dtype=ex.dtype)
    out = []
    for _ in range(depth):
        if not len(rows):
            break
        out.append(rows)
        rows = np.unique(ex.successors(rows).rows, axis=0)[:width]
    return out


def _same_chunk(a: Chunk, b: Chunk) -> None:
    assert b.fps is None and (a.fps is not None or not len(a.pos))  # none: no successors
    assert a.pos.tolist() == b.pos.tolist()
    assert a.act.tolist() == b.act.tolist()
    assert a.rows.dtype == b.rows.dtype and a.rows.tolist() == b.rows.tolist()
    assert a.expanded.tolist() == b.expanded.tolist() and a.limit_hit == b.limit_hit
    if a.fps is not None:
        assert a.fps.tolist() == fingerprint(b.rows).tolist()


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_specs())
def test_kernel_chunks_are_numpys(spec: Spec) -> None:
    try:
        system = build(spec, GUARANTEES)
    except UnsupportedSpec:
        return
    fast, slow = _expander(system, kernel=True), _expander(system, kernel=False)
    for rows in _layers(system, depth=8, width=400):
        _same_chunk(fast.successors(rows), slow.successors(rows))


def test_kernel_chunks_are_numpys_under_symmetry_and_a_limit() -> None:
    # three interchangeable brokers (rows that need renaming) and a `limit` predicate
    spec = make_spec(rf=3, min_isr=2, faults={"broker_crash": 1, "follower_lag": 1})
    system = build(spec, GUARANTEES)
    assert any(len(s.members) > 1 for s in system.symmetries)
    fast, slow = _expander(system, kernel=True), _expander(system, kernel=False)
    moved = 0
    for rows in _layers(system, depth=10, width=2000):
        a, b = fast.successors(rows), slow.successors(rows)
        _same_chunk(a, b)
        moved += int(fast.permutes[a.act].sum())
    assert moved  # the symmetry was exercised


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
@pytest.mark.parametrize("width", [0, 1, 3, 8, 13])
def test_kernel_fingerprints_are_the_visited_sets(dtype: Any, width: int) -> None:
    from mqcheck.engines.kernel import Assembler

    rng = np.random.default_rng(width)
    info = np.iinfo(dtype)
    parents = rng.integers(info.min, info.max, size=(50, width), dtype=dtype, endpoint=True)
    at = np.arange(50)
    moves: list[tuple[int, Any, dict[int, Any]]] = [(0, at, {})]
    if width:  # a written column (array values) and a constant one
        moves.append((1, at[::3], {0: np.full(len(at[::3]), -1, dtype=np.int32)}))
        moves.append((2, at[1::2], {width - 1: 7}))
    kernel = Assembler(np.zeros(3, dtype=bool), None)
    pos, act, rows, fps = kernel.rows(parents, at, moves)
    want = sorted(
        (int(p), a) for a, i, _ in moves for p in i.tolist()
    )  # by parent, then move order
    assert list(zip(pos.tolist(), act.tolist(), strict=True)) == want
    assert fps.tolist() == fingerprint(rows).tolist()
    expect = parents[pos].copy()
    for a, i, updates in moves:
        hit = np.isin(pos, i) & (act == a)
        for col, value in updates.items():
            expect[hit, col] = value
    assert rows.tolist() == expect.tolist()


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_specs(), st.sampled_from([7, 4096]), st.sampled_from([40, 20_000]))
def test_numpy_path_matches_reference_on_random_specs(spec: Spec, chunk: int, cap: int) -> None:
    _same_answers(spec, max_states=cap, chunk=chunk, kernel=False)


@settings(
    max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_specs(), st.sampled_from([0, 40]), st.sampled_from([5, 4096]))
def test_numpy_path_shards_match_reference(spec: Spec, shard_from: int, chunk: int) -> None:
    _sharded_answers(spec, 2, shard_from, chunk, 20_000, kernel=False)


def test_numba_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert numba_wanted()
    monkeypatch.setenv("MQCHECK_NUMBA", "0")
    assert not numba_wanted()
    system = build(make_spec(rf=3, min_isr=2), GUARANTEES)
    assert not FrontierChecker(system).expander.kernel
