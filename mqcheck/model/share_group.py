"""Broker-to-share-consumer hop (KIP-932, queues for Kafka): a share group's members
acquire records of one partition one at a time under an acquisition lock, process them and
acknowledge them; a crash, a stall past the lock or a processing error sends a record back
to the share partition, where its delivery count decides whether it is delivered again or
archived.

Sources (docs/semantics.md §4.13): KIP-932 (share groups, the share partition's record
states, acquisition locks, delivery counts); Kafka's SharePartition / InFlightState (a
release at deliveryCount >= maxDeliveryCount archives); KafkaShareConsumer javadoc
(implicit acknowledgement on the next poll, explicit ACCEPT / RELEASE / REJECT);
GroupConfig share.auto.offset.reset (latest by default).

One record in hand per member: Kafka acquires batches, but locks and delivery counts are
per record (KIP-932 "Record locks"), so a fault that ends a batch's acquisition does to each
record of it what it would do to that record alone; the model lets a member hold one record
and the other members acquire the rest, which covers every interleaving a guarantee about
one message depends on (§4.13).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mqcheck.ir.expr import Const, Expr, all_of, minimum
from mqcheck.ir.system import Action
from mqcheck.model.layout import ModelBuilder
from mqcheck.model.outcomes import Updates, merge
from mqcheck.model.share_state import (
    ACKNOWLEDGED,
    ACQUIRED,
    ARCHIVED,
    AVAILABLE,
    STATE_LABELS,
    ShareVars,
    share_vars,
    start_offset,
)
from mqcheck.model.transaction_state import (
    committed_and_aborted,
    has_transactions,
    transactional,
)


def declare(b: ModelBuilder) -> None:
    for sv in share_vars(b):
        with b.focus(sv.partition):
            _declare(b, sv)


def _declare(b: ModelBuilder, sv: ShareVars) -> None:
    name, pre = sv.spec.group_id, sv.pre
    if sv.late_start:
        b.flag(f"{pre}_started", 0, f"share group {name}: created")
        b.var(f"{pre}_spso", 0, b.capacity, 0, f"share group {name}: share-partition start offset")
    for k in range(b.capacity):
        b.var(
            f"{pre}_st_{k}",
            0,
            ARCHIVED,
            AVAILABLE,
            f"share group {name}: state of the record at offset {k}",
            kind="enum",
            labels=STATE_LABELS,
        )
        if sv.track_count:
            b.var(
                f"{pre}_dc_{k}", 0, sv.limit, 0, f"share group {name}: delivery count of offset {k}"
            )
    for i, member in enumerate(sv.group.members):
        m = sv.member(i)
        b.var(
            f"{m}_off",
            0,
            b.capacity,
            0,
            f"{member.name}: offset it holds plus one (0: none)",
            labels={0: "none", **{k + 1: f"offset {k}" for k in range(b.capacity)}},
        )
        b.var(
            f"{m}_buf",
            0,
            b.max_code(),
            0,
            f"{member.name}: record acquired",
            kind="enum",
            labels=b.entry_labels(),
        )
        done_doc = "processed" if sv.spec.app.ack == "after_processing" else "acknowledged"
        b.flag(f"{m}_ph", 0, f"{member.name}: the record in hand is {done_doc}")
        if sv.zombies:
            b.flag(f"{m}_lost", 0, f"{member.name}: its acquisition lock expired (a zombie)")
    for msg in b.stage_ids(sv.stage):
        b.var(
            f"{pre}_done_m{msg}",
            0,
            sv.cap,
            0,
            f"share group {name}: times {b.label(msg)} was processed",
        )


def add_actions(b: ModelBuilder) -> None:
    for sv in share_vars(b):
        with b.focus(sv.partition):
            _start(b, sv)
            for i in range(len(sv.group.members)):
                for k in range(b.capacity):
                    for leader in range(b.replicas):
                        _acquire(b, sv, i, leader, k)
                    _acknowledge(b, sv, i, k)
                    _crash(b, sv, i, k)
                    _leave(b, sv, i, k)
                    _stall(b, sv, i, k)
                    _processing_error(b, sv, i, k)
                for code in _record_codes(b, sv):
                    _process(b, sv, i, code)


# ---- helpers -----------------------------------------------------------------------------
def _record_codes(b: ModelBuilder, sv: ShareVars) -> list[int]:
    """The record codes that can appear in the share group's partition."""
    return [c for c in range(1, b.record_codes() + 1) if b.stage_of(b.message_of(c)) == sv.stage]


