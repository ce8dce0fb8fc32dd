"""`holds` for an invariant guarantee from the model's lemmas, at any bound.

Houdini (mqcheck.engines.houdini) keeps the inductive part of the candidate invariants the
model offers; when that part includes "not bad", a fresh solver re-checks the whole
invariant on the IR (mqcheck.engines.inductive_check: initial state, every action, no bad,
`limit` or out-of-domain state) and only then is it a proof. It needs no enumeration, so it
answers where the explicit engine runs out of states: the Z3 engine tries it first for each
invariant, and `mqcheck check` tries it when the explicit search ends `unknown`
(mqcheck.run).
"""

from __future__ import annotations

import time

from mqcheck.engines.houdini import property_clauses, strengthen
from mqcheck.engines.inductive_check import check_invariant
from mqcheck.ir.system import Invariant, TransitionSystem


def prove(
    system: TransitionSystem, g: Invariant, deadline: float, check_deadline: float
) -> tuple[str, str]:
    """(proof, "") when Houdini settles by `deadline` on lemmas that include "not bad" and
    the independent check confirms them by `check_deadline`; else ("", why not), the reason
    empty where a reachable state breaks the property (a bounded search will find it) or the
    model offers nothing to try."""
    required = property_clauses(g.bad)
    if required is None or not system.lemma_candidates:
        return "", ""
    if system.limit is not None:
        required = (*required, *(property_clauses(system.limit) or ()))
    out = strengthen(system, system.lemma_candidates, required, deadline)
    if out is None:
        return "", "the model's lemmas were not settled in time"
    if out.why_not:
        return "", ""
    # no grace period: a check that cannot finish in time rejects the invariant
    verdict = check_invariant(system, g.bad, out.kept, check_deadline - time.perf_counter())
    if not verdict.ok:
        return "", f"the model's lemmas were rejected: {verdict.reason}"
    return (
        f"an inductive invariant of {len(out.kept)} of the model's {out.candidates} "
        f"candidate lemmas (Houdini: {out.sampled:,} sampled states, {out.queries} solver "
        f"queries, {out.seconds:g} s), re-checked by an independent solver: it holds "
        "initially, is preserved by every action, and excludes bad, limit and out-of-domain "
        "states",
        "",
    )
