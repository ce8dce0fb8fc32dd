"""The Z3 engine's promises: it reads the same IR, finds the shallowest violation and
rebuilds it as a trace that replays and renders like the explicit engine's; it proves `holds`
only by completeness or k-induction; limits end in `unknown`, never in `holds`; `--engine
both` reports a disagreement as exit 5."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mqcheck import exits
from mqcheck.cli import main
from mqcheck.engines.explicit import ExplicitChecker
from mqcheck.engines.symbolic import SymbolicLimits, Z3Checker
from mqcheck.ir.expr import Var, all_of
from mqcheck.ir.system import Action, Invariant, TransitionSystem, Variable
from mqcheck.model.compile import build
from mqcheck.result import GuaranteeResult
from mqcheck.run import check_spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import with_traces
from tests.factories import make_spec

#: An acks=0 producer whose one request may be lost: violated by both engines.
ACKS0_SPEC = """
mqcheck: 1
name: acks1
kafka_version: "3.7"
cluster: {brokers: 1}
topics:
  events: {partitions: 1, replication.factor: 1, min.insync.replicas: 1}
producers:
  app: {topic: events, acks: 0, enable.idempotence: false}
consumers:
  reader: {topic: events, group.id: reader, enable.auto.commit: false}
faults: {produce_request_lost: 1}
check: {guarantees: [at-least-once], messages: 1}
"""


def _counter(
    bad_at: int, hi: int = 5, wrap: bool = False, limit_at: int | None = None
) -> TransitionSystem:
    """x counts up to `hi` (and wraps to 0 when `wrap`); y follows x."""
    x, y = Var("x"), Var("y")
    actions = [
        Action("inc", "send", "p", x < hi, {"x": x + 1, "y": y + 1}, "x+1"),
    ]
    if wrap:
        actions.append(Action("wrap", "send", "p", x.eq(hi), {"x": x * 0, "y": y * 0}, "x=0"))
    return TransitionSystem(
        name="counter",
        variables=(Variable("x", 0, hi, 0), Variable("y", 0, hi, 0), Variable("over", 0, 1, 0)),
        actions=tuple(actions),
        guarantees=(
            Invariant("at-most-once", x.eq(bad_at), "x reaches bad_at"),
            Invariant("ordering", x.ne(y), "x and y differ"),
        ),
        limit=None if limit_at is None else x.eq(limit_at),
        limit_reason="x reached the modelled bound",
    )


def _z3(system: TransitionSystem, *guarantees: str, **limits: object) -> list[GuaranteeResult]:
    found = Z3Checker(system, SymbolicLimits(**limits)).check(guarantees)  # type: ignore[arg-type]
    return with_traces(system, found)


def _replays(system: TransitionSystem, r: GuaranteeResult) -> bool:
    assert r.counterexample is not None
    steps = [step_json(s) for s in r.counterexample.steps]
    return replay(system, r.guarantee, steps).ok


def test_shallowest_violation_is_found_and_replays() -> None:
    system = _counter(bad_at=3)
    [r] = _z3(system, "at-most-once")
    assert r.verdict == "violated" and r.engine == "z3"
    assert r.counterexample is not None
    assert [s.action for s in r.counterexample.steps] == ["inc", "inc", "inc"]
    assert r.counterexample.steps[-1].state == {"x": 3, "y": 3, "over": 0}
    assert _replays(system, r)


def test_holds_by_completeness() -> None:
    """x never reaches 9: no simple path of length 6 leaves the initial state (or, as
    well, 6-induction)."""
    [r] = _z3(_counter(bad_at=9, wrap=True), "at-most-once")
    assert r.verdict == "holds"
    assert "no simple path of length 6" in r.reason or "k = 6" in r.reason
    [r] = _z3(_counter(bad_at=9), "at-most-once")
    assert r.verdict == "holds"


def test_holds_by_k_induction_before_the_depth_limit() -> None:
    """x == y is inductive (k = 1) although the counter's paths are long."""
    [r] = _z3(_counter(bad_at=99, hi=40), "ordering", max_depth=5)
    assert r.verdict == "holds"
    assert "k-induction" in r.reason


def test_depth_limit_gives_unknown_never_holds() -> None:
    # the BMC's depth limit (IC3, which could still prove it, is tested in test_pdr.py)
    [r] = _z3(_counter(bad_at=99, hi=40), "at-most-once", max_depth=5, pdr=False)
    assert r.verdict == "unknown"
    assert "depth" in r.reason


def test_reachable_limit_state_gives_unknown_never_holds() -> None:
    [r] = _z3(_counter(bad_at=9, limit_at=2), "at-most-once")
    assert r.verdict == "unknown"
    assert "modelled bound" in r.reason
    # a violation in a limit state is still reported, as by the explicit engine
    [r] = _z3(_counter(bad_at=2, limit_at=2), "at-most-once")
    assert r.verdict == "violated"


def test_integers_and_bitvectors_agree() -> None:
    """Z3 integers are the slow reference for the bit-vector encoding."""
    for system in (_counter(bad_at=3), _counter(bad_at=9, wrap=True)):
        a = _z3(system, "at-most-once", "ordering", bitvectors=True)
        b = _z3(system, "at-most-once", "ordering", bitvectors=False)
        assert [r.verdict for r in a] == [r.verdict for r in b]
    spec = make_spec(acks=1, idempotence=False, faults={"broker_crash": 1}, messages=1, rf=2)
    system = build(spec, ("at-least-once",))
    a = _z3(system, "at-least-once", bitvectors=True, timeout_s=60)
    b = _z3(system, "at-least-once", bitvectors=False, timeout_s=60)
    assert [r.verdict for r in a] == [r.verdict for r in b] == ["violated"]


