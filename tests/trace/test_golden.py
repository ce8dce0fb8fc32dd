"""Golden post-mortems: the text report of a few counterexamples, byte for byte.

A change to the model or the narrative that changes these stories must be looked at by a
person; regenerate with MQCHECK_UPDATE_GOLDEN=1 and review the diff."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from mqcheck.result import Stats
from mqcheck.run import check_spec
from mqcheck.spec.schema import Spec
from mqcheck.trace.render_text import render
from tests.factories import make_spec

GOLDEN = Path(__file__).parent / "golden"

CASES: dict[str, Spec] = {
    "acks1-leader-crash": make_spec(
        acks=1, idempotence=False, faults={"broker_crash": 1}, guarantees=("at-least-once",)
    ),
    "unclean-election": make_spec(
        rf=2,
        min_isr=1,
        unclean=True,
        faults={"broker_crash": 1, "follower_lag": 1},
        guarantees=("at-least-once",),
        messages=1,
    ),
    "cluster-power-loss": make_spec(
        rf=2, faults={"simultaneous_power_loss": 1}, guarantees=("at-least-once",), messages=1
    ),
    "commit-after-processing-duplicate": make_spec(
        faults={"consumer_crash": 1}, guarantees=("at-most-once",), messages=1
    ),
    "no-idempotence-reorders": make_spec(
        idempotence=False,
        max_in_flight=5,
        faults={"produce_request_lost": 1},
        guarantees=(),
        ordering=True,
    ),
}


def _report(spec: Spec) -> str:
    result = check_spec(replace(spec, name="golden", path="<golden>"))
    # statistics vary with engine improvements; the story must not
    steady = tuple(replace(r, stats=Stats(0, 0, 0, 0.0)) for r in result.results)
    return render(replace(result, results=steady))


@pytest.mark.parametrize("name", sorted(CASES))
def test_post_mortem_matches_golden(name: str) -> None:
    text = _report(CASES[name])
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("MQCHECK_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
