"""A consumer group's membership steps: which member holds the partition, members removed
by `consumer_stall` that go on as zombies, and clean rebalances (`group_rebalance`).

The group's position, committed offset and processed counts are the consumer's own
(consumer.py); this module adds the owner variable and the zombie slots, and the steps that
move the partition between members. Sources (docs/semantics.md §4.8-§4.11):

- KIP-62 (0.10.1): the heartbeat thread sends LeaveGroup when poll() is not called within
  max.poll.interval.ms and resets the generation (AbstractCoordinator.maybeLeaveGroup,
  handlePollTimeoutExpiry); a static member (KIP-345) sends none and is removed when its
  session times out. Before 0.10.1 the same happens after session.timeout.ms.
- ConsumerCoordinator.sendOffsetCommitRequest: a member whose generation was reset fails
  its commit locally (CommitFailedException, "it is likely that the consumer was kicked out
  of the group"); the coordinator refuses stale ones (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID;
  KIP-848: STALE_MEMBER_EPOCH). A zombie's commits change nothing, so they are not steps.
- ConsumerCoordinator.onJoinPrepare: before an eager rebalance the consumer commits what
  poll() returned (auto-commit) and runs onPartitionsRevoked for every partition, with
  fetching paused while the commit is in flight (KAFKA-14196, 3.2.3/3.3.0). Cooperative
  (KIP-429): the partitions that move are revoked in onJoinComplete, at the end of the
  rebalance, after the consumer went on fetching them, and no auto-commit covers them there.
- KIP-848 (group.protocol=consumer): ConsumerMembershipManager.signalReconciliationStarted
  commits all consumed offsets before revoking (CommitRequestManager.
  maybeAutoCommitSyncBeforeRevocation) and pauses fetching of the partitions to revoke.
"""

from __future__ import annotations

from collections.abc import Callable

from mqcheck.ir.expr import TRUE, Expr, all_of, any_of, ite
from mqcheck.ir.system import Action
from mqcheck.model.consumer_state import (
    ConsumerVars,
    Holder,
    buffer_empty,
    clear_buffer,
    owners,
    record_codes_here,
    reset_position,
    running,
    zombie_holders,
)
from mqcheck.model.group_members import cooperative
from mqcheck.model.layout import ModelBuilder
from mqcheck.model.outcomes import Updates, merge
from mqcheck.spec.schema import KafkaVersion

ProcessStep = Callable[[ModelBuilder, ConsumerVars, Holder, int, bool], None]


def nobody(cv: ConsumerVars) -> int:
    """The value of the owner and zombie-slot variables when no member is meant: the
    number of members, as ir.Symmetry encodes "none" for index variables. (No member
    symmetry is declared: the one choice of successor, `successors`, already leaves no two
    states that differ only by a renaming of members; measured on specs/group-*.yaml.)"""
    return len(cv.members)


def declare(b: ModelBuilder, cv: ConsumerVars) -> None:
    names = {**dict(enumerate(cv.members)), nobody(cv): "none"}
    b.var(
        cv.owner,
        0,
        nobody(cv),
        0,
        f"{cv.spec.group_id}: member that holds {_partition(b, cv)}",
        kind="enum",
        labels=names,
    )
    for z in range(cv.zombies):
        b.var(
            f"{cv.pre}_z{z}_member",
            0,
            nobody(cv),
            nobody(cv),
            f"{cv.spec.group_id}: member removed from the group that still processes",
            kind="enum",
            labels=names,
        )
        for s in range(cv.slots):
            b.var(
                f"{cv.pre}_z{z}_buf_{s}",
                0,
                b.max_code(),
                0,
                f"{cv.spec.group_id}: record a removed member still holds",
                kind="enum",
                labels=b.entry_labels(),
            )


def _partition(b: ModelBuilder, cv: ConsumerVars) -> str:
    return cv.partition.name


def is_zombie(b: ModelBuilder, cv: ConsumerVars, k: int) -> Expr:
    return any_of(b.v(f"{cv.pre}_z{z}_member").eq(k) for z in range(cv.zombies))


def successors(b: ModelBuilder, cv: ConsumerVars, leaving: int) -> list[tuple[int, Expr]]:
    """Who the next rebalance gives the partition to when `leaving` goes, each with the
    guard that makes it the one: the first other member still in the group, else nobody.
    The members are configured alike (group_members.py), so which member it is changes no
    verdict, only the names in the narrative; one choice keeps the state space small."""
    others = [j for j in range(len(cv.members)) if j != leaving]
    out: list[tuple[int, Expr]] = []
    for i, j in enumerate(others):
        out.append((j, all_of([*(is_zombie(b, cv, x) for x in others[:i]), ~is_zombie(b, cv, j)])))
    out.append((nobody(cv), all_of(is_zombie(b, cv, x) for x in others)))
    return out


