"""Houdini over the model's candidate lemmas (mqcheck.engines.houdini, lemma_proof): what it
keeps holds in every reachable state, what it proves the explicit engine confirms, and on the
textbook at-most-once pipeline it proves what enumeration cannot reach."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.houdini import property_clauses, refuted_by, sample_states, strengthen
from mqcheck.engines.inductive_check import check_invariant
from mqcheck.engines.lemma_proof import prove
from mqcheck.engines.symbolic import SymbolicLimits, Z3Checker
from mqcheck.ir.expr import Const, Var
from mqcheck.ir.system import Invariant, TransitionSystem
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec
from mqcheck.spec.schema import Spec
from tests.strategies import group_specs, tiny_specs

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "examples" / "durable-baseline.yaml"


def commit_before_processing() -> Spec:
    """durable-baseline with the commit before processing: at-most-once holds (a crash
    between commit and processing loses the record instead of repeating it)."""
    loaded = load_spec(ROOT / "specs" / "durable-commit-before-processing.yaml")
    assert loaded.spec is not None, loaded.errors
    return loaded.spec


def _at_most_once(system: TransitionSystem) -> Invariant:
    g = system.guarantee("at-most-once")
    assert isinstance(g, Invariant)
    return g


def test_property_clauses_negate_a_disjunction_of_bounds() -> None:
    bad = (Var("a") >= 2) | Var("b").eq(3)
    assert property_clauses(bad) == ((("a", "<=", 1),), (("b", "!=", 3),))
    assert property_clauses(Var("a") >= Var("b")) is None
    assert property_clauses(Const(True)) is None


def test_refuted_by_reads_every_literal_of_a_clause() -> None:
    names = ["x", "y"]
    states = [(0, 1), (1, 1), (2, 0)]
    # the third clause: each literal alone is refuted, the two together are not
    clauses = [(("x", "<=", 2),), (("x", "<=", 1),), (("x", "<=", 1), ("y", "==", 0))]
    assert refuted_by(clauses, names, states) == [False, True, False]
    assert refuted_by([(("y", "==", 0),)], names, states) == [True]
    assert refuted_by([(("x", "<=", "y"),)], names, states) == [True]


def test_the_sample_reaches_deep_states_and_is_all_of_a_small_model() -> None:
    system = build(commit_before_processing(), ("at-most-once",), 2)
    names = [v.name for v in system.variables]
    states = sample_states(system, 2_000, time.perf_counter() + 60)
    assert len(states) == len(set(states)) == 2_000
    both = [names.index("c0_done_m1"), names.index("c0_done_m2")]
    # half breadth first (shallow), half random walks: some run processed both messages
    assert not any(all(s[i] >= 1 for i in both) for s in states[:1_000])
    assert any(all(s[i] >= 1 for i in both) for s in states[1_000:])
    small = build(commit_before_processing(), ("at-most-once",), 1)
    everything = sample_states(small, 200_000, time.perf_counter() + 60)
    assert len(everything) == len(set(everything)) < 100_000


def test_the_solver_drops_what_no_sampled_state_refutes() -> None:
    """With the initial state as the only sample, a clause true there but not invariant
    (nothing processed yet) is left to the solver, which must drop it."""
    system = build(commit_before_processing(), ("at-most-once",), 1)
    never = (("c0_done_m1", "<=", 0),)
    out = strengthen(
        system, (*system.lemma_candidates, never), (), time.perf_counter() + 60, sample=1
    )
    assert out is not None and out.sampled == 1
    assert never not in out.kept
    assert out.kept  # the rest is not all dropped
    # what is kept is inductive on its own: it proves "nothing" (bad = false)
    assert check_invariant(system, Const(False), out.kept, 60).ok


@pytest.mark.parametrize("messages", [3, pytest.param(4, marks=pytest.mark.slow)])
def test_at_most_once_is_proved_beyond_the_explicit_engines_limit(messages: int) -> None:
    """At 4 messages the explicit engine stops at its default 5,000,000-state limit
    (docs/engines.md); the lemmas prove at-most-once, and the proof is re-checked."""
    system = build(commit_before_processing(), ("at-most-once",), messages)
    g = _at_most_once(system)
    deadline = time.perf_counter() + 240
    proof, why = prove(system, g, deadline, deadline)
    assert proof, why
    assert "re-checked by an independent solver" in proof


def test_no_proof_where_at_most_once_is_violated() -> None:
    loaded = load_spec(BASELINE)
    assert loaded.spec is not None
    system = build(loaded.spec, ("at-most-once",), 2)
    deadline = time.perf_counter() + 60
    assert prove(system, _at_most_once(system), deadline, deadline)[0] == ""


def test_the_z3_engine_proves_it_first_and_check_falls_back_on_it() -> None:
    spec = commit_before_processing()
    system = build(spec, ("at-most-once",), 2)
    (z3,) = Z3Checker(system, SymbolicLimits(timeout_s=60)).check(["at-most-once"])
    assert z3.verdict == "holds" and "lemmas" in z3.reason
    # the explicit search stops at 2,000 states; the lemmas answer
    result = check_spec(spec, ["at-most-once"], messages=2, max_states=2_000, workers=1)
    (r,) = result.results
    assert (r.verdict, r.engine) == ("holds", "z3")
    assert "explicit: the state limit (2000 states) was reached" in r.reason
    # asked for by name, the explicit engine answers alone
    named = check_spec(spec, ["at-most-once"], "explicit", 2, max_states=2_000, workers=1)
    assert (named.results[0].verdict, named.results[0].engine) == ("unknown", "explicit")
    # without the lemmas the Z3 engine does not prove it in the same time
    plain = Z3Checker(system, SymbolicLimits(timeout_s=5, lemmas=False)).check(["at-most-once"])
    assert plain[0].verdict == "unknown"


def _kept_holds_everywhere(spec: Spec) -> int:
    """What Houdini keeps holds in every reachable state (tiny specs: the sample is the
    whole reachable set); a proof is the explicit engine's `holds`. 1 when proved."""
    try:
        system = build(spec, ("at-most-once",))
    except UnsupportedSpec:
        return 0
    g = _at_most_once(system)
    names = [v.name for v in system.variables]
    states = sample_states(system, 300_000, time.perf_counter() + 60)
    if len(states) >= 300_000:
        return 0
    out = strengthen(system, system.lemma_candidates, (), time.perf_counter() + 60)
    assert out is not None
    assert not any(refuted_by(out.kept, names, states))
    deadline = time.perf_counter() + 60
    proof, _ = prove(system, g, deadline, deadline)
    if not proof:
        return 0
    (explicit,) = ExplicitChecker(system, Limits(max_states=300_000)).check(["at-most-once"])
    assert explicit.verdict == "holds", explicit.reason
    return 1


@settings(
    max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(tiny_specs())
def test_kept_lemmas_hold_and_proofs_agree_on_small_specs(spec: Spec) -> None:
    _kept_holds_everywhere(spec)


@settings(
    max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(group_specs())
def test_kept_lemmas_hold_and_proofs_agree_on_consumer_groups(spec: Spec) -> None:
    _kept_holds_everywhere(spec)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_specs())
def test_kept_lemmas_hold_and_proofs_agree_on_many_small_specs(spec: Spec) -> None:
    _kept_holds_everywhere(spec)
