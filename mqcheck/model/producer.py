"""Producer hop: send(), the RecordAccumulator, requests to the leader, acks, retries,
idempotence, delivery timeouts and producer crashes.

One message is one batch (one record per produce request). Sources, in docs/semantics.md:
ProducerConfig docs for acks / retries / max.in.flight.requests.per.connection /
enable.idempotence; KIP-98 (idempotence, sequence numbers), KIP-91 (delivery.timeout.ms);
Partition.appendRecordsToLeader (min.insync.replicas check before append) and
Partition.checkEnoughReplicasReachOffset (NOT_ENOUGH_REPLICAS_AFTER_APPEND).
"""

from __future__ import annotations

from mqcheck.ir.expr import TRUE, Expr, all_of, any_of, count_true, ite
from mqcheck.ir.system import Action
from mqcheck.model.layout import (
    ACKED,
    EXCUSED,
    GAVE_UP,
    INFLIGHT,
    QUEUED,
    RETRY,
    STATUS_NAMES,
    UNSENT,
    WAIT,
    ModelBuilder,
    ProducerInfo,
)
from mqcheck.model.outcomes import Updates, merge, on_failure, on_retriable
from mqcheck.model.producer_state import acks_text, halted, is_pending, reset_attempt, window_binds
from mqcheck.model.storage import flush_on_append, storage_note
from mqcheck.model.transaction_state import abort_updates, is_open, transactional
from mqcheck.model.watermark import high_watermark_after, isr_size


def declare(b: ModelBuilder) -> None:
    """Per-message producer state."""
    for p in b.producers:
        with b.focus(b.partitions[p.partition]):
            _declare(b, p)


def _declare(b: ModelBuilder, p: ProducerInfo) -> None:
    for m in p.messages:
        b.var(
            f"status_m{m}",
            UNSENT,
            EXCUSED,
            UNSENT,
            "producer-side status of the message",
            kind="enum",
            labels=dict(enumerate(STATUS_NAMES)),
        )
        if p.spec.acks == -1:
            b.var(f"poff_m{m}", 0, b.capacity - 1, 0, "offset the leader appended it at")
        if p.track_tries:
            b.var(f"tries_m{m}", 0, p.spec.retries, 0, "retries used by the current send")
        if p.track_gen:
            b.var(f"gen_m{m}", 0, b.gens - 1, 0, "application-level sends so far")


def in_flight_count(b: ModelBuilder, p: ProducerInfo) -> Expr:
    return count_true([b.status(m).eq(INFLIGHT) | b.status(m).eq(WAIT) for m in p.messages])


def too_large_for_producer(b: ModelBuilder, p: ProducerInfo) -> bool:
    return p.spec.app.message_bytes > p.spec.max_request_size


def too_large_for_topic(b: ModelBuilder, p: ProducerInfo) -> bool:
    return p.spec.app.message_bytes > b.topic.max_message_bytes


def add_actions(b: ModelBuilder) -> None:
    for p in b.producers:
        with b.focus(b.partitions[p.partition]):
            for j, m in enumerate(p.messages):
                if p.processor is None:  # a processor sends when it processes (processors.py)
                    _app_send(b, p, j, m)
                _dispatch(b, p, j, m)
                _arrive(b, p, j, m)
                _await_ack(b, p, m)
                _request_timeout(b, p, m)
                _delivery_timeout(b, p, m)
            if p.processor is None:  # a processor's crash is processor_crash
                _producer_crash(b, p)


def _txn_open(b: ModelBuilder, p: ProducerInfo) -> Expr:
    """A transactional producer sends only inside an open transaction."""
    return is_open(b, p) if transactional(p) else TRUE


def _actor(p: ProducerInfo) -> str:
    return f"producer:{p.spec.name}"


