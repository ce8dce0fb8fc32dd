"""Consumer hop (mqcheck/model/consumer.py): commit placement, auto-commit, consumer
crashes, auto.offset.reset, expired group offsets, idempotent processing, and log
truncation seen by the consumer."""

from __future__ import annotations

import pytest

from mqcheck.result import GuaranteeResult
from mqcheck.run import check_spec
from tests.factories import make_spec
from tests.model.walking import walk

SMALL = dict(rf=2, min_isr=1)


def check(guarantee: str, **kw: object) -> GuaranteeResult:
    (r,) = check_spec(make_spec(**{**SMALL, **kw}), [guarantee]).results
    return r


def kinds(r: GuaranteeResult) -> list[str]:
    assert r.counterexample is not None
    return [s.kind for s in r.counterexample.steps]


# ---- commit placement ------------------------------------------------------------------


def test_commit_before_processing_then_crash_loses():
    """KafkaConsumer javadoc ("Offsets and Consumer Position"): committing before processing
    gives at-most-once — a crash after the commit and before processing skips the record."""
    r = check(
        "at-least-once", commit="before_processing", messages=1, faults=dict(consumer_crash=1)
    )
    assert r.verdict == "violated"
    k = kinds(r)
    assert k.index("commit") < k.index("consumer_crash")
    assert "process" not in k
    assert r.counterexample.lost == ("m1",)


def test_commit_before_processing_never_duplicates():
    """Commit-before-processing is the javadoc's at-most-once recipe: a crash never replays
    a processed record."""
    r = check("at-most-once", commit="before_processing", messages=1, faults=dict(consumer_crash=1))
    assert r.verdict == "holds"


def test_commit_after_processing_crash_duplicates_only():
    """KafkaConsumer javadoc: committing after processing gives at-least-once; a crash between
    processing and commit replays the record (a duplicate, never a loss)."""
    alo = check(
        "at-least-once", commit="after_processing", messages=1, faults=dict(consumer_crash=1)
    )
    amo = check(
        "at-most-once", commit="after_processing", messages=1, faults=dict(consumer_crash=1)
    )
    assert alo.verdict == "holds"
    assert amo.verdict == "violated"
    k = kinds(amo)
    assert k.count("process") == 2
    assert k.index("consumer_crash") > k.index("process")
    assert amo.counterexample.duplicated == ("m1",)


# ---- auto-commit -----------------------------------------------------------------------


def test_auto_commit_sync_processing_is_at_least_once():
    """enable.auto.commit=true with processing inside the poll loop: poll() commits the
    offsets returned by the previous poll, i.e. already processed (KafkaConsumer javadoc
    "Automatic Offset Committing"); a crash can only replay."""
    alo = check(
        "at-least-once", commit="auto", processing="sync", messages=1, faults=dict(consumer_crash=1)
    )
    amo = check(
        "at-most-once", commit="auto", processing="sync", messages=1, faults=dict(consumer_crash=1)
    )
    assert alo.verdict == "holds"
    assert amo.verdict == "violated"


def test_auto_commit_async_processing_can_lose():
    """enable.auto.commit=true with records handed to another thread: the auto-commit may
    cover records the worker has not processed; a crash then skips them (KafkaConsumer
    javadoc: with auto-commit, "you must consume all data returned from each call to
    poll(Duration) before any subsequent calls")."""
    r = check(
        "at-least-once",
        commit="auto",
        processing="async",
        messages=1,
        faults=dict(consumer_crash=1),
    )
    assert r.verdict == "violated"
    k = kinds(r)
    assert k.index("commit") < k.index("consumer_crash")
    assert "process" not in k


def test_idempotent_app_absorbs_replays():
    """An idempotent consumer application turns replays into no-ops (contract
    `app.idempotent`; KafkaConsumer javadoc on at-least-once + idempotent processing)."""
    r = check(
        "at-most-once",
        commit="after_processing",
        idempotent_app=True,
        messages=1,
        faults=dict(consumer_crash=1),
    )
    assert r.verdict == "holds"


# ---- auto.offset.reset -----------------------------------------------------------------


def test_latest_reset_and_late_join_skips_messages():
    """auto.offset.reset=latest: "automatically reset the offset to the latest offset"
    (ConsumerConfig); a group that joins after production started skips what was already
    written — a loss with no fault at all."""
    r = check("at-least-once", reset="latest", joins="any_time", messages=1)
    assert r.verdict == "violated"
    assert r.counterexample.faults_used == ()
    assert r.counterexample.lost == ("m1",)


def test_earliest_reset_and_late_join_holds():
    """auto.offset.reset=earliest starts a new group at the beginning (ConsumerConfig)."""
    r = check("at-least-once", reset="earliest", joins="any_time", messages=1)
    assert r.verdict == "holds"


def test_latest_reset_with_group_created_before_production_holds():
    """With the group's position set before any record exists, `latest` is offset 0 and
    nothing is skipped (ConsumerConfig `auto.offset.reset`)."""
    r = check("at-least-once", reset="latest", joins="before_production", messages=1)
    assert r.verdict == "holds"