def member_name(cv: ConsumerVars, k: int) -> str:
    return cv.members[k] if k != nobody(cv) else "nobody"


def after_crash(b: ModelBuilder, cv: ConsumerVars) -> str:
    """How a crashed member's partition comes back, for the crash step's narrative."""
    if cv.spec.group_instance_id is not None:
        return (
            "as a static member (group.instance.id) that restarts within session.timeout.ms "
            "it keeps its partition without a rebalance (KIP-345), and"
        )
    if len(cv.members) > 1:
        return "after session.timeout.ms the coordinator removes it and rebalances the group, and"
    return "it restarts, rejoins the group, and"


def add_actions(b: ModelBuilder, cv: ConsumerVars, track_order: bool, process: ProcessStep) -> None:
    for k, who in enumerate(owners(b, cv)):
        for nxt, chosen in successors(b, cv, k):
            for z in range(cv.zombies):
                _stall(b, cv, who, k, z, nxt, chosen)
            _rebalance(b, cv, who, k, nxt, chosen)
    for z, k, holder in zombie_holders(b, cv):
        for code in record_codes_here(b, cv):
            process(b, cv, holder, code, track_order)
        _rejoin(b, cv, holder, z, k)
        _zombie_crash(b, cv, holder, z, k)


def _restart_position(b: ModelBuilder, cv: ConsumerVars) -> tuple[Updates, str]:
    """The position a member that takes the partition over starts at: the committed
    offset, else auto.offset.reset (consumer.reset_position)."""
    pre = cv.pre
    committed = b.v(f"{pre}_committed")
    has_commit = committed >= 0
    reset, extra, how = reset_position(b, cv)
    ups: Updates = {f"{pre}_pos": ite(has_commit, committed, reset)}
    for name, value in extra.items():
        ups[name] = ite(has_commit, b.v(name), value)
    return ups, how


def _stall(
    b: ModelBuilder, cv: ConsumerVars, who: Holder, k: int, z: int, nxt: int, chosen: Expr
) -> None:
    """consumer_stall: the member holding the partition stops calling poll() for longer
    than max.poll.interval.ms. It is removed from the group with what it polled still in
    hand; it processes that as a zombie (its commits refused) while the partition goes to
    the next member (or waits for it to rejoin) from the committed offset."""
    pre = cv.pre
    pos, committed = b.v(f"{pre}_pos"), b.v(f"{pre}_committed")
    free = [b.v(f"{pre}_z{y}_member").ne(nobody(cv)) for y in range(z)]
    start, how = _restart_position(b, cv)
    # With commit: before_processing the application processes only after commitSync
    # returned; a member removed before that commit gets CommitFailedException from it and
    # never processes what it polled. Every other mode processes first.
    kept = committed.eq(pos) if cv.spec.app.commit == "before_processing" else TRUE
    moved: Updates = {
        f"{pre}_z{z}_buf_{s}": ite(kept, b.v(f"{pre}_buf_{s}"), 0) for s in range(cv.slots)
    }
    static = cv.spec.group_instance_id is not None
    removed = (
        "as a static member it sends no LeaveGroup, and the coordinator removes it when "
        "session.timeout.ms passes without its heartbeat"
        if static
        else "its heartbeat thread sends LeaveGroup (KIP-62) and the group rebalances"
    )
    b.add(
        Action(
            name=f"consumer_stall({pre},z{z}{who.suffix},{nxt})",
            kind="stall",
            actor=f"consumer:{who.name}",
            guard=all_of(
                [
                    *running(b, cv),
                    *who.guard,
                    b.budget("consumer_stall") > 0,
                    b.v(f"{pre}_z{z}_member").eq(nobody(cv)),
                    *free,
                    chosen,
                    any_of([~buffer_empty(b, cv), committed.ne(pos)]),
                ]
            ),
            updates=merge(
                moved,
                clear_buffer(b, cv),
                {f"{pre}_z{z}_member": ite(TRUE, k, k), cv.owner: ite(TRUE, nxt, nxt)},
                start,
                b.spend("consumer_stall"),
            ),
            text=(
                f"{who.name} spends longer than max.poll.interval.ms processing what it polled; "
                f"{removed}. It goes on as a zombie: its offset commits fail "
                "(CommitFailedException). "
                + (
                    f"The group gives {_partition(b, cv)} to {member_name(cv, nxt)}, which starts at "
                    if nxt != nobody(cv)
                    else f"No other member is left; when {who.name} rejoins it starts at "
                )
                + f"the committed offset {{committed}} (with no committed offset, {how})"
            ),
            text_args={"committed": committed},
            params={"consumer": who.name},
            fault="consumer_stall",
            hazard=(
                "processing that can outlast max.poll.interval.ms: the member is removed "
                "and another member processes the same records again"
            ),
            fix=(
                "raise max.poll.interval.ms above the longest processing of one poll (or "
                "lower max.poll.records), and make processing idempotent"
            ),
        )
    )


