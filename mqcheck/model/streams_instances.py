"""Several instances of one Kafka Streams application (`processors.<name>.instances`): one
consumer group over the processor's input partition, whose task moves between instances
when the one holding it stalls (`consumer_stall`), crashes (`processor_crash`) or a member
joins or leaves (`group_rebalance`).

The instances are configured alike, so which one holds the task changes no verdict, only
the narrative; an owner variable names it (as model/group.py does for consumer groups), and
the task always moves to the next instance. What the verdicts depend on is what the stalled
instance, now a zombie outside the group, can still do (docs/semantics.md §2.17):

- at_least_once: nothing fences it. Its producer delivers what it sent, and only its offset
  commit fails (CommitFailedException, TaskExecutor.commitOffsetsOrTransaction turns it into
  TaskMigratedException). The new owner resumes from the last committed offset and writes
  the same outputs again: duplicates downstream, no loss.
- exactly_once_v2 (KIP-447): the zombie's sendOffsetsToTransaction carries its consumer
  group metadata; the group coordinator refuses the stale generation (ILLEGAL_GENERATION in
  OffsetMetadataManager.validateTransactionalOffsetCommit, CommitFailedException in the
  producer's TxnOffsetCommitHandler), so its transaction can only abort, and read_committed
  readers never see its outputs. exactly_once (v1, KIP-129): the new owner's producer has
  the task's transactional.id, and its initTransactions() fences the zombie; same outcome.

The zombie's remaining work is taken as finished when the stall is noticed: the stall step
fires only once it has processed what it polled (and, under at_least_once, once its outputs
are acknowledged). Processing a record before or after being removed writes the same
output, so every count of the real interleavings is reached; what is lost is only the order
in which the zombie's and the new owner's outputs land, which is why ordering is not
answered here (compile.py).
"""

from __future__ import annotations

from mqcheck.ir.expr import TRUE, Expr, all_of, ite
from mqcheck.ir.system import Action
from mqcheck.model.consumer_state import ConsumerVars, buffer_empty, rewind, running
from mqcheck.model.layout import GAVE_UP, ModelBuilder, ProcessorInfo
from mqcheck.model.outcomes import Updates, merge
from mqcheck.model.processor_state import outputs
from mqcheck.model.producer_state import is_pending
from mqcheck.model.transaction_state import abort_updates, is_open, transactional

#: Faults that move a task from one instance to another.
TASK_MOVES = ("consumer_stall", "group_rebalance", "processor_crash")


def moves_tasks(b: ModelBuilder, proc: ProcessorInfo) -> bool:
    """The processor runs several instances and some budgeted fault can move its task: only
    then is there an owner to track (an instance count with no such fault changes nothing)."""
    f = b.spec.faults.as_dict()
    return proc.spec.instances > 1 and any(f.get(name, 0) for name in TASK_MOVES)


def owner_var(proc: ProcessorInfo) -> str:
    return f"x{proc.index}_owner"


def instance_name(proc: ProcessorInfo, k: int) -> str:
    return f"{proc.spec.name}-{k + 1}"


def declare(b: ModelBuilder, proc: ProcessorInfo) -> None:
    if not moves_tasks(b, proc):
        return
    n = proc.spec.instances
    b.var(
        owner_var(proc),
        0,
        n - 1,
        0,
        f"{proc.spec.name}: instance that holds the task of {proc.spec.from_topic}-0",
        kind="enum",
        labels={k: instance_name(proc, k) for k in range(n)},
    )


def holders(b: ModelBuilder, proc: ProcessorInfo) -> list[tuple[int, Expr]]:
    """(instance, guard that it holds the task) for every instance."""
    owner = b.v(owner_var(proc))
    return [(k, owner.eq(k)) for k in range(proc.spec.instances)]


def hand_over(proc: ProcessorInfo, k: int) -> Updates:
    """The task goes to the next instance (the instances are alike: one choice is enough)."""
    nxt = (k + 1) % proc.spec.instances
    return {owner_var(proc): ite(TRUE, nxt, nxt)}


def crash_text(proc: ProcessorInfo, k: int) -> str:
    """How a crashed instance's task comes back, when another instance takes it."""
    nxt = instance_name(proc, (k + 1) % proc.spec.instances)
    if proc.exactly_once and proc.spec.processing_guarantee == "exactly_once":
        fence = (
            f"{nxt}'s producer for the task (transactional.id <application.id>-<task id>, "
            "KIP-129) calls initTransactions(), which fences the crashed one, and the "
            "coordinator aborts its open transaction"
        )
    elif proc.exactly_once:
        fence = (
            f"{nxt} has its own transactional.id, and the coordinator aborts the crashed "
            "instance's open transaction when transaction.timeout.ms passes (or when it "
            "restarts and re-initialises its producer)"
        )
    else:
        fence = f"{nxt} takes the task over"
    return (
        f"instance {instance_name(proc, k)} of {proc.spec.name} crashes; after "
        f"session.timeout.ms the group gives its task to {nxt}: {fence}, and it re-processes "
        "from the committed input offset {committed}"
    )


def add_actions(b: ModelBuilder, cv: ConsumerVars, proc: ProcessorInfo) -> None:
    if not moves_tasks(b, proc):
        return
    for k, holds in holders(b, proc):
        _stall(b, cv, proc, k, holds)
        _rebalance(b, cv, proc, k, holds)


