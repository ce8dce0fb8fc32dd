"""A model too large to compile is refused before any source is generated, with the
verdict `unknown` and the reason, like the search's limits (issue 19: compiling one spec
took 11 GB before a state was explored)."""

from __future__ import annotations

import functools

import pytest

from mqcheck.model.compile import MAX_ACTIONS, MAX_SOURCE_BYTES, UnsupportedSpec, build
from mqcheck.run import check_spec
from tests.factories import make_spec

SPEC = make_spec(faults={"broker_crash": 1})


def test_over_the_action_limit_names_the_count_and_the_limit() -> None:
    n = len(build(SPEC).actions)
    with pytest.raises(
        UnsupportedSpec, match=rf"has {n} grounded actions, over the limit of {n - 1}"
    ):
        build(SPEC, max_actions=n - 1)
    assert len(build(SPEC, max_actions=n).actions) == n


def test_grounding_stops_far_over_the_limit() -> None:
    n = len(build(SPEC).actions)
    limit = n // 4
    with pytest.raises(UnsupportedSpec, match=rf"more than {2 * limit} grounded actions"):
        build(SPEC, max_actions=limit)


def test_over_the_source_limit_is_refused() -> None:
    with pytest.raises(UnsupportedSpec, match=r"bytes of generated code, over the limit of 1,000"):
        build(SPEC, max_source_bytes=1000)


def test_a_model_over_the_limit_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    import mqcheck.run

    monkeypatch.setattr(mqcheck.run, "build", functools.partial(build, max_source_bytes=1000))
    (result,) = check_spec(SPEC, ["at-least-once"]).results
    assert result.verdict == "unknown"
    assert "not modelled: the model has" in (result.reason or "")


def test_the_limits_leave_room_over_the_largest_shipped_spec() -> None:
    """specs/streams-exactly-once-chain.yaml: 1,548 actions, about 1.2 MB of source."""
    assert MAX_ACTIONS >= 5 * 1548 and MAX_SOURCE_BYTES >= 5 * 1_200_000
