"""The checklist's summary sentence and its assumptions (fault model, bounds, how hazards
are judged, the model), which the Markdown and HTML renderers both print, each in its own
markup.

The summary is what a reviewer reads first and the assumptions are what they must accept for
the verdicts to mean anything, so the two formats must say exactly the same; the wording is
written here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mqcheck.review.checklist.build import Checklist

Mark = Callable[[str], str]


@dataclass(frozen=True)
class Markup:
    """How a format marks up a sentence: a label, a name, a verdict word, plain text."""

    strong: Mark
    code: Mark
    key: Mark  # a key of the spec file (`expect:`)
    term: Mark  # a verdict word (`unknown`, `safe`)
    text: Mark  # text taken from the spec or the result


def summary(checklist: Checklist, m: Markup) -> str:
    """The verdicts, the hazards at risk and the `expect:` agreement, in one sentence."""
    results = checklist.result.results
    violated = [r.guarantee for r in results if r.verdict == "violated"]
    unknown = [r.guarantee for r in results if r.verdict == "unknown"]
    if violated:
        first = (
            f"{m.strong(f'{len(violated)} of {len(results)} guarantee(s) violated')} "
            f"({m.text(', '.join(violated))})"
        )
    elif unknown:
        first = (
            f"{len(unknown)} of {len(results)} guarantee(s) unknown ({m.text(', '.join(unknown))})"
        )
    else:
        first = f"every checked guarantee holds ({m.text(', '.join(r.guarantee for r in results))})"
    parts = [first]
    at_risk = checklist.at_risk()
    inside = [row for row in at_risk if row.in_fault_model]
    outside = [row for row in at_risk if not row.in_fault_model]
    parts.append(f"{len(inside)} hazard(s) at risk under the spec's fault model")
    if outside:
        parts.append(
            f"{len(outside)} more outside it ({m.text(', '.join(r.hazard.id for r in outside))})"
        )
    if checklist.result.expect:
        mismatches = checklist.result.disagreements_with_expect()
        limited = checklist.result.inconclusive()
        expect = m.key("expect:")
        if mismatches:
            parts.append(
                m.strong(f"{len(mismatches)} verdict(s) differ from the spec's {expect} block")
            )
        if limited:
            parts.append(f"{len(limited)} verdict(s) left unknown by a limit")
        if not mismatches and not limited:
            parts.append(f"every verdict matches the spec's {expect} block")
    return "; ".join(parts) + "."


def assumptions(checklist: Checklist, m: Markup) -> list[str]:
    """One sentence per assumption, in display order."""
    spec = checklist.spec
    allowed, excluded = checklist.fault_model()
    bounds = checklist.bounds()
    slots = f", {bounds['log_slots']} log slot(s) per replica" if "log_slots" in bounds else ""
    items = [
        f"{m.strong('Fault model')} (per run, from the spec): {m.text(allowed)}. "
        f"Never happens: {m.text(excluded)}.",
        f"{m.strong('Bounds')}: {m.text(str(bounds.get('messages', spec.check.messages)))} "
        f"message(s) per producer{m.text(slots)}; verdicts hold within these bounds only. Each "
        f"hazard and profile run stops at {checklist.max_states:,} states and answers "
        f"{m.term('unknown')} there, never {m.term('safe')}.",
        f"{m.strong('Hazard rows')} check one fault class at a time (the spec's budget, or "
        f"one when the spec excludes it); {m.code('follower_lag')} keeps the spec's value in "
        "each run.",
        f"{m.strong('Model')}: engine {m.text(spec.check.engine)}; Kafka "
        f"{m.text(str(spec.kafka_version))} semantics (docs/semantics.md): one partition per "
        "topic, replicas on distinct brokers, page cache lost only on power loss.",
    ]
    if spec.not_modelled:
        items.append(
            f"{m.strong('Not modelled')} (accepted, no effect on the verdicts): "
            + ", ".join(m.code(n) for n in spec.not_modelled)
            + "."
        )
    items.append(f"{checklist.runs} model-checking run(s) behind this checklist.")
    return items
