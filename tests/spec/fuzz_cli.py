"""What a fuzzed CLI run must satisfy, shared by tests/spec/test_fuzz.py and the census script
(tests/spec/fuzz_census.py) that counts exit codes for issue 19.

Each `run_*` function runs one generated input through the command line in-process and returns
its exit code; it raises AssertionError when the answer breaks the contract (an exit code
outside the allowed set, a traceback or an internal error printed, an output file left empty,
a property placed that the .properties file never set).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.spec.properties_file import parse_properties

#: Small bounds keep one check cheap: the fuzz tests are about input handling, not search.
CHECK_BOUNDS = ("--messages", "1", "--max-states", "200")
CHECK_CODES = (0, 1, 2, 3)
IMPORT_CODES = (0, 2)


def _assert_clean(code: int, output: str, allowed: tuple[int, ...], subject: str) -> None:
    shown = output if len(output) < 2000 else output[:2000] + "..."
    assert code in allowed, f"exit {code} for {subject!r}:\n{shown}"
    assert "Traceback" not in output, shown
    assert "internal error" not in output, shown
    assert output.strip(), f"exit {code} with no message for {subject!r}"


def run_check(workdir: Path, text: str) -> int:
    """`mqcheck check` of `text` written as UTF-8 (lone surrogates kept as written bytes)."""
    spec = workdir / "spec.yaml"
    spec.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = CliRunner().invoke(main, ["check", str(spec), *CHECK_BOUNDS])
    _assert_clean(result.exit_code, result.output, CHECK_CODES, text[:300])
    return result.exit_code


def run_import(workdir: Path, kind: str, data: bytes) -> int:
    """`mqcheck import --<kind> FILE -o OUT`: exit 0 or 2; a spec that was written loads and
    places only what the file set; a refused import leaves no empty file behind."""
    source = workdir / f"{kind}.properties"
    source.write_bytes(data)
    output = workdir / "imported.yaml"
    output.unlink(missing_ok=True)
    result = CliRunner().invoke(
        main, ["import", f"--{kind}", str(source), "--topic", "t", "-o", str(output)]
    )
    _assert_clean(result.exit_code, result.output, IMPORT_CODES, repr(data[:300]))
    if output.exists():
        written = output.read_bytes()
        assert written, f"an empty {output.name} was left behind for {data[:300]!r}"
        _assert_placed_only_what_was_set(kind, data, written.decode("utf-8"))
    return result.exit_code


#: Keys `import` writes itself, not taken from the .properties file.
_OWN_KEYS = {"topic", "app"}


def _assert_placed_only_what_was_set(kind: str, data: bytes, text: str) -> None:
    """Every property in the written spec's client or broker section was set in the file: a
    value that smuggled in a YAML line break must not have become a live key."""
    try:
        spec: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise AssertionError(f"the written spec is not YAML ({error}):\n{text}") from None
    assert isinstance(spec, dict), text
    given = set(parse_properties(data.decode("latin-1")).effective())
    if kind == "broker":
        sections = [spec.get("broker") or {}]
        own: set[str] = set()
    else:
        sections = list((spec.get(f"{kind}s") or {}).values())
        own = _OWN_KEYS | ({"group.id"} if kind == "consumer" else set())
    for section in sections:
        placed = set(section) - own
        assert placed <= given, f"placed {sorted(placed - given)} not in the file:\n{text}"
