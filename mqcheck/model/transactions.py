"""Transactional producers (KIP-98): begin, send, commit or abort, markers, fencing.

The application sends all its messages in one transaction: beginTransaction(), send()
for each, commitTransaction(). commitTransaction() returns once the transaction
coordinator has written PrepareCommit to its log: from then on the commit is decided and
survives any producer crash; the coordinator then writes a COMMIT marker into the
partition (WriteTxnMarkers), retrying until the marker is replicated. An abort (a failed
send, or a restarted instance fencing the old one with a higher epoch) writes an ABORT
marker instead, and an application with on_send_error: resend sends every message of the
aborted transaction again, in a new transaction.

The coordinator and its transaction log are taken to be reliable (they are replicated
like any topic); the model follows the data partition only. Sources (docs/semantics.md):
KIP-98; TransactionCoordinator (handleEndTransaction), TransactionMarkerChannelManager;
KafkaProducer javadoc (transactions, fencing on initTransactions).
"""

from __future__ import annotations

from mqcheck.ir.expr import TRUE, Expr, all_of, any_of, ite
from mqcheck.ir.system import Action
from mqcheck.model.consumer_state import commit_offsets_in_transaction, has_input_in_hand
from mqcheck.model.layout import ACKED, EXCUSED, QUEUED, UNSENT, ModelBuilder, ProducerInfo
from mqcheck.model.outcomes import Updates, merge
from mqcheck.model.storage import flush_on_append
from mqcheck.model.transaction_state import (
    ABORTING,
    COMMITTED,
    COMMITTING,
    NO_TXN,
    OPEN,
    TXN_NAMES,
    generation,
    is_open,
    transactional,
    txn_var,
)
from mqcheck.model.watermark import high_watermark_after


def declare(b: ModelBuilder) -> None:
    for p in b.producers:
        if transactional(p):
            b.var(
                txn_var(p),
                NO_TXN,
                COMMITTED,
                NO_TXN,
                f"{p.spec.name}: transaction state",
                kind="enum",
                labels=dict(enumerate(TXN_NAMES)),
            )


def add_actions(b: ModelBuilder) -> None:
    for p in b.producers:
        if not transactional(p):
            continue
        with b.focus(b.partitions[p.partition]):
            _begin(b, p)
            _commit(b, p)
            for leader in range(b.replicas):
                for abort in (False, True):
                    for g in range(b.gens):
                        for k in range(b.capacity + 1):
                            _write_marker(b, p, leader, g, abort, k)
                        for j in range(b.capacity):
                            _marker_replicated(b, p, leader, g, abort, j)


def _actor(p: ProducerInfo) -> str:
    return f"producer:{p.spec.name}"


def _begin(b: ModelBuilder, p: ProducerInfo) -> None:
    to_send = any_of(b.status(m).eq(UNSENT) | b.status(m).eq(QUEUED) for m in p.messages)
    halted = any_of(b.status(m).eq(EXCUSED) for m in p.messages)
    if p.processor is not None:
        to_send = any_of(b.status(m).eq(UNSENT) for m in p.messages)
    b.add(
        Action(
            name=f"txn_begin({p.spec.name})",
            kind="txn_begin",
            actor=_actor(p),
            guard=all_of([b.v(txn_var(p)).eq(NO_TXN), to_send, ~halted]),
            updates={txn_var(p): ite(TRUE, OPEN, 0)},
            text=(
                f"{p.spec.name} begins a transaction (transactional.id="
                f"{p.spec.transactional_id}, attempt {{attempt}})"
            ),
            text_args={"attempt": generation(b, p) + 1},
            params={"producer": p.spec.name},
        )
    )
    if p.processor is not None:
        _begin_after_commit(b, p)


def _begin_after_commit(b: ModelBuilder, p: ProducerInfo) -> None:
    """A processor that reads input again after its transaction committed (its committed
    offsets expired, or a leader change moved its position back) processes it in a new
    transaction, a new attempt with its own markers."""
    proc = b.processors[p.processor] if p.processor is not None else None
    assert proc is not None
    parts: list[Updates] = [{txn_var(p): ite(TRUE, OPEN, 0)}]
    for m in p.messages:
        gv = b.v(f"gen_m{m}")
        parts.append({gv.name: ite(gv < b.gens - 1, gv + 1, gv)})
    parts.append({"overflow": ite(generation(b, p).eq(b.gens - 1), 1, b.v("overflow"))})
    b.add(
        Action(
            name=f"txn_begin_again({p.spec.name})",
            kind="txn_begin",
            actor=_actor(p),
            guard=all_of([b.v(txn_var(p)).eq(COMMITTED), has_input_in_hand(b, proc)]),
            updates=merge(*parts),
            text=(
                f"{p.spec.name} has input to process again and begins a new transaction "
                f"(transactional.id={p.spec.transactional_id}, attempt {{attempt}})"
            ),
            text_args={"attempt": generation(b, p) + 2},
            params={"producer": p.spec.name},
        )
    )


