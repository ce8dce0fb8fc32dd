"""Java .properties parsing (java.util.Properties.load rules) and `import` round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from mqcheck.spec.load import load_spec_text
from mqcheck.spec.properties_file import parse_properties
from mqcheck.spec.properties_import import import_spec, yaml_scalar


def _pairs(text: str) -> list[tuple[str, str]]:
    parsed = parse_properties(text)
    assert parsed.errors == ()
    return [(p.key, p.value) for p in parsed.properties]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=b", [("a", "b")]),
        ("a:b", [("a", "b")]),
        ("a b", [("a", "b")]),
        ("  a   =   b  ", [("a", "b  ")]),  # trailing whitespace is kept
        ("a\t:\tb", [("a", "b")]),
        ("a==b", [("a", "=b")]),
        ("a = b = c", [("a", "b = c")]),
        ("key", [("key", "")]),
        ("a=", [("a", "")]),
        ("# comment\n! also\n\n   \na=1", [("a", "1")]),
        ("a=one\\\n    two\\\n  three", [("a", "onetwothree")]),
        ("a=ends\\\\\nb=2", [("a", "ends\\"), ("b", "2")]),  # an even count does not continue
        ("# comment \\\nb=2", [("b", "2")]),  # a comment never continues
        ("a=x\\\n# not a comment", [("a", "x# not a comment")]),
        ("k\\ ey\\:x\\=y=v", [("k ey:x=y", "v")]),
        ("a=\\u0041\\u00e9", [("a", "A\u00e9")]),
        ("a=\\t\\n\\r\\f\\q", [("a", "\t\n\r\fq")]),
        ("a=1\r\nb=2\rc=3", [("a", "1"), ("b", "2"), ("c", "3")]),
        ("a=tail\\", [("a", "tail")]),
    ],
)
def test_java_properties_syntax(text: str, expected: list[tuple[str, str]]) -> None:
    assert _pairs(text) == expected


def test_malformed_unicode_escape_is_an_error() -> None:
    parsed = parse_properties("ok=1\nbad=\\u12x4\n")
    assert parsed.errors == ((2, "Malformed \\uxxxx encoding."),)
    assert [p.key for p in parsed.properties] == ["ok"]


def test_the_last_duplicate_wins() -> None:
    parsed = parse_properties("acks=1\nacks=all\n")
    assert parsed.effective()["acks"].value == "all"


@pytest.mark.parametrize(
    "value", ["plain", "3.7", "true", "", " x", "a: b", "#x", "- y", "null", "1e3", "é"]
)
def test_yaml_scalar_reads_back_as_the_same_string(value: str) -> None:
    import yaml

    assert yaml.safe_load(f"k: {yaml_scalar(value)}") == {"k": value}


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="latin-1")
    return str(path)


PRODUCER = """\
bootstrap.servers=kafka1:9092
client.id=checkout
acks=all
enable.idempotence=true
linger.ms=5
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required password="p";
group.id=misplaced
frobnicate=1
"""
BROKER = """\
broker.id=0
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
ssl.keystore.password=hunter2
"""
CONSUMER = """\
group.id=billing
enable.auto.commit=false
auto.offset.reset=earliest
"""


def test_import_round_trip(tmp_path: Path) -> None:
    result = import_spec(
        producer=_write(tmp_path, "p.properties", PRODUCER),
        broker=_write(tmp_path, "s.properties", BROKER),
        consumer=_write(tmp_path, "c.properties", CONSUMER),
        topics=["orders"],
        output=str(tmp_path / "orders.yaml"),
    )
    assert result.errors == () and result.file_errors == []
    loaded = load_spec_text(result.text)
    assert loaded.errors == ()
    spec = loaded.spec
    assert spec is not None and spec.name == "orders" and str(spec.kafka_version) == "3.7"
    producer = spec.producers["checkout"]
    assert (producer.topic, producer.acks, producer.enable_idempotence) == ("orders", -1, True)
    consumer = spec.consumers["billing"]
    assert (consumer.group_id, consumer.enable_auto_commit, consumer.auto_offset_reset) == (
        "billing",
        False,
        "earliest",
    )
    topic = spec.topics["orders"]
    assert (topic.replication_factor, topic.min_insync_replicas) == (3, 2)
    assert set(spec.not_modelled) == {"bootstrap.servers", "broker.id", "client.id", "linger.ms"}
    text = result.text
    assert "hunter2" not in text and 'password="p"' not in text
    assert "# not placed: ssl.keystore.password=<redacted> (a credential" in text
    assert "# not placed: group.id=misplaced (a consumer" in text
    assert "# not placed: frobnicate=1 (not a Kafka producer property" in text
    assert "linger.ms: 5  # not modelled" in text


def test_import_without_files_gives_a_loadable_spec_of_defaults(tmp_path: Path) -> None:
    result = import_spec(
        producer=None,
        broker=None,
        consumer=None,
        topics=[],
        output="x/pipeline.yaml",
        kafka_version="2.8",
    )
    spec = load_spec_text(result.text).spec
    assert spec is not None and spec.name == "pipeline"
    assert spec.producers["producer"].acks == 1  # Kafka 2.8's default
    assert list(spec.topics) == ["events"]


def test_import_of_a_refused_configuration_reports_kafkas_reason(tmp_path: Path) -> None:
    result = import_spec(
        producer=_write(tmp_path, "p.properties", "enable.idempotence=true\nacks=1\n"),
        broker=None,
        consumer=None,
        topics=["t"],
        output="t.yaml",
    )
    assert len(result.errors) == 1 and "Must set acks to all" in result.errors[0].message


def test_import_with_several_topics_gives_clients_per_topic(tmp_path: Path) -> None:
    result = import_spec(
        producer=None, broker=None, consumer=None, topics=["a", "b"], output="two.yaml"
    )
    spec = load_spec_text(result.text).spec
    assert spec is not None
    assert sorted(spec.producers) == ["producer-a", "producer-b"]
    assert spec.consumers["consumer-b"].topic == "b"


def test_import_reports_unreadable_properties(tmp_path: Path) -> None:
    result = import_spec(
        producer=_write(tmp_path, "p.properties", "a=\\uZZZZ\n"),
        broker=None,
        consumer=None,
        topics=["t"],
        output="t.yaml",
    )
    assert result.text == "" and "Malformed" in result.file_errors[0]
