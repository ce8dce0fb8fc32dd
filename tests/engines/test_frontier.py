"""The frontier engine against the reference engine: on random specs both give the same
verdicts, state and transition counts, depths, reasons and counterexample steps (the
frontier engine reproduces the reference's discovery order, so they are identical, not just
equivalent). The array path is forced on tiny specs (`small=1`, small chunks), so the numpy
code is what is compared, not the tuple fallback. The parts are pinned down on their own
too: canonical forms, fingerprints and the visited set, and a state limit stopping after the
same parent as the reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.engines.visited import VisitedSet, collision_probability, fingerprint
from mqcheck.ir.compile_np import columns, compile_frontier, state_dtype
from mqcheck.ir.compile_py import compile_system
from mqcheck.ir.symmetry import canonicalizer
from mqcheck.ir.symmetry_np import frontier_canonicalizer
from mqcheck.ir.system import TransitionSystem
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.result import GuaranteeResult
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import with_traces
from tests.factories import make_spec
from tests.strategies import share_specs, small_specs

GUARANTEES = ("at-least-once", "at-most-once")


def _summary(r: GuaranteeResult) -> tuple[object, ...]:
    steps = r.counterexample.steps if r.counterexample is not None else None
    s = r.stats
    return (r.guarantee, r.verdict, r.engine, s.states, s.transitions, s.depth, r.reason, steps)


def _same_answers(spec: Spec, max_states: int, chunk: int, tuple_states: int = 0) -> None:
    try:
        system = build(spec, GUARANTEES)
    except UnsupportedSpec:
        return
    limits = Limits(max_states=max_states, timeout_s=120)
    want = with_traces(system, ExplicitChecker(system, limits).check(GUARANTEES))
    got = with_traces(
        system,
        FrontierChecker(
            system, limits, small=1 if not tuple_states else 64, chunk=chunk,
            tuple_states=tuple_states,
        ).check(GUARANTEES),
    )  # fmt: skip
    assert [_summary(r) for r in got] == [_summary(r) for r in want]
    for r in got:
        if r.counterexample is not None:
            steps = [step_json(s) for s in r.counterexample.steps]
            assert replay(system, r.guarantee, steps).ok, r.guarantee


@settings(
    max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_specs(), st.sampled_from([7, 64, 4096]), st.sampled_from([40, 300, 20_000]))
def test_frontier_matches_reference_on_random_specs(spec: Spec, chunk: int, cap: int) -> None:
    # tuple_states=0: the array path from the first state on
    _same_answers(spec, max_states=cap, chunk=chunk)


@settings(
    max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_specs(), st.sampled_from([30, 500, 10**9]))
def test_tuple_phase_and_its_hand_over_match_the_reference(spec: Spec, tuple_states: int) -> None:
    # the first phase (a dict of states) and the move to the fingerprint set part-way
    _same_answers(spec, max_states=20_000, chunk=100, tuple_states=tuple_states)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(), st.integers(1, 5000), st.integers(2, 100_000))
def test_frontier_matches_reference_on_many_random_specs(spec: Spec, chunk: int, cap: int) -> None:
    _same_answers(spec, max_states=cap, chunk=chunk)
    _same_answers(spec, max_states=cap, chunk=chunk, tuple_states=cap // 3 + 1)


def _symmetric_system() -> TransitionSystem:
    spec = make_spec(rf=3, min_isr=2, faults={"broker_crash": 1, "follower_lag": 1})
    system = build(spec, GUARANTEES)
    assert any(len(s.members) > 1 for s in system.symmetries)
    return system


def _random_rows(system: TransitionSystem, seed: int, count: int) -> np.ndarray:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    cols = [rng.integers(v.lo, v.hi + 1, size=count) for v in system.variables]
    return np.stack(cols, axis=1).astype(state_dtype(system))


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_array_canonical_form_is_the_tuple_one(seed: int) -> None:
    system = _symmetric_system()
    canon, canon_rows = canonicalizer(system), frontier_canonicalizer(system)
    assert canon is not None and canon_rows is not None
    rows = _random_rows(system, seed, 200)
    got = canon_rows(rows).tolist()
    assert got == [list(canon(tuple(r))) for r in rows.tolist()]


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_array_successors_are_the_tuple_ones(seed: int) -> None:
    system = _symmetric_system()
    compiled, code = compile_system(system), compile_frontier(system)
    rows = _random_rows(system, seed, 100)
    moves = code.expand(columns(rows), len(rows))
    got: set[tuple[int, int, tuple[int, ...]]] = set()
    for action, at, updates in moves:
        block = rows[at].copy()
        for col, values in updates.items():
            block[:, col] = values
        got |= {(int(p), action, tuple(r)) for p, r in zip(at, block.tolist(), strict=True)}
    want = {
        (p, a, t) for p, s in enumerate(rows.tolist()) for a, t in compiled.successors(tuple(s))
    }
    assert got == want


def test_fingerprints_tell_rows_apart_and_the_visited_set_finds_them() -> None:
    rows = np.array([[0, 1, 2], [0, 1, 3], [1, 1, 2], [0, 1, 2]], dtype=np.int8)
    fps = fingerprint(rows)
    assert fps[0] == fps[3] and len(set(fps[:3].tolist())) == 3
    seen = VisitedSet()
    for k in range(40):  # many small runs, merged as they come
        batch = fingerprint(np.array([[k, k % 7, 1]], dtype=np.int8))
        seen.add(batch, np.array([k], dtype=np.int32))
    probe = fingerprint(np.array([[5, 5, 1], [39, 4, 1], [5, 6, 1]], dtype=np.int8))
    assert seen.lookup(probe).tolist() == [5, 39, -1]
    assert len(seen.runs) < 8 and seen.size == 40


def test_collision_probability_is_tlcs_estimate() -> None:
    assert collision_probability(1000, 1000) == 0.0
    assert collision_probability(2**20, 2**21) == pytest.approx(2**40 / 2**64)


def test_state_limit_gives_unknown_after_the_same_parent_as_the_reference() -> None:
    spec = make_spec(rf=3, min_isr=2, faults={"broker_crash": 1, "consumer_crash": 1})
    system = build(spec, GUARANTEES)
    for cap in (2, 57, 1000):
        limits = Limits(max_states=cap)
        want = ExplicitChecker(system, limits).check(GUARANTEES)
        got = FrontierChecker(system, limits, small=1, chunk=13).check(GUARANTEES)
        assert [_summary(r)[:7] for r in got] == [_summary(r)[:7] for r in want]
        assert all(r.verdict != "holds" for r in got)
        assert any("state limit" in r.reason for r in got)


def test_search_keeps_at_most_24_bytes_per_state_without_edges() -> None:
    spec = make_spec(rf=3, min_isr=2, faults={"broker_crash": 1, "consumer_crash": 1})
    system = build(spec, ("at-most-once",))
    # tuple_states=0: straight to the compact set (the tuple phase keeps tuples, as the
    # reference does, until it hands over)
    checker = FrontierChecker(system, Limits(max_states=50_000), tuple_states=0)
    [r] = checker.check(("at-most-once",))
    assert r.stats.states > 1000
    assert 0 < checker.bytes_per_state <= 24
    assert 0 <= checker.collision_probability < 1e-6


def _early_answers(spec: Spec, max_states: int) -> None:
    try:
        system = build(spec, GUARANTEES)
    except UnsupportedSpec:
        return
    limits = Limits(max_states=max_states, timeout_s=120)
    want = with_traces(system, ExplicitChecker(system, limits).check(GUARANTEES))
    early = FrontierChecker(system, limits, small=1, chunk=97, early=True)
    got = with_traces(system, early.check(GUARANTEES))
    for g, w in zip(got, want, strict=True):
        # the same verdict and story; only the counts may be smaller (the search stopped)
        assert (g.guarantee, g.verdict) == (w.guarantee, w.verdict)
        assert _summary(g)[7] == _summary(w)[7]
        assert g.stats.states <= w.stats.states
        if g.verdict != "violated":
            assert _summary(g) == _summary(w)


@settings(
    max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_specs(), st.sampled_from([300, 20_000]))
def test_early_at_least_once_gives_the_full_searchs_answer(spec: Spec, cap: int) -> None:
    _early_answers(spec, max_states=cap)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(), st.integers(2, 100_000))
def test_early_at_least_once_on_many_random_specs(spec: Spec, cap: int) -> None:
    _early_answers(spec, max_states=cap)


def test_early_at_least_once_stops_before_the_whole_graph() -> None:
    # a lost message with the fewest faults: decided long before the graph is complete
    spec = make_spec(acks=1, rf=3, min_isr=1, faults={"broker_crash": 1, "consumer_crash": 1})
    system = build(spec, ("at-least-once",))
    limits = Limits(max_states=2_000_000)
    [full] = ExplicitChecker(system, limits).check(("at-least-once",))
    [early] = FrontierChecker(system, limits, early=True).check(("at-least-once",))
    assert full.verdict == early.verdict == "violated"
    assert early.stats.states < full.stats.states


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(share_specs(), st.sampled_from([7, 4096]))
def test_frontier_matches_reference_on_share_groups(spec: Spec, chunk: int) -> None:
    """Share groups (model/share_group.py): the frontier engine and the reference agree."""
    _same_answers(spec, max_states=200_000, chunk=chunk)
