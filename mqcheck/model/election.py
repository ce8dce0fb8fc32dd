"""Leader election: clean (a live ISR member) or unclean (any live replica, only with
unclean.leader.election.enable=true), and what the new leader starts from.

Sources (docs/semantics.md): Kafka docs "Unclean leader election"; KIP-106 (default false
from 0.11); controller election (Election.scala / PartitionChangeBuilder in KRaft);
KIP-966 (Eligible Leader Replicas: a replica that restarted after an unclean shutdown may
not lead).
"""

from __future__ import annotations

from collections.abc import Mapping

from mqcheck.ir.expr import FALSE, TRUE, Expr, all_of, any_of, ite, minimum
from mqcheck.ir.system import Action
from mqcheck.model.layout import ModelBuilder
from mqcheck.model.outcomes import Updates
from mqcheck.model.replication import live_isr_member_exists
from mqcheck.model.watermark import high_watermark_after


def add_actions(b: ModelBuilder) -> None:
    for part in b.partitions:
        with b.focus(part):
            _add_partition_actions(b)


def _add_partition_actions(b: ModelBuilder) -> None:
    for c in range(b.replicas):
        _clean(b, c)
        if b.elr:
            _from_elr(b, c)
            _last_known_leader(b, c)
        if b.topic.unclean_leader_election_enable:
            _unclean(b, c)


def _followers_truncate(b: ModelBuilder, c: int) -> Updates:
    """Before 0.11 every live replica that becomes a follower truncates to its own HW
    (ReplicaManager.makeFollowers; the KIP-101 scenarios)."""
    if not b.legacy_truncation:
        return {}
    ups: Updates = {}
    for r in range(b.replicas):
        if r == c:
            continue
        for name, expr in b.truncate_to(r, b.fhw(r)).items():
            current = b.v(name)
            ups[name] = ite(b.alive(r).is_true(), expr, current)
    return ups


def _no_live_elr(b: ModelBuilder) -> Expr:
    return ~any_of(b.alive(r).is_true() & b.in_elr(r).is_true() for r in range(b.replicas))


def _from_elr(b: ModelBuilder, c: int) -> None:
    """KIP-966: with no live ISR member, a live Eligible Leader Replica is elected; it has
    every record below the HW, because the HW froze when the ISR fell below min ISR."""
    ups = sole_leader_updates(b, c)
    ups[b.in_elr(c).name] = ite(TRUE, 0, 0)
    guard = all_of(
        [
            b.leader.eq(b.none_replica),
            ~live_isr_member_exists(b),
            b.alive(c).is_true(),
            b.in_elr(c).is_true(),
        ]
    )
    _add_election(
        b,
        f"elect_elr({c})",
        c,
        guard,
        ups,
        (
            f"no ISR member is alive; the controller elects {b.broker_name(c)}, an eligible "
            "leader replica (KIP-966), leader; its log ends at offset {leo}"
        ),
        clean=True,
    )


def _last_known_leader(b: ModelBuilder, c: int) -> None:
    """KIP-966 election order, last resort: the last known leader, once it is back, and
    only while the ELR is empty (PartitionChangeBuilder.canElectLastKnownLeader: "ELR/ISR
    is not empty" refuses it), so a broker waiting in the ELR after a clean shutdown is
    waited for."""
    ups = sole_leader_updates(b, c)
    guard = all_of(
        [
            b.leader.eq(b.none_replica),
            ~live_isr_member_exists(b),
            *(b.in_elr(r).eq(0) for r in range(b.replicas)),
            b.last_leader.eq(c),
            b.alive(c).is_true(),
        ]
    )
    _add_election(
        b,
        f"elect_last_leader({c})",
        c,
        guard,
        ups,
        (
            f"no ISR or eligible leader replica is alive; the controller elects the last "
            f"known leader {b.broker_name(c)} again; its log ends at offset {{leo}}"
        ),
        clean=True,
        hazard="the last known leader came back after an unclean shutdown with a shorter log",
        fix="flush.messages=1, or keep min.insync.replicas replicas in separate failure domains",
    )


