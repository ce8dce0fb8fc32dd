"""`mqcheck import`: a first spec from the .properties files a team already has.

Every line of the files ends up somewhere a reviewer can see it: a property the model reads is
placed in the spec, a real Kafka property it does not read is placed with a `# not modelled`
comment, and anything else (a property of another client, one this Kafka version does not have,
an invalid value, a credential) stays out as `# not placed: key=value (why)`. Credentials are
never copied. What the files cannot say (the broker count, the faults, what to check) gets
defaults marked for review. The result is loaded again before it is written, so it is a valid
spec or the import reports why not. Copied text is escaped (mqcheck/spec/yaml_text.py): a
value can never end its comment early or become a key of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.context import LoadContext
from mqcheck.spec.errors import Problems, SpecError
from mqcheck.spec.kafka_property import KafkaProperty, Scope
from mqcheck.spec.keys import INVALID, check_type
from mqcheck.spec.load import MAX_SPEC_BYTES, load_spec_text
from mqcheck.spec.properties_file import PropertiesFile, Property, read_properties_file
from mqcheck.spec.tree import Node
from mqcheck.spec.values import integer_value
from mqcheck.spec.versions import ParsedVersion, parse_version_text
from mqcheck.spec.yaml_text import comment, escaped, lone_surrogate, yaml_scalar

__all__ = ["DEFAULT_KAFKA_VERSION", "ImportResult", "import_spec", "yaml_scalar"]

DEFAULT_KAFKA_VERSION = "3.7"
_SECRET = re.compile(r"password|secret|jaas|credential|\.token|\.key$", re.IGNORECASE)
_NAME = re.compile(r"[^a-zA-Z0-9_.-]+")

#: What the files cannot say: mqcheck's suggested run, to be reviewed.
_FAULTS = (
    ("broker_crash", "1"),
    ("broker_power_loss", "0"),
    ("simultaneous_power_loss", "0"),
    ("produce_request_lost", "1"),
    ("produce_response_lost", "1"),
    ("consumer_crash", "1"),
    ("producer_crash", "0"),
    ("processor_crash", "0"),
    ("follower_lag", "true"),
    ("offsets_expire", "0"),
    ("delivery_timeout", "0"),
)


@dataclass
class ImportResult:
    text: str  # the spec (YAML with comments)
    errors: tuple[SpecError, ...] = ()  # problems of the produced spec (Kafka refusals)
    file_errors: list[str] = field(default_factory=list)  # unreadable .properties files


@dataclass
class _Section:
    """The lines of one spec section: placed properties and comments about the rest."""

    lines: list[str] = field(default_factory=list)

    def place(self, key: str, value: object, comment: str = "") -> None:
        line = f"{key}: {yaml_scalar(value)}"
        self.lines.append(f"{line}  # {comment}" if comment else line)

    def note(self, text: str) -> None:
        self.lines.append(comment(text))


def import_spec(
    *,
    producer: str | None,
    broker: str | None,
    consumer: str | None,
    topics: Sequence[str],
    output: str,
    kafka_version: str = DEFAULT_KAFKA_VERSION,
    brokers: int | None = None,
) -> ImportResult:
    """Build the spec text from the given files; nothing is written here."""
    version = parse_version_text(kafka_version)
    if version is None:
        return ImportResult("", file_errors=[f"unknown Kafka version '{kafka_version}'"])
    files: dict[str, PropertiesFile] = {}
    file_errors: list[str] = []
    for kind, path in (("producer", producer), ("broker", broker), ("consumer", consumer)):
        if path is None:
            continue
        try:
            parsed = read_properties_file(path)
        except OSError as error:
            file_errors.append(f"{path}: cannot read: {error.strerror or error}")
            continue
        file_errors.extend(f"{path}:{line}: {message}" for line, message in parsed.errors)
        files[kind] = parsed
    if file_errors:
        return ImportResult("", file_errors=file_errors)
    writer = _Writer(version, files, list(topics) or ["events"], output, brokers)
    text = writer.render({"producer": producer, "broker": broker, "consumer": consumer})
    if len(text) > MAX_SPEC_BYTES:  # `check` would refuse it: say so before writing it
        return ImportResult(
            "",
            file_errors=[
                f"{output}: the spec would be {len(text):,} characters, over the "
                f"{MAX_SPEC_BYTES:,} bytes a spec may have: the .properties files hold more than "
                "a client configuration does"
            ],
        )
    result = load_spec_text(text, output)
    return ImportResult(text, result.errors)


class _Writer:
    def __init__(
        self,
        version: ParsedVersion,
        files: dict[str, PropertiesFile],
        topics: list[str],
        output: str,
        brokers: int | None,
    ) -> None:
        self.version, self.files, self.topics = version, files, topics
        self.name = _name(Path(output).stem) or "imported"
        self.brokers = brokers
        self.ctx = LoadContext(Problems("<import>"), version)

    def render(self, sources: dict[str, str | None]) -> str:
        used = ", ".join(f"--{kind} {escaped(path)}" for kind, path in sources.items() if path)
        broker = self._section("broker", "broker")
        producer = self._section("producer", "producer")
        consumer = self._section("consumer", "consumer")
        out = [
            f"# Imported by `mqcheck import` from {used or 'no .properties files'}.",
            "# Review it: the cluster size, the faults and the check block are mqcheck's",
            "# suggestions, not something the .properties files say.",
            "mqcheck: 1",
            f"name: {yaml_scalar(self.name)}",
            "description: imported from Kafka .properties files",
            f"kafka_version: {json.dumps(self.version.text)}",
            "cluster:",
            f"  brokers: {self._broker_count()}  # not in .properties files: set the real count",
        ]
        if self.files.get("broker") is not None:
            out.append("broker:" if broker.lines else "broker: {}")
            out.extend(f"  {line}" for line in broker.lines)
        out.append("topics:")
        for topic in self.topics:
            out.append(
                f"  {yaml_scalar(topic)}: {{}}  # partitions, replication.factor: broker defaults"
            )
        out.extend(self._clients("producers", "producer", producer))
        out.extend(self._clients("consumers", "consumer", consumer))
        out.append("faults:  # mqcheck's suggestion: one of each common fault")
        out.extend(f"  {fault}: {count}" for fault, count in _FAULTS)
        out.extend(
            ["check:", "  guarantees: [at-least-once]", "  messages: 2", "  engine: explicit"]
        )
        return "\n".join(out) + "\n"

    def _broker_count(self) -> int:
        if self.brokers is not None:
            return self.brokers
        wanted = self._broker_int("default.replication.factor")
        return max(3, wanted or 1)

    def _broker_int(self, key: str) -> int | None:
        """A broker setting read as Kafka reads an int (ASCII digits: Python's int() would
        take `1_000` and `٣`), if it can be a replica count (a Java short, at least 1)."""
        parsed = self.files.get("broker")
        prop = parsed.effective().get(key) if parsed else None
        if prop is None:
            return None
        value = integer_value(Node("scalar", value=prop.value.strip(), quoted=True))
        return value if value is not None and 1 <= value <= 32767 else None

    def _clients(self, section: str, kind: str, body: _Section) -> list[str]:
        parsed = self.files.get(kind)
        base = _client_name(parsed, kind)
        lines = [f"{section}:"]
        for topic in self.topics:
            name = base if len(self.topics) == 1 else f"{base}-{_name(topic)}"
            lines.append(f"  {yaml_scalar(name)}:")
            lines.append(f"    topic: {yaml_scalar(topic)}")
            if kind == "consumer" and not _has(parsed, "group.id"):
                lines.append(
                    f"    group.id: {yaml_scalar(name)}  # not in the file: the consumer's name"
                )
            if parsed is None:
                lines.append(f"    # no --{kind} file: Kafka's defaults for {self.version.text}")
            lines.extend(f"    {line}" for line in body.lines)
        return lines

    def _section(self, kind: str, scope: Scope) -> _Section:
        section = _Section()
        parsed = self.files.get(kind)
        if parsed is None:
            return section
        last = parsed.effective()
        for prop in parsed.properties:
            if last[prop.key] is not prop:
                shown = _shown(prop.key, prop.value)
                section.note(
                    f"not placed: {prop.key}={shown} (given again later; Kafka uses the last)"
                )
                continue
            self._place(section, scope, prop)
        return section

    def _place(self, section: _Section, scope: Scope, prop: Property) -> None:
        key, raw = prop.key, prop.value
        shown = _shown(key, raw)
        surrogate = lone_surrogate(key + raw)
        if surrogate is not None:
            section.note(
                f"not placed: {key}={shown} (line {prop.line}: U+{ord(surrogate):04X} is half of "
                "a UTF-16 surrogate pair, not a character a spec can hold)"
            )
            return
        if _SECRET.search(key):
            section.note(f"not placed: {key}={shown} (a credential: never copied into a spec)")
            return
        known = catalog.lookup(scope, key)
        if known is None:
            others = [other for other in catalog.scopes_of(key) if other != scope]
            why = (
                f"a {' and '.join(others)} property, not a {scope} property"
                if others
                else f"not a Kafka {scope} property mqcheck knows"
            )
            section.note(f"not placed: {key}={shown} ({why})")
            return
        if not known.exists_in(self.version.version):
            section.note(f"not placed: {key}={shown} (does not exist in Kafka {self.version.text})")
            return
        value = _typed(self.ctx, known, raw)
        if value is INVALID:
            section.note(f"not placed: {key}={shown} (not a valid value for {key})")
            return
        section.place(key, value, "" if known.modelled else "not modelled")


def _typed(ctx: LoadContext, prop: KafkaProperty, raw: str) -> object:
    """The value in the catalog's type (Kafka trims numbers and booleans), INVALID if not."""
    text = raw.strip() if prop.type not in ("string", "password", "class", "list") else raw
    if prop.name == "acks":
        return text if text in ("all", "-1", "0", "1") else INVALID
    node = Node("scalar", value=text, quoted=True)
    value = check_type(ctx, prop, node, prop.name, null_ok=False)
    if value is INVALID:
        return INVALID
    if prop.type in ("string", "class", "list", "password", "enum"):
        return text
    return value


def _shown(key: str, value: str) -> str:
    return "<redacted>" if _SECRET.search(key) else value


def _has(parsed: PropertiesFile | None, key: str) -> bool:
    return parsed is not None and key in parsed.effective()


#: A client's name in the spec is a YAML key; YAML allows at most 1,024 characters in an
#: implicit key, and a name is for people to read.
_MAX_NAME = 100


def _client_name(parsed: PropertiesFile | None, kind: str) -> str:
    """The client's name from its client.id or group.id (shortened), else the kind."""
    if parsed is None:
        return kind
    found = parsed.effective()
    for key in ("client.id", "group.id"):
        name = _name(found[key].value[: _MAX_NAME * 2])[:_MAX_NAME] if key in found else ""
        if _name(name):
            return _name(name)
    return kind


def _name(text: str) -> str:
    return _NAME.sub("-", text.strip()).strip("-.")
