"""The delivery guarantees of the contract (SPEC_FORMAT.md section 2) as IR predicates.

at-least-once is judged as "from every reachable state, every intended message can still
be processed by every consumer without further faults" (runs where faults stop and crashed
parts restart); each message's part is monotone, so per-message and whole-goal checks agree.
"""

from __future__ import annotations

from mqcheck.ir.expr import Expr, all_of, any_of
from mqcheck.ir.system import Eventually, Invariant, Observation
from mqcheck.model.consumer import consumer_vars, processed
from mqcheck.model.layout import EXCUSED, UNSENT, ModelBuilder
from mqcheck.model.producer import halted


def message_settled(b: ModelBuilder, m: int) -> Expr:
    """m is processed by every consumer, or the producer app was told it failed and halted,
    or the app halted before ever calling send() for it."""
    p = b.producer_of(m)
    st = b.status(m)
    excused = [st.eq(EXCUSED)]
    if p.spec.app.on_send_error == "halt":
        excused.append(st.eq(UNSENT) & halted(b, p))
    return any_of([all_of(processed(b, cv, m) for cv in consumer_vars(b)), *excused])


def at_least_once(b: ModelBuilder) -> Eventually:
    parts = {b.label(m): message_settled(b, m) for m in range(1, b.n_messages + 1)}
    return Eventually(
        guarantee="at-least-once",
        goal=all_of(parts.values()),
        parts=parts,
        description="every intended message is processed at least once by every consumer",
    )


def duplicated(b: ModelBuilder, m: int) -> Expr:
    return any_of(
        b.v(f"{cv.pre}_done_m{m}") >= 2 for cv in consumer_vars(b) if not cv.spec.app.idempotent
    )


def at_most_once(b: ModelBuilder) -> Invariant:
    return Invariant(
        guarantee="at-most-once",
        bad=any_of(duplicated(b, m) for m in range(1, b.n_messages + 1)),
        description="no message is processed twice by a consumer",
    )


def ordering(b: ModelBuilder) -> Invariant:
    return Invariant(
        guarantee="ordering",
        bad=any_of(b.v(f"{cv.pre}_reordered") > 0 for cv in consumer_vars(b)),
        description="each producer's messages are first processed in send order",
    )


def observations(b: ModelBuilder, track_order: bool) -> list[Observation]:
    out = []
    for m in range(1, b.n_messages + 1):
        out.append(Observation("duplicated", b.label(m), duplicated(b, m)))
        if track_order:
            out.append(
                Observation(
                    "reordered",
                    b.label(m),
                    any_of(b.v(f"{cv.pre}_reordered").eq(m) for cv in consumer_vars(b)),
                )
            )
    return out
