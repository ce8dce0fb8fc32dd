"""Broker-to-consumer hop: poll below the high watermark, processing, offset commits
(manual before/after processing, auto-commit with sync or async processing), consumer
crashes, auto.offset.reset, expired group offsets and truncated logs.

Sources (docs/semantics.md): KafkaConsumer javadoc ("Offsets and Consumer Position",
"Automatic Offset Committing", at-least-once vs at-most-once by commit placement);
ConsumerConfig auto.offset.reset / enable.auto.commit; KIP-211 (offset expiration of
empty groups); KIP-320 (consumers detect log truncation after a leader change; consumer side in 2.3).
"""

from __future__ import annotations

from mqcheck.ir.expr import TRUE, Expr, all_of, any_of, ite, minimum, variables_of
from mqcheck.ir.system import Action
from mqcheck.model import group, processors
from mqcheck.model.consumer_state import (
    ConsumerVars,
    Holder,
    buffer_empty,
    clear_buffer,
    consumer_vars,
    owners,
    record_codes_here,
    reset_position,
    retention_deletes,
    running,
)
from mqcheck.model.layout import ModelBuilder
from mqcheck.model.outcomes import Updates, merge
from mqcheck.model.processor_state import stopped
from mqcheck.model.transaction_state import committed_and_aborted, has_transactions


def declare(b: ModelBuilder, track_order: bool) -> None:
    for cv in consumer_vars(b):
        with b.focus(cv.partition):
            _declare(b, cv, track_order)


def _declare(b: ModelBuilder, cv: ConsumerVars, track_order: bool) -> None:
    c, pre = cv.spec, cv.pre
    b.var(f"{pre}_pos", 0, b.capacity, 0, f"{c.name}: fetch position")
    # auto.offset.reset=none: we take the group's offset as set to 0 before the run
    # (otherwise a new group could never start); later resets fail.
    init_commit = 0 if c.auto_offset_reset == "none" else -1
    b.var(
        f"{pre}_committed",
        -1,
        b.capacity,
        init_commit,
        f"{c.name}: committed offset",
        labels={-1: "none"},
    )
    for s in range(cv.slots):
        b.var(
            f"{pre}_buf_{s}",
            0,
            b.max_code(),
            0,
            f"{c.name}: record handed to the app",
            kind="enum",
            labels=b.entry_labels(),
        )
    if cv.processor is None:
        for m in b.stage_ids(cv.stage):
            b.var(f"{pre}_done_m{m}", 0, cv.cap, 0, f"{c.name}: times {b.label(m)} was processed")
    if c.app.joins == "any_time":
        b.flag(f"{pre}_joined", 0, f"{c.name}: group has joined")
    if c.auto_offset_reset == "none":
        b.flag(f"{pre}_failed", 0, f"{c.name}: stopped by NoOffsetForPartition")
    if cv.grouped:
        group.declare(b, cv)
    if track_order and cv.processor is None:
        b.var(
            f"{pre}_reordered",
            0,
            b.n_messages,
            0,
            f"{c.name}: first message seen out of order",
            kind="enum",
            labels={0: "none", **{m: b.label(m) for m in range(1, b.n_messages + 1)}},
        )


def add_actions(b: ModelBuilder, track_order: bool) -> None:
    for cv in consumer_vars(b):
        with b.focus(cv.partition):
            _join(b, cv)
            for who in owners(b, cv):
                for leader in range(b.replicas):
                    for k in range(b.capacity):
                        for s in range(cv.slots):
                            _fetch(b, cv, who, leader, k, s)
                    _out_of_range(b, cv, who, leader)
                if cv.processor is None:
                    _commit(b, cv, who)
                    for code in record_codes_here(b, cv):
                        process(b, cv, who, code, track_order)
                    _crash(b, cv, who)
            if cv.processor is not None:
                processors.add_consumer_side(b, cv)
            _offsets_expire(b, cv)
            if cv.grouped:
                group.add_actions(b, cv, track_order, process)


def _name(cv: ConsumerVars) -> str:
    return cv.spec.name


def _join(b: ModelBuilder, cv: ConsumerVars) -> None:
    if not b.has(f"{cv.pre}_joined"):
        return
    pos, extra, how = reset_position(b, cv)
    committed = b.v(f"{cv.pre}_committed")
    b.add(
        Action(
            name=f"join({cv.pre})",
            kind="join",
            actor=f"consumer:{_name(cv)}",
            guard=b.v(f"{cv.pre}_joined").eq(0),
            updates=merge(
                {
                    f"{cv.pre}_joined": ite(TRUE, 1, 1),
                    f"{cv.pre}_pos": ite(committed >= 0, committed, pos),
                },
                extra,
            ),
            text=f"consumer group {cv.spec.group_id} joins for the first time; {how}",
            params={"consumer": _name(cv)},
            hazard=(
                "auto.offset.reset=latest with a group that joins after production started"
                if cv.spec.auto_offset_reset == "latest"
                else ""
            ),
            fix="auto.offset.reset=earliest, or create the group before producing",
        )
    )


