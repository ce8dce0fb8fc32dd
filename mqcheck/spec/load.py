"""Loading a spec: YAML (or already-parsed data) in, a fully resolved `Spec` or every problem out.

Nothing here raises for bad input: a missing file, bytes that are not UTF-8, a YAML syntax
error and every invalid value become `SpecError`s, reported together and sorted by position.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mqcheck.spec.context import LoadContext, join
from mqcheck.spec.errors import Problems, SpecError, did_you_mean, one_of
from mqcheck.spec.file_kind import properties_instead_of_spec
from mqcheck.spec.keys import read_section
from mqcheck.spec.resolve_cluster import resolve_broker, resolve_topics
from mqcheck.spec.resolve_consumers import resolve_consumers, resolve_processors
from mqcheck.spec.resolve_producers import resolve_producers
from mqcheck.spec.resolve_racks import Racks, resolve_racks
from mqcheck.spec.resolve_run import resolve_check, resolve_expect, resolve_faults
from mqcheck.spec.resolve_share_consumers import (
    SECTION as SHARE_SECTION,
)
from mqcheck.spec.resolve_share_consumers import (
    resolve_share_consumers,
    uses_share_groups,
)
from mqcheck.spec.schema import EffectiveSetting, Faults, Origin, Producer, Spec, Topic
from mqcheck.spec.tree import Entry, Node, describe, from_data, parse_yaml, to_data
from mqcheck.spec.validate import replication_factor_refusal
from mqcheck.spec.values import scalar_text
from mqcheck.spec.versions import (
    ParsedVersion,
    parse_version_text,
    refused_version_text,
    supported_lines_text,
)

FORMAT_VERSION = 1
#: The largest spec the loader reads (docs/spec.md). A real spec is a few kilobytes (the
#: largest in specs/ is under 4 KB); PyYAML's pure-Python composer needs up to ten seconds
#: for a megabyte of flow sequences, so a 50 MB file would keep `check` busy for minutes
#: before it could say anything.
MAX_SPEC_BYTES = 256 * 1024
TOP_KEYS = (
    "mqcheck",
    "name",
    "description",
    "kafka_version",
    "cluster",
    "broker",
    "topics",
    "producers",
    "processors",
    "consumers",
    "share_consumers",
    "faults",
    "check",
    "expect",
)


@dataclass(frozen=True)
class LoadResult:
    spec: Spec | None  # None when errors is non-empty
    errors: tuple[SpecError, ...]
    text: str | None = None  # the source text, when loaded from a file or from text
    tree: Node | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.errors

    def data(self) -> dict[str, Any]:
        """The document as plain data, from the same tree the spec was built from, so the
        commands that build variants of a spec read it exactly as `check` does (one loader:
        a tag the loader ignores is ignored there too)."""
        data = to_data(self.tree) if self.tree is not None else None
        return dict(data) if isinstance(data, dict) else {}


def load_spec(path: str | os.PathLike[str]) -> LoadResult:
    """Read and load the spec file at `path`."""
    name = os.fspath(path)
    problems = Problems(name)
    try:
        with open(name, "rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)
            size = max(len(data), os.fstat(handle.fileno()).st_size)
    except FileNotFoundError:
        problems.add("", "no such file")
        return LoadResult(None, problems.sorted())
    except IsADirectoryError:
        problems.add("", "is a directory, not a spec file")
        return LoadResult(None, problems.sorted())
    except OSError as error:
        problems.add("", f"cannot read the file: {error.strerror or error}")
        return LoadResult(None, problems.sorted())
    if len(data) > MAX_SPEC_BYTES:
        _too_large(problems, size)
        return LoadResult(None, problems.sorted())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        other_format = properties_instead_of_spec(data.decode("latin-1"), name)
        if other_format is not None:  # .properties files are Latin-1 (Properties.load)
            return LoadResult(None, (other_format,))
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        problems.add(
            "",
            f"not UTF-8 text: byte 0x{data[error.start]:02x} cannot be decoded",
            (line, column),
            hint="save the spec as UTF-8",
        )
        return LoadResult(None, problems.sorted())
    return load_spec_text(text, name)


def load_spec_text(text: str, path: str = "<string>") -> LoadResult:
    """Load a spec from YAML text; `path` names it in error messages."""
    problems = Problems(path)
    if len(text) > MAX_SPEC_BYTES:  # characters: a lower bound of its UTF-8 bytes
        _too_large(problems, len(text.encode("utf-8", "surrogatepass")))
        return LoadResult(None, problems.sorted())
    root = parse_yaml(text, problems)
    if root is None and not problems:
        problems.add(
            "",
            "the spec is empty",
            expected="a mapping: mqcheck: 1, name, kafka_version, topics, producers, consumers",
        )
    result = _result(root, path, problems, text)
    if result.errors:  # a .properties file given where a spec belongs: name the command
        other_format = properties_instead_of_spec(text, path)
        if other_format is not None:
            return LoadResult(None, (other_format,), text, root)
    return result


def _too_large(problems: Problems, size: int) -> None:
    problems.add(
        "",
        f"the file is {size:,} bytes, over the {MAX_SPEC_BYTES:,} bytes (256 KiB) a spec may have",
        expected="a spec of at most 256 KiB (a pipeline spec is a few kilobytes)",
    )


def load_spec_data(data: Mapping[str, object], path: str = "<data>") -> LoadResult:
    """Load a spec that is already parsed (sweep and repair build variants as dicts)."""
    problems = Problems(path)
    return _result(from_data(data, problems), path, problems)


def yaml_data(text: str) -> object:
    """YAML text as plain data, read by the spec loader's parser (see `LoadResult.data`);
    None when it is no YAML at all. For code that edits a spec's text in place."""
    root = parse_yaml(text, Problems("<text>"))
    return to_data(root) if root is not None else None


