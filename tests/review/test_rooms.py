"""review/ is in rooms: checklist/, whatif/ and repair/ each import the shared modules of
review/ (spec_variants, story) and the layers below, never another room, and nothing in the
package imports the CLI. Imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mqcheck"
ROOMS = ("checklist", "whatif", "repair")


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in out if name.startswith("mqcheck")}


def test_no_room_imports_another() -> None:
    for room in ROOMS:
        for path in (PACKAGE / "review" / room).glob("*.py"):
            for name in _imports(path):
                for other in ROOMS:
                    if other != room:
                        assert not name.startswith(f"mqcheck.review.{other}"), (path, name)


def test_the_shared_review_modules_import_no_room() -> None:
    for path in (PACKAGE / "review").glob("*.py"):
        for name in _imports(path):
            assert not any(name.startswith(f"mqcheck.review.{r}") for r in ROOMS), (path, name)


def test_nothing_imports_the_cli_and_trace_imports_no_review() -> None:
    for path in PACKAGE.rglob("*.py"):
        names = _imports(path)
        if path.name != "__main__.py":  # `python -m mqcheck` is the CLI itself
            assert "mqcheck.cli" not in names, path
        if path.parent.name == "trace":
            assert not any(n.startswith("mqcheck.review") for n in names), path
        if path.name == "exits.py":
            assert all(n.startswith("mqcheck.result") for n in names), names
