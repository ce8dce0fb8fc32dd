"""The explicit engine's promises: limits end in `unknown` (never `holds`), counterexamples
use the fewest faults and then the fewest steps, symmetry does not change verdicts, the
stats are filled in."""

from __future__ import annotations

from dataclasses import replace

from mqcheck import exits
from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.ir.compile_py import compile_system
from mqcheck.ir.symmetry import canonicalizer
from mqcheck.ir.system import TransitionSystem
from mqcheck.model.compile import build
from mqcheck.run import check_spec
from tests.factories import make_spec


def test_state_limit_gives_unknown_never_holds() -> None:
    spec = make_spec(faults={"broker_crash": 1})
    result = check_spec(spec, ("at-least-once",), max_states=50)
    [r] = result.results
    assert r.verdict == "unknown"
    assert "state limit" in r.reason
    assert exits.for_check(result) == 3


def test_time_limit_gives_unknown() -> None:
    spec = make_spec(faults={"broker_crash": 1, "consumer_crash": 1})
    [r] = check_spec(spec, ("at-least-once",), timeout_s=1e-9).results
    assert r.verdict == "unknown" and "time limit" in r.reason


def test_violation_found_before_a_limit_is_still_reported() -> None:
    spec = make_spec(acks=0, idempotence=False, faults={"produce_request_lost": 1})
    [r] = check_spec(spec, ("at-most-once",), max_states=100_000).results
    assert r.verdict == "holds"
    spec = make_spec(faults={"consumer_crash": 1, "broker_crash": 1})
    [r] = check_spec(spec, ("at-most-once",), max_states=100_000).results
    assert r.verdict == "violated"


def test_counterexample_uses_the_fewest_faults() -> None:
    """A broker crash shortens the path to a duplicate (fewer replicas to wait for), but
    the story with only the consumer crash is the one a reviewer believes."""
    spec = make_spec(faults={"broker_crash": 1, "consumer_crash": 1})
    [r] = check_spec(spec, ("at-most-once",)).results
    assert r.counterexample is not None
    assert r.counterexample.faults_used == ("consumer_crash",)
    assert r.counterexample.duplicated == ("m1",)


def test_counterexample_is_shortest_among_fewest_faults() -> None:
    spec = make_spec(
        acks=1, idempotence=False, faults={"broker_crash": 1}, guarantees=("at-least-once",)
    )
    [r] = check_spec(spec).results
    assert r.counterexample is not None
    kinds = [s.kind for s in r.counterexample.steps]
    assert kinds == ["send", "append", "ack", "broker_crash"]
    assert r.counterexample.lost == ("m1",)


def test_exactly_once_combines_both() -> None:
    spec = make_spec(faults={"consumer_crash": 1})
    results = {
        r.guarantee: r.verdict for r in check_spec(spec, ("exactly-once", "at-least-once")).results
    }
    assert results == {"exactly-once": "violated", "at-least-once": "holds"}


def test_stats_are_filled_in() -> None:
    [r] = check_spec(make_spec(), ("at-least-once",)).results
    assert r.verdict == "holds"
    assert r.stats.states > 10 and r.stats.transitions >= r.stats.states - 1 and r.stats.depth > 5


def _without_symmetry(system: TransitionSystem) -> TransitionSystem:
    return replace(system, symmetries=())


def test_symmetry_reduction_keeps_verdicts_and_shrinks_the_space() -> None:
    spec = make_spec(rf=3, min_isr=1, unclean=True, faults={"broker_crash": 1, "follower_lag": 1})
    system = build(spec)
    reduced = ExplicitChecker(system).check(["at-least-once", "at-most-once"])
    full = ExplicitChecker(_without_symmetry(system)).check(["at-least-once", "at-most-once"])
    assert [r.verdict for r in reduced] == [r.verdict for r in full]
    assert reduced[0].stats.states < full[0].stats.states


def test_canonical_form_is_shared_by_permuted_states() -> None:
    system = build(make_spec(faults={"broker_crash": 1}))
    canon = canonicalizer(system)
    assert canon is not None
    compiled = compile_system(system)
    init = system.initial_state()
    # crash broker 2 or broker 3 (both followers): symmetric, one canonical state
    crashes = [t for a, t in compiled.successors(init) if system.actions[a].kind == "broker_crash"]
    follower_crashes = [t for t in crashes if t[system.index()["leader"]] == 0]
    assert len(follower_crashes) == 2
    assert canon(follower_crashes[0]) == canon(follower_crashes[1])


def test_log_bound_overflow_is_unknown_not_holds() -> None:
    """If a replica log needed more slots than the model gave it, the verdict cannot be
    `holds`."""
    spec = make_spec(acks=-1, idempotence=False, faults={"produce_response_lost": 1})
    system = build(spec)
    slots = system.bounds["log_slots"]
    assert isinstance(slots, int)
    starved = build(spec, messages=2)
    # Fake a too-small bound: forbid every state but the initial one by making the limit
    # predicate true after one step.
    from mqcheck.ir.expr import Var

    tight = replace(starved, limit=Var("status_m1") >= 1, limit_reason="test bound")
    [r] = ExplicitChecker(tight, Limits()).check(["at-least-once"])
    assert r.verdict == "unknown" and r.reason == "test bound"