def _fetch(b: ModelBuilder, cv: ConsumerVars, who: Holder, leader: int, k: int, s: int) -> None:
    pre = cv.pre
    pos = b.v(f"{pre}_pos")
    guard = [
        *running(b, cv),
        *who.guard,
        b.leader.eq(leader),
        pos.eq(k),
        b.hw > k,
        # below the log start offset the fetch is OFFSET_OUT_OF_RANGE (model/retention.py)
        *([b.log_start <= k] if retention_deletes(b, cv.partition) else []),
        b.v(f"{pre}_buf_{s}").eq(0),
        *([b.v(f"{pre}_buf_{s - 1}").ne(0)] if s else []),
    ]
    commit = cv.spec.app.commit
    if commit in ("after_processing", "before_processing") and cv.processor is None:
        # commitSync of everything handed out before the next poll
        committed = b.v(f"{pre}_committed")
        guard.append(committed.eq(pos) | committed.eq(-1))
    if has_transactions(b):
        _fetch_with_transactions(b, cv, who, leader, k, s, guard)
        return
    b.add(
        Action(
            name=f"poll({pre},{leader},{k},{s}{who.suffix})",
            kind="fetch",
            actor=f"consumer:{who.name}",
            guard=all_of(guard),
            updates={f"{pre}_buf_{s}": b.log(leader, k), f"{pre}_pos": ite(TRUE, k + 1, 0)},
            text=(
                f"{who.name} polls offset {k} from leader {b.broker_name(leader)} (below the high "
                "watermark {hw}) and gets {msg}"
                + (" and hands it to a worker thread" if cv.spec.app.processing == "async" else "")
            ),
            text_args={"hw": b.hw, "msg": b.log(leader, k)},
            params={"consumer": who.name, "leader": leader, "offset": k},
        )
    )


def _fetch_with_transactions(
    b: ModelBuilder,
    cv: ConsumerVars,
    who: Holder,
    leader: int,
    k: int,
    s: int,
    guard: list[Expr],
) -> None:
    """Poll with transactions in the log (KIP-98): control records (markers) are never
    handed to the application; read_committed returns a transactional record only once its
    COMMIT marker is below the HW (the last stable offset has passed it) and drops records
    of aborted transactions; read_uncommitted returns every record."""
    pre = cv.pre
    committed_only = cv.spec.isolation_level == "read_committed"
    base = list(guard)
    for code in _codes_here(b, cv):
        at_k = b.log(leader, k).eq(code)
        skip_reason = ""
        deliver: Expr | None = TRUE
        skip: Expr | None = None
        if b.is_marker(code):
            deliver, skip = None, TRUE
            skip_reason = "a transaction marker (control record), not handed to the application"
        else:
            p = b.producer_of(b.message_of(code))
            if p.spec.transactional_id is not None and committed_only:
                deliver, skip = committed_and_aborted(b, leader, code)
                skip_reason = "a record of an aborted transaction, dropped by read_committed"
        label = b.value_label(code)
        hazard, fix = "", ""
        if (
            not committed_only
            and not b.is_marker(code)
            and b.producer_of(b.message_of(code)).spec.transactional_id is not None
        ):
            hazard = (
                "isolation.level=read_uncommitted: records of open and aborted transactions "
                "are handed to the application"
            )
            fix = "isolation.level=read_committed"
        if deliver is not None:
            b.add(
                Action(
                    name=f"poll({pre},{leader},{k},{s},{code}{who.suffix})",
                    kind="fetch",
                    actor=f"consumer:{who.name}",
                    guard=all_of([*base, at_k, deliver]),
                    updates={
                        f"{pre}_buf_{s}": ite(TRUE, code, 0),
                        f"{pre}_pos": ite(TRUE, k + 1, 0),
                    },
                    text=(
                        f"{who.name} polls offset {k} from leader {b.broker_name(leader)} "
                        f"({cv.spec.isolation_level}, high watermark {{hw}}) and gets {label}"
                        + (
                            " and hands it to a worker thread"
                            if cv.spec.app.processing == "async"
                            else ""
                        )
                    ),
                    text_args={"hw": b.hw},
                    params={"consumer": who.name, "leader": leader, "offset": k},
                    hazard=hazard,
                    fix=fix,
                )
            )
        if skip is not None and s == 0:
            skip_guard = [g for g in base if not _is_slot_guard(g, pre)]
            if cv.spec.app.commit == "before_processing" and cv.processor is None:
                # A record in hand and a marker passed over come from one poll(): the
                # position moves past the control record before commitSync, never after
                # it (then a stall would mistake the done commit for a failed one, §4.9).
                committed = b.v(f"{pre}_committed")
                skip_guard.append(buffer_empty(b, cv) | committed.ne(b.v(f"{pre}_pos")))
            b.add(
                Action(
                    name=f"poll_skip({pre},{leader},{k},{code}{who.suffix})",
                    kind="fetch",
                    actor=f"consumer:{who.name}",
                    guard=all_of([*skip_guard, at_k, skip]),
                    updates={f"{pre}_pos": ite(TRUE, k + 1, 0)},
                    text=(
                        f"{who.name} reads past offset {k} on leader {b.broker_name(leader)}: "
                        f"{label} is {skip_reason}"
                    ),
                    params={"consumer": who.name, "leader": leader, "offset": k},
                )
            )


