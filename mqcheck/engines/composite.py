"""Answers in the order they were asked, a composite guarantee answered from its parts.

The model says which guarantees are composed of others (`ir.system.Composite`, e.g.
exactly-once); both engines check only the parts and answer for the composite here, so
neither needs to know the contract's guarantee names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mqcheck.ir.system import Composite, TransitionSystem
from mqcheck.result import GuaranteeResult


def in_requested_order(
    system: TransitionSystem, guarantees: Sequence[str], by_name: Mapping[str, GuaranteeResult]
) -> list[GuaranteeResult]:
    """The results for `guarantees` in their order; a composite whose parts were all
    answered is combined from them, a name with no answer is left out."""
    out = []
    for name in guarantees:
        g = system.guarantee(name)
        if isinstance(g, Composite):
            if all(p in by_name for p in g.parts):
                out.append(combine(name, [by_name[p] for p in g.parts]))
        elif name in by_name:
            out.append(by_name[name])
    return out


def combine(name: str, parts: Sequence[GuaranteeResult]) -> GuaranteeResult:
    """A composite holds when every part holds; violated by the shortest violation of a
    part (the first such part on a tie), else unknown with the first unknown part's reason.
    The engine, bounds and statistics are the first part's unless a violation is shown."""
    first = parts[0]
    violated = [r for r in parts if r.verdict == "violated"]
    if violated:
        best = min(violated, key=lambda r: len(r.witness.path) if r.witness else 0)
        return GuaranteeResult(
            name,
            "violated",
            best.engine,
            best.bounds,
            best.stats,
            best.counterexample,
            witness=best.witness,
        )
    unknown = [r for r in parts if r.verdict == "unknown"]
    if unknown:
        return GuaranteeResult(
            name, "unknown", first.engine, first.bounds, first.stats, None, unknown[0].reason
        )
    return GuaranteeResult(name, "holds", first.engine, first.bounds, first.stats)
