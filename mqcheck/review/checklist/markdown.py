"""The checklist as Markdown (GitHub-flavoured: tables, `<details>`, ```mermaid fences).

Deterministic: no dates, timings or state counts, so the file can live next to the design
document and its diff shows only what changed in the configuration or the verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence

from mqcheck.result import GuaranteeResult
from mqcheck.review.checklist.build import Checklist
from mqcheck.review.checklist.hazards import AT_RISK, HOPS, NOT_APPLICABLE, SAFE, UNKNOWN, HazardRow
from mqcheck.review.checklist.profile import FAULT_WORDS, Profile, summary_sentences
from mqcheck.review.checklist.sentences import Markup, assumptions, summary
from mqcheck.review.story import story
from mqcheck.spec.explain import origin_text, value_text
from mqcheck.spec.schema import EffectiveSetting, Spec
from mqcheck.trace.render_mermaid import render_counterexample
from mqcheck.trace.render_text import render_counterexample as text_counterexample

STATUS_MARK = {
    SAFE: "✅ safe",
    AT_RISK: "❌ at risk",
    NOT_APPLICABLE: "⚪ not applicable",
    UNKNOWN: "❔ unknown",
}
VERDICT_MARK = {"holds": "✅ holds", "violated": "❌ **violated**", "unknown": "❔ unknown"}


def cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(text.replace("|", "\\|").split())


def code(text: str) -> str:
    return f"`{text}`"


def setting_text(setting: EffectiveSetting, *, with_origin: bool = True) -> str:
    owner = setting.scope.split(":", 1)[1] if ":" in setting.scope else setting.scope
    text = code(f"{owner}.{setting.name}={value_text(setting.value)}")
    if with_origin:
        text += f" ({origin_text(setting)})"
    return text


def _overview(spec: Spec) -> list[str]:
    lines = ["| | |", "|---|---|", f"| spec | {code(spec.path)} |"]
    lines.append(f"| Kafka | {spec.kafka_version} |")
    topics = "; ".join(
        f"{code(t.name)}: {t.partitions} partition(s), replication.factor={t.replication_factor}, "
        f"min.insync.replicas={t.min_insync_replicas}"
        for t in spec.topics.values()
    )
    lines.append(f"| cluster | {spec.brokers} broker(s); {cell(topics)} |")
    for name, p in spec.producers.items():
        acks = "all" if p.acks == -1 else str(p.acks)
        idem = "idempotent" if p.enable_idempotence else "not idempotent"
        keys = f", keys {cell(', '.join(p.app.keys))}" if p.app.keys else ""
        lines.append(
            f"| producer {code(name)} | → {code(p.topic)}: acks={acks}, {idem}, "
            f"on send error: {p.app.on_send_error}{keys} |"
        )
    for name, pr in spec.processors.items():
        lines.append(
            f"| processor {code(name)} | {code(pr.from_topic)} → {code(pr.to_topic)}: "
            f"{pr.processing_guarantee} |"
        )
    for name, c in spec.consumers.items():
        idem = ", idempotent processing" if c.app.idempotent else ""
        lines.append(
            f"| consumer {code(name)} | ← {code(c.topic)}: commit {c.app.commit}, "
            f"processing {c.app.processing}, auto.offset.reset={c.auto_offset_reset}{idem} |"
        )
    return lines


def _verdicts(checklist: Checklist) -> list[str]:
    result = checklist.result
    has_expect = bool(result.expect)
    head = "| guarantee | verdict | " + ("expected | " if has_expect else "") + "why |"
    lines = [head, "|---|---|" + ("---|" if has_expect else "") + "---|"]
    for r in result.results:
        why = story(r) if r.verdict == "violated" else r.reason or "within the bounds below"
        row = f"| {r.guarantee} | {VERDICT_MARK.get(r.verdict, r.verdict)} | "
        if has_expect:
            want = result.expect.get(r.guarantee)
            agree = "" if want is None else (" (agrees)" if want == r.verdict else " **(differs)**")
            row += f"{want or '—'}{agree} | "
        lines.append(row + cell(why) + " |")
    return lines


def _summary(checklist: Checklist) -> str:
    return summary(checklist, _MARKUP)


def _hazard_row(row: HazardRow) -> str:
    h = row.hazard
    title = f"{h.title}<br><sub>{cell(row.note)}</sub>" if row.note else h.title
    status = STATUS_MARK.get(row.status, row.status)
    if row.status == AT_RISK and not row.in_fault_model:
        status += "<br><sub>outside the fault model</sub>"
    deciding = "<br>".join(setting_text(s) for s in row.deciding[:4]) or "—"
    if len(row.deciding) > 4:
        deciding += f"<br>… {len(row.deciding) - 4} more"
    sentence = row.sentence or "—"
    fixes = "<br>".join(row.fixes) or "—"
    return f"| {h.id} | {cell(title)} | {status} | {cell(deciding)} | {cell(sentence)} | {cell(fixes)} |"


def _hazards(rows: Sequence[HazardRow]) -> list[str]:
    lines: list[str] = []
    for hop in HOPS:
        in_hop = [r for r in rows if r.hazard.hop == hop]
        if not in_hop:
            continue
        lines += ["", f"### {hop}", ""]
        lines.append("| id | hazard | status | deciding settings | counterexample | fix |")
        lines.append("|---|---|---|---|---|---|")
        lines += [_hazard_row(r) for r in in_hop]
    return lines


def _profile(profile: Profile) -> list[str]:
    if profile.unsupported:
        return ["", f"Not computed: {profile.unsupported}."]
    lines = [
        "",
        f"Each fault class alone, with budgets 0 to {profile.cap}; the smallest budget that "
        "breaks each guarantee (follower_lag stays at the spec's value, "
        f"{profile.follower_lag}).",
        "",
        "| fault | " + " | ".join(profile.guarantees) + " |",
        "|---|" + "---|" * len(profile.guarantees),
    ]
    for fault in profile.faults():
        cells = [profile.cell(fault, g) for g in profile.guarantees]
        marks = []
        for c in cells:
            mark = {"breaks": "❌ ", "survives": "✅ ", "unknown": "❔ "}.get(c.status, "")
            marks.append(mark + c.short())
        lines.append(f"| {FAULT_WORDS[fault][1]} | " + " | ".join(marks) + " |")
    lines += [""] + [f"- {s}" for s in summary_sentences(profile)]
    breaking = [
        c for c in profile.cells if c.status == "breaks" and c.result is not None and c.budget
    ]
    if breaking:
        lines += ["", "Breaking cases:", ""]
        for c in breaking:
            assert c.result is not None
            lines.append(
                f"- {FAULT_WORDS[c.fault][1]} = {c.budget}, {c.guarantee}: " + cell(story(c.result))
            )
    return lines


def _diagram(title: str, r: GuaranteeResult, spec: Spec) -> list[str]:
    assert r.counterexample is not None
    replicas = max((t.replication_factor for t in spec.topics.values()), default=spec.brokers)
    diagram = render_counterexample(
        title, r.counterexample, tuple(spec.producers), tuple(spec.consumers), replicas
    )
    return ["```mermaid", *diagram.rstrip("\n").splitlines(), "```"]


def _counterexamples(checklist: Checklist) -> list[str]:
    spec = checklist.spec
    lines: list[str] = []
    for r in checklist.result.results:
        if r.counterexample is None:
            continue
        lines += ["", f"### {r.guarantee} violated", ""]
        lines += _diagram(f"{spec.name}: {r.guarantee} violated", r, spec)
        lines += ["", "```text", *text_counterexample(r.guarantee, r.counterexample), "```"]
    for row in checklist.at_risk():
        if not row.in_fault_model:
            for r in row.results:
                lines += [
                    "",
                    "<details>",
                    f"<summary>{row.hazard.id} {row.hazard.title}: "
                    f"{r.guarantee} violated (outside the spec's fault model)</summary>",
                    "",
                ]
                lines += _diagram(f"{row.hazard.id}: {r.guarantee} violated", r, spec)
                lines += ["", "</details>"]
    return lines


def _configuration(checklist: Checklist) -> list[str]:
    lines = ["| scope | property | value | origin |", "|---|---|---|---|"]
    for s in checklist.configuration():
        origin = origin_text(s) + ("" if s.modelled else "; not modelled")
        lines.append(
            f"| {s.scope} | {code(s.name)} | {code(cell(value_text(s.value)))} | {cell(origin)} |"
        )
    return lines


def _assumptions(checklist: Checklist) -> list[str]:
    return [f"- {item}" for item in assumptions(checklist, _MARKUP)]


_MARKUP = Markup(
    strong=lambda text: f"**{text}**", code=code, key=lambda t: t, term=code, text=lambda t: t
)


def render_markdown(checklist: Checklist) -> str:
    spec = checklist.spec
    lines = [f"# Design review: {spec.name}", ""]
    if spec.description:
        lines += [f"> {' '.join(spec.description.split())}", ""]
    lines += _overview(spec)
    lines += ["", "## Verdict", "", _summary(checklist), ""]
    lines += _verdicts(checklist)
    lines += ["", "## Hazards"]
    lines += _hazards(checklist.hazards)
    if checklist.profile is not None:
        lines += ["", "## Resilience profile"]
        lines += _profile(checklist.profile)
    cex = _counterexamples(checklist)
    if cex:
        lines += ["", "## Counterexamples"]
        lines += cex
    lines += ["", "## Effective configuration", ""]
    lines += _configuration(checklist)
    lines += ["", "## Assumptions", ""]
    lines += _assumptions(checklist)
    return "\n".join(lines) + "\n"
