"""Retention passes a consumer group (mqcheck/model/retention.py): retention moves the log
start offset up to the high watermark, a fetch below it is OFFSET_OUT_OF_RANGE and
auto.offset.reset decides where the group goes on."""

from __future__ import annotations

from mqcheck.model.compile import build
from mqcheck.run import check_spec
from tests.factories import make_spec
from tests.model.walking import value, walk

FAULT = {"retention_passes_consumer": 1}
#: m1 and m2 written, replicated, the HW at 2 (rf=2, min_isr=1)
WRITTEN = [
    "send(m1)",
    "append(m1,0,0,0)",
    "fetch(1,0,0)",
    "fetch_caught_up(1,0,1)",
    "send(m2)",
    "append(m2,0,1,0)",
    "fetch(1,0,1)",
    "fetch_caught_up(1,0,2)",
]


def spec(**kw: object):  # type: ignore[no-untyped-def]
    settings: dict[str, object] = dict(rf=2, min_isr=1, messages=2, faults=dict(FAULT))
    settings.update(kw)
    return make_spec(**settings)  # type: ignore[arg-type]


def verdicts(**kw: object) -> dict[str, str]:
    return {r.guarantee: r.verdict for r in check_spec(spec(**kw)).results}


def enabled(ts, cs, s) -> set[str]:  # type: ignore[no-untyped-def]
    return {ts.actions[a].name for a, _ in cs.successors(s)}


def test_retention_deletes_only_below_the_high_watermark():
    """deletableSegments: no segment reaching past the HW is deleted (KAFKA-5634)."""
    ts, cs, s = walk(spec(), ["send(m1)", "append(m1,0,0,0)"])
    assert not any(n.startswith("retention_delete") for n in enabled(ts, cs, s))
    ts, cs, s = walk(
        spec(), ["send(m1)", "append(m1,0,0,0)", "fetch(1,0,0)", "fetch_caught_up(1,0,1)"]
    )
    assert "retention_delete(0,1)" in enabled(ts, cs, s)
    assert "retention_delete(0,2)" not in enabled(ts, cs, s)
    ts, cs, s = walk(spec(), [*WRITTEN, "retention_delete(0,2)"])
    assert value(ts, s, "log_start") == 2


def test_a_fetch_below_the_log_start_is_out_of_range_and_earliest_goes_to_the_log_start():
    ts, cs, s = walk(spec(), [*WRITTEN, "retention_delete(0,1)"])
    assert "poll(c0,0,0,0)" not in enabled(ts, cs, s)
    ts, cs, s = walk(spec(), [*WRITTEN, "retention_delete(0,1)", "offset_reset(c0,0)"])
    assert value(ts, s, "c0_pos") == 1
    ts, cs, s = walk(
        spec(), [*WRITTEN, "retention_delete(0,1)", "offset_reset(c0,0)", "poll(c0,0,1,0)"]
    )
    assert value(ts, s, "c0_buf_0") == 2


def test_latest_goes_to_the_high_watermark():
    ts, _cs, s = walk(
        spec(reset="latest"), [*WRITTEN, "retention_delete(0,1)", "offset_reset(c0,0)"]
    )
    assert value(ts, s, "c0_pos") == 2


def test_none_stops_the_consumer():
    """No reset policy: poll() throws OffsetOutOfRangeException (FetchCollector)."""
    ts, cs, s = walk(spec(reset="none"), [*WRITTEN, "retention_delete(0,1)", "offset_reset(c0,0)"])
    assert value(ts, s, "c0_failed") == 1
    assert not any(n.startswith(("poll(", "commit(", "process(")) for n in enabled(ts, cs, s))


def test_a_committed_offset_behind_the_processed_records_earliest_vs_latest():
    """The flip the issue names, as a walk: the group processed m1 and m2 but committed only
    offset 1 when it crashed; retention deletes offset 1 (processed). earliest resumes at
    the log start 2 and re-reads nothing deleted; with a third record unprocessed, latest
    jumps past it. (As verdicts both are violated: retention may as well delete unread
    records, test_unread_records_are_lost_whatever_the_reset.)"""
    crash = {"retention_passes_consumer": 1, "consumer_crash": 1}
    steps = [
        *WRITTEN,
        "poll(c0,0,0,0)",
        "process(c0,1)",
        "commit(c0)",
        "poll(c0,0,1,0)",
        "process(c0,2)",
        "consumer_crash(c0)",
        "retention_delete(0,2)",
        "offset_reset(c0,0)",
    ]
    ts, _cs, s = walk(spec(faults=crash), steps)
    assert value(ts, s, "c0_committed") == 1 and value(ts, s, "c0_pos") == 2
    more = [*steps[:8], "send(m3)", "append(m3,0,2,0)", "fetch(1,0,2)", "fetch_caught_up(1,0,3)"]
    latest = [*more, *steps[8:]]
    ts, _cs, s = walk(spec(faults=crash, reset="latest", messages=3), latest)
    assert value(ts, s, "c0_pos") == 3 and value(ts, s, "c0_done_m3") == 0


def test_unread_records_are_lost_whatever_the_reset():
    """Retention does not know what a group has read: earliest loses the deleted records,
    latest more, none stops the consumer. A reset only moves forward: no duplicates."""
    for reset in ("earliest", "latest", "none"):
        assert verdicts(reset=reset) == {"at-least-once": "violated", "at-most-once": "holds"}


def test_unlimited_or_compact_only_retention_deletes_nothing():
    """retention.ms = retention.bytes = -1, or cleanup.policy=compact: the fault cannot
    strike (deleteOldSegments returns at once), so no log start offset is modelled."""
    for kw in (dict(retention_ms=-1), dict(cleanup_delete=False)):
        ts = build(spec(**kw))
        assert not any(v.name == "log_start" for v in ts.variables)
        assert verdicts(**kw)["at-least-once"] == "holds"


def test_size_only_retention_keeps_retention_bytes():
    """retention.ms -1, retention.bytes 1000 with 1000-byte records: the newest record always
    stays (deleteRetentionSizeBreachedSegments), so one message can never be deleted."""
    assert verdicts(retention_ms=-1, retention_bytes=1000, messages=1)["at-least-once"] == "holds"
    ts, cs, s = walk(spec(retention_ms=-1, retention_bytes=1000), WRITTEN)
    names = enabled(ts, cs, s)
    assert "retention_delete(0,1)" in names and "retention_delete(0,2)" not in names
    assert verdicts(retention_ms=-1, retention_bytes=1000)["at-least-once"] == "violated"


def test_a_new_leader_with_a_shorter_log_lowers_the_log_start():
    """The log start offset never passes the leader's log end: an unclean leader whose log
    ends below it starts its own log start there."""
    faults = {"retention_passes_consumer": 1, "broker_crash": 1, "follower_lag": 1}
    steps = [
        "send(m1)",
        "append(m1,0,0,0)",
        "isr_shrink(1,0)",
        "retention_delete(0,1)",
        "broker_crash(0)",
        "elect_unclean(1)",
    ]
    ts, _cs, s = walk(spec(faults=faults, unclean=True), steps)
    assert value(ts, s, "leader") == 1 and value(ts, s, "log_start") == 0


def test_before_1_0_retention_is_not_modelled():
    (r, *_) = check_spec(spec(version=(0, 11))).results
    assert r.verdict == "unknown" and "KAFKA-5634" in r.reason
