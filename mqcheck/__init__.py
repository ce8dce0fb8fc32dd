"""mqcheck: a model checker for Kafka delivery guarantees.

The public Python API (docs/api.md) is `check`, `check_spec`, `load`, `render`,
`InvalidSpec` and `__version__`. They are resolved on first use (PEP 562 `__getattr__`), so
that importing a sub-package such as `mqcheck.spec` costs only that sub-package: no
engines, no z3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mqcheck.api import InvalidSpec, check, check_spec, load, render

__all__ = ["InvalidSpec", "__version__", "check", "check_spec", "load", "render"]

_API = frozenset({"InvalidSpec", "check", "check_spec", "load", "render"})


def __getattr__(name: str) -> Any:
    if name in _API:
        from mqcheck import api

        return getattr(api, name)
    if name == "__version__":
        from importlib import metadata

        try:
            return metadata.version("mqcheck")
        except metadata.PackageNotFoundError:  # run from a source tree that was never installed
            return "0.0.0"
    raise AttributeError(f"module 'mqcheck' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
