"""Both explicit engines report progress as one `SearchProgress`: how far, at which fault
level, against which limits, with the process's memory; a run stopped by its time limit is
`unknown`, never `holds`."""

from __future__ import annotations

from pathlib import Path

import pytest

from mqcheck.engines.progress import SearchProgress
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec

BASELINE = Path(__file__).resolve().parents[2] / "examples" / "durable-baseline.yaml"


@pytest.mark.parametrize("engine", ["explicit", "explicit-reference"])
def test_a_long_search_reports_its_progress_against_its_limits(engine: str) -> None:
    spec = load_spec(str(BASELINE)).spec
    assert spec is not None
    heard: list[SearchProgress] = []
    # about a second between reports: a 2.5 s limit on a search that takes far longer
    result = check_spec(spec, None, engine, 3, 4_000_000, 2.5, heard.append)
    assert heard, "no progress reported in 2.5 s"
    for p in heard:
        assert p.max_states == 4_000_000 and p.timeout_s == 2.5
        assert 0 < p.states < 4_000_000 and p.depth >= 0 and p.faults >= 0
        assert 0 < p.seconds <= 2.5 + 1.0 and p.memory_mb > 1 and p.label == ""
    assert [p.states for p in heard] == sorted(p.states for p in heard)
    assert [(p.faults, p.seconds) for p in heard] == sorted((p.faults, p.seconds) for p in heard)
    verdicts = {r.guarantee: r.verdict for r in result.results}
    assert verdicts["at-least-once"] == "unknown"  # cut short by the time limit
    assert "time limit (2.5 s)" in next(
        r.reason for r in result.results if r.guarantee == "at-least-once"
    )
