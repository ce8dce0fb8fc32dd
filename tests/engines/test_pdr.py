"""IC3/PDR in the Z3 engine: it proves invariants that plain induction cannot, it never
proves a violated one (nor one whose bad state is a deadlock), its invariant is re-checked
by an independent solver that rejects a tampered one, and on random small specs it never
contradicts the explicit engine."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.inductive_check import check_invariant
from mqcheck.engines.relations import related_pairs
from mqcheck.engines.symbolic import SymbolicLimits, Z3Checker
from mqcheck.ir.expr import Var, all_of
from mqcheck.ir.system import Action, Invariant, TransitionSystem, Variable
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import with_traces
from tests.strategies import tiny_specs

HI = 6


def _twins(bad_at_y: int = HI, stop: bool = False, hi: int = HI) -> TransitionSystem:
    """x and y count up together to `hi` and reset to 0 (unless `stop`: then `hi` is a
    deadlock). Bad: y at `bad_at_y` while x is not `hi`. Not 1-inductive (x = hi-2,
    y = hi-1 is good and steps to a bad state): the proof needs "y <= x", which IC3 learns."""
    HI = hi
    x, y = Var("x"), Var("y")
    actions = [Action("inc", "send", "p", x < HI, {"x": x + 1, "y": y + 1}, "x+1")]
    if not stop:
        actions.append(Action("reset", "send", "p", x.eq(HI), {"x": x * 0, "y": y * 0}, "0"))
    return TransitionSystem(
        name="twins",
        variables=(Variable("x", 0, HI, 0), Variable("y", 0, HI, 0)),
        actions=tuple(actions),
        guarantees=(
            Invariant("at-most-once", all_of([y.eq(bad_at_y), x.ne(HI)]), "y ahead of x"),
            Invariant("ordering", x.eq(HI), "x reaches HI"),
        ),
    )


def _pdr(system: TransitionSystem, name: str, seconds: float = 30.0) -> tuple[str, str, bool]:
    checker = Z3Checker(system, SymbolicLimits(timeout_s=seconds))
    checker.begin(time.perf_counter() + seconds)
    g = system.guarantee(name)
    assert isinstance(g, Invariant)
    return checker.pdr_proof(g, time.perf_counter() + seconds)


def test_plain_induction_cannot_prove_it() -> None:
    """The property alone is not inductive (so a strengthening is needed), and the BMC
    with a depth limit below the diameter ends `unknown` without IC3."""
    system = _twins()
    g = system.guarantee("at-most-once")
    assert isinstance(g, Invariant)
    alone = [(("y", "!=", HI), ("x", "==", HI))]  # ¬bad as one clause
    verdict = check_invariant(system, g.bad, alone, 10.0)
    assert not verdict.ok and "not inductive" in verdict.reason
    [r] = Z3Checker(system, SymbolicLimits(timeout_s=30, max_depth=3, pdr=False)).check(
        ["at-most-once"]
    )
    assert r.verdict == "unknown"


def test_pdr_proves_what_needs_a_strengthening() -> None:
    proof, why, refuted = _pdr(_twins(), "at-most-once")
    assert proof, why
    assert not refuted
    assert "clause(s)" in proof and "independent solver" in proof
    # wired into the engine: at a depth limit below the diameter, IC3 still proves it
    limits = SymbolicLimits(timeout_s=30, max_depth=3, pdr=True)
    [r] = Z3Checker(_twins(), limits).check(["at-most-once"])
    assert r.verdict == "holds" and "IC3/PDR" in r.reason


def test_a_relational_lemma_is_one_clause() -> None:
    """At HI = 30, "y <= x" over single-variable literals needs a clause per value and a
    frame per step (no proof within 8 frames); relating the pair x, y (which `inc` moves
    together) gives it as one clause, and the independent check reads it."""
    system = _twins(30, hi=30)
    assert related_pairs(system) == ((0, 1),)
    g = system.guarantee("at-most-once")
    assert isinstance(g, Invariant)
    found = _clauses_of(system)
    assert any(isinstance(v, str) for c in found for _, _, v in c), found
    assert len(found) <= 4
    assert check_invariant(system, g.bad, found, 10.0).ok
    # wrong relations are caught: x != y fails initially; y <= 0 or x != y is not inductive
    assert "initial" in check_invariant(system, g.bad, [*found, (("x", "!=", "y"),)], 10.0).reason
    not_inductive = (("y", "<=", 0), ("x", "!=", "y"))
    assert "not inductive" in check_invariant(system, g.bad, [*found, not_inductive], 10.0).reason
    checker = Z3Checker(system, SymbolicLimits(timeout_s=30, pdr_relations=False, pdr_frames=8))
    checker.begin(time.perf_counter() + 30)
    proof, why, refuted = checker.pdr_proof(g, time.perf_counter() + 30)
    assert not proof and not refuted and "8 frames" in why


def test_a_rebuilt_solver_keeps_the_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the solver rebuilt after every few queries (`Pdr._rebuild`), IC3 still proves
    what it proved, and still refutes a deadlocked bad state and a violated invariant."""
    from mqcheck.engines import pdr as pdr_module

    monkeypatch.setattr(pdr_module, "REBUILD_AFTER", 3)
    rebuilt: list[int] = []
    original = pdr_module.Pdr._rebuild

    def spy(self: pdr_module.Pdr) -> None:
        rebuilt.append(sum(len(f) for f in self.frames))
        original(self)

    monkeypatch.setattr(pdr_module.Pdr, "_rebuild", spy)
    # without relating: 7 frames, so several rebuilds with clauses in the frames
    checker = Z3Checker(_twins(), SymbolicLimits(timeout_s=30, pdr_relations=False))
    checker.begin(time.perf_counter() + 30)
    g = _twins().guarantee("at-most-once")
    assert isinstance(g, Invariant)
    proof, why, _ = checker.pdr_proof(g, time.perf_counter() + 30)
    assert proof, why
    assert len(rebuilt) > 2 and max(rebuilt) > 0
    proof, why, _ = _pdr(_twins(), "at-most-once")
    assert proof, why
    assert _pdr(_twins(stop=True), "ordering")[2]
    assert _pdr(_twins(), "ordering")[2]


