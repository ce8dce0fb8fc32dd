"""`producers.<name>.app.keys` as the loader reads it (contract §1.1): a non-empty list of
distinct, non-empty strings; every other value is an error with its position, key path and
what was expected. Also the properties that decide a keyed record's partition."""

from __future__ import annotations

from typing import Any

import pytest

from mqcheck.spec.errors import format_errors
from mqcheck.spec.load import load_spec_text
from mqcheck.spec.schema import Spec

from .minimal import as_yaml, producer, spec_data

EXPECTED = "expected a non-empty list of distinct, non-empty strings, such as [k1, k2]"


def _load(text: str | None = None, **props: Any) -> tuple[Spec | None, str]:
    if text is None:
        text = as_yaml(spec_data(producers=producer(**props)))
    result = load_spec_text(text)
    return result.spec, format_errors(result.errors)


def test_keys_are_read_as_the_text_written() -> None:
    text = as_yaml(spec_data(producers=producer(app={"keys": ["k1", "k2"]}))).replace(
        "- k2", "- 21"
    )
    spec, errors = _load(text)
    assert spec is not None, errors
    assert spec.producers["checkout"].app.keys == ("k1", "21")  # `21` is the key "21"


def test_no_keys_is_the_default_and_is_not_listed() -> None:
    spec, errors = _load()
    assert spec is not None, errors
    assert spec.producers["checkout"].app.keys == ()
    assert not [s for s in spec.settings if s.name == "app.keys"]


def test_given_keys_are_listed_with_their_origin() -> None:
    spec, _ = _load(app={"keys": ["a", "b"]})
    assert spec is not None
    [row] = [s for s in spec.settings if s.name == "app.keys"]
    assert row.value == ("a", "b") and row.origin.source == "spec"


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([], "producers.checkout.app.keys: empty: name at least one key"),
        ("k1", "producers.checkout.app.keys: not a list of keys"),
        ({"a": 1}, "producers.checkout.app.keys: not a list of keys"),
        (["a", ""], "producers.checkout.app.keys[1]: empty key"),
        (["a", "b", "a"], "producers.checkout.app.keys[2]: duplicate key 'a' (also at index 0)"),
        (["a", None], "producers.checkout.app.keys[1]: missing value"),
        (["a", ["b"]], "producers.checkout.app.keys[1]: not a string"),
    ],
)
def test_bad_keys_are_errors_with_position_and_what_was_expected(keys: Any, message: str) -> None:
    spec, errors = _load(app={"keys": keys})
    assert spec is None
    assert message in errors
    # file:line:col before the key path
    assert errors.startswith("<string>:") and errors.split(":")[1].isdigit()
    if "missing value" not in message and "not a string" not in message:
        assert EXPECTED in errors


def test_a_misspelled_keys_gets_a_did_you_mean() -> None:
    _, errors = _load(app={"kyes": ["a"]})
    assert "producers.checkout.app.kyes: unknown key" in errors and "did you mean 'keys'" in errors


def test_keys_at_the_producer_level_are_pointed_to_app() -> None:
    _, errors = _load(keys=["a"])
    assert "producers.checkout.keys: unknown key" in errors and "put it under app:" in errors


def test_the_partitioning_properties_are_kept_for_the_model() -> None:
    spec, errors = _load(
        **{
            "partitioner.class": " com.example.RegionPartitioner ",
            "partitioner.ignore.keys": "TRUE",
            "key.serializer": "org.apache.kafka.common.serialization.StringSerializer",
        }
    )
    assert spec is not None, errors
    p = spec.producers["checkout"]
    assert p.partitioner_class == "com.example.RegionPartitioner"
    assert p.partitioner_ignore_keys is True
    assert p.key_serializer == "org.apache.kafka.common.serialization.StringSerializer"
    spec, _ = _load()
    assert spec is not None
    p = spec.producers["checkout"]
    assert (p.partitioner_class, p.partitioner_ignore_keys, p.key_serializer) == (None, False, None)


def test_routing_properties_are_not_called_harmless_once_records_carry_keys() -> None:
    plain, errors = _load(**{"partitioner.class": "org.example.MyPartitioner"})
    assert plain is not None, errors
    assert "partitioner.class" in plain.not_modelled  # keyless: it changes no verdict
    keyed, errors = _load(
        app={"keys": ["k1", "k2"]}, **{"partitioner.class": "org.example.MyPartitioner"}
    )
    assert keyed is not None, errors
    assert "partitioner.class" not in keyed.not_modelled  # it decides where keys go
