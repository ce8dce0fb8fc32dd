"""The checklist as SARIF 2.1.0, for CI to annotate a pull request.

One result per violated guarantee (rule `MQ9xx-<guarantee>-violated`) and per hazard at risk
(rule `MQ0xx-<slug>`, see `hazards.CATALOGUE`). Levels: a violated guarantee is an `error`
(a `note` when the spec's `expect:` block says it is expected); a hazard at risk under the
spec's fault model is a `warning`, one outside it (the spec excludes that fault) a `note`.
Each result points at the line of the spec that holds the deciding setting; when that
setting was left to its default, at the section that would hold it (the producer, topic or
consumer), or at line 1.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from importlib import metadata
from pathlib import PurePath
from typing import Any

from mqcheck.result import GuaranteeResult
from mqcheck.review.checklist.build import Checklist
from mqcheck.review.checklist.hazards import (
    AT_RISK,
    BY_FAULT,
    CATALOGUE,
    HazardRow,
    mentioned_settings,
    setting_rows,
)
from mqcheck.review.spec_variants import owner_path
from mqcheck.review.story import blamed_steps, story
from mqcheck.spec.explain import origin_text, value_text
from mqcheck.spec.schema import GUARANTEES, EffectiveSetting, Spec

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

GUARANTEE_RULES = {g: f"MQ9{i:02d}-{g}-violated" for i, g in enumerate(GUARANTEES)}
GUARANTEE_TEXT = {
    "at-least-once": "Every intended message is processed at least once",
    "at-most-once": "No message is processed twice",
    "exactly-once": "Every intended message is processed exactly once",
    "ordering": "Each producer's messages to a partition are processed in send order",
}


def tool_version() -> str:
    try:
        return metadata.version("mqcheck")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def region(spec: Spec, setting: EffectiveSetting | None) -> tuple[int, int]:
    """(line, column) of the deciding setting, of its owner's section, or (1, 1)."""
    if setting is None:
        return (1, 1)
    if setting.origin.line is not None:
        return (setting.origin.line, setting.origin.column or 1)
    return spec.positions.get(owner_path(setting), (1, 1))


def _uri(path: str) -> str:
    pure = PurePath(path)
    return pure.as_uri() if pure.is_absolute() else pure.as_posix()


def _setting_sentence(setting: EffectiveSetting) -> str:
    owner = setting.scope.split(":", 1)[-1]
    text = f"{owner}.{setting.name}={value_text(setting.value)} ({origin_text(setting)})"
    if setting.origin.line is None:
        text += "; not set in the spec: set it explicitly"
    return text


def _first_setting(spec: Spec, names: Sequence[str]) -> EffectiveSetting | None:
    for name in names:
        rows = setting_rows(spec, name)
        if rows:
            return rows[0]
    return None


def _result(
    spec: Spec,
    rule_id: str,
    rule_index: int,
    level: str,
    text: str,
    setting: EffectiveSetting | None,
) -> dict[str, Any]:
    line, column = region(spec, setting)
    if setting is not None:
        text += f" Deciding setting: {_setting_sentence(setting)}."
    fingerprint = hashlib.sha256(
        f"{rule_id}|{spec.name}|{setting.scope + '.' + setting.name if setting else ''}".encode()
    ).hexdigest()[:32]
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(spec.path)},
                    "region": {"startLine": line, "startColumn": column},
                }
            }
        ],
        "partialFingerprints": {"mqcheck/v1": fingerprint},
    }


def _fixes(r: GuaranteeResult) -> list[str]:
    return list(dict.fromkeys(s.fix for s in blamed_steps(r) if s.fix))


def _rules() -> list[dict[str, Any]]:
    rules = []
    for g, rule_id in GUARANTEE_RULES.items():
        rules.append(
            {
                "id": rule_id,
                "name": "".join(part.capitalize() for part in rule_id.split("-")[1:]),
                "shortDescription": {"text": f"{g} is violated"},
                "fullDescription": {"text": GUARANTEE_TEXT[g] + " (SPEC_FORMAT.md section 2)."},
                "defaultConfiguration": {"level": "error"},
            }
        )
    for h in CATALOGUE:
        rules.append(
            {
                "id": h.rule_id,
                "name": "".join(part.capitalize() for part in h.slug.split("-")),
                "shortDescription": {"text": h.title},
                "fullDescription": {
                    "text": f"{h.hop}: {h.title}. Decided by " + ", ".join(h.settings) + "."
                },
                "help": {"text": h.advice or "not modelled yet"},
                "defaultConfiguration": {"level": "warning"},
            }
        )
    return rules


def sarif_document(checklist: Checklist) -> dict[str, Any]:
    spec = checklist.spec
    rules = _rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    expect = checklist.result.expect
    for r in checklist.result.results:
        if r.verdict != "violated":
            continue
        rule_id = GUARANTEE_RULES[r.guarantee]
        expected = expect.get(r.guarantee) == "violated"
        text = f"{r.guarantee} is violated: {story(r)}"
        fixes = _fixes(r)
        if fixes:
            text += " Fix: " + "; ".join(fixes) + "."
        if expected:
            text += " (Expected by the spec's expect: block.)"
        names = mentioned_settings(spec, [r])
        if not names and r.counterexample is not None:
            for fault in r.counterexample.faults_used:
                if fault in BY_FAULT:
                    names += BY_FAULT[fault].settings
        setting = _first_setting(spec, names)
        results.append(
            _result(spec, rule_id, index[rule_id], "note" if expected else "error", text, setting)
        )
    for row in checklist.hazards:
        if row.status != AT_RISK:
            continue
        results.append(_hazard_result(spec, row, index[row.hazard.rule_id]))
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mqcheck",
                        "version": tool_version(),
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def _hazard_result(spec: Spec, row: HazardRow, rule_index: int) -> dict[str, Any]:
    h = row.hazard
    text = f"{h.title}: {row.sentence}"
    if not row.in_fault_model:
        text += f" (Outside the spec's fault model: faults.{h.fault} is 0.)"
    if row.fixes:
        text += " Fix: " + "; ".join(row.fixes) + "."
    setting = row.deciding[0] if row.deciding else None
    level = "warning" if row.in_fault_model else "note"
    return _result(spec, h.rule_id, rule_index, level, text, setting)


def render_sarif(checklist: Checklist) -> str:
    return json.dumps(sarif_document(checklist), indent=2, ensure_ascii=False) + "\n"
