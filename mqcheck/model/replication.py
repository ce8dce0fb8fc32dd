"""Broker-to-replica hop: follower fetch, the high watermark, ISR shrink and expansion, and
truncation of a diverging follower.

Sources (docs/semantics.md): Kafka docs "Replication"; Partition.scala
(updateFollowerFetchState, maybeIncrementLeaderHW, maybeExpandIsr, maybeShrinkIsr);
KIP-101 / KIP-279 (truncation by leader epoch: the follower keeps only the prefix it shares
with the leader).
"""

from __future__ import annotations

from mqcheck.ir.expr import TRUE, Expr, all_of, any_of, ite, minimum
from mqcheck.ir.system import Action
from mqcheck.model import isolation_state, shutdown
from mqcheck.model.layout import ModelBuilder
from mqcheck.model.outcomes import Updates
from mqcheck.model.storage import flush_on_append
from mqcheck.model.watermark import high_watermark_after, isr_size


def declare(b: ModelBuilder) -> None:
    """Broker-major order: broker r's liveness, then its replica of each partition, so a
    broker's variables form one contiguous block for symmetry reduction."""
    for r in range(b.brokers):
        first = len(b.variables)
        b.flag(f"alive_{r}", 1, "broker process running")
        shutdown.declare(b, r)
        isolation_state.declare(b, r)
        for part in b.partitions:
            if r < part.replicas:
                with b.focus(part):
                    _declare_replica(b, r)
        b.replica_blocks.append([v.name for v in b.variables[first:]])
    for part in b.partitions:
        with b.focus(part):
            b.var(
                b.pname("leader"),
                0,
                b.none_replica,
                0,
                "partition leader (replicas = none)",
                kind="enum",
                labels=b.replica_labels(),
            )
            b.var(b.pname("hw"), 0, b.capacity, 0, "high watermark held by the leader")
            if b.elr:
                # "the last known leader" (KIP-966 election order, third choice)
                b.var(
                    b.pname("last_leader"),
                    0,
                    b.none_replica,
                    b.none_replica,
                    "last known leader",
                    kind="enum",
                    labels=b.replica_labels(),
                )


def _declare_replica(b: ModelBuilder, r: int) -> None:
    for i in range(b.capacity):
        b.var(
            b.pname(f"log_{r}_{i}"),
            0,
            b.max_code(),
            0,
            "log entry (message id, 0 = empty)",
            kind="enum",
            labels=b.entry_labels(),
        )
    b.var(b.pname(f"leo_{r}"), 0, b.capacity, 0, "log end offset")
    if b.track_flush:
        b.var(b.pname(f"flushed_{r}"), 0, b.capacity, 0, "flushed prefix (survives power loss)")
    b.var(
        b.pname(f"known_{r}"),
        -1,
        b.capacity,
        0,
        "leader's view of this replica's LEO",
        labels={-1: "not fetched"},
    )
    b.flag(b.pname(f"isr_{r}"), 1, "member of the ISR")
    if b.legacy_truncation:
        b.var(b.pname(f"fhw_{r}"), 0, b.capacity, 0, "the replica's own high watermark")
    if b.elr:
        b.flag(b.pname(f"elr_{r}"), 0, "member of the Eligible Leader Replicas (KIP-966)")


def is_prefix_of_leader(b: ModelBuilder, f: int, leader: int, length: int) -> list[Expr]:
    return [b.log(f, i).eq(b.log(leader, i)) for i in range(length)]


def add_actions(b: ModelBuilder) -> None:
    for part in b.partitions:
        with b.focus(part):
            _add_partition_actions(b)


def _add_partition_actions(b: ModelBuilder) -> None:
    for leader in range(b.replicas):
        for f in range(b.replicas):
            if f == leader:
                continue
            for k in range(b.capacity + 1):
                _fetch(b, leader, f, k)
            for c in range(b.capacity):
                _truncate(b, leader, f, c)
            _shrink(b, leader, f)
            _expand(b, leader, f)


