"""The command line's own options as a user meets them: `--version`, the exit codes in
`--help`, Ctrl-C, `--timeout`, and how an `unknown` under `expect:` is reported."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

import mqcheck
from mqcheck import cli, exits
from mqcheck.cli import main

from .test_cli_check import DURABLE

ROOT = Path(__file__).resolve().parent.parent
PAYMENTS = ROOT / "specs" / "pipeline-payments-effectively-once.yaml"


def test_version_is_the_package_metadata() -> None:
    out = CliRunner().invoke(main, ["--version"])
    assert out.exit_code == 0
    assert out.output == f"mqcheck {metadata.version('mqcheck')}\n"
    assert mqcheck.__version__ == metadata.version("mqcheck")


def test_help_lists_every_exit_code_and_completion() -> None:
    """The codes a CI script branches on are in `--help`, not only in the docs."""
    text = CliRunner().invoke(main, ["--help"]).output
    for code in (exits.HOLDS, exits.VIOLATED, exits.INVALID, exits.UNKNOWN, exits.INTERNAL):
        assert f"\n    {code}    " in text
    assert f"\n    {exits.INTERRUPTED}  interrupted" in text
    assert "_MQCHECK_COMPLETE=bash_source mqcheck" in text


def test_completion_script_is_generated() -> None:
    """What the documented `eval "$(_MQCHECK_COMPLETE=bash_source mqcheck)"` runs."""
    proc = subprocess.run(
        [sys.executable, "-c", "from mqcheck.cli import main; main(prog_name='mqcheck')"],
        env={"_MQCHECK_COMPLETE": "bash_source", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "_mqcheck_completion" in proc.stdout and "complete " in proc.stdout


def test_ctrl_c_exits_130_not_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """1 means "violated"; an interrupted run claims nothing."""

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "check_spec", interrupted)
    spec = tmp_path / "d.yaml"
    spec.write_text(DURABLE, encoding="utf-8")
    out = CliRunner().invoke(main, ["check", str(spec)])
    assert out.exit_code == exits.INTERRUPTED == 130
    assert "interrupted" in out.output and "Aborted" not in out.output


def test_timeout_overrides_the_spec_and_reports_a_limit() -> None:
    """`--timeout` beats `check.timeout_s`; under `expect:` the unknown is reported as a limit
    hit (with the reason), never as an EXPECTATION MISMATCH; the exit code is the contract's
    for a verdict that is not the expected one (1)."""
    out = CliRunner().invoke(main, ["check", str(PAYMENTS), "--timeout", "0.001"])
    assert out.exit_code == exits.VIOLATED, out.output
    assert "the time limit (0.001 s) was reached" in out.output
    assert "EXPECTATION MISMATCH" not in out.output
    assert "INCONCLUSIVE: at-least-once expected holds, but a limit was hit" in out.output
    refused = CliRunner().invoke(main, ["check", str(PAYMENTS), "--timeout", "0"])
    assert refused.exit_code == exits.INVALID


def test_a_real_mismatch_still_wins_over_an_unknown(tmp_path: Path) -> None:
    """A decided verdict that contradicts `expect:` is exit 1 even when another guarantee
    is left unknown."""
    text = DURABLE.replace(
        "check: {guarantees: [at-least-once], messages: 1}",
        "check: {guarantees: [at-least-once], messages: 1}\nexpect: {at-least-once: violated}",
    )
    spec = tmp_path / "e.yaml"
    spec.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(main, ["check", str(spec)])
    assert out.exit_code == exits.VIOLATED
    assert "EXPECTATION MISMATCH: at-least-once expected violated, got holds" in out.output


def test_workers_give_the_same_report_and_zero_is_refused() -> None:
    """`check --workers N` changes where the search runs, never what it says (the spec has
    447,198 states: the search splits into shards at 50,000)."""
    one = CliRunner().invoke(main, ["check", str(PAYMENTS), "--workers", "1", "--format", "json"])
    two = CliRunner().invoke(main, ["check", str(PAYMENTS), "--workers", "2", "--format", "json"])
    assert one.exit_code == two.exit_code == 0, one.output
    volatile = re.compile(r'"(seconds|peak_memory_mb)": [0-9.e+-]+')
    assert volatile.sub("", one.output) == volatile.sub("", two.output)
    refused = CliRunner().invoke(main, ["check", str(PAYMENTS), "--workers", "0"])
    assert refused.exit_code == exits.INVALID
