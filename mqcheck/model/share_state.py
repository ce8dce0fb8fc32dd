"""A share group's variables and the questions the guarantees ask of them (KIP-932).

A share group reads one partition as a queue: every record of the share partition is
AVAILABLE, ACQUIRED by one member, ACKNOWLEDGED or ARCHIVED, with a delivery count that
grows at each acquisition (SharePartition, RecordState, InFlightState in Kafka's
core/server share code; docs/semantics.md §4.13). The group, not the member, processes a
message (contract §2): the processed counts belong to the group.

Kept below share_group.py (the actions) and guarantees.py, as consumer_state.py is, so
that both read the same names.
"""

from __future__ import annotations

from dataclasses import dataclass

from mqcheck.ir.expr import Const, Expr
from mqcheck.model.layout import ModelBuilder, Partition
from mqcheck.spec.schema import ShareConsumer, Spec

#: RecordState of a share-partition record, as the model encodes it (st variables)
AVAILABLE, ACQUIRED, ACKNOWLEDGED, ARCHIVED = 0, 1, 2, 3
STATE_LABELS = {
    AVAILABLE: "AVAILABLE",
    ACQUIRED: "ACQUIRED",
    ACKNOWLEDGED: "ACKNOWLEDGED",
    ARCHIVED: "ARCHIVED",
}


@dataclass(frozen=True)
class ShareGroup:
    """The members of one share group on one topic, and the group's settings (every member
    has the same share.* group configs: the loader refuses others; resolve_share_consumers)."""

    index: int
    spec: ShareConsumer  # the first member's settings
    members: tuple[ShareConsumer, ...]


def share_groups(spec: Spec) -> list[ShareGroup]:
    """The spec's share consumers as groups (a shared group.id and topic), in the order each
    group's first member appears."""
    found: dict[tuple[str, str], list[ShareConsumer]] = {}
    for member in spec.share_consumers.values():
        found.setdefault((member.group_id, member.topic), []).append(member)
    return [ShareGroup(i, ms[0], tuple(ms)) for i, ms in enumerate(found.values())]


def bad_releases(spec: Spec) -> int:
    """How many times one record can go back to the share partition unprocessed in a run:
    each consumer crash, stall, processing error or member leaving (group_rebalance)
    releases it at most once."""
    f = spec.faults
    return f.consumer_crash + f.consumer_stall + f.processing_error + f.group_rebalance


@dataclass(frozen=True)
class ShareVars:
    """One share group reading the partition in `partition` (its share partition)."""

    group: ShareGroup
    partition: Partition
    cap: int  # processed-count saturation: 1 for an idempotent app, else 2
    track_count: bool  # the delivery count can reach the limit in this run
    late_start: bool  # the group is created at some point of the run (app.joins: any_time)
    zombies: bool  # consumer_stall is budgeted: a member may outlive its lock

    @property
    def pre(self) -> str:
        return f"s{self.group.index}"

    @property
    def spec(self) -> ShareConsumer:
        return self.group.spec

    @property
    def stage(self) -> int:
        return self.partition.index

    @property
    def limit(self) -> int:
        return self.spec.delivery_count_limit

    def member(self, i: int) -> str:
        return f"{self.pre}_m{i}"


def share_vars(b: ModelBuilder) -> list[ShareVars]:
    out = []
    for g in share_groups(b.spec):
        part = next(p for p in b.partitions if p.topic.name == g.spec.topic)
        out.append(
            ShareVars(
                group=g,
                partition=part,
                cap=1 if g.spec.app.idempotent else 2,
                # a release at delivery count >= limit archives (InFlightState); a record is
                # acquired at most bad_releases + 1 times, so below that the count is moot
                track_count=g.spec.delivery_count_limit <= bad_releases(b.spec),
                late_start=g.spec.app.joins == "any_time",
                zombies=b.spec.faults.consumer_stall > 0,
            )
        )
    return out


def share_processed(b: ModelBuilder, sv: ShareVars, m: int) -> Expr:
    """Producer message m, as the share group's topic carries it, was processed."""
    return b.v(f"{sv.pre}_done_m{b.at_stage(m, sv.stage)}") >= 1


def share_duplicated(b: ModelBuilder, sv: ShareVars, m: int) -> Expr | None:
    """The share group processed producer message m twice; None for an idempotent app."""
    if sv.spec.app.idempotent:
        return None
    return b.v(f"{sv.pre}_done_m{b.at_stage(m, sv.stage)}") >= 2


def start_offset(b: ModelBuilder, sv: ShareVars) -> Expr:
    """The share-partition start offset (SPSO): 0 for a group that exists before production
    or resets to earliest, else the variable set when the group is created."""
    if sv.late_start and sv.spec.auto_offset_reset == "latest":
        return b.v(f"{sv.pre}_spso")
    return Const(0)


def not_modelled(spec: Spec, chain_topics: tuple[str, ...]) -> str:
    """Why the model cannot check this spec's share groups faithfully, or "" when it can.

    - A log truncated below the high watermark (an unclean election, a power loss of
      unflushed records, a lost log directory) rewrites offsets the share partition has
      already acquired or acknowledged; the share partition's handling of that is not
      modelled.
    - Retention deleting records a share group has not acquired moves the share-partition
      start offset; not modelled yet.
    """
    f = spec.faults
    for member in spec.share_consumers.values():
        if member.topic not in chain_topics:
            return (
                f"share consumer {member.name} reads {member.topic}, which no producer or "
                "processor writes"
            )
        topic = spec.topics[member.topic]
        if topic.unclean_leader_election_enable:
            return (
                f"share group {member.group_id} on {member.topic} with "
                "unclean.leader.election.enable=true: an unclean election can truncate the log "
                "below offsets the share partition has already delivered, which is not modelled"
            )
        power = f.broker_power_loss + f.simultaneous_power_loss + f.rack_power_loss
        if (power and topic.flush_messages > 1) or f.disk_failure:
            fault = "disk_failure" if f.disk_failure else "a power loss of unflushed records"
            return (
                f"share group {member.group_id} with {fault}: the log can be truncated below "
                "offsets the share partition has already delivered, which is not modelled"
            )
        if f.retention_passes_consumer and topic.retention_deletes:
            return (
                f"share group {member.group_id} with retention_passes_consumer: retention "
                "moving the share-partition start offset is not modelled"
            )
    return ""
