"""Step-by-step walks through the compiled model, shared by the model tests.

Crash actions are grounded by the current leader (`broker_crash(r,leader)`); a walk may
name them without the leader (`broker_crash(r)`) and gets the one enabled in that state."""

from __future__ import annotations

from collections.abc import Sequence

from mqcheck.ir.compile_py import CompiledSystem, compile_system
from mqcheck.ir.system import TransitionSystem
from mqcheck.model.compile import build
from mqcheck.spec.schema import Spec

State = tuple[int, ...]


def resolve(cs: CompiledSystem, index: dict[str, int], name: str, state: State) -> int:
    if name in index:
        return index[name]
    prefix = name[:-1] + ","
    enabled = [a for a, _ in cs.successors(state) if cs.system.actions[a].name.startswith(prefix)]
    assert len(enabled) == 1, f"{name}: enabled variants {enabled}"
    return enabled[0]


def walk(
    spec: Spec, names: Sequence[str], guarantees: tuple[str, ...] | None = None
) -> tuple[TransitionSystem, CompiledSystem, State]:
    """Apply the named actions in order from the initial state; each must be enabled."""
    ts = build(spec, guarantees)
    cs = compile_system(ts)
    index = {a.name: i for i, a in enumerate(ts.actions)}
    state = ts.initial_state()
    for name in names:
        after = cs.apply(resolve(cs, index, name, state), state)
        enabled = [ts.actions[a].name for a, _ in cs.successors(state)]
        assert after is not None, f"{name} not enabled; enabled: {enabled}"
        state = after
    return ts, cs, state


def value(ts: TransitionSystem, state: State, name: str) -> int:
    return state[ts.index()[name]]


def enabled_names(ts: TransitionSystem, cs: CompiledSystem, state: State) -> list[str]:
    return [ts.actions[a].name for a, _ in cs.successors(state)]
