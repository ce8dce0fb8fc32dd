"""Leader election: clean (a live ISR member) or unclean (any live replica, only with
unclean.leader.election.enable=true), and what the new leader starts from.

Sources (docs/semantics.md): Kafka docs "Unclean leader election"; KIP-106 (default false
from 0.11); controller election (Election.scala / PartitionChangeBuilder in KRaft);
KIP-966 (Eligible Leader Replicas: a replica that restarted after an unclean shutdown may
not lead).
"""

from __future__ import annotations

from mqcheck.ir.expr import TRUE, all_of, ite, minimum
from mqcheck.ir.system import Action
from mqcheck.model.layout import ModelBuilder
from mqcheck.model.outcomes import Updates
from mqcheck.model.replication import live_isr_member_exists


def add_actions(b: ModelBuilder) -> None:
    for c in range(b.replicas):
        _clean(b, c)
        if b.topic.unclean_leader_election_enable:
            _unclean(b, c)


def _new_leader_updates(b: ModelBuilder, c: int) -> Updates:
    """The new leader knows no follower's offset yet; its HW cannot exceed its own log."""
    ups: Updates = {"leader": ite(TRUE, c, 0), "hw": minimum([b.hw, b.leo(c)])}
    for r in range(b.replicas):
        ups[b.known(r).name] = ite(TRUE, -1, 0)
    return ups


def _clean(b: ModelBuilder, c: int) -> None:
    ups = _new_leader_updates(b, c)
    # The controller keeps only live replicas in the ISR of the new leader.
    for r in range(b.replicas):
        if r != c:
            ups[b.in_isr(r).name] = ite(b.alive(r).is_true(), b.in_isr(r), 0)
    guard = all_of([b.leader.eq(b.none_replica), b.alive(c).is_true(), b.in_isr(c).is_true()])
    b.add(
        Action(
            name=f"elect({c})",
            kind="elect",
            actor="controller",
            guard=guard,
            updates=ups,
            text=(
                f"the controller elects {b.broker_name(c)} (an ISR member) leader; its log ends "
                "at offset {leo}"
            ),
            text_args={"leo": b.leo(c)},
            params={"leader": c, "clean": 1},
        )
    )


def _unclean(b: ModelBuilder, c: int) -> None:
    ups = _new_leader_updates(b, c)
    for r in range(b.replicas):
        ups[b.in_isr(r).name] = ite(TRUE, 1 if r == c else 0, 0)
    guard = all_of(
        [
            b.leader.eq(b.none_replica),
            ~live_isr_member_exists(b),
            b.alive(c).is_true(),
            b.in_isr(c).eq(0),
        ]
    )
    b.add(
        Action(
            name=f"elect_unclean({c})",
            kind="elect",
            actor="controller",
            guard=guard,
            updates=ups,
            text=(
                f"no ISR member is alive; unclean.leader.election.enable=true lets the "
                f"controller elect out-of-sync {b.broker_name(c)} leader; its log ends at "
                "offset {leo}, anything past that on other replicas will be truncated"
            ),
            text_args={"leo": b.leo(c)},
            params={"leader": c, "clean": 0},
            hazard="unclean.leader.election.enable=true: an out-of-sync replica became leader",
            fix="unclean.leader.election.enable=false (wait for an ISR member instead)",
        )
    )
