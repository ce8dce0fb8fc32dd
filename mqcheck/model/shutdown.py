"""Controlled shutdown: the planned restart of one broker (a rolling restart is a budget of
these). The controller moves leadership away and removes the broker from every ISR first,
the broker then flushes its logs and stops cleanly, and restarts later.

The leadership and ISR changes are the ones a crash causes (storage.py builds both steps):
KRaft's ReplicationControlManager.handleBrokerInControlledShutdown and handleBrokerFenced
both call generateLeaderAndIsrUpdates with the broker as `brokerToRemove`; ZooKeeper's
KafkaController.doControlledShutdown elects from the live ISR without the broker and
removes it from the other ISRs. What differs is the log and the restart:
LogManager.shutdown flushes every log and writes the clean-shutdown file, so nothing of
the page cache is lost, and with Eligible Leader Replicas (KIP-966, 4.0+) the controller
recognises the clean shutdown by the broker's previous epoch (KAFKA-15582, re-enabled by
KAFKA-18635 for 4.0) and keeps the broker in the ELR. Sources in docs/semantics.md.
"""

from __future__ import annotations

from mqcheck.ir.expr import TRUE, Expr, all_of, any_of, ite
from mqcheck.ir.system import Action
from mqcheck.model.layout import ModelBuilder, Partition
from mqcheck.model.outcomes import Updates, merge

FAULT = "controlled_shutdown"


def tracks_clean(b: ModelBuilder) -> bool:
    """Whether a broker must remember that it shut down cleanly: only the ELR reads it."""
    return b.spec.faults.controlled_shutdown > 0 and any(p.elr for p in b.partitions)


def declare(b: ModelBuilder, r: int) -> None:
    """Broker r's clean-shutdown flag, in its symmetry block (after alive_r)."""
    if tracks_clean(b):
        b.flag(f"clean_{r}", 0, "stopped by a controlled shutdown (clean)")


def settled(b: ModelBuilder, hosted: list[Partition]) -> list[Expr]:
    """A controlled shutdown is a request the controller serves after it has handled what
    came before: a partition whose leader is gone while a replica the controller could
    elect is alive is a moment the model only has because its elections are separate
    steps (in Kafka the election is part of the same controller event), so the shutdown
    waits for it."""
    out: list[Expr] = []
    for part in hosted:
        with b.focus(part):
            electable = [b.alive(x).is_true() & b.in_isr(x).is_true() for x in range(b.replicas)]
            if b.elr:
                electable += [
                    b.alive(x).is_true() & b.in_elr(x).is_true() for x in range(b.replicas)
                ]
                electable += [b.alive(x).is_true() & b.last_leader.eq(x) for x in range(b.replicas)]
            out.append(b.leader.ne(b.none_replica) | ~any_of(electable))
    return out


def clean_stop(b: ModelBuilder, r: int, hosted: list[Partition]) -> Updates:
    """The broker flushes every log before it stops (LogManager.shutdown), and remembers
    that the shutdown was clean."""
    ups: Updates = {}
    for part in hosted:
        with b.focus(part):
            if b.track_flush:
                ups[b.flushed_var(r).name] = b.leo(r)
    if tracks_clean(b):
        ups[f"clean_{r}"] = ite(TRUE, 1, 1)
    return ups


def stop_text(who: str) -> str:
    return (
        f"{who} is restarted in a controlled shutdown: the controller takes its "
        "leaderships and ISR memberships away, it flushes its log to disk and stops cleanly"
    )


def aftermath(b: ModelBuilder, hosted: list[Partition], leaders: tuple[int, ...], r: int) -> str:
    led = [p for p, x in zip(hosted, leaders, strict=True) if x == r]
    if not led:
        return "it led no partition, so no client notices beyond the smaller ISR"
    names = ", ".join(p.name for p in led) if b.multi else "the partition"
    return (
        f"{names} gets a new leader from the rest of the ISR (the controller's next step; "
        "with no other live ISR member it stays offline until the broker is back)"
    )


def add_action(
    b: ModelBuilder,
    r: int,
    leader: str,
    guard: list[Expr],
    parts: list[Updates],
    text: str,
    args: dict[str, Expr],
) -> None:
    hazard, fix = fragility(b)
    b.add(
        Action(
            name=f"{FAULT}({r},{leader})",
            kind="shutdown",  # the step kind of the contract (docs/contract.md §3)
            actor=f"broker:{r + 1}",
            guard=all_of(guard),
            updates=merge(*parts),
            text=text,
            text_args=args,
            params={"broker": r},
            fault=FAULT,
            hazard=hazard,
            fix=fix,
        )
    )


def fragility(b: ModelBuilder) -> tuple[str, str]:
    """When a rolling restart is what makes the configuration fragile: while one broker
    is down for its restart, the partition has one replica fewer to survive the next
    fault, and with min.insync.replicas = replication.factor every acks=all write fails
    with NotEnoughReplicas until the broker is back (an availability problem that becomes
    a loss only where the application drops failed sends)."""
    rf = b.replicas
    minisr = b.topic.min_insync_replicas
    if minisr >= rf:
        return (
            f"min.insync.replicas={minisr} = replication.factor={rf}: while a broker restarts "
            "every acks=all write fails with NotEnoughReplicas",
            "replication.factor = min.insync.replicas + 1 (e.g. 3 and 2), so one broker can "
            "restart while writes go on",
        )
    if rf <= 2:
        return (
            f"replication.factor={rf}: while a broker restarts the partition has a single "
            "copy left",
            "replication.factor >= 3 with min.insync.replicas = 2",
        )
    return "", ""


def restart_clean(b: ModelBuilder, r: int, hosted: list[Partition]) -> None:
    """The restart after a controlled shutdown: with ELR, the broker stays an eligible
    leader replica (its shutdown was clean, so its log holds everything it had)."""
    ups: Updates = {b.alive(r).name: ite(TRUE, 1, 1), f"clean_{r}": ite(TRUE, 0, 0)}
    args: dict[str, Expr] = {}
    for part in hosted:
        with b.focus(part):
            ups[b.known(r).name] = ite(TRUE, -1, 0)
            if not b.multi:
                args["leo"] = b.leo(r)
    name = b.broker_name(r)
    text = (
        f"{name} restarts after its clean shutdown with {{leo}} entries in its log; it "
        "stays an eligible leader replica (KIP-966: the controller sees the clean shutdown)"
    )
    if b.multi:
        text = f"{name} restarts after its clean shutdown; it stays an eligible leader replica"
    b.add(
        Action(
            name=f"restart_clean({r})",
            kind="restart",
            actor=f"broker:{r + 1}",
            guard=all_of([b.alive(r).eq(0), b.v(f"clean_{r}").eq(1)]),
            updates=ups,
            text=text,
            text_args=args,
            params={"broker": r},
        )
    )
