"""How a consumer group's leader divides partitions among the members (classic protocol),
and which partitions a rebalance takes away from each member.

Pure functions over member ids, subscriptions and partition counts; no racks (client.rack
unset: the rack-aware paths of KIP-881, 3.5+, are not taken). Each follows Kafka's source,
read at trunk commit 1eb7644 (Oct 2024) and the release tags named below:

- Range: clients/.../consumer/RangeAssignor.java. Per topic, subscribed members in
  MemberInfo order get consecutive ranges; the first `partitions % members` get one more.
- RoundRobin: RoundRobinAssignor.java. All partitions sorted by (topic, partition) dealt to
  the members in MemberInfo order, skipping members not subscribed to the partition's topic.
- Sticky / CooperativeSticky: internals/AbstractStickyAssignor.java, the
  ConstrainedAssignmentBuilder (taken when every member has the same subscription; the
  GeneralAssignmentBuilder for differing subscriptions is not ported: `sticky_assignment`
  refuses that case). CooperativeStickyAssignor.java removes from the result the partitions
  still owned by another live member; they are assigned in the follow-up rebalance.
- KIP-848's server-side assignors (`group.protocol: consumer`) are in `server_assignors`.

MemberInfo order (internals/AbstractPartitionAssignor.MemberInfo.compareTo): static members
(group.instance.id, KIP-345) first, by instance id; then dynamic members by member id. Python
compares str by code point, Java by UTF-16 unit: they agree outside the astral planes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Literal

TopicPartition = tuple[str, int]
Assignment = dict[str, tuple[TopicPartition, ...]]
RebalanceProtocol = Literal["eager", "cooperative"]
Assignor = Literal["range", "roundrobin", "sticky", "cooperative-sticky"]

#: ConsumerPartitionAssignor.name() of each classic assignor, by its class name.
ASSIGNOR_CLASSES: dict[str, Assignor] = {
    "org.apache.kafka.clients.consumer.RangeAssignor": "range",
    "org.apache.kafka.clients.consumer.RoundRobinAssignor": "roundrobin",
    "org.apache.kafka.clients.consumer.StickyAssignor": "sticky",
    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor": "cooperative-sticky",
}

#: supportedProtocols(): EAGER by default (ConsumerPartitionAssignor); CooperativeSticky
#: supports COOPERATIVE and EAGER (CooperativeStickyAssignor.supportedProtocols).
_SUPPORTED: dict[Assignor, tuple[RebalanceProtocol, ...]] = {
    "range": ("eager",),
    "roundrobin": ("eager",),
    "sticky": ("eager",),
    "cooperative-sticky": ("eager", "cooperative"),
}

DEFAULT_GENERATION = -1  # AbstractStickyAssignor.DEFAULT_GENERATION


@dataclass(frozen=True)
class Member:
    member_id: str
    group_instance_id: str | None = None  # a static member (KIP-345) when set


@dataclass(frozen=True)
class Owned:
    """What a member tells the leader it owned: partitions and the generation it owned them in
    (StickyAssignor: its user data; CooperativeSticky: Subscription.ownedPartitions).
    allSubscriptionsEqual reads a member's own generation from that data but a rival
    claimant's from Subscription.generationId; one number stands for both here."""

    partitions: tuple[TopicPartition, ...] = ()
    generation: int = DEFAULT_GENERATION


@dataclass(frozen=True)
class StickyResult:
    assignment: Assignment
    transferring: dict[
        TopicPartition, str
    ]  # partitionsTransferringOwnership: partition -> new owner


def member_order(members: Iterable[Member]) -> tuple[Member, ...]:
    """MemberInfo.compareTo: static members by group.instance.id first, then by member.id."""
    static = sorted((m for m in members if m.group_instance_id is not None), key=_instance_id)
    dynamic = sorted((m for m in members if m.group_instance_id is None), key=_member_id)
    return (*static, *dynamic)


def _instance_id(member: Member) -> str:
    return member.group_instance_id or ""


def _member_id(member: Member) -> str:
    return member.member_id


def rebalance_protocol(strategies: Sequence[Assignor]) -> RebalanceProtocol:
    """The protocol a consumer runs: the most advanced one every configured assignor supports
    (ConsumerCoordinator's constructor). [range, cooperative-sticky], the 3.0+ default, is eager."""
    if not strategies:
        raise ValueError("partition.assignment.strategy names at least one assignor")
    common = set(_SUPPORTED[strategies[0]])
    for strategy in strategies:
        common &= set(_SUPPORTED[strategy])
    return "cooperative" if "cooperative" in common else "eager"


