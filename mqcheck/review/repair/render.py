"""The repair as text (a diff of settings per alternative) and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from mqcheck.review.repair.cost import MIN_ISR_EQUALS_RF_WHY
from mqcheck.review.repair.search import Alternative, Change, Exclusion, Repair
from mqcheck.review.repair.space import Knob, Write
from mqcheck.review.story import one_sentence
from mqcheck.spec.schema import Spec


def shown(knob: Knob, value: object) -> str:
    """A value as the spec would spell it."""
    if knob.name == "acks" and value == -1:
        return "all"
    if knob.name == "eligible.leader.replicas.version":
        return str(int(bool(value)))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def keys(knob: Knob, spec: Spec) -> list[tuple[str, int | None]]:
    """The keys a change writes, with the line of those already in the spec."""
    out = []
    for path in (*knob.paths, *(p for paths in knob.also for p in paths)):
        dotted = ".".join(path)
        position = spec.positions.get(dotted)
        out.append((dotted, position[0] if position else None))
    return out


def where(knob: Knob, spec: Spec) -> str:
    """Where the setting lives: the keys written (line, or new) and, for a new key, where
    the old value came from."""
    written = ", ".join(
        f"{key} (line {line})" if line else f"{key} (new)" for key, line in keys(knob, spec)
    )
    origin = knob.origin
    if origin is None or origin.source in ("spec", "topic override"):
        return f"in {written}"
    if origin.line:
        return f"in {written}; the old value is set at {origin.path}, line {origin.line}"
    article = "the " if origin.source.endswith("default") else ""
    note = f" ({origin.note})" if origin.note else ""
    return f"in {written}; the old value is {article}{origin.source}{note}"


def change_text(change: Change) -> str:
    k = change.knob
    return f"{k.scope} {k.name}: {shown(k, k.current)} -> {shown(k, change.new)}"


def _write_text(write: Write) -> str:
    path, value = write
    return f"{'.'.join(path)}: {json.dumps(value)}"


def _stats_text(a: Alternative) -> str:
    s = a.result.stats
    return f"{s.states:,} states, {s.seconds:.2f} s"


def _alternative_lines(n: int, a: Alternative, guarantee: str, spec: Spec) -> list[str]:
    lines = [f"{n}. cost {a.cost}: {guarantee} {a.result.verdict} (re-checked: {_stats_text(a)})"]
    for c in a.changes:
        lines.append(f"     {change_text(c)}")
        lines.append(f"       {where(c.knob, spec)}")
        lines.append(f"       cost {c.cost}" + (f": {c.why}" if c.why else ""))
    extra = a.cost - sum(c.cost for c in a.changes)
    if extra:
        lines.append(f"     plus {extra}: {MIN_ISR_EQUALS_RF_WHY}")
    for w in a.pins:
        lines.append(f"     also written, to keep its value: {_write_text(w)}")
    moved = [(g, b, v) for g, b, v in a.others if b != v]
    if moved:
        lines.append("     other guarantees: " + ", ".join(f"{g} {b} -> {v}" for g, b, v in moved))
    return lines


def _exclusion_line(e: Exclusion, guarantee: str) -> str:
    head = f"  - {e.fault}: {e.budget} -> 0: "
    if e.status == "holds":
        return head + f"{guarantee} holds with no other change"
    if e.status == "repaired" and e.alternative is not None:
        a = e.alternative
        return (
            head
            + f"repairable, cheapest cost {a.cost}: "
            + "; ".join(change_text(c) for c in a.changes)
        )
    if e.status == "unknown":
        return head + f"not decided ({e.reason or 'a limit was hit'})"
    return head + "still no repair"


def render_text(r: Repair) -> str:
    spec = r.spec
    lines = [f"{spec.name} ({spec.path}): repair for {r.guarantee}"]
    if r.status == "holds":
        lines.append(f"  {r.guarantee} already holds: nothing to change (empty repair).")
        return "\n".join(lines) + "\n"
    if r.baseline.verdict == "violated":
        lines.append(f"  now: {one_sentence(r.baseline)}")
    lines.append("")
    if r.status == "repaired":
        count = len(r.alternatives)
        head = "1 repair" if count == 1 else f"{count} repairs, cheapest first"
        lines.append(f"{head} (each checked by the explicit engine after the change):")
        for n, a in enumerate(r.alternatives, 1):
            lines.extend(_alternative_lines(n, a, r.guarantee, spec))
    elif r.status == "no_repair":
        lines.append(
            f"No configuration of the {len(r.space.knobs)} settings searched makes {r.guarantee} "
            "hold under this fault model."
        )
        if r.exclusions:
            possible = [e for e in r.exclusions if e.status in ("repaired", "holds")]
            if possible:
                names = ", ".join(e.fault for e in possible)
                lines.append(f"A fault would have to be excluded: {names}. Each fault set to 0:")
            else:
                lines.append("Excluding any one fault alone does not help either:")
            lines.extend(_exclusion_line(e, r.guarantee) for e in r.exclusions)
    else:
        lines.append(f"unknown: no repair verified ({r.reason}); nothing is claimed.")
    if r.baseline.verdict == "violated":  # a search ran
        lines.append("")
        lines.append(_search_line(r))
    return "\n".join(lines) + "\n"


def _search_line(r: Repair) -> str:
    s = r.stats
    return (
        f"Search: {s.knobs} settings, {s.configurations:,} configurations; {s.proposals} "
        f"proposals ({s.refuted} refuted by a counterexample, {s.refused} refused by Kafka's "
        f"rules, {s.inconclusive} inconclusive), {_n(s.clauses, 'clause')} learned, {s.replays} "
        f"trace replays, {s.seconds:.1f} s."
    )


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _change_json(c: Change, spec: Spec) -> dict[str, object]:
    k = c.knob
    origin = k.origin
    written = keys(k, spec)
    return {
        "scope": k.scope,
        "property": k.name,
        "old": shown(k, k.current),
        "new": shown(k, c.new),
        "path": written[-1][0],
        "line": written[-1][1],
        "keys": [{"path": key, "line": line} for key, line in written],
        "old_origin": origin.source if origin is not None else "",
        "cost": c.cost,
        "why": c.why,
    }


def _alternative_json(a: Alternative, spec: Spec) -> dict[str, object]:
    s = a.result.stats
    return {
        "cost": a.cost,
        "changes": [_change_json(c, spec) for c in a.changes],
        "pinned": [{"path": ".".join(p), "value": v} for p, v in a.pins],
        "verdict": a.result.verdict,
        "engine": a.result.engine,
        "stats": {"states": s.states, "transitions": s.transitions, "seconds": s.seconds},
        "other_guarantees": [{"guarantee": g, "before": b, "after": v} for g, b, v in a.others],
    }


def render_json(r: Repair, written: str | None = None) -> str:
    s = r.stats
    doc: dict[str, object] = {
        "mqcheck": 1,
        "spec": r.spec.name,
        "guarantee": r.guarantee,
        "status": r.status,
        "baseline": {
            "verdict": r.baseline.verdict,
            "story": one_sentence(r.baseline),
            "reason": r.baseline.reason,
        },
        "alternatives": [_alternative_json(a, r.spec) for a in r.alternatives],
        "fault_exclusions": [
            {
                "fault": e.fault,
                "budget": e.budget,
                "status": e.status,
                "repair": _alternative_json(e.alternative, r.spec) if e.alternative else None,
                **({"reason": e.reason} if e.reason else {}),
            }
            for e in r.exclusions
        ],
        "search": {
            "settings": [k.id for k in r.space.knobs],
            "configurations": s.configurations,
            "proposals": s.proposals,
            "refuted": s.refuted,
            "refused": s.refused,
            "inconclusive": s.inconclusive,
            "clauses": s.clauses,
            "replays": s.replays,
            "seconds": s.seconds,
        },
        "reason": r.reason,
    }
    if written is not None:
        doc["written"] = written
    return json.dumps(doc, indent=2, default=str) + "\n"


def expect_lines(updates: Sequence[tuple[str, str, str]]) -> list[str]:
    return [f"  expect.{g}: {old} -> {new}" for g, old, new in updates]
