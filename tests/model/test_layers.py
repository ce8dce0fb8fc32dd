"""model/ imports one way: the state modules (layout, outcomes, watermark, *_state) sit
below the action modules, so no module of model/ reaches back to one that imports it, and
none hides a cycle in an import inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import mqcheck.model

MODEL = Path(mqcheck.model.__file__).parent
PACKAGE = "mqcheck.model"


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported mqcheck module, imported inside a function or class) for every import."""
    tree = ast.parse(path.read_text())
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            nested |= {id(inner) for inner in ast.walk(node) if inner is not node}
    out: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [
                (a.name, id(node) in nested) for a in node.names if a.name.startswith("mqcheck")
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mqcheck"):
            module = node.module or ""
            for alias in node.names:
                # `from mqcheck.model import processors` imports the module processors
                sub = f"{module}.{alias.name}"
                name = (
                    sub if (MODEL / f"{alias.name}.py").exists() and module == PACKAGE else module
                )
                out.append((name, id(node) in nested))
    return out


def _graph() -> dict[str, set[str]]:
    return {
        f"{PACKAGE}.{path.stem}": {m for m, _ in _imports(path) if m.startswith(PACKAGE + ".")}
        for path in sorted(MODEL.glob("*.py"))
        if path.stem != "__init__"
    }


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of the graph, or [] when it has none (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_inside_a_function_in_model() -> None:
    lazy = [
        f"{path.name}: {module}"
        for path in sorted(MODEL.glob("*.py"))
        for module, nested in _imports(path)
        if nested
    ]
    assert lazy == []


def test_model_modules_form_no_cycle() -> None:
    assert _cycle(_graph()) == []


def test_cycle_finder_sees_a_cycle() -> None:
    """The check above would pass on any graph if the finder were broken."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_state_modules_import_no_action_module() -> None:
    """The tier the action modules share reads the layout only, never an action module."""
    actions = {
        f"{PACKAGE}.{name}"
        for name in (
            "consumer",
            "election",
            "processors",
            "producer",
            "replication",
            "storage",
            "transactions",
        )
    }
    graph = _graph()
    lower = ("layout", "outcomes", "watermark", "consumer_state", "producer_state")
    lower += ("transaction_state", "processor_state")
    reaching = {m: graph[f"{PACKAGE}.{m}"] & actions for m in lower}
    assert reaching == {m: set() for m in lower}