def _rejoin(b: ModelBuilder, cv: ConsumerVars, who: Holder, z: int, k: int) -> None:
    """A zombie that has worked through what it held calls poll() again: it finds its
    generation reset, gives its partitions up as lost (onPartitionsLost, 2.4+) and joins
    as a new member. When no one holds the partition (it was the only member), it gets it
    back, at the position set when it was removed."""
    pre = cv.pre
    owner = b.v(cv.owner)
    b.add(
        Action(
            name=f"rejoin({pre},z{z},m{k})",
            kind="join",
            actor=f"consumer:{who.name}",
            guard=all_of([*who.guard, buffer_empty(b, cv, who.buf)]),
            updates={
                f"{pre}_z{z}_member": ite(TRUE, nobody(cv), nobody(cv)),
                cv.owner: ite(owner.eq(nobody(cv)), k, owner),
            },
            text=(
                f"{who.name} calls poll() again, finds it is no longer a member and rejoins "
                f"group {cv.spec.group_id}"
            ),
            params={"consumer": who.name},
        )
    )


def _zombie_crash(b: ModelBuilder, cv: ConsumerVars, who: Holder, z: int, k: int) -> None:
    pre = cv.pre
    owner = b.v(cv.owner)
    b.add(
        Action(
            name=f"consumer_crash({pre},z{z},m{k})",
            kind="consumer_crash",
            actor=f"consumer:{who.name}",
            guard=all_of(
                [*who.guard, b.budget("consumer_crash") > 0, ~buffer_empty(b, cv, who.buf)]
            ),
            updates=merge(
                clear_buffer(b, cv, who.buf),
                {
                    f"{pre}_z{z}_member": ite(TRUE, nobody(cv), nobody(cv)),
                    cv.owner: ite(owner.eq(nobody(cv)), k, owner),
                },
                b.spend("consumer_crash"),
            ),
            text=(
                f"consumer {who.name}, removed from the group, crashes with records it had "
                "not processed yet; it restarts and rejoins"
            ),
            params={"consumer": who.name},
            fault="consumer_crash",
        )
    )


def emptied(b: ModelBuilder, cv: ConsumerVars) -> Updates:
    """Every member is gone (offsets_expire: the group sat empty): no zombie is left."""
    ups: Updates = {}
    for z in range(cv.zombies):
        ups[f"{cv.pre}_z{z}_member"] = ite(TRUE, nobody(cv), nobody(cv))
        ups.update(clear_buffer(b, cv, f"{cv.pre}_z{z}_buf"))
    return ups


def kafka_14196(cv: ConsumerVars, version: KafkaVersion) -> bool:
    """3.2.0-3.2.2 (KAFKA-13310 made onJoinPrepare's auto-commit asynchronous; KAFKA-14196,
    fixed in 3.2.3 and 3.3.0, paused fetching while it is in flight): records returned by
    poll() after the pre-revocation commit was sent are processed but not committed, and an
    eager rebalance revokes and re-fetches every partition from the committed offset."""
    c = cv.spec
    return (
        (version.major, version.minor) == (3, 2)
        and version.patch[:1] in ((0,), (1,), (2,))
        and c.group_protocol == "classic"
        and not cooperative(c)
    )


def _release(b: ModelBuilder) -> str:
    v = b.spec.kafka_version
    return ".".join(str(n) for n in (v.major, v.minor, *v.patch))


def rebalance_rewinds(b: ModelBuilder, cv: ConsumerVars) -> bool:
    """Whether a clean rebalance hands the partition on behind what was processed.

    Only auto-commit leaves processed offsets uncommitted at a poll() boundary (the manual
    modes commit before the next poll). Eager rebalances and KIP-848 commit them before
    revoking (eager not in 3.2.0-3.2.2, `kafka_14196`); the classic cooperative protocol
    revokes a moving partition at the end of the rebalance without that commit, so the new
    owner starts at the last auto-commit, unless the ConsumerRebalanceListener commits in
    onPartitionsRevoked. A cooperative rebalance moves a partition from a live member only
    when there are more partitions than one (CooperativeStickyAssignor keeps a balanced
    owner)."""
    c = cv.spec
    if c.app.commit != "auto" or c.app.on_revoke == "commit":
        return False
    if kafka_14196(cv, b.spec.kafka_version):
        return True
    return cooperative(c) and cv.partition.topic.partitions > 1


