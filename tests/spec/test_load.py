"""The loader: every shared example loads; values resolve spec → topic → broker → default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mqcheck.spec.errors import format_errors
from mqcheck.spec.load import load_spec, load_spec_data, load_spec_text
from mqcheck.spec.schema import INT_MAX, LONG_MAX, KafkaVersion
from tests.examples import EXAMPLES

from .minimal import BASE, as_yaml, consumer, producer, spec_data


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_shared_examples_load_without_errors(path: Path) -> None:
    result = load_spec(path)
    assert result.errors == ()
    assert result.spec is not None and result.spec.name == path.stem


def test_there_are_eight_shared_examples() -> None:
    assert len(EXAMPLES) == 8


def test_durable_baseline_values() -> None:
    spec = load_spec(EXAMPLES[[p.name for p in EXAMPLES].index("durable-baseline.yaml")]).spec
    assert spec is not None
    topic = spec.topics["orders"]
    assert (topic.replication_factor, topic.min_insync_replicas) == (3, 2)
    assert topic.flush_messages == LONG_MAX and topic.flush_ms is None
    assert topic.max_message_bytes == 1048588
    producer_ = spec.producers["checkout"]
    assert (producer_.acks, producer_.enable_idempotence, producer_.retries) == (-1, True, INT_MAX)
    assert producer_.app.on_send_error == "resend"
    consumer_ = spec.consumers["billing"]
    assert consumer_.isolation_level == "read_committed"
    assert consumer_.app.commit == "after_processing"
    assert spec.faults.broker_crash == 1 and spec.faults.follower_lag == 2
    assert spec.check.guarantees == ("at-least-once", "at-most-once")
    assert spec.expect == {"at-least-once": "holds", "at-most-once": "violated"}
    assert spec.positions["producers.checkout.acks"] == (16, 5)


def test_yaml_text_and_data_give_the_same_spec() -> None:
    from_text = load_spec_text(as_yaml(BASE)).spec
    from_data = load_spec_data(BASE).spec
    assert from_text is not None and from_data is not None
    assert from_text.topics == from_data.topics
    assert from_text.producers == from_data.producers
    assert from_data.positions == {}


def test_topic_override_beats_broker_setting_beats_version_default() -> None:
    data = spec_data(
        broker={"min.insync.replicas": 2, "unclean.leader.election.enable": True},
        topics={"a": {"min.insync.replicas": 3, "replication.factor": 3}, "b": {}},
    )
    data["producers"]["checkout"]["topic"] = "a"
    data["consumers"]["billing"]["topic"] = "b"
    spec = load_spec_data(data).spec
    assert spec is not None
    assert spec.topics["a"].min_insync_replicas == 3
    assert spec.topics["b"].min_insync_replicas == 2
    assert spec.topics["b"].unclean_leader_election_enable is True
    assert spec.topics["b"].replication_factor == 1  # default.replication.factor
    origins = {(s.scope, s.name): s.origin for s in spec.settings}
    assert origins[("topic:a", "min.insync.replicas")].source == "topic override"
    assert origins[("topic:b", "min.insync.replicas")].source == "broker setting"
    assert origins[("topic:b", "replication.factor")].source == "version default"


def test_topic_max_message_bytes_overrides_broker_message_max_bytes() -> None:
    data = spec_data(broker={"message.max.bytes": 2000000})
    data["topics"]["small"] = {"max.message.bytes": 500}
    spec = load_spec_data(data).spec
    assert spec is not None
    assert spec.topics["orders"].max_message_bytes == 2000000
    assert spec.topics["small"].max_message_bytes == 500


@pytest.mark.parametrize(
    ("version", "acks", "idempotence", "retries", "unclean"),
    [
        ("0.10", 1, False, 0, True),
        ("0.11", 1, False, 0, False),
        ("2.0", 1, False, 0, False),
        ("2.1", 1, False, INT_MAX, False),
        ("2.8", 1, False, INT_MAX, False),
        ("3.0", -1, True, INT_MAX, False),
        ("3.7", -1, True, INT_MAX, False),
        ("4.1", -1, True, INT_MAX, False),
    ],
)
def test_version_defaults_reach_the_spec(
    version: str, acks: int, idempotence: bool, retries: int, unclean: bool
) -> None:
    spec = load_spec_data(spec_data(kafka_version=version)).spec
    assert spec is not None
    p = spec.producers["checkout"]
    assert (p.acks, p.enable_idempotence, p.retries) == (acks, idempotence, retries)
    assert spec.topics["orders"].unclean_leader_election_enable is unclean


def test_offsets_retention_default_changed_in_2_0() -> None:
    old = load_spec_data(spec_data(kafka_version="1.1")).spec
    new = load_spec_data(spec_data(kafka_version="2.0")).spec
    assert old is not None and new is not None
    assert (old.offsets_retention_minutes, new.offsets_retention_minutes) == (1440, 10080)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"3.7"', (3, 7)),
        ("3.7", (3, 7)),
        ('"0.10"', (0, 10)),
        ('"0.10.2.1"', (0, 10)),
        ('"2.8.1"', (2, 8)),
        ("4.0", (4, 0)),
        ("3.1", (3, 1)),
    ],
)
def test_kafka_version_forms(text: str, expected: tuple[int, int]) -> None:
    source = as_yaml(spec_data()).replace("kafka_version: '3.7'", f"kafka_version: {text}")
    spec = load_spec_text(source).spec
    assert spec is not None
    assert spec.kafka_version == KafkaVersion(*expected)


def test_unquoted_3_10_is_read_as_written_not_as_the_float_3_1() -> None:
    source = as_yaml(spec_data()).replace("kafka_version: '3.7'", "kafka_version: 3.10")
    result = load_spec_text(source)
    assert result.spec is None
    assert "unknown Kafka version '3.10'" in result.errors[0].message


def test_float_version_from_data_that_lost_a_zero_asks_for_a_string() -> None:
    result = load_spec_data(spec_data(kafka_version=0.1))
    assert result.spec is None
    assert "write it as a string" in result.errors[0].hint


def test_follower_lag_true_is_widest_replication_factor_minus_one() -> None:
    spec = load_spec_data(spec_data(faults={"follower_lag": True})).spec
    assert spec is not None and spec.faults.follower_lag == 2
    spec = load_spec_data(spec_data(faults={"follower_lag": False})).spec
    assert spec is not None and spec.faults.follower_lag == 0
    spec = load_spec_data(spec_data()).spec  # missing: true
    assert spec is not None and spec.faults.follower_lag == 2 and spec.faults.broker_crash == 0


def test_ordering_in_the_guarantee_list_sets_check_ordering() -> None:
    spec = load_spec_data(spec_data(check={"guarantees": ["at-least-once", "ordering"]})).spec
    assert spec is not None
    assert spec.check.guarantees == ("at-least-once",) and spec.check.ordering is True
    assert spec.checked_guarantees() == ("at-least-once", "ordering")


def test_messages_above_the_engine_bound_is_an_error() -> None:
    result = load_spec_data(spec_data(check={"messages": 7}))
    assert result.spec is None
    assert "explicit engine's bound of 6" in result.errors[0].message


def test_auto_commit_makes_after_processing_effectively_auto() -> None:
    data = spec_data(
        consumers=consumer(**{"enable.auto.commit": True, "app": {"commit": "after_processing"}})
    )
    spec = load_spec_data(data).spec
    assert spec is not None
    assert spec.consumers["billing"].app.commit == "auto"
    origin = next(s.origin for s in spec.settings if s.name == "app.commit")
    assert origin.source == "derived" and "every poll" in origin.note


def test_commit_auto_without_auto_commit_is_an_error() -> None:
    data = spec_data(consumers=consumer(**{"enable.auto.commit": False, "app": {"commit": "auto"}}))
    result = load_spec_data(data)
    assert [e.message for e in result.errors] == ["commit: auto needs enable.auto.commit: true"]


def test_commit_default_follows_enable_auto_commit() -> None:
    spec = load_spec_data(spec_data()).spec  # enable.auto.commit defaults to true
    assert spec is not None and spec.consumers["billing"].app.commit == "auto"
    data = spec_data(consumers=consumer(**{"enable.auto.commit": "false"}))
    spec = load_spec_data(data).spec
    assert spec is not None and spec.consumers["billing"].app.commit == "after_processing"


def test_kafka_strings_are_accepted_for_numbers_booleans_and_acks() -> None:
    data = spec_data(producers=producer(acks="1", retries="3", **{"enable.idempotence": "false"}))
    spec = load_spec_data(data).spec
    assert spec is not None
    p = spec.producers["checkout"]
    assert (p.acks, p.retries, p.enable_idempotence) == (1, 3, False)


def test_not_modelled_properties_are_accepted_and_listed() -> None:
    data = spec_data(
        producers=producer(**{"linger.ms": 5, "compression.type": "lz4"}),
        broker={"num.io.threads": 8, "log.segment.bytes": 1048576},
    )
    spec = load_spec_data(data).spec
    assert spec is not None
    assert spec.not_modelled == (
        "compression.type",
        "linger.ms",
        "log.segment.bytes",
        "num.io.threads",
    )


def test_not_modelled_properties_are_type_checked() -> None:
    result = load_spec_data(spec_data(producers=producer(**{"linger.ms": "soon"})))
    assert result.spec is None and result.errors[0].key_path == "producers.checkout.linger.ms"


def test_a_consumer_may_read_what_a_processor_writes() -> None:
    data = spec_data(
        topics={"orders": {}, "enriched": {}},
        processors={
            "enricher": {
                "from": "orders",
                "to": "enriched",
                "processing.guarantee": "exactly_once_v2",
            }
        },
        consumers={"billing": {"topic": "enriched"}},
    )
    spec = load_spec_data(data).spec
    assert spec is not None
    assert spec.processors["enricher"].processing_guarantee == "exactly_once_v2"
    assert spec.consumers["billing"].group_id == "billing"  # named after the consumer


def test_processors_count_as_the_required_reader() -> None:
    data = spec_data(
        topics={"orders": {}, "out": {}},
        processors={"p": {"from": "orders", "to": "out"}},
        consumers=None,
    )
    assert load_spec_data(data).errors == ()


def test_eligible_leader_replicas_follow_the_version() -> None:
    spec = load_spec_data(spec_data(kafka_version="4.0")).spec
    assert spec is not None and spec.topics["orders"].eligible_leader_replicas is False
    spec = load_spec_data(spec_data(kafka_version="4.1")).spec
    assert spec is not None and spec.topics["orders"].eligible_leader_replicas is True
    data = spec_data(kafka_version="4.0", broker={"eligible.leader.replicas.version": 1})
    spec = load_spec_data(data).spec
    assert spec is not None and spec.topics["orders"].eligible_leader_replicas is True


def test_eligible_leader_replicas_before_4_0_is_an_error() -> None:
    data = spec_data(kafka_version="3.9", broker={"eligible.leader.replicas.version": 1})
    result = load_spec_data(data)
    assert result.spec is None
    assert "exists from Kafka 4.0 on (KIP-966)" in result.errors[0].message


def test_brokers_default_to_the_widest_replication_factor() -> None:
    spec = load_spec_data(spec_data(cluster=None)).spec
    assert spec is not None and spec.brokers == 3


def test_load_spec_reports_missing_files_and_bad_bytes(tmp_path: Path) -> None:
    assert load_spec(tmp_path / "none.yaml").errors[0].message == "no such file"
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"mqcheck: 1\nname: \xff\n")
    error = load_spec(bad).errors[0]
    assert (error.line, error.column) == (2, 7) and "not UTF-8" in error.message


def test_all_problems_are_reported_at_once_in_position_order() -> None:
    source = as_yaml(
        spec_data(producers=producer(ackz="all", retries="many"), check={"engine": "z4"})
    )
    errors = load_spec_text(source).errors
    assert len(errors) == 3
    assert [e.line for e in errors] == sorted(e.line or 0 for e in errors)


def test_the_loaders_data_is_what_yaml_safe_load_reads_for_every_shipped_spec() -> None:
    """`LoadResult.data()` (what sweep, explain, repair and check --symbolic build variants
    from) is the document exactly as PyYAML reads it, key order included, so taking it
    from the loader's tree changes no answer."""
    root = Path(__file__).resolve().parents[2] / "specs"
    for path in sorted(root.glob("*.yaml")):
        loaded = load_spec(path)
        assert loaded.spec is not None, path
        want = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        assert json.dumps(loaded.data()) == json.dumps(want), path
        assert loaded.text == path.read_text(encoding="utf-8-sig")


