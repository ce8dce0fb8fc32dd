"""What a user sees on long runs: `--timeout` on every command that checks, the progress
line on a terminal (cleared before any report), and `checklist` checking once for all the
formats it writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mqcheck import cli, exits, terminal
from mqcheck.cli import main
from mqcheck.engines.progress import SearchProgress
from mqcheck.review.checklist import runs
from mqcheck.terminal import CLEAR

from .test_cli_check import DURABLE

ROOT = Path(__file__).resolve().parent.parent
ACKS1_FAILOVER = ROOT / "specs" / "acks1-leader-failover.yaml"

#: Every command that runs a model check, with what it needs besides the spec.
CHECKING = {
    "check": [],
    "checklist": ["--no-profile"],
    "profile": [],
    "explain": [],
    "sweep": ["--vary", "acks=all", "--jobs", "1"],
    "repair": ["--guarantee", "at-least-once"],
}


def _spec(tmp_path: Path) -> str:
    path = tmp_path / "durable.yaml"
    path.write_text(DURABLE, encoding="utf-8")
    return str(path)


@pytest.fixture
def on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr counts as a terminal (CliRunner's streams are not ttys), every report shown."""
    monkeypatch.setattr(terminal, "is_terminal", lambda stream: True)
    monkeypatch.setattr(terminal, "INTERVAL", 0.0)


def _reporting(real: Callable[..., Any]) -> Callable[..., Any]:
    """`check_spec` that reports one progress line before checking, as a long search does
    (the engines report about once a second; these specs take milliseconds)."""

    def check(*args: Any, **kwargs: Any) -> Any:
        progress = kwargs.get("progress")
        if progress is not None:
            progress(SearchProgress(1_500_000, 12, 1, 3.0, 250.0, 5_000_000, 600.0))
        return real(*args, **kwargs)

    return check


#: The commands that search nothing: `replay` re-checks a given trace step by step, `graph`
#: exports a small state graph under its own --max-states, the rest read or write files.
NOT_CHECKING = {"explain-defaults", "graph", "import", "replay", "schema"}


def test_every_command_is_known_to_check_or_not() -> None:
    """A new command lands in one list or the other, so one that checks cannot miss --timeout."""
    assert set(main.commands) == set(CHECKING) | NOT_CHECKING


@pytest.mark.parametrize("command", sorted(CHECKING))
def test_every_checking_command_takes_timeout(command: str) -> None:
    text = CliRunner().invoke(main, [command, "--help"]).output
    assert "--timeout SECONDS" in text
    assert "timeout_s" in text  # says what it overrides


@pytest.mark.parametrize("command", sorted(CHECKING))
def test_reaching_the_timeout_is_unknown_never_holds(command: str, tmp_path: Path) -> None:
    """The spec holds when given time; with 1 ms no command may claim it does."""
    spec = _spec(tmp_path)
    given_time = CliRunner().invoke(main, ["check", spec])
    assert given_time.exit_code == exits.HOLDS, given_time.output
    out = CliRunner().invoke(main, [command, spec, *CHECKING[command], "--timeout", "0.001"])
    assert "time limit (0.001 s)" in out.output or "unknown" in out.output, out.output
    assert "survives" not in out.output
    if command in ("check", "checklist", "repair"):  # the commands that give a verdict
        assert out.exit_code == exits.UNKNOWN, out.output
    if command == "check":
        assert "at-least-once: unknown" in out.output
    refused = CliRunner().invoke(main, [command, spec, *CHECKING[command], "--timeout", "0"])
    assert refused.exit_code == exits.INVALID


def test_check_clears_the_progress_line_before_its_report(
    on_a_terminal: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cli, "check_spec", _reporting(cli.check_spec))
    out = CliRunner().invoke(main, ["check", _spec(tmp_path)])
    assert out.exit_code == exits.HOLDS, out.output
    shown = "1.5M of 5M states, 500k/s, depth 12, fault level 1, 250 MB, 3 s of 600 s"
    assert out.output.startswith(CLEAR + "  " + shown + CLEAR + "acks1 (")


def test_no_progress_and_no_escapes_off_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cli, "check_spec", _reporting(cli.check_spec))
    out = CliRunner().invoke(main, ["check", _spec(tmp_path)])
    assert "\x1b" not in out.output and "\r" not in out.output
    assert "of 5M states" not in out.output


