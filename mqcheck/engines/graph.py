"""The explored state graph of a small spec, as a networkx DiGraph, and stuck pipelines.

For reviewers who want to look at the whole space (GraphML for yEd/Gephi, DOT for
graphviz): nodes are canonical states labelled by what differs from the initial state,
each value as the model means it (`alive_0=false`, `leader=broker 2`, `status_m1=acked`,
`log_0_0=m1`: the variables' kinds and labels), edges are actions with their step kind,
fault edges marked. A *stuck* state lies in a
terminal strongly connected component of the fault-free graph in which the delivery goal
never holds: once there, without further faults, the pipeline never delivers everything.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from mqcheck.ir.compile_py import compile_predicate, compile_system
from mqcheck.ir.symmetry import canonicalizer
from mqcheck.ir.system import Eventually, TransitionSystem, Variable
from mqcheck.result import Encoding

State = tuple[int, ...]


@dataclass(frozen=True)
class StateGraph:
    graph: nx.DiGraph[int]
    complete: bool  # False when max_states cut the exploration short
    stuck: frozenset[int]


def explore_graph(system: TransitionSystem, max_states: int = 20_000) -> StateGraph:
    compiled = compile_system(system)
    canon = canonicalizer(system) or (lambda s: s)
    init = canon(system.initial_state())
    variables = system.variables
    g: nx.DiGraph[int] = nx.DiGraph()
    ids: dict[State, int] = {init: 0}
    g.add_node(0, label=state_label(variables, init, init), initial=True)
    frontier = [init]
    complete = True
    while frontier:
        nxt: list[State] = []
        for s in frontier:
            for a, t in compiled.successors(s):
                c = canon(t)
                if c not in ids:
                    if len(ids) >= max_states:
                        complete = False
                        continue
                    ids[c] = len(ids)
                    g.add_node(ids[c], label=state_label(variables, init, c), initial=False)
                    nxt.append(c)
                action = system.actions[a]
                g.add_edge(
                    ids[s],
                    ids[c],
                    action=action.name,
                    kind=action.kind,
                    fault=action.fault is not None,
                )
        frontier = nxt
    stuck: set[int] = set()
    live = next((x for x in system.guarantees if isinstance(x, Eventually)), None)
    if live is not None and complete:
        goal = compile_predicate(system, live.goal)
        by_id = {i: s for s, i in ids.items()}
        fault_free: nx.DiGraph[int] = nx.DiGraph()
        fault_free.add_nodes_from(g.nodes)
        fault_free.add_edges_from((u, v) for u, v, d in g.edges(data=True) if not d["fault"])
        condensed = nx.condensation(fault_free)
        for comp in condensed.nodes:
            if condensed.out_degree(comp) == 0:
                members = condensed.nodes[comp]["members"]
                if not any(goal(by_id[m]) for m in members):
                    stuck.update(members)
    for n in g.nodes:
        g.nodes[n]["stuck"] = n in stuck
    return StateGraph(g, complete, frozenset(stuck))


def state_label(variables: tuple[Variable, ...], init: State, state: State) -> str:
    """What differs from the initial state, decoded: `isr_1=false, leader=broker 2`."""
    diff = [
        f"{v.name}={_read(v, x)}"
        for v, x, x0 in zip(variables, state, init, strict=True)
        if x != x0
    ]
    return ", ".join(diff) if diff else "initial state"


def _read(variable: Variable, value: int) -> str:
    read = Encoding(variable.kind, variable.labels).read(value)
    return str(read).lower() if isinstance(read, bool) else str(read)


def write_dot(sg: StateGraph, path: str) -> None:
    """DOT without pydot: faults dashed red, stuck states filled."""
    lines = ["digraph mqcheck {", "  node [shape=box, fontsize=9];"]
    for n, data in sg.graph.nodes(data=True):
        style = ' style=filled fillcolor="#f4cccc"' if data.get("stuck") else ""
        if data.get("initial"):
            style += " penwidth=2"
        label = str(data["label"]).replace('"', "'")
        lines.append(f'  s{n} [label="{label}"{style}];')
    for u, v, data in sg.graph.edges(data=True):
        extra = " color=red style=dashed" if data.get("fault") else ""
        lines.append(f'  s{u} -> s{v} [label="{data["kind"]}"{extra}];')
    lines.append("}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def write_graph(sg: StateGraph, path: str) -> None:
    if path.endswith(".dot"):
        write_dot(sg, path)
    else:
        nx.write_graphml(sg.graph, path)
