"""`check --symbolic`: one Z3 query over the union of configurations gives, per
configuration, the verdict of checking that configuration's spec alone (explicit engine),
wherever it decides; its traces replay against the configuration's own model; combinations
Kafka refuses are listed; the CLI prints the table, picks the exit code and refuses bad
names and values with a did-you-mean (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mqcheck.cli import main
from mqcheck.engines.config_search import UnionChecker
from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.symbolic import SymbolicLimits
from mqcheck.ir.expr import Var
from mqcheck.ir.system import Action, Invariant, TransitionSystem, Variable
from mqcheck.ir.union import union
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.result import GuaranteeResult
from mqcheck.review.whatif.domains import DomainError, parse_symbolic, resolve
from mqcheck.review.whatif.symbolic import SymbolicResult, check_symbolic
from mqcheck.spec.load import load_spec_data
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_json import step_json
from mqcheck.trace.replay import replay
from mqcheck.trace.steps import with_traces
from tests.strategies import tiny_specs

GUARANTEES = ("at-least-once", "at-most-once")


def _traced(
    members: Sequence[TransitionSystem], answers: list[list[GuaranteeResult]]
) -> list[list[GuaranteeResult]]:
    """Each member's results with the traces of its own model, as `check --symbolic` shows them."""
    return [with_traces(m, rs) for m, rs in zip(members, answers, strict=True)]


def _replays(system: TransitionSystem, r: GuaranteeResult) -> bool:
    assert r.counterexample is not None
    steps = [step_json(s) for s in r.counterexample.steps]
    return replay(system, r.guarantee, steps).ok


# ---- the union on hand-made systems --------------------------------------------------------
def _counter(name: str, hi: int, bad_at: int, limit_at: int | None = None) -> TransitionSystem:
    x = Var("x")
    return TransitionSystem(
        name=name,
        variables=(Variable("x", 0, hi, 0), Variable(f"only_{name}", 0, 1, 1)),
        actions=(Action("inc", "send", "p", x < hi, {"x": x + 1}, "x+1"),),
        guarantees=(Invariant("at-most-once", x.eq(bad_at), "x reaches bad_at"),),
        limit=None if limit_at is None else x.eq(limit_at),
        limit_reason=f"{name} reached its bound",
    )


def test_union_answers_per_member() -> None:
    """Member 0 violates at depth 2, member 1 never (x stops at 3), member 2 reaches a limit
    state first: violated with a 2-step trace of member 0's own model, holds, unknown."""
    members = (_counter("a", 5, 2), _counter("b", 3, 9), _counter("c", 5, 4, limit_at=3))
    u = union(members)
    # a variable a member does not have keeps one constant value while that member runs
    assert u.system.starts() == ((0, 0, 1, 1, 1), (1, 0, 1, 1, 1), (2, 0, 1, 1, 1))
    got = _traced(members, UnionChecker(u, SymbolicLimits(timeout_s=20)).check(["at-most-once"]))
    verdicts = [r[0].verdict for r in got]
    assert verdicts == ["violated", "holds", "unknown"]
    cex = got[0][0].counterexample
    assert cex is not None and [s.action for s in cex.steps] == ["inc", "inc"]
    assert _replays(members[0], got[0][0])
    assert "c reached its bound" in got[2][0].reason


def test_union_restarts_on_the_open_members() -> None:
    """Three of five members violate by depth 2, so the query restarts on the union of the
    other two, where `config` numbers them 0 and 1: each must still be judged by its own
    guarantee (e violates at depth 5, d never)."""
    members = (
        _counter("a", 5, 1),
        _counter("b", 5, 2),
        _counter("c", 5, 2),
        _counter("d", 3, 9),
        _counter("e", 5, 5),
    )
    got = _traced(
        members, UnionChecker(union(members), SymbolicLimits(timeout_s=20)).check(["at-most-once"])
    )
    assert [r[0].verdict for r in got] == ["violated"] * 3 + ["holds", "violated"]
    depths = [len(r[0].counterexample.steps) for r in got if r[0].counterexample]
    assert depths == [1, 2, 2, 5]
    assert _replays(members[4], got[4][0])