def _started(b: ModelBuilder, sv: ShareVars) -> list[Expr]:
    return [b.v(f"{sv.pre}_started").is_true()] if sv.late_start else []


def _holding(b: ModelBuilder, sv: ShareVars, i: int, k: int) -> Expr:
    return b.v(f"{sv.member(i)}_off").eq(k + 1)


def _lost(b: ModelBuilder, sv: ShareVars, i: int) -> Expr:
    return b.v(f"{sv.member(i)}_lost").is_true() if sv.zombies else Const(0).eq(1)


def _idle(sv: ShareVars, i: int) -> Updates:
    """The member's hand after it is done with a record (or restarted)."""
    m = sv.member(i)
    ups: Updates = {
        f"{m}_off": Const(0),
        f"{m}_buf": Const(0),
        f"{m}_ph": Const(0),
    }
    if sv.zombies:
        ups[f"{m}_lost"] = Const(0)
    return ups


def _delivery(b: ModelBuilder, sv: ShareVars, k: int) -> tuple[str, dict[str, Expr]]:
    """ "(delivery {dc} of share.delivery.count.limit=N)" for the narrative, when counted."""
    if not sv.track_count:
        return "", {}
    return (
        f" (delivery {{dc}} of share.delivery.count.limit={sv.limit})",
        {"dc": b.v(f"{sv.pre}_dc_{k}")},
    )


def _member(sv: ShareVars, i: int) -> str:
    return sv.group.members[i].name


# ---- actions ------------------------------------------------------------------------------
def _start(b: ModelBuilder, sv: ShareVars) -> None:
    """The share group is created when its first member subscribes (app.joins: any_time).
    share.auto.offset.reset=latest puts the share-partition start offset at the partition's
    end then: what was produced before is never delivered to this group."""
    if not sv.late_start:
        return
    pre = sv.pre
    b.add(
        Action(
            name=f"share_start({pre})",
            kind="join",
            actor=f"share_consumer:{_member(sv, 0)}",
            guard=b.v(f"{pre}_started").eq(0),
            updates={f"{pre}_started": Const(1), f"{pre}_spso": b.hw},
            text=(
                f"share group {sv.spec.group_id} is created (its first member subscribes); "
                "share.auto.offset.reset=latest: its share-partition start offset is the "
                "high watermark {hw}, and the records below it are never delivered to it"
            ),
            text_args={"hw": b.hw},
            params={"consumer": _member(sv, 0)},
            hazard=(
                "share.auto.offset.reset=latest (the default) with a share group created after "
                "production started"
            ),
            fix="share.auto.offset.reset=earliest (kafka-configs --entity-type groups), or "
            "create the share group before producing",
        )
    )


def _acquire(b: ModelBuilder, sv: ShareVars, i: int, leader: int, k: int) -> None:
    pre, m = sv.pre, sv.member(i)
    st = b.v(f"{pre}_st_{k}")
    count_text, count_args = "", {}
    counted: Updates = {}
    if sv.track_count:
        dc = b.v(f"{pre}_dc_{k}")
        counted = {dc.name: minimum([dc + 1, sv.limit])}
        count_text = f" (delivery {{dc}} of share.delivery.count.limit={sv.limit})"
        count_args = {"dc": dc + 1}
    base = [
        *_started(b, sv),
        b.v(f"{m}_off").eq(0),
        b.leader.eq(leader),
        b.hw > k,
        start_offset(b, sv) <= k,
        st.eq(AVAILABLE),
    ]
    for v in _visible(b, sv, leader, k):
        b.add(
            Action(
                name=f"acquire({pre},m{i},{leader},{k}{v.tag})",
                kind="acquire",
                actor=f"share_consumer:{_member(sv, i)}",
                guard=all_of([*base, *v.guard]),
                updates={
                    st.name: Const(ACQUIRED),
                    f"{m}_off": Const(k + 1),
                    f"{m}_buf": v.record,
                    f"{m}_ph": Const(0),
                    **counted,
                },
                text=(
                    f"{_member(sv, i)} polls and acquires offset {k} ({{msg}}) from leader "
                    f"{b.broker_name(leader)}{v.note}{count_text} under an acquisition lock "
                    f"of share.record.lock.duration.ms={sv.spec.record_lock_duration_ms}"
                ),
                text_args={"msg": b.log(leader, k), **count_args},
                params={"consumer": _member(sv, i), "leader": leader, "offset": k},
                hazard=v.hazard,
                fix=v.fix,
            )
        )


