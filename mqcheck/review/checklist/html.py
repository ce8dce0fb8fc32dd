"""The checklist as one self-contained HTML file (`mqcheck checklist SPEC --format html`).

Everything is inline: the stylesheet, and each counterexample as an SVG sequence diagram
(`svg.py`). No script, no font file, no link to anything outside the page, so it
opens offline, prints, and can be attached to a design document as it is. The content is the
Markdown checklist's (the same rows, sentences and verdicts), laid out for reading: the
verdict and the counterexample diagrams first, then the hazards, the resilience profile, the
effective configuration and the assumptions.

Deterministic: the same checklist gives the same bytes (no date, timing or state count).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mqcheck.result import GuaranteeResult
from mqcheck.review.checklist.build import Checklist
from mqcheck.review.checklist.hazards import (
    AT_RISK,
    HOPS,
    NOT_APPLICABLE,
    NOT_MODELLED,
    SAFE,
    UNKNOWN,
    HazardRow,
)
from mqcheck.review.checklist.profile import FAULT_WORDS, Profile, summary_sentences
from mqcheck.review.checklist.sentences import Markup, assumptions, summary
from mqcheck.review.checklist.svg import esc, fatal_steps, render_sequence_svg
from mqcheck.review.story import one_sentence, story
from mqcheck.spec.explain import origin_text, value_text
from mqcheck.spec.schema import EffectiveSetting, Spec
from mqcheck.trace.render_text import render_counterexample as text_counterexample

STATUS_CLASS = {
    SAFE: "ok",
    AT_RISK: "bad",
    NOT_APPLICABLE: "na",
    UNKNOWN: "unk",
    NOT_MODELLED: "unk",
}
VERDICT_CLASS = {"holds": "ok", "violated": "bad", "unknown": "unk"}
PROFILE_CLASS = {"breaks": "bad", "survives": "ok", "unknown": "unk"}

CSS = """
:root { --ink:#1f2937; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc;
  --ok:#166534; --ok-bg:#dcfce7; --bad:#991b1b; --bad-bg:#fee2e2; --unk:#854d0e;
  --unk-bg:#fef3c7; --na:#475569; --na-bg:#f1f5f9; --accent:#0f3d5e; }
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI",
  Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 0 28px 40px; }
