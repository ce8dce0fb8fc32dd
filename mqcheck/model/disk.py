"""Disk failure (JBOD, KIP-112): one broker loses the log directory that holds the
checked partition's replica. The broker keeps running; the replica's log is gone, the
controller takes the replica out of the ISR and, if it led, elects another leader in the
same event; the replica then rebuilds from the leader as an empty follower.

Sources (docs/semantics.md §3.18): KIP-112 (a failed log directory takes only its replicas
offline, the broker goes on); ZooKeeper: KafkaController.onBrokerLogDirFailure ->
onReplicasBecomeOffline (leader election for the partitions it led, removal from the
other ISRs, never emptying one); KRaft (JBOD from 3.7, KIP-858):
ReplicationControlManager.handleDirectoriesOffline -> generateLeaderAndIsrUpdates with the
broker as `brokerToRemove` (not as an unclean shutdown), and LeaderAcceptor, which refuses a
replica whose directory is offline; PartitionChangeBuilder.maybePopulateTargetElr, which
therefore lets a replica that lost its log into the ELR like any other.
"""

from __future__ import annotations

from mqcheck.ir.expr import FALSE, TRUE, Expr, all_of, any_of, ite
from mqcheck.ir.system import Action
from mqcheck.model import election
from mqcheck.model.layout import ModelBuilder
from mqcheck.model.outcomes import Updates, merge
from mqcheck.model.storage import requests_fail
from mqcheck.model.watermark import high_watermark_after, isr_size

FAULT = "disk_failure"


class NotModelled(Exception):
    """A configuration where a disk failure is not modelled (the verdict is `unknown`)."""


def add_actions(b: ModelBuilder) -> None:
    if b.spec.faults.disk_failure <= 0:
        return
    if not b.spec.kafka_version.at_least(1, 0):
        raise NotModelled(
            "before Kafka 1.0 a failed log directory stops the whole broker "
            "(KIP-112 made it take only its own replicas offline); use broker_crash with a "
            "power loss instead"
        )
    if b.multi:
        raise NotModelled(
            "disk_failure with several topics (which partitions share the "
            "failed log directory is not modelled)"
        )
    for r in range(b.brokers):
        for leader in range(b.replicas + 1):
            if leader != r:
                _fail(b, r, leader, None)
                continue
            for c in range(b.replicas):
                if c != r:
                    _fail(b, r, leader, c)
            _fail(b, r, leader, None)


def _lost_log(b: ModelBuilder, r: int) -> Updates:
    ups = b.truncate_to(r, ite(TRUE, 0, 0))
    ups[b.known(r).name] = ite(TRUE, -1, 0)
    return ups


def _membership(b: ModelBuilder, r: int) -> tuple[Updates, Expr]:
    """r leaves the ISR: without ELR never as its last member; with ELR into the ELR when
    the ISR is then below min ISR (not refused for the lost log: handleDirectoriesOffline
    does not pass it as an unclean shutdown). Returns the updates and whether r is still
    an ISR member afterwards."""
    was = b.in_isr(r).is_true()
    if b.elr:
        below = isr_size(b) - 1 < b.topic.min_insync_replicas
        return (
            {b.in_isr(r).name: ite(TRUE, 0, 0), b.in_elr(r).name: ite(was & below, 1, b.in_elr(r))},
            FALSE,
        )
    stays = was & (isr_size(b) <= 1)
    return {b.in_isr(r).name: ite(stays, 1, 0)}, stays


def _candidates(b: ModelBuilder, r: int) -> tuple[list[Expr], list[Expr], list[Expr]]:
    """Who the controller may elect when leader r loses its directory: (live ISR
    members, live ELR members usable once the ISR is empty, live replicas for an unclean
    election), each indexed by replica, r excluded (its replica is offline)."""
    isr = [
        FALSE if x == r else (b.alive(x).is_true() & b.in_isr(x).is_true())
        for x in range(b.replicas)
    ]
    elr: list[Expr] = [FALSE] * b.replicas
    if b.elr:
        elr = [
            FALSE if x == r else (b.alive(x).is_true() & b.in_elr(x).is_true())
            for x in range(b.replicas)
        ]
    unclean = [
        FALSE if x == r or not b.topic.unclean_leader_election_enable else b.alive(x).is_true()
        for x in range(b.replicas)
    ]
    return isr, elr, unclean


