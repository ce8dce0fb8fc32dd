"""Consume-transform-produce processors (Kafka Streams): processing an input record
produces its output record; what `processing.guarantee` ties together.

- at_least_once: the output is sent when the input is processed; a commit first flushes
  the producer (every output acknowledged), then commits the input offsets
  (StreamTask.prepareCommit, then commitSync). A crash, or a task that failed because a
  send failed, restarts from the last committed offset: the records after it are
  processed again and their outputs sent again, as new records (duplicates).
- exactly_once_v2: outputs are sent inside a transaction, and the input offsets are
  committed in the same transaction (sendOffsetsToTransaction, KIP-447). A crash fences
  the old instance, aborts the open transaction, and the new instance re-processes from
  the committed offsets; read_committed readers never see the aborted outputs. As for
  transactional producers (transactions.py), one transaction covers the run.

A processor's output of producer message m is message id `b.at_stage(m, stage)`, so
every stage's records name the message they came from. Sources in docs/semantics.md §2.16.
"""

from __future__ import annotations

from dataclasses import replace

from mqcheck.ir.expr import TRUE, Expr, all_of, any_of, ite, minimum
from mqcheck.ir.system import Action
from mqcheck.model import streams_instances
from mqcheck.model.consumer_state import (
    ConsumerVars,
    buffer_empty,
    record_codes_here,
    rewind,
    running,
)
from mqcheck.model.layout import GAVE_UP, INFLIGHT, QUEUED, UNSENT, ModelBuilder, ProcessorInfo
from mqcheck.model.outcomes import Updates, merge
from mqcheck.model.processor_state import die, outputs, twice_var
from mqcheck.model.producer_state import acks_text, is_pending, reset_attempt, window_binds
from mqcheck.model.transaction_state import abort_updates, is_open, transactional


def declare(b: ModelBuilder) -> None:
    for proc in b.processors:
        streams_instances.declare(b, proc)
        if proc.exactly_once:
            for m in b.stage_ids(0):
                b.flag(
                    twice_var(proc, m),
                    0,
                    f"{proc.spec.name} wrote {b.label(m)} twice in one transaction",
                )


def add_consumer_side(b: ModelBuilder, cv: ConsumerVars) -> None:
    proc = cv.processor
    assert proc is not None
    for code in record_codes_here(b, cv):
        if proc.exactly_once:
            _process_in_transaction(b, cv, proc, code)
        else:
            _process(b, cv, proc, code)
    if not proc.exactly_once:
        _commit(b, cv, proc)
        _task_restart(b, cv, proc)
    _crash(b, cv, proc)
    streams_instances.add_actions(b, cv, proc)


def _shift(b: ModelBuilder, cv: ConsumerVars) -> Updates:
    return {
        f"{cv.pre}_buf_{s}": b.v(f"{cv.pre}_buf_{s + 1}") if s + 1 < cv.slots else ite(TRUE, 0, 0)
        for s in range(cv.slots)
    }


def _send_target(b: ModelBuilder, proc: ProcessorInfo) -> int:
    return QUEUED if window_binds(b.producers[proc.producer]) else INFLIGHT


def _process(b: ModelBuilder, cv: ConsumerVars, proc: ProcessorInfo, code: int) -> None:
    m_in = b.message_of(code)
    out = b.at_stage(m_in, proc.stage)
    st, gen = b.status(out), b.v(f"gen_m{out}")
    again = st.ne(UNSENT)
    producer = b.producers[proc.producer]
    ups = merge(
        _shift(b, cv),
        {st.name: ite(TRUE, _send_target(b, proc), 0)},
        # a second processing is a new send: the producer cannot dedupe it
        {gen.name: ite(again, minimum([gen + 1, b.gens - 1]), gen)},
        {"overflow": ite(again & gen.eq(b.gens - 1), 1, b.v("overflow"))},
        reset_attempt(b, out, TRUE),
    )
    b.add(
        Action(
            name=f"process({cv.pre},{code})",
            kind="process",
            actor=f"processor:{proc.spec.name}",
            guard=all_of([*running(b, cv), b.v(f"{cv.pre}_buf_0").eq(code), ~is_pending(b, out)]),
            updates=ups,
            text=(
                f"{proc.spec.name} processes {b.label(m_in)} and sends its result to "
                f"{producer.spec.topic} ({acks_text(producer)}, at_least_once)"
            ),
            params={"processor": proc.spec.name, "message": b.origin(m_in)},
            message=b.label(m_in),
        )
    )


def _process_in_transaction(
    b: ModelBuilder, cv: ConsumerVars, proc: ProcessorInfo, code: int
) -> None:
    m_in = b.message_of(code)
    out = b.at_stage(m_in, proc.stage)
    st = b.status(out)
    producer = b.producers[proc.producer]
    base = [*running(b, cv), b.v(f"{cv.pre}_buf_0").eq(code), is_open(b, producer)]
    b.add(
        Action(
            name=f"process({cv.pre},{code})",
            kind="process",
            actor=f"processor:{proc.spec.name}",
            guard=all_of([*base, st.eq(UNSENT)]),
            updates=merge(_shift(b, cv), {st.name: ite(TRUE, _send_target(b, proc), 0)}),
            text=(
                f"{proc.spec.name} processes {b.label(m_in)} and sends its result to "
                f"{producer.spec.topic} inside its open transaction (exactly_once_v2, "
                f"transactional.id={producer.spec.transactional_id})"
            ),
            params={"processor": proc.spec.name, "message": b.origin(m_in)},
            message=b.label(m_in),
        )
    )
    twice = twice_var(proc, b.origin(m_in))
    b.add(
        Action(
            name=f"process_again({cv.pre},{code})",
            kind="process",
            actor=f"processor:{proc.spec.name}",
            guard=all_of([*base, st.ne(UNSENT)]),
            updates=merge(_shift(b, cv), {twice: ite(TRUE, 1, 1)}),
            text=(
                f"{proc.spec.name} processes {b.label(m_in)} again (a duplicate record in "
                f"{cv.spec.topic}, or input read again after its offsets were committed) and "
                "writes its result again: exactly-once covers one read-process-write, not a "
                "record read twice"
            ),
            params={"processor": proc.spec.name, "message": b.origin(m_in)},
            message=b.label(m_in),
            hazard="the processor read this message a second time",
            fix=(
                "an idempotent upstream producer (enable.idempotence=true), and committed "
                "offsets that outlive outages (offsets.retention.minutes)"
            ),
        )
    )


