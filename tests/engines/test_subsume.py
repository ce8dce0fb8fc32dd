"""Fault-budget subsumption (mqcheck.ir.budgets, mqcheck.engines.subsume) keeps every answer.

The reduced search explores fewer states, so its counts differ from the reference's; what
must not differ is each verdict and, for a violation, how many faults and steps its
counterexample has (the fewest-fault, shortest one), and the counterexample must replay.
Where the reduction's argument does not hold, the search must not be reduced at all.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.ir.budgets import subsumable_budgets
from mqcheck.ir.expr import Var, all_of
from mqcheck.ir.system import Action, Invariant, TransitionSystem, Variable
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.result import GuaranteeResult
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import with_traces
from tests.engines.test_frontier import GUARANTEES, _summary
from tests.factories import make_spec
from tests.strategies import share_specs, small_specs

GUARANTEES_ALL = (*GUARANTEES, "ordering")


def _answer(r: GuaranteeResult) -> tuple[object, ...]:
    """What the reduction keeps: the verdict, and the size of the counterexample."""
    steps = r.counterexample.steps if r.counterexample is not None else ()
    return (r.guarantee, r.verdict, len(steps), sum(s.fault is not None for s in steps))


def _reduced_answers(
    spec: Spec,
    workers: int = 1,
    chunk: int = 4096,
    tuple_states: int = 0,
    lean_from: int = 10**9,
    early: bool = False,
) -> tuple[list[GuaranteeResult], FrontierChecker] | None:
    try:
        system = build(spec, GUARANTEES_ALL)
    except UnsupportedSpec:
        return None
    limits = Limits(max_states=400_000, timeout_s=120)
    checked = [g for g in GUARANTEES_ALL if system.guarantee(g) is not None]
    want = with_traces(system, ExplicitChecker(system, limits).check(checked))
    checker = FrontierChecker(
        system, limits, small=1, chunk=chunk, tuple_states=tuple_states, workers=workers,
        shard_from=0, processes=False, lean_from=lean_from, early=early, subsume=True,
    )  # fmt: skip
    got = with_traces(system, checker.check(checked))
    assert [_answer(g) for g in got] == [_answer(w) for w in want]
    for g, w in zip(got, want, strict=True):
        assert g.stats.states <= w.stats.states
    for r in got:
        if r.counterexample is not None:
            steps = [step_json(s) for s in r.counterexample.steps]
            assert replay(system, r.guarantee, steps).ok, r.guarantee
    return got, checker


@st.composite
def budgeted_specs(draw: st.DrawFn) -> Spec:
    """A small spec whose fault budgets go up to 2, so states differ in what is left."""
    spec = draw(small_specs())
    budgets = spec.faults.as_dict()
    bumped = {
        name: draw(st.integers(1, 2)) if isinstance(n, int) and not isinstance(n, bool) and n > 0
        else n
        for name, n in budgets.items()
    }  # fmt: skip
    check = replace(spec.check, messages=1)
    return replace(spec, faults=replace(spec.faults, **bumped), check=check)


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(budgeted_specs(), st.sampled_from([0, 200_000]))
def test_subsumption_keeps_every_verdict_and_counterexample_size(
    spec: Spec, tuple_states: int
) -> None:
    _reduced_answers(spec, tuple_states=tuple_states)


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(budgeted_specs(), st.sampled_from([2, 3]), st.sampled_from([7, 4096]))
def test_shards_with_subsumption_give_one_workers_answers(
    spec: Spec, workers: int, chunk: int
) -> None:
    one = _reduced_answers(spec, chunk=chunk)
    if one is None:
        return
    many = _reduced_answers(spec, workers=workers, chunk=chunk)
    assert many is not None
    assert [_summary(r) for r in many[0]] == [_summary(r) for r in one[0]]


@settings(
    max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(budgeted_specs(), st.booleans())
def test_subsumption_with_a_lean_graph_and_early_verdicts(spec: Spec, early: bool) -> None:
    _reduced_answers(spec, workers=2, chunk=64, lean_from=0, early=early)


def test_durable_baseline_shrinks_and_keeps_its_verdicts() -> None:
    spec = make_spec(
        faults={"broker_crash": 1, "produce_request_lost": 1, "consumer_crash": 1},
        messages=1,
    )
    found = _reduced_answers(spec)
    assert found is not None
    results, checker = found
    assert checker.subsumption is not None
    assert set(checker.subsumption.budgets.names) == {
        "budget_broker_crash",
        "budget_produce_request_lost",
        "budget_consumer_crash",
    }
    system = build(spec, GUARANTEES_ALL)
    full = ExplicitChecker(system, Limits(max_states=400_000)).check(list(GUARANTEES))
    assert results[0].stats.states * 2 < full[0].stats.states


def test_the_argument_is_refused_where_a_budget_is_read_elsewhere() -> None:
    system = build(make_spec(faults={"broker_crash": 1}), GUARANTEES)
    assert subsumable_budgets(system) is not None
    # an ordinary step that reads the budget: a state with more left may behave differently
    a = system.actions[0]
    peek = Action(
        "peek", a.kind, a.actor, Var("budget_broker_crash").eq(1), dict(a.updates), a.text
    )
    assert subsumable_budgets(replace(system, actions=(*system.actions, peek))) is None
    # a fault step that spends no budget: faults used would no longer be budget spent
    free = next(x for x in system.actions if x.fault == "broker_crash")
    unbudgeted = replace(free, name="free_crash", guard=Var("alive_0").eq(1), updates={})
    assert subsumable_budgets(replace(system, actions=(*system.actions, unbudgeted))) is None
    # no budget at all: nothing to subsume
    assert subsumable_budgets(build(make_spec(faults={}), GUARANTEES)) is None


def _two_budget_system(swap: bool) -> TransitionSystem:
    """x goes 0 -> 1 by a fault of either budget and 1 -> 2 (bad) only by a fault of b.
    Spending b takes one step, spending a two (a fault-free `tick` first), so the first
    state found with x = 1 spent b and cannot reach x = 2; the one found a layer later
    spent a and can, and its budgets are incomparable with the first's: it must be
    explored. (`swap` only reorders the actions.)"""
    x, y, a, b = Var("x"), Var("y"), Var("budget_a"), Var("budget_b")
    actions = [
        Action("b_first", "fault", "f", all_of([b > 0, x.eq(0), y.eq(0)]),
               {"x": x + 1, "budget_b": b - 1}, "b", fault="b"),
        Action("tick", "step", "f", all_of([x.eq(0), y.eq(0)]), {"y": y + 1}, "tick"),
        Action("a_then", "fault", "f", all_of([a > 0, x.eq(0), y.eq(1)]),
               {"x": x + 1, "y": y - 1, "budget_a": a - 1}, "a", fault="a"),
        Action("b_bad", "fault", "f", all_of([b > 0, x.eq(1)]),
               {"x": x + 1, "budget_b": b - 1}, "bad", fault="b"),
    ]  # fmt: skip
    if swap:
        actions.reverse()
    variables = (
        Variable("x", 0, 2, 0),
        Variable("y", 0, 1, 0),
        Variable("budget_a", 0, 1, 1),
        Variable("budget_b", 0, 1, 1),
    )
    return TransitionSystem(
        "two-budgets",
        variables,
        tuple(actions),
        (Invariant("at-most-once", x.eq(2), "x never reaches 2"),),
    )


def test_incomparable_budgets_are_both_explored() -> None:
    for swap, tuple_states in itertools.product((False, True), (0, 200_000)):
        # either action order: one of them finds the state that cannot go on first
        system = _two_budget_system(swap)
        assert subsumable_budgets(system) is not None
        got = FrontierChecker(system, small=1, tuple_states=tuple_states, subsume=True).check(
            ["at-most-once"]
        )
        assert got[0].verdict == "violated"
        assert got[0].stats.states == 5  # x=0 (y=0, y=1); x=1 with (a, b) left = (1,0), (0,1); x=2


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(share_specs(), st.booleans())
def test_subsumption_keeps_share_group_answers(spec: Spec, early: bool) -> None:
    """Share groups spend consumer_crash, consumer_stall and processing_error budgets
    (model/share_group.py): the reduced search, with and without early verdicts, gives the
    reference's answers (ordering is among the guarantees compiled, not reported by run.py)."""
    _reduced_answers(spec, chunk=64, early=early)