def _fail(b: ModelBuilder, r: int, leader: int, new: int | None) -> None:
    """Broker r's directory fails while `leader` leads (replicas: none); if r led, the
    controller elects `new` in the same event (None: nobody it may elect)."""
    name = b.broker_name(r)
    guard: list[Expr] = [b.alive(r).is_true(), b.budget(FAULT) > 0, b.leader.eq(leader)]
    # the election's updates first: r's own (lost log, ISR/ELR) then override its entries
    ups: Updates = {}
    member, stays = _membership(b, r)
    parts: list[Updates] = []
    text = (
        f"{name}'s log directory fails (JBOD, KIP-112): the broker goes on, but its replica's "
        "log is gone"
    )
    suffix = ""
    if leader == r:
        isr, elr, unclean = _candidates(b, r)
        parts += requests_fail(b, TRUE)
        if new is None:
            guard.append(~any_of([*isr, *elr, *unclean]))
            ups[b.leader.name] = ite(TRUE, b.none_replica, 0)
            if b.elr:
                # the ISR is now empty: r is the last known leader
                ups[b.last_leader.name] = ite(TRUE, r, 0)
            text += "; it led, and the controller has no other replica it may elect: "
            text += (
                "the partition is offline"
                if b.elr
                else "the partition is offline, with the emptied replica still the ISR"
            )
        else:
            how, cand_ups, cand_guard = _elect(b, r, new, isr, elr, unclean)
            guard += cand_guard
            ups.update(cand_ups)
            text += f"; it led, and the controller elects {b.broker_name(new)} ({how}) leader"
            suffix = f",{new}"
    elif leader != b.none_replica:
        ups[b.hw.name] = high_watermark_after(b, leader, {r: ite(TRUE, -1, 0)}, {r: stays})
        text += f"; leader {b.broker_name(leader)} takes it out of the ISR"
    else:
        text += "; the partition has no leader"
    ups.update(_lost_log(b, r))
    ups.update(member)
    ups.update(b.spend(FAULT))
    text += "; the replica comes back empty and rebuilds from whichever replica leads"
    # the hazard is named where it bites: without ELR on the step that leaves the emptied
    # replica as the ISR; with ELR on every step (the replica may join the ELR)
    hazard, fix = _hazard(b) if b.elr or (leader == r and new is None) else ("", "")
    b.add(
        Action(
            name=f"{FAULT}({r},{leader}{suffix})",
            kind=FAULT,
            actor=f"broker:{r + 1}",
            guard=all_of(guard),
            updates=merge(ups, *parts),
            text=text,
            params={"broker": r},
            fault=FAULT,
            hazard=hazard,
            fix=fix,
        )
    )


def _elect(
    b: ModelBuilder, r: int, c: int, isr: list[Expr], elr: list[Expr], unclean: list[Expr]
) -> tuple[str, Updates, list[Expr]]:
    """PartitionChangeBuilder.electLeader in the same controller event, in its order: a
    live ISR member; with the ISR empty, a live ELR member; then, if unclean election is
    enabled, any live replica. Returns (how, updates, guard) for candidate c."""
    rest = {x: isr[x] if x != c else TRUE for x in range(b.replicas)}
    clean = election.new_leader_updates(b, c, rest)
    for x in range(b.replicas):
        if x != c:
            clean[b.in_isr(x).name] = ite(isr[x], 1, 0)
    # (who may be elected at this level, c's updates, how it reads), most preferred first
    levels: list[tuple[list[Expr], Updates, str]] = [(isr, clean, "an ISR member")]
    if b.elr:
        via_elr = election.sole_leader_updates(b, c)
        via_elr[b.in_elr(c).name] = ite(TRUE, 0, 0)
        levels.append((elr, via_elr, "an eligible leader replica, the ISR being empty"))
    if b.topic.unclean_leader_election_enable:
        dirty = election.sole_leader_updates(b, c)
        if b.elr:
            dirty[b.in_elr(c).name] = ite(TRUE, 0, 0)
        levels.append((unclean, dirty, "out of sync, by an unclean election"))
    # c is elected at level i when it qualifies there and nobody qualifies at a higher one
    options = [
        all_of([*(~any_of(levels[j][0]) for j in range(i)), cands[c]])
        for i, (cands, _, _) in enumerate(levels)
    ]
    ups: Updates = {}
    for name in sorted({k for _, level_ups, _ in levels for k in level_ups}):
        expr: Expr = levels[-1][1].get(name, b.v(name))
        for i in reversed(range(len(levels) - 1)):
            expr = ite(options[i], levels[i][1].get(name, b.v(name)), expr)
        ups[name] = expr
    how = " or ".join(h for _, _, h in levels)
    return how, ups, [any_of(options)]


def _hazard(b: ModelBuilder) -> tuple[str, str]:
    if b.elr:
        return (
            "a replica that lost its log directory stays an eligible leader replica "
            "(handleDirectoriesOffline does not treat it as an unclean shutdown)",
            "replication.factor >= 3 with min.insync.replicas = 2, so the ISR keeps a "
            "second copy when a disk fails",
        )
    return (
        "without Eligible Leader Replicas the ISR never empties: a last ISR member that lost "
        "its log directory is elected again with an empty log once it is back",
        "eligible.leader.replicas.version=1 (KIP-966, 4.0+) and min.insync.replicas >= 2",
    )
