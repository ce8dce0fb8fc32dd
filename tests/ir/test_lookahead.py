"""The one judgement "can the goal still be reached without faults?" (mqcheck.ir.lookahead):
faults are not followed, a `limit` state is not expanded and counts as reaching the goal, a
search cut short says so; and replay judges a last state exactly as the engines do."""

from __future__ import annotations

import gc
import weakref

from mqcheck.engines.explicit import ExplicitChecker
from mqcheck.ir.compile_py import compile_predicate, compile_system
from mqcheck.ir.expr import Const, Var
from mqcheck.ir.lookahead import (
    Future,
    explore,
    goal_plan,
    missing_parts,
    part_predicates,
    settle,
)
from mqcheck.ir.system import Action, Composite, Eventually, Invariant, TransitionSystem, Variable
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import make_steps


def _road(limit_at: int | None = None, hi: int = 4) -> TransitionSystem:
    """x walks 0..hi; a fault (`fall`) from x == 1 sets `fell`, after which x can still walk
    but the goal (`x == hi and not fell`) is out of reach; y marks a second goal part."""
    x, fell, y = Var("x"), Var("fell"), Var("y")
    return TransitionSystem(
        name="road",
        variables=(Variable("x", 0, hi, 0), Variable("fell", 0, 1, 0), Variable("y", 0, 1, 0)),
        actions=(
            Action("step", "send", "p", x < hi, {"x": x + 1}, "x+1"),
            Action("mark", "send", "p", y.eq(0) & fell.eq(0), {"y": y + 1}, "y"),
            Action(
                "fall",
                "broker_crash",
                "b",
                x.eq(1) & fell.eq(0),
                {"fell": fell + 1},
                "fall",
                fault="broker_crash",
            ),
        ),
        guarantees=(
            Eventually(
                "at-least-once",
                x.eq(hi) & fell.eq(0) & y.eq(1),
                {"far": x.eq(hi) & fell.eq(0), "y": y.eq(1)},
                "x reaches hi without falling, and y is marked",
            ),
            Invariant("at-most-once", Const(False), "never"),
            Composite("exactly-once", ("at-least-once", "at-most-once"), "both"),
        ),
        limit=None if limit_at is None else x.eq(limit_at),
        limit_reason="x reached the modelled bound",
    )


def _future(system: TransitionSystem) -> Future:
    return Future.of(system, compile_system(system).successors)


def _goal(system: TransitionSystem) -> object:
    live = system.guarantee("at-least-once")
    assert isinstance(live, Eventually)
    return live


def test_the_goal_is_reached_along_fault_free_steps_only() -> None:
    system = _road()
    live = _goal(system)
    assert isinstance(live, Eventually)
    future = _future(system)
    goal = compile_predicate(system, live.goal)
    found = goal_plan(future, goal, system.initial_state())
    [plan] = found.plans
    assert plan is not None and found.stopped == ""
    # a shortest fault-free plan: four steps and the mark, in some order
    assert sorted(system.actions[a].name for a in plan) == ["mark", "step", "step", "step", "step"]
    fallen = (1, 1, 0)  # after the fault: no fault-free way back
    [none] = goal_plan(future, goal, fallen).plans
    assert none is None
    assert missing_parts(future, part_predicates(system, live), fallen) == (("y", "far"), "")


def test_a_limit_state_counts_as_reaching_the_goal_and_is_not_expanded() -> None:
    """As the explicit engine's whole-graph pass: past a modelling bound nothing is known,
    so it cannot be the reason a guarantee is violated."""
    system = _road(limit_at=2)
    live = _goal(system)
    assert isinstance(live, Eventually)
    future = _future(system)
    fallen = (1, 1, 0)
    [plan] = goal_plan(future, compile_predicate(system, live.goal), fallen).plans
    assert plan is not None and [system.actions[a].name for a in plan] == ["step"]
    assert missing_parts(future, part_predicates(system, live), fallen) == ((), "")
    # a limit state is not expanded: x never passes 2 in the search
    seen: list[tuple[int, ...]] = []
    explore(future, (0, 0, 0), [lambda s: seen.append(s) is not None], 100)
    assert max(s[0] for s in seen) == 2


def test_a_search_cut_short_says_so() -> None:
    system = _road()
    live = _goal(system)
    assert isinstance(live, Eventually)
    found = goal_plan(_future(system), compile_predicate(system, live.goal), (0, 0, 0), 3)
    assert found.plans == (None,) and found.stopped == "states"
    depth_one = explore(_future(system), (0, 0, 0), [lambda s: s[0] == 2], 100, max_depth=1)
    assert depth_one.plans == (None,) and depth_one.stopped == ""


def test_replay_and_the_explicit_engine_agree_at_a_limit() -> None:
    """The fall is a violation without a limit; with x's bound at 2, the fallen state still
    reaches a limit state, so the engine says `unknown` and replay refuses the trace."""
    free = _road()
    [r] = ExplicitChecker(free).check(["at-least-once"])
    assert r.verdict == "violated" and r.witness is not None
    steps = [{"action": free.actions[a].name} for a, _ in r.witness.path]
    assert replay(free, "at-least-once", steps).ok
    bounded = _road(limit_at=2)
    [u] = ExplicitChecker(bounded).check(["at-least-once"])
    assert u.verdict == "unknown" and u.reason == "x reached the modelled bound"
    outcome = replay(bounded, "at-least-once", steps)
    assert not outcome.ok and "does not violate" in outcome.message