def _result(
    root: Node | None, path: str, problems: Problems, text: str | None = None
) -> LoadResult:
    spec = _build(root, path, problems) if root is not None else None
    errors = problems.sorted()
    return LoadResult(None if errors else spec, errors, text, root)


def _build(root: Node, path: str, problems: Problems) -> Spec | None:
    if root.kind != "map":
        problems.add(
            "",
            "the spec must be a mapping of keys",
            root.position,
            expected="mqcheck: 1, name, kafka_version, topics, producers, consumers, ...",
            found=describe(root),
        )
        return None
    for entry in root.entries:
        if entry.key not in TOP_KEYS:
            problems.add(
                entry.key,
                "unknown key",
                entry.position,
                expected=one_of(TOP_KEYS),
                hint=did_you_mean(entry.key, TOP_KEYS),
            )
    header = _header(root, problems)
    version = _kafka_version(root, problems)
    if version is None:
        return None  # defaults and rules depend on the version: nothing more can be said
    ctx = LoadContext(problems, version)
    for entry in root.entries:
        ctx.saw(entry.key, entry.position)
    kafka_entry = root.get("kafka_version")
    assert kafka_entry is not None
    ctx.record(
        "cluster", "kafka_version", version.text, ctx.from_spec(kafka_entry, "kafka_version")
    )
    broker = resolve_broker(ctx, _value(root, "broker"))
    topics = resolve_topics(ctx, _value(root, "topics"), broker)
    declared = _declared(_value(root, "topics"))
    cluster = _cluster(ctx, _value(root, "cluster"), topics)
    producers = resolve_producers(ctx, _value(root, "producers"), declared)
    processors = resolve_processors(ctx, _value(root, "processors"), declared)
    share_node = _value(root, SHARE_SECTION)
    required = not processors and not uses_share_groups(share_node)
    consumers = resolve_consumers(ctx, _value(root, "consumers"), declared, required)
    share = resolve_share_consumers(ctx, share_node, _value(root, "broker"), declared)
    faults = resolve_faults(ctx, _value(root, "faults"), topics)
    check = resolve_check(ctx, _value(root, "check"))
    expect = resolve_expect(ctx, _value(root, "expect"))
    if faults is not None and cluster is not None:
        _rack_faults(ctx, faults, cluster[1])
    if problems or header is None or cluster is None:
        return None
    if faults is None or check is None or expect is None:
        return None
    brokers, racks = cluster
    retention = broker["offsets.retention.minutes"].value
    assert isinstance(retention, int)
    return Spec(
        path=path,
        format_version=FORMAT_VERSION,
        name=header[0],
        description=header[1],
        kafka_version=replace(version.version, patch=version.patch),
        brokers=brokers,
        racks=racks,
        topics=topics,
        producers=producers,
        processors=processors,
        consumers=consumers,
        share_consumers=share,
        faults=faults,
        check=check,
        expect=expect,
        offsets_retention_minutes=retention,
        not_modelled=_not_modelled(ctx.not_modelled, producers),
        settings=_in_reading_order(ctx.settings),
        positions=dict(sorted(ctx.positions.items())),
    )


#: Producer properties keyed routing reads (model/partition_load.py): with `app.keys` they
#: decide a record's partition (or make the spec `unknown`), so they are not listed as
#: having no effect on the verdict.
_KEYED_ROUTING = frozenset({"partitioner.class", "partitioner.ignore.keys", "key.serializer"})


def _not_modelled(names: set[str], producers: dict[str, Producer]) -> tuple[str, ...]:
    keyed = any(p.app.keys for p in producers.values())
    return tuple(sorted(n for n in names if not (keyed and n in _KEYED_ROUTING)))


_SCOPE_ORDER = (
    "cluster",
    "broker",
    "topic",
    "producer",
    "processor",
    "consumer",
    "faults",
    "check",
)


def _in_reading_order(settings: list[EffectiveSetting]) -> tuple[EffectiveSetting, ...]:
    """Cluster first, then broker, topics, clients in the spec's order, faults, check."""

    def rank(setting: EffectiveSetting) -> int:
        kind = setting.scope.split(":", 1)[0]
        return _SCOPE_ORDER.index(kind) if kind in _SCOPE_ORDER else len(_SCOPE_ORDER)

    return tuple(sorted(settings, key=rank))


def _value(root: Node, key: str) -> Node | None:
    entry = root.get(key)
    return entry.value if entry is not None else None


