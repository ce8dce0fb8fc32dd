"""Transactional producers and consumer isolation (KIP-98): each test pins one behaviour."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mqcheck.model.compile import build
from mqcheck.run import check_spec
from mqcheck.spec.schema import Spec
from tests.factories import make_spec


def txn_spec(isolation: str = "read_committed", **kw: Any) -> Spec:
    kw.setdefault("messages", 1)
    spec = make_spec(**kw)
    producer = replace(spec.producers["app"], transactional_id="tx-1")
    consumer = replace(spec.consumers["reader"], isolation_level=isolation)
    return replace(spec, producers={"app": producer}, consumers={"reader": consumer})


def verdicts(spec: Spec) -> dict[str, str]:
    return {r.guarantee: r.verdict for r in check_spec(spec).results}


def test_fenced_transaction_is_seen_twice_by_read_uncommitted() -> None:
    """A restarted producer fences the old epoch and the coordinator aborts the open
    transaction; the app resends. read_uncommitted returns aborted records too
    (ConsumerConfig isolation.level), so m1 is processed twice."""
    result = check_spec(txn_spec("read_uncommitted", faults={"producer_crash": 1}))
    by = {r.guarantee: r for r in result.results}
    assert by["at-least-once"].verdict == "holds"
    cex = by["at-most-once"].counterexample
    assert cex is not None and cex.duplicated == ("m1",)
    kinds = [s.kind for s in cex.steps]
    assert "txn_begin" in kinds and "producer_crash" in kinds and "txn_abort" in kinds


def test_read_committed_drops_the_aborted_copy() -> None:
    """read_committed reads below the last stable offset and drops records of aborted
    transactions (KIP-98), so the resent message is processed once."""
    assert verdicts(txn_spec("read_committed", faults={"producer_crash": 1})) == {
        "at-least-once": "holds",
        "at-most-once": "holds",
    }


def test_delivery_timeout_aborts_the_transaction() -> None:
    """A failed send puts the transaction in an abortable state; the app aborts and, with
    resend, sends the whole transaction again."""
    assert (
        verdicts(txn_spec("read_uncommitted", faults={"delivery_timeout": 1}))["at-most-once"]
        == "violated"
    )
    assert verdicts(txn_spec("read_committed", faults={"delivery_timeout": 1})) == {
        "at-least-once": "holds",
        "at-most-once": "holds",
    }


def test_aborted_transaction_with_drop_loses_its_messages() -> None:
    """on_send_error: drop gives up on the aborted transaction's messages."""
    spec = txn_spec(faults={"delivery_timeout": 1}, on_send_error="drop")
    assert verdicts(spec)["at-least-once"] == "violated"


def test_commit_survives_a_leader_crash_before_the_marker_is_replicated() -> None:
    """Once PrepareCommit is written the coordinator retries the COMMIT marker until it is
    replicated, also on a new leader (TransactionMarkerChannelManager)."""
    assert verdicts(txn_spec(faults={"broker_crash": 1})) == {
        "at-least-once": "holds",
        "at-most-once": "holds",
    }


def test_consumer_crash_still_duplicates_without_transactional_consumption() -> None:
    """Transactions on the producer side do not make the consumer's processing atomic
    with its offset commit: a consumer crash between the two replays m1."""
    assert verdicts(txn_spec(faults={"consumer_crash": 1}))["at-most-once"] == "violated"


def test_markers_are_never_processed() -> None:
    """Control records are skipped by every consumer: only record codes reach process."""
    system = build(txn_spec("read_uncommitted", faults={"producer_crash": 1}))
    processed = {a.message for a in system.actions if a.kind == "process"}
    assert processed == {"m1"}
    skips = [a for a in system.actions if a.name.startswith("poll_skip(")]
    assert skips and all("marker" in a.text for a in skips)


def test_transactional_producer_with_two_messages_commits_both_or_neither() -> None:
    """All messages of the app go in one transaction: read_committed sees none of them
    until the COMMIT marker, so no message is processed alone from an aborted attempt."""
    spec = txn_spec("read_committed", faults={"producer_crash": 1}, messages=2)
    assert verdicts(spec) == {"at-least-once": "holds", "at-most-once": "holds"}