def _rebalance(
    b: ModelBuilder, cv: ConsumerVars, who: Holder, k: int, nxt: int, chosen: Expr
) -> None:
    """group_rebalance: a member joins or leaves cleanly (a deploy, a scale-out) while
    `who` holds the partition and is inside poll() (sync processing: nothing in hand)."""
    pre = cv.pre
    pos, committed = b.v(f"{pre}_pos"), b.v(f"{pre}_committed")
    guard = [*running(b, cv), *who.guard, b.budget("group_rebalance") > 0, buffer_empty(b, cv)]
    c = cv.spec
    rewinds = rebalance_rewinds(b, cv)
    eager_bug = rewinds and kafka_14196(cv, b.spec.kafka_version)
    first = next(j for j in range(len(cv.members) + 1) if j != k)  # successors()[0]
    if eager_bug:
        if nxt != first:
            return  # every partition is revoked and re-fetched, whoever gets it: one variant
        start, how = _restart_position(b, cv)
        updates = merge(start, b.spend("group_rebalance"))
        guard.append(committed.ne(pos))
        text = (
            f"a member joins group {c.group_id}; before the eager rebalance {who.name} sends "
            f"the auto-commit of what poll() had returned, but on Kafka {_release(b)} "
            "fetching goes on while that commit is in flight (KAFKA-14196), so records "
            "polled and processed meanwhile are not covered; every partition is revoked and "
            f"{_partition(b, cv)} is fetched again from the committed offset {{committed}} "
            f"(with no committed offset, {how}) instead of {{pos}}"
        )
        hazard = (
            "Kafka 3.2.0-3.2.2 (KAFKA-14196): an eager rebalance with auto-commit re-delivers "
            "records polled while the pre-revocation commit was in flight"
        )
        fix = (
            "upgrade the clients to 3.2.3 or 3.3+, or commit in "
            "ConsumerRebalanceListener.onPartitionsRevoked (app.on_revoke: commit)"
        )
        args = {"committed": committed, "pos": pos}
    elif rewinds:
        if nxt == nobody(cv):
            return  # nobody else to move it to
        start, how = _restart_position(b, cv)
        updates = merge(start, {cv.owner: ite(TRUE, nxt, nxt)}, b.spend("group_rebalance"))
        guard += [chosen, committed.ne(pos)]
        new = member_name(cv, nxt)
        text = (
            f"a member joins group {c.group_id}; the cooperative rebalance (KIP-429) moves "
            f"{_partition(b, cv)} from {who.name} to {new} and revokes it at the end of the "
            "rebalance, after more records were polled and processed, with no commit for them "
            "(enable.auto.commit commits only at poll() intervals, and onPartitionsRevoked "
            f"commits nothing): {new} starts at the committed offset {{committed}} (with "
            f"no committed offset, {how}) instead of {{pos}}"
        )
        hazard = (
            "cooperative rebalancing with auto-commit: a partition that moves is revoked "
            "without committing what was processed since the last auto-commit"
        )
        fix = (
            "commit in ConsumerRebalanceListener.onPartitionsRevoked (app.on_revoke: commit), "
            "or use group.protocol=consumer (KIP-848 commits before revoking)"
        )
        args = {"committed": committed, "pos": pos}
    else:
        if nxt != first:
            return  # a clean hand-over changes only names: one variant is enough
        updates = merge({committed.name: pos}, b.spend("group_rebalance"))
        guard.append(committed.ne(pos))
        text = f"a member joins or leaves group {c.group_id}; " + _clean_revoke(cv)
        hazard, fix = "", ""
        args = {"pos": pos}
    variant = f",{nxt}" if rewinds and not eager_bug else ""
    b.add(
        Action(
            name=f"group_rebalance({pre}{who.suffix}{variant})",
            kind="rebalance",
            actor=f"consumer:{who.name}",
            guard=all_of(guard),
            updates=updates,
            text=text,
            text_args=args,
            params={"consumer": who.name},
            fault="group_rebalance",
            hazard=hazard,
            fix=fix,
        )
    )


def _clean_revoke(cv: ConsumerVars) -> str:
    c = cv.spec
    if c.group_protocol == "consumer":
        how = "before revoking, the consumer commits what it has consumed (KIP-848), offset {pos}"
    elif c.app.on_revoke == "commit":
        how = "onPartitionsRevoked commits offset {pos} before the partition is given up"
    elif c.app.commit == "auto":
        how = (
            "before an eager rebalance the consumer commits what poll() returned, offset {pos} "
            "(ConsumerCoordinator.onJoinPrepare)"
            if not cooperative(c)
            else "the partition stays where it is (a cooperative rebalance of a one-partition "
            "topic moves nothing); the next auto-commit covers offset {pos}"
        )
    else:
        how = (
            "the application has committed offset {pos} after processing, before it calls "
            "poll() again, where the rebalance runs"
        )
    return how