def _app_send(b: ModelBuilder, p: ProducerInfo, j: int, m: int) -> None:
    name = p.spec.name
    label = b.label(m)
    guard = all_of(
        [
            b.status(m).eq(UNSENT),
            *([b.status(p.messages[j - 1]).ne(UNSENT)] if j else []),
            ~halted(b, p) if p.spec.app.on_send_error == "halt" else TRUE,
            _txn_open(b, p),
        ]
    )
    where = b.in_focus.name
    if too_large_for_producer(b, p):
        size = p.spec.app.message_bytes
        b.add(
            Action(
                name=f"send_failed_too_large({label})",
                kind="send_failed",
                actor=_actor(p),
                guard=guard,
                # send() fails the same way every time, so resending cannot help: the
                # message is as good as dropped (halt still excuses it).
                updates=(
                    {b.status(m).name: ite(TRUE, GAVE_UP, 0)}
                    if p.spec.app.on_send_error == "resend"
                    else on_failure(b, m, TRUE, resendable=False)
                ),
                text=(
                    f"{name} calls send({label}): RecordTooLargeException, {size} bytes is over "
                    f"max.request.size={p.spec.max_request_size}; the send fails at once"
                ),
                params={"message": m},
                message=label,
                hazard=f"max.request.size={p.spec.max_request_size} < message size {size}",
                fix="raise max.request.size (and the topic's max.message.bytes) above the message size",
            )
        )
        return
    target = QUEUED if window_binds(p) else INFLIGHT
    after = "waits in the accumulator" if target == QUEUED else "goes out to the leader"
    b.add(
        Action(
            name=f"send({label})",
            kind="send",
            actor=_actor(p),
            guard=guard,
            updates={b.status(m).name: ite(TRUE, target, 0)},
            text=f"{name} calls send({label}) to {where} ({acks_text(p)}); the batch {after}",
            params={"message": m},
            message=label,
        )
    )


def _dispatch(b: ModelBuilder, p: ProducerInfo, j: int, m: int) -> None:
    label = b.label(m)
    earlier_queued = [b.status(e).eq(QUEUED) | b.status(e).eq(RETRY) for e in p.messages[:j]]
    window = in_flight_count(b, p) < p.spec.max_in_flight if window_binds(p) else TRUE
    for source, kind, verb in ((QUEUED, "send", "sends"), (RETRY, "retry", "retries")):
        b.add(
            Action(
                name=f"{kind}_dispatch({label})",
                kind=kind,
                actor=_actor(p),
                guard=all_of(
                    [b.status(m).eq(source), *[~q for q in earlier_queued], window, _txn_open(b, p)]
                ),
                updates={b.status(m).name: ite(TRUE, INFLIGHT, 0)},
                text=f"{p.spec.name} {verb} the produce request for {label}",
                params={"message": m},
                message=label,
            )
        )


def _first_in_flight(b: ModelBuilder, p: ProducerInfo, j: int) -> list[Expr]:
    """Requests on one connection reach the leader in the order they were sent."""
    return [b.status(e).ne(INFLIGHT) for e in p.messages[:j]]


