"""A configuration of the knobs as a spec: the user's YAML with the changed keys written,
loaded by the ordinary loader, so Kafka's refusals and derivations apply as they would to
a spec the user wrote.

A setting left to a default can move when another one changes (Kafka 3.x silently turns
enable.idempotence off for acks=1, a missing cluster.brokers follows replication.factor),
so the loaded values are compared with the configuration: an unchanged setting that moved
is written explicitly (a *pin*) and the spec reloaded; a changed one that Kafka derived
differently makes the configuration unrealisable, like a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mqcheck.review.repair.solver import Config
from mqcheck.review.repair.space import SearchSpace, Write
from mqcheck.review.spec_variants import apply
from mqcheck.spec.errors import format_errors
from mqcheck.spec.load import load_spec_data
from mqcheck.spec.schema import Spec


@dataclass(frozen=True)
class Variant:
    config: Config
    spec: Spec | None  # None: Kafka refuses it, or derives something else
    changes: tuple[Write, ...]  # the keys the changed knobs write
    pins: tuple[Write, ...]  # unchanged settings written so that they keep their value
    refusal: str = ""


def same(a: object, b: object) -> bool:
    return a == b and type(a) is type(b)


@dataclass
class Variants:
    base: Spec
    data: Mapping[str, Any]
    space: SearchSpace
    _cache: dict[Config, Variant] = field(default_factory=dict)

    def realise(self, config: Config) -> Spec | None:
        return self.get(config).spec

    def get(self, config: Config) -> Variant:
        if config not in self._cache:
            self._cache[config] = self._build(config)
        return self._cache[config]

    def changes(self, config: Config) -> tuple[Write, ...]:
        return tuple(
            w
            for knob, value in zip(self.space.knobs, config, strict=True)
            if not same(value, knob.current)
            for w in knob.writes(value)
        )

    def _build(self, config: Config) -> Variant:
        changes = self.changes(config)
        pins: tuple[Write, ...] = ()
        for _attempt in range(2):
            data: dict[str, Any] = dict(self.data)
            for path, value in (*changes, *pins):
                data = apply(data, path, value)
            loaded = load_spec_data(data, self.base.path)
            if loaded.spec is None:
                return Variant(config, None, changes, pins, format_errors(loaded.errors))
            moved = self._moved(loaded.spec, config)
            if not moved:
                return Variant(config, loaded.spec, changes, pins)
            if pins or any(not unchanged for _, unchanged in moved):
                why = ", ".join(f"{w[0][-1]}" for w, _ in moved)
                return Variant(config, None, changes, pins, f"Kafka derives other values: {why}")
            pins = tuple(w for w, _ in moved)
        raise AssertionError("unreachable")  # pragma: no cover

    def _moved(self, spec: Spec, config: Config) -> list[tuple[Write, bool]]:
        """(a write that restores it, whether it was meant unchanged) per setting that moved."""
        out: list[tuple[Write, bool]] = []
        for knob, value in zip(self.space.knobs, config, strict=True):
            if not same(knob.read(spec), value):
                unchanged = same(value, knob.current)
                out.extend((w, unchanged) for w in knob.writes(value))
        if (
            not any(k.name == "brokers" for k in self.space.knobs)
            and spec.brokers != self.base.brokers
        ):
            out.append(((("cluster", "brokers"), self.base.brokers), True))
        return out
