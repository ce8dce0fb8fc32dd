"""The classic assignors against Kafka's own examples: the Javadoc of RangeAssignor,
RoundRobinAssignor and StickyAssignor, and the expectations of AbstractStickyAssignorTest and
CooperativeStickyAssignorTest (clients/src/test/..., trunk 1eb7644, the no-rack cases). Then
the properties every assignment has (each partition once, balance, stickiness) over random
groups, and the eager/cooperative revoke sets."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mqcheck.model.assignment import (
    ASSIGNOR_CLASSES,
    Assignment,
    Assignor,
    Member,
    Owned,
    TopicPartition,
    cooperative_sticky_assignment,
    member_order,
    possible_sticky_assignments,
    range_assignment,
    rebalance_protocol,
    revoked_partitions,
    round_robin_assignment,
    selected_assignors,
    sticky_assignment,
)
from mqcheck.model.server_assignors import (
    DEFAULT_SERVER_ASSIGNOR,
    possible_uniform_assignments,
    server_range_assignment,
    uniform_assignment,
)


def _tps(*names: str) -> tuple[TopicPartition, ...]:
    """'t0p2' -> ('t0', 2); 'topic-1' -> ('topic', 1)."""
    out = []
    for name in names:
        topic, _, partition = name.rpartition("-") if "-" in name else name.rpartition("p")
        out.append((topic, int(partition)))
    return tuple(sorted(out))


def _java_string_hash(text: str) -> int:
    h = 0
    for unit in text.encode("utf-16-be").hex(" ", 2).split():
        h = (31 * h + int(unit, 16)) & 0xFFFFFFFF
    return h


def _java_hash_map_order(keys: Sequence[str]) -> list[str]:
    """The iteration order of a java.util.HashMap of default capacity (16, so at most 12 keys)
    filled in `keys` order: by bucket, then by insertion. Kafka's tests build their member maps
    this way, and the sticky assignor walks them in this order."""
    assert len(keys) <= 12
    buckets = {}
    for index, key in enumerate(keys):
        h = _java_string_hash(key)
        buckets[key] = ((h ^ (h >> 16)) & 15, index)
    return sorted(keys, key=lambda key: buckets[key])


def _same(topics: Sequence[str], members: Sequence[str]) -> dict[str, frozenset[str]]:
    return {m: frozenset(topics) for m in members}


# --- Range -------------------------------------------------------------------------------


def test_range_javadoc_example() -> None:
    members = [Member("C1"), Member("C0")]
    got = range_assignment(members, _same(["t0", "t1"], ["C0", "C1"]), {"t0": 3, "t1": 3})
    assert got == {"C0": _tps("t0p0", "t0p1", "t1p0", "t1p1"), "C1": _tps("t0p2", "t1p2")}


def test_range_new_member_ids_can_shuffle_the_assignment_static_ids_cannot() -> None:
    # Javadoc: after a rolling bounce C0 -> C3, C1 -> C2, the ranges swap owners
    parts = {"t0": 3, "t1": 3}
    got = range_assignment([Member("C3"), Member("C2")], _same(["t0", "t1"], ["C2", "C3"]), parts)
    assert got["C3"] == _tps("t0p2", "t1p2") and got["C2"] == _tps("t0p0", "t0p1", "t1p0", "t1p1")
    # with group.instance.id I0, I1 the order follows the instance ids, whatever the member ids
    static = [Member("C3", "I0"), Member("C2", "I1")]
    got = range_assignment(static, _same(["t0", "t1"], ["C2", "C3"]), parts)
    assert got["C3"] == _tps("t0p0", "t0p1", "t1p0", "t1p1") and got["C2"] == _tps("t0p2", "t1p2")


def test_member_order_puts_static_members_first() -> None:
    ordered = member_order([Member("a"), Member("z", "i2"), Member("b"), Member("y", "i1")])
    assert [m.member_id for m in ordered] == ["y", "z", "a", "b"]


def test_kip_848_server_side_range_javadoc_example() -> None:
    got = server_range_assignment(
        [Member("M0"), Member("M1")], _same(["T1", "T2"], ["M0", "M1"]), {"T1": 3, "T2": 3}
    )
    assert got == {"M0": _tps("T1p0", "T1p1", "T2p0", "T2p1"), "M1": _tps("T1p2", "T2p2")}


# --- RoundRobin --------------------------------------------------------------------------


def test_round_robin_javadoc_example_identical_subscriptions() -> None:
    got = round_robin_assignment(
        [Member("C0"), Member("C1")], _same(["t0", "t1"], ["C0", "C1"]), {"t0": 3, "t1": 3}
    )
    assert got == {"C0": _tps("t0p0", "t0p2", "t1p1"), "C1": _tps("t0p1", "t1p0", "t1p2")}


def test_round_robin_javadoc_example_different_subscriptions() -> None:
    subscriptions = {
        "C0": frozenset({"t0"}),
        "C1": frozenset({"t0", "t1"}),
        "C2": frozenset({"t0", "t1", "t2"}),
    }
    members = [Member("C0"), Member("C1"), Member("C2")]
    got = round_robin_assignment(members, subscriptions, {"t0": 1, "t1": 2, "t2": 3})
    assert got == {
        "C0": _tps("t0p0"),
        "C1": _tps("t1p0"),
        "C2": _tps("t1p1", "t2p0", "t2p1", "t2p2"),
    }


def test_round_robin_javadoc_rolling_bounce_example() -> None:
    parts = {"t0": 3, "t1": 3}
    members = [Member("C5"), Member("C3"), Member("C4")]
    got = round_robin_assignment(members, _same(["t0", "t1"], ["C3", "C4", "C5"]), parts)
    assert got == {
        "C3": _tps("t0p0", "t1p0"),
        "C4": _tps("t0p1", "t1p1"),
        "C5": _tps("t0p2", "t1p2"),
    }


# --- Sticky: Javadoc and Kafka's tests -----------------------------------------------------


def _sticky(
    parts: dict[str, int], owned: dict[str, Owned], insertion: Sequence[str]
) -> tuple[Assignment, dict[TopicPartition, str]]:
    result = sticky_assignment(
        frozenset(parts), parts, owned, _java_hash_map_order(list(insertion))
    )
    return result.assignment, result.transferring


def test_sticky_javadoc_example_1_fresh_group() -> None:
    parts = {t: 2 for t in ("t0", "t1", "t2", "t3")}
    for order in (["C0", "C1", "C2"], ["C2", "C1", "C0"]):  # no owned partitions: any order
        got = sticky_assignment(frozenset(parts), parts, {c: Owned() for c in order}, order)
        assert got.assignment == {
            "C0": _tps("t0p0", "t1p1", "t3p0"),
            "C1": _tps("t0p1", "t2p0", "t3p1"),
            "C2": _tps("t1p0", "t2p1"),
        }


def test_sticky_javadoc_example_1_after_c1_leaves_keeps_every_previous_assignment() -> None:
    # The Javadoc (written for KIP-54's first algorithm) gives C0 t2p0 and C2 t0p1, t3p1; the
    # constrained builder (KAFKA-9987, 2.6) hands out C1's partitions round-robin over the
    # sorted members: C0 t0p1, C2 t2p0 and t3p1. Both keep all five previous assignments.
    parts = {t: 2 for t in ("t0", "t1", "t2", "t3")}
    owned = {"C0": Owned(_tps("t0p0", "t1p1", "t3p0"), 1), "C2": Owned(_tps("t1p0", "t2p1"), 1)}
    outcomes = possible_sticky_assignments(frozenset(parts), parts, owned, cooperative=False)
    assert outcomes == {
        (("C0", _tps("t0p0", "t0p1", "t1p1", "t3p0")), ("C2", _tps("t1p0", "t2p0", "t2p1", "t3p1")))
    }


def test_two_consumers_two_topics_six_partitions() -> None:
    parts = {"topic1": 3, "topic2": 3}
    got, moving = _sticky(
        parts, {"consumer1": Owned(), "consumer2": Owned()}, ["consumer1", "consumer2"]
    )
    assert got["consumer1"] == _tps("topic1-0", "topic1-2", "topic2-1")
    assert got["consumer2"] == _tps("topic1-1", "topic2-0", "topic2-2")
    assert moving == {}


def test_consumer_owning_min_quota_expected_max_quota() -> None:
    parts = {"topic1": 2, "topic2": 3}
    owned = {
        "consumer1": Owned(_tps("topic1-0", "topic2-1"), 1),
        "consumer2": Owned(_tps("topic1-1", "topic2-2"), 1),
    }
    got, moving = _sticky(parts, owned, ["consumer1", "consumer2"])
    assert got["consumer1"] == _tps("topic1-0", "topic2-1", "topic2-0")
    assert got["consumer2"] == _tps("topic1-1", "topic2-2")
    assert moving == {}


def test_max_quota_consumer_more_than_num_expected_max_capacity_members() -> None:
    parts = {"topic1": 2, "topic2": 2}
    owned = {
        "consumer1": Owned(_tps("topic1-0", "topic2-0"), 1),
        "consumer2": Owned(_tps("topic1-1", "topic2-1"), 1),
        "consumer3": Owned((), 1),
    }
    got, moving = _sticky(parts, owned, ["consumer1", "consumer2", "consumer3"])
    assert moving == {("topic2", 0): "consumer3"}
    assert got["consumer1"] == _tps("topic1-0")
    assert got["consumer2"] == _tps("topic1-1", "topic2-1")
    assert got["consumer3"] == _tps("topic2-0")
    # which of consumer1/consumer2 keeps two is HashMap order: both outcomes are possible
    outcomes = possible_sticky_assignments(frozenset(parts), parts, owned, cooperative=False)
    assert len(outcomes) == 2


def test_all_consumers_are_under_min_quota() -> None:
    parts = {"topic1": 2, "topic2": 3}
    owned = {
        "consumer1": Owned(_tps("topic1-0"), 1),
        "consumer2": Owned(_tps("topic1-1"), 1),
        "consumer3": Owned((), 1),
    }
    got, moving = _sticky(parts, owned, ["consumer1", "consumer2", "consumer3"])
    assert got == {
        "consumer1": _tps("topic1-0", "topic2-1"),
        "consumer2": _tps("topic1-1", "topic2-2"),
        "consumer3": _tps("topic2-0"),
    }
    assert moving == {}


def test_add_remove_consumer_one_topic() -> None:
    parts = {"topic": 3}
    got, _ = _sticky(parts, {"consumer1": Owned()}, ["consumer1"])
    assert got["consumer1"] == _tps("topic-0", "topic-1", "topic-2")
    owned = {"consumer1": Owned(got["consumer1"], 1), "consumer2": Owned((), 1)}
    got, moving = _sticky(parts, owned, ["consumer1", "consumer2"])
    assert moving == {("topic", 2): "consumer2"}
    assert got == {"consumer1": _tps("topic-0", "topic-1"), "consumer2": _tps("topic-2")}
    got, moving = _sticky(parts, {"consumer2": Owned(got["consumer2"], 1)}, ["consumer2"])
    assert got["consumer2"] == _tps("topic-0", "topic-1", "topic-2") and moving == {}


def test_all_consumers_reach_expected_quota_and_are_considered_filled() -> None:
    owned = {
        "consumer1": Owned(_tps("topic-0", "topic-1"), 1),
        "consumer2": Owned(_tps("topic-2"), 1),
        "consumer3": Owned((), 1),
    }
    got, moving = _sticky({"topic": 4}, owned, ["consumer1", "consumer2", "consumer3"])
    assert got == {
        "consumer1": _tps("topic-0", "topic-1"),
        "consumer2": _tps("topic-2"),
        "consumer3": _tps("topic-3"),
    }
    assert moving == {}


def test_owned_partitions_of_a_stale_generation_are_invalidated() -> None:
    parts = {"topic": 3, "topic2": 3}
    claims = _tps("topic-0", "topic-2", "topic2-1")
    for stale in (9, -1):  # an older generation, or none (DEFAULT_GENERATION)
        owned = {"consumer1": Owned(claims, 10), "consumer2": Owned(claims, stale)}
        got, moving = _sticky(parts, owned, ["consumer1", "consumer2"])
        assert got["consumer1"] == claims
        assert got["consumer2"] == _tps("topic-1", "topic2-0", "topic2-2")
        assert moving == {}


def test_partition_claimed_twice_in_one_generation_goes_to_a_third_member() -> None:
    owned = {
        "consumer1": Owned(_tps("topic-0", "topic-1"), 1),
        "consumer2": Owned(_tps("topic-0", "topic-2"), 1),
        "consumer3": Owned((), 1),
    }
    got, moving = _sticky({"topic": 3}, owned, ["consumer1", "consumer2", "consumer3"])
    assert moving == {("topic", 0): "consumer3"}
    assert got == {
        "consumer1": _tps("topic-1"),
        "consumer2": _tps("topic-2"),
        "consumer3": _tps("topic-0"),
    }


def test_ensure_partitions_assigned_to_highest_generation() -> None:
    parts = {"topic": 3, "topic2": 3, "topic3": 3}
    owned = {
        "consumer1": Owned(_tps("topic-0", "topic2-0", "topic3-0"), 10),
        "consumer2": Owned(_tps("topic-1", "topic2-1", "topic3-1"), 9),
        "consumer3": Owned(_tps("topic2-1", "topic3-0", "topic3-2"), 8),
    }
    got, moving = _sticky(parts, owned, ["consumer1", "consumer2", "consumer3"])
    assert got == {
        "consumer1": _tps("topic-0", "topic2-0", "topic3-0"),
        "consumer2": _tps("topic-1", "topic2-1", "topic3-1"),
        "consumer3": _tps("topic-2", "topic2-2", "topic3-2"),
    }
    assert moving == {}


def test_no_reassignment_on_current_members() -> None:
    parts = {"topic": 3, "topic1": 3, "topic2": 3, "topic3": 3}
    owned = {
        "consumer1": Owned((), -1),
        "consumer2": Owned(_tps("topic-0", "topic2-0", "topic1-0"), 9),
        "consumer3": Owned(_tps("topic3-2", "topic2-2", "topic1-1"), 8),
        "consumer4": Owned(_tps("topic3-1", "topic-1", "topic-2"), 7),
    }
    got, moving = _sticky(parts, owned, ["consumer1", "consumer2", "consumer3", "consumer4"])
    assert got["consumer1"] == _tps("topic1-2", "topic2-1", "topic3-0")
    assert moving == {}


# --- CooperativeSticky --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "first"),
    [(3, _tps("topic-1")), (4, _tps("topic-1", "topic-3"))],
)
def test_cooperative_holds_back_a_partition_claimed_twice(
    count: int, first: tuple[TopicPartition, ...]
) -> None:
    # CooperativeStickyAssignorTest: topic-0 must be revoked by both claimants first
    owned = {
        "consumer1": Owned(_tps("topic-0", "topic-1"), 1),
        "consumer2": Owned(_tps("topic-0", "topic-2"), 1),
        "consumer3": Owned((), 1),
    }
    order = _java_hash_map_order(["consumer1", "consumer2", "consumer3"])
    got = cooperative_sticky_assignment(frozenset({"topic"}), {"topic": count}, owned, order)
    assert got == {"consumer1": first, "consumer2": _tps("topic-2"), "consumer3": ()}


def test_cooperative_first_round_assigns_a_departed_members_partitions_at_once() -> None:
    # A member that left owns nothing any more: its partitions move in the first round.
    owned = {"a": Owned(_tps("t-0"), 3), "b": Owned(_tps("t-1"), 3)}
    got = cooperative_sticky_assignment(frozenset({"t"}), {"t": 3}, owned, ["a", "b"])
    assert sorted(got["a"] + got["b"]) == list(_tps("t-0", "t-1", "t-2"))


def test_cooperative_second_round_completes_the_eager_sticky_assignment() -> None:
    owned = {"a": Owned(_tps("t-0", "t-1", "t-2", "t-3"), 3), "b": Owned((), 3)}
    first = cooperative_sticky_assignment(frozenset({"t"}), {"t": 4}, owned, ["a", "b"])
    assert first == {"a": _tps("t-0", "t-1"), "b": ()}  # t-2, t-3 are revoked, not yet given
    assert revoked_partitions("cooperative", owned["a"].partitions, first["a"]) == set(
        _tps("t-2", "t-3")
    )
    again = {m: Owned(tps, 4) for m, tps in first.items()}
    second = cooperative_sticky_assignment(frozenset({"t"}), {"t": 4}, again, ["a", "b"])
    eager = sticky_assignment(frozenset({"t"}), {"t": 4}, owned, ["a", "b"]).assignment
    assert second == eager == {"a": _tps("t-0", "t-1"), "b": _tps("t-2", "t-3")}


def test_sticky_refuses_an_order_that_is_not_the_members() -> None:
    with pytest.raises(ValueError):
        sticky_assignment(frozenset({"t"}), {"t": 2}, {"a": Owned()}, ["a", "b"])


# --- protocols ----------------------------------------------------------------------------


def test_rebalance_protocol_is_the_most_advanced_all_assignors_support() -> None:
    assert rebalance_protocol(["cooperative-sticky"]) == "cooperative"
    assert rebalance_protocol(["range", "cooperative-sticky"]) == "eager"  # the 3.0+ default
    assert rebalance_protocol(["sticky"]) == "eager"
    with pytest.raises(ValueError):
        rebalance_protocol([])


def test_selected_assignor_by_votes() -> None:
    default: list[Assignor] = ["range", "cooperative-sticky"]
    assert selected_assignors([default, default]) == {"range"}
    # the upgrade's second bounce: a member without range leaves only cooperative-sticky
    assert selected_assignors([default, ["cooperative-sticky"]]) == {"cooperative-sticky"}
    assert selected_assignors([["range"], ["roundrobin"]]) == frozenset()
    tie = selected_assignors([["range", "sticky"], ["sticky", "range"]])
    assert tie == {"range", "sticky"}


def test_assignor_class_names() -> None:
    assert ASSIGNOR_CLASSES["org.apache.kafka.clients.consumer.CooperativeStickyAssignor"] == (
        "cooperative-sticky"
    )
    assert set(ASSIGNOR_CLASSES.values()) == {"range", "roundrobin", "sticky", "cooperative-sticky"}


def test_eager_revokes_everything_cooperative_only_what_moves() -> None:
    owned, assigned = _tps("t-0", "t-1"), _tps("t-1", "t-2")
    assert revoked_partitions("eager", owned, assigned) == set(owned)
    assert revoked_partitions("cooperative", owned, assigned) == {("t", 0)}


# --- KIP-848 uniform (group-coordinator OptimizedUniformAssignmentBuilderTest) ----------


def test_uniform_is_the_default_server_assignor() -> None:
    assert DEFAULT_SERVER_ASSIGNOR == "uniform"


def test_uniform_first_assignment_more_members_than_partitions() -> None:
    owned = {m: frozenset[int]() for m in ("A", "B", "C")}
    got = uniform_assignment(2, owned, ["A", "B", "C"])  # members in a TreeMap: sorted
    assert got == {"A": {0}, "B": {1}, "C": frozenset()}


def test_uniform_member_added_revokes_only_the_excess() -> None:
    # one topic of testReassignmentWhenOneMemberAddedAfterInitialAssignment...: A owned 0, 2
    # and B owned 1 of three; C joins, quota 1 each, the first member in order keeps two
    owned = {"A": frozenset({0, 2}), "B": frozenset({1}), "C": frozenset[int]()}
    got = uniform_assignment(4, {**owned, "A": frozenset({0, 2, 3})}, ["A", "B", "C"])
    assert got == {"A": {0, 2}, "B": {1}, "C": {3}}
    got = uniform_assignment(3, owned, ["A", "B", "C"])
    assert got == {"A": {0}, "B": {1}, "C": {2}}


def test_uniform_extra_quota_follows_the_member_order() -> None:
    owned = {"A": frozenset[int](), "B": frozenset({0, 1, 2})}
    assert possible_uniform_assignments(3, owned) == {
        (("A", frozenset({1, 2})), ("B", frozenset({0}))),
        (("A", frozenset({2})), ("B", frozenset({0, 1}))),
    }


def test_uniform_refuses_an_order_that_is_not_the_members() -> None:
    with pytest.raises(ValueError):
        uniform_assignment(2, {"A": frozenset()}, ["B"])


# --- properties ---------------------------------------------------------------------------

_members = st.lists(st.sampled_from("abcdef"), min_size=1, max_size=5, unique=True)


def _partition_sets(assignment: Assignment) -> list[TopicPartition]:
    return sorted(tp for tps in assignment.values() for tp in tps)


@given(_members, st.integers(min_value=0, max_value=9))
def test_range_and_round_robin_assign_every_partition_once(names: list[str], count: int) -> None:
    members = [Member(n) for n in names]
    subs = _same(["t"], names)
    expected = [("t", p) for p in range(count)]
    for assign in (range_assignment, round_robin_assignment):
        got = assign(members, subs, {"t": count})
        assert set(got) == set(names)
        assert _partition_sets(got) == expected
        sizes = [len(tps) for tps in got.values()]
        assert max(sizes) - min(sizes) <= 1


@st.composite
def _previous(draw: st.DrawFn) -> tuple[int, dict[str, Owned]]:
    """A group after some members left and others joined: the survivors' owned partitions
    are disjoint (one generation), the newcomers own nothing."""
    count = draw(st.integers(min_value=1, max_value=8))
    names = draw(_members)
    owner = draw(st.lists(st.sampled_from([*names, None]), min_size=count, max_size=count))
    owned = {n: Owned(tuple(("t", p) for p in range(count) if owner[p] == n), 5) for n in names}
    return count, owned


@settings(max_examples=150)
@given(_previous(), st.randoms(use_true_random=False))
def test_sticky_is_valid_balanced_and_keeps_up_to_quota(
    case: tuple[int, dict[str, Owned]], rng: object
) -> None:
    count, owned = case
    order = sorted(owned)
    rng.shuffle(order)  # type: ignore[attr-defined]
    result = sticky_assignment(frozenset({"t"}), {"t": count}, owned, order)
    got = result.assignment
    assert _partition_sets(got) == [("t", p) for p in range(count)]
    sizes = [len(tps) for tps in got.values()]
    assert max(sizes) - min(sizes) <= 1
    min_quota = count // len(owned)
    for member, previous in owned.items():
        kept = set(previous.partitions) & set(got[member])
        # a member keeps what it owned up to its quota; only the excess moves
        assert len(kept) >= min(len(previous.partitions), min_quota)
        if len(previous.partitions) <= min_quota:
            assert kept == set(previous.partitions)
    # the cooperative round gives nothing that another live member still owns
    coop = cooperative_sticky_assignment(frozenset({"t"}), {"t": count}, owned, order)
    for member, tps in coop.items():
        for tp in tps:
            assert not any(tp in o.partitions for m, o in owned.items() if m != member)


@given(_previous())
def test_a_member_leaving_moves_only_its_partitions(case: tuple[int, dict[str, Owned]]) -> None:
    count, before = case
    start = sticky_assignment(frozenset({"t"}), {"t": count}, before, sorted(before)).assignment
    if len(start) < 2:
        return
    leaving = sorted(start)[0]
    after = {m: Owned(tps, 6) for m, tps in start.items() if m != leaving}
    for cooperative in (False, True):
        for outcome in possible_sticky_assignments(
            frozenset({"t"}), {"t": count}, after, cooperative=cooperative
        ):
            for member, tps in outcome:
                # no survivor loses a partition when a member leaves
                assert set(start[member]) <= set(tps)


@given(_previous(), st.randoms(use_true_random=False))
def test_uniform_is_valid_balanced_and_sticky(
    case: tuple[int, dict[str, Owned]], rng: object
) -> None:
    count, previous = case
    owned = {m: frozenset(p for _, p in o.partitions) for m, o in previous.items()}
    order = sorted(owned)
    rng.shuffle(order)  # type: ignore[attr-defined]
    got = uniform_assignment(count, owned, order)
    assert sorted(p for ps in got.values() for p in ps) == list(range(count))
    sizes = [len(ps) for ps in got.values()]
    assert max(sizes) - min(sizes) <= 1
    for member, mine in owned.items():
        assert len(mine & got[member]) >= min(len(mine), count // len(owned))


@given(_previous(), st.randoms(use_true_random=False))
def test_cooperative_follow_up_rebalance_revokes_nothing(
    case: tuple[int, dict[str, Owned]], rng: object
) -> None:
    """KIP-429's two rounds: after the members revoked what round one held back, the
    follow-up rebalance (in any member order) completes the assignment and moves nothing."""
    count, owned = case
    first_order, second_order = sorted(owned), sorted(owned)
    rng.shuffle(first_order)  # type: ignore[attr-defined]
    rng.shuffle(second_order)  # type: ignore[attr-defined]
    topics = frozenset({"t"})
    first = cooperative_sticky_assignment(topics, {"t": count}, owned, first_order)
    after = {m: Owned(tps, 6) for m, tps in first.items()}
    second = sticky_assignment(topics, {"t": count}, after, second_order)
    assert second.transferring == {}
    for member, tps in first.items():
        assert revoked_partitions("cooperative", tps, second.assignment[member]) == frozenset()
    assert _partition_sets(second.assignment) == [("t", p) for p in range(count)]
