"""The share-group rows of the checklist (MQ037 delivery limit, MQ038 lock timeout, MQ039
processing error, MQ043 start position): judged on the share specs of the library, not
applicable without share consumers, and never confused with the consumer-group rows."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from mqcheck.review.checklist.build import Checklist, build_checklist
from mqcheck.review.checklist.hazards import (
    AT_RISK,
    BY_FAULT,
    CONSUMER_ROWS,
    NO_CONSUMER_GROUPS,
    NO_SHARE_CONSUMERS,
    NOT_APPLICABLE,
    SAFE,
    SHARE_ROWS,
    HazardRow,
)
from mqcheck.review.checklist.profile import FAULT_WORDS, resilience_profile
from mqcheck.review.checklist.runs import VariantRunner
from mqcheck.spec.load import load_spec, load_spec_text
from mqcheck.spec.schema import FAULT_NAMES, Spec

ROOT = Path(__file__).resolve().parents[3]


def _spec(name: str) -> Spec:
    loaded = load_spec(ROOT / "specs" / f"{name}.yaml")
    assert loaded.spec is not None
    return replace(loaded.spec, path=f"specs/{name}.yaml")


@cache
def _checklist(name: str) -> Checklist:
    return build_checklist(_spec(name), with_profile=False)


def _row(checklist: Checklist, hazard: str) -> HazardRow:
    return next(r for r in checklist.hazards if r.hazard.id == hazard)


def test_every_fault_class_has_a_row_and_a_name_in_the_profile() -> None:
    """follower_lag is a condition, not an event: every other fault class is judged by a
    row and profiled; the first row of a class names it in SARIF."""
    for fault in FAULT_NAMES:
        if fault == "follower_lag":
            continue
        assert fault in BY_FAULT, fault
        assert fault in FAULT_WORDS, fault
    assert BY_FAULT["processing_error"].id == "MQ039"
    assert BY_FAULT["consumer_crash"].id == "MQ030"
    assert BY_FAULT["consumer_stall"].id == "MQ033"


@pytest.mark.parametrize(
    ("name", "hazard", "status", "violated"),
    [
        ("share-delivery-limit-2-two-crashes", "MQ037", AT_RISK, ("at-least-once", "at-most-once")),
        ("share-delivery-limit-5-two-crashes", "MQ037", AT_RISK, ("at-most-once",)),
        ("share-lock-timeout-duplicate", "MQ038", AT_RISK, ("at-most-once",)),
        ("share-lock-timeout-idempotent", "MQ038", SAFE, ()),
        ("share-lock-timeout-idempotent", "MQ037", SAFE, ()),
        ("share-implicit-processing-error", "MQ039", AT_RISK, ("at-least-once",)),
        ("share-explicit-reject-processing-error", "MQ039", AT_RISK, ("at-least-once",)),
        ("share-explicit-release-processing-error", "MQ039", SAFE, ()),
        ("share-latest-late-start", "MQ043", AT_RISK, ("at-least-once",)),
        ("share-earliest-late-start", "MQ043", SAFE, ()),
        ("share-member-leaves-redelivers", "MQ044", AT_RISK, ("at-most-once",)),
        ("share-lock-timeout-idempotent", "MQ044", SAFE, ()),
    ],
)
def test_share_rows_on_the_share_specs(
    name: str, hazard: str, status: str, violated: tuple[str, ...]
) -> None:
    checklist = _checklist(name)
    row = _row(checklist, hazard)
    assert (row.status, row.violated) == (status, violated), row.note
    # judged in the spec's fault model, or with one fault outside it, as the note says
    assert row.in_fault_model == row.note.startswith("checked")
    # a spec with only share consumers has no consumer-group row to judge
    for consumer_row in CONSUMER_ROWS:
        other = _row(checklist, consumer_row)
        assert (other.status, other.note) == (NOT_APPLICABLE, NO_CONSUMER_GROUPS)
        # not even app.idempotent or app.joins, which share consumers also have
        assert all(not s.scope.startswith("share_consumer:") for s in other.deciding)


def test_the_delivery_limit_is_judged_against_the_crash_budget() -> None:
    two = _row(_checklist("share-delivery-limit-2-two-crashes"), "MQ037")
    assert "share.delivery.count.limit=2 against 2 failed deliveries" in two.note
    assert "at the limit" in two.note
    assert two.deciding[0].name == "share.delivery.count.limit"
    assert any("share.delivery.count.limit" in fix for fix in two.fixes)
    assert (
        "archived" in two.sentence or "delivery 2 of share.delivery.count.limit=2" in two.sentence
    )
    five = _row(_checklist("share-delivery-limit-5-two-crashes"), "MQ037")
    assert "share.delivery.count.limit=5 against 2 failed deliveries" in five.note
    assert "below the limit" in five.note


def test_implicit_acknowledgement_is_named_with_its_fix() -> None:
    row = _row(_checklist("share-implicit-processing-error"), "MQ039")
    names = [s.name for s in row.deciding]
    assert names[0] == "share.acknowledgement.mode" and "app.on_error" in names
    assert any("share.acknowledgement.mode=explicit" in fix for fix in row.fixes)
    # no redelivery in implicit mode: the delivery limit is beside the point
    assert "share.delivery.count.limit" not in row.note


def test_latest_for_a_late_share_group_is_the_cause_of_the_fault_free_failure() -> None:
    checklist = _checklist("share-latest-late-start")
    assert _row(checklist, "MQ000").status == AT_RISK
    assert "the cause: MQ043" in _row(checklist, "MQ000").note
    assert [s.name for s in _row(checklist, "MQ043").deciding][:2] == [
        "share.auto.offset.reset",
        "app.joins",
    ]


def test_share_rows_do_not_apply_without_share_consumers() -> None:
    checklist = build_checklist(_spec("commit-before-processing-crash"), with_profile=False)
    for hazard in SHARE_ROWS:
        row = _row(checklist, hazard)
        assert (row.status, row.note) == (NOT_APPLICABLE, NO_SHARE_CONSUMERS)
        # the consumer's app.idempotent and app.joins are not a share group's
        assert all(not s.scope.startswith("consumer:") for s in row.deciding)
    assert _row(checklist, "MQ030").status == AT_RISK


# A consumer group beside the share group of share-delivery-limit-2-two-crashes: the audit
# consumer commits after processing and is idempotent, so two crashes cost it nothing.
MIXED_CONSUMER = """consumers:
  audit:
    topic: orders
    group.id: audit
    enable.auto.commit: false
    auto.offset.reset: earliest
    app: {commit: after_processing, idempotent: true}
