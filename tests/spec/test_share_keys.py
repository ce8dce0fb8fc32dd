"""share_consumers: (KIP-932 share groups): the lines that accept them, Kafka's refusals of
their group and broker settings, and what a valid section loads as."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.spec.context import LoadContext
from mqcheck.spec.errors import Problems, format_errors
from mqcheck.spec.load import load_spec_text
from mqcheck.spec.resolve_share_consumers import resolve_share_consumers
from mqcheck.spec.schema import ShareConsumer
from mqcheck.spec.tree import parse_yaml
from mqcheck.spec.versions import parse_version_text

from .minimal import as_yaml, spec_data

NOT_MODELLED_YET = "not modelled yet"


def _loaded(version: str = "4.3", **member: Any) -> dict[str, ShareConsumer]:
    data = spec_data(kafka_version=version, consumers=None)
    data["share_consumers"] = {"workers-1": {"topic": "orders", "group.id": "workers", **member}}
    result = load_spec_text(as_yaml(data))
    assert result.spec is not None, format_errors(result.errors)
    return result.spec.share_consumers


def _errors(version: str = "4.3", broker: dict[str, Any] | None = None, **member: Any) -> str:
    data = spec_data(kafka_version=version, consumers=None)
    data["share_consumers"] = {"workers-1": {"topic": "orders", "group.id": "workers", **member}}
    if broker is not None:
        data["broker"] = broker
    result = load_spec_text(as_yaml(data))
    assert result.spec is None
    return format_errors(result.errors)


def _members(version: str, text: str) -> dict[str, ShareConsumer]:
    """The resolver's reading of a share_consumers: section (the loader refuses the spec
    afterwards, so the values are looked at here)."""
    parsed = parse_version_text(version)
    assert parsed is not None
    problems = Problems("<string>")
    root = parse_yaml(text, problems)
    assert root is not None
    ctx = LoadContext(problems, parsed)
    broker = root.get("broker")
    members = resolve_share_consumers(
        ctx,
        root.entries[0].value if root.entries[0].key == "share_consumers" else None,
        broker.value if broker is not None else None,
        ("orders",),
    )
    assert not problems, format_errors(problems.sorted())
    return members


@pytest.mark.parametrize("version", ["4.2", "4.3", "4.4"])
def test_a_valid_share_consumer_is_loaded_into_the_spec(version: str) -> None:
    members = _loaded(version)
    assert list(members) == ["workers-1"]
    assert members["workers-1"].group_id == "workers"


@pytest.mark.parametrize(
    ("version", "words"),
    [
        ("4.1", "a preview in Kafka 4.1"),
        ("4.0", "early access in Kafka 4.0"),
        ("3.9", "do not exist in Kafka 3.9"),
        ("2.8", "do not exist in Kafka 2.8"),
    ],
)
def test_a_line_before_4_2_is_refused_with_its_version(version: str, words: str) -> None:
    errors = _errors(version)
    assert words in errors and "from Kafka 4.2" in errors
    assert errors.startswith("<string>:") and NOT_MODELLED_YET not in errors


def test_the_cli_exits_2_with_file_line_and_column(tmp_path: Any) -> None:
    data = spec_data(kafka_version="4.1", consumers=None)
    data["share_consumers"] = {"workers-1": {"topic": "orders"}}
    path = tmp_path / "share.yaml"
    path.write_text(as_yaml(data))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    line = next(x for x in result.output.splitlines() if "share_consumers" in x)
    assert line.startswith(f"{path}:") and line.split(":")[1].isdigit(), line
    assert "a preview in Kafka 4.1" in line


def test_defaults_come_from_the_broker_and_shareconsumerconfig() -> None:
    text = "share_consumers:\n  w1: {topic: orders}\n"
    w1 = _members("4.3", text)["w1"]
    assert w1.acknowledgement_mode == "implicit"
    assert w1.record_lock_duration_ms == 30000  # group.share.record.lock.duration.ms
    assert w1.delivery_count_limit == 5  # group.share.delivery.count.limit
    assert w1.auto_offset_reset == "latest"  # GroupConfig.SHARE_AUTO_OFFSET_RESET_DEFAULT
    assert w1.isolation_level == "read_uncommitted"
    assert w1.group_id == "w1"
    # implicit mode: the application cannot RELEASE or REJECT, the next poll accepts
    assert (w1.app.ack, w1.app.on_error, w1.app.idempotent, w1.app.joins) == (
        "after_processing",
        "accept",
        False,
        "before_production",
    )
    broker = "broker:\n  group.share.delivery.count.limit: 2\n"
    assert _members("4.2", text + broker)["w1"].delivery_count_limit == 2


def test_the_group_settings_are_read_as_given() -> None:
    text = (
        "share_consumers:\n  w1:\n    topic: orders\n    share.acknowledgement.mode: explicit\n"
        "    share.delivery.count.limit: 3\n    share.record.lock.duration.ms: 15000\n"
        "    share.auto.offset.reset: earliest\n    share.isolation.level: read_committed\n"
        "    app: {on_error: reject, ack: before_processing, idempotent: true, joins: any_time}\n"
    )
    w1 = _members("4.3", text)["w1"]
    assert (w1.acknowledgement_mode, w1.delivery_count_limit) == ("explicit", 3)
    assert (w1.record_lock_duration_ms, w1.auto_offset_reset) == (15000, "earliest")
    assert w1.isolation_level == "read_committed"
    assert (w1.app.on_error, w1.app.ack, w1.app.idempotent) == ("reject", "before_processing", True)
    assert w1.app.joins == "any_time"


def test_a_delivery_limit_of_1_is_refused_as_kafka_does() -> None:
    # GroupConfig: share.delivery.count.limit atLeast(2)
    errors = _errors("4.3", **{"share.delivery.count.limit": 1})
    assert "Value must be at least 2" in errors and NOT_MODELLED_YET not in errors
    # ShareGroupConfig: group.share.delivery.count.limit between(2, 10)
    errors = _errors("4.2", broker={"group.share.delivery.count.limit": 1})
    assert "broker.group.share.delivery.count.limit" in errors and "no less than 2" in errors
    assert errors.count("\n") == 0, errors  # Kafka's range error alone


def test_the_group_delivery_limit_exists_from_4_3() -> None:
    errors = _errors("4.2", **{"share.delivery.count.limit": 3})
    assert "a share-group config from Kafka 4.3 (KIP-1240)" in errors
    assert "group.share.delivery.count.limit under broker:" in errors


def test_group_configs_stay_within_the_broker_min_and_max() -> None:
    errors = _errors("4.3", **{"share.delivery.count.limit": 11})
    assert "must be less than or equal to group.share.max.delivery.count.limit" in errors
    errors = _errors("4.3", **{"share.record.lock.duration.ms": 5000})
    assert "must be greater than or equal to group.share.min.record.lock.duration.ms" in errors
    widened = {"group.share.min.record.lock.duration.ms": 1000}
    data = spec_data(kafka_version="4.3", consumers=None)
    data["share_consumers"] = {"w1": {"topic": "orders", "share.record.lock.duration.ms": 5000}}
    data["broker"] = widened
    spec = load_spec_text(as_yaml(data)).spec
    assert spec is not None and spec.share_consumers["w1"].record_lock_duration_ms == 5000


def test_the_broker_setting_must_lie_within_its_own_min_and_max() -> None:
    errors = _errors("4.3", broker={"group.share.record.lock.duration.ms": 10000})
    assert (
        "group.share.record.lock.duration.ms must be greater than or equal to "
        "group.share.min.record.lock.duration.ms" in errors
    )


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("share.acknowledgement.mode", "explict", "did you mean 'explicit'"),
        ("share.isolation.level", "read_comitted", "did you mean 'read_committed'"),
        ("share.auto.offset.reset", "by_duration:PT1H", "not modelled: by_duration"),
        ("share.auto.offset.reset", "none", "expected one of latest, earliest"),
        ("app", {"on_error": "drop"}, "expected one of release, reject, accept"),
        ("app", {"ack": "auto"}, "expected one of after_processing, before_processing"),
        ("group.id", "", "group.id must not be empty"),
        ("auto.offset.reset", "latest", "unknown key"),
    ],
)
def test_bad_values_are_refused_with_their_position(key: str, value: Any, words: str) -> None:
    errors = _errors("4.3", **{key: value})
    assert words in errors and NOT_MODELLED_YET not in errors, errors
    assert errors.split(":")[1].isdigit(), errors


def test_members_of_one_share_group_share_its_settings() -> None:
    data = spec_data(kafka_version="4.3", consumers=None)
    data["share_consumers"] = {
        "w1": {"topic": "orders", "group.id": "g", "share.record.lock.duration.ms": 20000},
        "w2": {"topic": "orders", "group.id": "g"},
        "other": {"topic": "orders", "group.id": "h", "share.record.lock.duration.ms": 45000},
    }
    errors = format_errors(load_spec_text(as_yaml(data)).errors)
    assert "share group 'g' has one share.record.lock.duration.ms" in errors
    assert "w1 has 20000, w2 has 30000" in errors and "'h'" not in errors


def test_share_consumers_alone_satisfy_the_consumer_requirement() -> None:
    assert _loaded("4.3")


def test_implicit_mode_refuses_release_and_reject_as_the_share_consumer_does() -> None:
    # KafkaShareConsumer.acknowledge throws IllegalStateException in implicit mode
    for value in ("release", "reject"):
        errors = _errors("4.3", app={"on_error": value})
        assert "Implicit acknowledgement of delivery is being used" in errors, errors
        assert "share.acknowledgement.mode: explicit" in errors
    assert _loaded("4.3", app={"on_error": "accept"})["workers-1"].app.on_error == "accept"
    explicit = _loaded("4.3", **{"share.acknowledgement.mode": "explicit"})
    assert explicit["workers-1"].app.on_error == "release"  # the explicit mode's default


def _broker_limit_row(version: str, **member: Any) -> tuple[bool, tuple[str, ...]]:
    """(the broker's group.share.delivery.count.limit row is modelled, the not-modelled
    list) for a spec that sets that broker setting to 3."""
    data = spec_data(kafka_version=version, consumers=None)
    data["share_consumers"] = {"workers-1": {"topic": "orders", "group.id": "workers", **member}}
    data["broker"] = {"group.share.delivery.count.limit": 3}
    result = load_spec_text(as_yaml(data))
    assert result.spec is not None, format_errors(result.errors)
    (row,) = (
        s
        for s in result.spec.settings
        if s.scope == "broker" and s.name == "group.share.delivery.count.limit"
    )
    return row.modelled, tuple(result.spec.not_modelled)


def test_the_broker_delivery_limit_is_modelled_where_a_group_takes_it() -> None:
    # 4.2: the group has no limit of its own, the broker's is the one the model counts to
    assert _broker_limit_row("4.2") == (True, ())
    # 4.3, the group leaves it out: the broker's value is the group's (KIP-1240)
    assert _broker_limit_row("4.3") == (True, ())
    # 4.3, the group sets its own: the broker's value is not read
    modelled, rest = _broker_limit_row("4.3", **{"share.delivery.count.limit": 3})
    assert not modelled and "group.share.delivery.count.limit" in rest