def _restart_offset(b: ModelBuilder, cv: ConsumerVars) -> Expr:
    committed = b.v(f"{cv.pre}_committed")
    return ite(committed >= 0, committed, 0)


def _settled(b: ModelBuilder, proc: ProcessorInfo) -> list[Expr]:
    """Every output acknowledged (or not sent): what a flush before a commit waits for."""
    return [~is_pending(b, out) & b.status(out).ne(GAVE_UP) for out in outputs(b, proc)]


def _stall(b: ModelBuilder, cv: ConsumerVars, proc: ProcessorInfo, k: int, holds: Expr) -> None:
    """consumer_stall: the stream thread holding the task does not call poll() within
    max.poll.interval.ms after processing records whose offsets it has not committed."""
    pos, committed = b.v(f"{cv.pre}_pos"), b.v(f"{cv.pre}_committed")
    producer = b.producers[proc.producer]
    who, nxt = instance_name(proc, k), instance_name(proc, (k + 1) % proc.spec.instances)
    guard = [
        *running(b, cv),
        holds,
        b.budget("consumer_stall") > 0,
        buffer_empty(b, cv),
        committed.ne(pos),
    ]
    removed = (
        f"{who} of {proc.spec.name} spends longer than max.poll.interval.ms between two "
        f"poll() calls; its heartbeat thread leaves the group (KIP-62) and the group gives "
        f"the task of {cv.spec.topic}-0 to {nxt}, which resumes at the committed input offset "
        "{committed}. "
    )
    ups: Updates
    if proc.exactly_once and transactional(producer):
        guard.append(is_open(b, producer))
        ups = abort_updates(b, producer, TRUE)  # with the rewind to the committed offset
        if proc.spec.processing_guarantee == "exactly_once":
            fenced = (
                "The new owner's producer for the task has the same transactional.id "
                "(<application.id>-<task id>, KIP-129): its initTransactions() bumps the "
                "epoch, the zombie is fenced (ProducerFencedException) and the coordinator "
                "aborts the zombie's open transaction"
            )
        else:
            fenced = (
                "The zombie goes on, but its commit sends its consumer group metadata with "
                "the offsets (sendOffsetsToTransaction, KIP-447): the group coordinator "
                "refuses the old generation (ILLEGAL_GENERATION, CommitFailedException), so "
                "its transaction is aborted and read_committed readers never see its outputs"
            )
        text = removed + fenced
        hazard, fix = "", ""
    else:
        guard += _settled(b, proc)
        ups = rewind(b, proc, TRUE)
        text = removed + (
            "The zombie is not fenced: its outputs since that offset are already written, "
            "only its offset commit fails (CommitFailedException); the new owner processes "
            "the same records again and writes their outputs a second time"
        )
        hazard = (
            "processing.guarantee=at_least_once with several instances: a stream thread "
            "removed from the group after max.poll.interval.ms has written outputs whose "
            "offsets the new owner of the task processes again"
        )
        fix = (
            "processing.guarantee=exactly_once_v2 (the zombie's transactional offset commit "
            "is fenced by its group generation, KIP-447) with read_committed consumers "
            "downstream"
        )
    b.add(
        Action(
            name=f"processor_stall({proc.spec.name},{k})",
            kind="stall",
            actor=f"processor:{proc.spec.name}",
            guard=all_of(guard),
            updates=merge(ups, hand_over(proc, k), b.spend("consumer_stall")),
            text=text,
            text_args={"committed": _restart_offset(b, cv)},
            params={"processor": proc.spec.name, "instance": who},
            fault="consumer_stall",
            hazard=hazard,
            fix=fix,
        )
    )


def _rebalance(b: ModelBuilder, cv: ConsumerVars, proc: ProcessorInfo, k: int, holds: Expr) -> None:
    """group_rebalance: an instance joins or leaves cleanly and the task moves. Streams
    commits a revoked task before giving it up (TaskManager.handleRevocation →
    commitOffsetsOrTransaction; under exactly_once_v2 it commits every task, they share one
    transaction), so the hand-over happens at a committed position: the step follows the
    commit step, and the new owner resumes exactly there."""
    pos, committed = b.v(f"{cv.pre}_pos"), b.v(f"{cv.pre}_committed")
    producer = b.producers[proc.producer]
    guard = [
        *running(b, cv),
        holds,
        b.budget("group_rebalance") > 0,
        buffer_empty(b, cv),
        committed.eq(pos),
    ]
    if proc.exactly_once and transactional(producer):
        guard.append(~is_open(b, producer))
    who, nxt = instance_name(proc, k), instance_name(proc, (k + 1) % proc.spec.instances)
    b.add(
        Action(
            name=f"processor_rebalance({proc.spec.name},{k})",
            kind="rebalance",
            actor=f"processor:{proc.spec.name}",
            guard=all_of(guard),
            updates=merge(hand_over(proc, k), b.spend("group_rebalance")),
            text=(
                f"an instance joins or leaves application {proc.spec.group_id}; {who} commits "
                f"the revoked task first (TaskManager.handleRevocation), then {nxt} takes it "
                "over at the committed input offset {pos}"
            ),
            text_args={"pos": pos},
            params={"processor": proc.spec.name, "instance": who},
            fault="group_rebalance",
        )
    )