def test_at_least_once_violation_matches_the_explicit_trace() -> None:
    spec = make_spec(
        acks=1,
        idempotence=False,
        faults={"broker_crash": 1},
        guarantees=("at-least-once",),
        messages=1,
    )
    system = build(spec, ("at-least-once",))
    [r] = _z3(system, "at-least-once")
    assert r.verdict == "violated"
    assert r.counterexample is not None
    assert [s.kind for s in r.counterexample.steps] == ["send", "append", "ack", "broker_crash"]
    assert r.counterexample.lost == ("m1",)
    assert _replays(system, r)
    [e] = with_traces(system, ExplicitChecker(system).check(("at-least-once",)))
    assert e.counterexample is not None
    assert e.counterexample.steps == r.counterexample.steps


def test_at_least_once_holds_when_durable() -> None:
    spec = make_spec(
        faults={"broker_crash": 1}, guarantees=("at-least-once",), messages=1, rf=1, min_isr=1
    )
    [r] = check_spec(spec, engine="z3").results
    assert r.verdict == "holds"


def test_counterexample_prefers_the_fewest_faults() -> None:
    """As the explicit engine: a broker crash shortens the path to a duplicate, but the
    story with only the consumer crash is reported."""
    spec = make_spec(faults={"broker_crash": 1, "consumer_crash": 1}, messages=1, rf=2)
    system = build(spec, ("at-most-once",))
    [r] = _z3(system, "at-most-once")
    assert r.counterexample is not None
    assert r.counterexample.faults_used == ("consumer_crash",)
    assert r.counterexample.duplicated == ("m1",)
    assert _replays(system, r)


def test_time_limit_gives_unknown() -> None:
    spec = make_spec(faults={"broker_crash": 1, "consumer_crash": 1})
    [r] = check_spec(spec, ("at-least-once",), engine="z3", timeout_s=1e-6).results
    assert r.verdict == "unknown" and "time limit" in r.reason


def test_exactly_once_combines_both() -> None:
    spec = make_spec(acks=0, idempotence=False, faults={"produce_request_lost": 1}, messages=1)
    [r] = check_spec(spec, ("exactly-once",), engine="z3").results
    assert r.guarantee == "exactly-once" and r.verdict == "violated"


LOSSY = {
    "acks": 0,
    "idempotence": False,
    "faults": {"produce_request_lost": 1},
    "messages": 1,
    "rf": 1,
    "min_isr": 1,
}


def test_both_engines_agree_and_report_no_disagreement() -> None:
    spec = make_spec(**LOSSY)
    result = check_spec(spec, engine="both")
    assert result.disagreements == ()
    assert [r.verdict for r in result.results] == ["violated", "holds"]
    assert exits.for_check(result) == 1


def _flip(results: list[GuaranteeResult]) -> list[GuaranteeResult]:
    from dataclasses import replace

    flipped = {"holds": "violated", "violated": "holds"}
    return [replace(r, verdict=flipped.get(r.verdict, r.verdict)) for r in results]


def test_disagreement_is_exit_5_with_both_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Z3Checker.check
    monkeypatch.setattr(Z3Checker, "check", lambda self, g: _flip(original(self, g)))
    spec = make_spec(**LOSSY)
    result = check_spec(spec, engine="both")
    assert [d.guarantee for d in result.disagreements] == ["at-least-once", "at-most-once"]
    assert exits.for_check(result) == 5
    path = tmp_path / "a.yaml"
    path.write_text(ACKS0_SPEC, encoding="utf-8")
    out = CliRunner().invoke(main, ["check", str(path), "--engine", "both"])
    assert out.exit_code == 5
    assert "explicit says violated, z3 says holds" in out.output
    assert "explicit's trace:" in out.output


def test_cli_engine_z3_checks(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(ACKS0_SPEC, encoding="utf-8")
    trace = tmp_path / "t.json"
    runner = CliRunner()
    out = runner.invoke(main, ["check", str(path), "--engine", "z3", "--trace-out", str(trace)])
    assert out.exit_code == 1, out.output
    assert "[z3]" in out.output
    again = runner.invoke(main, ["replay", str(path), str(trace)])
    assert again.exit_code == 0, again.output


def test_guards_over_conjunctions_translate() -> None:
    """A guard built by all_of over several comparisons, an update using min/max."""
    from mqcheck.ir.expr import maximum, minimum

    x = Var("x")
    system = TransitionSystem(
        name="t",
        variables=(Variable("x", 0, 4, 0),),
        actions=(
            Action("up", "send", "p", all_of([x >= 0, x < 4]), {"x": minimum([x + 2, 4])}, ""),
            Action("down", "send", "p", x > 2, {"x": maximum([x - 3, 0])}, ""),
        ),
        guarantees=(Invariant("at-most-once", x.eq(1), "x is 1"),),
    )
    [r] = _z3(system, "at-most-once")
    assert r.verdict == "violated"
    assert [s.action for s in r.counterexample.steps] == ["up", "up", "down"]  # type: ignore[union-attr]
