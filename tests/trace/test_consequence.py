"""How an at-least-once loss plays out after the minimal trace: one fault-free continuation
from the doomed state to where the run settles, in the text report (lettered), the JSON
result (an additive `consequence` key) and nowhere for a safety violation."""

from __future__ import annotations

from pathlib import Path

from mqcheck.ir.compile_py import compile_system
from mqcheck.ir.lookahead import Future, settle
from mqcheck.result import CheckResult
from mqcheck.run import check_spec, compile_spec
from mqcheck.spec.load import load_spec
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import check_json
from mqcheck.trace.render_text import letter, render, render_counterexample

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _checked(name: str) -> tuple[Spec, CheckResult]:
    loaded = load_spec(SPECS / f"{name}.yaml")
    assert loaded.spec is not None
    return loaded.spec, check_spec(loaded.spec)


def test_letters_never_look_like_step_numbers() -> None:
    assert [letter(i) for i in (1, 2, 26, 27, 28, 52, 53)] == [
        "a",
        "b",
        "z",
        "aa",
        "ab",
        "az",
        "ba",
    ]


def test_json_carries_the_consequence_after_the_steps() -> None:
    """The contract's keys keep their order; `consequence` comes right after `steps`, its
    steps have the shape of the others, numbered from 1, with no fault among them."""
    _, result = _checked("minisr1-isr-shrink-unclean")
    cex = check_json(result)["results"][0]["counterexample"]
    keys = list(cex)
    assert keys.index("consequence") == keys.index("steps") + 1
    consequence = cex["consequence"]
    assert [s["i"] for s in consequence] == list(range(1, len(consequence) + 1))
    assert all({"i", "kind", "actor", "text", "action", "state"} <= set(s) for s in consequence)
    assert not any("fault" in s for s in consequence)
    assert [s["kind"] for s in consequence][:2] == ["restart", "truncate"]


def test_a_safety_violation_has_no_consequence() -> None:
    """A duplicate is seen in the violating state itself; there is nothing to play out."""
    _, result = _checked("retry-after-lost-response-duplicates")
    [json] = [r for r in check_json(result)["results"] if r["guarantee"] == "at-most-once"]
    assert "consequence" not in json["counterexample"]
    [r] = [r for r in result.results if r.guarantee == "at-most-once"]
    assert r.counterexample is not None and r.counterexample.consequence == ()
    assert "How it plays out" not in "\n".join(render_counterexample(r.guarantee, r.counterexample))


def test_the_consequence_ends_where_the_run_has_settled() -> None:
    """From its last state `settle` has nothing more to show, and the goal is still out of
    reach (the message stays lost)."""
    spec, result = _checked("acks1-leader-failover")
    [r] = [r for r in result.results if r.guarantee == "at-least-once"]
    assert r.witness is not None and r.witness.consequence
    system = compile_spec(spec, ("at-least-once",))
    future = Future.of(system, compile_system(system).successors)
    assert settle(future, r.witness.consequence[-1][1]) == ((), "")
    text = render(result)
    assert "How it plays out (no further faults):\n   a. the controller elects broker 2" in text
    assert "The run has settled: no fault-free step leads anywhere new, and m1 stays lost." in text