def _arrive(b: ModelBuilder, p: ProducerInfo, j: int, m: int) -> None:
    """The request for m reaches the leader: lost, rejected, deduplicated or appended."""
    label = b.label(m)
    st = b.status(m)
    base = [st.eq(INFLIGHT), *_first_in_flight(b, p, j)]
    acks0 = p.spec.acks == 0
    # produce_request_lost: the request never reaches the leader.
    lost_updates: Updates = {st.name: ite(TRUE, ACKED, 0)} if acks0 else on_retriable(b, m, TRUE)
    b.add(
        Action(
            name=f"request_lost({label})",
            kind="request_lost",
            actor="network",
            guard=all_of([*base, b.budget("produce_request_lost") > 0]),
            updates=merge(lost_updates, _spend(b, "produce_request_lost")),
            text=(
                f"the produce request for {label} is lost on the network"
                + (
                    " — with acks=0 nobody notices: the producer already counted it as sent"
                    if acks0
                    else f"; the producer times out and {retry_note(p)}"
                )
            ),
            params={"message": m},
            fault="produce_request_lost",
            message=label,
            hazard=_request_lost_risk(p)[0],
            fix=_request_lost_risk(p)[1],
        )
    )
    for leader in range(b.replicas):
        at_leader = [*base, b.leader.eq(leader)]
        lname = b.broker_name(leader)
        if p.spec.acks == -1:
            b.add(
                Action(
                    name=f"reject_not_enough_replicas({label},{leader})",
                    kind="reject",
                    actor=f"broker:{leader + 1}",
                    guard=all_of([*at_leader, isr_size(b) < b.topic.min_insync_replicas]),
                    updates=on_retriable(b, m, TRUE),
                    text=(
                        f"leader {lname} rejects {label}: NotEnoughReplicas, the ISR is below "
                        f"min.insync.replicas={b.topic.min_insync_replicas}; nothing appended, "
                        f"the producer {retry_note(p)}"
                    ),
                    params={"message": m, "leader": leader},
                    message=label,
                )
            )
        accept = [*at_leader]
        if p.spec.acks == -1:
            accept.append(isr_size(b) >= b.topic.min_insync_replicas)
        if p.spec.enable_idempotence:
            # KIP-98: the broker appends a producer's batches in sequence order only.
            accept += [~(b.status(e).eq(QUEUED) | b.status(e).eq(RETRY)) for e in p.messages[:j]]
        if too_large_for_topic(b, p):
            _reject_too_large(b, p, m, leader, accept)
            continue
        gens = range(b.gens) if p.track_gen else (0,)
        for gen in gens:
            code = b.code(m, gen)
            gen_guard = [b.v(f"gen_m{m}").eq(gen)] if p.track_gen else []
            present = [b.log(leader, i).eq(code) for i in range(b.capacity)]
            if p.spec.enable_idempotence:
                for i in range(b.capacity):
                    _dedup(b, p, m, leader, i, gen, [*accept, *gen_guard, present[i]])
            absent = [~x for x in present] if p.spec.enable_idempotence else []
            for k in range(b.capacity + 1):
                _append(b, p, m, leader, k, gen, [*accept, *gen_guard, *absent])


def retry_note(p: ProducerInfo) -> str:
    """What the producer does after a retriable error, in words."""
    if p.track_tries:
        return (
            f"retries if any of its retries={p.spec.retries} are left (otherwise the send "
            "fails back to the application)"
        )
    return "will retry"


def _request_lost_risk(p: ProducerInfo) -> tuple[str, str]:
    """(hazard, fix) of a lost produce request for this producer's settings."""
    if p.spec.acks == 0:
        return (
            "acks=0: the producer never learns whether a request arrived",
            "use acks=all (or acks=1) so a lost request is retried",
        )
    if not p.spec.enable_idempotence and p.spec.max_in_flight > 1:
        return (
            f"max.in.flight.requests.per.connection={p.spec.max_in_flight} without idempotence: "
            "a retried batch can land after a later one",
            "enable.idempotence=true (or max.in.flight.requests.per.connection=1)",
        )
    return "", ""


def _duplicate_risk(p: ProducerInfo) -> tuple[str, str]:
    """(hazard, fix) of a retry of a batch the leader already appended."""
    if p.spec.enable_idempotence:
        return "", ""
    return "enable.idempotence=false: the retry appends a second copy", "enable.idempotence=true"


def _spend(b: ModelBuilder, fault: str) -> Updates:
    return b.spend(fault)


def _reject_too_large(
    b: ModelBuilder, p: ProducerInfo, m: int, leader: int, guard: list[Expr]
) -> None:
    label = b.label(m)
    acks0 = p.spec.acks == 0
    size = p.spec.app.message_bytes
    b.add(
        Action(
            name=f"reject_too_large({label},{leader})",
            kind="reject",
            actor=f"broker:{leader + 1}",
            guard=all_of(guard),
            updates={b.status(m).name: ite(TRUE, ACKED, 0)}
            if acks0
            else on_failure(b, m, TRUE, False),
            text=(
                f"leader {b.broker_name(leader)} rejects {label}: RecordTooLargeException, "
                f"{size} bytes is over max.message.bytes={b.topic.max_message_bytes} "
                "(not retriable)"
            ),
            params={"message": m, "leader": leader},
            message=label,
            hazard=f"max.message.bytes={b.topic.max_message_bytes} < message size {size}",
            fix="raise the topic's max.message.bytes (broker message.max.bytes) above the message size",
        )
    )


