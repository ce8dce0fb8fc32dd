"""`mqcheck repair -o FIXED.yaml`: the spec's own text with one repair written into it.

The edits go in at the positions the YAML records (yaml_edit.py), so layout and comments
stay. Entries of the `expect:` block for the guarantees that were re-checked are updated to
the verified verdicts, so `mqcheck check FIXED.yaml` agrees with the file. The written text
is then loaded again and must give every knob the repaired value and, field by field, the
very configuration that was checked: a file that says something else is never handed back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mqcheck.review.repair.search import Alternative, Repair
from mqcheck.review.repair.space import Write
from mqcheck.review.repair.variants import same
from mqcheck.review.repair.yaml_edit import edit
from mqcheck.spec.errors import format_errors
from mqcheck.spec.load import load_spec_text, yaml_data


@dataclass(frozen=True)
class Fixed:
    text: str
    kept_layout: bool
    expect_updates: tuple[tuple[str, str, str], ...]  # (guarantee, expected before, now)


#: Everything the model reads: the written file must be exactly the configuration checked.
_CONFIGURATION = (
    "kafka_version",
    "brokers",
    "topics",
    "producers",
    "processors",
    "consumers",
    "faults",
    "check",
    "offsets_retention_minutes",
)


class WriteFailed(RuntimeError):
    """The edited text does not load to the repaired configuration (a bug in mqcheck)."""


def _expect_writes(
    data: Mapping[str, Any], r: Repair, a: Alternative
) -> list[tuple[Write, tuple[str, str, str]]]:
    expect = data.get("expect")
    if not isinstance(expect, Mapping):
        return []
    verdicts = {r.guarantee: a.result.verdict, **{g: after for g, _, after in a.others}}
    out: list[tuple[Write, tuple[str, str, str]]] = []
    for guarantee, verdict in verdicts.items():
        before = expect.get(guarantee)
        if before is None or before == verdict or verdict == "unknown":
            continue
        out.append(((("expect", guarantee), verdict), (guarantee, str(before), verdict)))
    return out


def fixed_text(r: Repair, text: str, choice: int = 0) -> Fixed:
    """The spec text with alternative `choice` (0: the cheapest) written in."""
    a = r.alternatives[choice]
    data = yaml_data(text)
    expect = _expect_writes(data if isinstance(data, Mapping) else {}, r, a)
    edited = edit(text, (*a.writes, *(w for w, _ in expect)))
    loaded = load_spec_text(edited.text, r.spec.path)
    if loaded.spec is None:
        raise WriteFailed("the edited spec does not load: " + format_errors(loaded.errors))
    for knob, value in zip(r.space.knobs, a.config, strict=True):
        found = knob.read(loaded.spec)
        if not same(found, value):
            raise WriteFailed(f"{knob.id} reads {found!r} in the edited spec, not {value!r}")
    for part in _CONFIGURATION:
        if getattr(loaded.spec, part) != getattr(a.repaired, part):
            raise WriteFailed(f"the edited spec's {part} differ from the spec that was checked")
    for guarantee, _, verdict in (u for _, u in expect):
        if loaded.spec.expect.get(guarantee) != verdict:
            raise WriteFailed(f"expect.{guarantee} was not updated to {verdict}")
    return Fixed(edited.text, edited.kept_layout, tuple(u for _, u in expect))
