"""The chance of a fingerprint collision is part of every explicit result (TLC reports it
too): in the stats, in the JSON, and in the text report once it is worth a look."""

from __future__ import annotations

import pytest

from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.frontier import FrontierChecker
from mqcheck.model.compile import build
from mqcheck.result import GuaranteeResult, Stats
from mqcheck.trace import render_text
from mqcheck.trace.render_json import result_json
from tests.factories import make_spec


def test_both_explicit_engines_report_tlcs_estimate() -> None:
    system = build(make_spec(rf=3, min_isr=2, faults={"broker_crash": 1}), ("at-most-once",))
    [ref] = ExplicitChecker(system, Limits()).check(("at-most-once",))
    [new] = FrontierChecker(system, Limits()).check(("at-most-once",))
    n, t = new.stats.states, new.stats.transitions
    assert t > n > 100
    assert new.stats.collision_probability == pytest.approx(n * (t - n) / 2**64)
    assert ref.stats.collision_probability == new.stats.collision_probability
    stats = result_json(new)["stats"]
    assert stats["fingerprint_collision_probability"] == float(f"{n * (t - n) / 2**64:.2g}")


def _result(chance: float | None) -> GuaranteeResult:
    stats = Stats(10**7, 6 * 10**7, 40, 30.0, 2000.0, chance)
    return GuaranteeResult("at-most-once", "holds", "explicit", {}, stats)


def test_the_z3_engine_has_no_fingerprints_to_report() -> None:
    assert "fingerprint_collision_probability" not in result_json(_result(None))["stats"]


def test_the_text_report_mentions_a_notable_chance_only() -> None:
    assert "collision chance 3e-05" in render_text._stats(_result(2.7e-5))
    assert "collision" not in render_text._stats(_result(1e-9))
