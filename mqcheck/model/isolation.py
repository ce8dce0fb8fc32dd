"""Leader isolation: a broker loses the controller and the other brokers for longer than the
session timeout while clients still reach it; later the network heals.

To the rest of the cluster the broker is gone: the controller fences it when its session
expires and moves leadership and the ISR exactly as for a crash (KRaft:
BrokerHeartbeatManager finds the stale broker after broker.session.timeout.ms and
ReplicationControlManager.handleBrokerFenced calls generateLeaderAndIsrUpdates with it as
`brokerToRemove`; ZooKeeper: the session expires after zookeeper.session.timeout.ms and
KafkaController.onBrokerFailure elects from the live ISR). So the model marks it not alive
(no fetches, no elections of it) and keeps its log, and `iso_r` says that its process is
still running and what it still believes: nothing tells it that it was replaced (the
broker does not fence itself: BrokerLifecycleManager only retries its heartbeats), so a
leader goes on answering the producers that still reach it.

What its answers are worth depends on its ISR, which it cannot change: a shrink needs the
controller (AlterPartition, KIP-497, 2.7+: the pending shrink keeps the larger ISR for the
high watermark), and before 2.7 the leader's own conditional ZooKeeper write fails too (it
has lost ZooKeeper, and after the heal the zkVersion has moved on). Its followers no longer
fetch, so its high watermark is frozen: acks=0 and acks=1 writes are appended and answered,
acks=all writes wait until the request times out. Only a leader alone in its ISR (with
min.insync.replicas 1) acknowledges acks=all writes, since its high watermark follows its
log end. When the network heals the broker learns the new leader epoch, becomes a follower
and truncates what it wrote meanwhile to the new leader's log (KIP-101/KIP-279: the model's
truncate steps). Sources in docs/semantics.md §3.20.
"""

from __future__ import annotations

from mqcheck.ir.expr import TRUE, Expr, all_of, count_true, ite
from mqcheck.ir.system import Action
from mqcheck.model.isolation_state import ALONE, CONNECTED, CUT_OFF, TIMES_OUT, TOO_FEW, enabled
from mqcheck.model.layout import ACKED, INFLIGHT, QUEUED, RETRY, WAIT, ModelBuilder, ProducerInfo
from mqcheck.model.outcomes import Updates, merge, on_retriable
from mqcheck.model.producer import too_large_for_topic
from mqcheck.model.storage import fence_updates, flush_on_append
from mqcheck.model.transaction_state import transactional

FAULT = "leader_isolation"


class NotModelled(Exception):
    """A configuration where leader isolation is not modelled (the verdict is `unknown`)."""


def add_actions(b: ModelBuilder) -> None:
    if not enabled(b):
        return
    _check_modelled(b)
    for r in range(b.brokers):
        for leader in range(b.replicas + 1):
            _isolate(b, r, leader)
        for p in b.producers:
            for j, m in enumerate(p.messages):
                _arrive(b, r, p, j, m)
        _heal(b, r)


def _check_modelled(b: ModelBuilder) -> None:
    if not b.spec.kafka_version.at_least(0, 11):
        raise NotModelled(
            "leader_isolation before Kafka 0.11 (a replaced leader then truncates to its "
            "own high watermark, not by leader epoch)"
        )
    if b.multi:
        raise NotModelled("leader_isolation with several topics or Kafka Streams processors")
    if any(transactional(p) for p in b.producers):
        raise NotModelled("leader_isolation with a transactional producer")
    if b.topic.unclean_leader_election_enable and b.consumers_of(b.in_focus):
        raise NotModelled(
            "leader_isolation with unclean.leader.election.enable=true and a consumer: a "
            "consumer reading records only the isolated leader has while another replica "
            "is elected"
        )


def _isr_size(b: ModelBuilder) -> Expr:
    return count_true([b.in_isr(x).is_true() for x in range(b.replicas)])


