"""Retention passes a consumer group (fault `retention_passes_consumer`): time- or size-based
retention deletes the oldest segments of a partition, its log start offset moves up, and a
group whose position is below it gets OFFSET_OUT_OF_RANGE on its next fetch, which
auto.offset.reset answers.

Sources (docs/semantics.md §4.12): UnifiedLog.deleteOldSegments / deletableSegments (1.0+,
KAFKA-5634): with cleanup.policy containing "delete", segments go oldest first while
retention.ms or retention.bytes is breached, never one that reaches past the high watermark;
the active segment too once the HW is at the log end (deleteSegments rolls a new one first);
retention.ms and retention.bytes of -1 delete nothing. The leader's log start offset reaches
the followers in every fetch response (ReplicaFetcherThread: maybeIncrementLogStartOffset
with LeaderOffsetIncremented). A fetch below it is OFFSET_OUT_OF_RANGE
(UnifiedLog.checkLogStartOffset); the consumer then resets by auto.offset.reset, or with
none throws OffsetOutOfRangeException from poll() (FetchCollector.handleInitializeErrors).
"""

from __future__ import annotations

from mqcheck.ir.expr import TRUE, all_of, ite
from mqcheck.ir.system import Action
from mqcheck.model.consumer_state import (
    ConsumerVars,
    consumer_vars,
    owners,
    reset_position,
    retention_deletes,
    running,
)
from mqcheck.model.layout import ModelBuilder
from mqcheck.model.outcomes import merge

FAULT = "retention_passes_consumer"


class NotModelled(Exception):
    """A configuration where retention deletion is not modelled (the verdict is `unknown`)."""


def declare(b: ModelBuilder) -> None:
    """One log start offset per partition whose retention can delete in this run."""
    if b.spec.faults.retention_passes_consumer <= 0:
        return
    _check_modelled(b)
    for part in b.partitions:
        if retention_deletes(b, part):
            with b.focus(part):
                b.var(b.pname("log_start"), 0, b.capacity, 0, "log start offset (retention)")


def _check_modelled(b: ModelBuilder) -> None:
    if not b.spec.kafka_version.at_least(1, 0):
        raise NotModelled(
            "not modelled: retention before Kafka 1.0 may delete segments past the high "
            "watermark (KAFKA-5634 bounded it by the HW in 1.0, backported to 0.11.0.1)"
        )
    if b.processors:
        raise NotModelled(
            "not modelled: retention_passes_consumer with a processor (Kafka Streams "
            "resets an out-of-range input by its own auto.offset.reset and task restart)"
        )


def add_actions(b: ModelBuilder) -> None:
    if b.spec.faults.retention_passes_consumer <= 0:
        return
    for part in b.partitions:
        if not retention_deletes(b, part):
            continue
        with b.focus(part):
            keep = _records_kept(b)
            for leader in range(b.replicas):
                for s in range(1, b.capacity + 1 - keep):
                    _delete(b, leader, s, keep)
    for cv in consumer_vars(b):
        if cv.processor is None and retention_deletes(b, cv.partition):
            with b.focus(cv.partition):
                for leader in range(b.replicas):
                    _out_of_range(b, cv, leader)


def _limits(b: ModelBuilder) -> str:
    t = b.topic
    words = []
    if t.retention_ms >= 0:
        words.append(f"retention.ms={t.retention_ms}")
    if t.retention_bytes >= 0:
        words.append(f"retention.bytes={t.retention_bytes}")
    return ", ".join(words)


#: DefaultRecordBatch.RECORD_BATCH_OVERHEAD and DefaultRecord.MAX_RECORD_OVERHEAD: what a
#: record costs on disk beyond its bytes when it is alone in its batch.
BATCH_OVERHEAD = 61
RECORD_OVERHEAD = 21


def _records_kept(b: ModelBuilder) -> int:
    """Records size-based retention always leaves after the deleted prefix. With retention.ms
    -1 only retention.bytes deletes, and deleteRetentionSizeBreachedSegments removes oldest
    segments only while at least retention.bytes remain; counting every record at an upper
    bound of its size on disk (each alone in its batch) keeps no more than Kafka must, so
    the model may delete at least what Kafka may. With a time limit, any prefix below the
    HW can be old enough: none is kept."""
    t = b.topic
    if t.retention_ms >= 0 or t.retention_bytes <= 0:
        return 0
    sizes = [
        p.spec.app.message_bytes for p in b.producers if b.partitions[p.partition] is b.in_focus
    ]
    upper = max([*sizes, 0]) + BATCH_OVERHEAD + RECORD_OVERHEAD
    return -(-t.retention_bytes // upper)


def _delete(b: ModelBuilder, leader: int, s: int, keep: int) -> None:
    """Retention on leader `leader` deletes every segment below offset s. Segment
    boundaries are not modelled: any offset up to the HW may be one (segment.bytes,
    segment.ms and record sizes decide where they fall). `keep`: records that must remain
    after s (_records_kept)."""
    start = b.log_start
    where = b.in_focus.name
    b.add(
        Action(
            name=f"retention_delete({leader},{s})",
            kind="retention_delete",
            actor=f"broker:{leader + 1}",
            guard=all_of(
                [
                    b.leader.eq(leader),
                    start < s,
                    b.hw >= s,
                    *([b.leo(leader) >= s + keep] if keep else []),
                    b.budget(FAULT) > 0,
                ],
            ),
            updates=merge({b.pname("log_start"): ite(TRUE, s, 0)}, b.spend(FAULT)),
            text=(
                f"retention ({_limits(b)}) deletes the segments of {where} below offset {s} "
                f"on leader {b.broker_name(leader)}, under its high watermark {{hw}}: the log "
                f"start offset moves from {{start}} to {s}"
            ),
            text_args={"start": start, "hw": b.hw},
            params={"leader": leader, "log_start": s},
            fault=FAULT,
            hazard=f"{_limits(b)} deletes records a consumer group has not read yet",
            fix=(
                "raise retention.ms (and retention.bytes) above the longest consumer outage "
                "plus its lag, and alert on consumer lag"
            ),
        )
    )


def _out_of_range(b: ModelBuilder, cv: ConsumerVars, leader: int) -> None:
    """The group's position is below the log start offset: the fetch is
    OFFSET_OUT_OF_RANGE and auto.offset.reset decides (consumer_state.reset_position)."""
    pre = cv.pre
    pos = b.v(f"{pre}_pos")
    new_pos, extra, how = reset_position(b, cv)
    policy = cv.spec.auto_offset_reset
    for who in owners(b, cv):
        b.add(
            Action(
                name=f"offset_reset({pre},{leader}{who.suffix})",
                kind="offset_reset",
                actor=f"consumer:{who.name}",
                guard=all_of([*running(b, cv), *who.guard, b.leader.eq(leader), pos < b.log_start]),
                updates=merge({pos.name: new_pos}, extra),
                text=(
                    f"{who.name}'s position {{pos}} on {cv.partition.name} is below "
                    f"leader {b.broker_name(leader)}'s log start offset {{start}}: "
                    f"OFFSET_OUT_OF_RANGE; {how}" + (" (offset {new})" if policy != "none" else "")
                ),
                text_args={"pos": pos, "start": b.log_start, "new": new_pos},
                params={"consumer": who.name, "leader": leader},
                hazard=(
                    f"auto.offset.reset={policy} after retention passed the group's offset"
                    if policy != "earliest"
                    else ""
                ),
                fix=(
                    "auto.offset.reset=earliest, and retention.ms above the longest consumer outage"
                    if policy != "earliest"
                    else ""
                ),
            )
        )