def _gen_suffix(gen: int) -> str:
    """Names of per-send variants stay unique (the first send keeps the short name)."""
    return f",g{gen}" if gen else ""


def _dedup(
    b: ModelBuilder, p: ProducerInfo, m: int, leader: int, offset: int, gen: int, guard: list[Expr]
) -> None:
    label = b.label(m)
    ups: Updates = {b.status(m).name: ite(TRUE, WAIT, 0)}
    if p.spec.acks == -1:
        ups[f"poff_m{m}"] = ite(TRUE, offset, 0)
    b.add(
        Action(
            name=f"dedup({label},{leader},{offset}{_gen_suffix(gen)})",
            kind="append",
            actor=f"broker:{leader + 1}",
            guard=all_of(guard),
            updates=ups,
            text=(
                f"leader {b.broker_name(leader)} already holds {label} at offset {offset} from "
                "this producer id and sequence: a duplicate, answered without a second append "
                "(enable.idempotence)"
            ),
            params={"message": m, "leader": leader, "offset": offset},
            message=label,
        )
    )


def _append(
    b: ModelBuilder, p: ProducerInfo, m: int, leader: int, k: int, gen: int, guard: list[Expr]
) -> None:
    label = b.label(m)
    lname = b.broker_name(leader)
    if k == b.capacity:
        b.add(
            Action(
                name=f"overflow({label},{leader}{_gen_suffix(gen)})",
                kind="append",
                actor=f"broker:{leader + 1}",
                guard=all_of([*guard, b.leo(leader).eq(k)]),
                updates={"overflow": ite(TRUE, 1, 0)},
                text=f"leader {lname} would append {label} past the model's log bound",
                params={"message": m, "leader": leader},
                message=label,
            )
        )
        return
    ups: Updates = {
        b.log(leader, k).name: ite(TRUE, b.code(m, gen), 0),
        b.leo(leader).name: ite(TRUE, k + 1, 0),
    }
    ups.update(flush_on_append(b, leader, k + 1))
    # Partition.appendRecordsToLeader ends with maybeIncrementLeaderHW: with the leader
    # alone in the ISR the HW follows its log end at once.
    ups[b.hw.name] = high_watermark_after(b, leader, {leader: ite(TRUE, k + 1, 0)}, {})
    if p.spec.acks == 0:
        ups[b.status(m).name] = ite(TRUE, ACKED, 0)
    else:
        ups[b.status(m).name] = ite(TRUE, WAIT, 0)
    if p.spec.acks == -1:
        ups[f"poff_m{m}"] = ite(TRUE, k, 0)
    resent = ""
    if gen:
        resent = (
            " (a new send by the application)"
            if p.processor is None
            else f" (written again: {p.spec.name} processed its input again)"
        )
    dup_note = ""
    if not p.spec.enable_idempotence:
        dup_note = ", without duplicate detection (enable.idempotence=false)"
    b.add(
        Action(
            name=f"append({label},{leader},{k},{gen})",
            kind="append",
            actor=f"broker:{leader + 1}",
            guard=all_of([*guard, b.leo(leader).eq(k)]),
            updates=ups,
            text=(
                f"leader {lname} appends {label}{resent} at offset {k} "
                f"({storage_note(b)}){dup_note}"
            ),
            params={"message": m, "leader": leader, "offset": k, "gen": gen},
            message=label,
        )
    )


