"""The spec library (specs/*.yaml) and the shared examples: every verdict equals the spec's
`expect:` block, and every counterexample replays against a freshly compiled model.

The expectations were written from Kafka's documented behaviour (each spec's header comment
gives the reasoning), so a failure here is either a model regression or a spec whose
expectation needs a second look; never "fix" it by editing the expectation alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mqcheck.run import check_spec, replay_spec
from mqcheck.spec.load import load_spec
from mqcheck.trace.render_json import step_json
from tests.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "specs"

# Specs whose check (plus replay) takes more than about 5 seconds; run with `-m slow`.
SLOW = {
    "specs/pipeline-payments-effectively-once.yaml",
    "specs/last-replica-standing-elr.yaml",
    "specs/last-replica-standing-no-elr.yaml",
    "examples/durable-baseline.yaml",
    "examples/power-loss-all-replicas.yaml",
}


def _collect() -> list[object]:
    params: list[object] = []
    sources = [("specs", sorted(LIBRARY.glob("*.yaml"))), ("examples", EXAMPLES)]
    for label, paths in sources:
        for path in paths:
            key = f"{label}/{path.name}"
            marks = [pytest.mark.slow] if key in SLOW else []
            params.append(pytest.param(path, id=key, marks=marks))
    return params


SPECS = _collect()


def test_library_is_not_empty() -> None:
    assert len(list(LIBRARY.glob("*.yaml"))) >= 18


def test_slow_list_names_existing_specs() -> None:
    known = {f"specs/{p.name}" for p in LIBRARY.glob("*.yaml")}
    known |= {f"examples/{p.name}" for p in EXAMPLES}
    assert known >= SLOW, sorted(SLOW - known)


def test_shared_examples_present() -> None:
    assert len(EXAMPLES) == 8


@pytest.mark.parametrize("path", SPECS)
def test_spec_verdicts_match_expect_and_traces_replay(path: Path) -> None:
    loaded = load_spec(path)
    assert loaded.ok, "\n".join(str(e) for e in loaded.errors)
    spec = loaded.spec
    assert spec is not None

    result = check_spec(spec)
    expect = dict(result.expect)
    assert expect, f"{path.name} has no expect: block"

    verdicts = {r.guarantee: r.verdict for r in result.results}
    # Every expectation is checked (an expect: key without a result would pass silently).
    assert set(expect) <= set(verdicts), (
        f"expected but not checked: {sorted(set(expect) - set(verdicts))}"
    )
    # Every result has an expectation, so the library documents all its verdicts.
    assert set(verdicts) <= set(expect), (
        f"checked but not expected: {sorted(set(verdicts) - set(expect))}"
    )
    mismatches = {g: (want, verdicts[g]) for g, want in expect.items() if verdicts[g] != want}
    assert not mismatches, f"(expected, actual) per guarantee: {mismatches}"
    assert not result.mismatches()

    for r in result.results:
        if r.verdict != "violated":
            continue
        assert r.counterexample is not None, f"{r.guarantee}: violated without a counterexample"
        steps = [step_json(s) for s in r.counterexample.steps]
        # replayed as `mqcheck replay` does: against the model `check` compiled
        data = {"guarantee": r.guarantee, "counterexample": {"steps": steps}}
        outcome = replay_spec(spec, data)
        assert outcome.ok, f"{r.guarantee}: {outcome.message}"
