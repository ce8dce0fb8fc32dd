"""A consumer's variables and the questions every part of the model asks of them: is it
running, what does it hold, what has it processed, and where does a processor's consumer
side go back to when its task restarts.

The action modules (consumer.py, processors.py, transactions.py) and the guarantees all
read a consumer's state; keeping these queries below them is what lets those modules
import each other one way only.
"""

from __future__ import annotations

from dataclasses import dataclass

from mqcheck.ir.expr import TRUE, Expr, ite
from mqcheck.model.layout import ModelBuilder, Partition, ProcessorInfo
from mqcheck.model.outcomes import Updates
from mqcheck.spec.schema import Consumer


@dataclass(frozen=True)
class ConsumerVars:
    """One consumer group reading one partition (a spec's consumers that share a group.id
    and a topic are one group, model/group_members.py), or a processor's consumer side.
    Position, committed offset and processed counts belong to the group; `members` name who
    can hold the partition, and in `grouped` form an owner variable says which one does."""

    index: int
    spec: Consumer  # the first member's settings; every member has the same
    slots: int  # records handed out but not yet processed
    cap: int  # processed-count saturation: 1 for an idempotent app, else 2
    partition: Partition  # the partition it reads
    processor: ProcessorInfo | None  # set when this is a processor's consumer side
    members: tuple[str, ...] = ()
    zombies: int = 0  # slots for members removed by consumer_stall that still process

    @property
    def pre(self) -> str:
        return f"c{self.index}"

    @property
    def stage(self) -> int:
        """Which stage's message ids it reads (the index of its topic in the chain)."""
        return self.partition.index

    @property
    def grouped(self) -> bool:
        """Modelled with an owner and zombies (model/group.py): several members, or a fault
        that removes a member from its group."""
        return self.processor is None and (len(self.members) > 1 or self.zombies > 0)

    @property
    def owner(self) -> str:
        return f"{self.pre}_owner"


@dataclass(frozen=True)
class Holder:
    """Who runs a consumer step: the group's owner of the partition (one per member in the
    grouped form, each guarded by the owner variable), or a zombie slot's member."""

    name: str  # the member's name, for the narrative
    guard: tuple[Expr, ...]
    suffix: str  # appended to action names: "" for an ungrouped consumer
    buf: str  # prefix of the buffer variables it processes from
    zombie: bool = False


def owners(b: ModelBuilder, cv: ConsumerVars) -> list[Holder]:
    """The holders of the partition's live side: the consumer itself, or each member."""
    if not cv.grouped:
        return [Holder(cv.spec.name, (), "", f"{cv.pre}_buf")]
    owner = b.v(cv.owner)
    return [
        Holder(name, (owner.eq(k),), f",m{k}", f"{cv.pre}_buf") for k, name in enumerate(cv.members)
    ]


def zombie_holders(b: ModelBuilder, cv: ConsumerVars) -> list[tuple[int, int, Holder]]:
    """(slot, member, holder) for every zombie slot and member that can occupy it."""
    out: list[tuple[int, int, Holder]] = []
    for z in range(cv.zombies):
        slot = b.v(f"{cv.pre}_z{z}_member")
        for k, name in enumerate(cv.members):
            out.append(
                (z, k, Holder(name, (slot.eq(k),), f",z{z},m{k}", f"{cv.pre}_z{z}_buf", True))
            )
    return out


def consumer_vars(b: ModelBuilder) -> list[ConsumerVars]:
    out = []
    for i, c in enumerate(b.consumers):
        part = b.partition_of_consumer(i)
        slots = 1 if c.app.processing == "sync" else part.capacity
        cap = 1 if c.app.idempotent else 2
        proc = b.processor_of_consumer(i)
        members = b.group_members[i] if i < len(b.group_members) else (c.name,)
        zombies = b.spec.faults.consumer_stall if proc is None else 0
        out.append(ConsumerVars(i, c, slots, cap, part, proc, members, zombies))
    return out


def final_consumers(b: ModelBuilder) -> list[ConsumerVars]:
    """The consumers whose processing the guarantees are about (not processors)."""
    return [cv for cv in consumer_vars(b) if cv.processor is None]


