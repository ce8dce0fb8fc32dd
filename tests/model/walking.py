"""Resolve an action name for step-by-step walks through the model.

Crash actions are grounded by the current leader (`broker_crash(r,leader)`); a walk may
name them without the leader (`broker_crash(r)`) and gets the one enabled in that state."""

from __future__ import annotations

from mqcheck.ir.compile_py import CompiledSystem


def resolve(cs: CompiledSystem, index: dict[str, int], name: str, state: tuple[int, ...]) -> int:
    if name in index:
        return index[name]
    prefix = name[:-1] + ","
    enabled = [a for a, _ in cs.successors(state) if cs.system.actions[a].name.startswith(prefix)]
    assert len(enabled) == 1, f"{name}: enabled variants {enabled}"
    return enabled[0]
