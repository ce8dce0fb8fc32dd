"""What one catalog entry says about a Kafka property: its type, accepted values, defaults
per release line and where Kafka documents it. The tables are in `kafka_properties` (what the
model reads) and `kafka_properties_unmodelled` (accepted, reported as not modelled).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mqcheck.spec.property_kinds import PropType as PropType  # re-exported: the catalog's types
from mqcheck.spec.property_kinds import Scope as Scope
from mqcheck.spec.schema import INT_MAX, LONG_MAX, KafkaVersion
from mqcheck.spec.versions import SUPPORTED_LINES, Line, at_least

SCOPES: tuple[Scope, ...] = ("broker", "topic", "producer", "consumer", "streams")

#: Java's ranges: Kafka parses INT and LONG properties with Integer/Long.parseLong.
JAVA_RANGES: dict[str, tuple[int, int]] = {
    "int": (-(2**31), INT_MAX),
    "long": (-(2**63), LONG_MAX),
}

_DOC_SECTION: dict[Scope, str] = {
    "broker": "brokerconfigs",
    "topic": "topicconfigs",
    "producer": "producerconfigs",
    "consumer": "consumerconfigs",
    "streams": "streamsconfigs",
}


@dataclass(frozen=True)
class Default:
    """The default from release line `since` on (until the next Default of the property)."""

    since: Line
    value: object
    source: str = ""  # the KIP / JIRA that set it, e.g. "KIP-679"


@dataclass(frozen=True)
class Allowed:
    """One value of an enum property and the release lines that accept it."""

    value: str
    since: Line = (0, 10)
    until: Line | None = None  # last line that accepts it; None: still accepted
    source: str = ""


@dataclass(frozen=True)
class KafkaProperty:
    name: str
    scope: Scope
    type: PropType
    defaults: tuple[Default, ...]  # oldest first; () when mqcheck records no default
    modelled: bool
    allowed: tuple[Allowed, ...] = ()
    minimum: int | None = None  # Kafka's atLeast/between validator
    #: lower bounds added by later lines, oldest first: (line, minimum, source)
    minimum_from: tuple[tuple[Line, int, str], ...] = ()
    maximum: int | None = None
    nullable: bool = False  # null is a legal value (e.g. transactional.id, log.flush.interval.ms)
    since: Line = (0, 10)  # first line where the property exists
    since_source: str = ""
    until: Line | None = None  # last line where it exists
    until_source: str = ""
    doc: str = ""  # anchor in Kafka's documentation; derived from scope and name when empty

    def exists_in(self, version: KafkaVersion) -> bool:
        if not at_least(version, self.since):
            return False
        return self.until is None or not at_least(version, _next_line(self.until))

    def default_for(self, version: KafkaVersion) -> Default | None:
        """The default Kafka applies in `version`, or None when none is recorded."""
        chosen: Default | None = None
        for default in self.defaults:
            if at_least(version, default.since):
                chosen = default
        return chosen

    def minimum_in(self, version: KafkaVersion) -> int | None:
        """The lower bound Kafka's ConfigDef enforces in `version` (num.replica.fetchers: 1
        from 4.2)."""
        bound = self.minimum
        for line, minimum, _source in self.minimum_from:
            if at_least(version, line):
                bound = minimum
        return bound

    def allowed_in(self, version: KafkaVersion) -> tuple[str, ...]:
        return tuple(
            item.value
            for item in self.allowed
            if at_least(version, item.since)
            and (item.until is None or not at_least(version, _next_line(item.until)))
        )

    def allowed_entry(self, value: str) -> Allowed | None:
        for item in self.allowed:
            if item.value == value:
                return item
        return None

    def anchor(self) -> str:
        return self.doc or f"{_DOC_SECTION[self.scope]}_{self.name}"

    def doc_url(self, version: KafkaVersion | None = None) -> str:
        """Kafka's documentation of the property, for the given line when one is given."""
        if version is None:
            return f"https://kafka.apache.org/documentation/#{self.anchor()}"
        # The 0.x lines' documentation lives under /0102/ (0.10.2) and /0110/ (0.11.0).
        folder = {(0, 10): "0102", (0, 11): "0110"}.get(
            (version.major, version.minor), f"{version.major}{version.minor}"
        )
        return f"https://kafka.apache.org/{folder}/documentation.html#{self.anchor()}"


def _next_line(line: Line) -> Line:
    """The line after `line`, for 'until' bounds (3.9 → 4.0, 2.8 → 3.0, 1.1 → 2.0)."""
    later = [candidate for candidate in SUPPORTED_LINES if candidate > line]
    return later[0] if later else (line[0] + 1, 0)


def enum_values(*values: str) -> tuple[Allowed, ...]:
    return tuple(Allowed(value) for value in values)


def prop(
    name: str,
    scope: Scope,
    type_: PropType,
    default: object = None,
    *,
    defaults: Iterable[Default] | None = None,
    modelled: bool = False,
    allowed: tuple[Allowed, ...] = (),
    minimum: int | None = None,
    maximum: int | None = None,
    nullable: bool = False,
    since: Line = (0, 10),
    since_source: str = "",
    until: Line | None = None,
    until_source: str = "",
    doc: str = "",
) -> KafkaProperty:
    """Shorthand for a catalog row: one `default` for every line, or the `defaults` history."""
    history = tuple(defaults) if defaults is not None else (Default((0, 10), default),)
    return KafkaProperty(
        name=name,
        scope=scope,
        type=type_,
        defaults=history,
        modelled=modelled,
        allowed=allowed,
        minimum=minimum,
        maximum=maximum,
        nullable=nullable,
        since=since,
        since_source=since_source,
        until=until,
        until_source=until_source,
        doc=doc,
    )
