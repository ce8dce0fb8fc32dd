"""Kafka's refusals per version, quoted; and the configurations Kafka accepts but that fail."""

from __future__ import annotations

import pytest

from mqcheck.spec.load import load_spec_data
from mqcheck.spec.schema import INT_MAX
from mqcheck.spec.validate import (
    MSG_ACKS,
    MSG_DELIVERY,
    MSG_IN_FLIGHT_1,
    MSG_IN_FLIGHT_5,
    MSG_RETRIES,
    MSG_TRANSACTIONAL,
    ProducerGiven,
    producer_config,
)
from mqcheck.spec.versions import parse_version_text

from .minimal import consumer, producer, spec_data


def _config(version: str, **given: object) -> tuple[object, ...]:
    parsed = parse_version_text(version)
    assert parsed is not None
    outcome = producer_config(parsed, ProducerGiven(**given))  # type: ignore[arg-type]
    return (
        outcome.acks,
        outcome.enable_idempotence,
        outcome.retries,
        outcome.max_in_flight,
        tuple(message for _, message in outcome.refusals),
    )


@pytest.mark.parametrize("version", ["0.11", "1.0", "2.8", "3.2", "3.7", "4.1"])
def test_explicit_idempotence_with_acks_1_is_refused(version: str) -> None:
    assert _config(version, enable_idempotence=True, acks=1)[-1] == (MSG_ACKS,)


@pytest.mark.parametrize("version", ["0.11", "2.0", "3.7"])
def test_explicit_idempotence_with_retries_0_is_refused(version: str) -> None:
    assert MSG_RETRIES in _config(version, enable_idempotence=True, retries=0)[-1]


def test_in_flight_limit_is_1_on_0_11_and_5_from_1_0() -> None:
    assert _config("0.11", enable_idempotence=True, max_in_flight=2)[-1] == (MSG_IN_FLIGHT_1,)
    assert _config("0.11", enable_idempotence=True)[3] == 1  # overridden to 1
    assert _config("1.0", enable_idempotence=True, max_in_flight=5)[-1] == ()
    assert _config("1.0", enable_idempotence=True, max_in_flight=6)[-1] == (MSG_IN_FLIGHT_5,)


def test_idempotence_before_3_0_overrides_unset_acks_and_retries() -> None:
    assert _config("2.0", enable_idempotence=True)[:3] == (-1, True, INT_MAX)
    assert _config("2.0")[:3] == (1, False, 0)


@pytest.mark.parametrize("version", ["3.2", "3.7", "4.0"])
def test_default_idempotence_is_silently_disabled_by_a_conflict(version: str) -> None:
    assert _config(version, acks=1)[:2] + _config(version, acks=1)[-1:] == (1, False, ())
    assert _config(version, retries=0)[1] is False
    if version < "4":
        assert _config(version, max_in_flight=10)[1] is False
    else:  # KAFKA-17927 (4.0): max.in.flight > 5 is refused, not a silent switch-off
        assert _config(version, max_in_flight=10)[-1] != ()


def test_transactional_id_needs_idempotence() -> None:
    assert _config("3.7", transactional_id="t", enable_idempotence=False)[-1] == (
        MSG_TRANSACTIONAL,
    )
    assert _config("2.8", transactional_id="t", enable_idempotence=False)[-1] == (
        MSG_TRANSACTIONAL,
    )
    # 3.2+: the default idempotence is disabled by acks=1, then the transactional.id is refused
    assert _config("3.7", transactional_id="t", acks=1)[-1] == (MSG_TRANSACTIONAL,)
    # before 3.0 a transactional.id turns idempotence on, and acks=1 conflicts with it
    assert _config("2.8", transactional_id="t", acks=1)[-1] == (MSG_ACKS,)
    assert _config("2.8", transactional_id="t")[:2] == (-1, True)


def test_kafka_13598_default_idempotence_not_applied_in_3_0_0_and_3_1_0() -> None:
    assert _config("3.0.0")[:2] == (-1, False)
    assert _config("3.1.0")[:2] == (-1, False)
    assert _config("3.0.1")[:2] == (-1, True)
    assert _config("3.0")[:2] == (-1, True)  # a line means its newest patch release
    assert _config("3.0.0", acks=1)[-1] == ()  # nothing to conflict with


def test_delivery_timeout_below_linger_plus_request_timeout_is_refused_from_2_1() -> None:
    parsed = parse_version_text("3.7")
    assert parsed is not None
    refused = producer_config(
        parsed, ProducerGiven(delivery_timeout_ms=1000, request_timeout_ms=30000)
    )
    assert refused.refusals == [("delivery.timeout.ms", MSG_DELIVERY)]
    raised = producer_config(parsed, ProducerGiven(linger_ms=100000, request_timeout_ms=30000))
    assert raised.delivery_timeout_ms == 130000 and "delivery.timeout.ms" in raised.derived