def _await_ack(b: ModelBuilder, p: ProducerInfo, m: int) -> None:
    if p.spec.acks == 0:
        return
    label = b.label(m)
    st = b.status(m)
    waiting = [st.eq(WAIT)]
    done = {st.name: ite(TRUE, ACKED, 0)}
    if p.spec.acks == -1:
        done[f"poff_m{m}"] = ite(TRUE, 0, 0)
    minisr = b.topic.min_insync_replicas
    if p.spec.acks == 1:
        conditions: list[tuple[str, list[Expr]]] = [("", waiting)]
    else:
        conditions = [
            (f"@{off}", [*waiting, b.v(f"poff_m{m}").eq(off), b.hw > off])
            for off in range(b.capacity)
        ]
    for suffix, cond in conditions:
        enough = isr_size(b) >= minisr if p.spec.acks == -1 else TRUE
        how = (
            "the high watermark has passed it, every ISR member has it"
            if p.spec.acks == -1
            else "acks=1: the leader answers right after its own append"
        )
        b.add(
            Action(
                name=f"ack({label}{suffix})",
                kind="ack",
                actor=_actor(p),
                guard=all_of([*cond, enough]),
                updates=dict(done),
                text=f"{p.spec.name} receives the ack for {label} ({how})",
                params={"message": m},
                message=label,
                hazard=(
                    "acks=1: acknowledged before any follower had the message"
                    if p.spec.acks == 1
                    else ""
                ),
                fix="use acks=all with min.insync.replicas >= 2" if p.spec.acks == 1 else "",
            )
        )
        b.add(
            Action(
                name=f"response_lost({label}{suffix})",
                kind="response_lost",
                actor="network",
                guard=all_of([*cond, enough, b.budget("produce_response_lost") > 0]),
                updates=merge(on_retriable(b, m, TRUE), _spend(b, "produce_response_lost")),
                text=(
                    f"the success response for {label} is lost; {p.spec.name} times out and "
                    "will retry a batch the leader already appended"
                ),
                params={"message": m},
                fault="produce_response_lost",
                message=label,
                hazard=_duplicate_risk(p)[0],
                fix=_duplicate_risk(p)[1],
            )
        )
        if p.spec.acks == -1:
            b.add(
                Action(
                    name=f"reject_after_append({label}{suffix})",
                    kind="reject",
                    actor=f"producer:{p.spec.name}",
                    guard=all_of([*cond, isr_size(b) < minisr]),
                    updates=on_retriable(b, m, TRUE),
                    text=(
                        f"{label} reached the high watermark but the ISR is now below "
                        f"min.insync.replicas={minisr}: NOT_ENOUGH_REPLICAS_AFTER_APPEND; the "
                        f"record stays in the log and the producer {retry_note(p)}"
                    ),
                    params={"message": m},
                    message=label,
                )
            )


def _request_timeout(b: ModelBuilder, p: ProducerInfo, m: int) -> None:
    """From 3.7 the HW freezes while the ISR is below min.insync.replicas (KAFKA-15583), so
    a waiting acks=all request expires in purgatory: REQUEST_TIMED_OUT (DelayedProduce
    onExpiration). The record stays in the log; the producer retries."""
    if p.spec.acks != -1 or not b.spec.kafka_version.at_least(3, 7):
        return
    label = b.label(m)
    minisr = b.topic.min_insync_replicas
    b.add(
        Action(
            name=f"request_timed_out({label})",
            kind="reject",
            actor=_actor(p),
            guard=all_of([b.status(m).eq(WAIT), isr_size(b) < minisr]),
            updates=on_retriable(b, m, TRUE),
            text=(
                f"the request for {label} expires in the leader's purgatory (REQUEST_TIMED_OUT): "
                f"the ISR is below min.insync.replicas={minisr}, so the high watermark cannot "
                f"advance (Kafka 3.7+); the record stays in the log and the producer {retry_note(p)}"
            ),
            params={"message": m},
            message=label,
            hazard=_duplicate_risk(p)[0],
            fix=_duplicate_risk(p)[1],
        )
    )


def _fail_send(b: ModelBuilder, p: ProducerInfo, m: int) -> Updates:
    """A send fails back to the application; inside a transaction that aborts it."""
    if transactional(p):
        return abort_updates(b, p, TRUE)
    return on_failure(b, m, TRUE)


