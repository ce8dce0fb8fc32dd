"""Writing a spec file all at once: a temporary file in the same directory, then os.replace.

A spec that `import` leaves half-written (a full disk, a kill, Ctrl-C) is worse than none: a
truncated YAML file may still load, as a different pipeline. os.replace is atomic within one
file system (POSIX rename(2); MoveFileEx on Windows), which is why the temporary file sits in
the target's own directory: readers see the old file or the whole new one, never a part.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomically(path: str, text: str) -> str | None:
    """Write `text` (UTF-8) to `path`; None when done, else why not (nothing left behind:
    no partial target, no temporary file)."""
    target = Path(path)
    data = text.encode("utf-8")
    temporary = ""
    try:
        handle, temporary = _create_temporary(target)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, target)
    except OSError as error:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        return f"{path}: cannot write the file: {error.strerror or error}"
    return None


def _create_temporary(target: Path) -> tuple[int, str]:
    """A new file next to `target`, created with mode 0o666 so the umask decides the final
    permissions as it would for a plain open() (tempfile would make it 0o600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        name = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(name, flags, 0o666), str(name)
        except FileExistsError:
            continue