def new_leader_updates(b: ModelBuilder, c: int, isr: Mapping[int, Expr]) -> Updates:
    """The new leader knows no follower's offset yet; its HW cannot exceed its own log,
    and Partition.makeLeader recomputes it over the new ISR (alone in the ISR, it is the
    leader's log end).

    KIP-320 (consumer side, 2.3+): after a leader change a consumer validates its position
    against the new leader's end offset for the epoch it fetched in, and moves back to it
    if the log was truncated there; committed offsets carry their epoch and are validated
    the same way. The model takes that end offset as the new leader's LEO at election."""
    ups: Updates = {b.leader.name: ite(TRUE, c, 0)}
    unknown = {r: ite(TRUE, -1, 0) for r in range(b.replicas) if r != c}
    # Before 0.11 the new leader starts from its own (possibly trailing) HW.
    start = b.fhw(c) if b.legacy_truncation else minimum([b.hw, b.leo(c)])
    ups[b.hw.name] = high_watermark_after(b, c, unknown, isr, base=start)
    ups.update(_followers_truncate(b, c))
    if b.has(b.pname("log_start")):
        # the new leader's own log start offset, which never passes its log end (the model
        # keeps one log start offset per partition, the leader's: docs/semantics.md §4.12)
        ups[b.pname("log_start")] = minimum([b.log_start, b.leo(c)])
    for r in range(b.replicas):
        ups[b.known(r).name] = ite(TRUE, -1, 0)
    if b.spec.kafka_version.at_least(2, 3):
        for i in b.consumers_of(b.in_focus):
            for name in (f"c{i}_pos", f"c{i}_committed"):
                ups[name] = minimum([b.v(name), b.leo(c)])
    return ups


def _add_election(
    b: ModelBuilder,
    name: str,
    c: int,
    guard: Expr,
    ups: Updates,
    text: str,
    clean: bool,
    hazard: str = "",
    fix: str = "",
) -> None:
    """One way the controller can pick broker c; `{leo}` in the text is c's log end."""
    b.add(
        Action(
            name=name,
            kind="elect",
            actor="controller",
            guard=guard,
            updates=ups,
            text=text,
            text_args={"leo": b.leo(c)},
            params={"leader": c, "clean": int(clean)},
            hazard=hazard,
            fix=fix,
        )
    )


def sole_leader_updates(b: ModelBuilder, c: int) -> Updates:
    """A leader elected from outside the ISR starts with an ISR of itself alone."""
    ups = new_leader_updates(b, c, {r: TRUE if r == c else FALSE for r in range(b.replicas)})
    for r in range(b.replicas):
        ups[b.in_isr(r).name] = ite(TRUE, 1 if r == c else 0, 0)
    return ups


def _clean(b: ModelBuilder, c: int) -> None:
    # The controller keeps only live replicas in the ISR of the new leader.
    isr = {
        r: (b.alive(r).is_true() & b.in_isr(r).is_true()) if r != c else TRUE
        for r in range(b.replicas)
    }
    ups = new_leader_updates(b, c, isr)
    for r in range(b.replicas):
        if r != c:
            ups[b.in_isr(r).name] = ite(b.alive(r).is_true(), b.in_isr(r), 0)
    guard = all_of([b.leader.eq(b.none_replica), b.alive(c).is_true(), b.in_isr(c).is_true()])
    _add_election(
        b,
        f"elect({c})",
        c,
        guard,
        ups,
        (
            f"the controller elects {b.broker_name(c)} (an ISR member) leader; its log ends "
            "at offset {leo}"
        ),
        clean=True,
    )


def _unclean(b: ModelBuilder, c: int) -> None:
    ups = sole_leader_updates(b, c)
    guard = all_of(
        [
            b.leader.eq(b.none_replica),
            ~live_isr_member_exists(b),
            *([_no_live_elr(b), ~select_alive_last_leader(b)] if b.elr else []),
            b.alive(c).is_true(),
            b.in_isr(c).eq(0),
        ]
    )
    if b.elr:
        ups[b.in_elr(c).name] = ite(TRUE, 0, 0)
    _add_election(
        b,
        f"elect_unclean({c})",
        c,
        guard,
        ups,
        (
            f"no ISR member is alive; unclean.leader.election.enable=true lets the "
            f"controller elect out-of-sync {b.broker_name(c)} leader; its log ends at "
            "offset {leo}, anything past that on other replicas will be truncated"
        ),
        clean=False,
        hazard="unclean.leader.election.enable=true: an out-of-sync replica became leader",
        fix="unclean.leader.election.enable=false (wait for an ISR member instead)",
    )


def select_alive_last_leader(b: ModelBuilder) -> Expr:
    return any_of(b.last_leader.eq(r) & b.alive(r).is_true() for r in range(b.replicas))
