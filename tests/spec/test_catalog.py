"""Pinned defaults per Kafka version, each as written in Kafka's source at the release tag
or in the KIP that changed it. A change here must come with a source."""

from __future__ import annotations

import pytest

from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.kafka_property import Scope
from mqcheck.spec.schema import INT_MAX, LONG_MAX, KafkaVersion
from mqcheck.spec.versions import SUPPORTED_LINES, parse_version_text

_RANGE = "org.apache.kafka.clients.consumer.RangeAssignor"
_COOP = "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"


def _default(scope: Scope, name: str, version: str) -> object:
    prop = catalog.lookup(scope, name)
    assert prop is not None, name
    parsed = parse_version_text(version)
    assert parsed is not None
    default = prop.default_for(parsed.version)
    assert default is not None, (name, version)
    return default.value


@pytest.mark.parametrize(
    ("scope", "name", "version", "expected"),
    [
        ("producer", "acks", "2.8", 1),  # ProducerConfig 2.8.0: "1"
        ("producer", "acks", "3.0", -1),  # KIP-679: "all"
        ("producer", "enable.idempotence", "2.8", False),
        ("producer", "enable.idempotence", "3.0", True),  # KIP-679
        ("producer", "retries", "2.0", 0),
        ("producer", "retries", "2.1", INT_MAX),  # KIP-91
        ("producer", "delivery.timeout.ms", "2.1", 120000),  # KIP-91
        ("producer", "max.in.flight.requests.per.connection", "0.10", 5),
        ("producer", "max.request.size", "3.7", 1048576),
        ("producer", "linger.ms", "3.9", 0),
        ("producer", "linger.ms", "4.0", 5),  # KIP-1030
        ("broker", "unclean.leader.election.enable", "0.10", True),
        ("broker", "unclean.leader.election.enable", "0.11", False),  # KIP-106
        ("broker", "min.insync.replicas", "3.7", 1),
        ("broker", "offsets.retention.minutes", "1.1", 1440),
        ("broker", "offsets.retention.minutes", "2.0", 10080),  # KIP-186
        ("broker", "message.max.bytes", "2.4", 1000012),
        ("broker", "message.max.bytes", "2.5", 1048588),  # KAFKA-4203
        ("broker", "default.replication.factor", "3.7", 1),
        ("broker", "num.partitions", "3.7", 1),
        ("broker", "log.flush.interval.messages", "3.7", LONG_MAX),
        ("broker", "log.flush.interval.ms", "3.7", None),
        ("broker", "replica.lag.time.max.ms", "2.4", 10000),
        ("broker", "replica.lag.time.max.ms", "2.5", 30000),  # KIP-537
        ("broker", "eligible.leader.replicas.version", "4.0", 0),  # KIP-966, off in 4.0
        ("broker", "eligible.leader.replicas.version", "4.1", 1),  # on for new 4.1 clusters
        ("consumer", "enable.auto.commit", "3.7", True),
        ("consumer", "auto.commit.interval.ms", "3.7", 5000),
        ("consumer", "auto.offset.reset", "3.7", "latest"),
        ("consumer", "isolation.level", "0.11", "read_uncommitted"),
        ("consumer", "session.timeout.ms", "2.8", 10000),
        ("consumer", "session.timeout.ms", "3.0", 45000),  # KIP-735
        ("consumer", "request.timeout.ms", "1.1", 305000),
        ("consumer", "request.timeout.ms", "2.0", 30000),  # KIP-266
        ("consumer", "session.timeout.ms", "0.10", 10000),  # KIP-62 (0.10.1)
        ("consumer", "max.poll.interval.ms", "0.10", 300000),  # KIP-62
        ("consumer", "max.poll.interval.ms", "4.0", 300000),
        ("consumer", "partition.assignment.strategy", "2.8", _RANGE),
        ("consumer", "partition.assignment.strategy", "3.0", f"{_RANGE},{_COOP}"),  # KAFKA-13023
        ("consumer", "group.protocol", "3.7", "classic"),  # KIP-848
        ("consumer", "group.instance.id", "2.3", None),  # KIP-345
        ("streams", "processing.guarantee", "3.7", "at_least_once"),
    ],
)
def test_documented_defaults(scope: Scope, name: str, version: str, expected: object) -> None:
    assert _default(scope, name, version) == expected


def test_every_default_change_names_its_source() -> None:
    for prop in catalog.CATALOG.values():
        for default in prop.defaults[1:]:
            assert default.source, (
                f"{prop.scope}:{prop.name} changes in {default.since} without a source"
            )


def test_every_modelled_property_has_a_default_in_every_line_where_it_exists() -> None:
    for prop in catalog.MODELLED:
        for line in SUPPORTED_LINES:
            version = KafkaVersion(*line)
            if prop.exists_in(version) and prop.scope == "broker":
                assert prop.default_for(version) is not None, (prop.name, line)


def test_property_lifetimes() -> None:
    idempotence = catalog.lookup("producer", "enable.idempotence")
    zookeeper = catalog.lookup("broker", "zookeeper.connect")
    assert idempotence is not None and zookeeper is not None
    assert not idempotence.exists_in(KafkaVersion(0, 10))
    assert idempotence.exists_in(KafkaVersion(0, 11))
    assert zookeeper.exists_in(KafkaVersion(3, 9)) and not zookeeper.exists_in(KafkaVersion(4, 0))


def test_processing_guarantee_values_per_version() -> None:
    prop = catalog.lookup("streams", "processing.guarantee")
    assert prop is not None
    assert prop.allowed_in(KafkaVersion(2, 5)) == ("at_least_once", "exactly_once")
    assert "exactly_once_beta" in prop.allowed_in(KafkaVersion(2, 6))
    assert prop.allowed_in(KafkaVersion(3, 9)) == (
        "at_least_once",
        "exactly_once",
        "exactly_once_beta",
        "exactly_once_v2",
    )
    assert prop.allowed_in(KafkaVersion(4, 0)) == ("at_least_once", "exactly_once_v2")


def test_supported_lines_cover_0_10_to_4_4() -> None:
    assert SUPPORTED_LINES[0] == (0, 10) and SUPPORTED_LINES[-1] == (4, 4)
    assert len(SUPPORTED_LINES) == 2 + 2 + 9 + 10 + 5
    assert parse_version_text("3.10") is None and parse_version_text("2.8.1.1") is None


def test_prefix_families_and_scopes() -> None:
    ssl = catalog.lookup("producer", "ssl.truststore.location")
    assert ssl is not None and not ssl.modelled
    secret = catalog.lookup("consumer", "sasl.jaas.config")
    assert secret is not None and secret.type == "password"
    assert catalog.lookup("producer", "ssl.") is None
    assert set(catalog.scopes_of("min.insync.replicas")) == {"broker", "topic"}


def test_doc_urls_are_versioned() -> None:
    acks = catalog.lookup("producer", "acks")
    assert acks is not None
    assert acks.doc_url(KafkaVersion(3, 7)) == (
        "https://kafka.apache.org/37/documentation.html#producerconfigs_acks"
    )
    assert acks.doc_url(KafkaVersion(0, 10)).startswith("https://kafka.apache.org/0102/")


def test_group_properties_exist_from_their_kips() -> None:
    instance = catalog.lookup("consumer", "group.instance.id")
    protocol = catalog.lookup("consumer", "group.protocol")
    assert instance is not None and protocol is not None
    assert not instance.exists_in(KafkaVersion(2, 2)) and instance.exists_in(KafkaVersion(2, 3))
    assert not protocol.exists_in(KafkaVersion(3, 6)) and protocol.exists_in(KafkaVersion(3, 7))