@dataclass(frozen=True)
class _Visible:
    """A record a share fetch can hand out at an offset, and when."""

    tag: str
    guard: tuple[Expr, ...]
    record: Expr
    note: str = ""
    hazard: str = ""
    fix: str = ""


def _visible(b: ModelBuilder, sv: ShareVars, leader: int, k: int) -> list[_Visible]:
    """What offset k of leader's log can deliver. Without transactions, its record. With
    them, per record: transaction markers are never delivered (the client acknowledges them
    as GAP, which archives them); share.isolation.level=read_committed delivers a
    transactional record once its COMMIT marker is below the high watermark, and never an
    aborted one (SharePartition.maybeFilterAbortedTransactionalAcquiredRecords archives
    them); read_uncommitted delivers every record, aborted or open."""
    if not has_transactions(b):
        return [_Visible("", (), b.log(leader, k))]
    committed_only = sv.spec.isolation_level == "read_committed"
    out: list[_Visible] = []
    for code in _record_codes(b, sv):
        at_k = b.log(leader, k).eq(code)
        if not transactional(b.producer_of(b.message_of(code))):
            out.append(_Visible(f",{code}", (at_k,), Const(code)))
        elif committed_only:
            committed, _ = committed_and_aborted(b, leader, code)
            note = " (share.isolation.level=read_committed: its transaction is committed)"
            out.append(_Visible(f",{code}", (at_k, committed), Const(code), note))
        else:
            out.append(
                _Visible(
                    f",{code}",
                    (at_k,),
                    Const(code),
                    " (share.isolation.level=read_uncommitted)",
                    "share.isolation.level=read_uncommitted: records of open and aborted "
                    "transactions are delivered to the application",
                    "share.isolation.level=read_committed",
                )
            )
    return out


def _process(b: ModelBuilder, sv: ShareVars, i: int, code: int) -> None:
    """The application performs the record's effect. With ack: after_processing it then
    acknowledges; with before_processing the record was acknowledged first."""
    pre, m = sv.pre, sv.member(i)
    msg = b.message_of(code)
    done = b.v(f"{pre}_done_m{msg}")
    after = sv.spec.app.ack == "after_processing"
    ups: Updates = {done.name: minimum([done + 1, sv.cap])}
    ups.update({f"{m}_ph": Const(1)} if after else _idle(sv, i))
    idem = " (idempotent processing: no second effect)" if sv.spec.app.idempotent else ""
    b.add(
        Action(
            name=f"share_process({pre},m{i},{code})",
            kind="process",
            actor=f"share_consumer:{_member(sv, i)}",
            guard=all_of(
                [
                    b.v(f"{m}_off") > 0,
                    b.v(f"{m}_buf").eq(code),
                    b.v(f"{m}_ph").eq(0 if after else 1),
                ]
            ),
            updates=ups,
            text=f"{_member(sv, i)} processes {b.label(msg)}{idem}",
            params={"consumer": _member(sv, i), "message": msg},
            message=b.label(msg),
        )
    )


