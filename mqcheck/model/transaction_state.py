"""A transactional producer's state (KIP-98) and the abort every part of the model can
cause: a failed send, a producer crash, a processor crash or a processor that sat down
past transaction.timeout.ms all end the open transaction the same way.

Below producer.py, transactions.py and processors.py, which all ask whether a
transaction is open and build the same abort.
"""

from __future__ import annotations

from mqcheck.ir.expr import Expr, any_of, ite
from mqcheck.model.consumer_state import rewind
from mqcheck.model.layout import EXCUSED, GAVE_UP, QUEUED, UNSENT, ModelBuilder, ProducerInfo
from mqcheck.model.outcomes import Updates
from mqcheck.model.producer_state import reset_attempt

# Transaction state of a producer, as its application and the coordinator see it.
NO_TXN = 0  # no transaction open (before the first, or after an abort completed)
OPEN = 1  # beginTransaction() called, sends under way
COMMITTING = 2  # PrepareCommit written: decided, COMMIT marker pending
ABORTING = 3  # PrepareAbort written: decided, ABORT marker pending
COMMITTED = 4  # marker replicated; the application is done
#: How traces and exports (ITF, graph) name each transaction state, in code order.
TXN_NAMES = ("none", "open", "committing", "aborting", "committed")


def transactional(p: ProducerInfo) -> bool:
    return p.spec.transactional_id is not None


def txn_var(p: ProducerInfo) -> str:
    return f"txn_p{p.index}"


def is_open(b: ModelBuilder, p: ProducerInfo) -> Expr:
    return b.v(txn_var(p)).eq(OPEN)


def generation(b: ModelBuilder, p: ProducerInfo) -> Expr:
    """Which transaction attempt is current (all messages of the producer share it)."""
    return b.v(f"gen_m{p.messages[0]}")


def abort_updates(
    b: ModelBuilder, p: ProducerInfo, cond: Expr, policy: str | None = None
) -> Updates:
    """The open transaction is aborted where `cond` holds: every message already sent in it
    is discarded; the application resends them (resend), gives up on them (drop), or
    halts (halt)."""
    if policy is None:
        policy = p.spec.app.on_send_error if p.spec.app.waits_for_result else "drop"
    if p.processor is not None:
        # Streams closes the task and re-processes from the committed offsets: the
        # outputs are produced again by that re-processing (processors.py).
        policy = "unsend"
    outcome = {"resend": QUEUED, "drop": GAVE_UP, "halt": EXCUSED, "unsend": UNSENT}[policy]
    txn = b.v(txn_var(p))
    ups: Updates = {txn.name: ite(cond, ABORTING, txn)}
    if p.processor is not None:
        ups.update(rewind(b, b.processors[p.processor], cond))
    for m in p.messages:
        st = b.status(m)
        sent = cond & st.ne(UNSENT)
        ups[st.name] = ite(sent, outcome, st)
        ups.update(reset_attempt(b, m, sent))
    return ups


def has_transactions(b: ModelBuilder) -> bool:
    """Some producer writing the partition in focus is transactional (its log holds
    transaction markers)."""
    return any(transactional(p) and b.partitions[p.partition] is b.in_focus for p in b.producers)


def marker_below_hw(b: ModelBuilder, leader: int, code: int) -> Expr:
    """Marker `code` is in leader's log below the high watermark: the transaction it ends is
    decided for every reader (the last stable offset has passed its records)."""
    return any_of(b.log(leader, j).eq(code) & (b.hw > j) for j in range(b.capacity))


def committed_and_aborted(b: ModelBuilder, leader: int, code: int) -> tuple[Expr, Expr]:
    """For a record of a transactional producer: (its COMMIT marker is below the HW, its
    ABORT marker is below the HW). read_committed readers get the record in the first case
    and drop it in the second (KIP-98)."""
    p = b.producer_of(b.message_of(code))
    gen = (code - 1) // b.n_messages
    commit = marker_below_hw(b, leader, b.marker_code(p.index, gen, False))
    abort = marker_below_hw(b, leader, b.marker_code(p.index, gen, True))
    return commit, abort