def test_refusals_in_a_spec_quote_kafka_and_point_at_the_key() -> None:
    data = spec_data(producers=producer(acks=1, **{"enable.idempotence": True}))
    result = load_spec_data(data)
    assert result.spec is None
    (error,) = result.errors
    assert error.key_path == "producers.checkout.acks"
    assert MSG_ACKS in error.message


def test_delivery_timeout_refusal_uses_not_modelled_linger_and_request_timeout() -> None:
    data = spec_data(
        producers=producer(
            **{"delivery.timeout.ms": 30000, "linger.ms": 10, "request.timeout.ms": 30000}
        )
    )
    errors = load_spec_data(data).errors
    assert [e.key_path for e in errors] == ["producers.checkout.delivery.timeout.ms"]


def test_transactions_and_isolation_do_not_exist_on_0_10() -> None:
    data = spec_data(
        kafka_version="0.10",
        producers=producer(**{"transactional.id": "t"}),
        consumers=consumer(**{"isolation.level": "read_committed"}),
    )
    messages = [e.message for e in load_spec_data(data).errors]
    assert len(messages) == 2
    assert all("exists from Kafka 0.11 on (KIP-98)" in m for m in messages)


def test_replication_factor_above_brokers_cannot_be_created() -> None:
    data = spec_data(cluster={"brokers": 2})
    (error,) = load_spec_data(data).errors
    assert "Replication factor: 3 larger than available brokers: 2." in error.message
    (error,) = load_spec_data(spec_data(cluster={"brokers": 2}, kafka_version="4.0")).errors
    assert "cannot be reached because only 2 broker(s) are registered" in error.message


def test_partitions_and_min_insync_replicas_below_1_are_refused() -> None:
    data = spec_data(topics={"orders": {"partitions": 0, "min.insync.replicas": 0}})
    messages = sorted(e.message for e in load_spec_data(data).errors)
    assert messages == [
        'Kafka refuses this topic: "Number of partitions must be larger than 0."',
        'Kafka refuses this value: "Invalid value 0 for configuration min.insync.replicas: '
        'Value must be at least 1"',
    ]


def test_min_insync_above_replication_factor_is_accepted() -> None:
    data = spec_data(topics={"orders": {"replication.factor": 2, "min.insync.replicas": 3}})
    assert load_spec_data(data).errors == ()


@pytest.mark.parametrize(
    ("version", "value", "fragment"),
    [
        ("2.8", "exactly_once_v2", "exists from Kafka 3.0 on (KIP-732)"),
        ("2.5", "exactly_once_beta", "exists from Kafka 2.6 on (KIP-447"),
        ("4.0", "exactly_once", "removed in Kafka 4.0"),
        ("4.0", "exactly_once_beta", "removed in Kafka 4.0"),
    ],
)
def test_processing_guarantee_values_follow_the_version(
    version: str, value: str, fragment: str
) -> None:
    data = spec_data(
        kafka_version=version,
        topics={"orders": {}, "out": {}},
        processors={"p": {"from": "orders", "to": "out", "processing.guarantee": value}},
    )
    (error,) = load_spec_data(data).errors
    assert fragment in error.message


def test_exactly_once_beta_is_stored_as_v2() -> None:
    data = spec_data(
        kafka_version="2.8",
        topics={"orders": {}, "out": {}},
        processors={
            "p": {"from": "orders", "to": "out", "processing.guarantee": "exactly_once_beta"}
        },
    )
    spec = load_spec_data(data).spec
    assert spec is not None and spec.processors["p"].processing_guarantee == "exactly_once_v2"


def test_consumer_request_timeout_must_exceed_session_timeout_before_2_0() -> None:
    props = {"request.timeout.ms": 10000, "session.timeout.ms": 10000}
    data = spec_data(kafka_version="1.1", consumers=consumer(**props))
    (error,) = load_spec_data(data).errors
    assert "request.timeout.ms should be greater than session.timeout.ms" in error.message
    assert load_spec_data(spec_data(kafka_version="2.0", consumers=consumer(**props))).errors == ()


def test_illegal_topic_names_are_refused() -> None:
    data = spec_data(topics={"bad topic": {}})
    data["producers"]["checkout"]["topic"] = "bad topic"
    data["consumers"]["billing"]["topic"] = "bad topic"
    (error,) = load_spec_data(data).errors
    assert "is illegal, it contains a character other than ASCII alphanumerics" in error.message
