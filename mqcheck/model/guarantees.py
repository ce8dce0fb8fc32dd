"""The delivery guarantees of the contract (docs/contract.md section 2) as IR predicates.

at-least-once is judged as "from every reachable state, every intended message can still
be processed by every consumer without further faults" (runs where faults stop and crashed
parts restart); each message's part is monotone, so per-message and whole-goal checks agree.
"""

from __future__ import annotations

from mqcheck.ir.expr import Expr, all_of, any_of
from mqcheck.ir.system import Composite, Eventually, Invariant, Observation
from mqcheck.model.consumer_state import final_consumers, processed
from mqcheck.model.layout import EXCUSED, UNSENT, ModelBuilder
from mqcheck.model.processor_state import written_twice
from mqcheck.model.producer_state import halted
from mqcheck.model.share_state import share_duplicated, share_processed, share_vars


def message_settled(b: ModelBuilder, m: int) -> Expr:
    """m is processed by every consumer and every share group, or the producer app was told it failed and halted,
    or the app halted before ever calling send() for it."""
    p = b.producer_of(m)
    st = b.status(m)
    excused = [st.eq(EXCUSED)]
    if p.spec.app.on_send_error == "halt":
        excused.append(st.eq(UNSENT) & halted(b, p))
    every = [
        *(processed(b, cv, m) for cv in final_consumers(b)),
        *(share_processed(b, sv, m) for sv in share_vars(b)),
    ]
    return any_of([all_of(every), *excused])


def at_least_once(b: ModelBuilder) -> Eventually:
    parts = {b.label(m): message_settled(b, m) for m in b.stage_ids(0)}
    return Eventually(
        guarantee="at-least-once",
        goal=all_of(parts.values()),
        parts=parts,
        description="every intended message is processed at least once by every consumer",
    )


def duplicated(b: ModelBuilder, m: int) -> Expr:
    """Producer message m was processed twice by a consumer (as its topic carries it), or
    an exactly-once processor wrote it twice into one transaction (processor_state.py)."""
    return any_of(
        [
            *(
                b.v(f"{cv.pre}_done_m{b.at_stage(m, cv.stage)}") >= 2
                for cv in final_consumers(b)
                if not cv.spec.app.idempotent
            ),
            *written_twice(b, m),
            *(d for sv in share_vars(b) if (d := share_duplicated(b, sv, m)) is not None),
        ]
    )


def at_most_once(b: ModelBuilder) -> Invariant:
    return Invariant(
        guarantee="at-most-once",
        bad=any_of(duplicated(b, m) for m in b.stage_ids(0)),
        description="no message is processed twice by a consumer",
    )


def exactly_once() -> Composite:
    """The contract's exactly-once: at-least-once and at-most-once together (docs/contract.md
    section 2); engines check the two parts and report the shorter violation."""
    return Composite(
        guarantee="exactly-once",
        parts=("at-least-once", "at-most-once"),
        description="every intended message is processed exactly once by every consumer",
    )


def ordering(b: ModelBuilder) -> Invariant:
    return Invariant(
        guarantee="ordering",
        bad=any_of(b.v(f"{cv.pre}_reordered") > 0 for cv in final_consumers(b)),
        description="each producer's messages are first processed in send order",
    )


def observations(b: ModelBuilder, track_order: bool) -> list[Observation]:
    out = []
    for m in b.stage_ids(0):
        # an at-least-once story is about what is missing: a duplicate is not its point
        out.append(
            Observation(
                "duplicated", b.label(m), duplicated(b, m), not_with=frozenset({"at-least-once"})
            )
        )
        if track_order:
            out.append(
                Observation(
                    "reordered",
                    b.label(m),
                    any_of(
                        b.v(f"{cv.pre}_reordered").eq(b.at_stage(m, cv.stage))
                        for cv in final_consumers(b)
                    ),
                )
            )
    return out
