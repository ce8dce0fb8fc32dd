"""`mqcheck graph`'s state graph: node labels say what the model means (booleans, broker
names, statuses, messages), not how it encodes it."""

from __future__ import annotations

import re

from mqcheck.engines.graph import explore_graph, state_label
from mqcheck.model.compile import build
from tests.factories import make_spec


def test_node_labels_decode_the_encoding() -> None:
    system = build(
        make_spec(acks=1, idempotence=False, faults={"broker_crash": 1}, messages=1),
        ("at-least-once",),
    )
    sg = explore_graph(system)
    assert sg.complete
    labels = [str(d["label"]) for _, d in sg.graph.nodes(data=True)]
    text = "\n".join(labels)
    assert labels[0] == "initial state"
    assert "status_m1=acked" in text and "log_0_0=m1" in text
    assert "alive_0=false" in text and "leader=none" in text and "=not fetched" in text
    # no flag, status, leader or log entry shows its integer code
    coded = re.compile(r"\b(alive_\d|isr_\d|status_m\d|leader|log_\d_\d|c0_buf_\d)=-?\d")
    assert not any(coded.search(label) for label in labels)
    # a counter is still a number
    assert re.search(r"\bleo_0=1\b", text)


def test_a_replica_index_reads_as_its_broker() -> None:
    """Broker r is "broker r+1", as in every trace sentence (the symmetry reduction keeps
    the explored leader at broker 1, so this reads a state by hand)."""
    system = build(make_spec(rf=3, messages=1), ("at-least-once",))
    init = system.initial_state()
    index = system.index()
    moved = list(init)
    moved[index["leader"]] = 2
    moved[index["isr_1"]] = 0
    assert state_label(system.variables, init, tuple(moved)) == "isr_1=false, leader=broker 3"