def test_pdr_refutes_a_violated_invariant_and_the_bmc_reports_the_path() -> None:
    system = _twins()
    proof, _, refuted = _pdr(system, "ordering")
    assert not proof and refuted
    [r] = with_traces(system, Z3Checker(system, SymbolicLimits(timeout_s=30)).check(["ordering"]))
    assert r.verdict == "violated"
    assert r.counterexample is not None and len(r.counterexample.steps) == HI
    steps = [step_json(s) for s in r.counterexample.steps]
    assert replay(system, "ordering", steps).ok


def test_a_deadlocked_bad_state_is_not_proved_away() -> None:
    """The bad state x = y = HI has no successor when the counter stops there: IC3 must
    still reach it (a transition relation asserted outright would hide it)."""
    system = _twins(stop=True)
    g = system.guarantee("ordering")
    assert isinstance(g, Invariant)
    proof, _, refuted = _pdr(system, "ordering")
    assert not proof and refuted


def test_a_reachable_limit_state_is_never_proved() -> None:
    x = Var("x")
    system = TransitionSystem(
        name="limited",
        variables=(Variable("x", 0, 5, 0),),
        actions=(Action("inc", "send", "p", x < 5, {"x": x + 1}, "x+1"),),
        guarantees=(Invariant("at-most-once", x.eq(9), "never"),),
        limit=x.eq(2),
        limit_reason="x reached the modelled bound",
    )
    proof, _, refuted = _pdr(system, "at-most-once")
    assert not proof and refuted
    [r] = Z3Checker(system, SymbolicLimits(timeout_s=30)).check(["at-most-once"])
    assert r.verdict == "unknown" and "modelled bound" in r.reason


def test_the_independent_check_rejects_a_tampered_invariant() -> None:
    system = _twins()
    g = system.guarantee("at-most-once")
    assert isinstance(g, Invariant)
    checker = Z3Checker(system, SymbolicLimits(timeout_s=30))
    checker.begin(time.perf_counter() + 30)
    good = _clauses_of(system)
    assert check_invariant(system, g.bad, good, 10.0).ok
    # no longer holds initially
    bad_init = [*good, (("x", "!=", 0),)]
    assert "initial" in check_invariant(system, g.bad, bad_init, 10.0).reason
    # no upper bound any more (on y, or on x which bounds y through x == y): admits an
    # out-of-domain state
    no_bound = [c for c in good if c not in ((("y", "<=", HI),), (("x", "<=", HI),))]
    assert len(no_bound) < len(good)
    assert not check_invariant(system, g.bad, no_bound, 10.0).ok
    # a state excluded that a step reaches: not inductive
    cut = [*good, (("x", "!=", 3),)]
    assert "not inductive" in check_invariant(system, g.bad, cut, 10.0).reason
    # nothing: admits the bad state
    assert "admits" in check_invariant(system, g.bad, [], 10.0).reason


def _clauses_of(system: TransitionSystem) -> list[tuple[tuple[str, str, int | str], ...]]:
    """The invariant IC3 found for at-most-once, as the clauses the check reads."""
    from mqcheck.engines import pdr as pdr_module

    found: list[tuple[tuple[str, str, int | str], ...]] = []
    original = pdr_module.Pdr.run

    def run(self: pdr_module.Pdr) -> pdr_module.PdrOutcome:
        out = original(self)
        found.extend(pdr_module.negated(c, self.problem.names) for c in out.clauses)
        return out

    pdr_module.Pdr.run = run  # type: ignore[method-assign]
    try:
        proof, why, _ = _pdr(system, "at-most-once")
    finally:
        pdr_module.Pdr.run = original  # type: ignore[method-assign]
    assert proof, why
    return found


# ---- differential ----------------------------------------------------------------------
GUARANTEES = ("at-most-once",)


def _never_contradicts(spec: Spec, seconds: float) -> None:
    """PDR `holds` (checked) never meets explicit `violated`, and PDR refuted (a reachable
    failing state) never meets explicit `holds`."""
    try:
        system = build(spec, GUARANTEES)
    except UnsupportedSpec:
        return
    explicit = ExplicitChecker(system, Limits(max_states=200_000, timeout_s=60)).check(GUARANTEES)
    for g, e in zip(system.checked(GUARANTEES), explicit, strict=True):
        assert isinstance(g, Invariant)
        proof, why, refuted = _pdr(system, g.guarantee, seconds)
        if proof:
            assert e.verdict != "violated", (g.guarantee, why)
        if refuted:
            assert e.verdict != "holds", g.guarantee


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(tiny_specs())
def test_pdr_never_contradicts_the_explicit_engine(spec: Spec) -> None:
    _never_contradicts(spec, seconds=4.0)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_specs())
def test_pdr_never_contradicts_the_explicit_engine_on_many_specs(spec: Spec) -> None:
    _never_contradicts(spec, seconds=20.0)
