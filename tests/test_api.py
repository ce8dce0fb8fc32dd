"""The Python API of docs/api.md: the same result the CLI prints, a clear exception for an
invalid spec, and a package whose sub-packages stay cheap to import."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import mqcheck
from mqcheck.cli import main
from mqcheck.result import CheckResult

ROOT = Path(__file__).resolve().parent.parent
SPEC = "specs/acks1-leader-failover.yaml"
_TIMES = re.compile(r'("(?:seconds|peak_memory_mb)": )[0-9.eE+-]+|[0-9.]+ s\b')


def _steady(text: str) -> str:
    """Blank what a rerun cannot reproduce: wall-clock seconds and memory."""
    return _TIMES.sub("T", text)


@pytest.mark.parametrize("output_format", ["text", "json", "mermaid", "itf"])
def test_check_and_render_print_what_the_cli_prints(
    output_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = mqcheck.check(SPEC)
    assert isinstance(result, CheckResult)
    spec = mqcheck.load(SPEC)
    cli = CliRunner().invoke(main, ["check", SPEC, "--format", output_format])
    assert cli.exit_code == 0  # the violation is the one `expect:` names
    assert _steady(mqcheck.render(result, output_format, spec)) == _steady(cli.stdout)


def test_check_spec_takes_a_loaded_spec_and_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    spec = mqcheck.load(SPEC)
    result = mqcheck.check_spec(spec, guarantees=["at-most-once"], max_states=10)
    assert [r.guarantee for r in result.results] == ["at-most-once"]
    assert result.results[0].verdict == "unknown"  # ten states are not enough
    assert mqcheck.check(spec, guarantees=["at-least-once"]).results[0].verdict == "violated"


def test_an_invalid_spec_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = (ROOT / SPEC).read_text(encoding="utf-8").replace("acks: 1", "ackz: 1")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(mqcheck.InvalidSpec) as raised:
        mqcheck.check(path)
    assert raised.value.errors and raised.value.errors[0].key_path.endswith("ackz")
    cli = CliRunner().invoke(main, ["check", str(path)])
    assert cli.exit_code == 2 and str(raised.value) in cli.output
    assert isinstance(raised.value, ValueError)


def test_render_refuses_an_unknown_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    with pytest.raises(ValueError, match="expected one of text, json, mermaid, itf"):
        mqcheck.render(mqcheck.check("specs/acks0-lost-request.yaml"), "sarif")


def test_importing_the_spec_layer_loads_no_engine_and_no_z3() -> None:
    """The lazy `__getattr__` is what keeps an editor's schema check fast."""
    code = (
        "import sys, mqcheck.spec.load; "
        "bad = [m for m in sys.modules if m == 'z3' or m.startswith(('mqcheck.engines', "
        "'mqcheck.api', 'mqcheck.run'))]; print(bad)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = mqcheck.no_such_name  # type: ignore[attr-defined]
    assert {"check", "load", "render", "InvalidSpec", "__version__"} <= set(dir(mqcheck))
