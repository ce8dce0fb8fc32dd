"""The design-review checklist: golden Markdown and SARIF on shipped specs, the hazard rows,
the resilience profile, and the `checklist` command.

Regenerate the golden files with MQCHECK_UPDATE_GOLDEN=1 and review the diff: they are what a
reviewer reads."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.review.checklist.build import Checklist, build_checklist
from mqcheck.review.checklist.hazards import AT_RISK, NOT_APPLICABLE, NOT_MODELLED, SAFE
from mqcheck.review.checklist.markdown import render_markdown
from mqcheck.review.checklist.sarif import render_sarif
from mqcheck.spec.load import load_spec, load_spec_text
from mqcheck.spec.schema import Spec

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = Path(__file__).parent.parent / "golden"
GOLDEN_SPECS = (
    "acks1-leader-failover",
    "commit-before-processing-crash",
    "retry-after-lost-response-duplicates",
)


def _spec(name: str) -> Spec:
    loaded = load_spec(ROOT / "specs" / f"{name}.yaml")
    assert loaded.spec is not None
    return replace(loaded.spec, path=f"specs/{name}.yaml")


@cache
def _checklist(name: str) -> Checklist:
    return build_checklist(_spec(name))


def _normalise(text: str) -> str:
    return re.sub(r'("version": )"[^"]+"(,\n\s+"informationUri")', r'\1"X"\2', text)


def _compare(text: str, path: Path) -> None:
    if os.environ.get("MQCHECK_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with MQCHECK_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", GOLDEN_SPECS)
def test_markdown_matches_golden(name: str) -> None:
    _compare(render_markdown(_checklist(name)), GOLDEN / f"{name}.md")


@pytest.mark.parametrize("name", GOLDEN_SPECS)
def test_sarif_matches_golden(name: str) -> None:
    _compare(_normalise(render_sarif(_checklist(name))), GOLDEN / f"{name}.sarif")


def _rows(checklist: Checklist) -> dict[str, str]:
    return {row.hazard.id: row.status for row in checklist.hazards}


def test_hazard_rows_of_acks1() -> None:
    checklist = _checklist("acks1-leader-failover")
    rows = _rows(checklist)
    assert rows["MQ010"] == AT_RISK
    assert rows["MQ000"] == SAFE and rows["MQ001"] == SAFE
    assert rows["MQ040"] == NOT_APPLICABLE and rows["MQ041"] == NOT_APPLICABLE
    row = next(r for r in checklist.hazards if r.hazard.id == "MQ010")
    assert row.in_fault_model and row.violated == ("at-least-once",)
    assert row.deciding[0].name == "acks"  # the setting the counterexample blames first
    assert "acks=all" in row.fixes[0]
    assert "broker 1, the leader, crashes" in row.sentence
    power = next(r for r in checklist.hazards if r.hazard.id == "MQ020")
    assert power.status == AT_RISK and not power.in_fault_model


def test_resilience_profile_of_acks1() -> None:
    profile = _checklist("acks1-leader-failover").profile
    assert profile is not None
    crash = profile.cell("broker_crash", "at-least-once")
    assert (crash.status, crash.budget) == ("breaks", 1)
    assert crash.text() == "loses messages with one broker crash"
    lost = profile.cell("produce_request_lost", "at-least-once")
    assert (lost.status, lost.budget) == ("survives", 2)
    assert lost.text() == "survives up to two lost produce requests"
    assert profile.cell("processor_crash", "at-least-once").status == "not applicable"


def test_fault_free_hazards_are_attributed() -> None:
    big = build_checklist(_spec("record-too-large-drop"), with_profile=False)
    assert _rows(big)["MQ005"] == AT_RISK and _rows(big)["MQ032"] == SAFE
    late = build_checklist(_spec("latest-reset-late-join"), with_profile=False)
    assert _rows(late)["MQ032"] == AT_RISK and _rows(late)["MQ005"] == SAFE
    # a fault row cannot be judged for a guarantee that already fails without faults
    assert _rows(late)["MQ010"] == "unknown"


TRANSACTIONAL = """
mqcheck: 1
name: txn
kafka_version: "3.7"
cluster: {brokers: 3}
topics:
  events: {partitions: 1, replication.factor: 3, min.insync.replicas: 2}
producers:
  app: {topic: events, acks: all, transactional.id: app-1}
consumers:
  reader: {topic: events, group.id: reader, enable.auto.commit: false}
faults: {broker_crash: 1}
check: {guarantees: [at-least-once], messages: 1}
"""


PROCESSOR = """processors:
  enrich: {from: events, to: events, group.id: enrich, processing.guarantee: exactly_once_v2}