def _declared(node: Node | None) -> tuple[str, ...]:
    """Topic names as declared, even those whose settings are invalid (no cascade errors)."""
    if node is None or node.kind != "map":
        return ()
    return tuple(entry.key for entry in node.entries)


def _header(root: Node, problems: Problems) -> tuple[str, str] | None:
    """`mqcheck: 1`, `name` and `description`; None after a problem."""
    ok = True
    entry = root.get("mqcheck")
    if entry is None:
        problems.add("mqcheck", "missing: the format version", None, expected="mqcheck: 1")
        ok = False
    elif entry.value.value != FORMAT_VERSION or isinstance(entry.value.value, bool):
        problems.add(
            "mqcheck",
            "unsupported format version",
            entry.value.position,
            expected=str(FORMAT_VERSION),
            found=describe(entry.value),
        )
        ok = False
    name = _text(root.get("name"), "name", problems, required=True)
    description = _text(root.get("description"), "description", problems, required=False)
    if not ok or name is None or description is None:
        return None
    return name, description


def _text(entry: Entry | None, key: str, problems: Problems, *, required: bool) -> str | None:
    if entry is None:
        if required:
            problems.add(key, "missing", None, expected=f"{key}: <text>")
            return None
        return ""
    node = entry.value
    if node.kind != "scalar" or node.value is None or (required and not scalar_text(node).strip()):
        problems.add(
            key, "not a text", node.position, expected="a non-empty text", found=describe(node)
        )
        return None
    return node.value.strip() if isinstance(node.value, str) else scalar_text(node)


def _kafka_version(root: Node, problems: Problems) -> ParsedVersion | None:
    entry = root.get("kafka_version")
    expected = f"a quoted release line: {supported_lines_text()}"
    if entry is None:
        problems.add("kafka_version", "missing", None, expected='kafka_version: "3.7"')
        return None
    node = entry.value
    value = node.value
    if node.kind != "scalar" or value is None or isinstance(value, bool):
        problems.add(
            "kafka_version",
            "not a Kafka version",
            node.position,
            expected=expected,
            found=describe(node),
        )
        return None
    text = node.text if node.text is not None else scalar_text(node)
    parsed = parse_version_text(text)
    if parsed is not None:
        return parsed
    refused = refused_version_text(text)
    if refused:
        problems.add("kafka_version", refused, node.position, expected=expected)
        return None
    hint = ""
    if isinstance(value, float) and node.text is None:
        hint = f"write it as a string: as a number, {text} may have lost a trailing zero"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        hint = 'quote it: kafka_version: "3.7"'
    problems.add(
        "kafka_version",
        f"unknown Kafka version '{text if len(text) <= 60 else text[:57] + '...'}'",
        node.position,
        expected=expected,
        hint=hint,
    )
    return None


def _cluster(
    ctx: LoadContext, node: Node | None, topics: dict[str, Topic]
) -> tuple[int, Racks] | None:
    """cluster.brokers and cluster.racks (resolve_racks.py)."""
    entries = (
        read_section(ctx, node, "cluster", fixed=("brokers", "racks")) if node is not None else {}
    )
    if entries is None:
        return None
    brokers = _brokers(ctx, entries, topics)
    if brokers is None:
        return None
    return brokers, resolve_racks(ctx, entries.get("racks"), brokers)


def _brokers(ctx: LoadContext, entries: dict[str, Entry], topics: dict[str, Topic]) -> int | None:
    """cluster.brokers, or the smallest cluster that can host the topics (their widest
    replication.factor); then every topic's replication.factor must fit."""
    entry = entries.get("brokers")
    key_path = join("cluster", "brokers")
    if entry is None:
        brokers = max((topic.replication_factor for topic in topics.values()), default=1)
        note = "no cluster.brokers: the smallest cluster that hosts every topic's replicas"
        ctx.record("cluster", "brokers", brokers, Origin("derived", key_path, note=note))
        return brokers
    value = ctx.reader.integer(entry.value, key_path, minimum=1)
    if value is None:
        return None
    ctx.record("cluster", "brokers", value, ctx.from_spec(entry, key_path))
    for topic in topics.values():
        refusal = replication_factor_refusal(ctx.kafka, topic.replication_factor, value)
        if refusal:
            rf_path = join(join("topics", topic.name), "replication.factor")
            position = ctx.positions.get(rf_path) or ctx.positions.get(join("topics", topic.name))
            ctx.problems.add(
                rf_path,
                f'Kafka cannot create this topic: "InvalidReplicationFactorException: {refusal}"',
                position,
            )
    return value


def _rack_faults(ctx: LoadContext, faults: Faults, racks: Racks) -> None:
    """rack_power_loss strikes the brokers of one rack: it needs cluster.racks."""
    if faults.rack_power_loss > 0 and not racks:
        path = join("faults", "rack_power_loss")
        ctx.problems.add(
            path,
            "rack_power_loss needs cluster.racks (the broker.rack of each broker)",
            ctx.positions.get(path),
            hint="add e.g. cluster: {racks: {az-a: [1], az-b: [2], az-c: [3]}}",
        )
