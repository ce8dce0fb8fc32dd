"""Generated Python is a pure function of the transition system: the same model compiles
to the same text however many models were compiled before, which is what lets repair's
compiled-action cache reuse code across the many similar models it checks."""

from __future__ import annotations

import pytest

from mqcheck.ir import compile_py
from mqcheck.ir.compile_py import (
    ActionCode,
    compile_actions,
    compile_system,
    source_bytes_estimate,
)
from mqcheck.ir.system import TransitionSystem
from mqcheck.model.compile import build
from tests.factories import make_spec


def _system() -> TransitionSystem:
    """A model whose updates take minima (log truncation on a broker crash), so its
    source holds min/max temporaries."""
    return build(make_spec(faults={"broker_crash": 1, "broker_power_loss": 1}))


def test_same_system_compiles_to_the_same_source() -> None:
    system = _system()
    first = compile_system(system).source
    assert "_a0" in first  # temporaries are there to be numbered
    assert compile_system(system).source == first


def test_equal_systems_built_apart_compile_to_the_same_source() -> None:
    assert compile_system(_system()).source == compile_system(_system()).source


def test_compiled_action_cache_hits_across_equal_models() -> None:
    one, two = _system(), _system()
    with_min = [i for i, a in enumerate(one.actions) if "min" in repr(a.updates)]
    assert with_min
    cache: dict[str, ActionCode] = {}
    first = compile_actions(one, with_min, cache)
    size = len(cache)
    second = compile_actions(two, with_min, cache)
    assert len(cache) == size
    assert all(second[i] is first[i] for i in with_min)


def test_guards_and_updates_compiled_on_use_agree_with_the_successor_function() -> None:
    """Each action's own code is compiled when first used; it must give exactly the
    successors the search's function gives, in every state of a short breadth-first walk."""
    compiled = compile_system(_system())
    n = len(compiled.system.actions)
    frontier = [compiled.system.initial_state()]
    seen = set(frontier)
    for _ in range(4):
        following = []
        for state in frontier:
            expected = compiled.successors(state)
            by_action = [
                (i, compiled.updates[i](state)) for i in range(n) if compiled.guards[i](state)
            ]
            assert sorted(by_action) == sorted(expected)
            assert all(compiled.apply(i, state) == after for i, after in expected)
            for _, after in expected:
                if after not in seen:
                    seen.add(after)
                    following.append(after)
        frontier = following[:30]
    assert len(seen) > 10
    assert len(compiled.guards) == n and compiled.guards[-1] is compiled.guards[n - 1]


def test_source_estimate_is_close_to_the_generated_source() -> None:
    """The model's size limit is checked on the estimate, before any source exists."""
    for system in (_system(), build(make_spec(messages=3, faults={"produce_response_lost": 2}))):
        actual = len(compile_system(system).source)
        assert 0.75 * actual < source_bytes_estimate(system) < 1.25 * actual


def test_a_long_successor_function_compiled_in_pieces_gives_the_same_successors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past SPLIT_BYTES the successor function is compiled as pieces called in order; the
    successors, and their order (which decides the search's order), must not change."""
    system = _system()
    whole = compile_system(system)
    monkeypatch.setattr(compile_py, "SPLIT_BYTES", 1000)
    monkeypatch.setattr(compile_py, "PIECE_BYTES", 2000)
    pieces = compile_system(system)
    assert "def _piece_3(" in pieces.source and "_h0 = " in pieces.source
    frontier = [system.initial_state()]
    seen = set(frontier)
    for _ in range(5):
        following = []
        for state in frontier:
            assert pieces.successors(state) == whole.successors(state)
            for _, after in whole.successors(state):
                if after not in seen:
                    seen.add(after)
                    following.append(after)
        frontier = following[:40]
    assert len(seen) > 10