def test_checklist_shows_each_run_and_clears_before_writing(
    on_a_terminal: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(runs, "check_spec", _reporting(runs.check_spec))
    target = tmp_path / "review.md"
    out = CliRunner().invoke(main, ["checklist", str(ACKS1_FAILOVER), "-o", str(target)])
    assert out.exit_code == exits.HOLDS, out.output  # the verdicts are the expected ones
    assert out.output.startswith(CLEAR + "  the spec: 1.5M of 5M states")
    assert CLEAR + "  run 2, " in out.output  # the hazard and profile runs, labelled
    assert out.output.endswith(CLEAR + f"wrote {target}\n")
    assert target.read_text(encoding="utf-8").startswith("# Design review")


def test_checklist_checks_once_for_all_its_formats(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Three formats from one command: the same checks as one format, once; each file is
    exactly what that format alone writes."""
    calls: list[str] = []
    real = runs.check_spec

    def counted(spec: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(spec.name)
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(runs, "check_spec", counted)
    spec = str(ACKS1_FAILOVER)
    alone = {}
    for fmt in ("md", "html", "sarif"):
        out = CliRunner().invoke(main, ["checklist", spec, "--format", fmt])
        assert out.exit_code == exits.HOLDS, out.output
        alone[fmt] = out.stdout
    one_format = len(calls) // 3
    assert one_format > 1  # the spec and its hazard/profile variants
    calls.clear()
    files = {fmt: tmp_path / f"review.{fmt}" for fmt in ("md", "html", "sarif")}
    argv = ["checklist", spec]
    for fmt, path in files.items():
        argv += ["--format", fmt, "-o", str(path)]
    out = CliRunner().invoke(main, argv)
    assert out.exit_code == exits.HOLDS, out.output
    assert len(calls) == one_format
    for fmt, path in files.items():
        assert path.read_text(encoding="utf-8") == alone[fmt], fmt
        assert f"wrote {path}" in out.stderr


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--format", "md", "--format", "html"], "need one -o FILE each"),
        (["--format", "md", "-o", "a.md", "-o", "b.md"], "2 -o options"),
        (["-o", "a.md", "-o", "b.md"], "each -o needs its --format"),
        (["--format", "md", "-o", "a.md", "--format", "md", "-o", "a.md"], "more than once"),
    ],
)
def test_checklist_refuses_formats_and_files_that_do_not_pair(
    argv: list[str], problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["checklist", str(ACKS1_FAILOVER), *argv])
    assert out.exit_code == exits.INVALID
    assert problem in out.output
    assert not list(tmp_path.iterdir())  # refused before anything was checked or written


def test_several_specs_still_need_sarif_for_every_format(tmp_path: Path) -> None:
    spec = str(ACKS1_FAILOVER)
    argv = ["checklist", spec, spec, "--format", "sarif", "-o", str(tmp_path / "a.sarif")]
    out = CliRunner().invoke(main, [*argv, "--format", "md", "-o", str(tmp_path / "a.md")])
    assert out.exit_code == exits.INVALID
    assert "several specs need --format sarif" in out.output


def test_symbolic_combinations_are_named_on_the_line(
    on_a_terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mqcheck.review.whatif import symbolic

    monkeypatch.setattr(symbolic, "check_spec", _reporting(symbolic.check_spec))
    argv = ["check", str(ACKS1_FAILOVER), "--symbolic", "acks=1,all", "--engine", "explicit"]
    out = CliRunner().invoke(main, argv)
    assert out.exit_code == exits.VIOLATED, out.output  # acks=1 loses a message
    assert out.output.startswith(CLEAR + "  acks=1: 1.5M of 5M states")
    assert CLEAR + "  acks=all: 1.5M of 5M states" in out.output
    report = out.output.rindex(CLEAR) + len(CLEAR)
    assert "\x1b" not in out.output[report:] and out.output[report:].strip()


@pytest.mark.usefixtures("on_a_terminal")
def test_a_batch_shows_items_done_of_all_then_clears() -> None:
    """A sweep on two workers reports points back, not searches (each search runs on a
    worker), and the line is gone before the table."""
    out = CliRunner().invoke(
        main, ["sweep", str(ACKS1_FAILOVER), "--vary", "acks=1,all", "--workers", "2"]
    )
    assert out.exit_code == 0, out.output
    assert CLEAR + "  0/2 points checked, 0 s" in out.output
    assert CLEAR + "  2/2 points checked" in out.output
    report = out.output.rindex(CLEAR) + len(CLEAR)
    assert out.output[report:].startswith("acks  at-least-once")