def test_explicit_engine_refuses_a_union() -> None:
    with pytest.raises(ValueError, match="one initial state"):
        ExplicitChecker(union((_counter("a", 3, 9), _counter("b", 3, 9))).system)


# ---- the union of arbitrary small specs ----------------------------------------------------
def _union_agrees(specs: list[Spec], z3_seconds: float) -> None:
    try:
        members = [build(s, GUARANTEES) for s in specs]
    except UnsupportedSpec:
        return
    answers = _traced(
        members,
        UnionChecker(union(members), SymbolicLimits(timeout_s=z3_seconds)).check(GUARANTEES),
    )
    for member, got in zip(members, answers, strict=True):
        alone = ExplicitChecker(member, Limits(max_states=200_000, timeout_s=60)).check(GUARANTEES)
        for e, z in zip(alone, got, strict=True):
            if "unknown" not in (e.verdict, z.verdict):
                assert e.verdict == z.verdict, (e.guarantee, e.verdict, z.verdict, z.reason)
            if z.verdict == "violated":
                assert _replays(member, z)


@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(tiny_specs(), min_size=2, max_size=2))
def test_union_of_unrelated_specs_agrees_with_each_alone(specs: list[Spec]) -> None:
    """The members need not be related: different replication factors, faults and clients
    merge into one union whose answers are each member's own."""
    _union_agrees(specs, z3_seconds=4.0)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(tiny_specs(), min_size=2, max_size=3))
def test_union_of_many_unrelated_specs_agrees(specs: list[Spec]) -> None:
    # CI runs the slow step too: at most 25 x 10 s of Z3
    _union_agrees(specs, z3_seconds=10.0)


# ---- --symbolic on YAML specs --------------------------------------------------------------
@st.composite
def yaml_specs(draw: st.DrawFn) -> dict[str, Any]:
    """A small spec as YAML data (one message, at most two replicas, at most two faults)."""
    rf = draw(st.integers(1, 2))
    acks = draw(st.sampled_from([0, 1, "all"]))
    faults: dict[str, Any] = {
        name: 1
        for name in draw(
            st.lists(
                st.sampled_from(
                    [
                        "broker_crash",
                        "produce_request_lost",
                        "produce_response_lost",
                        "consumer_crash",
                        "broker_power_loss",
                    ]
                ),
                max_size=2,
                unique=True,
            )
        )
    }
    faults["follower_lag"] = rf == 2 and draw(st.booleans())
    return {
        "mqcheck": 1,
        "name": "symbolic-example",
        "kafka_version": "3.7",
        "cluster": {"brokers": rf},
        "topics": {
            "events": {
                "partitions": 1,
                "replication.factor": rf,
                "min.insync.replicas": draw(st.integers(1, rf)),
                "unclean.leader.election.enable": draw(st.booleans()),
            }
        },
        "producers": {
            "app": {
                "topic": "events",
                "acks": acks,
                "max.in.flight.requests.per.connection": 1,
                "app": {"on_send_error": draw(st.sampled_from(["drop", "resend", "halt"]))},
            }
        },
        "consumers": {
            "reader": {
                "topic": "events",
                "group.id": "reader",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "app": {"commit": draw(st.sampled_from(["after_processing", "before_processing"]))},
            }
        },
        "faults": faults,
        "check": {"guarantees": list(GUARANTEES), "messages": 1},
    }


SYMBOLIC_CHOICES = [
    ("acks", None),
    ("min.insync.replicas", None),
    ("unclean.leader.election.enable", None),
    ("app.on_send_error", ("drop", "resend")),
    ("enable.idempotence", None),
    ("app.commit", ("after_processing", "before_processing")),
]


def _loaded(data: dict[str, Any]) -> Spec:
    loaded = load_spec_data(data, "<test>")
    assert loaded.spec is not None, loaded.errors
    return loaded.spec