def test_a_composite_is_answered_from_its_parts() -> None:
    system = _road()
    assert [g.guarantee for g in system.checked(["exactly-once"])] == [
        "at-least-once",
        "at-most-once",
    ]
    [eo] = ExplicitChecker(system).check(["exactly-once"])
    [alo] = ExplicitChecker(system).check(["at-least-once"])
    assert eo.guarantee == "exactly-once" and eo.verdict == "violated"
    assert eo.witness == alo.witness
    steps = [{"action": system.actions[a].name} for a, _ in alo.witness.path]  # type: ignore[union-attr]
    assert replay(system, "exactly-once", steps).ok


def test_trace_text_keeps_no_system_alive() -> None:
    """The step texts are compiled per trace: no cache keyed on a system outlives it."""
    system = _road()
    steps = make_steps(system, [(0, (1, 0, 0))], system.initial_state())
    assert steps[0].text == "x+1"
    ref = weakref.ref(system)
    del system
    gc.collect()
    assert ref() is None


def _ring() -> TransitionSystem:
    """x: 0 <-> 1 is a cycle the run can leave (1 -> 2); 2 <-> 3 is one it cannot; a fault
    jumps from 0 straight to 4, a dead end a fault-free run never reaches."""
    x = Var("x")
    moves = [("a", 0, 1), ("loop", 1, 0), ("b", 1, 2), ("spin", 2, 3), ("back", 3, 2)]
    actions = [Action(n, "send", "p", x.eq(lo), {"x": Const(hi)}, n) for n, lo, hi in moves]
    actions.append(
        Action("jump", "broker_crash", "b", x.eq(0), {"x": Const(4)}, "jump", fault="broker_crash")
    )
    return TransitionSystem(
        name="ring",
        variables=(Variable("x", 0, 4, 0),),
        actions=tuple(actions),
        guarantees=(Eventually("at-least-once", x.eq(4), {"far": x.eq(4)}, "x reaches 4"),),
    )


def test_settle_stops_at_the_nearest_terminal_component() -> None:
    """The cycle 0 <-> 1 is not settled (the run can leave it); 2 <-> 3 is, though steps
    still happen there; the fault's dead end does not count (no fault is followed)."""
    system = _ring()
    future = _future(system)
    plan, stopped = settle(future, (0,))
    assert plan is not None and stopped == ""
    assert [system.actions[a].name for a in plan] == ["a", "b"]
    assert settle(future, (3,)) == ((), "")  # already settled: nothing more to show
    assert settle(future, (0,), max_states=2) == (None, "states")


def test_settle_runs_into_a_deadlock() -> None:
    """After the fall, x still walks to its end, where nothing is enabled: that is where the
    fallen run settles (and the goal is not there)."""
    system = _road()
    future = _future(system)
    plan, _ = settle(future, (1, 1, 0))
    assert plan is not None and [system.actions[a].name for a in plan] == ["step"] * 3


def test_an_at_least_once_witness_carries_how_it_plays_out() -> None:
    """The engines' witness of a doomed state: its consequence starts there, is fault-free,
    and ends where `settle` says; an invariant's witness has none."""
    system = _road()
    [r] = ExplicitChecker(system).check(["at-least-once"])
    assert r.witness is not None and r.witness.path[-1][1] == (1, 1, 0)
    assert [system.actions[a].name for a, _ in r.witness.consequence] == ["step"] * 3
    assert r.witness.consequence[-1][1] == (4, 1, 0)
    [m] = ExplicitChecker(_ring()).check(["at-least-once"])
    assert m.verdict == "violated" and m.witness is not None and m.witness.path == ()
    assert [_ring().actions[a].name for a, _ in m.witness.consequence] == ["a", "b"]


def test_a_variable_says_what_its_integers_mean() -> None:
    """The IR's value-label table is data the model sets; an enum must name every value and
    a bool stays within 0..1, so a renderer never meets an unnamed code."""
    import pytest

    from mqcheck.ir.union import union

    Variable("up", 0, 1, 1, kind="bool")
    Variable("who", 0, 2, 0, kind="enum", labels={0: "broker 1", 1: "broker 2", 2: "none"})
    with pytest.raises(ValueError, match="names every value"):
        Variable("who", 0, 2, 0, kind="enum", labels={0: "broker 1", 1: "broker 2"})
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        Variable("up", 0, 2, 1, kind="bool")
    with pytest.raises(ValueError, match="kind"):
        Variable("x", 0, 1, 0, kind="float")

    def member(hi: int) -> TransitionSystem:
        names = {x: f"broker {x + 1}" for x in range(hi)} | {hi: "none"}
        return TransitionSystem(
            "m", (Variable("leader", 0, hi, 0, kind="enum", labels=names),), (), ()
        )

    [_, same] = union([member(2), member(2)]).system.variables
    assert same.kind == "enum" and same.labels[2] == "none"
    # with different replica counts, value 2 is "none" in one and "broker 3" in the other
    [_, mixed] = union([member(2), member(3)]).system.variables
    assert (mixed.kind, dict(mixed.labels), mixed.hi) == ("int", {}, 3)
