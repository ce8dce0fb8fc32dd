"""The imported spec writes out the `app:` behaviours it assumes (issue 12 item 1): each key,
each with a comment that it is an assumption to check, and with exactly the value the loader
would have taken by default, so writing them changes no verdict."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mqcheck.spec import resolve_consumers, resolve_producers
from mqcheck.spec.load import load_spec_text
from mqcheck.spec.properties_import import import_spec
from mqcheck.spec.schema import Spec


def _spec_text(tmp_path: Path, consumer: str, topics: list[str], version: str = "3.7") -> str:
    source = tmp_path / "c.properties"
    source.write_text(consumer)
    result = import_spec(
        producer=None,
        broker=None,
        consumer=str(source),
        topics=topics,
        output="orders.yaml",
        kafka_version=version,
    )
    assert result.problems == () and result.errors == ()
    return result.text


def _without_app(text: str) -> str:
    """The spec as import wrote it before: no `app:` blocks (the loader's defaults apply)."""
    return re.sub(r"\n    app:.*(?:\n      .*)*", "", text)


def _loaded(text: str) -> Spec:
    result = load_spec_text(text)
    assert result.errors == ()
    assert result.spec is not None
    return result.spec


@pytest.mark.parametrize(
    ("consumer", "commit"),
    [
        ("group.id=g\n", "auto"),  # enable.auto.commit defaults to true
        ("enable.auto.commit=false\n", "after_processing"),
        ("enable.auto.commit = TRUE \n", "auto"),
    ],
)
def test_every_app_key_is_written_with_an_assumption_comment(
    tmp_path: Path, consumer: str, commit: str
) -> None:
    text = _spec_text(tmp_path, consumer, ["orders"])
    assert f"      commit: {commit}  # assumed: " in text
    for key in (*resolve_producers.APP_KEYS, *resolve_consumers.APP_KEYS):
        # a key without a default (app.keys) is written as a comment: nothing is assumed
        start = f"      {'# ' if key.kind == 'keys' else ''}{key.name}: "
        (line,) = [line for line in text.splitlines() if line.startswith(start)]
        assert "  # assumed: " in line
    assert text.count("    app:  # ASSUMED, not in any .properties file") == 2
    assert text.count("the team must check each one against the code") == 2


@pytest.mark.parametrize(
    ("consumer", "version", "topics"),
    [
        ("group.id=g\n", "3.7", ["orders"]),
        ("enable.auto.commit=false\n", "3.7", ["a", "b"]),
        ("", "0.10", ["orders"]),
    ],
)
def test_the_written_assumptions_are_the_loaders_defaults(
    tmp_path: Path, consumer: str, version: str, topics: list[str]
) -> None:
    """The spec with the `app:` blocks is the spec without them: same clients, same app."""
    text = _spec_text(tmp_path, consumer, topics, version)
    before = _without_app(text)
    assert "app:" not in before and before != text
    written, defaults = _loaded(text), _loaded(before)
    assert written.producers == defaults.producers
    assert written.consumers == defaults.consumers


def test_a_changed_assumption_changes_the_spec(tmp_path: Path) -> None:
    """The written lines are live keys, not comments: editing one is what the team does."""
    text = _spec_text(tmp_path, "enable.auto.commit=false\n", ["orders"])
    edited = text.replace("      on_send_error: drop", "      on_send_error: halt")
    assert edited != text
    assert _loaded(edited).producers["producer"].app.on_send_error == "halt"
