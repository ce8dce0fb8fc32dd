"""`check --pdr`: IC3 switched on in the Z3 engine from the command line, refused where it
would be silently ignored (the explicit engine, `--symbolic`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.engines import symbolic

SPEC = str(Path(__file__).resolve().parents[2] / "specs" / "record-too-large-drop.yaml")


def _verdicts(output: str) -> list[str]:
    return [g["verdict"] for g in json.loads(output)["results"]]


def test_pdr_reaches_the_z3_engine_and_changes_no_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    original = symbolic.Z3Checker.__init__

    def spy(self: symbolic.Z3Checker, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        seen.append(self.limits.pdr)

    monkeypatch.setattr(symbolic.Z3Checker, "__init__", spy)
    runner = CliRunner()
    plain = runner.invoke(main, ["check", SPEC, "--engine", "z3", "--format", "json"])
    with_pdr = runner.invoke(main, ["check", SPEC, "--engine", "z3", "--pdr", "--format", "json"])
    assert seen == [False, True]
    assert with_pdr.exit_code == plain.exit_code, with_pdr.output
    assert _verdicts(with_pdr.output) == _verdicts(plain.output)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "explicit engine"),
        (["--engine", "explicit"], "explicit engine"),
        (["--engine", "z3", "--symbolic", "acks"], "--symbolic"),
    ],
)
def test_pdr_is_refused_where_it_would_be_ignored(extra: list[str], message: str) -> None:
    out = CliRunner().invoke(main, ["check", SPEC, "--pdr", *extra])
    assert out.exit_code == 2, out.output
    assert message in out.output