def _isolate(b: ModelBuilder, r: int, leader: int) -> None:
    """Broker r is cut off and, once its session expires, fenced, while `leader` leads
    (replicas: none). Cut-off and fencing are one step: until the fence nothing differs
    from what follows it (the leader cannot shrink its ISR, its followers cannot fetch)."""
    name = b.broker_name(r)
    led = leader == r
    ups: Updates = {
        **fence_updates(b, r, leader),
        b.alive(r).name: ite(TRUE, 0, 0),
        **b.spend(FAULT),
    }
    parts: list[Updates] = []
    minisr = b.topic.min_insync_replicas
    if led:
        size = _isr_size(b)
        ups[f"iso_{r}"] = ite(size < minisr, TOO_FEW, ite(size.eq(1), ALONE, TIMES_OUT))
        parts += _frozen_requests(b)
        text = (
            f"{name}, the leader, is cut off from the controller and its peers (clients still "
            "reach it); after the session timeout the controller fences it and the partition "
            "has no leader until an election; nothing tells broker "
            f"{r + 1}, which still believes it leads"
        )
    else:
        ups[f"iso_{r}"] = ite(TRUE, CUT_OFF, 0)
        role = "" if leader == b.none_replica else ", a follower,"
        text = (
            f"{name}{role} is cut off from the controller and its peers; after the session "
            "timeout the controller fences it and removes it from the ISR"
        )
    b.add(
        Action(
            name=f"{FAULT}({r},{leader})",
            kind="isolate",  # the step kinds of the contract (docs/contract.md §3)
            actor=f"broker:{r + 1}",
            guard=all_of(
                [
                    b.alive(r).is_true(),
                    b.v(f"iso_{r}").eq(CONNECTED),
                    b.budget(FAULT) > 0,
                    b.leader.eq(leader),
                ]
            ),
            updates=merge(ups, *parts),
            text=text,
            params={"broker": r},
            fault=FAULT,
            hazard=_hazard(b)[0] if led else "",
            fix=_hazard(b)[1] if led else "",
        )
    )


def _frozen_requests(b: ModelBuilder) -> list[Updates]:
    """acks=all requests the isolated leader holds whose offset its (now frozen) high
    watermark has not passed expire in its purgatory: the producer retries them. (The
    expiry comes later in Kafka; nothing can answer them first.)"""
    parts: list[Updates] = []
    for p in b.producers:
        if p.spec.acks != -1:
            continue
        for m in p.messages:
            st = b.status(m)
            parts.append(on_retriable(b, m, st.eq(WAIT) & (b.hw <= b.v(f"poff_m{m}"))))
    return parts


def _arrive(b: ModelBuilder, r: int, p: ProducerInfo, j: int, m: int) -> None:
    """A produce request for m reaches isolated leader r (the producer's metadata still
    names it). The producer may as well have refreshed its metadata from another broker
    and reach the new leader: both are steps of the model."""
    if too_large_for_topic(b, p):
        return  # refused by any leader alike (producer.py), never appended
    st = b.status(m)
    iso = b.v(f"iso_{r}")
    base: list[Expr] = [st.eq(INFLIGHT), *(b.status(e).ne(INFLIGHT) for e in p.messages[:j])]
    if p.spec.enable_idempotence:
        # KIP-98: the broker appends a producer's batches in sequence order only
        base += [~(b.status(e).eq(QUEUED) | b.status(e).eq(RETRY)) for e in p.messages[:j]]
    label, name = b.label(m), b.broker_name(r)
    acks = p.spec.acks
    if acks == -1:
        b.add(
            Action(
                name=f"isolated_reject({label},{r})",
                kind="reject",
                actor=f"broker:{r + 1}",
                guard=all_of([*base, iso.eq(TOO_FEW)]),
                updates=on_retriable(b, m, TRUE),
                text=(
                    f"isolated {name} still believes it leads and rejects {label}: "
                    "NotEnoughReplicas (its ISR is below min.insync.replicas); the producer "
                    "will retry"
                ),
                params={"message": m, "leader": r},
                message=label,
            )
        )
    gens = range(b.gens) if p.track_gen else (0,)
    for gen in gens:
        code = b.code(m, gen)
        guard = [*base, *([b.v(f"gen_m{m}").eq(gen)] if p.track_gen else [])]
        present = [b.log(r, i).eq(code) for i in range(b.capacity)]
        for k in range(b.capacity + 1):
            _append(b, r, p, m, gen, k, guard, present)


def _outcomes(b: ModelBuilder, p: ProducerInfo, m: int) -> list[tuple[int, Updates, str]]:
    """(iso state, status updates, what the producer gets) of an append by the isolated
    leader, per state in which it appends."""
    st = b.status(m).name
    led = (TIMES_OUT, ALONE, TOO_FEW)
    if p.spec.acks == 0:
        return [(s, {st: ite(TRUE, ACKED, 0)}, "acks=0: the producer counted it sent") for s in led]
    if p.spec.acks == 1:
        how = "acks=1: it answers right after its own append"
        return [(s, {st: ite(TRUE, WAIT, 0)}, how) for s in led]
    acked: Updates = {st: ite(TRUE, ACKED, 0), f"poff_m{m}": ite(TRUE, 0, 0)}
    return [
        (
            TIMES_OUT,
            on_retriable(b, m, TRUE),
            "acks=all: its followers cannot fetch, so its high watermark is frozen and the "
            "request times out (REQUEST_TIMED_OUT); the producer will retry",
        ),
        (
            ALONE,
            acked,
            "acks=all: alone in its ISR, its high watermark follows its log end and it "
            "answers at once",
        ),
    ]