def _fetch(b: ModelBuilder, leader: int, f: int, k: int) -> None:
    """One fetch: the request tells the leader f's LEO (k); the response carries the next
    record, if any. A follower only fetches once its log is a prefix of the leader's."""
    base = [
        b.alive(f).is_true(),
        b.leader.eq(leader),
        b.leo(f).eq(k),
        b.leo(leader) >= k,
        # Before 0.11 nothing checks that the follower's log agrees with the leader's
        # (KIP-101 "log divergence").
        *([] if b.legacy_truncation else is_prefix_of_leader(b, f, leader, k)),
    ]
    hw = high_watermark_after(b, leader, {f: b.leo(f)}, {})
    fname, lname = b.broker_name(f), b.broker_name(leader)
    if k < b.capacity:
        ups: Updates = {
            b.known(f).name: ite(TRUE, k, 0),
            b.hw.name: hw,
            b.log(f, k).name: b.log(leader, k),
            b.leo(f).name: ite(TRUE, k + 1, 0),
        }
        ups.update(flush_on_append(b, f, k + 1))
        if b.legacy_truncation:
            # The response carries the HW read before this fetch moved it: the follower's
            # HW trails the leader's by one round (the root of KIP-101's scenarios).
            ups[b.fhw(f).name] = minimum([b.hw, k + 1])
        b.add(
            Action(
                name=f"fetch({f},{leader},{k})",
                kind="replicate",
                actor=f"broker:{f + 1}",
                guard=all_of([*base, b.leo(leader) > k]),
                updates=ups,
                text=(
                    f"follower {fname} fetches offset {k} from leader {lname} and appends it "
                    f"(page cache); the leader now knows it had {k} and sets the high "
                    "watermark to {hw}"
                ),
                text_args={"hw": hw},
                params={"follower": f, "leader": leader, "offset": k},
            )
        )
    b.add(
        Action(
            name=f"fetch_caught_up({f},{leader},{k})",
            kind="replicate",
            actor=f"broker:{f + 1}",
            guard=all_of(
                [
                    *base,
                    b.leo(leader).eq(k),
                    any_of(
                        [
                            b.known(f).ne(k),
                            *([b.fhw(f).ne(minimum([b.hw, k]))] if b.legacy_truncation else []),
                        ]
                    ),
                ]
            ),
            updates={
                b.known(f).name: ite(TRUE, k, 0),
                b.hw.name: hw,
                **({b.fhw(f).name: minimum([b.hw, k])} if b.legacy_truncation else {}),
            },
            text=(
                f"follower {fname} fetches at offset {k}, the leader's log end: leader {lname} "
                "learns it is caught up and sets the high watermark to {hw}"
            ),
            text_args={"hw": hw},
            params={"follower": f, "leader": leader, "offset": k},
        )
    )


def _truncate(b: ModelBuilder, leader: int, f: int, c: int) -> None:
    """KIP-101/KIP-279: after a leader change the follower asks for the end offset of its
    last epoch and drops every entry past the point where its log and the leader's agree.
    Before 0.11 only a follower *longer* than the leader is cut back, to the leader's log
    end (OFFSET_OUT_OF_RANGE in ReplicaFetcherThread); divergent entries below stay."""
    if b.legacy_truncation:
        _truncate_out_of_range(b, leader, f, c)
        return
    guard = all_of(
        [
            b.alive(f).is_true(),
            b.leader.eq(leader),
            b.leo(f) > c,
            *is_prefix_of_leader(b, f, leader, c),
            b.log(f, c).ne(b.log(leader, c)),
        ]
    )
    ups: Updates = {b.leo(f).name: ite(TRUE, c, 0)}
    for i in range(c, b.capacity):
        ups[b.log(f, i).name] = ite(TRUE, 0, 0)
    if b.track_flush:
        fl = b.flushed_var(f)
        ups[fl.name] = minimum([fl, c])
    b.add(
        Action(
            name=f"truncate({f},{leader},{c})",
            kind="truncate",
            actor=f"broker:{f + 1}",
            guard=guard,
            updates=ups,
            text=(
                f"follower {b.broker_name(f)} truncates its log to offset {c} to match leader "
                f"{b.broker_name(leader)} (leader-epoch truncation, KIP-101): "
                "entries from offset {c} on are discarded"
            ),
            text_args={"c": ite(TRUE, c, 0)},
            params={"follower": f, "leader": leader, "offset": c},
        )
    )