def _delivery_timeout(b: ModelBuilder, p: ProducerInfo, m: int) -> None:
    label = b.label(m)
    b.add(
        Action(
            name=f"delivery_timeout({label})",
            kind="delivery_timeout",
            actor=_actor(p),
            guard=all_of([is_pending(b, m), b.budget("delivery_timeout") > 0, _txn_open(b, p)]),
            updates=merge(_fail_send(b, p, m), _spend(b, "delivery_timeout")),
            text=(
                f"an outage outlasts delivery.timeout.ms={p.spec.delivery_timeout_ms}: the send "
                f"of {label} fails back to the application (TimeoutException); "
                f"on_send_error: {p.spec.app.on_send_error if p.spec.app.waits_for_result else 'never read'}"
            ),
            params={"message": m},
            fault="delivery_timeout",
            message=label,
            hazard=(
                f"on_send_error: {p.spec.app.on_send_error}"
                if p.spec.app.on_send_error != "resend"
                else ""
            ),
            fix="resend (or halt) on a failed send instead of dropping it",
        )
    )


def _producer_crash(b: ModelBuilder, p: ProducerInfo) -> None:
    """The process dies with its accumulator and in-flight requests, and restarts. The
    new instance has a new producer id, so its resends are not deduplicated (KIP-98)."""
    if transactional(p):
        _transactional_producer_crash(b, p)
        return
    parts: list[Updates] = [_spend(b, "producer_crash")]
    resend = p.spec.app.on_send_error == "resend"
    for m in p.messages:
        st = b.status(m)
        dying = is_pending(b, m)
        if p.spec.acks == 0:
            dying = dying & st.ne(INFLIGHT)
            parts.append(
                {
                    st.name: ite(
                        st.eq(INFLIGHT), ACKED, ite(dying, GAVE_UP if not resend else QUEUED, st)
                    )
                }
            )
        else:
            parts.append({st.name: ite(dying, QUEUED if resend else GAVE_UP, st)})
        if resend and b.has(f"gen_m{m}"):
            g = b.v(f"gen_m{m}")
            parts.append({g.name: ite(dying & (g < b.gens - 1), g + 1, g)})
            parts.append({"overflow": ite(dying & g.eq(b.gens - 1), 1, b.v("overflow"))})
        parts.append(reset_attempt(b, m, dying))
    what = (
        "on restart the application sends again every message it never saw acknowledged"
        if resend
        else "messages accepted by send() but not acknowledged are gone with it"
    )
    b.add(
        Action(
            name=f"producer_crash({p.spec.name})",
            kind="producer_crash",
            actor=_actor(p),
            guard=all_of(
                [b.budget("producer_crash") > 0, any_of(is_pending(b, m) for m in p.messages)]
            ),
            updates=merge(*parts),
            text=f"producer {p.spec.name} crashes and restarts: {what}",
            params={"producer": p.spec.name},
            fault="producer_crash",
            hazard="" if resend else f"on_send_error: {p.spec.app.on_send_error}",
            fix="" if resend else "resend unacknowledged messages after a restart (an outbox)",
        )
    )


def _transactional_producer_crash(b: ModelBuilder, p: ProducerInfo) -> None:
    """initTransactions() of the restarted instance bumps the epoch of the transactional
    id, fencing the old instance, and the coordinator aborts its open transaction (KIP-98).
    A transaction whose commit was already decided is completed, not aborted."""
    resend = p.spec.app.waits_for_result and p.spec.app.on_send_error == "resend"
    ups = abort_updates(b, p, TRUE, policy="resend" if resend else "drop")
    what = (
        "the application sends every message of that transaction again"
        if resend
        else "the messages of that transaction are lost with it"
    )
    b.add(
        Action(
            name=f"producer_crash({p.spec.name})",
            kind="producer_crash",
            actor=_actor(p),
            guard=all_of([b.budget("producer_crash") > 0, is_open(b, p)]),
            updates=merge(ups, _spend(b, "producer_crash")),
            text=(
                f"producer {p.spec.name} crashes and restarts; initTransactions() fences the old "
                f"instance (epoch bump for transactional.id={p.spec.transactional_id}) and the "
                f"coordinator aborts its open transaction; {what}"
            ),
            params={"producer": p.spec.name},
            fault="producer_crash",
            hazard="" if resend else f"on_send_error: {p.spec.app.on_send_error}",
            fix="" if resend else "resend what was never committed after a restart",
        )
    )