def _commit(b: ModelBuilder, p: ProducerInfo) -> None:
    guard = [is_open(b, p), *(b.status(m).eq(ACKED) for m in p.messages)]
    ups: Updates = {txn_var(p): ite(TRUE, COMMITTING, 0)}
    text = (
        f"{p.spec.name} calls commitTransaction(): the coordinator writes PrepareCommit, "
        "so the commit is decided; the COMMIT marker still has to reach the partition"
    )
    if p.processor is not None:
        extra_guard, offsets = commit_offsets_in_transaction(b, b.processors[p.processor])
        guard += extra_guard
        ups.update(offsets)
        text = (
            f"{p.spec.name} commits its transaction with its input offsets "
            "(sendOffsetsToTransaction, KIP-447): the coordinator writes PrepareCommit, so the "
            "outputs and the offset {pos} are committed together; the COMMIT marker still has "
            "to reach the output partition"
        )
    text_args = {}
    if p.processor is not None:
        text_args = {"pos": b.v(f"c{b.processors[p.processor].consumer}_pos")}
    b.add(
        Action(
            name=f"txn_commit({p.spec.name})",
            kind="txn_commit",
            actor=_actor(p),
            guard=all_of(guard),
            updates=ups,
            text=text,
            text_args=text_args,
            params={"producer": p.spec.name},
        )
    )


def _marker_present(b: ModelBuilder, leader: int, code: int) -> Expr:
    return any_of(b.log(leader, i).eq(code) for i in range(b.capacity))


def _write_marker(
    b: ModelBuilder, p: ProducerInfo, leader: int, g: int, abort: bool, k: int
) -> None:
    code = b.marker_code(p.index, g, abort)
    state = ABORTING if abort else COMMITTING
    word = "ABORT" if abort else "COMMIT"
    guard = [
        b.v(txn_var(p)).eq(state),
        generation(b, p).eq(g),
        b.leader.eq(leader),
        b.leo(leader).eq(k),
        ~_marker_present(b, leader, code),
    ]
    if k == b.capacity:
        b.add(
            Action(
                name=f"marker_overflow({p.spec.name},{leader},{g},{int(abort)})",
                kind="txn_abort" if abort else "txn_commit",
                actor="coordinator",
                guard=all_of(guard),
                updates={"overflow": ite(TRUE, 1, 1)},
                text=f"the {word} marker would go past the model's log bound",
            )
        )
        return
    ups: Updates = {
        b.log(leader, k).name: ite(TRUE, code, 0),
        b.leo(leader).name: ite(TRUE, k + 1, 0),
        b.hw.name: high_watermark_after(b, leader, {leader: ite(TRUE, k + 1, 0)}, {}),
    }
    ups.update(flush_on_append(b, leader, k + 1))
    b.add(
        Action(
            name=f"write_marker({p.spec.name},{leader},{g},{int(abort)},{k})",
            kind="txn_abort" if abort else "txn_commit",
            actor="coordinator",
            guard=all_of(guard),
            updates=ups,
            text=(
                f"the transaction coordinator writes the {word} marker of {p.spec.name}'s "
                f"transaction (attempt {g + 1}) at offset {k} on leader {b.broker_name(leader)}"
            ),
            params={"producer": p.spec.name, "leader": leader, "offset": k},
        )
    )


def _marker_replicated(
    b: ModelBuilder, p: ProducerInfo, leader: int, g: int, abort: bool, j: int
) -> None:
    """WriteTxnMarkers completes once the marker is below the HW; until then the
    coordinator keeps the transaction in PrepareCommit/PrepareAbort and retries."""
    code = b.marker_code(p.index, g, abort)
    txn = b.v(txn_var(p))
    guard = all_of(
        [
            txn.eq(ABORTING if abort else COMMITTING),
            generation(b, p).eq(g),
            b.leader.eq(leader),
            b.log(leader, j).eq(code),
            b.hw > j,
        ]
    )
    ups: Updates = {txn.name: ite(TRUE, NO_TXN if abort else COMMITTED, 0)}
    if abort:
        # the next transaction is a new attempt; its records are new sends
        parts: list[Updates] = [ups]
        for m in p.messages:
            gv = b.v(f"gen_m{m}")
            parts.append({gv.name: ite(gv < b.gens - 1, gv + 1, gv)})
        parts.append({"overflow": ite(generation(b, p).eq(b.gens - 1), 1, b.v("overflow"))})
        ups = merge(*parts)
    word = "ABORT" if abort else "COMMIT"
    b.add(
        Action(
            name=f"marker_replicated({p.spec.name},{leader},{g},{int(abort)},{j})",
            kind="txn_abort" if abort else "txn_commit",
            actor="coordinator",
            guard=guard,
            updates=ups,
            text=(
                f"the {word} marker is replicated (below the high watermark): the coordinator "
                f"completes {p.spec.name}'s transaction (attempt {g + 1})"
            ),
            params={"producer": p.spec.name, "leader": leader, "offset": j},
        )
    )