def _symbolic_agrees(data: dict[str, Any], chosen: list[tuple[str, Any]], seconds: float) -> None:
    spec = _loaded(data)
    domains = resolve(spec, chosen)
    z3_run = check_symbolic(spec, data, domains, engine="z3", timeout_s=seconds)
    explicit = check_symbolic(spec, data, domains, engine="explicit")
    assert [c.values for c in z3_run.combinations] == [c.values for c in explicit.combinations]
    for z, e in zip(z3_run.combinations, explicit.combinations, strict=True):
        assert z.status == e.status
        if z.status == "invalid":
            assert z.reason and not z.results
            continue
        assert z.spec is not None
        system = build(z.spec, GUARANTEES)
        for zr, er in zip(z.results, e.results, strict=True):
            if "unknown" not in (zr.verdict, er.verdict):
                assert zr.verdict == er.verdict, (z.values, zr.guarantee, zr.reason)
            if zr.verdict == "violated":
                assert _replays(system, zr), (z.values, zr.guarantee)


@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    yaml_specs(), st.lists(st.sampled_from(SYMBOLIC_CHOICES), min_size=1, max_size=2, unique=True)
)
def test_symbolic_verdicts_equal_each_variant_alone(
    data: dict[str, Any], chosen: list[tuple[str, Any]]
) -> None:
    _symbolic_agrees(data, chosen, seconds=5.0)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    yaml_specs(), st.lists(st.sampled_from(SYMBOLIC_CHOICES), min_size=1, max_size=2, unique=True)
)
def test_symbolic_verdicts_equal_each_variant_alone_many(
    data: dict[str, Any], chosen: list[tuple[str, Any]]
) -> None:
    # at most 25 x 15 s of Z3
    _symbolic_agrees(data, chosen, seconds=15.0)


def test_invalid_combinations_are_listed_not_checked() -> None:
    """enable.idempotence: true set explicitly with acks 0 or 1 is refused by Kafka."""
    data = _minisr_data()
    spec = _loaded(data)
    result = check_symbolic(spec, data, resolve(spec, [("acks", None)]), engine="explicit")
    assert [(c.values, c.status) for c in result.combinations] == [
        ((("acks", "0"),), "invalid"),
        ((("acks", "1"),), "invalid"),
        ((("acks", "all"),), "checked"),
    ]
    assert "Must set acks to all" in result.invalid()[0].reason


def test_domains() -> None:
    spec = _loaded(_minisr_data())
    assert resolve(spec, parse_symbolic(["acks,min.insync.replicas"])) == [
        ("acks", ("0", "1", "all")),
        ("min.insync.replicas", ("1", "2")),  # 1..brokers
    ]
    assert resolve(spec, parse_symbolic(["flush.messages=1,9223372036854775807"])) == [
        ("flush.messages", ("1", "9223372036854775807"))
    ]
    assert resolve(spec, parse_symbolic(["auto.offset.reset"]))[0][1] == (
        "latest",
        "earliest",
        "none",
    )
    for bad, words in [
        (["min.insync.replica"], "did you mean 'min.insync.replicas'?"),
        (["acks=0,al"], "did you mean 'all'?"),
        (["retries"], "give them"),
        (["flush.messages=1,many"], "not an integer"),
        (["acks", "acks=1"], "given twice"),
        (["acks="], "expected NAME=V1,V2"),
    ]:
        with pytest.raises(DomainError, match=words.replace("?", r"\?")):
            resolve(spec, parse_symbolic(bad))