header.top { background: var(--accent); color: #fff; padding: 26px 0 22px; }
header.top .inner { max-width: 1240px; margin: 0 auto; padding: 0 28px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 11.5px; opacity: .75; }
h1 { margin: 2px 0 6px; font-size: 28px; line-height: 1.2; }
header.top p.desc { margin: 0 0 14px; max-width: 980px; opacity: .92; }
.chips { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 14px; }
.chip { background: rgba(255,255,255,.14); border: 1px solid rgba(255,255,255,.28);
  border-radius: 999px; padding: 2px 11px; font-size: 12.5px; }
.badges { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.badge { display: inline-block; border-radius: 999px; padding: 2px 10px; font-size: 12.5px;
  font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.badge.ok { background: var(--ok-bg); color: var(--ok); border-color: #86efac; }
.badge.bad { background: var(--bad-bg); color: var(--bad); border-color: #fca5a5; }
.badge.unk { background: var(--unk-bg); color: var(--unk); border-color: #fcd34d; }
.badge.na { background: var(--na-bg); color: var(--na); border-color: #cbd5e1; }
.badge.big { font-size: 14px; padding: 4px 14px; }
.summary { margin: 12px 0 0; font-size: 15px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 22px 20px; margin: 22px 0 0; }
h2 { margin: 0 0 12px; font-size: 19px; color: var(--accent); }
h3 { margin: 18px 0 8px; font-size: 15.5px; }
h3:first-of-type { margin-top: 4px; }
p.lead { margin: 0 0 12px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 6px 9px; border-bottom: 1px solid var(--line); }
th { background: var(--na-bg); font-weight: 600; color: #334155; font-size: 12px;
  text-transform: uppercase; letter-spacing: .03em; }
tr.at-risk td:first-child { box-shadow: inset 4px 0 0 #b91c1c; }
tr.at-risk.outside td:first-child { box-shadow: inset 4px 0 0 #f59e0b; }
td.id { font-weight: 700; white-space: nowrap; }
p.sent { margin: 0 0 6px; }
p.sent:last-child { margin: 0; }
table.overview th { text-transform: none; letter-spacing: 0; font-size: 13px; width: 200px; }
.cex + h3 { margin-top: 24px; }
.note { display: block; color: var(--muted); font-size: 12px; }
code { font: 12px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
  monospace; background: #f1f5f9; border-radius: 4px; padding: 1px 4px; }
td code { white-space: normal; overflow-wrap: normal; }
code.value { white-space: nowrap; }
ul.settings { list-style: none; margin: 0; padding: 0; }
ul.settings li { margin: 0 0 2px; }
.origin { color: var(--muted); font-size: 11.5px; }
.origin.spec { color: #1d4ed8; }
table.profile td.cell { text-align: center; font-weight: 600; white-space: nowrap; }
table.profile td.ok { background: #f0fdf4; color: var(--ok); }
table.profile td.bad { background: #fef2f2; color: var(--bad); }
table.profile td.unk { background: #fffbeb; color: var(--unk); }
table.profile td.na { color: var(--na); }
.cex { margin: 18px 0 0; border-top: 1px solid var(--line); padding-top: 14px; }
.cex:first-of-type { border-top: 0; padding-top: 0; }
.story { margin: 0 0 10px; }
figure.diagram { margin: 0; overflow-x: auto; border: 1px solid var(--line); border-radius: 8px;
  background: #fff; padding: 8px 6px; }
figure.diagram svg { display: block; max-width: 100%; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 18px; color: var(--muted); font-size: 12px;
  margin: 0 0 14px; }
.legend span::before { content: ""; display: inline-block; vertical-align: middle;
  margin-right: 6px; }
.legend .l-leader::before { width: 4px; height: 14px; background: #0f766e; }
.legend .l-down::before { width: 0; height: 14px; border-left: 2px dashed #94a3b8; }
.legend .l-fault::before { width: 14px; height: 14px; background: #fdecec; border-left: 4px solid #dc2626; }
.legend .l-fatal::before { width: 14px; height: 14px; background: #fff3d4; border-left: 4px solid #d97706; }
.legend .l-resp::before { width: 22px; height: 0; border-top: 2px dashed #64748b; }
.why { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin: 12px 0 0; }
.why div { border-radius: 8px; padding: 10px 14px; font-size: 13px; }
.why .fatal { background: #fff7e6; border: 1px solid #fcd34d; }
.why .fix { background: #f0fdf4; border: 1px solid #86efac; }
.why h4 { margin: 0 0 4px; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.why ul { margin: 0; padding-left: 18px; }
details { margin: 10px 0 0; }
summary { cursor: pointer; color: var(--accent); font-weight: 600; }
details[open] summary { margin-bottom: 8px; }
pre { background: #0f172a; color: #e2e8f0; border-radius: 8px; padding: 12px 14px;
  overflow-x: auto; font: 12px/1.5 ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  white-space: pre-wrap; }
ul.assumptions li { margin: 0 0 6px; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin: 26px 0 0; }
@media print {
  html, body { background: #fff; }
  header.top { background: #fff; color: var(--ink); border-bottom: 3px solid var(--accent); }
  .chip { border-color: #cbd5e1; }
  section { border: 0; padding: 0; margin-top: 18px; }
  figure.diagram, tr { break-inside: avoid; }
  details > * { display: block; }
}
""".strip()


def _badge(text: str, cls: str, big: bool = False) -> str:
    return f'<span class="badge {cls}{" big" if big else ""}">{esc(text)}</span>'


def _code(text: str) -> str:
    """Code that may wrap only after a dot, comma or slash of a long name (a line break
    inside `min.insync.replicas` between two of its words, never inside a word)."""
    if len(text) <= 24:
        return f"<code>{esc(text)}</code>"
    parts = re.split(r"(?<=[.,/])", text)
    return "<code>" + "<wbr>".join(esc(part) for part in parts) + "</code>"


def _value(text: str) -> str:
    """A value is one token: `9223372036854775807` or `read_committed` never wraps."""
    return f'<code class="value">{esc(text)}</code>'


def _origin(setting: EffectiveSetting) -> str:
    text = origin_text(setting)
    explicit = "line" in text  # written in the spec, not a default
    return f'<span class="origin{" spec" if explicit else ""}">{esc(text)}</span>'


def _setting(setting: EffectiveSetting) -> str:
    owner = setting.scope.split(":", 1)[1] if ":" in setting.scope else setting.scope
    return (
        f"{_code(f'{owner}.{setting.name}=')}{_value(value_text(setting.value))} {_origin(setting)}"
    )


def _replicas(spec: Spec) -> int:
    replicas = max((t.replication_factor for t in spec.topics.values()), default=spec.brokers)
    return min(replicas, spec.brokers)


# ------------------------------------------------------------------------------ sections


def _header(checklist: Checklist) -> list[str]:
    spec = checklist.spec
    results = checklist.result.results
    violated = [r for r in results if r.verdict == "violated"]
    unknown = [r for r in results if r.verdict == "unknown"]
    if violated:
        headline = _badge(f"{len(violated)} of {len(results)} guarantee(s) violated", "bad", True)
    elif unknown:
        headline = _badge(f"{len(unknown)} of {len(results)} guarantee(s) unknown", "unk", True)
    else:
        headline = _badge("every checked guarantee holds", "ok", True)
    badges = [headline]
    for r in results:
        badges.append(_badge(f"{r.guarantee}: {r.verdict}", VERDICT_CLASS.get(r.verdict, "na")))
    at_risk = checklist.at_risk()
    inside = [row for row in at_risk if row.in_fault_model]
    outside = [row for row in at_risk if not row.in_fault_model]
    badges.append(_badge(f"{len(inside)} hazard(s) at risk", "bad" if inside else "ok"))
    if outside:
        badges.append(_badge(f"{len(outside)} more outside the fault model", "unk"))
    if checklist.result.expect:
        mismatches = checklist.result.disagreements_with_expect()
        limited = checklist.result.inconclusive()
        if mismatches:
            badges.append(_badge(f"{len(mismatches)} verdict(s) differ from expect:", "bad"))
        if limited:
            badges.append(_badge(f"{len(limited)} verdict(s) unknown: a limit was hit", "unk"))
        if not mismatches and not limited:
            badges.append(_badge("matches expect:", "ok"))
    topics = ", ".join(
        f"{t.name} (rf={t.replication_factor}, min.isr={t.min_insync_replicas})"
        for t in spec.topics.values()
    )
    chips = [
        f"Kafka {spec.kafka_version}",
        f"{spec.brokers} broker(s)",
        f"topic {topics}" if len(spec.topics) == 1 else f"topics {topics}",
        f"spec {spec.path}",
    ]
    out = [
        '<header class="top"><div class="inner">',
        '<div class="eyebrow">mqcheck · design review</div>',
        f"<h1>{esc(spec.name)}</h1>",
    ]
    if spec.description:
        out.append(f'<p class="desc">{esc(" ".join(spec.description.split()))}</p>')
    out.append(
        '<div class="chips">'
        + "".join(f'<span class="chip">{esc(c)}</span>' for c in chips)
        + "</div>"
    )
    out.append('<div class="badges">' + "".join(badges) + "</div>")
    out.append("</div></header>")
    return out


def _summary(checklist: Checklist) -> str:
    return summary(checklist, _MARKUP)


def _overview(spec: Spec) -> list[str]:
    rows = [("spec", _code(spec.path)), ("Kafka", esc(str(spec.kafka_version)))]
    topics = "<br>".join(
        f"{_code(t.name)}: {t.partitions} partition(s), replication.factor="
        f"{t.replication_factor}, min.insync.replicas={t.min_insync_replicas}"
        for t in spec.topics.values()
    )
    rows.append(("cluster", f"{spec.brokers} broker(s)<br>{topics}"))
    for name, p in spec.producers.items():
        acks = "all" if p.acks == -1 else str(p.acks)
        idem = "idempotent" if p.enable_idempotence else "not idempotent"
        rows.append(
            (
                f"producer {_code(name)}",
                f"→ {_code(p.topic)}: acks={esc(acks)}, {idem}, on send error: "
                f"{esc(p.app.on_send_error)}"
                + (f", keys {esc(', '.join(p.app.keys))}" if p.app.keys else ""),
            )
        )
    for name, pr in spec.processors.items():
        rows.append(
            (
                f"processor {_code(name)}",
                f"{_code(pr.from_topic)} → {_code(pr.to_topic)}: {esc(pr.processing_guarantee)}",
            )
        )
    for name, c in spec.consumers.items():
        idem = ", idempotent processing" if c.app.idempotent else ""
        rows.append(
            (
                f"consumer {_code(name)}",
                f"← {_code(c.topic)}: commit {esc(c.app.commit)}, processing "
                f"{esc(c.app.processing)}, auto.offset.reset={esc(c.auto_offset_reset)}{idem}",
            )
        )
    out = ['<section id="overview"><h2>Pipeline</h2><table class="overview">']
    out += [f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows]
    out.append("</table></section>")
    return out


def _verdicts(checklist: Checklist) -> list[str]:
    result = checklist.result
    has_expect = bool(result.expect)
    out = [
        '<section id="verdict"><h2>Verdict</h2>',
        f'<p class="summary">{_summary(checklist)}</p>',
        "<table><tr><th>guarantee</th><th>verdict</th>"
        + ("<th>expected</th>" if has_expect else "")
        + "<th>why</th></tr>",
    ]
    for r in result.results:
        why = story(r) if r.verdict == "violated" else r.reason or "within the bounds below"
        row = (
            f"<tr><td><strong>{esc(r.guarantee)}</strong></td>"
            f"<td>{_badge(r.verdict, VERDICT_CLASS.get(r.verdict, 'na'))}</td>"
        )
        if has_expect:
            want = result.expect.get(r.guarantee)
            if want is None:
                row += "<td>—</td>"
            else:
                agree = _badge("agrees", "ok") if want == r.verdict else _badge("differs", "bad")
                row += f"<td>{esc(want)} {agree}</td>"
        out.append(row + f"<td>{esc(why)}</td></tr>")
    out.append("</table></section>")
    return out


def _diagram(title: str, r: GuaranteeResult, spec: Spec) -> str:
    assert r.counterexample is not None
    svg = render_sequence_svg(
        r.counterexample,
        r.guarantee,
        title,
        tuple(spec.producers),
        tuple(spec.consumers),
        _replicas(spec),
        tuple(spec.processors),
    )
    return f'<figure class="diagram">{svg}</figure>'


def _why(r: GuaranteeResult) -> list[str]:
    cex = r.counterexample
    assert cex is not None
    fatal = fatal_steps(r.guarantee, cex)
    steps = [s for s in cex.steps if s.i in fatal]
    if not steps:
        return []
    fixes = list(dict.fromkeys(s.fix for s in steps if s.fix))
    out = ['<div class="why"><div class="fatal"><h4>Why it was fatal</h4><ul>']
    out += [f"<li>step {s.i}: {esc(s.hazard)}</li>" for s in steps]
    out.append("</ul></div>")
    if fixes:
        out.append('<div class="fix"><h4>What prevents it</h4><ul>')
        out += [f"<li>{esc(f)}</li>" for f in fixes]
        out.append("</ul></div>")
    out.append("</div>")
    return out


LEGEND = (
    '<div class="legend"><span class="l-leader">partition leader</span>'
    '<span class="l-down">broker down</span><span class="l-resp">response</span>'
    '<span class="l-fault">fault (red bolt: a process fails; red ✕: a message is lost)</span>'
    '<span class="l-fatal">step a setting made fatal</span></div>'
)


def _counterexamples(checklist: Checklist) -> list[str]:
    spec = checklist.spec
    violations = [r for r in checklist.result.results if r.counterexample is not None]
    outside = [
        (row, r)
        for row in checklist.at_risk()
        if not row.in_fault_model
        for r in row.results
        if r.counterexample is not None
    ]
    if not violations and not outside:
        return []
    out = ['<section id="counterexamples"><h2>Counterexamples</h2>']
    out.append(
        '<p class="lead">Each violation as a sequence diagram: one row per step, numbered as in '
        "the text post-mortem below it.</p>"
    )
    out.append(LEGEND)
    for r in violations:
        assert r.counterexample is not None
        out.append(f'<div class="cex" id="cex-{esc(r.guarantee)}">')
        out.append(f"<h3>{esc(r.guarantee)} violated</h3>")
        out.append(f'<p class="story">{esc(story(r))}</p>')
        out.append(_diagram(f"{spec.name}: {r.guarantee} violated", r, spec))
        out += _why(r)
        text = "\n".join(text_counterexample(r.guarantee, r.counterexample))
        out.append(f"<details><summary>Text post-mortem</summary><pre>{esc(text)}</pre></details>")
        out.append("</div>")
    if outside:
        out.append("<h3>Outside the spec's fault model</h3>")
        out.append(
            '<p class="lead">What would happen if a fault the spec excludes were admitted: '
            "not a verdict on the spec.</p>"
        )
        for row, r in outside:
            out.append(
                f'<details class="cex-outside"><summary>{esc(row.hazard.id)} '
                f"{esc(row.hazard.title)}: {esc(r.guarantee)} violated</summary>"
            )
            out.append(f'<p class="story">{esc(story(r))}</p>')
            out.append(_diagram(f"{row.hazard.id}: {r.guarantee} violated", r, spec))
            out.append("</details>")
    out.append("</section>")
    return out


def _hazard_row(row: HazardRow) -> str:
    h = row.hazard
    cls = "at-risk" + ("" if row.in_fault_model else " outside") if row.status == AT_RISK else ""
    title = esc(h.title) + (f'<span class="note">{esc(row.note)}</span>' if row.note else "")
    status = _badge(row.status, STATUS_CLASS.get(row.status, "na"))
    if row.status == AT_RISK and not row.in_fault_model:
        status += '<span class="note">outside the fault model</span>'
    deciding = "".join(f"<li>{_setting(s)}</li>" for s in row.deciding[:4])
    if len(row.deciding) > 4:
        deciding += f'<li class="origin">… {len(row.deciding) - 4} more</li>'
    deciding_html = f'<ul class="settings">{deciding}</ul>' if deciding else "—"
    fixes = "<br>".join(esc(f) for f in row.fixes) or "—"
    sentences = [one_sentence(r) for r in row.results if r.counterexample is not None]
    sentence = "".join(f'<p class="sent">{esc(t)}</p>' for t in sentences if t)
    sentence = sentence or esc(row.sentence) or "—"
    return (
        f'<tr class="{cls}"><td class="id">{esc(h.id)}</td><td>{title}</td><td>{status}</td>'
        f"<td>{deciding_html}</td><td>{sentence}</td><td>{fixes}</td></tr>"
    )


def _hazards(rows: Sequence[HazardRow]) -> list[str]:
    out = ['<section id="hazards"><h2>Hazards</h2>']
    out.append(
        '<p class="lead">One row per hazard of the three hops, each judged by a model check of '
        "the spec with that fault class alone.</p>"
    )
    for hop in HOPS:
        in_hop = [r for r in rows if r.hazard.hop == hop]
        if not in_hop:
            continue
        out.append(f"<h3>{esc(hop)}</h3>")
        out.append(
            '<table class="hazards"><colgroup><col style="width:62px"><col style="width:22%">'
            '<col style="width:112px"><col style="width:27%"><col><col style="width:17%">'
            "</colgroup><tr><th>id</th><th>hazard</th><th>status</th>"
            "<th>deciding settings</th><th>counterexample</th><th>fix</th></tr>"
        )
        out += [_hazard_row(r) for r in in_hop]
        out.append("</table>")
    out.append("</section>")
    return out


def _profile(profile: Profile) -> list[str]:
    out = ['<section id="profile"><h2>Resilience profile</h2>']
    if profile.unsupported:
        out.append(f"<p>Not computed: {esc(profile.unsupported)}.</p></section>")
        return out
    out.append(
        f'<p class="lead">Each fault class alone, with budgets 0 to {profile.cap}; the smallest '
        "budget that breaks each guarantee (follower_lag stays at the spec's value, "
        f"{profile.follower_lag}).</p>"
    )
    out.append(
        '<table class="profile"><tr><th>fault</th>'
        + "".join(f"<th>{esc(g)}</th>" for g in profile.guarantees)
        + "</tr>"
    )
    for fault in profile.faults():
        cells = []
        for g in profile.guarantees:
            c = profile.cell(fault, g)
            cells.append(
                f'<td class="cell {PROFILE_CLASS.get(c.status, "na")}" title="{esc(c.text())}">'
                f"{esc(c.short())}</td>"
            )
        out.append(f"<tr><td>{esc(FAULT_WORDS[fault][1])}</td>{''.join(cells)}</tr>")
    out.append("</table>")
    sentences = summary_sentences(profile)
    if sentences:
        out.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>")
    breaking = [
        c for c in profile.cells if c.status == "breaks" and c.result is not None and c.budget
    ]
    if breaking:
        out.append("<h3>Breaking cases</h3><ul>")
        for c in breaking:
            assert c.result is not None
            out.append(
                f"<li><strong>{esc(FAULT_WORDS[c.fault][1])} = {c.budget}, "
                f"{esc(c.guarantee)}</strong>: {esc(story(c.result))}</li>"
            )
        out.append("</ul>")
    out.append("</section>")
    return out


def _configuration(checklist: Checklist) -> list[str]:
    out = ['<section id="configuration"><h2>Effective configuration</h2>']
    out.append(
        '<p class="lead">Every setting the model reads, with where its value comes from '
        '(<span class="origin spec">blue</span>: written in the spec).</p>'
    )
    out.append("<table><tr><th>scope</th><th>property</th><th>value</th><th>origin</th></tr>")
    for s in checklist.configuration():
        origin = _origin(s) + ('<span class="note">not modelled</span>' if not s.modelled else "")
        out.append(
            f"<tr><td>{esc(s.scope)}</td><td>{_code(s.name)}</td>"
            f"<td>{_value(value_text(s.value))}</td><td>{origin}</td></tr>"
        )
    out.append("</table></section>")
    return out


def _assumptions(checklist: Checklist) -> list[str]:
    items = assumptions(checklist, _MARKUP)
    return [
        '<section id="assumptions"><h2>Assumptions</h2><ul class="assumptions">',
        *[f"<li>{item}</li>" for item in items],
        "</ul></section>",
    ]


_MARKUP = Markup(
    strong=lambda text: f"<strong>{text}</strong>",
    code=_code,
    key=_code,
    term=lambda t: f"<em>{t}</em>",
    text=esc,
)


def render_html(checklist: Checklist) -> str:
    """The whole page: one file, nothing fetched from anywhere."""
    spec = checklist.spec
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="mqcheck">',
        f"<title>Design review: {esc(spec.name)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head><body>",
    ]
    parts += _header(checklist)
    parts.append("<main>")
    parts += _verdicts(checklist)
    parts += _overview(spec)
    parts += _counterexamples(checklist)
    parts += _hazards(checklist.hazards)
    if checklist.profile is not None:
        parts += _profile(checklist.profile)
    parts += _configuration(checklist)
    parts += _assumptions(checklist)
    parts.append(
        "<footer>Generated by mqcheck checklist. Verdicts hold within the bounds stated under "
        "Assumptions.</footer>"
    )
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
