"""What the rest of the model asks of a producer's per-message state: is a send still
pending (accumulated, in flight or awaiting its ack), has the application halted, does
the in-flight window bind.

Producer, processor and guarantee code all read these; they sit below the action modules
so that none of those has to import another to ask.
"""

from __future__ import annotations

from mqcheck.ir.expr import Expr, any_of, ite
from mqcheck.model.layout import EXCUSED, INFLIGHT, QUEUED, RETRY, WAIT, ModelBuilder, ProducerInfo
from mqcheck.model.outcomes import Updates

PENDING = (QUEUED, RETRY, INFLIGHT, WAIT)


def acks_text(p: ProducerInfo) -> str:
    return {0: "acks=0", 1: "acks=1", -1: "acks=all"}[p.spec.acks]


def is_pending(b: ModelBuilder, m: int) -> Expr:
    s = b.status(m)
    return any_of(s.eq(x) for x in PENDING)


def halted(b: ModelBuilder, p: ProducerInfo) -> Expr:
    return any_of(b.status(m).eq(EXCUSED) for m in p.messages)


def window_binds(p: ProducerInfo) -> bool:
    """max.in.flight.requests.per.connection is below the messages sent: send() queues
    in the RecordAccumulator instead of going out at once."""
    return p.spec.max_in_flight < len(p.messages)


def reset_attempt(b: ModelBuilder, m: int, cond: Expr) -> Updates:
    """Where `cond` holds, the next send of message m starts afresh: no retries used, no
    offset appended at (the variables that are tracked for it)."""
    ups: Updates = {}
    for extra in (f"tries_m{m}", f"poff_m{m}"):
        if b.has(extra):
            ups[extra] = ite(cond, 0, b.v(extra))
    return ups
