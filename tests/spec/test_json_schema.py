"""The shipped JSON Schema: generated from the loader's tables, it accepts every spec the
project ships and rejects the invalid golden specs whose fault a schema can see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from mqcheck.spec.json_schema import schema_text, spec_schema
from tests.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "schema" / "mqcheck-spec.schema.json"
GOLDEN = Path(__file__).parent / "golden"
SPECS = sorted((ROOT / "specs").glob("*.yaml")) + EXAMPLES
#: Invalid for reasons beyond a schema: a topic reference, a duplicate key (YAML parsers keep
#: the last), a Kafka ConfigException across properties, a property newer than kafka_version.
BEYOND_A_SCHEMA = {
    "bad-reference",
    "duplicate-key",
    "kafka-refusal",
    "old-version-features",
    "share-groups-before-4-2",  # which line has share groups is the loader's question
}


def _validator() -> jsonschema.Draft7Validator:
    schema = spec_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _data(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def test_the_shipped_file_is_the_generated_schema() -> None:
    assert SHIPPED.read_text() == schema_text(), (
        "schema/mqcheck-spec.schema.json is stale: run `mqcheck schema -o schema/mqcheck-spec.schema.json`"
    )


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_every_shipped_spec_is_valid(path: Path) -> None:
    errors = [e.message for e in _validator().iter_errors(_data(path))]
    assert errors == []


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(GOLDEN.glob("*.yaml")) if p.stem not in BEYOND_A_SCHEMA | {"yaml-syntax"}],
    ids=lambda p: p.stem,
)
def test_invalid_golden_specs_are_rejected(path: Path) -> None:
    assert list(_validator().iter_errors(_data(path))), f"{path.name} passed the schema"


def test_the_schema_sees_what_the_loader_sees() -> None:
    """A misspelt property, a wrong enum value, a string where a count belongs."""
    base = _data(ROOT / "specs" / "acks1-leader-failover.yaml")
    validator = _validator()
    assert validator.is_valid(base)
    producer = next(iter(base["producers"].values()))
    for key, value in (("ackz", 1), ("acks", "al"), ("retries", "many")):
        broken = {**base, "producers": {"p": {**producer, key: value}}}
        assert not validator.is_valid(broken), (key, value)
    assert validator.is_valid({**base, "producers": {"p": {**producer, "retries": "5"}}})
    assert not validator.is_valid({**base, "faults": {"broker_crash": -1}})
    assert not validator.is_valid({**base, "kafka_version": "3.10"})


def test_padded_choice_values_are_valid_as_the_loader_reads_them() -> None:
    """The loader trims Kafka's choice values as ConfigDef does; the schema must not reject
    what `mqcheck check` accepts, and must still reject a wrong value with blanks."""
    base = _data(ROOT / "specs" / "acks1-leader-failover.yaml")
    validator = _validator()
    producer = next(iter(base["producers"].values()))
    assert validator.is_valid({**base, "producers": {"p": {**producer, "acks": "1 "}}})
    assert not validator.is_valid({**base, "producers": {"p": {**producer, "acks": " 2 "}}})


def test_schema_command_prints_the_shipped_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mqcheck.cli import main

    out = CliRunner().invoke(main, ["schema"])
    assert out.exit_code == 0 and out.stdout == SHIPPED.read_text()
    target = tmp_path / "s.json"
    assert CliRunner().invoke(main, ["schema", "-o", str(target)]).exit_code == 0
    assert target.read_text() == SHIPPED.read_text()