def _acknowledge(b: ModelBuilder, sv: ShareVars, i: int, k: int) -> None:
    """ACCEPT: explicitly (acknowledge + commitSync) or implicitly (the next poll accepts
    what the previous one delivered). A member whose lock expired is refused: the broker
    keeps the record as it is (AVAILABLE again, or acquired by another member)."""
    pre, m = sv.pre, sv.member(i)
    st = b.v(f"{pre}_st_{k}")
    after = sv.spec.app.ack == "after_processing"
    explicit = sv.spec.acknowledgement_mode == "explicit"
    how = (
        "acknowledges it (ACCEPT) and commits the acknowledgement"
        if explicit
        else "polls again, which accepts what the previous poll delivered "
        "(share.acknowledgement.mode=implicit)"
    )
    when = "after processing" if after else "before processing it"
    phase = b.v(f"{m}_ph").eq(1 if after else 0)
    hand: Updates = _idle(sv, i) if after else {f"{m}_ph": Const(1)}
    live = [_holding(b, sv, i, k), phase]
    if sv.zombies:
        live.append(~_lost(b, sv, i))
    b.add(
        Action(
            name=f"share_ack({pre},m{i},{k})",
            kind="acknowledge",
            actor=f"share_consumer:{_member(sv, i)}",
            guard=all_of(live),
            updates=merge({st.name: Const(ACKNOWLEDGED)}, hand),
            text=f"{_member(sv, i)} {how} for offset {k} {when}",
            params={"consumer": _member(sv, i), "offset": k},
            hazard=("the record is acknowledged before it is processed" if not after else ""),
            fix="acknowledge after processing (app.ack: after_processing)" if not after else "",
        )
    )
    if not sv.zombies:
        return
    b.add(
        Action(
            name=f"share_ack_refused({pre},m{i},{k})",
            kind="commit_failed",
            actor=f"share_consumer:{_member(sv, i)}",
            guard=all_of([_holding(b, sv, i, k), phase, _lost(b, sv, i)]),
            updates=hand,
            text=(
                f"{_member(sv, i)}'s acknowledgement of offset {k} is refused "
                "(INVALID_RECORD_STATE): its acquisition lock had expired"
            ),
            params={"consumer": _member(sv, i), "offset": k},
        )
    )


@dataclass(frozen=True)
class _Outcome:
    """One way an acquisition can end, as its own grounded action, so the narrative says
    what happened to the record rather than what could have."""

    tag: str  # distinguishes the action's name
    guard: tuple[Expr, ...]
    state: Expr | None  # offset k's new RecordState; None: the broker's state is unchanged
    text: str
    kind: str
    hazard: str = ""
    fix: str = ""


_LIMIT_FIX = "raise share.delivery.count.limit above the number of failures one record can meet"


def _released(
    b: ModelBuilder, sv: ShareVars, k: int, hazard: str = "", fix: str = ""
) -> list[_Outcome]:
    """Offset k goes back to the share partition unacknowledged: AVAILABLE, or ARCHIVED once
    its delivery count has reached the limit (InFlightState: deliveryCount >= limit)."""
    again = "the record is AVAILABLE again and will be delivered again"
    if not sv.track_count:
        return [_Outcome("", (), Const(AVAILABLE), again, "release", hazard, fix)]
    dc = b.v(f"{sv.pre}_dc_{k}")
    return [
        _Outcome("a", (dc < sv.limit,), Const(AVAILABLE), again, "release", hazard, fix),
        _Outcome(
            "x",
            (dc >= sv.limit,),
            Const(ARCHIVED),
            f"its delivery count has reached share.delivery.count.limit={sv.limit}: the record "
            "is ARCHIVED and will never be delivered again",
            "archive",
            f"share.delivery.count.limit={sv.limit}: every failed delivery of a record counts "
            "towards it",
            _LIMIT_FIX,
        ),
    ]


def _mine(b: ModelBuilder, sv: ShareVars, i: int, k: int) -> list[Expr]:
    """The member still holds offset k's acquisition at the broker."""
    out = [b.v(f"{sv.pre}_st_{k}").eq(ACQUIRED)]
    if sv.zombies:
        out.append(~_lost(b, sv, i))
    return out


def _outcome_action(
    b: ModelBuilder,
    sv: ShareVars,
    i: int,
    k: int,
    o: _Outcome,
    *,
    name: str,
    kind: str,
    guard: list[Expr],
    head: str,
    fault: str,
) -> None:
    st = f"{sv.pre}_st_{k}"
    count_text, count_args = _delivery(b, sv, k)
    b.add(
        Action(
            name=f"{name}({sv.pre},m{i},{k}{',' + o.tag if o.tag else ''})",
            kind=kind or o.kind,
            actor=f"share_consumer:{_member(sv, i)}",
            guard=all_of([*guard, *o.guard]),
            updates=merge(
                {st: o.state} if o.state is not None else {},
                _idle(sv, i) if fault != "consumer_stall" else {f"{sv.member(i)}_lost": Const(1)},
                b.spend(fault),
            ),
            text=head.format(count=count_text) + "; " + o.text,
            text_args={"msg": b.v(f"{sv.member(i)}_buf"), **count_args},
            params={"consumer": _member(sv, i), "offset": k},
            fault=fault,
            hazard=o.hazard,
            fix=o.fix,
        )
    )


