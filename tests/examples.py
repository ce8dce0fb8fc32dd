"""The contract's public example specs, wherever this checkout has them.

Next to the shared contract they are `../shared/examples`; a clone has no `../shared`, and
then the copies shipped in `examples/` (byte for byte the same files) stand in, without the
repository's own additions there, so every test sees the same eight specs either way.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SHARED = ROOT.parent / "shared" / "examples"
#: Specs in examples/ that are the repository's own, not the contract's.
OWN = frozenset({"group-two-partitions.yaml"})
EXAMPLES_DIR = _SHARED if _SHARED.is_dir() else ROOT / "examples"
EXAMPLES = sorted(p for p in EXAMPLES_DIR.glob("*.yaml") if p.name not in OWN)