def selected_assignors(preferences: Sequence[Sequence[Assignor]]) -> frozenset[Assignor]:
    """The assignor the coordinator picks for a classic group (GroupMetadata.selectProtocol,
    2.8.0): among those every member supports, each member votes for its first preference;
    the most votes win. A tie is broken by Scala map order, so every tied assignor is returned.
    Empty when the members share none (Kafka refuses the join: INCONSISTENT_GROUP_PROTOCOL)."""
    if not preferences:
        return frozenset()
    candidates = set(preferences[0]).intersection(*map(set, preferences[1:]))
    if not candidates:
        return frozenset()
    votes: dict[Assignor, int] = {}
    for preference in preferences:
        vote = next(a for a in preference if a in candidates)
        votes[vote] = votes.get(vote, 0) + 1
    most = max(votes.values())
    return frozenset(a for a, n in votes.items() if n == most)


def range_assignment(
    members: Iterable[Member],
    subscriptions: Mapping[str, frozenset[str]],
    partitions: Mapping[str, int],
) -> Assignment:
    """RangeAssignor.assignPartitions without racks (`subscriptions`: member id -> topics)."""
    ordered = member_order(members)
    assignment: dict[str, list[TopicPartition]] = {m.member_id: [] for m in ordered}
    for topic, count in sorted(partitions.items()):
        consumers = [m.member_id for m in ordered if topic in subscriptions[m.member_id]]
        if not consumers or count == 0:
            continue
        quota, extra = divmod(count, len(consumers))
        start = 0
        for index, consumer in enumerate(consumers):
            size = quota + (1 if index < extra else 0)
            assignment[consumer].extend((topic, p) for p in range(start, start + size))
            start += size
    return {member: tuple(tps) for member, tps in assignment.items()}


def round_robin_assignment(
    members: Iterable[Member],
    subscriptions: Mapping[str, frozenset[str]],
    partitions: Mapping[str, int],
) -> Assignment:
    """RoundRobinAssignor.assign: a circular iterator over the ordered members."""
    ordered = member_order(members)
    assignment: dict[str, list[TopicPartition]] = {m.member_id: [] for m in ordered}
    topics = sorted(set().union(*subscriptions.values()) if subscriptions else set())
    cursor = 0
    for topic in topics:
        for p in range(partitions.get(topic, 0)):
            while topic not in subscriptions[ordered[cursor % len(ordered)].member_id]:
                cursor += 1
            assignment[ordered[cursor % len(ordered)].member_id].append((topic, p))
            cursor += 1
    return {member: tuple(tps) for member, tps in assignment.items()}


def sticky_assignment(
    topics: frozenset[str],
    partitions: Mapping[str, int],
    owned: Mapping[str, Owned],
    iteration_order: Sequence[str],
) -> StickyResult:
    """AbstractStickyAssignor's ConstrainedAssignmentBuilder: every member (a key of `owned`)
    is subscribed to `topics`.

    `iteration_order` is the order Kafka walks its HashMap of members in: it decides which
    members keep maxQuota partitions when several own that many. It is an accident of Java's
    hashing, so a model should take every order (`possible_sticky_assignments`).
    """
    if sorted(iteration_order) != sorted(owned):
        raise ValueError("iteration_order must list every member exactly once")
    all_topics = frozenset(t for t in topics if partitions.get(t, 0) > 0)
    current, doubly = _previous_owners(all_topics, owned, iteration_order)
    total = sum(partitions[t] for t in all_topics)
    min_quota, extra = divmod(total, len(owned))
    max_quota = min_quota + (1 if extra else 0)
    expected_over = extra
    over = 0
    assignment: dict[str, list[TopicPartition]] = {m: [] for m in iteration_order}
    maybe_revoked: dict[TopicPartition, str] = {}
    under: list[str] = []
    exact: list[str] = []
    assigned: set[TopicPartition] = set()
    # 1. keep previously owned partitions up to the quota (assignOwnedPartitions)
    for member in iteration_order:
        mine = sorted(current[member], key=lambda tp: (tp[1], tp[0]))
        mine = [tp for tp in mine if tp not in doubly]
        if len(mine) < min_quota:
            assignment[member].extend(mine)
            under.append(member)
            keep = len(mine)
        elif len(mine) >= max_quota and over < expected_over:
            over += 1
            if over == expected_over:
                exact.clear()
            keep = max_quota
        else:
            keep = min_quota
            if over < expected_over:
                exact.append(member)
        if len(mine) >= min_quota:
            assignment[member].extend(mine[:keep])
        for tp in mine[keep:]:
            maybe_revoked[tp] = member
        assigned.update(mine[:keep])
    unassigned = [
        (t, p) for t in sorted(all_topics) for p in range(partitions[t]) if (t, p) not in assigned
    ]
    under.sort()
    exact.sort()
    transferring: dict[TopicPartition, str] = {}
    # 3. round-robin the rest over the unfilled members (assignRoundRobin)
    cursor = 0
    for tp in unassigned:
        if cursor < len(under):
            member = under[cursor]
            cursor += 1
        elif not under and not exact:
            raise AssertionError("no unfilled member left: the quotas are wrong")
        elif not under:
            member = exact.pop(0)
        else:
            cursor = 0
            member = under[cursor]
            cursor += 1
        assignment[member].append(tp)
        if (tp in maybe_revoked and maybe_revoked[tp] != member) or tp in doubly:
            transferring[tp] = member
        count = len(assignment[member])
        if count == min_quota and cursor > 0 and under[cursor - 1] == member:
            del under[cursor - 1]
            cursor -= 1
            exact.append(member)
        elif count == max_quota:
            over += 1
    result = {m: tuple(sorted(tps)) for m, tps in assignment.items()}
    return StickyResult(result, transferring)


