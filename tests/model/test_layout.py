"""The model builder (mqcheck/model/layout.py) refuses a model that writes a variable it
never declared: updates name variables by string, and the compiled model would drop the
write, so a misspelt name would silently vanish from the model."""

from __future__ import annotations

import pytest

from mqcheck.ir.expr import TRUE, ite
from mqcheck.ir.system import Action
from mqcheck.model.layout import ModelBuilder, Partition
from tests.factories import make_spec


def _builder() -> ModelBuilder:
    spec = make_spec()
    topic = spec.topics["events"]
    part = Partition(index=0, topic=topic, replicas=3, capacity=2, track_flush=False)
    b = ModelBuilder(spec, [part], n_messages=1, gens=1, producers=[], consumers=[])
    b.var("hw", 0, 2, 0)
    return b


def _action(target: str) -> Action:
    return Action(
        name="advance",
        kind="fetch",
        actor="broker:1",
        guard=TRUE,
        updates={target: ite(TRUE, 1, 0)},
        text="",
    )


def test_an_update_of_an_undeclared_variable_is_an_error() -> None:
    b = _builder()
    with pytest.raises(ValueError, match=r"advance updates undeclared variable\(s\) \['hwm'\]"):
        b.add(_action("hwm"))
    assert b.actions == []


def test_an_update_of_a_declared_variable_is_added() -> None:
    b = _builder()
    b.add(_action("hw"))
    assert [a.name for a in b.actions] == ["advance"]
