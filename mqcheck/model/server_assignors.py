"""KIP-848's server-side assignors (`group.protocol: consumer`): the group coordinator, not a
member, computes the target assignment. Read at trunk commit 1eb7644 (Oct 2024, between 3.9
and 4.0; the 4.0.0 tag was not available to check), group-coordinator/.../group/assignor/:

- `range` (RangeAssignor.java): members sorted like the classic MemberInfo (instance id first,
  then member id), consecutive ranges per topic, the first `partitions % members` one more:
  the classic Range without racks.
- `uniform` (UniformAssignor.java, the first of group.consumer.assignors and so the default;
  UniformHomogeneousAssignmentBuilder.java when every member has the same subscription):
  ported here for a group reading one topic. The heterogeneous builder is not ported.

The target assignment is reached per member through CurrentAssignmentBuilder (states STABLE,
UNREVOKED_PARTITIONS, UNRELEASED_PARTITIONS): a partition is given to its new owner only after
the old owner's heartbeat shows it revoked; that reconciliation belongs to the model, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import permutations

from mqcheck.model.assignment import Assignment, Member, range_assignment

#: GroupCoordinatorConfig.CONSUMER_GROUP_ASSIGNORS_DEFAULT: [UniformAssignor, RangeAssignor].
DEFAULT_SERVER_ASSIGNOR = "uniform"


def server_range_assignment(
    members: Iterable[Member],
    subscriptions: Mapping[str, frozenset[str]],
    partitions: Mapping[str, int],
) -> Assignment:
    """coordinator/group/assignor/RangeAssignor.assign (homogeneous and heterogeneous): the
    same order and ranges as the classic RangeAssignor without racks."""
    return range_assignment(members, subscriptions, partitions)


def uniform_assignment(
    partitions: int, owned: Mapping[str, frozenset[int]], member_order: Sequence[str]
) -> dict[str, frozenset[int]]:
    """UniformHomogeneousAssignmentBuilder.build for one topic of `partitions` partitions.

    `owned` is each member's current target assignment; `member_order` the order Kafka walks
    groupSpec.memberIds() in (a hash set: the model must take every order,
    `possible_uniform_assignments`). The first `partitions % members` members in that order
    get the extra partition's quota. Assumed, not verified: a member's partitions are walked
    in ascending order when the excess over its quota is revoked (a Set<Integer>).
    """
    if sorted(member_order) != sorted(owned):
        raise ValueError("member_order must list every member exactly once")
    taken = set().union(*owned.values()) if owned else set()
    unassigned = [p for p in range(partitions) if p not in taken]
    min_quota, extra = divmod(partitions, len(member_order))
    target: dict[str, set[int]] = {}
    unfilled: list[tuple[str, int]] = []
    for member in member_order:  # maybeRevokePartitions
        quota = min_quota + (1 if extra > 0 else 0)
        extra -= 1 if extra > 0 else 0
        mine = sorted(owned[member])
        kept, revoked = mine[:quota], mine[quota:]
        unassigned.extend(revoked)
        target[member] = set(kept)
        if quota - len(kept) > 0:
            unfilled.append((member, quota - len(kept)))
    index = 0
    for member, room in unfilled:  # assignRemainingPartitions
        for _ in range(room):
            if index >= len(unassigned):
                break
            target[member].add(unassigned[index])
            index += 1
    if index < len(unassigned):
        raise AssertionError("partitions were left unassigned: the quotas are wrong")
    return {member: frozenset(ps) for member, ps in target.items()}


def possible_uniform_assignments(
    partitions: int, owned: Mapping[str, frozenset[int]]
) -> frozenset[tuple[tuple[str, frozenset[int]], ...]]:
    """Every target assignment `uniform` can give, over all member orders (small groups)."""
    return frozenset(
        tuple(sorted(uniform_assignment(partitions, owned, order).items()))
        for order in permutations(sorted(owned))
    )