def processed(b: ModelBuilder, cv: ConsumerVars, m: int) -> Expr:
    """Producer message m, as this consumer's topic carries it, was processed."""
    return b.v(f"{cv.pre}_done_m{b.at_stage(m, cv.stage)}") >= 1


def record_codes_here(b: ModelBuilder, cv: ConsumerVars) -> list[int]:
    """The record codes that can appear in this consumer's partition."""
    return [c for c in range(1, b.record_codes() + 1) if b.stage_of(b.message_of(c)) == cv.stage]


def running(b: ModelBuilder, cv: ConsumerVars) -> list[Expr]:
    """Guards of a consumer that takes part: its group has joined, and
    auto.offset.reset=none has not stopped it."""
    out: list[Expr] = []
    if b.has(f"{cv.pre}_joined"):
        out.append(b.v(f"{cv.pre}_joined").is_true())
    if b.has(f"{cv.pre}_failed"):
        out.append(b.v(f"{cv.pre}_failed").eq(0))
    return out


def reset_position(b: ModelBuilder, cv: ConsumerVars) -> tuple[Expr, Updates, str]:
    """Where auto.offset.reset puts a consumer without a usable committed offset.
    'latest' is the high watermark (read_uncommitted); 'none' stops the consumer."""
    policy = cv.spec.auto_offset_reset
    if policy == "earliest" and retention_deletes(b, cv.partition):
        # ListOffsets EARLIEST_TIMESTAMP answers the log start offset (UnifiedLog
        # .fetchOffsetByTimestamp), which retention moves (model/retention.py)
        return (
            b.log_start,
            {},
            "auto.offset.reset=earliest: it starts again from the log start offset",
        )
    if policy == "earliest":
        return ite(TRUE, 0, 0), {}, "auto.offset.reset=earliest: it starts again from offset 0"
    if policy == "latest":
        return (
            b.hw,
            {},
            "auto.offset.reset=latest: it starts at the log end, skipping what it had not processed",
        )
    return (
        ite(TRUE, 0, 0),
        {f"{cv.pre}_failed": ite(TRUE, 1, 1)},
        "auto.offset.reset=none: NoOffsetForPartitionException stops the consumer",
    )


def retention_deletes(b: ModelBuilder, partition: Partition) -> bool:
    """Retention may move this partition's log start offset in this run: the fault is
    budgeted and the topic's retention can delete (model/retention.py)."""
    return b.spec.faults.retention_passes_consumer > 0 and partition.topic.retention_deletes


def buffer_empty(b: ModelBuilder, cv: ConsumerVars, buf: str = "") -> Expr:
    return b.v(f"{buf or cv.pre + '_buf'}_0").eq(0)


def clear_buffer(b: ModelBuilder, cv: ConsumerVars, buf: str = "") -> Updates:
    return {f"{buf or cv.pre + '_buf'}_{s}": ite(TRUE, 0, 0) for s in range(cv.slots)}


# ---- a processor's consumer side -------------------------------------------------------
def input_of(b: ModelBuilder, proc: ProcessorInfo) -> ConsumerVars:
    """The consumer a processor reads its input topic with."""
    return consumer_vars(b)[proc.consumer]


def rewind(b: ModelBuilder, proc: ProcessorInfo, cond: Expr) -> Updates:
    """Where `cond` holds: back to the committed offset (none yet: auto.offset.reset,
    earliest for Streams), the records in hand dropped."""
    cv = input_of(b, proc)
    pos, committed = b.v(f"{cv.pre}_pos"), b.v(f"{cv.pre}_committed")
    restart = ite(committed >= 0, committed, 0)
    ups: Updates = {pos.name: ite(cond, restart, pos)}
    for name, cleared in clear_buffer(b, cv).items():
        ups[name] = ite(cond, cleared, b.v(name))
    return ups


def has_input_in_hand(b: ModelBuilder, proc: ProcessorInfo) -> Expr:
    return ~buffer_empty(b, input_of(b, proc))


def commit_offsets_in_transaction(
    b: ModelBuilder, proc: ProcessorInfo
) -> tuple[list[Expr], Updates]:
    """The guard and updates an exactly-once commit adds: nothing in hand, and the input
    position becomes the committed offset in the same transaction."""
    cv = input_of(b, proc)
    pos = b.v(f"{cv.pre}_pos")
    return [buffer_empty(b, cv)], {f"{cv.pre}_committed": pos}