def _crash(b: ModelBuilder, sv: ShareVars, i: int, k: int) -> None:
    """The member's process dies holding offset k and restarts with nothing in hand. Its
    acquired records go back when their acquisition locks expire (or its share session
    ends); the delivery count, raised at acquisition, stays."""
    lock = sv.spec.record_lock_duration_ms
    head = (
        f"share consumer {_member(sv, i)} crashes holding offset {k} ({{{{msg}}}}){{count}} and "
        f"restarts; its acquisition lock expires after share.record.lock.duration.ms={lock}"
    )
    hazard = "the record was processed but its acknowledgement not yet sent when the member crashed"
    _give_back(b, sv, i, k, "consumer_crash", "share_crash", head, hazard)


def _leave(b: ModelBuilder, sv: ShareVars, i: int, k: int) -> None:
    """A member leaves the share group (group_rebalance: a deploy, a scale-in) and closes its
    consumer holding offset k. close() sends the acknowledgements already made and releases
    the rest (KafkaShareConsumer javadoc; in implicit mode close() does not accept the last
    poll's records, ShareConsumerImpl.close), so a record processed but not acknowledged is
    delivered again. The member may rejoin later, with nothing in hand."""
    implicit = sv.spec.acknowledgement_mode == "implicit"
    head = (
        f"share consumer {_member(sv, i)} leaves the share group (a deploy or a scale-in) "
        f"holding offset {k} ({{{{msg}}}}){{count}}; close() releases the records it has not "
        "acknowledged"
        + (", and in implicit mode it does not accept the last poll's records" if implicit else "")
    )
    hazard = (
        "share.acknowledgement.mode=implicit: close() releases the last poll's records "
        "without accepting them, processed or not"
        if implicit
        else "the record was processed but not yet acknowledged when the member closed"
    )
    fix = (
        "acknowledge explicitly (share.acknowledgement.mode=explicit) and commitSync before "
        "close(), and make processing idempotent"
    )
    _give_back(b, sv, i, k, "group_rebalance", "share_leave", head, hazard, fix)


def _give_back(
    b: ModelBuilder,
    sv: ShareVars,
    i: int,
    k: int,
    fault: str,
    name: str,
    head: str,
    processed_hazard: str,
    processed_fix: str = "make processing idempotent (app.idempotent: true)",
) -> None:
    """The member stops holding offset k without acknowledging it (a crash, a close):
    released, or archived at the limit; a record it acknowledged before processing is not
    delivered again; a record whose lock it had already lost is no longer its own."""
    if not getattr(b.spec.faults, fault):
        return
    m = sv.member(i)
    after = sv.spec.app.ack == "after_processing"
    outcomes: list[_Outcome] = []
    phases = (0, 1) if after else (0,)
    for ph in phases:
        hazard, fix = (processed_hazard, processed_fix) if ph else ("", "")
        for o in _released(b, sv, k, hazard, fix):
            tag = f"p{ph}{o.tag}" if after else o.tag
            extra = (b.v(f"{m}_ph").eq(ph),) if after else ()
            outcomes.append(replace(o, tag=tag, guard=(*_mine(b, sv, i, k), *extra, *o.guard)))
    st = b.v(f"{sv.pre}_st_{k}")
    if not after:
        outcomes.append(
            _Outcome(
                "acked",
                (st.eq(ACKNOWLEDGED),),
                None,
                "it had acknowledged the record before processing it, so the record is never "
                "delivered again",
                fault,
                "the record is acknowledged before it is processed",
                "acknowledge after processing (app.ack: after_processing)",
            )
        )
    if sv.zombies:
        outcomes.append(
            _Outcome(
                "z",
                (_lost(b, sv, i),),
                None,
                "its acquisition lock had expired already, so nothing changes at the broker",
                fault,
            )
        )
    for o in outcomes:
        _outcome_action(
            b,
            sv,
            i,
            k,
            o,
            name=name,
            kind="consumer_crash" if fault == "consumer_crash" else "rebalance",
            guard=[_holding(b, sv, i, k), b.budget(fault) > 0],
            head=head,
            fault=fault,
        )


