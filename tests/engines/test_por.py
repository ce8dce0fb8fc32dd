"""Partial-order reduction in the reference engine (`ExplicitChecker(por=True)`).

On random specs the reduced search gives the unreduced search's verdict for every
invariant guarantee, never explores more states, and its counterexamples are the
reference's own (it re-checks a violation without the reduction) and replay. The static
relations are pinned down on hand-made systems, and one system shows that without the cycle
proviso the reduction would answer `holds` for a violated guarantee.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from mqcheck.engines import explicit
from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.ir.expr import Const, Var, all_of
from mqcheck.ir.independence import (
    AmpleSets,
    EnablingSets,
    Independence,
    conjunct_enablers,
    cycle_proviso_met,
    dependent,
    footprint,
    guard_values,
    may_be_coenabled,
    visible_variables,
)
from mqcheck.ir.system import Action, Eventually, Invariant, TransitionSystem, Variable
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.result import GuaranteeResult
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import with_traces
from tests.strategies import small_specs

INVARIANTS = ("at-most-once", "ordering")

x, y, z = Var("x"), Var("y"), Var("z")


def _act(name: str, guard: object, updates: dict[str, object]) -> Action:
    return Action(name, "send", "p", guard, updates, name)  # type: ignore[arg-type]


def _system(
    actions: list[Action], bad: object, variables: tuple[Variable, ...] | None = None
) -> TransitionSystem:
    return TransitionSystem(
        name="tiny",
        variables=variables
        or (Variable("x", 0, 3, 0), Variable("y", 0, 3, 0), Variable("z", 0, 3, 0)),
        actions=tuple(actions),
        guarantees=(Invariant("at-most-once", bad, "bad"),),  # type: ignore[arg-type]
    )


# ---- the static relations --------------------------------------------------------------


def test_footprint_reads_guard_and_updates_and_skips_identity_writes() -> None:
    fp = footprint(_act("a", x < 3, {"x": x + y, "z": z}))
    assert fp.guard_reads == {"x"}
    assert fp.update_reads == {"x", "y"}
    assert fp.writes == {"x"}  # z := z changes nothing


def test_dependency_is_write_against_read_or_write() -> None:
    inc_x = footprint(_act("ix", x < 3, {"x": x + 1}))
    inc_y = footprint(_act("iy", y < 3, {"y": y + 1}))
    read_x = footprint(_act("rx", x.eq(1), {"y": Const(2)}))
    set_x = footprint(_act("sx", Const(True), {"x": Const(0)}))
    peek_x = footprint(_act("px", x.eq(0), {"z": Const(1)}))
    assert not dependent(inc_x, inc_y)  # disjoint
    assert dependent(inc_x, read_x) and dependent(read_x, inc_x)  # x written and read
    assert dependent(inc_x, set_x)  # both write x
    assert dependent(read_x, inc_y)  # both write y
    assert not dependent(read_x, peek_x)  # both only read x


def test_exclusive_guards_are_never_enabled_together() -> None:
    domains = {v.name: v for v in _system([], Const(False)).variables}
    at0 = guard_values(_act("a", all_of([x.eq(0), y < 2]), {}), domains)
    at1 = guard_values(_act("b", x.eq(1), {}), domains)
    below2 = guard_values(_act("c", x < 2, {}), domains)
    assert not may_be_coenabled(at0, at1)
    assert may_be_coenabled(at0, below2) and may_be_coenabled(at1, below2)
    # dependent (b writes y, a reads it) but exclusive: not in each other's closure
    system = _system(
        [_act("a", x.eq(0), {"z": y}), _act("b", x.eq(1), {"y": Const(1)})], Const(False)
    )
    rel = Independence.of(system, ())
    assert rel.dependents == (0, 0)


def test_an_enabling_set_leaves_out_writes_that_cannot_make_the_conjunct_true() -> None:
    actions = [
        _act("needs_x1", x.eq(1), {"z": Const(1)}),
        _act("sets_x0", Const(True), {"x": Const(0)}),
        _act("sets_x1", Const(True), {"x": Const(1)}),
        _act("bumps_x", x < 3, {"x": x + 1}),
    ]
    writers = {"x": 0b1110}
    [mask] = conjunct_enablers(actions[0], actions, writers)
    assert mask == 0b1100  # sets_x1 and bumps_x, not sets_x0
    system = _system(actions, Const(False))
    nes = EnablingSets(system, Independence.of(system, ()))
    assert nes.of_state((0, 0, 0))(0) == [0b1100]


def test_a_disabled_action_brings_in_the_enabling_set_that_adds_the_fewest_actions() -> None:
    # d waits for x == 1 and y == 1; seed writes x (so d is dependent on it). x's writers
    # are seed and other (disabled), y's writer is w (enabled): from seed, taking x's set
    # keeps w out, so seed alone is an ample set
    system = _system(
        [
            _act("seed", Const(True), {"x": Const(1)}),
            _act("w", Const(True), {"y": Const(1)}),
            _act("d", all_of([x.eq(1), y.eq(1)]), {"z": Const(2)}),
            _act("other", z.eq(3), {"x": Const(1)}),
        ],
        Const(False),
    )
    rel = Independence.of(system, ())
    state = (0, 0, 0)
    assert EnablingSets(system, rel).of_state(state)(2) == [0b0010, 0b1001]
    assert AmpleSets(rel).choose([0, 1], EnablingSets(system, rel).of_state(state)) == (0,)


def test_visibility_comes_from_the_bad_predicate_and_the_limit() -> None:
    system = TransitionSystem(
        name="tiny",
        variables=(Variable("x", 0, 3, 0), Variable("y", 0, 3, 0), Variable("z", 0, 3, 0)),
        actions=(
            _act("ix", x < 3, {"x": x + 1}),
            _act("iy", y < 3, {"y": y + 1}),
            _act("iz", z < 3, {"z": z + 1}),
        ),
        guarantees=(Invariant("at-most-once", x.eq(3), "x full"),),
        limit=z.eq(3),
    )
    assert visible_variables(system, [x.eq(3)]) == {"x", "z"}
    rel = Independence.of(system, visible_variables(system, [x.eq(3)]))
    assert rel.visible == 0b101
    ample = AmpleSets(rel)
    assert ample.choose([0, 1, 2]) == (1,)  # the one invisible, independent action
    assert ample.choose([0, 2]) is None  # only visible actions: no reduction
    assert ample.choose([1]) is None  # one action: nothing to reduce


def test_an_ample_set_is_closed_under_dependency_and_enabling() -> None:
    # a (enabled) and b (enabled) both write y: dependent, so neither goes alone;
    # c is independent of both and invisible: it goes alone
    system = _system(
        [
            _act("a", x < 3, {"x": x + 1, "y": Const(1)}),
            _act("b", Const(True), {"y": Const(2)}),
            _act("c", z < 3, {"z": z + 1}),
        ],
        x.eq(3),
    )
    ample = AmpleSets(Independence.of(system, ["x"]))
    assert ample.choose([0, 1, 2]) == (2,)
    assert ample.choose([0, 1]) is None  # b drags in a, which is visible
    # a disabled action in the closure brings in its enablers: d waits for x == 2,
    # which only e can make true, and d is dependent on f (both write y)
    system = _system(
        [
            _act("d", x.eq(2), {"y": Const(1)}),
            _act("e", Const(True), {"x": Const(2)}),
            _act("f", Const(True), {"y": Const(3)}),
            _act("g", Const(True), {"z": Const(1)}),
        ],
        Const(False),
    )
    assert AmpleSets(Independence.of(system, ())).choose([1, 2]) == (1,)  # e alone
    # with e visible, f cannot go alone either: f brings in d, d its enabler e
    ample = AmpleSets(Independence.of(system, ["x"]))
    assert ample.choose([1, 2]) is None
    assert ample.choose([1, 2, 3]) == (3,)


# ---- the cycle proviso -----------------------------------------------------------------


def _ignoring() -> TransitionSystem:
    """x toggles between 0 and 1 forever (invisible); y := 1 (visible) is bad. At each
    state the toggle alone is an ample set; only the proviso makes the search take y."""
    return _system(
        [
            _act("up", x.eq(0), {"x": Const(1)}),
            _act("down", x.eq(1), {"x": Const(0)}),
            _act("bad", y.eq(0), {"y": Const(1)}),
        ],
        y.eq(1),
    )


def test_cycle_proviso_needs_one_successor_numbered_later() -> None:
    assert cycle_proviso_met([None], 5)
    assert cycle_proviso_met([3, 6], 5)
    assert not cycle_proviso_met([3, 5], 5)
    assert not cycle_proviso_met([], 5)


def test_without_the_cycle_proviso_the_reduction_would_miss_a_violation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    system = _ignoring()
    [full] = ExplicitChecker(system).check(["at-most-once"])
    [reduced] = ExplicitChecker(system, por=True).check(["at-most-once"])
    assert full.verdict == reduced.verdict == "violated"
    assert _steps(reduced) == _steps(full)
    monkeypatch.setattr(explicit, "cycle_proviso_met", lambda found, index: True)
    [ignored] = ExplicitChecker(system, por=True).check(["at-most-once"])
    assert ignored.verdict == "holds"  # the toggle cycle closed, y never taken


def test_without_visibility_the_reduction_would_miss_a_passing_bad_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # bad is x == 0 and y == 1: only the interleaving taking y first passes through it;
    # both actions write a variable bad reads, so neither may be expanded alone
    system = _system(
        [_act("ix", x < 2, {"x": x + 1}), _act("iy", y < 1, {"y": y + 1})],
        all_of([x.eq(0), y.eq(1)]),
    )
    [full] = ExplicitChecker(system).check(["at-most-once"])
    [reduced] = ExplicitChecker(system, por=True).check(["at-most-once"])
    assert full.verdict == reduced.verdict == "violated"
    monkeypatch.setattr(explicit, "visible_variables", lambda system, bad: set())
    [blind] = ExplicitChecker(system, por=True).check(["at-most-once"])
    assert blind.verdict == "holds"  # x went first, (0, 1) was never visited


def test_independent_counters_are_explored_along_one_interleaving() -> None:
    # x and y count to 3 independently; bad reads neither: 16 states, reduced to 7
    system = _system([_act("ix", x < 3, {"x": x + 1}), _act("iy", y < 3, {"y": y + 1})], z.eq(1))
    [full] = ExplicitChecker(system).check(["at-most-once"])
    [reduced] = ExplicitChecker(system, por=True).check(["at-most-once"])
    assert full.verdict == reduced.verdict == "holds"
    assert (full.stats.states, reduced.stats.states) == (16, 7)


def test_a_limit_state_is_reached_whenever_the_full_search_reaches_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the limit (x == 0 and y == 1) lies on one interleaving only: its variables are
    # visible, so the reduced search passes through it too and ends `unknown`, not `holds`
    system = TransitionSystem(
        name="tiny",
        variables=(Variable("x", 0, 3, 0), Variable("y", 0, 3, 0), Variable("z", 0, 3, 0)),
        actions=(_act("ix", x < 2, {"x": x + 1}), _act("iy", y < 1, {"y": y + 1})),
        guarantees=(Invariant("at-most-once", z.eq(1), "never"),),
        limit=all_of([x.eq(0), y.eq(1)]),
        limit_reason="y overflowed",
    )
    [full] = ExplicitChecker(system).check(["at-most-once"])
    [reduced] = ExplicitChecker(system, por=True).check(["at-most-once"])
    assert full.verdict == reduced.verdict == "unknown"
    assert reduced.reason == "y overflowed"
    monkeypatch.setattr(explicit, "visible_variables", lambda system, bad: {"z"})
    [blind] = ExplicitChecker(system, por=True).check(["at-most-once"])
    assert blind.verdict == "holds"  # what a reduction blind to the limit would claim


def test_the_reduction_is_off_when_a_liveness_guarantee_is_checked() -> None:
    base = _system([_act("ix", x < 3, {"x": x + 1}), _act("iy", y < 3, {"y": y + 1})], z.eq(1))
    goal = all_of([x.eq(3), y.eq(3)])
    system = TransitionSystem(
        name="tiny",
        variables=base.variables,
        actions=base.actions,
        guarantees=(
            *base.guarantees,
            Eventually("at-least-once", goal, {"all": goal}, "both full"),
        ),
    )
    both = ["at-least-once", "at-most-once"]
    checker = ExplicitChecker(system, por=True)
    assert checker._ample_sets(both) is None
    assert checker._ample_sets(["at-most-once"]) is not None
    want = ExplicitChecker(system).check(both)
    assert [r.stats.states for r in checker.check(both)] == [r.stats.states for r in want]


# ---- random specs ----------------------------------------------------------------------


def _steps(r: GuaranteeResult) -> object:
    return r.witness.path if r.witness is not None else None


def _same_verdicts(spec: Spec) -> None:
    try:
        system = build(spec, INVARIANTS)
    except UnsupportedSpec:
        return
    names = [g.guarantee for g in system.checked(INVARIANTS)]
    limits = Limits(max_states=200_000, timeout_s=120)
    want = with_traces(system, ExplicitChecker(system, limits).check(names))
    if any(r.verdict == "unknown" and "limit (" in r.reason for r in want):
        return  # the unreduced search did not finish: nothing to compare with
    got = with_traces(system, ExplicitChecker(system, limits, por=True).check(names))
    assert [(r.guarantee, r.verdict, r.reason) for r in got] == [
        (r.guarantee, r.verdict, r.reason) for r in want
    ]
    for r, w in zip(got, want, strict=True):
        assert r.stats.states <= w.stats.states
        if r.verdict == "violated":
            assert r.counterexample is not None and w.counterexample is not None
            assert r.counterexample.steps == w.counterexample.steps
            steps = [step_json(s) for s in r.counterexample.steps]
            assert replay(system, r.guarantee, steps).ok, r.guarantee
    # each guarantee alone: a different visible set, the same verdict
    for w in want:
        [alone] = ExplicitChecker(system, limits, por=True).check([w.guarantee])
        assert alone.verdict == w.verdict, w.guarantee


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_specs())
def test_reduced_search_gives_the_unreduced_verdicts_on_random_specs(spec: Spec) -> None:
    _same_verdicts(spec)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs())
def test_reduced_search_gives_the_unreduced_verdicts_on_many_random_specs(spec: Spec) -> None:
    _same_verdicts(spec)
