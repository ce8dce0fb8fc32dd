"""The text report: verdicts, then each counterexample told like an incident post-mortem:
numbered steps (who did what, faults marked), what was lost or duplicated, which settings
made it fatal and what prevents it."""

from __future__ import annotations

from mqcheck.result import CheckResult, Counterexample, GuaranteeResult
from mqcheck.trace.lifelines import outcome_parts

FAULT_MARK = "FAULT"


#: A fingerprint collision chance worth a mention in the text report (the JSON always has it).
NOTABLE_COLLISION = 1e-6


def _stats(r: GuaranteeResult) -> str:
    s = r.stats
    if not s.states:
        return ""
    text = f"{s.states:,} states, {s.transitions:,} transitions, depth {s.depth}, {s.seconds:.2f} s"
    if s.collision_probability is not None and s.collision_probability >= NOTABLE_COLLISION:
        text += f", fingerprint collision chance {s.collision_probability:.1g}"
    return text


def render(result: CheckResult) -> str:
    lines = [f"{result.spec} ({result.path})"]
    width = max((len(r.guarantee) for r in result.results), default=10)
    for r in result.results:
        verdict = r.verdict.upper() if r.verdict == "violated" else r.verdict
        extra = _stats(r)
        reason = f" — {r.reason}" if r.reason else ""
        lines.append(
            f"  {r.guarantee + ':':<{width + 1}} {verdict:<8} [{r.engine}] {extra}{reason}"
        )
    for r in result.results:
        if r.counterexample is not None:
            lines.append("")
            lines.extend(render_counterexample(r.guarantee, r.counterexample))
    if result.results:
        lines.append("")
        lines.append("Bounds: " + _bounds(result.results[0]))
    if result.not_modelled:
        lines.append(
            "Not modelled (accepted, no effect on the verdict): " + ", ".join(result.not_modelled)
        )
    if result.expect:
        lines.extend(expect_lines(result))
    return "\n".join(lines) + "\n"


def expect_lines(result: CheckResult) -> list[str]:
    """How the verdicts compare with `expect:`. An `unknown` is not a mismatch: the search
    stopped at a limit, so it says which limit rather than contradicting the author."""
    lines = [
        f"EXPECTATION MISMATCH: {g} expected {want}, got {got}"
        for g, want, got in result.disagreements_with_expect()
    ]
    for r in result.inconclusive():
        why = f": {r.reason}" if r.reason else ""
        lines.append(
            f"INCONCLUSIVE: {r.guarantee} expected {result.expect[r.guarantee]}, but a limit "
            f"was hit before a verdict{why}"
        )
    return lines or ["Every verdict matches the spec's expect: block."]


def _bounds(r: GuaranteeResult) -> str:
    b = r.bounds
    faults = b.get("faults") or {}
    fault_text = (
        ", ".join(f"{k}={v}" for k, v in faults.items())
        if isinstance(faults, dict) and faults
        else "none"
    )
    text = f"{b.get('messages')} message(s) per producer; faults: {fault_text}"
    per_topic = b.get("log_slots_per_topic")
    if isinstance(per_topic, dict):
        slots = ", ".join(f"{topic}: {n}" for topic, n in per_topic.items())
        text += f"; log slots per replica: {slots}"
    elif "log_slots" in b:
        text += f"; {b['log_slots']} log slot(s) per replica"
    per_producer = b.get("messages_in_checked_partition_per_producer")
    if isinstance(per_producer, dict) and "checked_partition" in b:
        # keyed producers: the keys decided which partition is checked (partition_load.py)
        shares = ", ".join(f"{n} of {name}'s" for name, n in per_producer.items())
        text += (
            f"; the keys put {shares} messages on partition {b['checked_partition']} of "
            f"{b.get('partitions')}, the one checked"
        )
    if b.get("processors"):
        text += f"; processors: {', '.join(str(p) for p in b['processors'])}"  # type: ignore[attr-defined]
    return text


def render_counterexample(guarantee: str, cex: Counterexample) -> list[str]:
    what = outcome_parts(cex)
    faults = ", ".join(cex.faults_used) if cex.faults_used else "no faults"
    head = f"{guarantee} is violated ({'; '.join(what) or 'see the last step'}). Faults used: {faults}."
    lines = [head, "What happened:"]
    if not cex.steps:
        lines.append(
            "  Nothing needs to happen: from the initial state no run, even without faults, "
            "gets every message processed (the configuration itself makes it impossible)."
        )
    for s in cex.steps:
        mark = f"{FAULT_MARK} " if s.fault else ""
        lines.append(f"  {s.i:>2}. {mark}{s.text}")
    lines.extend(_consequence(cex))
    hazards = _hazards(guarantee, cex)
    if hazards:
        lines.append("Why it was fatal:")
        for i, hazard, _ in hazards:
            lines.append(f"  - step {i}: {hazard}")
        fixes = list(dict.fromkeys(fix for _, _, fix in hazards if fix))
        if fixes:
            lines.append("What prevents it:")
            lines.extend(f"  - {fix}" for fix in fixes)
    return lines


def letter(i: int) -> str:
    """The name of the i-th (1-based) step of a consequence: a..z, then aa, ab, ...; letters,
    so no one reads it as a step of the minimal trace."""
    name = ""
    while i > 0:
        i, r = divmod(i - 1, 26)
        name = chr(ord("a") + r) + name
    return name


def _consequence(cex: Counterexample) -> list[str]:
    """How the loss plays out after the last numbered step, lettered so it is not read as
    part of the minimal trace (every step of it is fault-free; see `lookahead.settle`)."""
    if not cex.consequence:
        return []
    lines = ["How it plays out (no further faults):"]
    lines += [f"  {letter(s.i):>2}. {s.text}" for s in cex.consequence]
    lost = ", ".join(cex.lost) or "the message"
    stays = "stay" if len(cex.lost) > 1 else "stays"
    lines.append(
        f"  The run has settled: no fault-free step leads anywhere new, and {lost} {stays} lost."
    )
    return lines


def _hazards(guarantee: str, cex: Counterexample) -> list[tuple[int, str, str]]:
    """The settings that made steps fatal. Duplicates and reorderings come from faults,
    or from what a reader is handed (a read_uncommitted poll, a duplicated input); a loss
    can also come from an ordinary step (an acks=1 ack, an unclean election)."""
    seen: set[str] = set()
    out = []
    for s in cex.steps:
        if not s.hazard or s.hazard in seen:
            continue
        if guarantee != "at-least-once" and not s.fault and s.kind not in ("fetch", "process"):
            continue
        seen.add(s.hazard)
        out.append((s.i, s.hazard, s.fix))
    return out
