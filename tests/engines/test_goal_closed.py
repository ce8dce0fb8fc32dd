"""`closed_under_steps`: the proof a search that stops at the at-least-once goal rests on
(benchmarks/goal_reductions.py, docs/engines.md "Stopping at the goal")."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mqcheck.engines.explicit import Limits
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.engines.inductive_check import closed_under_steps
from mqcheck.ir.expr import BinOp, Const, Var
from mqcheck.ir.system import Action, Eventually, TransitionSystem, Variable
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.result import GuaranteeResult
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import with_traces
from tests.engines.test_subsume import GUARANTEES_ALL
from tests.factories import make_spec
from tests.strategies import small_specs


def _counter(reset: bool) -> TransitionSystem:
    """done counts processings (saturating at 2); `reset` adds a step that forgets it."""
    done = Var("done")
    actions = [
        Action(
            "process",
            "process",
            "c",
            BinOp("<", done, Const(2)),
            {"done": BinOp("+", done, Const(1))},
            "p",
        ),
    ]
    if reset:
        actions.append(Action("forget", "crash", "c", Const(True), {"done": Const(0)}, "f"))
    return TransitionSystem("t", (Variable("done", 0, 2, 0),), tuple(actions), ())


def test_a_goal_no_step_undoes_is_closed() -> None:
    assert closed_under_steps(_counter(False), BinOp(">=", Var("done"), Const(1)), 10).ok


def test_a_step_that_leaves_the_goal_is_named() -> None:
    verdict = closed_under_steps(_counter(True), BinOp(">=", Var("done"), Const(1)), 10)
    assert not verdict.ok
    assert "forget" in verdict.reason


def test_the_goal_of_durable_baseline_is_closed() -> None:
    system = build(
        make_spec(faults={"broker_crash": 1, "consumer_crash": 1}, messages=2), ("at-least-once",)
    )
    live = system.guarantee("at-least-once")
    assert isinstance(live, Eventually)
    assert closed_under_steps(system, live.goal, 30).ok


def test_no_time_left_is_not_a_proof() -> None:
    system = build(make_spec(faults={"broker_crash": 1}, messages=1), ("at-least-once",))
    live = system.guarantee("at-least-once")
    assert isinstance(live, Eventually)
    verdict = closed_under_steps(system, live.goal, 0)
    assert not verdict.ok and "time" in verdict.reason


def _cut_and_uncut(
    spec: Spec,
    workers: int,
    chunk: int,
    tuple_states: int,
    early: bool,
    guarantees: tuple[str, ...] = GUARANTEES_ALL,
) -> tuple[list[GuaranteeResult], list[GuaranteeResult]]:
    """The search that stops at the goal against the one that does not: the same verdicts
    and counterexamples (steps and all), never more states, every trace replays."""
    try:
        system = build(spec, guarantees)
    except UnsupportedSpec:
        return [], []
    limits = Limits(max_states=400_000, timeout_s=120)
    checked = [g for g in guarantees if system.guarantee(g) is not None]

    def run(cut: bool) -> list[GuaranteeResult]:
        checker = FrontierChecker(
            system, limits, small=1, chunk=chunk, tuple_states=tuple_states,
            workers=workers, shard_from=0, processes=False, early=early, subsume=True,
            goal_cut=cut, goal_cut_from=0,
        )  # fmt: skip
        return with_traces(system, checker.check(checked))

    got, want = run(True), run(False)
    for g, w in zip(got, want, strict=True):
        assert (g.guarantee, g.verdict, g.reason) == (w.guarantee, w.verdict, w.reason)
        g_steps = g.counterexample.steps if g.counterexample is not None else None
        w_steps = w.counterexample.steps if w.counterexample is not None else None
        assert g_steps == w_steps
        assert g.stats.states <= w.stats.states
        if g.counterexample is not None:
            steps = [step_json(s) for s in g.counterexample.steps]
            assert replay(system, g.guarantee, steps).ok, g.guarantee
    return got, want


#: at-least-once alone (cut from the start), with at-most-once, with ordering too
CHECKS = [("at-least-once",), ("at-least-once", "at-most-once"), GUARANTEES_ALL]


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_specs(), st.sampled_from([0, 200_000]), st.booleans(), st.sampled_from(CHECKS))
def test_stopping_at_the_goal_keeps_every_answer(
    spec: Spec, tuple_states: int, early: bool, guarantees: tuple[str, ...]
) -> None:
    _cut_and_uncut(spec, 1, 4096, tuple_states, early, guarantees)


@settings(
    max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_specs(), st.sampled_from([7, 4096]), st.sampled_from(CHECKS))
def test_stopping_at_the_goal_in_shards(
    spec: Spec, chunk: int, guarantees: tuple[str, ...]
) -> None:
    _cut_and_uncut(spec, 2, chunk, 0, True, guarantees)


def test_the_cut_saves_states_where_at_most_once_is_violated() -> None:
    spec = make_spec(
        faults={"broker_crash": 1, "consumer_crash": 1},
        messages=2,
        commit="after_processing",
    )
    got, want = _cut_and_uncut(spec, 1, 4096, 0, False, ("at-least-once", "at-most-once"))
    verdicts = {r.guarantee: r.verdict for r in want}
    assert verdicts["at-most-once"] == "violated"
    assert verdicts["at-least-once"] == "holds"
    live = [(g, w) for g, w in zip(got, want, strict=True) if g.guarantee == "at-least-once"]
    assert live[0][0].stats.states < live[0][1].stats.states
