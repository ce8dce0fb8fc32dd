"""What the loader carries while it walks one spec: the version, the problems found, and the
effective settings with their origins, which become `Spec.settings` for explain-defaults."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from mqcheck.spec.errors import Problems
from mqcheck.spec.kafka_property import Default, KafkaProperty
from mqcheck.spec.schema import EffectiveSetting, KafkaVersion, Origin
from mqcheck.spec.tree import Entry, Position
from mqcheck.spec.values import Reader
from mqcheck.spec.versions import ParsedVersion


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@dataclass
class LoadContext:
    problems: Problems
    version: ParsedVersion
    settings: list[EffectiveSetting] = field(default_factory=list)
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    not_modelled: set[str] = field(default_factory=set)

    @property
    def reader(self) -> Reader:
        return Reader(self.problems)

    @property
    def kafka(self) -> KafkaVersion:
        return self.version.version

    def saw(self, key_path: str, position: Position | None) -> None:
        if position is not None:
            self.positions.setdefault(key_path, position)

    def record(
        self, scope: str, name: str, value: object, origin: Origin, *, modelled: bool = True
    ) -> None:
        self.settings.append(EffectiveSetting(scope, name, value, origin, modelled))

    def mark_modelled(self, scope: str, name: str) -> None:
        """A setting accepted as not modelled turns out to be read by the model (a share
        group's delivery limit left to the broker's group.share.delivery.count.limit): its
        row and the not-modelled list say so. It was type- and range-checked when read."""
        for k, s in enumerate(self.settings):
            if s.scope == scope and s.name == name and not s.modelled:
                origin = replace(s.origin, note="")
                self.settings[k] = replace(s, origin=origin, modelled=True)
        self.not_modelled.discard(name)

    def recorded(self, scope: str, name: str) -> bool:
        return any(s.scope == scope and s.name == name for s in self.settings)

    def from_spec(
        self, entry: Entry, key_path: str, source: str = "spec", note: str = ""
    ) -> Origin:
        line, column = entry.position if entry.position else (None, None)
        return Origin(source, key_path, line, column, note)

    def version_default(self, prop: KafkaProperty, key_path: str) -> tuple[object, Origin]:
        """Kafka's default for `prop` in the spec's version, with the origin that says so."""
        default = prop.default_for(self.kafka) or Default(prop.since, None)
        return default.value, Origin("version default", key_path, note=self.default_note(default))

    def default_note(self, default: Default) -> str:
        return f"{self.kafka}; {default.source}" if default.source else str(self.kafka)
