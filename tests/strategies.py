"""Hypothesis strategies for small valid specs, shared by engine and trace tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from mqcheck.spec.schema import LONG_MAX, Spec
from tests.factories import make_spec

FAULTS = (
    "broker_crash",
    "broker_power_loss",
    "produce_request_lost",
    "produce_response_lost",
    "consumer_crash",
    "producer_crash",
    "offsets_expire",
    "delivery_timeout",
    "simultaneous_power_loss",
)


def draw_settings(draw: st.DrawFn, rf: int) -> dict[str, Any]:
    """Producer, topic and consumer settings Kafka accepts together (for `make_spec`)."""
    acks = draw(st.sampled_from([0, 1, -1]))
    commit = draw(st.sampled_from(["after_processing", "before_processing", "auto"]))
    return {
        "acks": acks,
        "idempotence": acks == -1 and draw(st.booleans()),
        "rf": rf,
        "min_isr": draw(st.integers(1, rf)),
        "unclean": draw(st.booleans()),
        "flush_messages": draw(st.sampled_from([1, LONG_MAX])),
        "max_in_flight": draw(st.sampled_from([1, 5])),
        "on_send_error": draw(st.sampled_from(["drop", "resend", "halt"])),
        "waits_for_result": draw(st.booleans()),
        "commit": commit,
        "processing": draw(st.sampled_from(["sync", "async"])) if commit == "auto" else "sync",
        "reset": draw(st.sampled_from(["earliest", "latest"])),
        "joins": draw(st.sampled_from(["before_production", "any_time"])),
        "idempotent_app": draw(st.booleans()),
        "guarantees": ("at-least-once", "at-most-once"),
    }


@st.composite
def small_specs(draw: st.DrawFn) -> Spec:
    """A spec Kafka accepts, small enough to explore in well under a second."""
    rf = draw(st.integers(1, 3))
    settings = draw_settings(draw, rf)
    chosen = draw(st.lists(st.sampled_from(FAULTS), max_size=2, unique=True))
    faults = {name: 1 for name in chosen}
    faults["follower_lag"] = draw(st.integers(0, min(1, rf - 1)))
    spec = make_spec(
        **settings,
        faults=faults,
        ordering=draw(st.booleans()),
        messages=1 if rf == 3 else draw(st.integers(1, 2)),
    )
    if settings["idempotence"] and draw(st.booleans()):
        producer = replace(spec.producers["app"], transactional_id="tx-1")
        spec = replace(spec, producers={"app": producer})
    isolation = draw(st.sampled_from(["read_uncommitted", "read_committed"]))
    consumer = replace(spec.consumers["reader"], isolation_level=isolation)
    return replace(spec, consumers={"reader": consumer})


@st.composite
def tiny_specs(draw: st.DrawFn) -> Spec:
    """Valid specs with one message, at most two replicas and at most two faults: small
    enough for the Z3 engine to decide most of them in seconds."""
    rf = draw(st.integers(1, 2))
    chosen = draw(st.lists(st.sampled_from(FAULTS), max_size=2, unique=True))
    faults = {name: 1 for name in chosen}
    if rf == 2 and len(chosen) < 2:
        faults["follower_lag"] = draw(st.integers(0, 1))
    return make_spec(**draw_settings(draw, rf), faults=faults, ordering=False, messages=1)