def _commit(b: ModelBuilder, cv: ConsumerVars, proc: ProcessorInfo) -> None:
    pos, committed = b.v(f"{cv.pre}_pos"), b.v(f"{cv.pre}_committed")
    settled = [~is_pending(b, out) & b.status(out).ne(GAVE_UP) for out in outputs(b, proc)]
    b.add(
        Action(
            name=f"commit({cv.pre})",
            kind="commit",
            actor=f"processor:{proc.spec.name}",
            guard=all_of([*running(b, cv), committed.ne(pos), buffer_empty(b, cv), *settled]),
            updates={committed.name: pos},
            text=(
                f"{proc.spec.name} flushes its producer (every output acknowledged) and then "
                "commits input offset {pos} (at_least_once: two separate steps)"
            ),
            text_args={"pos": pos},
            params={"processor": proc.spec.name},
        )
    )


def _task_restart(b: ModelBuilder, cv: ConsumerVars, proc: ProcessorInfo) -> None:
    failed = any_of(b.status(out).eq(GAVE_UP) for out in outputs(b, proc))
    b.add(
        Action(
            name=f"task_restart({proc.spec.name})",
            kind="consumer_crash",
            actor=f"processor:{proc.spec.name}",
            guard=all_of([*running(b, cv), failed]),
            updates=merge(rewind(b, proc, TRUE), die(b, proc)),
            text=(
                f"a send of {proc.spec.name} failed, so its stream thread dies and is restarted: "
                "it resumes from the committed input offset {committed} and processes the "
                "records after it again"
            ),
            text_args={"committed": _restart_offset(b, cv)},
            params={"processor": proc.spec.name},
            hazard="at_least_once re-processes every record after the last commit",
            fix="processing.guarantee=exactly_once_v2 (outputs and offsets in one transaction)",
        )
    )


def _restart_offset(b: ModelBuilder, cv: ConsumerVars) -> Expr:
    """Where a restarted task resumes: its committed offset, or with none yet offset 0
    (Streams sets auto.offset.reset=earliest)."""
    committed = b.v(f"{cv.pre}_committed")
    return ite(committed >= 0, committed, 0)


def _crash(b: ModelBuilder, cv: ConsumerVars, proc: ProcessorInfo) -> None:
    pos, committed = b.v(f"{cv.pre}_pos"), b.v(f"{cv.pre}_committed")
    producer = b.producers[proc.producer]
    spend = b.spend("processor_crash")
    work = [~buffer_empty(b, cv), committed.ne(pos)]
    if proc.exactly_once and transactional(producer):
        txn = is_open(b, producer)
        ups = abort_updates(b, producer, txn)
        ups.update(rewind(b, proc, TRUE))
        work.append(txn)
        what = (
            f"the restarted instance fences the old one (epoch bump for transactional.id="
            f"{producer.spec.transactional_id}), the coordinator aborts its open transaction, "
            "and it re-processes from its committed input offset {committed}"
        )
        hazard, fix = "", ""
    else:
        ups = merge(rewind(b, proc, TRUE), die(b, proc))
        work += [is_pending(b, out) for out in outputs(b, proc)]
        what = (
            "it restarts from its committed input offset {committed}: records processed since "
            "are processed again and their outputs written again"
        )
        hazard = "processing.guarantee=at_least_once: outputs are committed before the offsets"
        fix = "processing.guarantee=exactly_once_v2 with read_committed consumers downstream"
    guard = [*running(b, cv), b.budget("processor_crash") > 0, any_of(work)]
    crash = Action(
        name=f"processor_crash({proc.spec.name})",
        kind="consumer_crash",
        actor=f"processor:{proc.spec.name}",
        guard=all_of(guard),
        updates=merge(ups, spend),
        text=f"processor {proc.spec.name} crashes; {what}",
        text_args={"committed": _restart_offset(b, cv)},
        params={"processor": proc.spec.name},
        fault="processor_crash",
        hazard=hazard,
        fix=fix,
    )
    if not streams_instances.moves_tasks(b, proc):
        b.add(crash)
        return
    # several instances: the crashed one's task goes to the next (streams_instances.py)
    for k, holds in streams_instances.holders(b, proc):
        b.add(
            replace(
                crash,
                name=f"processor_crash({proc.spec.name},{k})",
                guard=all_of([*guard, holds]),
                updates=merge(ups, spend, streams_instances.hand_over(proc, k)),
                text=streams_instances.crash_text(proc, k),
                params={**crash.params, "instance": streams_instances.instance_name(proc, k)},
            )
        )
