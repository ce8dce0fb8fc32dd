"""Kafka 4.2 and later (releases.py): every release is recorded with its sources, the checked
lines behave as 4.1 where their notes change nothing, 4.4 is refused with its reason."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.errors import format_errors
from mqcheck.spec.load import load_spec_text
from mqcheck.spec.release_rows import added_rows, apply_release
from mqcheck.spec.releases import (
    RELEASES,
    AddedProperty,
    ChangedDefault,
    LowerBound,
    Note,
    Release,
    checked_lines,
    refusal,
)
from mqcheck.spec.schema import KafkaVersion, Spec
from mqcheck.spec.versions import SUPPORTED_LINES, parse_version_text, supported_lines_text
from tests.examples import EXAMPLES_DIR

from .minimal import as_yaml, spec_data

DURABLE = (EXAMPLES_DIR / "durable-baseline.yaml").read_text()


def _at(version: str, text: str = DURABLE) -> str:
    return text.replace('kafka_version: "3.7"', f'kafka_version: "{version}"')


def test_every_release_names_where_its_notes_were_read_and_what_each_note_does() -> None:
    assert [release.line for release in RELEASES] == sorted(release.line for release in RELEASES)
    for release in RELEASES:
        assert release.notes_read and release.notes
        for note in release.notes:
            assert note.change and note.source and note.model, (release.line, note)
        for added in release.added:
            assert added.source, added.name
        for bound in release.lower_bounds:
            assert bound.source, bound.name


def test_checked_releases_are_supported_lines() -> None:
    assert checked_lines() == ((4, 2), (4, 3), (4, 4))
    assert SUPPORTED_LINES[-4:] == ((4, 1), (4, 2), (4, 3), (4, 4))
    assert parse_version_text("4.2") is not None and parse_version_text("4.3.1") is not None
    assert parse_version_text("4.4") is not None and parse_version_text("4.4.0") is not None
    assert refusal((4, 4)) == "" and refusal((4, 3)) == "" and refusal((4, 9)) == ""


def _verdicts(runner: CliRunner, path: Path) -> dict[str, str]:
    result = runner.invoke(main, ["check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    return {item["guarantee"]: item["verdict"] for item in data["results"]}


def test_durable_baseline_gives_the_4_1_verdicts_on_4_2_to_4_4(tmp_path: Path) -> None:
    runner = CliRunner()
    verdicts = {}
    for version in ("4.1", "4.2", "4.3", "4.4"):
        path = tmp_path / f"durable-{version}.yaml"
        path.write_text(_at(version))
        verdicts[version] = _verdicts(runner, path)
    assert verdicts["4.1"] == {"at-least-once": "holds", "at-most-once": "violated"}
    assert verdicts["4.2"] == verdicts["4.1"] == verdicts["4.3"] == verdicts["4.4"]


def test_unknown_lines_still_list_the_supported_ones() -> None:
    for text in ("4.9", "3.10"):
        result = load_spec_text(_at(text))
        assert result.spec is None
        message = format_errors(result.errors)
        assert f"unknown Kafka version '{text}'" in message
        assert supported_lines_text() in message and supported_lines_text().endswith("4.4")


def test_the_import_option_takes_4_4(tmp_path: Path) -> None:
    props = tmp_path / "producer.properties"
    props.write_text("acks=all\n")
    out = tmp_path / "spec.yaml"
    result = CliRunner().invoke(
        main, ["import", "--producer", str(props), "--kafka-version", "4.4", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert 'kafka_version: "4.4"' in out.read_text()


def _load(version: str, **sections: object) -> tuple[Spec | None, str]:
    data = spec_data(kafka_version=version, **sections)
    result = load_spec_text(as_yaml(data))
    return result.spec, format_errors(result.errors)


def test_num_replica_fetchers_lower_bound_from_4_2() -> None:
    broker = {"num.replica.fetchers": 0}
    spec, errors = _load("4.1", broker=broker)
    assert spec is not None, errors
    spec, errors = _load("4.2", broker=broker)
    assert spec is None and "Value must be at least 1" in errors


def test_properties_added_by_4_2_and_4_3_exist_from_their_release() -> None:
    joined = catalog.lookup("broker", "controller.quorum.auto.join.enable")
    threads = catalog.lookup("broker", "group.coordinator.background.threads")
    assert joined is not None and threads is not None
    assert not joined.exists_in(KafkaVersion(4, 1)) and joined.exists_in(KafkaVersion(4, 2))
    assert not threads.exists_in(KafkaVersion(4, 2)) and threads.exists_in(KafkaVersion(4, 3))
    default = threads.default_for(KafkaVersion(4, 3))
    assert default is not None and (default.value, default.source) == (2, "KIP-1263")
    spec, errors = _load("4.1", broker={"controller.quorum.auto.join.enable": True})
    assert spec is None and "exists from Kafka 4.2 on (KIP-853)" in errors
    spec, errors = _load("4.2", broker={"controller.quorum.auto.join.enable": True})
    assert spec is not None, errors


def test_list_defaults_from_4_2_say_they_are_not_verified() -> None:
    strategy = catalog.lookup("consumer", "partition.assignment.strategy")
    assert strategy is not None
    before, after = (
        strategy.default_for(KafkaVersion(4, 1)),
        strategy.default_for(KafkaVersion(4, 2)),
    )
    assert before is not None and after is not None
    assert after.value == before.value and "not verified" in after.source
    assert "KIP-1161" in after.source and "KIP-1161" not in before.source


def test_modelled_defaults_of_4_2_and_4_3_are_those_of_4_1() -> None:
    """Same values; a list default (partition.assignment.strategy) carries the releases'
    'not verified' caveat as its source, which is the point of the caveat."""
    for prop in catalog.MODELLED:
        old = prop.default_for(KafkaVersion(4, 1))
        for line in checked_lines():
            new = prop.default_for(KafkaVersion(*line))
            assert new is not None and old is not None, (prop.name, line)
            assert new.value == old.value, (prop.name, line)
            if prop.type != "list":
                assert new == old, (prop.name, line)


def test_max_in_flight_above_5_is_refused_with_defaulted_idempotence_from_4_0() -> None:
    producers = {"checkout": {"topic": "orders", "max.in.flight.requests.per.connection": 6}}
    spec, errors = _load("3.9", producers=producers)
    assert spec is not None, errors  # 3.x: a defaulted idempotence is silently switched off
    assert spec.producers["checkout"].enable_idempotence is False
    for version in ("4.0", "4.1", "4.2"):  # KAFKA-17927 went into 4.0
        spec, errors = _load(version, producers=producers)
        assert spec is None, version
        assert "To use the idempotent producer" in errors and "Current value is 6." in errors
    explicit_off = {"checkout": {**producers["checkout"], "enable.idempotence": False}}
    spec, errors = _load("4.3", producers=explicit_off)
    assert spec is not None, errors
    # acks=1 switches a defaulted idempotence off, but Kafka checks max.in.flight anyway
    acks_1 = {"checkout": {**producers["checkout"], "acks": "1"}}
    spec, errors = _load("4.2", producers=acks_1)
    assert spec is None and "Current value is 6." in errors


def test_a_release_record_changes_defaults_bounds_and_adds_rows() -> None:
    """What a 4.5 record would do: the mechanism, on a made-up release."""
    future = Release(
        line=(4, 3),
        notes_read="test",
        notes=(Note("x", "test", "none"),),
        changed_defaults=(ChangedDefault("acks", "producer", "1", "KIP-test"),),
        added=(AddedProperty("made.up", "broker", "int", 7, "KIP-test"),),
        lower_bounds=(LowerBound("retries", "producer", 1, "KIP-test"),),
    )
    rows = apply_release(future, catalog.MODELLED)
    by_name = {(row.scope, row.name): row for row in rows}
    acks, retries = by_name["producer", "acks"], by_name["producer", "retries"]
    new_default = acks.default_for(KafkaVersion(4, 3))
    assert new_default is not None and (new_default.value, new_default.source) == ("1", "KIP-test")
    old_default = acks.default_for(KafkaVersion(4, 2))
    assert old_default is not None and old_default.value == -1
    assert (
        retries.minimum_in(KafkaVersion(4, 2)) == 0 and retries.minimum_in(KafkaVersion(4, 3)) == 1
    )
    (added,) = added_rows(future)
    assert added.since == (4, 3) and not added.exists_in(KafkaVersion(4, 2))