"""


def test_transactional_spec_is_judged() -> None:
    loaded = load_spec_text(TRANSACTIONAL)
    assert loaded.spec is not None
    rows = _rows(build_checklist(loaded.spec, with_profile=False))
    assert rows["MQ040"] not in (NOT_MODELLED, NOT_APPLICABLE)
    assert rows["MQ010"] == SAFE


def test_unmodelled_spec_says_so() -> None:
    loaded = load_spec_text(TRANSACTIONAL + PROCESSOR)
    assert loaded.spec is not None
    checklist = build_checklist(loaded.spec)
    rows = _rows(checklist)
    assert rows["MQ041"] == NOT_MODELLED
    assert rows["MQ010"] == NOT_MODELLED
    assert checklist.profile is not None and checklist.profile.unsupported
    assert "not modelled" in render_markdown(checklist)


def test_sarif_shape_and_locations() -> None:
    doc = json.loads(render_sarif(_checklist("acks1-leader-failover")))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rules) == len(set(rules))
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {
        "MQ900-at-least-once-violated",
        "MQ010-leader-failover",
        "MQ020-broker-power-loss",
        "MQ021-simultaneous-power-loss",
        "MQ022-rolling-restart",
        "MQ023-disk-failure",
        "MQ036-retention-passes-consumer",
        "MQ035-leader-isolation",
    }
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "specs/acks1-leader-failover.yaml"
    # acks: 1 sits on line 27 of the spec; the violation was expected, so it is a note
    guarantee = by_rule["MQ900-at-least-once-violated"]
    assert guarantee["level"] == "note"
    assert guarantee["locations"][0]["physicalLocation"]["region"]["startLine"] == 27
    assert "Fix: use acks=all" in guarantee["message"]["text"]
    assert by_rule["MQ010-leader-failover"]["level"] == "warning"
    assert by_rule["MQ020-broker-power-loss"]["level"] == "note"


def test_checklist_command(tmp_path: Path) -> None:
    runner = CliRunner()
    spec = str(ROOT / "specs" / "acks1-leader-failover.yaml")
    out = runner.invoke(main, ["checklist", spec, "--no-profile"])
    assert out.exit_code == 0, out.output  # the violation is the expected one
    assert out.stdout.startswith("# Design review: acks1-leader-failover")
    assert "## Resilience profile" not in out.stdout
    target = tmp_path / "review.sarif"
    out = runner.invoke(main, ["checklist", spec, "--format", "sarif", "-o", str(target)])
    assert out.exit_code == 0 and out.stdout == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"
    out = runner.invoke(main, ["checklist", str(tmp_path / "missing.yaml")])
    assert out.exit_code == 2


def test_sarif_locations_are_relative_to_the_base_dir(tmp_path: Path) -> None:
    """An absolute spec path still gives a repository-relative location; a spec outside
    the base directory is refused before anything is checked (code scanning could not
    place it)."""
    runner = CliRunner()
    spec = str(ROOT / "specs" / "acks1-leader-failover.yaml")
    target = tmp_path / "review.sarif"
    args = ["checklist", spec, "--format", "sarif", "--no-profile", "-o", str(target)]
    out = runner.invoke(main, [*args, "--base-dir", str(ROOT)])
    assert out.exit_code == 0, out.output
    run = json.loads(target.read_text())["runs"][0]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert uris == {"specs/acks1-leader-failover.yaml"}
    out = runner.invoke(main, [*args, "--base-dir", str(ROOT / "specs")])
    assert out.exit_code == 0
    run = json.loads(target.read_text())["runs"][0]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "acks1-leader-failover.yaml"
    )
    outside = runner.invoke(main, [*args, "--base-dir", str(tmp_path)])
    assert outside.exit_code == 2 and "not under the base directory" in outside.output


def test_several_specs_make_one_sarif_run_and_only_sarif() -> None:
    runner = CliRunner()
    specs = [str(ROOT / "specs" / f"{name}.yaml") for name in GOLDEN_SPECS[:2]]
    out = runner.invoke(
        main, ["checklist", *specs, "--format", "sarif", "--no-profile", "--base-dir", str(ROOT)]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    [run] = doc["runs"]
    located = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert located == {f"specs/{name}.yaml" for name in GOLDEN_SPECS[:2]}
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))  # the rules are listed once for all specs
    refused = runner.invoke(main, ["checklist", *specs])
    assert refused.exit_code == 2 and "several specs need --format sarif" in refused.output


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("streams-instances-at-least-once-stall", AT_RISK),
        ("streams-instances-exactly-once-v2-stall", SAFE),
    ],
)
def test_streams_instance_zombie_row(name: str, status: str) -> None:
    """MQ042: at_least_once instances duplicate across a task migration; exactly_once_v2
    fences the zombie. Without several instances the row does not apply."""
    checklist = build_checklist(_spec(name), with_profile=False)
    row = next(r for r in checklist.hazards if r.hazard.id == "MQ042")
    assert row.status == status
    if status == AT_RISK:
        assert row.violated == ("at-most-once",)
        assert any(fix.startswith("processing.guarantee=exactly_once_v2") for fix in row.fixes)
    assert _rows(_checklist("acks1-leader-failover"))["MQ042"] == NOT_APPLICABLE
