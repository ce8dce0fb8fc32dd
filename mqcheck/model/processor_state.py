"""A processor's state beyond its two clients: the exactly-once duplicate flag the
guarantees read, and what a processor that is down loses (its unacknowledged outputs, or
its open transaction).

consumer.py (expired group offsets), processors.py (crashes, task restarts) and
guarantees.py use these; they sit below all three.
"""

from __future__ import annotations

from mqcheck.ir.expr import Expr, ite
from mqcheck.model.consumer_state import clear_buffer, input_of
from mqcheck.model.layout import GAVE_UP, ModelBuilder, ProcessorInfo
from mqcheck.model.outcomes import Updates
from mqcheck.model.producer_state import is_pending, reset_attempt
from mqcheck.model.transaction_state import abort_updates, is_open, transactional


def twice_var(proc: ProcessorInfo, m: int) -> str:
    return f"x{proc.index}_twice_m{m}"


def written_twice(b: ModelBuilder, m: int) -> list[Expr]:
    """An exactly-once processor that reads a duplicated input writes two outputs in one
    transaction; every reader then sees both (exactly-once does not remove duplicates
    that were already in its input topic)."""
    return [b.v(twice_var(p, m)) >= 1 for p in b.processors if p.exactly_once]


def outputs(b: ModelBuilder, proc: ProcessorInfo) -> list[int]:
    return list(b.producers[proc.producer].messages)


def die(b: ModelBuilder, proc: ProcessorInfo) -> Updates:
    """The task's producer dies with it: outputs not yet acknowledged are gone (their
    inputs are re-processed, so they are sent again)."""
    ups: Updates = {}
    for out in outputs(b, proc):
        st = b.status(out)
        dying = is_pending(b, out)
        ups[st.name] = ite(dying, GAVE_UP, st)
        ups.update(reset_attempt(b, out, dying))
    return ups


def stopped(b: ModelBuilder, proc: ProcessorInfo) -> Updates:
    """What a processor that was down loses, apart from its position: unacknowledged
    outputs (at_least_once), or its open transaction, aborted by the coordinator once
    transaction.timeout.ms passed (exactly_once_v2). Position and buffer are left to the
    caller."""
    producer = b.producers[proc.producer]
    if proc.exactly_once and transactional(producer):
        ups = abort_updates(b, producer, is_open(b, producer))
        cv = input_of(b, proc)
        for name in (f"{cv.pre}_pos", *clear_buffer(b, cv)):
            ups.pop(name, None)
        return ups
    return die(b, proc)