def _previous_owners(
    topics: frozenset[str], owned: Mapping[str, Owned], iteration_order: Sequence[str]
) -> tuple[dict[str, list[TopicPartition]], set[TopicPartition]]:
    """allSubscriptionsEqual's bookkeeping: a partition claimed by members of different
    generations goes to the newest; claimed twice in one generation, to nobody."""
    current: dict[str, list[TopicPartition]] = {m: [] for m in iteration_order}
    owner: dict[TopicPartition, str] = {}
    doubly: set[TopicPartition] = set()
    for member in iteration_order:
        generation = owned[member].generation
        for tp in owned[member].partitions:
            if tp[0] not in topics:
                continue
            other = owner.get(tp)
            if other is None:
                current[member].append(tp)
                owner[tp] = member
            elif generation == owned[other].generation:
                doubly.add(tp)
                current[other].remove(tp)
                owner[tp] = member
            elif generation > owned[other].generation:
                current[member].append(tp)
                current[other].remove(tp)
                owner[tp] = member
    return current, doubly


def cooperative_sticky_assignment(
    topics: frozenset[str],
    partitions: Mapping[str, int],
    owned: Mapping[str, Owned],
    iteration_order: Sequence[str],
) -> Assignment:
    """CooperativeStickyAssignor.assignPartitions: the sticky assignment without the partitions
    another live member must revoke first (adjustAssignment)."""
    result = sticky_assignment(topics, partitions, owned, iteration_order)
    return {
        member: tuple(tp for tp in tps if result.transferring.get(tp) != member)
        for member, tps in result.assignment.items()
    }


def possible_sticky_assignments(
    topics: frozenset[str],
    partitions: Mapping[str, int],
    owned: Mapping[str, Owned],
    *,
    cooperative: bool,
) -> frozenset[tuple[tuple[str, tuple[TopicPartition, ...]], ...]]:
    """Every assignment the sticky assignors can give, over all member iteration orders
    (each as sorted (member, partitions) pairs). Factorial in the members: for small groups."""
    outcomes = set()
    for order in permutations(sorted(owned)):
        if cooperative:
            assignment = cooperative_sticky_assignment(topics, partitions, owned, order)
        else:
            assignment = sticky_assignment(topics, partitions, owned, order).assignment
        outcomes.add(tuple(sorted(assignment.items())))
    return frozenset(outcomes)


def revoked_partitions(
    protocol: RebalanceProtocol,
    owned: Iterable[TopicPartition],
    assigned: Iterable[TopicPartition],
) -> frozenset[TopicPartition]:
    """What a member gives up in a rebalance (ConsumerCoordinator): eager revokes everything it
    owns before it rejoins (onJoinPrepare); cooperative only what it owned and was not assigned
    again (onJoinComplete), and then rejoins so that those partitions can be assigned."""
    mine = frozenset(owned)
    if protocol == "eager":
        return mine
    return mine - frozenset(assigned)
