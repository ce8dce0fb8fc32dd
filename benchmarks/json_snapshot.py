"""Prove a refactor changes no answer: record `mqcheck check --format json` for every spec, compare later.

Usage:
    python3 benchmarks/json_snapshot.py record DIR     # one DIR/<spec>.json per spec
    python3 benchmarks/json_snapshot.py compare DIR    # exit 1 and a diff on any difference

The specs are `specs/*.yaml` and, when that directory exists beside the repository (it is not
part of it), `../shared/examples/*.yaml`. The only fields
blanked are the two a rerun cannot reproduce: `stats.seconds` and `stats.peak_memory_mb`
(wall-clock time and resident memory). Everything else, the exit code included, must be
byte-identical.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_VOLATILE = re.compile(r'("(?:seconds|peak_memory_mb)": )[0-9.eE+-]+')


def spec_paths() -> list[Path]:
    """Every spec the snapshot covers, in a fixed order."""
    paths = sorted((ROOT / "specs").glob("*.yaml"))
    shared = ROOT.parent / "shared" / "examples"
    if shared.is_dir():
        paths += sorted(shared.glob("*.yaml"))
    return paths


def snapshot(spec: Path) -> str:
    """The JSON document and exit code of one check, with the volatile figures blanked."""
    proc = subprocess.run(
        [sys.executable, "-m", "mqcheck", "check", str(spec), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    body = _VOLATILE.sub(r"\g<1>0", proc.stdout)
    return f"exit {proc.returncode}\n{body}"


def _name(spec: Path) -> str:
    return ("shared-" if spec.parent.name == "examples" else "") + spec.stem + ".json"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("record", "compare"):
        print(__doc__)
        return 2
    mode, out = argv[0], Path(argv[1])
    specs = spec_paths()
    with ThreadPoolExecutor(max_workers=2) as pool:
        texts = list(pool.map(snapshot, specs))
    if mode == "record":
        out.mkdir(parents=True, exist_ok=True)
        for spec, text in zip(specs, texts, strict=True):
            (out / _name(spec)).write_text(text)
        print(f"recorded {len(specs)} specs in {out}")
        return 0
    differ = 0
    for spec, text in zip(specs, texts, strict=True):
        old_path = out / _name(spec)
        old = old_path.read_text() if old_path.exists() else "(missing)\n"
        if old != text:
            differ += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(True), text.splitlines(True), str(old_path), spec.name
                )
            )
    print(f"{len(specs) - differ} of {len(specs)} specs identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
