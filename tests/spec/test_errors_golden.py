"""Golden error messages: what an author sees for the common mistakes, byte for byte.

Each golden/<case>.yaml has golden/<case>.txt beside it. To accept new output after an
intended change: MQCHECK_UPDATE_GOLDEN=1 python -m pytest tests/spec/test_errors_golden.py
(then read the diff).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mqcheck.spec.errors import SpecError, format_errors
from mqcheck.spec.load import load_spec_text

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(path.stem for path in GOLDEN.glob("*.yaml"))


def test_there_are_a_dozen_cases() -> None:
    assert len(CASES) >= 12


@pytest.mark.parametrize("case", CASES)
def test_error_messages_match_golden(case: str) -> None:
    source = (GOLDEN / f"{case}.yaml").read_text(encoding="utf-8")
    result = load_spec_text(source, f"{case}.yaml")
    assert result.spec is None, "a golden case must be invalid"
    actual = format_errors(result.errors) + "\n"
    expected_path = GOLDEN / f"{case}.txt"
    if os.environ.get("MQCHECK_UPDATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8")


def test_format_without_position_and_with_all_parts() -> None:
    error = SpecError("s.yaml", None, None, "name", "missing", expected="a text")
    assert error.format() == "s.yaml: name: missing; expected a text"
    full = SpecError(
        "s.yaml",
        12,
        5,
        "producers.checkout.ackz",
        "unknown key",
        "one of acks",
        "x",
        "did you mean 'acks'?",
    )
    assert full.format() == (
        "s.yaml:12:5: producers.checkout.ackz: unknown key; expected one of acks; found x; "
        "did you mean 'acks'?"
    )


def test_format_errors_sorts_by_position_and_counts() -> None:
    late = SpecError("s", 9, 1, "b", "late")
    early = SpecError("s", 2, 3, "a", "early")
    nowhere = SpecError("s", None, None, "c", "nowhere")
    assert format_errors([nowhere, late, early]).splitlines() == [
        "s:2:3: a: early",
        "s:9:1: b: late",
        "s: c: nowhere",
        "3 problems",
    ]
