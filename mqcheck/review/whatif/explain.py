"""`mqcheck explain`: which settings of a spec are load-bearing.

A setting is load-bearing when taking it out of the spec — so that Kafka's default for
`kafka_version` applies — breaks a guarantee that holds with it. Reviewers learn what must
never be "simplified" later. Each candidate is the spec's own YAML with one key removed,
loaded by the ordinary loader (so a removal Kafka would refuse is reported, not checked)
and checked for the guarantees that hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mqcheck.engines.progress import Progress
from mqcheck.result import CheckResult, GuaranteeResult
from mqcheck.review.spec_variants import SCOPE_SECTIONS, setting_path, without
from mqcheck.review.story import one_sentence
from mqcheck.run import check_spec
from mqcheck.spec.errors import format_errors
from mqcheck.spec.load import load_spec_data
from mqcheck.spec.schema import EffectiveSetting, Spec

# Settings that name things rather than configure them, and the run's own bounds.
_IDENTITY = {"topic", "group.id", "transactional.id", "client.id", "partitions"}


@dataclass(frozen=True)
class Finding:
    setting: EffectiveSetting
    default: object  # the value once the setting is taken out
    default_origin: str
    broken: tuple[GuaranteeResult, ...]  # guarantees that fail without the setting
    note: str = ""  # why it could not be judged (invalid without it, limit hit)


@dataclass(frozen=True)
class Explanation:
    spec: Spec
    baseline: CheckResult
    load_bearing: tuple[Finding, ...]
    harmless: tuple[Finding, ...]
    not_judged: tuple[Finding, ...]


def candidates(spec: Spec) -> list[EffectiveSetting]:
    """Settings written in the spec (not defaults) that configure Kafka or the app."""
    out = []
    for s in spec.settings:
        role = s.scope.partition(":")[0]
        if s.origin.source not in ("spec", "topic override", "broker setting"):
            continue
        if role not in (*SCOPE_SECTIONS, "broker") or s.name in _IDENTITY or not s.modelled:
            continue
        if not s.origin.path:
            continue
        out.append(s)
    return out


def explain(
    spec: Spec,
    data: Mapping[str, Any],
    max_states: int | None = None,
    timeout_s: float | None = None,
    progress: Progress | None = None,
) -> Explanation:
    """Check `spec` (loaded from the YAML `data`) without each setting it writes; `timeout_s`
    is the time limit of each check (None: the spec's), `progress` hears every search."""
    baseline = check_spec(spec, max_states=max_states, timeout_s=timeout_s, progress=progress)
    holding = tuple(r.guarantee for r in baseline.results if r.verdict == "holds")
    bearing: list[Finding] = []
    harmless: list[Finding] = []
    unjudged: list[Finding] = []
    for setting in candidates(spec) if holding else []:
        reduced = without(data, setting_path(setting))
        if reduced is None:
            continue
        loaded = load_spec_data(reduced, path=spec.path)
        if loaded.spec is None:
            reason = "Kafka would refuse the spec without it: " + format_errors(loaded.errors)
            unjudged.append(Finding(setting, None, "", (), reason.strip()))
            continue
        variant = loaded.spec
        default = next(
            (s for s in variant.settings if s.scope == setting.scope and s.name == setting.name),
            None,
        )
        value = default.value if default is not None else None
        origin = default.origin.note or default.origin.source if default is not None else ""
        if value == setting.value:
            harmless.append(Finding(setting, value, origin, (), "the default is the same value"))
            continue
        result = check_spec(
            variant, holding, max_states=max_states, timeout_s=timeout_s, progress=progress
        )
        broken = tuple(r for r in result.results if r.verdict == "violated")
        unknown = [r for r in result.results if r.verdict == "unknown"]
        if broken:
            bearing.append(Finding(setting, value, origin, broken))
        elif unknown:
            unjudged.append(Finding(setting, value, origin, (), unknown[0].reason))
        else:
            harmless.append(Finding(setting, value, origin, ()))
    return Explanation(spec, baseline, tuple(bearing), tuple(harmless), tuple(unjudged))


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "null" if v is None else str(v)


def render_text(ex: Explanation) -> str:
    spec = ex.spec
    lines = [f"{spec.name} ({spec.path}): load-bearing settings"]
    verdicts = ", ".join(f"{r.guarantee} {r.verdict}" for r in ex.baseline.results)
    lines.append(f"  with every setting as written: {verdicts}")
    if not any(r.verdict == "holds" for r in ex.baseline.results):
        lines.append(
            "  no guarantee holds, so no setting can be load-bearing; see `mqcheck check`."
        )
        return "\n".join(lines) + "\n"
    lines.append("")
    if ex.load_bearing:
        lines.append("Load-bearing (taking it out, so the default applies, breaks a guarantee):")
        for f in ex.load_bearing:
            s = f.setting
            lines.append(
                f"  - {s.scope} {s.name}={_value(s.value)} (line {s.origin.line}): default "
                f"{_value(f.default)} ({f.default_origin})"
            )
            for r in f.broken:
                lines.append(f"      {one_sentence(r)}")
    else:
        lines.append("No setting is load-bearing: every one can fall back to its default.")
    if ex.harmless:
        lines.append("")
        lines.append("Not load-bearing under this fault model:")
        for f in ex.harmless:
            s = f.setting
            lines.append(f"  - {s.scope} {s.name}={_value(s.value)} (default {_value(f.default)})")
    if ex.not_judged:
        lines.append("")
        lines.append("Not judged:")
        for f in ex.not_judged:
            lines.append(f"  - {f.setting.scope} {f.setting.name}: {f.note}")
    return "\n".join(lines) + "\n"


def render_json(ex: Explanation) -> str:
    def finding(f: Finding) -> dict[str, object]:
        return {
            "scope": f.setting.scope,
            "property": f.setting.name,
            "value": f.setting.value,
            "line": f.setting.origin.line,
            "default": f.default,
            "default_origin": f.default_origin,
            "broken": [r.guarantee for r in f.broken],
            "stories": [one_sentence(r) for r in f.broken],
            "note": f.note,
        }

    doc = {
        "mqcheck": 1,
        "spec": ex.spec.name,
        "verdicts": {r.guarantee: r.verdict for r in ex.baseline.results},
        "load_bearing": [finding(f) for f in ex.load_bearing],
        "not_load_bearing": [finding(f) for f in ex.harmless],
        "not_judged": [finding(f) for f in ex.not_judged],
    }
    return json.dumps(doc, indent=2, default=str) + "\n"