share_consumers:
"""


def test_a_spec_with_both_kinds_judges_each_kind_alone() -> None:
    text = (ROOT / "specs" / "share-delivery-limit-2-two-crashes.yaml").read_text(encoding="utf-8")
    text = text.replace("share_consumers:\n", MIXED_CONSUMER).split("expect:")[0]
    loaded = load_spec_text(text, "<mixed>")
    assert loaded.spec is not None, loaded.errors
    checklist = build_checklist(loaded.spec, with_profile=False)
    crash = _row(checklist, "MQ030")
    assert crash.status == SAFE and "consumer groups alone" in crash.note
    assert all(not s.scope.startswith("share_consumer:") for s in crash.deciding)
    share = _row(checklist, "MQ037")
    assert share.status == AT_RISK and "share groups alone" in share.note
    assert all(not s.scope.startswith("consumer:") for s in share.deciding)
    # the runs on the two reduced specs are counted with the checklist's own
    only = build_checklist(_spec("share-delivery-limit-2-two-crashes"), with_profile=False)
    assert checklist.runs > only.runs


def test_processing_errors_are_profiled_for_share_consumers_only() -> None:
    spec = _spec("share-implicit-processing-error")
    profile = resilience_profile(spec, VariantRunner(spec), cap=1)
    cell = profile.cell("processing_error", "at-least-once")
    assert (cell.status, cell.budget) == ("breaks", 1)
    assert cell.text() == "loses messages with one share-consumer processing error"
    other = _spec("commit-before-processing-crash")
    profile = resilience_profile(other, VariantRunner(other), cap=1)
    cell = profile.cell("processing_error", "at-least-once")
    assert (cell.status, cell.reason) == ("not applicable", "no share consumers")
