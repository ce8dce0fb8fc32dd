"""The checklist as SARIF 2.1.0, for CI to annotate a pull request.

One result per violated guarantee (rule `MQ9xx-<guarantee>-violated`) and per hazard at risk
(rule `MQ0xx-<slug>`, see `hazards.CATALOGUE`). Levels: a violated guarantee is an `error`
(a `note` when the spec's `expect:` block says it is expected); a hazard at risk under the
spec's fault model is a `warning`, one outside it (the spec excludes that fault) a `note`.
Each result points at the line of the spec that holds the deciding setting; when that
setting was left to its default, at the section that would hold it (the producer, topic or
consumer), or at line 1.

Written for GitHub code scanning: one run for any number of specs (it keeps one run per tool
and category), every rule with `help` in text and Markdown and a `helpUri` into the shipped
docs (`DOCS_URL`), and each spec located relative to the repository root (`SRCROOT`, the
working directory or `--base-dir`): an absolute `file://` URI or a `../` path is one code
scanning cannot place in the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path, PurePath
from typing import Any

from mqcheck.result import GuaranteeResult
from mqcheck.review.checklist.build import Checklist
from mqcheck.review.checklist.hazards import (
    AT_RISK,
    BY_FAULT,
    CATALOGUE,
    Hazard,
    HazardRow,
    mentioned_settings,
    setting_rows,
)
from mqcheck.review.spec_variants import owner_path
from mqcheck.review.story import blamed_steps, story
from mqcheck.spec.explain import origin_text, value_text
from mqcheck.spec.schema import GUARANTEES, EffectiveSetting, Spec

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

#: Where the rules' `helpUri`s point: the docs/ folder of the repository, as rendered on
#: GitHub (docs/review.md, "SARIF"). One constant, so a fork or mirror changes one line.
DOCS_URL = "https://github.com/mqcheck/mqcheck/blob/main/docs/"
#: The `uriBaseId` every location is relative to: the repository root.
SRCROOT = "SRCROOT"

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


class OutsideBaseDir(ValueError):
    """A spec that does not lie under the base directory: code scanning could not place it."""


def artifact_uri(path: str, base_dir: str | os.PathLike[str] | None = None) -> str:
    """The spec's path relative to `base_dir` (default: the working directory), with `/`
    separators, as SARIF's relative-reference URIs are written. Raises OutsideBaseDir for a
    spec outside it."""
    base = Path(base_dir if base_dir is not None else os.curdir).resolve()
    full = Path(path).resolve()
    try:
        relative = full.relative_to(base)
    except ValueError:
        raise OutsideBaseDir(
            f"{path}: not under the base directory {base}; give --base-dir the repository "
            "root that holds it"
        ) from None
    return PurePath(relative).as_posix()


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
    uri: str,
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
                    "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
                    "region": {"startLine": line, "startColumn": column},
                }
            }
        ],
        "partialFingerprints": {"mqcheck/v1": fingerprint},
    }


def _fixes(r: GuaranteeResult) -> list[str]:
    return list(dict.fromkeys(s.fix for s in blamed_steps(r) if s.fix))


def _guarantee_help(g: str) -> dict[str, str]:
    text = (
        f"{GUARANTEE_TEXT[g]}: docs/contract.md section 2 defines it. The message tells the "
        "counterexample in one sentence and the fix; `mqcheck check SPEC` prints every step, "
        f"`mqcheck repair SPEC --guarantee {g}` the cheapest configuration change that makes "
        "it hold. An expected violation (the spec's expect: block) is a note."
    )
    markdown = (
        f"**{GUARANTEE_TEXT[g]}** ([the guarantees]({DOCS_URL}contract.md#2-the-guarantees)).\n\n"
        "The message tells the counterexample in one sentence and the fix. For every step run "
        f"`mqcheck check SPEC`; for the cheapest configuration change, `mqcheck repair SPEC "
        f"--guarantee {g}` ([repair]({DOCS_URL}repair.md)). A violation the spec's `expect:` "
        "block names is reported as a note."
    )
    return {"text": text, "markdown": markdown}


def _hazard_help(h: Hazard) -> dict[str, str]:
    exercised = f" Exercised by the fault {h.fault} alone." if h.fault else ""
    fix = h.advice or "the change the counterexample's steps name"
    text = (
        f"{h.hop}: {h.title}.{exercised} How it is judged: docs/review.md, Hazards. Deciding "
        f"settings: {', '.join(h.settings)}. Usual fix: {fix}."
    )
    markdown = (
        f"**{h.hop}: {h.title}.**{exercised.replace(str(h.fault), f'`{h.fault}`')} "
        f"[How it is judged]({DOCS_URL}review.md#{h.id.lower()}). Deciding settings: "
        + ", ".join(f"`{name}`" for name in h.settings)
        + f".\n\nUsual fix: {fix}. The message names the setting the counterexample blames "
        "and its fix; a hazard outside the spec's fault model is a note."
    )
    return {"text": text, "markdown": markdown}


def _rules() -> list[dict[str, Any]]:
    rules = []
    for g, rule_id in GUARANTEE_RULES.items():
        rules.append(
            {
                "id": rule_id,
                "name": "".join(part.capitalize() for part in rule_id.split("-")[1:]),
                "shortDescription": {"text": f"{g} is violated"},
                "fullDescription": {"text": GUARANTEE_TEXT[g] + " (docs/contract.md section 2)."},
                "help": _guarantee_help(g),
                "helpUri": f"{DOCS_URL}contract.md#2-the-guarantees",
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
                "help": _hazard_help(h),
                "helpUri": f"{DOCS_URL}review.md#{h.id.lower()}",
                "defaultConfiguration": {"level": "warning"},
            }
        )
    return rules


def _spec_results(checklist: Checklist, uri: str, index: dict[str, int]) -> list[dict[str, Any]]:
    """The results of one spec: its violated guarantees, then its hazards at risk."""
    spec = checklist.spec
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
        level = "note" if expected else "error"
        results.append(_result(spec, uri, rule_id, index[rule_id], level, text, setting))
    for row in checklist.hazards:
        if row.status != AT_RISK:
            continue
        results.append(_hazard_result(spec, uri, row, index[row.hazard.rule_id]))
    return results


def sarif_document(
    checklists: Checklist | Sequence[Checklist],
    base_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """One SARIF log with ONE run for every checklist given (GitHub code scanning wants a
    single run per tool and category); locations relative to `base_dir` (default: the
    working directory). Raises OutsideBaseDir for a spec outside it."""
    several = [checklists] if isinstance(checklists, Checklist) else list(checklists)
    rules = _rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for checklist in several:
        uri = artifact_uri(checklist.spec.path, base_dir)
        results.extend(_spec_results(checklist, uri, index))
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mqcheck",
                        "version": tool_version(),
                        "informationUri": f"{DOCS_URL}review.md#sarif",
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {
                    SRCROOT: {
                        "description": {
                            "text": "The repository root: the directory mqcheck ran in, or "
                            "--base-dir."
                        }
                    }
                },
                "results": results,
            }
        ],
    }


def _hazard_result(spec: Spec, uri: str, row: HazardRow, rule_index: int) -> dict[str, Any]:
    h = row.hazard
    text = f"{h.title}: {row.sentence}"
    if not row.in_fault_model:
        text += f" (Outside the spec's fault model: faults.{h.fault} is 0.)"
    if row.fixes:
        text += " Fix: " + "; ".join(row.fixes) + "."
    setting = row.deciding[0] if row.deciding else None
    level = "warning" if row.in_fault_model else "note"
    return _result(spec, uri, h.rule_id, rule_index, level, text, setting)


def render_sarif(
    checklists: Checklist | Sequence[Checklist],
    base_dir: str | os.PathLike[str] | None = None,
) -> str:
    return json.dumps(sarif_document(checklists, base_dir), indent=2, ensure_ascii=False) + "\n"