# ---- the command line ----------------------------------------------------------------------
def _minisr_data() -> dict[str, Any]:
    path = Path(__file__).parents[2] / "specs" / "minisr-above-replication-factor.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _spec_file(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_cli_table_json_and_exit_codes(tmp_path: Path) -> None:
    spec = _spec_file(tmp_path, _minisr_data())
    runner = CliRunner()
    # min.insync.replicas=3 > replication.factor=2 before 3.7: nothing is ever delivered
    run = runner.invoke(
        main, ["check", spec, "--symbolic", "min.insync.replicas=2,3", "--engine", "z3"]
    )
    assert run.exit_code == 1, run.output
    lines = run.output.splitlines()
    assert any(line.split()[:3] == ["2", "holds", "holds"] for line in lines), run.output
    assert any(line.split()[:2] == ["3", "violated"] for line in lines), run.output
    assert "Invalid" not in run.output
    data = _minisr_data()
    data["topics"]["trades"]["min.insync.replicas"] = 2
    spec = _spec_file(tmp_path, data)
    run = runner.invoke(main, ["check", spec, "--symbolic", "acks", "--format", "json"])
    assert run.exit_code == 0, run.output
    doc = json.loads(run.output)
    assert [r["verdict"] for r in doc["results"]] == ["holds", "holds"]
    section = doc["symbolic"]
    assert section["properties"] == [{"name": "acks", "values": ["0", "1", "all"]}]
    assert section["invalid"] == [{"acks": "0"}, {"acks": "1"}]
    assert section["safe"] == [{"acks": "all"}]
    assert [c["status"] for c in section["combinations"]] == ["invalid", "invalid", "checked"]


def test_cli_json_traces_replay_against_their_combination(tmp_path: Path) -> None:
    data = _minisr_data()
    spec = _spec_file(tmp_path, data)
    run = CliRunner().invoke(
        main,
        [
            "check",
            spec,
            "--symbolic",
            "min.insync.replicas=3",
            "--engine",
            "z3",
            "--format",
            "json",
        ],
    )
    assert run.exit_code == 1, run.output
    doc = json.loads(run.output)
    [combo] = doc["symbolic"]["combinations"]
    [alo] = [r for r in combo["results"] if r["verdict"] == "violated"]
    variant = dict(
        data, topics={"trades": dict(data["topics"]["trades"], **{"min.insync.replicas": 3})}
    )
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps({"mqcheck": 1, "results": [alo]}), encoding="utf-8")
    replayed = CliRunner().invoke(main, ["replay", _spec_file(tmp_path, variant), str(trace)])
    assert replayed.exit_code == 0, replayed.output


def test_cli_engine_both_cross_checks_each_combination(tmp_path: Path) -> None:
    spec = _spec_file(tmp_path, _minisr_data())
    run = CliRunner().invoke(
        main,
        [
            "check",
            spec,
            "--symbolic",
            "min.insync.replicas=2,3",
            "--engine",
            "both",
            "--format=json",
        ],
    )
    assert run.exit_code == 1, run.output
    combos = json.loads(run.output)["symbolic"]["combinations"]
    assert [c["verdict"] for c in combos] == ["holds", "violated"]
    assert all("z3 agrees" in r["reason"] for c in combos for r in c["results"])


def test_cli_unknown_is_exit_3(tmp_path: Path) -> None:
    spec = _spec_file(tmp_path, _minisr_data())
    run = CliRunner().invoke(main, ["check", spec, "--symbolic", "acks=all", "--max-states", "3"])
    assert run.exit_code == 3, run.output
    assert "Unknown:" in run.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--symbolic", "min.insync.replica"], "did you mean 'min.insync.replicas'?"),
        (["--symbolic", "acks=0,2"], "'2' is not a value of acks"),
        (["--symbolic", "acks", "--format", "mermaid"], "not available"),
        (["--symbolic", "acks", "--trace-out", "t.json"], "not available"),
        (["--symbolic", "acks=0,1"], "every combination is invalid"),
    ],
)
def test_cli_bad_input_is_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    spec = _spec_file(tmp_path, _minisr_data())
    run = CliRunner().invoke(main, ["check", spec, *args])
    assert run.exit_code == 2, run.output
    assert words in run.output
    assert "Traceback" not in run.output


def test_summary_names_the_first_violating_combination() -> None:
    data = _minisr_data()
    spec = _loaded(data)
    result: SymbolicResult = check_symbolic(
        spec, data, resolve(spec, [("min.insync.replicas", ("2", "3"))]), engine="explicit"
    )
    alo = result.summary()[0]
    assert alo.verdict == "violated"
    assert alo.reason.startswith("with min.insync.replicas=3 (1 of 2 combinations violated)")
    assert result.exit_code() == 1
