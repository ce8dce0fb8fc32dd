"""Racks (mqcheck/model/racks.py): rack-aware placement as Kafka's placers do it, and
rack_power_loss, every broker of one rack losing power at the same instant."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mqcheck.model import racks
from mqcheck.model.compile import build
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec_text
from mqcheck.spec.schema import KafkaVersion, Spec
from tests.factories import make_spec

THREE = {"az-a": (1,), "az-b": (2,), "az-c": (3,)}
TWO = {"az-a": (1, 2), "az-b": (3,)}


def with_racks(spec: Spec, layout: dict[str, tuple[int, ...]]) -> Spec:
    brokers = sum(len(ids) for ids in layout.values())
    return replace(spec, racks=layout, brokers=brokers)


def verdict(spec: Spec) -> str:
    (r,) = check_spec(spec, ["at-least-once"]).results
    return r.verdict


def test_both_placers_put_each_replica_in_its_own_rack_when_they_can():
    """StripedReplicaPlacer deals round-robin over the racks; AdminUtils skips a rack that
    has a replica while another has none: RF 3 over 3 racks is one replica per rack."""
    for placer in (racks.striped, racks.admin_utils):
        assert all(len(set(p)) == 3 for p in placer(THREE, 3))
    big = {"a": (1, 2, 3), "b": (4, 5, 6), "c": (7, 8, 9)}
    for placer in (racks.striped, racks.admin_utils):
        assert all(len(set(p)) == 3 for p in placer(big, 3))


def test_two_racks_put_two_replicas_together():
    for placer in (racks.striped, racks.admin_utils):
        placements = placer(TWO, 3)
        assert placements and all(sorted(p).count("az-a") == 2 for p in placements)


def test_striped_deals_round_robin():
    """partition 1: A, B, C; the first rack's second broker comes after every other rack."""
    layout = {"a": (1, 2), "b": (3, 4)}
    assert racks.striped(layout, 3) == {("a", "b", "a"), ("b", "a", "b")}
    assert racks.striped(layout, 4) == {("a", "b", "a", "b"), ("b", "a", "b", "a")}


def test_version_selects_the_placer():
    """KRaft (StripedReplicaPlacer) from 2.8, only KRaft from 4.0; AdminUtils before 4.0."""
    v40, v27 = KafkaVersion(4, 0), KafkaVersion(2, 7)
    assert racks.placements(TWO, 3, v40) == racks.striped(TWO, 3)
    assert racks.placements(TWO, 3, v27) == racks.admin_utils(TWO, 3)


@pytest.mark.parametrize(
    "kw",
    [
        dict(rf=3, min_isr=2, follower_lag=1),
        dict(rf=3, min_isr=2, follower_lag=2),
        dict(rf=3, min_isr=1, follower_lag=2),
        dict(rf=3, min_isr=2, follower_lag=2, version=(4, 1), elr=True),
        dict(rf=3, min_isr=2, follower_lag=1, acks=1, idempotence=False),
    ],
)
def test_three_racks_behave_like_one_broker_power_loss(kw: dict[str, object]):
    lag = kw.pop("follower_lag")
    rack = with_racks(
        make_spec(messages=1, faults=dict(rack_power_loss=1, follower_lag=lag), **kw), THREE
    )
    single = make_spec(messages=1, faults=dict(broker_power_loss=1, follower_lag=lag), **kw)
    assert verdict(rack) == verdict(single)


def test_two_racks_lose_what_three_racks_keep():
    faults = dict(rack_power_loss=1, follower_lag=1)
    spec = make_spec(rf=3, min_isr=2, messages=1, faults=faults)
    assert verdict(with_racks(spec, THREE)) == "holds"
    assert verdict(with_racks(spec, TWO)) == "violated"
    assert build(with_racks(spec, TWO)).symmetries == ()
    assert build(with_racks(spec, THREE)).symmetries != ()


def test_flush_every_message_survives_the_rack_loss():
    faults = dict(rack_power_loss=1, follower_lag=1)
    spec = make_spec(rf=3, min_isr=2, messages=1, flush_messages=1, faults=faults)
    assert verdict(with_racks(spec, TWO)) == "holds"


def test_several_rack_losses_over_differing_placements_are_not_modelled():
    spec = make_spec(rf=3, min_isr=2, messages=1, version=(3, 7), faults=dict(rack_power_loss=2))
    (r,) = check_spec(with_racks(spec, TWO), ["at-least-once"]).results
    assert r.verdict == "unknown" and "placement" in r.reason


SPEC = """
mqcheck: 1
name: r
kafka_version: "3.7"
cluster: {brokers: 3, racks: RACKS}
topics: {t: {partitions: 1, replication.factor: 3}}
producers: {p: {topic: t}}
consumers: {c: {topic: t, group.id: g}}
faults: {rack_power_loss: 1}
"""


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("{a: [1], b: [2]}", "have no rack"),
        ("{a: [1, 2], b: [2, 3]}", "already in rack a"),
        ("{a: [1, 4], b: [2, 3]}", "4"),
        ("{a: {x: 1}}", "not a list"),
    ],
)
def test_bad_racks_are_refused(layout: str, message: str):
    loaded = load_spec_text(SPEC.replace("RACKS", layout))
    assert not loaded.ok
    assert any(message in str(e) for e in loaded.errors), [str(e) for e in loaded.errors]


def test_rack_power_loss_needs_racks():
    text = SPEC.replace("cluster: {brokers: 3, racks: RACKS}", "cluster: {brokers: 3}")
    loaded = load_spec_text(text)
    assert not loaded.ok and any("cluster.racks" in str(e) for e in loaded.errors)
    good = load_spec_text(SPEC.replace("RACKS", "{a: [1], b: [2], c: [3]}"))
    assert good.ok and good.spec is not None
    assert good.spec.racks == {"a": (1,), "b": (2,), "c": (3,)}
