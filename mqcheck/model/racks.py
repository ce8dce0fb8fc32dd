"""Racks: where Kafka's rack-aware assignment puts the checked partition's replicas, and the
fault `rack_power_loss`, which cuts the power of every broker of one rack at once.

Placement (docs/semantics.md §3.19): KRaft's StripedReplicaPlacer
(metadata/.../placement/StripedReplicaPlacer.java) deals the replicas round-robin over the
racks from a random rack, a rack giving each of its brokers at most once, so a partition
spans min(RF, racks) racks; the ZooKeeper-era AdminUtils.assignReplicasToBrokersRackAware
(server-common/.../admin/AdminUtils.java) walks a rack-alternated broker list from a random
start index and shift, skipping a broker whose rack already has a replica while some rack
has none. Both start at random, so the model takes every placement either can produce
(StripedReplicaPlacer from 2.8, the first release with KRaft; AdminUtils before 4.0).

A rack's power loss is a power loss (storage.py) of each of its replicas at the same
instant: each keeps what it had flushed (or, with OS write-back, any prefix); the controller
handles the dead brokers one after another, so without ELR the ISR keeps one of them when
nobody else is left, and with ELR the ones removed once the ISR is below min ISR join it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from mqcheck.ir.expr import FALSE, TRUE, Expr, all_of, any_of, count_true, ite, maximum, minimum
from mqcheck.ir.system import Action
from mqcheck.model import isolation_state
from mqcheck.model.layout import ModelBuilder
from mqcheck.model.outcomes import Updates, merge
from mqcheck.model.storage import MAX_BLACKOUT_VARIANTS, TooManyVariants, requests_fail
from mqcheck.model.watermark import high_watermark_after, isr_size
from mqcheck.spec.schema import KafkaVersion

FAULT = "rack_power_loss"
Racks = dict[str, tuple[int, ...]]
Placement = tuple[str, ...]  # the rack of replica 0, 1, ... (replica 0: the preferred leader)


class NotModelled(Exception):
    """A rack configuration the model does not cover (the verdict is `unknown`)."""


def striped(racks: Racks, rf: int) -> set[Placement]:
    """StripedReplicaPlacer.RackList.place for every rack order (the racks are shuffled
    and the start offset is random): the first replica from the first rack, then round-robin
    over the racks from the first one, skipping it once, each rack giving each broker once."""
    out: set[Placement] = set()
    for order in itertools.permutations(sorted(racks)):
        left = {name: len(racks[name]) for name in order}
        placed = [order[0]]
        left[order[0]] -= 1
        index, first = 0, 0
        while len(placed) < rf:
            if index == first:
                first = -1
            elif left[order[index]] > 0:
                placed.append(order[index])
                left[order[index]] -= 1
            index = (index + 1) % len(order)
        out.add(tuple(placed))
    return out


def admin_utils(racks: Racks, rf: int) -> set[Placement]:
    """AdminUtils.assignReplicasToBrokersRackAware for every start index and replica shift."""
    rack_of = {broker: name for name, ids in racks.items() for broker in ids}
    iters = {name: iter(sorted(racks[name])) for name in sorted(racks)}
    names = sorted(racks)
    arranged: list[int] = []
    i = 0
    while len(arranged) < len(rack_of):
        nxt = next(iters[names[i]], None)
        if nxt is not None:
            arranged.append(nxt)
        i = (i + 1) % len(names)
    n, num_racks = len(arranged), len(names)
    out: set[Placement] = set()
    for start, shift in itertools.product(range(n), range(n)):
        first = start
        replicas = [arranged[first]]
        with_racks = {rack_of[arranged[first]]}
        k = 0
        while len(replicas) < rf:
            step = 1 + (shift * num_racks + k) % (n - 1)
            broker = arranged[(first + step) % n]
            rack = rack_of[broker]
            if (rack not in with_racks or len(with_racks) == num_racks) and (
                broker not in replicas or len(replicas) == n
            ):
                replicas.append(broker)
                with_racks.add(rack)
            k += 1
        out.add(tuple(rack_of[x] for x in replicas))
    return out


def placements(racks: Racks, rf: int, version: KafkaVersion) -> set[Placement]:
    out: set[Placement] = set()
    if version.at_least(2, 8):
        out |= striped(racks, rf)
    if not version.at_least(4, 0):
        out |= admin_utils(racks, rf)
    return out


def struck_sets(
    racks: Racks, rf: int, version: KafkaVersion, budget: int
) -> dict[frozenset[int], tuple[str, ...]]:
    """The sets of replicas (indices) one rack's power loss can take, over every placement.

    With one rack loss per run the union is exact: each run is one placement's. With more,
    the losses of one run must come from the same placement, which the union would not
    keep when the placements group the replicas differently: not modelled."""
    families = set()
    names: dict[frozenset[int], set[str]] = {}
    for placement in placements(racks, rf, version):
        groups = {
            name: frozenset(i for i, rack in enumerate(placement) if rack == name)
            for name in set(placement)
        }
        families.add(frozenset(groups.values()))
        for name, group in groups.items():
            names.setdefault(group, set()).add(name)
    if budget > 1 and len(families) > 1:
        raise NotModelled(
            f"rack_power_loss: {budget} with racks over which rack-aware assignment can group "
            f"a partition's {rf} replicas in {len(families)} different ways (the rack losses "
            "of one run must follow one placement); set rack_power_loss: 1, or racks of "
            "equal size"
        )
    order = sorted(names, key=lambda s: (len(s), sorted(s)))
    return {group: tuple(sorted(names[group])) for group in order}


def breaks_symmetry(sets: Iterable[frozenset[int]], rf: int) -> bool:
    """Replicas stay interchangeable only if every set of a size that a rack loss can
    take is one it can take."""
    sizes = {len(s) for s in sets}
    have = set(sets)
    return any(
        frozenset(c) not in have for size in sizes for c in itertools.combinations(range(rf), size)
    )


def sets_for(b: ModelBuilder) -> dict[frozenset[int], tuple[str, ...]]:
    """The replica sets a rack loss can take, each with the racks that can hold it."""
    if b.spec.faults.rack_power_loss <= 0:
        return {}
    if not b.spec.racks:
        raise NotModelled("rack_power_loss without cluster.racks (no rack to lose)")
    if b.multi:
        raise NotModelled(
            "rack_power_loss with several topics (each topic's partition is placed on the "
            "racks independently)"
        )
    return struck_sets(
        b.spec.racks, b.replicas, b.spec.kafka_version, b.spec.faults.rack_power_loss
    )


def add_actions(b: ModelBuilder) -> None:
    sets = sets_for(b)
    variants = 0
    for struck, rack_names in sets.items():
        for leader in range(b.replicas + 1):
            for isr_choice in _isr_choices(b, struck):
                for keeps in _keeps(b, struck):
                    variants += 1
                    if variants > MAX_BLACKOUT_VARIANTS:
                        raise TooManyVariants(
                            f"a rack power loss has more than {MAX_BLACKOUT_VARIANTS} variants "
                            "(surviving log lengths x leaders x ISR outcomes); set "
                            "flush.messages=1 on the topic or lower check.messages"
                        )
                    _loss(b, struck, rack_names, leader, isr_choice, keeps)


def _isr_choices(b: ModelBuilder, struck: frozenset[int]) -> list[frozenset[int] | int | None]:
    """Without ELR: None (an unstruck ISR member is left) or the struck member the ISR
    keeps. With ELR: the set of struck ISR members that join the ELR."""
    if b.elr:
        return [
            frozenset(c)
            for n in range(len(struck) + 1)
            for c in itertools.combinations(sorted(struck), n)
        ]
    return [None, *sorted(struck)]


def _keeps(b: ModelBuilder, struck: frozenset[int]) -> list[tuple[int | None, ...]]:
    """What each struck replica keeps: its flushed prefix (None), or any prefix."""
    if b.track_flush or b.topic.flush_messages == 1:
        return [tuple(None for _ in struck)]
    return list(itertools.product(range(b.capacity + 1), repeat=len(struck)))


def _loss(
    b: ModelBuilder,
    struck: frozenset[int],
    rack_names: tuple[str, ...],
    leader: int,
    isr_choice: frozenset[int] | int | None,
    keeps: tuple[int | None, ...],
) -> None:
    hit = sorted(struck)
    others = [x for x in range(b.replicas) if x not in struck]
    guard: list[Expr] = [
        b.budget(FAULT) > 0,
        b.leader.eq(leader),
        any_of(b.alive(r).is_true() for r in hit),
    ]
    ups: Updates = {**b.spend(FAULT)}
    new_isr: dict[int, Expr] = {}
    texts: list[str] = []
    args: dict[str, Expr] = {}
    for r, keep in zip(hit, keeps, strict=True):
        ups[b.alive(r).name] = ite(TRUE, 0, 0)
        ups.update(isolation_state.power_off(b, r))
        kept: Expr = b.leo(r)
        if keep is not None:
            guard.append(b.leo(r) >= keep)
            kept = ite(TRUE, keep, 0)
            ups.update(b.truncate_to(r, kept))
            texts.append(f"{b.broker_name(r)} keeps {keep} of its {{l{r}}} entries")
            args[f"l{r}"] = b.leo(r)
        elif b.track_flush:
            kept = b.flushed(r)
            ups.update(b.truncate_to(r, kept))
            texts.append(f"{b.broker_name(r)} keeps its flushed {{f{r}}}")
            args[f"f{r}"] = b.flushed(r)
        else:
            texts.append(f"{b.broker_name(r)} keeps everything (flush.messages=1)")
        if b.legacy_truncation:
            own = b.hw if leader == r else b.fhw(r)
            ups[b.fhw(r).name] = minimum([own, kept])
    others_in_isr = any_of(b.in_isr(x).is_true() for x in others)
    if b.elr:
        assert isinstance(isr_choice, frozenset)
        k = count_true([b.in_isr(r).is_true() for r in hit])
        # the j-th removed joins the ELR iff the ISR is then below min ISR
        joining = maximum(
            [ite(TRUE, 0, 0), minimum([k, k - isr_size(b) + b.topic.min_insync_replicas])]
        )
        guard += [b.in_isr(r).is_true() for r in isr_choice]
        guard.append(joining.eq(len(isr_choice)))
        for r in hit:
            ups[b.in_isr(r).name] = ite(TRUE, 0, 0)
            ups[b.in_elr(r).name] = ite(TRUE, 1, 1) if r in isr_choice else b.in_elr(r)
            new_isr[r] = FALSE
        if leader in struck:
            ups[b.last_leader.name] = ite(TRUE, leader, 0)
    elif isr_choice is None:
        guard.append(others_in_isr)
        for r in hit:
            ups[b.in_isr(r).name] = ite(TRUE, 0, 0)
            new_isr[r] = FALSE
    else:
        assert isinstance(isr_choice, int)
        guard += [~others_in_isr, b.in_isr(isr_choice).is_true()]
        for r in hit:
            if r != isr_choice:
                ups[b.in_isr(r).name] = ite(TRUE, 0, 0)
            new_isr[r] = TRUE if r == isr_choice else FALSE
    parts: list[Updates] = []
    names = ", ".join(b.broker_name(r) for r in hit)
    where = " or ".join(rack_names)
    text = (
        f"rack {where} loses power; rack-aware assignment can have placed the replicas on "
        f"{names} in it (the model names brokers by replica), and they stop at the same "
        "instant; " + "; ".join(texts)
    )
    if leader in struck:
        ups[b.leader.name] = ite(TRUE, b.none_replica, 0)
        parts += requests_fail(b, TRUE)
        text += "; the partition has no leader until an election"
    elif leader != b.none_replica:
        ups[b.hw.name] = high_watermark_after(b, leader, {}, new_isr)
        text += f"; leader {b.broker_name(leader)} carries on with a smaller ISR"
    lead = "none" if leader == b.none_replica else str(leader)
    suffix = "" if all(k is None for k in keeps) else "," + "/".join(str(k) for k in keeps)
    choice = (
        "+".join(map(str, sorted(isr_choice))) if isinstance(isr_choice, frozenset) else isr_choice
    )
    b.add(
        Action(
            name=f"{FAULT}({'+'.join(map(str, hit))},{lead},{choice}{suffix})",
            kind=FAULT,
            actor="rack",
            guard=all_of(guard),
            updates=merge(ups, *parts),
            text=text,
            text_args=args,
            fault=FAULT,
            hazard=(
                f"{len(hit)} of the partition's {b.replicas} replicas share a rack (a power domain)"
                if len(hit) > 1
                else ""
            ),
            fix=(
                "as many racks as replication.factor (rack-aware assignment then puts every "
                "replica in its own rack), or flush.messages=1"
                if len(hit) > 1
                else ""
            ),
        )
    )