def _codes_here(b: ModelBuilder, cv: ConsumerVars) -> list[int]:
    """Records and transaction markers that can appear in this consumer's partition."""
    markers = [
        c
        for c in range(b.record_codes() + 1, b.max_code() + 1)
        if b.producers[b.marker_owner(c)[0]].partition == cv.partition.index
    ]
    return [*record_codes_here(b, cv), *markers]


def _is_slot_guard(g: Expr, pre: str) -> bool:
    return any(v.startswith(f"{pre}_buf_") for v in variables_of(g))


def _out_of_range(b: ModelBuilder, cv: ConsumerVars, who: Holder, leader: int) -> None:
    """The log was truncated below the consumer's position (unclean election, power loss).
    From 2.3 the consumer detects the truncation (KIP-320) and moves back to the new log
    end; before, OFFSET_OUT_OF_RANGE applies auto.offset.reset."""
    pre = cv.pre
    pos = b.v(f"{pre}_pos")
    kip320 = b.spec.kafka_version.at_least(2, 3)
    if kip320:
        new_pos: Expr = b.leo(leader)
        extra: Updates = {}
        how = "it detects the truncation (KIP-320) and continues from the new log end {leo}"
    else:
        new_pos, extra, how = reset_position(b, cv)
        how = "OFFSET_OUT_OF_RANGE; " + how
    b.add(
        Action(
            name=f"out_of_range({pre},{leader}{who.suffix})",
            kind="fetch",
            actor=f"consumer:{who.name}",
            guard=all_of([*running(b, cv), *who.guard, b.leader.eq(leader), pos > b.leo(leader)]),
            updates=merge({f"{pre}_pos": new_pos}, extra),
            text=f"{who.name}'s position {{pos}} is past leader {b.broker_name(leader)}'s log end: {how}",
            text_args={"pos": pos, "leo": b.leo(leader)},
            params={"consumer": who.name, "leader": leader},
        )
    )


def _commit(b: ModelBuilder, cv: ConsumerVars, who: Holder) -> None:
    pre = cv.pre
    pos, committed = b.v(f"{pre}_pos"), b.v(f"{pre}_committed")
    commit = cv.spec.app.commit
    guard = [*running(b, cv), *who.guard, committed.ne(pos)]
    if commit == "after_processing":
        guard.append(buffer_empty(b, cv))
        how = "after processing (commitSync)"
    elif commit == "before_processing":
        guard.append(~buffer_empty(b, cv))
        how = "before processing the records it holds"
    elif cv.spec.app.processing == "sync":
        guard.append(buffer_empty(b, cv))
        how = f"by auto-commit inside poll() (every auto.commit.interval.ms={cv.spec.auto_commit_interval_ms})"
    else:
        how = (
            "by auto-commit inside poll(), including records the worker thread has not "
            "processed yet"
        )
    b.add(
        Action(
            name=f"commit({pre}{who.suffix})",
            kind="commit",
            actor=f"consumer:{who.name}",
            guard=all_of(guard),
            updates={committed.name: pos},
            text=f"{who.name} commits offset {{pos}} {how}",
            text_args={"pos": pos},
            params={"consumer": who.name},
            hazard=(
                "the offset is committed before the record is processed"
                if commit == "before_processing" or cv.spec.app.processing == "async"
                else ""
            ),
            fix=(
                "commit after processing (enable.auto.commit=false and commitSync after the work "
                "is done)"
                if commit == "before_processing" or cv.spec.app.processing == "async"
                else ""
            ),
        )
    )


