"""The docs that ship say what the tool does: every spec they name is shipped, nothing
points outside the repository, and the sample outputs are what the command prints today
(the README's in full; an excerpt, marked by `...`, line for line in order)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_SECONDS = re.compile(r"\b\d+\.\d+ s\b")


def _run(command: str) -> str:
    argv = command.split()
    assert argv[0] == "mqcheck"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "mqcheck", *argv[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout


def _sample(doc: Path, command: str) -> list[str]:
    """The lines a doc shows after `$ COMMAND`, up to the end of the code block."""
    text = doc.read_text(encoding="utf-8")
    start = text.index(f"$ {command}\n") + len(command) + 3
    return text[start : text.index("```", start)].splitlines()


def _steady(lines: list[str]) -> list[str]:
    return [_SECONDS.sub("T s", line) for line in lines]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_name_only_shipped_specs_and_nothing_outside(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    assert "../shared" not in text and "SPEC_FORMAT" not in text
    for name in re.findall(r"specs/[A-Za-z0-9_.-]+\.yaml", text):
        assert (ROOT / name).is_file(), f"{doc.name} names {name}, which is not shipped"


def test_readme_sample_is_the_real_output() -> None:
    command = "mqcheck check specs/minisr1-isr-shrink-unclean.yaml"
    shown = _sample(ROOT / "README.md", command)
    assert _steady(shown) == _steady(_run(command).splitlines())


@pytest.mark.parametrize(
    ("doc", "command"),
    [
        ("docs/cli.md", "mqcheck check specs/acks0-lost-request.yaml"),
        ("docs/cli.md", "mqcheck explain-defaults specs/pipeline-payments-effectively-once.yaml"),
    ],
)
def test_excerpts_are_lines_of_the_real_output(doc: str, command: str) -> None:
    real = _steady(_run(command).splitlines())
    position = 0
    for line in _steady(_sample(ROOT / doc, command)):
        if line == "...":
            continue
        assert line in real[position:], f"{doc}: {line!r} is not in `{command}`'s output"
        position = real.index(line, position) + 1