def _stall(b: ModelBuilder, sv: ShareVars, i: int, k: int) -> None:
    """Processing outlives the acquisition lock: the broker takes the record back while the
    member still works on it; another member may acquire and process it too."""
    if not sv.zombies:
        return
    lock = sv.spec.record_lock_duration_ms
    idem = "" if sv.spec.app.idempotent else " by a non-idempotent application"
    hazard = f"share.record.lock.duration.ms={lock} shorter than the processing of one record{idem}"
    fix = (
        "raise share.record.lock.duration.ms (group.share.max.record.lock.duration.ms bounds "
        "it) above the longest processing, and make processing idempotent"
    )
    head = (
        f"{_member(sv, i)} works on offset {k} ({{{{msg}}}}){{count}} for longer than "
        f"share.record.lock.duration.ms={lock}: the lock expires while it goes on with the record"
    )
    for o in _released(b, sv, k, hazard, fix):
        _outcome_action(
            b,
            sv,
            i,
            k,
            o,
            name="share_stall",
            kind="stall",
            guard=[_holding(b, sv, i, k), *_mine(b, sv, i, k), b.budget("consumer_stall") > 0],
            head=head,
            fault="consumer_stall",
        )


def _processing_error(b: ModelBuilder, sv: ShareVars, i: int, k: int) -> None:
    """The application fails to process the record it holds (processing_error). In explicit
    mode app.on_error decides: RELEASE (delivered again, or archived at the delivery limit),
    REJECT (archived) or ACCEPT (acknowledged unprocessed). In implicit mode the application
    cannot acknowledge (KafkaShareConsumer.acknowledge throws IllegalStateException) and the
    next poll accepts the record. With ack: before_processing it was acknowledged already."""
    if not b.spec.faults.processing_error:
        return
    after = sv.spec.app.ack == "after_processing"
    explicit = sv.spec.acknowledgement_mode == "explicit"
    on_error = sv.spec.app.on_error if explicit else "implicit"
    mine = tuple(_mine(b, sv, i, k))
    outcomes: list[_Outcome] = []
    if not after:
        outcomes.append(
            _Outcome(
                "",
                (),
                None,
                "it was acknowledged before processing, so it is never delivered again",
                "acknowledge",
                "the record is acknowledged before it is processed",
                "acknowledge after processing (app.ack: after_processing)",
            )
        )
    elif on_error == "release":
        for o in _released(b, sv, k):
            text = "the application acknowledges it with RELEASE: " + o.text
            outcomes.append(replace(o, guard=(*mine, *o.guard), text=text))
    elif on_error == "reject":
        outcomes.append(
            _Outcome(
                "",
                mine,
                Const(ARCHIVED),
                "the application acknowledges it with REJECT: the record is ARCHIVED and will "
                "never be delivered again",
                "archive",
                "app.on_error: reject archives a record after one failed processing",
                "release the record on a transient error (app.on_error: release)",
            )
        )
    else:
        what = (
            "the application acknowledges it with ACCEPT anyway"
            if explicit
            else "in share.acknowledgement.mode=implicit the application cannot release it, "
            "and its next poll accepts it"
        )
        outcomes.append(
            _Outcome(
                "",
                mine,
                Const(ACKNOWLEDGED),
                what + ": the record is never delivered again",
                "acknowledge",
                "app.on_error: accept acknowledges a record that was not processed"
                if explicit
                else "share.acknowledgement.mode=implicit accepts a record whose processing failed",
                "release the record on error (app.on_error: release)"
                if explicit
                else "share.acknowledgement.mode=explicit with app.on_error: release",
            )
        )
    if sv.zombies and after:
        outcomes.append(
            _Outcome(
                "z",
                (_lost(b, sv, i),),
                None,
                "its acquisition lock had expired already, so its acknowledgement changes nothing",
                "commit_failed",
            )
        )
    head = f"{_member(sv, i)} fails to process offset {k} ({{{{msg}}}}){{count}}"
    phase = b.v(f"{sv.member(i)}_ph").eq(0 if after else 1)
    for o in outcomes:
        _outcome_action(
            b,
            sv,
            i,
            k,
            o,
            name="processing_error",
            kind="",
            guard=[_holding(b, sv, i, k), phase, b.budget("processing_error") > 0],
            head=head,
            fault="processing_error",
        )
