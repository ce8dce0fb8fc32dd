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

from mqcheck.ir.expr import TRUE, Expr, all_of, any_of, ite, minimum
from mqcheck.ir.system import Action
from mqcheck.model.consumer import ConsumerVars, buffer_empty, clear_buffer, running
from mqcheck.model.layout import GAVE_UP, UNSENT, ModelBuilder, ProcessorInfo
from mqcheck.model.outcomes import Updates, merge
from mqcheck.model.producer import acks_text, is_pending, window_binds
from mqcheck.model.transactions import abort_updates, is_open, transactional


def twice_var(proc: ProcessorInfo, m: int) -> str:
    return f"x{proc.index}_twice_m{m}"


def declare(b: ModelBuilder) -> None:
    for proc in b.processors:
        if proc.exactly_once:
            for m in b.stage_ids(0):
                b.flag(
                    twice_var(proc, m),
                    0,
                    f"{proc.spec.name} wrote {b.label(m)} twice in one transaction",
                )


def written_twice(b: ModelBuilder, m: int) -> list[Expr]:
    """An exactly-once processor that reads a duplicated input writes two outputs in one
    transaction; every reader then sees both (exactly-once does not remove duplicates
    that were already in its input topic)."""
    return [b.v(twice_var(p, m)) >= 1 for p in b.processors if p.exactly_once]


def _consumer(b: ModelBuilder, proc: ProcessorInfo) -> ConsumerVars:
    from mqcheck.model.consumer import consumer_vars

    return consumer_vars(b)[proc.consumer]


def rewind(b: ModelBuilder, proc: ProcessorInfo, cond: Expr) -> Updates:
    """Where `cond` holds: back to the committed offset (none yet: auto.offset.reset,
    earliest for Streams), the records in hand dropped."""
    cv = _consumer(b, proc)
    pos, committed = b.v(f"{cv.pre}_pos"), b.v(f"{cv.pre}_committed")
    restart = ite(committed >= 0, committed, 0)
    ups: Updates = {pos.name: ite(cond, restart, pos)}
    for name, cleared in clear_buffer(b, cv).items():
        ups[name] = ite(cond, cleared, b.v(name))
    return ups


def has_input_in_hand(b: ModelBuilder, proc: ProcessorInfo) -> Expr:
    return ~buffer_empty(b, _consumer(b, proc))


def commit_offsets_in_transaction(
    b: ModelBuilder, proc: ProcessorInfo
) -> tuple[list[Expr], Updates]:
    """The guard and updates an exactly-once commit adds: nothing in hand, and the input
    position becomes the committed offset in the same transaction."""
    cv = _consumer(b, proc)
    pos = b.v(f"{cv.pre}_pos")
    return [buffer_empty(b, cv)], {f"{cv.pre}_committed": pos}


def add_consumer_side(b: ModelBuilder, cv: ConsumerVars) -> None:
    proc = cv.processor
    assert proc is not None
    from mqcheck.model.consumer import record_codes_here

    for code in record_codes_here(b, cv):
        if proc.exactly_once:
            _process_in_transaction(b, cv, proc, code)
        else:
            _process(b, cv, proc, code)
    if not proc.exactly_once:
        _commit(b, cv, proc)
        _task_restart(b, cv, proc)
    _crash(b, cv, proc)


def _outputs(b: ModelBuilder, proc: ProcessorInfo) -> list[int]:
    return list(b.producers[proc.producer].messages)


def _shift(b: ModelBuilder, cv: ConsumerVars) -> Updates:
    return {
        f"{cv.pre}_buf_{s}": b.v(f"{cv.pre}_buf_{s + 1}") if s + 1 < cv.slots else ite(TRUE, 0, 0)
        for s in range(cv.slots)
    }


def _send_target(b: ModelBuilder, proc: ProcessorInfo) -> int:
    from mqcheck.model.layout import INFLIGHT, QUEUED

    return QUEUED if window_binds(b.producers[proc.producer]) else INFLIGHT


def _reset_attempt(b: ModelBuilder, out: int, cond: Expr) -> Updates:
    ups: Updates = {}
    for extra in (f"tries_m{out}", f"poff_m{out}"):
        if b.has(extra):
            ups[extra] = ite(cond, 0, b.v(extra))
    return ups


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
        _reset_attempt(b, out, TRUE),
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
    settled = [~is_pending(b, out) & b.status(out).ne(GAVE_UP) for out in _outputs(b, proc)]
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


def _die(b: ModelBuilder, proc: ProcessorInfo) -> Updates:
    """The task's producer dies with it: outputs not yet acknowledged are gone (their
    inputs are re-processed, so they are sent again)."""
    ups: Updates = {}
    for out in _outputs(b, proc):
        st = b.status(out)
        dying = is_pending(b, out)
        ups[st.name] = ite(dying, GAVE_UP, st)
        ups.update(_reset_attempt(b, out, dying))
    return ups


def stopped(b: ModelBuilder, proc: ProcessorInfo) -> Updates:
    """What a processor that was down loses, apart from its position: unacknowledged
    outputs (at_least_once), or its open transaction, aborted by the coordinator once
    transaction.timeout.ms passed (exactly_once_v2). Position and buffer are left to the
    caller."""
    producer = b.producers[proc.producer]
    if proc.exactly_once and transactional(producer):
        ups = abort_updates(b, producer, is_open(b, producer))
        cv = _consumer(b, proc)
        for name in (f"{cv.pre}_pos", *clear_buffer(b, cv)):
            ups.pop(name, None)
        return ups
    return _die(b, proc)


def _task_restart(b: ModelBuilder, cv: ConsumerVars, proc: ProcessorInfo) -> None:
    failed = any_of(b.status(out).eq(GAVE_UP) for out in _outputs(b, proc))
    b.add(
        Action(
            name=f"task_restart({proc.spec.name})",
            kind="consumer_crash",
            actor=f"processor:{proc.spec.name}",
            guard=all_of([*running(b, cv), failed]),
            updates=merge(rewind(b, proc, TRUE), _die(b, proc)),
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
    spend = {"budget_processor_crash": b.budget("processor_crash") - 1}
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
        ups = merge(rewind(b, proc, TRUE), _die(b, proc))
        work += [is_pending(b, out) for out in _outputs(b, proc)]
        what = (
            "it restarts from its committed input offset {committed}: records processed since "
            "are processed again and their outputs written again"
        )
        hazard = "processing.guarantee=at_least_once: outputs are committed before the offsets"
        fix = "processing.guarantee=exactly_once_v2 with read_committed consumers downstream"
    b.add(
        Action(
            name=f"processor_crash({proc.spec.name})",
            kind="consumer_crash",
            actor=f"processor:{proc.spec.name}",
            guard=all_of([*running(b, cv), b.budget("processor_crash") > 0, any_of(work)]),
            updates=merge(ups, spend),
            text=f"processor {proc.spec.name} crashes; {what}",
            text_args={"committed": _restart_offset(b, cv)},
            params={"processor": proc.spec.name},
            fault="processor_crash",
            hazard=hazard,
            fix=fix,
        )
    )