def _append(
    b: ModelBuilder,
    r: int,
    p: ProducerInfo,
    m: int,
    gen: int,
    k: int,
    guard: list[Expr],
    present: list[Expr],
) -> None:
    label, name = b.label(m), b.broker_name(r)
    iso = b.v(f"iso_{r}")
    outcomes = _outcomes(b, p, m)
    for state, status_ups, how in outcomes:
        in_state = iso.eq(state)
        # an acks=all request that times out leaves one copy of this send in the isolated
        # log (a second copy of a retried send would be truncated with the first)
        repeat_once = p.spec.acks == -1 and state == TIMES_OUT
        dedup = p.spec.enable_idempotence or repeat_once
        absent = [~x for x in present] if dedup else []
        tag = f"{r},{k},{gen},{state}"
        if k == b.capacity:
            b.add(
                Action(
                    name=f"isolated_overflow({label},{tag})",
                    kind="append",
                    actor=f"broker:{r + 1}",
                    guard=all_of([*guard, in_state, *absent, b.leo(r).eq(k)]),
                    updates={"overflow": ite(TRUE, 1, 0)},
                    text=f"isolated {name} would append {label} past the model's log bound",
                    params={"message": m, "leader": r},
                    message=label,
                )
            )
        else:
            ups: Updates = {
                b.log(r, k).name: ite(TRUE, b.code(m, gen), 0),
                b.leo(r).name: ite(TRUE, k + 1, 0),
                **flush_on_append(b, r, k + 1),
            }
            b.add(
                Action(
                    name=f"isolated_append({label},{tag})",
                    kind="append",
                    actor=f"broker:{r + 1}",
                    guard=all_of([*guard, in_state, *absent, b.leo(r).eq(k)]),
                    updates=merge(ups, status_ups),
                    text=(
                        f"isolated {name} still believes it leads and appends {label} at "
                        f"offset {k} ({how})"
                    ),
                    params={"message": m, "leader": r, "offset": k, "gen": gen},
                    message=label,
                    hazard=_hazard(b)[0] if p.spec.acks != -1 else "",
                    fix=_hazard(b)[1] if p.spec.acks != -1 else "",
                )
            )
        if dedup and k == 0:
            # it already holds this send: idempotence answers without a second append;
            # a timed-out acks=all send is not appended again (see above)
            for i in range(b.capacity):
                b.add(
                    Action(
                        name=f"isolated_dedup({label},{r},{i},{gen},{state})",
                        kind="append",
                        actor=f"broker:{r + 1}",
                        guard=all_of([*guard, in_state, present[i]]),
                        updates=status_ups,
                        text=(
                            f"isolated {name} already holds {label} at offset {i}: no second "
                            f"append ({how})"
                        ),
                        params={"message": m, "leader": r, "offset": i},
                        message=label,
                    )
                )


def _heal(b: ModelBuilder, r: int) -> None:
    """The network heals: the broker reaches the controller again, learns the new leader
    epoch and becomes a follower (its divergent suffix is truncated by the truncate steps,
    KIP-101/KIP-279); the controller lets it back into the ISR once it has caught up. Its
    process never stopped, so with ELR it stays an eligible leader replica."""
    iso = b.v(f"iso_{r}")
    ups: Updates = {
        f"iso_{r}": ite(TRUE, CONNECTED, 0),
        b.alive(r).name: ite(TRUE, 1, 1),
        b.known(r).name: ite(TRUE, -1, 0),
    }
    name = b.broker_name(r)
    b.add(
        Action(
            name=f"heal({r})",
            kind="heal",
            actor=f"broker:{r + 1}",
            guard=iso.eq(CUT_OFF),
            updates=ups,
            text=f"the network heals: {name} is back in contact and follows the current leader",
            params={"broker": r},
        )
    )
    b.add(
        Action(
            name=f"heal_replaced({r})",
            kind="heal",
            actor=f"broker:{r + 1}",
            guard=iso > CUT_OFF,
            updates=ups,
            text=(
                f"the network heals: {name} learns that it was replaced (a newer leader epoch) "
                "and becomes a follower; it will truncate whatever it wrote meanwhile that "
                "the current leader does not have (leader-epoch truncation, KIP-101/KIP-279)"
            ),
            params={"broker": r},
        )
    )


def _hazard(b: ModelBuilder) -> tuple[str, str]:
    return (
        "an isolated leader acknowledges acks=0/acks=1 writes that no follower has; the "
        "network heals and it truncates them",
        "acks=all with min.insync.replicas >= 2 (an isolated leader cannot complete an "
        "acks=all write, its followers no longer fetch)",
    )