def _truncate_out_of_range(b: ModelBuilder, leader: int, f: int, c: int) -> None:
    guard = all_of([b.alive(f).is_true(), b.leader.eq(leader), b.leo(leader).eq(c), b.leo(f) > c])
    b.add(
        Action(
            name=f"truncate({f},{leader},{c})",
            kind="truncate",
            actor=f"broker:{f + 1}",
            guard=guard,
            updates=b.truncate_to(f, ite(TRUE, c, 0)),
            text=(
                f"follower {b.broker_name(f)} fetches past leader {b.broker_name(leader)}'s log "
                f"end: OFFSET_OUT_OF_RANGE, it truncates to offset {c} (before 0.11)"
            ),
            params={"follower": f, "leader": leader, "offset": c},
        )
    )


def _shrink(b: ModelBuilder, leader: int, f: int) -> None:
    """A follower that has not caught up to the leader's LEO within replica.lag.time.max.ms
    leaves the ISR (follower_lag). The HW may then advance over fewer replicas."""
    new_isr = {f: ite(TRUE, False, False)}
    hw = high_watermark_after(b, leader, {}, new_isr)
    minisr = b.topic.min_insync_replicas
    guard = all_of(
        [
            b.in_isr(f).is_true(),
            b.leader.eq(leader),
            b.known(f) < b.leo(leader),
            b.budget("follower_lag") > 0,
        ]
    )
    elr_ups = {}
    if b.elr:
        # KIP-966: a replica leaving an ISR that is then below min.insync.replicas keeps
        # every record below the (now frozen) HW, so it becomes an eligible leader.
        elr_ups = {b.in_elr(f).name: ite(isr_size(b) - 1 < minisr, 1, b.in_elr(f))}
    b.add(
        Action(
            name=f"isr_shrink({f},{leader})",
            kind="isr_shrink",
            actor=f"broker:{leader + 1}",
            guard=guard,
            updates={
                b.in_isr(f).name: ite(TRUE, 0, 0),
                b.hw.name: hw,
                **b.spend("follower_lag"),
                **elr_ups,
            },
            text=(
                f"follower {b.broker_name(f)} falls behind (replica.lag.time.max.ms) and leader "
                f"{b.broker_name(leader)} removes it from the ISR; the high watermark is now "
                "{hw}"
            ),
            text_args={"hw": hw},
            params={"follower": f, "leader": leader},
            fault="follower_lag",
            hazard=(
                f"min.insync.replicas={minisr} lets the ISR shrink to the leader alone and "
                "writes still succeed"
                if minisr < 2
                else ""
            ),
            fix="min.insync.replicas >= 2 with replication.factor >= 3" if minisr < 2 else "",
        )
    )


def _expand(b: ModelBuilder, leader: int, f: int) -> None:
    hw = high_watermark_after(b, leader, {}, {f: ite(TRUE, True, True)})
    guard = all_of(
        [
            b.in_isr(f).eq(0),
            b.alive(f).is_true(),
            b.leader.eq(leader),
            b.known(f) >= 0,
            b.known(f) >= b.hw,
        ]
    )
    b.add(
        Action(
            name=f"isr_expand({f},{leader})",
            kind="isr_expand",
            actor=f"broker:{leader + 1}",
            guard=guard,
            # Partition.maybeExpandIsr is followed by maybeIncrementLeaderHW.
            updates={b.in_isr(f).name: ite(TRUE, 1, 1), b.hw.name: hw, **_elr_after_expand(b)},
            text=(
                f"follower {b.broker_name(f)} has caught up to the high watermark and rejoins "
                "the ISR; the high watermark is now {hw}"
            ),
            text_args={"hw": hw},
            params={"follower": f, "leader": leader},
        )
    )


def _elr_after_expand(b: ModelBuilder) -> Updates:
    """Once the ISR is back at min.insync.replicas the HW moves again and the ELR (which
    only promised the data below the frozen HW) is cleared (KIP-966)."""
    if not b.elr:
        return {}
    back = isr_size(b) + 1 >= b.topic.min_insync_replicas
    return {b.in_elr(r).name: ite(back, 0, b.in_elr(r)) for r in range(b.replicas)}


def live_isr_member_exists(b: ModelBuilder) -> Expr:
    return any_of(b.alive(r).is_true() & b.in_isr(r).is_true() for r in range(b.replicas))
