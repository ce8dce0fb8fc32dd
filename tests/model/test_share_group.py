"""Share groups (model/share_group.py, model/share_state.py; docs/semantics.md §4.13): the
delivery count against its limit, what each acknowledgement mode does with a failed record,
zombies after a lost lock, the start offset of a new group, and the specs refused as not
modelled."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec
from mqcheck.spec.schema import ShareConsumer, Spec
from tests.factories import make_spec

ROOT = Path(__file__).resolve().parents[2]


def _spec(name: str) -> Spec:
    result = load_spec(ROOT / "specs" / f"{name}.yaml")
    assert result.spec is not None
    return result.spec


def _members(spec: Spec, **changes: object) -> Spec:
    members = {
        n: replace(m, **changes)  # type: ignore[arg-type]
        for n, m in spec.share_consumers.items()
    }
    return replace(spec, share_consumers=members)


def _apps(spec: Spec, **changes: object) -> Spec:
    members = {
        n: replace(m, app=replace(m.app, **changes))  # type: ignore[arg-type]
        for n, m in spec.share_consumers.items()
    }
    return replace(spec, share_consumers=members)


def _faults(spec: Spec, **budgets: int) -> Spec:
    return replace(spec, faults=replace(spec.faults, **budgets))


def _verdicts(
    spec: Spec, guarantees: tuple[str, ...] = ("at-least-once", "at-most-once")
) -> dict[str, str]:
    result = check_spec(spec, guarantees, workers=1)
    return {r.guarantee: r.verdict for r in result.results}


def _reason(spec: Spec) -> str:
    result = check_spec(spec, ("at-least-once",), workers=1)
    assert result.results[0].verdict == "unknown"
    return result.results[0].reason


@pytest.mark.parametrize(
    ("limit", "crashes", "verdict"),
    [(2, 2, "violated"), (3, 2, "holds"), (3, 3, "violated"), (2, 1, "holds")],
)
def test_the_delivery_limit_archives_after_as_many_failed_deliveries(
    limit: int, crashes: int, verdict: str
) -> None:
    # a release at deliveryCount >= limit archives (InFlightState.tryUpdateState); each crash
    # holding the record is one failed delivery
    spec = _faults(
        _members(_spec("share-delivery-limit-5-two-crashes"), delivery_count_limit=limit),
        consumer_crash=crashes,
    )
    assert _verdicts(spec, ("at-least-once",))["at-least-once"] == verdict


def test_the_delivery_count_is_kept_only_where_the_limit_can_be_reached() -> None:
    spec = _spec("share-delivery-limit-5-two-crashes")
    names = {v.name for v in build(spec).variables}
    assert not any("_dc_" in n for n in names)  # 5 > two crashes: the count is moot
    low = _members(spec, delivery_count_limit=2)
    dc = [v for v in build(low).variables if "_dc_" in v.name]
    assert dc and all(v.hi == 2 for v in dc)


def test_a_group_counts_as_one_consumer_and_members_share_the_records() -> None:
    system = build(_spec("share-lock-timeout-duplicate"))
    names = {v.name for v in system.variables}
    assert {"s0_m0_off", "s0_m1_off", "s0_st_0"} <= names
    assert not any(n.startswith("s1_") for n in names)
    processed = [n for n in names if n.startswith("s0_done_")]
    assert processed and not any(n.startswith(("s0_m0_done", "s0_m1_done")) for n in names)


@pytest.mark.parametrize(
    ("mode", "on_error", "verdict"),
    [
        ("implicit", "accept", "violated"),  # the next poll accepts the failed record
        ("explicit", "release", "holds"),
        ("explicit", "reject", "violated"),  # REJECT archives
        ("explicit", "accept", "violated"),
    ],
)
def test_a_processing_error_follows_the_acknowledgement_mode(
    mode: str, on_error: str, verdict: str
) -> None:
    spec = _apps(
        _members(_spec("share-explicit-release-processing-error"), acknowledgement_mode=mode),
        on_error=on_error,
    )
    assert _verdicts(spec) == {"at-least-once": verdict, "at-most-once": "holds"}


def test_a_release_at_the_limit_archives() -> None:
    # one crash, then the processing error's RELEASE at delivery 2 of a limit of 2
    spec = _faults(
        _members(_spec("share-explicit-release-processing-error"), delivery_count_limit=2),
        consumer_crash=1,
    )
    result = check_spec(spec, ("at-least-once",), workers=1).results[0]
    assert result.verdict == "violated" and result.counterexample is not None
    faults = [s for s in result.counterexample.steps if s.fault]
    assert sorted(s.fault or "" for s in faults) == ["consumer_crash", "processing_error"]
    assert "ARCHIVED" in faults[-1].text and "AVAILABLE again" in faults[0].text


def test_acknowledging_before_processing_loses_the_record_to_a_crash() -> None:
    base = _faults(
        _spec("share-explicit-release-processing-error"), processing_error=0, consumer_crash=1
    )
    assert _verdicts(base)["at-least-once"] == "holds"  # after processing: redelivered
    before = _apps(base, ack="before_processing")
    result = check_spec(before, ("at-least-once",), workers=1).results[0]
    assert result.verdict == "violated" and result.counterexample is not None
    assert any(s.kind == "acknowledge" for s in result.counterexample.steps)
    assert "before it is processed" in " ".join(s.hazard for s in result.counterexample.steps)


def test_a_lost_lock_makes_a_zombie_whose_acknowledgement_is_refused() -> None:
    spec = _spec("share-lock-timeout-duplicate")
    result = check_spec(spec, ("at-most-once",), workers=1).results[0]
    assert result.verdict == "violated" and result.counterexample is not None
    steps = result.counterexample.steps
    actors = [s.actor for s in steps if s.kind in ("acquire", "process")]
    assert len(set(actors)) == 2, actors  # both members acquire and process the record
    assert [s.kind for s in steps if s.fault] == ["stall"]
    assert _verdicts(_apps(spec, idempotent=True))["at-most-once"] == "holds"


def test_latest_skips_what_was_produced_before_the_group_exists() -> None:
    late = _spec("share-latest-late-start")
    assert _verdicts(late)["at-least-once"] == "violated"
    result = check_spec(late, ("at-least-once",), workers=1).results[0]
    assert result.counterexample is not None
    # doomed once the high watermark passes m1 before the group exists; the play-out shows
    # the group created at the log end
    joins = [s for s in result.counterexample.consequence if s.kind == "join"]
    assert joins and "share.auto.offset.reset=latest" in joins[0].text and joins[0].hazard
    # created before production, latest starts at the empty log's end: nothing skipped
    assert _verdicts(_apps(late, joins="before_production"))["at-least-once"] == "holds"
    assert _verdicts(_members(late, auto_offset_reset="earliest"))["at-least-once"] == "holds"


def test_every_share_group_and_consumer_must_process_each_message() -> None:
    with_consumer = replace(
        _spec("share-explicit-reject-processing-error"),
        consumers=make_spec(version=(4, 3), rf=2, min_isr=1).consumers,
    )
    topic = next(iter(with_consumer.topics))
    consumers = {n: replace(c, topic=topic) for n, c in with_consumer.consumers.items()}
    spec = replace(with_consumer, consumers=consumers)
    assert _verdicts(spec)["at-least-once"] == "violated"  # the share group's loss counts
    fixed = _apps(spec, on_error="release")
    assert _verdicts(fixed)["at-least-once"] == "holds"


def test_ordering_is_unknown_for_share_groups_and_the_rest_is_checked() -> None:
    spec = _spec("share-lock-timeout-duplicate")
    result = check_spec(spec, ("at-most-once", "ordering"), workers=1)
    assert [r.guarantee for r in result.results] == ["at-most-once", "ordering"]
    assert result.results[0].verdict == "violated"
    assert result.results[1].verdict == "unknown"
    assert "share groups do not order deliveries" in result.results[1].reason
    alone = check_spec(spec, ("ordering",), workers=1)
    assert [r.verdict for r in alone.results] == ["unknown"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"topic_unclean": True}, "unclean.leader.election.enable=true"),
        ({"broker_power_loss": 1}, "a power loss of unflushed records"),
        ({"disk_failure": 1}, "disk_failure"),
        ({"retention_passes_consumer": 1}, "retention"),
    ],
)
def test_what_the_share_model_does_not_cover_is_unknown(
    change: dict[str, object], words: str
) -> None:
    spec = _spec("share-delivery-limit-5-two-crashes")
    topic = next(iter(spec.topics))
    if change.pop("topic_unclean", False):
        spec = replace(
            spec, topics={topic: replace(spec.topics[topic], unclean_leader_election_enable=True)}
        )
    if change:
        spec = _faults(spec, **change)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedSpec):
        build(spec)
    reason = _reason(spec)
    assert reason.startswith("not modelled: ") and words in reason, reason


def test_processing_error_without_share_consumers_is_not_modelled() -> None:
    spec = make_spec(version=(4, 3), rf=2, min_isr=1, faults={"processing_error": 1})
    assert "processing_error for consumers" in _reason(spec)


def test_a_share_member_is_named_in_the_narrative() -> None:
    result = check_spec(_spec("share-delivery-limit-2-two-crashes"), ("at-least-once",), workers=1)
    r = result.results[0]
    assert r.counterexample is not None
    texts = [s.text for s in r.counterexample.steps]
    crash = [t for t in texts if "crashes holding offset" in t]
    assert len(crash) == 2 and "ARCHIVED" in crash[-1] and "AVAILABLE again" in crash[0]
    assert all(
        isinstance(m, ShareConsumer)
        for m in _spec("share-delivery-limit-2-two-crashes").share_consumers.values()
    )


def test_markers_are_never_delivered_and_read_committed_waits_for_the_commit() -> None:
    spec = _spec("share-transactional-abort-read-committed")
    system = build(spec)
    acquires = [a for a in system.actions if a.kind == "acquire"]
    assert acquires and all("_buf" in "".join(a.updates) for a in acquires)
    records = {int(a.name.rstrip(")").rsplit(",", 1)[1]) for a in acquires}
    markers = set(range(len(system.value_labels)))
    markers = {c for c in markers if "marker" in system.value_labels[c]}
    assert markers and not records & markers  # a marker is acknowledged as GAP, not handed out
    assert all("read_committed" in a.text for a in acquires)
    uncommitted = _members(spec, isolation_level="read_uncommitted")
    assert _verdicts(spec)["at-most-once"] == "holds"
    assert _verdicts(uncommitted)["at-most-once"] == "violated"  # the aborted copy too


def test_a_member_that_leaves_releases_what_it_has_not_acknowledged() -> None:
    spec = _spec("share-member-leaves-redelivers")
    result = check_spec(spec, ("at-most-once",), workers=1).results[0]
    assert result.verdict == "violated" and result.counterexample is not None
    leave = [s for s in result.counterexample.steps if s.fault == "group_rebalance"]
    assert len(leave) == 1 and leave[0].kind == "rebalance"
    assert "close() releases the last poll's records" in leave[0].hazard  # implicit mode
    explicit = _members(spec, acknowledgement_mode="explicit")
    result = check_spec(explicit, ("at-most-once",), workers=1).results[0]
    assert result.counterexample is not None
    hazards = " ".join(s.hazard for s in result.counterexample.steps)
    assert "processed but not yet acknowledged when the member closed" in hazards
    # a leave counts as a failed delivery: with a limit of 2, a leave and a crash archive
    both = _faults(_members(spec, delivery_count_limit=2), consumer_crash=1)
    assert _verdicts(both, ("at-least-once",))["at-least-once"] == "violated"
    assert _verdicts(spec, ("at-least-once",))["at-least-once"] == "holds"
