"""`import` writes its spec atomically: a failure at any point leaves the old file (or no
file) and no temporary file, never a partial or 0-byte spec that might load as another
pipeline."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.spec import atomic_write
from mqcheck.spec.atomic_write import write_atomically


def test_it_writes_the_whole_text_with_the_umask_permissions(tmp_path: Path) -> None:
    target = tmp_path / "spec.yaml"
    assert write_atomically(str(target), "mqcheck: 1\nname: é\n") is None
    assert target.read_text("utf-8") == "mqcheck: 1\nname: é\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not tempfile's 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == ["spec.yaml"]


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_failure_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "spec.yaml"
    target.write_text("the old spec\n")
    written: list[bytes] = []
    real_write = os.write

    def half_then_fail(handle: int, data: bytes) -> int:
        if written:
            raise OSError(28, "No space left on device")
        written.append(bytes(data))
        return real_write(handle, bytes(data)[: len(data) // 2])

    def refuse(*args: object) -> None:
        raise OSError(28, "No space left on device")

    if failing == "write":
        monkeypatch.setattr(atomic_write.os, "write", half_then_fail)
    else:
        monkeypatch.setattr(atomic_write.os, failing, refuse)
    problem = write_atomically(str(target), "mqcheck: 1\n" * 1000)
    assert problem == f"{target}: cannot write the file: No space left on device"
    assert target.read_text() == "the old spec\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["spec.yaml"]


def test_import_that_cannot_write_exits_2_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_write.os, "replace", refuse)
    output = tmp_path / "out.yaml"
    result = CliRunner().invoke(main, ["import", "--topic", "t", "-o", str(output)])
    assert result.exit_code == 2
    assert f"{output}: cannot write the file: No space left on device" in result.output
    assert list(tmp_path.iterdir()) == []