def process(b: ModelBuilder, cv: ConsumerVars, who: Holder, code: int, track_order: bool) -> None:
    """The application processes the oldest record `who` holds: the group's owner, or a
    zombie (a member removed by consumer_stall that still works through what it polled)."""
    pre = cv.pre
    m = b.message_of(code)
    done = b.v(f"{pre}_done_m{m}")
    buf = who.buf
    guard = [*who.guard, b.v(f"{buf}_0").eq(code)]
    if not who.zombie:
        guard[:0] = running(b, cv)
        if cv.spec.app.commit == "before_processing":
            guard.append(b.v(f"{pre}_committed").eq(b.v(f"{pre}_pos")))
    ups: Updates = {done.name: minimum([done + 1, cv.cap])}
    for s in range(cv.slots):
        ups[f"{buf}_{s}"] = b.v(f"{buf}_{s + 1}") if s + 1 < cv.slots else ite(TRUE, 0, 0)
    if track_order:
        p = b.producer_of(m)
        later = [b.v(f"{pre}_done_m{x}") >= 1 for x in p.messages if x > m]
        rv = b.v(f"{pre}_reordered")
        out_of_order = done.eq(0) & any_of(later)
        ups[rv.name] = ite(rv.eq(0) & out_of_order, m, rv)
    idem = " (idempotent processing: no second effect)" if cv.spec.app.idempotent else ""
    zombie = (
        " although it is no longer in the group (a zombie: its offset commits will be refused)"
        if who.zombie
        else ""
    )
    b.add(
        Action(
            name=f"process({pre},{code}{who.suffix})",
            kind="process",
            actor=f"consumer:{who.name}",
            guard=all_of(guard),
            updates=ups,
            text=f"{who.name} processes {b.label(m)}{idem}{zombie}",
            params={"consumer": who.name, "message": m},
            message=b.label(m),
        )
    )


def _crash(b: ModelBuilder, cv: ConsumerVars, who: Holder) -> None:
    pre = cv.pre
    pos, committed = b.v(f"{pre}_pos"), b.v(f"{pre}_committed")
    reset, extra, how = reset_position(b, cv)
    has_commit = committed >= 0
    if extra:
        extra = {k: ite(has_commit, b.v(k), v) for k, v in extra.items()}
    b.add(
        Action(
            name=f"consumer_crash({pre}{who.suffix})",
            kind="consumer_crash",
            actor=f"consumer:{who.name}",
            guard=all_of(
                [
                    *running(b, cv),
                    *who.guard,
                    b.budget("consumer_crash") > 0,
                    any_of([~buffer_empty(b, cv), committed.ne(pos)]),
                ]
            ),
            updates=merge(
                clear_buffer(b, cv),
                {pos.name: ite(has_commit, committed, reset)},
                extra,
                b.spend("consumer_crash"),
            ),
            text=(
                f"consumer {who.name} crashes and restarts from its committed offset {{committed}}"
                f" (with no committed offset, {how})"
                if not cv.grouped
                else f"consumer {who.name} crashes; {group.after_crash(b, cv)} "
                f"{cv.partition.name} goes on from the group's committed offset {{committed}}"
                f" (with no committed offset, {how})"
            ),
            text_args={"committed": committed},
            params={"consumer": who.name},
            fault="consumer_crash",
        )
    )


def _offsets_expire(b: ModelBuilder, cv: ConsumerVars) -> None:
    """The group sat empty (its members were down) past the retention. A processor was
    down too: its unacknowledged outputs died and its open transaction was aborted
    (transaction.timeout.ms), processor_state.stopped()."""
    pre = cv.pre
    reset, extra, how = reset_position(b, cv)
    minutes = b.spec.offsets_retention_minutes
    down = stopped(b, cv.processor) if cv.processor is not None else {}
    b.add(
        Action(
            name=f"offsets_expire({pre})",
            kind="offsets_expire",
            actor=f"consumer:{_name(cv)}",
            guard=all_of([*running(b, cv), b.budget("offsets_expire") > 0]),
            updates=merge(
                down,
                clear_buffer(b, cv),
                group.emptied(b, cv) if cv.grouped else {},
                {f"{pre}_committed": ite(TRUE, -1, 0), f"{pre}_pos": reset},
                extra,
                b.spend("offsets_expire"),
            ),
            text=(
                f"group {cv.spec.group_id} sits empty past offsets.retention.minutes={minutes}; "
                f"its committed offset is deleted and when it rejoins {how}"
            ),
            params={"consumer": _name(cv)},
            fault="offsets_expire",
            hazard=f"auto.offset.reset={cv.spec.auto_offset_reset} after expired offsets",
            fix="raise offsets.retention.minutes above the longest consumer outage",
        )
    )
