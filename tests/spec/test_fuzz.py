"""Loaders never crash: mutated examples (dropped keys, swapped types, misspelled names,
random YAML text) give a Spec or SpecErrors, and the CLI answers with an exit code of the
contract, never a traceback (issue 19 item 5).

The default run draws a few hundred inputs of each kind; `pytest -m slow` draws 10,000 through
`check` and 10,000 through `import`. The families are in tests/strategies.py, the contract an
answer must meet in tests/spec/fuzz_cli.py, and `python3 -m tests.spec.fuzz_census` counts the
exit codes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mqcheck.cli import main
from mqcheck.spec.load import LoadResult, load_spec_data, load_spec_text
from tests.spec.fuzz_cli import run_check, run_import
from tests.strategies import SHIPPED_TEXTS, properties_bytes, spec_texts

TEXTS = list(SHIPPED_TEXTS)

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["all", "-1", "3.7", "0.10", "true", "earliest", "exactly_once_v2", ""]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


@st.composite
def mutated_specs(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(yaml.safe_load(draw(st.sampled_from(TEXTS))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        key = path[-1]
        action = draw(st.sampled_from(["drop", "swap", "misspell"]))
        if action == "drop":
            del parent[key]
        elif action == "swap":
            parent[key] = draw(_values)
        elif isinstance(parent, dict) and isinstance(key, str) and key:
            position = draw(st.integers(min_value=0, max_value=len(key) - 1))
            parent[key[:position] + key[position + 1 :]] = parent.pop(key)
    return data


def _assert_sound(result: LoadResult) -> None:
    assert (result.spec is None) == bool(result.errors)
    for error in result.errors:
        assert error.format()
        assert error.line is None or error.line >= 1


@st.composite
def mutated_texts(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    kind = draw(st.sampled_from(["insert", "delete", "truncate", "random"]))
    if kind == "random":
        return draw(st.text(max_size=80))
    position = draw(st.integers(min_value=0, max_value=len(text)))
    if kind == "insert":
        return (
            text[:position]
            + draw(st.text(alphabet=":-[]{}&*!|>'\"#%@` \n\t\\ab1.", max_size=5))
            + text[position:]
        )
    if kind == "delete":
        return text[:position] + text[position + draw(st.integers(min_value=1, max_value=20)) :]
    return text[:position]


@settings(max_examples=200, deadline=None)
@given(mutated_specs())
def test_mutated_data_never_crashes_the_loader(data: Any) -> None:
    _assert_sound(load_spec_data(data))
    dumped = yaml.safe_dump(data, sort_keys=False)
    _assert_sound(load_spec_text(dumped))


@settings(max_examples=200, deadline=None)
@given(mutated_texts())
def test_mutated_yaml_text_never_crashes_the_loader(text: str) -> None:
    _assert_sound(load_spec_text(text))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(mutated_specs().map(lambda d: yaml.safe_dump(d, sort_keys=False)), mutated_texts())
)
def test_cli_answers_with_a_verdict_or_a_message(workdir: Path, text: str) -> None:
    spec = workdir / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    runner = CliRunner()
    # check runs the model now: a verdict (0, 1), invalid (2) or inconclusive (3), never
    # a crash; a small state limit keeps mutated specs quick.
    for command, codes in (
        (["check", str(spec), "--max-states", "3000"], (0, 1, 2, 3)),
        (["explain-defaults", str(spec)], (0, 2)),
    ):
        result = runner.invoke(main, command)
        assert result.exit_code in codes, result.output
        assert "Traceback" not in result.output and "internal error" not in result.output
        assert result.output.strip()


_FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(_FUZZ, max_examples=300)
@given(spec_texts())
def test_check_of_hostile_text_exits_with_a_contract_code(workdir: Path, text: str) -> None:
    """Valid specs, hostile values (tags, 5,000-digit numbers, line breaks U+0085/U+2028, BOM,
    CRLF), alias bombs, deep nesting and mutated shipped specs: exit 0-3 with a message."""
    run_check(workdir, text)


@settings(_FUZZ, max_examples=300)
@given(st.sampled_from(["producer", "consumer", "broker"]), properties_bytes())
def test_import_of_hostile_properties_exits_0_or_2(workdir: Path, kind: str, data: bytes) -> None:
    """Any bytes as a .properties file: a spec that loads and places only what the file set,
    or exit 2 with the line; never a traceback, never an empty output file."""
    run_import(workdir, kind, data)


@pytest.mark.slow
@settings(_FUZZ, max_examples=10_000)
@given(spec_texts())
def test_check_of_hostile_text_exits_with_a_contract_code_slow(workdir: Path, text: str) -> None:
    run_check(workdir, text)


@pytest.mark.slow
@settings(_FUZZ, max_examples=10_000)
@given(st.sampled_from(["producer", "consumer", "broker"]), properties_bytes())
def test_import_of_hostile_properties_exits_0_or_2_slow(
    workdir: Path, kind: str, data: bytes
) -> None:
    run_import(workdir, kind, data)