def test_the_loaders_data_ignores_a_tag_on_a_mapping_and_keeps_aliases_shared() -> None:
    text = "a: &x {b: 1}\nc: *x\nd: !foo {e: [1, two]}\n"
    loaded = load_spec_text(text)
    data = loaded.data()
    assert data == {"a": {"b": 1}, "c": {"b": 1}, "d": {"e": [1, "two"]}}
    assert data["a"] is data["c"]


def test_kafka_choice_values_are_trimmed_as_configdef_trims() -> None:
    """ConfigDef.parseType trims a string before its validator runs, so Kafka reads
    `acks="1 "` as acks=1 and `auto.offset.reset=" earliest"` as earliest; refusing them
    would reject a configuration Kafka accepts."""
    data = spec_data(
        producers=producer(acks="1 "),
        consumers=consumer(
            **{"auto.offset.reset": " earliest", "isolation.level": "read_committed\t"}
        ),
    )
    spec = load_spec_text(as_yaml(data)).spec
    assert spec is not None
    assert spec.producers["checkout"].acks == 1
    assert spec.consumers["billing"].auto_offset_reset == "earliest"
    assert spec.consumers["billing"].isolation_level == "read_committed"


def test_trimming_does_not_accept_a_wrong_value_or_loosen_app_keys() -> None:
    """Only surrounding blanks go: a misspelt value is still refused, and mqcheck's own
    `app:` keys (not Kafka configs) are taken as written."""
    refused = load_spec_text(as_yaml(spec_data(producers=producer(acks=" al ")))).errors
    assert [e.key_path for e in refused] == ["producers.checkout.acks"]
    app = load_spec_text(as_yaml(spec_data(producers=producer(app={"on_send_error": "drop "}))))
    assert [e.key_path for e in app.errors] == ["producers.checkout.app.on_send_error"]


def _processor_data(**extra: object) -> dict[str, object]:
    return spec_data(
        topics={"orders": {}, "out": {}},
        processors={"p": {"from": "orders", "to": "out", **extra}},
        consumers=None,
    )


def test_processor_instances_default_to_one_and_are_read() -> None:
    spec = load_spec_data(_processor_data()).spec
    assert spec is not None and spec.processors["p"].instances == 1
    spec = load_spec_data(_processor_data(instances=3)).spec
    assert spec is not None and spec.processors["p"].instances == 3


@pytest.mark.parametrize(("value", "message"), [(0, "at least 1"), ("two", "not an integer")])
def test_processor_instances_below_one_or_not_a_number_are_errors(
    value: object, message: str
) -> None:
    errors = load_spec_data(_processor_data(instances=value)).errors
    assert "processors.p.instances" in [e.key_path for e in errors]
    assert message in format_errors(errors)
