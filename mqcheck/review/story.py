"""A counterexample told in one sentence: what went wrong, then the steps that mattered.

The checklist's hazard rows, `explain` and `repair` all tell a counterexample this way, so
the sentence is written once and reads the same wherever it appears.
"""

from __future__ import annotations

from mqcheck.result import Counterexample, GuaranteeResult, Step
from mqcheck.trace.render_mermaid import headline


def blamed_steps(result: GuaranteeResult) -> list[Step]:
    """The steps a setting made harmful, as the text report counts them: a loss can come
    from an ordinary step (an acks=1 ack), a duplicate or reordering only from a fault."""
    cex = result.counterexample
    if cex is None:
        return []
    return [s for s in cex.steps if s.hazard and (result.guarantee == "at-least-once" or s.fault)]


def outcome(cex: Counterexample) -> str:
    parts = []
    if cex.lost:
        parts.append(", ".join(cex.lost) + " lost")
    if cex.duplicated:
        parts.append(", ".join(cex.duplicated) + " processed twice")
    if cex.reordered:
        parts.append(", ".join(cex.reordered) + " processed out of order")
    return "; ".join(parts)


def story(result: GuaranteeResult) -> str:
    """What went wrong, then the steps that mattered (the faults and the steps a setting
    made harmful), in order: "m1 lost: web receives the ack ... → broker 1 crashes ..."."""
    cex = result.counterexample
    if cex is None:
        return ""
    what = outcome(cex) or f"{result.guarantee} violated"
    if not cex.steps:
        return f"{what}: no run delivers every message, even without any fault."
    blamed = blamed_steps(result)
    key = [s for s in cex.steps if s.fault or s in blamed] or [cex.steps[-1]]
    return f"{what}: " + " → ".join(headline(s.text) for s in key) + "."


def one_sentence(result: GuaranteeResult) -> str:
    """A counterexample in one sentence, naming the guarantee it violates."""
    if result.counterexample is None:
        return ""
    return f"{result.guarantee} violated, {story(result)}"
