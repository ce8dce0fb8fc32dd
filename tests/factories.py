"""Typed specs built in code, for model and engine tests that vary one setting at a time."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mqcheck.spec.schema import (
    LONG_MAX,
    Check,
    Consumer,
    ConsumerApp,
    Faults,
    KafkaVersion,
    Producer,
    ProducerApp,
    Spec,
    Topic,
)


def make_spec(
    *,
    version: tuple[int, int] = (3, 7),
    rf: int = 3,
    min_isr: int = 2,
    unclean: bool = False,
    flush_messages: int = LONG_MAX,
    acks: int = -1,
    idempotence: bool = True,
    retries: int = 2147483647,
    max_in_flight: int = 5,
    on_send_error: str = "resend",
    waits_for_result: bool = True,
    message_bytes: int = 1000,
    commit: str = "after_processing",
    processing: str = "sync",
    auto_commit: bool | None = None,
    reset: str = "earliest",
    joins: str = "before_production",
    idempotent_app: bool = False,
    faults: dict[str, int] | None = None,
    guarantees: tuple[str, ...] = ("at-least-once", "at-most-once"),
    ordering: bool = False,
    messages: int = 2,
    producers: int = 1,
    consumers: int = 1,
    **extra: Any,
) -> Spec:
    topic = Topic(
        name="events",
        partitions=1,
        replication_factor=rf,
        min_insync_replicas=min_isr,
        unclean_leader_election_enable=unclean,
        flush_messages=flush_messages,
        flush_ms=None,
        max_message_bytes=extra.pop("max_message_bytes", 1048588),
        eligible_leader_replicas=extra.pop("elr", False),
        retention_ms=extra.pop("retention_ms", 604800000),
        retention_bytes=extra.pop("retention_bytes", -1),
        cleanup_delete=extra.pop("cleanup_delete", True),
    )
    prods = {
        f"app{i}" if producers > 1 else "app": Producer(
            name=f"app{i}" if producers > 1 else "app",
            topic="events",
            acks=acks,  # type: ignore[arg-type]
            enable_idempotence=idempotence,
            retries=retries,
            max_in_flight=max_in_flight,
            delivery_timeout_ms=120000,
            max_request_size=extra.pop("max_request_size", 1048576),
            transactional_id=None,
            app=ProducerApp(waits_for_result, on_send_error, message_bytes),  # type: ignore[arg-type]
        )
        for i in range(producers)
    }
    if auto_commit is None:
        auto_commit = commit == "auto"
    cons = {
        f"reader{i}" if consumers > 1 else "reader": Consumer(
            name=f"reader{i}" if consumers > 1 else "reader",
            topic="events",
            group_id=f"g{i}",
            enable_auto_commit=auto_commit,
            auto_commit_interval_ms=5000,
            auto_offset_reset=reset,  # type: ignore[arg-type]
            isolation_level="read_uncommitted",
            app=ConsumerApp(commit, processing, idempotent_app, joins),  # type: ignore[arg-type]
        )
        for i in range(consumers)
    }
    f = Faults(**(faults or {}))
    spec = Spec(
        path="<test>",
        format_version=1,
        name="test",
        description="",
        kafka_version=KafkaVersion(*version),
        brokers=rf,
        topics={"events": topic},
        producers=prods,
        processors={},
        consumers=cons,
        faults=f,
        check=Check(guarantees=guarantees, ordering=ordering, messages=messages),
    )
    if extra:
        spec = replace(spec, **extra)
    return spec
