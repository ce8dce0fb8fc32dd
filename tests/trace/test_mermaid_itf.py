"""`check --format mermaid|itf`: sequence diagrams and ITF traces of counterexamples."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec
from mqcheck.trace import render_itf, render_mermaid
from mqcheck.trace.render_json import check_json

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _checked(name: str) -> Any:
    loaded = load_spec(SPECS / f"{name}.yaml")
    assert loaded.spec is not None
    return loaded.spec, check_spec(loaded.spec)


def test_escape_keeps_mermaid_statements_whole() -> None:
    text = render_mermaid.escape("a; b #1 <x> >= 2")
    assert ";" not in text.replace("#59;", "").replace("#35;", "").replace("#lt;", "").replace(
        "#gt;", ""
    )
    assert "≥" in text and "\n" not in text
    assert render_mermaid.label("x " * 60).count("<br/>") >= 1


def test_headline_keeps_short_first_clause_company() -> None:
    assert render_mermaid.headline("no ISR member is alive; the controller elects 2; more") == (
        "no ISR member is alive; the controller elects 2"
    )
    assert render_mermaid.headline("a long enough first clause of forty chars; x") == (
        "a long enough first clause of forty chars"
    )


def test_unclean_election_diagram() -> None:
    spec, result = _checked("minisr1-isr-shrink-unclean")
    text = render_mermaid.render_for_spec(result, spec)
    lines = text.splitlines()
    assert lines[0] == "%% minisr1-isr-shrink-unclean: at-least-once violated"
    assert lines[1] == "sequenceDiagram"
    assert "    participant P1 as producer checkout" in lines
    assert "    participant B2 as broker 2" in lines
    assert "    participant CTL as controller" in lines
    assert "    participant C1 as consumer billing" in lines
    assert "    critical FAULT follower_lag" in lines
    assert "    critical FAULT broker_crash" in lines
    # the two faults, then how the loss plays out, lettered as in the text report
    assert lines.count("    end") == 3
    opt = lines.index("    opt how it plays out (no further faults)")
    assert lines[opt - 1].startswith("    Note right of CTL: ⚠")  # after the last numbered step
    assert re.match(r"        Note over B1: a\. broker 1 restarts", lines[opt + 1])
    assert any(line.startswith("    CTL->>B2: 6. ") for line in lines)
    assert any("⚠ unclean.leader.election.enable=true" in line for line in lines)
    assert lines[-1].endswith("Outcome: lost m1")
    # every step of the post-mortem appears, numbered, in order
    numbers = [int(m) for m in re.findall(r": (\d+)\. ", text)]
    assert numbers == list(range(1, len(numbers) + 1))
    cex = result.results[0].counterexample
    assert numbers[-1] == len(cex.steps)


def test_lost_request_and_response_are_crossed_arrows() -> None:
    spec, result = _checked("acks0-lost-request")
    text = render_mermaid.render_for_spec(result, spec)
    assert re.search(r"^        P1-xB1: 2\. the produce request for m1 is lost", text, re.M)
    spec, result = _checked("retry-after-lost-response-duplicates")
    text = render_mermaid.render_for_spec(result, spec)
    assert re.search(r"^        B1--xP1: \d+\. the success response for m1 is lost", text, re.M)
    assert "Outcome: processed twice: m1" in text


def test_every_statement_is_one_line_without_raw_semicolons() -> None:
    for name in ("cluster-power-loss-page-cache", "pipeline-clickstream-throughput"):
        spec, result = _checked(name)
        text = render_mermaid.render_for_spec(result, spec)
        for line in text.splitlines():
            assert ";" not in re.sub(r"#(\d+|lt|gt);", "", line), line


def test_holding_spec_gives_no_diagram() -> None:
    spec, result = _checked("cluster-power-loss-flush-every-message")
    assert render_mermaid.render_for_spec(result, spec) == ""
    assert render_itf.render(result) == ""


def _is_itf_value(value: Any) -> bool:
    if isinstance(value, (str, bool)):
        return True
    if isinstance(value, dict) and set(value) == {"#bigint"}:
        return re.fullmatch(r"-?\d+", value["#bigint"]) is not None
    return False


_ITF_TYPE = {"Bool": bool, "Str": str, "Int": dict}


def test_itf_trace_shape_and_values() -> None:
    _, result = _checked("acks1-leader-failover")
    (trace,) = render_itf.traces(result)
    assert trace["#meta"]["format"] == "ITF"
    assert trace["#meta"]["mqcheck"]["lost"] == ["m1"]
    cex = check_json(result)["results"][0]["counterexample"]
    states = trace["states"]
    types = trace["#meta"]["varTypes"]
    assert set(types) == set(trace["vars"])
    assert len(states) == len(cex["steps"]) + 1
    for index, state in enumerate(states):
        assert state["#meta"] == {"index": index}
        assert set(state) - {"#meta"} == set(trace["vars"])
        assert all(_is_itf_value(state[v]) for v in trace["vars"])
        assert not any(type(v) is int for v in state.values())
        # every state gives a variable the type #meta.varTypes declares
        assert all(isinstance(state[v], _ITF_TYPE[types[v]]) for v in trace["vars"])
    assert states[0]["mbt::actionTaken"] == "init"
    for step, state in zip(cex["steps"], states[1:], strict=True):
        assert state["mbt::actionTaken"] == step["action"]
        assert state["mqcheck::kind"] == step["kind"]
        for name, value in step["state"].items():
            if types[name] == "Int":
                assert state[name] == {"#bigint": str(value)}
    assert states[-1]["mqcheck::fault"] == "broker_crash"


def test_itf_values_read_as_the_model_means_them() -> None:
    """Status names, booleans, broker names and messages instead of the model's integers;
    a counter stays a number, and an integer's sentinel is named in #meta."""
    _, result = _checked("acks1-leader-failover")
    (trace,) = render_itf.traces(result)
    first, last = trace["states"][0], trace["states"][-1]
    types = trace["#meta"]["varTypes"]
    assert (first["leader"], last["leader"]) == ("broker 1", "none")
    assert (first["alive_0"], last["alive_0"]) == (True, False)
    assert types["alive_0"] == "Bool" and types["leader"] == "Str"
    assert (first["status_m1"], last["status_m1"]) == ("unsent", "acked")
    assert (first["log_0_0"], last["log_0_0"]) == ("empty", "m1")
    assert last["leo_0"] == {"#bigint": "1"} and types["leo_0"] == "Int"
    assert last["c0_committed"] == {"#bigint": "-1"}
    assert trace["#meta"]["mqcheck"]["valueLabels"]["c0_committed"] == {"-1": "none"}


def test_cli_mermaid_and_itf() -> None:
    runner = CliRunner()
    spec = str(SPECS / "acks1-leader-failover.yaml")
    out = runner.invoke(main, ["check", spec, "--format", "mermaid"])
    assert out.exit_code == 0  # the violation is the expected one
    assert "sequenceDiagram" in out.stdout
    assert "acks1-leader-failover: at-least-once violated" in out.stderr
    out = runner.invoke(main, ["check", spec, "--format", "itf"])
    assert out.exit_code == 0
    lines = out.stdout.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["vars"][0] == "alive_0"
    holds = str(SPECS / "cluster-power-loss-flush-every-message.yaml")
    out = runner.invoke(main, ["check", holds, "--format", "itf"])
    assert out.exit_code == 0 and out.stdout == ""
    assert "at-least-once holds" in out.stderr
