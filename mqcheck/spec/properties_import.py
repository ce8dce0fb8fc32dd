"""`mqcheck import`: a first spec from the .properties files a team already has.

Every line of the files ends up somewhere a reviewer can see it: a property the model reads is
placed in the spec, a real Kafka property it does not read is placed with a `# not modelled`
comment, and anything else (a property of another client, one this Kafka version does not have,
a credential) stays out as `# not placed: key=value (why)`. Credentials are never copied.

A value Kafka refuses (`acks=al`, `min.insync.replicas=two`: ConfigException, the client or
broker does not start) is an error, never a comment: leaving it out would check Kafka's
default instead, often a safer configuration than the one the team wrote. It is read by the
loader's own readers (keys.check_type, values.py) against the same catalog, so a value is
refused here exactly when a spec holding it would be, and every such problem of every file is
reported together, at the value's line and column. What the files cannot say (the broker count,
the faults, what to check) gets defaults marked for review, and the application's behaviour
(`app:`) is written out as assumptions to check (import_app.py). The result is loaded again
before it is written, so it is a valid spec or the import reports why not. Copied text is
escaped (mqcheck/spec/yaml_text.py): a value can never end its comment early or become a key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mqcheck.spec import import_app
from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.context import LoadContext
from mqcheck.spec.errors import Problems, SpecError
from mqcheck.spec.file_kind import yaml_instead_of_properties
from mqcheck.spec.kafka_property import KafkaProperty, Scope
from mqcheck.spec.keys import INVALID, check_type
from mqcheck.spec.load import MAX_SPEC_BYTES, load_spec_text
from mqcheck.spec.properties_file import PropertiesFile, Property, parse_properties
from mqcheck.spec.tree import Node
from mqcheck.spec.values import bool_value, integer_value
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
    ("consumer_stall", "0"),
    ("group_rebalance", "0"),
    ("controlled_shutdown", "0"),
    ("disk_failure", "0"),
    ("processing_error", "0"),
)


@dataclass(frozen=True)
class ImportResult:
    text: str  # the spec (YAML with comments); "" when the files were refused
    errors: tuple[SpecError, ...] = ()  # problems of the produced spec (Kafka refusals)
    #: Problems of the input, reported before anything is written: an unreadable file, a
    #: malformed \uXXXX, a value Kafka refuses, a spec given where a .properties file belongs.
    problems: tuple[SpecError, ...] = ()

    @property
    def file_errors(self) -> list[str]:
        """The input problems as the lines the CLI prints, in file order, then line order."""
        return [problem.format() for problem in self.problems]


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
        unknown = SpecError(
            "--kafka-version", None, None, "", f"unknown Kafka version '{kafka_version}'"
        )
        return ImportResult("", problems=(unknown,))
    sources = {"producer": producer, "broker": broker, "consumer": consumer}
    files: dict[str, PropertiesFile] = {}
    problems: list[SpecError] = []
    for kind, path in sources.items():
        if path is not None:
            parsed = _read(kind, path, problems)
            if parsed is not None:
                files[kind] = parsed
    writer = _Writer(version, files, sources, list(topics) or ["events"], output, brokers)
    text = writer.render(sources)
    problems.extend(writer.refused())
    if problems:
        order = {path: index for index, path in enumerate(sources.values()) if path is not None}
        problems.sort(key=lambda error: (order.get(error.path, len(order)), error.sort_key()))
        return ImportResult("", problems=tuple(problems))
    if len(text) > MAX_SPEC_BYTES:  # `check` would refuse it: say so before writing it
        too_large = SpecError(
            output,
            None,
            None,
            "",
            f"the spec would be {len(text):,} characters, over the {MAX_SPEC_BYTES:,} bytes a "
            "spec may have: the .properties files hold more than a client configuration does",
        )
        return ImportResult("", problems=(too_large,))
    result = load_spec_text(text, output)
    return ImportResult(text, result.errors)


def _read(kind: str, path: str, problems: list[SpecError]) -> PropertiesFile | None:
    """The parsed file (its malformed escapes added to `problems`), or None when it cannot be
    read or is not a .properties file at all."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("latin-1")  # as Properties.load(InputStream)
    except OSError as error:
        problems.append(SpecError(path, None, None, "", f"cannot read: {error.strerror or error}"))
        return None
    wrong_format = yaml_instead_of_properties(text, path, kind)
    if wrong_format is not None:
        problems.append(wrong_format)
        return None
    parsed = parse_properties(text)
    problems.extend(SpecError(path, line, None, "", message) for line, message in parsed.errors)
    return parsed


class _Writer:
    def __init__(
        self,
        version: ParsedVersion,
        files: dict[str, PropertiesFile],
        sources: dict[str, str | None],
        topics: list[str],
        output: str,
        brokers: int | None,
    ) -> None:
        self.version, self.files, self.topics = version, files, topics
        self.name = _name(Path(output).stem) or "imported"
        self.brokers = brokers
        #: One loader context per file: a refused value is reported at its file:line:column.
        self.contexts = {
            kind: LoadContext(Problems(path), version)
            for kind, path in sources.items()
            if path is not None and kind in files
        }

    def refused(self) -> list[SpecError]:
        """The values Kafka refuses, file by file in the order given, each in line order."""
        return [error for ctx in self.contexts.values() for error in ctx.problems.sorted()]

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
            app = (
                import_app.consumer_app(self._auto_commit())
                if kind == "consumer"
                else import_app.producer_app()
            )
            lines.extend(f"    {line}" for line in app)
        return lines

    def _auto_commit(self) -> bool:
        """enable.auto.commit as the consumer runs it: the file's value, else the default."""
        parsed = self.files.get("consumer")
        prop = parsed.effective().get("enable.auto.commit") if parsed else None
        given = bool_value(Node("scalar", value=prop.value, quoted=True)) if prop else None
        if given is not None:
            return given
        known = catalog.lookup("consumer", "enable.auto.commit")
        default = known.default_for(self.version.version) if known else None
        return bool(default.value) if default else True

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
            self._place(section, kind, scope, prop)
        return section

    def _place(self, section: _Section, kind: str, scope: Scope, prop: Property) -> None:
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
        value = _typed(self.contexts[kind], known, prop)
        if value is not INVALID:  # else refused: reported at the value, nothing is written
            section.place(key, value, "" if known.modelled else "not modelled")


def _typed(ctx: LoadContext, prop: KafkaProperty, given: Property) -> object:
    """The value in the catalog's type (Kafka trims numbers and booleans), or INVALID after
    reporting, at the value's position, why Kafka refuses it (the loader's own check)."""
    raw = given.value
    text = raw.strip() if prop.type not in ("string", "password", "class", "list") else raw
    node = Node("scalar", given.value_position, value=text, quoted=True)
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