def test_offsets_expire_with_latest_loses():
    """KIP-211 / offsets.retention.minutes: an empty group's committed offsets expire; on
    return auto.offset.reset=latest skips to the end."""
    r = check("at-least-once", reset="latest", messages=2, faults=dict(offsets_expire=1))
    assert r.verdict == "violated"
    assert "offsets_expire" in kinds(r)
    assert r.counterexample.faults_used == ("offsets_expire",)


def test_offsets_expire_with_earliest_replays():
    """KIP-211: after expiry auto.offset.reset=earliest re-reads from the start: no loss,
    but processed records are processed again."""
    alo = check("at-least-once", reset="earliest", messages=2, faults=dict(offsets_expire=1))
    amo = check("at-most-once", reset="earliest", messages=2, faults=dict(offsets_expire=1))
    assert alo.verdict == "holds"
    assert amo.verdict == "violated"
    assert "offsets_expire" in kinds(amo)


def test_offsets_expire_with_none_stops_the_consumer():
    """auto.offset.reset=none: "throw exception to the consumer if no previous offset is
    found for the consumer's group" (ConsumerConfig); after expiry the consumer stops and
    nothing more is processed."""
    r = check("at-least-once", reset="none", messages=2, faults=dict(offsets_expire=1))
    assert r.verdict == "violated"
    assert kinds(r) == ["offsets_expire"]


def test_reset_none_without_faults_holds():
    """auto.offset.reset=none with an existing committed offset consumes normally."""
    r = check("at-least-once", reset="none", messages=1)
    assert r.verdict == "holds"


# ---- log truncation seen by the consumer -----------------------------------------------


def test_kip320_consumer_rewinds_to_divergence_point():
    """KIP-320 (consumer side in 2.3): after a leader change the consumer validates its
    position with OffsetsForLeaderEpoch for the epoch of its last consumed record; if the
    leader's end offset for that epoch is below the position, it resets to that end offset
    (SubscriptionState.maybeCompleteValidation: "Truncation detected ... resetting offset").

    Scenario (acks=1, rf=2, unclean): m1 is consumed from broker 1 (the ISR shrank to it),
    broker 1 dies, broker 2 is elected uncleanly with an empty log and m2 is appended at
    offset 0. Kafka's consumer (position 1, epoch 0) learns epoch 0 ends at 0 on the new
    leader and re-reads offset 0, so m2 is processed. The model must still be able to
    process m2."""
    spec = make_spec(
        rf=2,
        min_isr=1,
        acks=1,
        idempotence=False,
        unclean=True,
        messages=2,
        faults=dict(follower_lag=1, broker_crash=1),
    )
    ts, cs, s = walk(
        spec,
        [
            "send(m1)",
            "append(m1,0,0,0)",
            "isr_shrink(1,0)",
            "ack(m1)",
            "poll(c0,0,0,0)",
            "process(c0,1)",
            "commit(c0)",
            "send(m2)",
            "broker_crash(0)",
            "elect_unclean(1)",
            "retry_dispatch(m2)",
            "append(m2,1,0,0)",
        ],
    )
    done = ts.index()["c0_done_m2"]
    seen, frontier, processed = {s}, [s], False
    while frontier and not processed:
        nxt = []
        for x in frontier:
            for a, t in cs.successors(x):
                if ts.actions[a].fault is not None:
                    continue
                processed |= t[done] >= 1
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    assert processed


@pytest.mark.parametrize("version,expected", [((3, 7), 1), ((2, 2), 0)])
def test_consumer_past_log_end_after_truncation(version, expected):
    """A consumer whose position is past the new leader's log end (unclean election truncated
    the log): from 2.3 the consumer detects the truncation (KIP-320) and continues from the
    new log end (1); before 2.3 the fetch fails with OFFSET_OUT_OF_RANGE and
    auto.offset.reset=earliest rewinds to 0 (ConsumerConfig `auto.offset.reset`)."""
    spec = make_spec(
        rf=2,
        min_isr=1,
        acks=1,
        idempotence=False,
        unclean=True,
        messages=2,
        version=version,
        faults=dict(follower_lag=1, broker_crash=1),
    )
    ts, _cs, s = walk(
        spec,
        [
            "send(m1)",
            "append(m1,0,0,0)",
            "fetch(1,0,0)",
            "fetch_caught_up(1,0,1)",
            "send(m2)",
            "append(m2,0,1,0)",
            "isr_shrink(1,0)",
            "poll(c0,0,0,0)",
            "process(c0,1)",
            "commit(c0)",
            "poll(c0,0,1,0)",
            "process(c0,2)",
            "broker_crash(0)",
            "elect_unclean(1)",
            # from 2.3 the position is validated as part of the leader change (KIP-320)
            *(["out_of_range(c0,1)"] if version < (2, 3) else []),
        ],
    )
    assert s[ts.index()["c0_pos"]] == expected
