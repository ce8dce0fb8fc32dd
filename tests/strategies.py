"""Hypothesis strategies for small valid specs, shared by engine and trace tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from mqcheck.spec.schema import LONG_MAX, KafkaVersion, ShareConsumer, ShareConsumerApp, Spec
from tests.factories import make_spec

FAULTS = (
    "broker_crash",
    "broker_power_loss",
    "produce_request_lost",
    "produce_response_lost",
    "consumer_crash",
    "producer_crash",
    "offsets_expire",
    "delivery_timeout",
    "simultaneous_power_loss",
    "controlled_shutdown",
    "disk_failure",
    "retention_passes_consumer",
    "leader_isolation",
)

#: (retention.ms, retention.bytes) a drawn topic may have: the 7-day default, size-only
#: retention that keeps the newest record (model/retention.py _records_kept), unlimited.
RETENTIONS = ((604800000, -1), (-1, 1000), (-1, -1))


def draw_settings(draw: st.DrawFn, rf: int) -> dict[str, Any]:
    """Producer, topic and consumer settings Kafka accepts together (for `make_spec`)."""
    acks = draw(st.sampled_from([0, 1, -1]))
    commit = draw(st.sampled_from(["after_processing", "before_processing", "auto"]))
    return {
        "acks": acks,
        "idempotence": acks == -1 and draw(st.booleans()),
        "rf": rf,
        "min_isr": draw(st.integers(1, rf)),
        "unclean": draw(st.booleans()),
        "flush_messages": draw(st.sampled_from([1, LONG_MAX])),
        "max_in_flight": draw(st.sampled_from([1, 5])),
        "on_send_error": draw(st.sampled_from(["drop", "resend", "halt"])),
        "waits_for_result": draw(st.booleans()),
        "commit": commit,
        "processing": draw(st.sampled_from(["sync", "async"])) if commit == "auto" else "sync",
        "reset": draw(st.sampled_from(["earliest", "latest"])),
        "joins": draw(st.sampled_from(["before_production", "any_time"])),
        "idempotent_app": draw(st.booleans()),
        "guarantees": ("at-least-once", "at-most-once"),
    }


@st.composite
def small_specs(draw: st.DrawFn) -> Spec:
    """A spec Kafka accepts, small enough to explore in well under a second."""
    rf = draw(st.integers(1, 3))
    settings = draw_settings(draw, rf)
    chosen = draw(st.lists(st.sampled_from(FAULTS), max_size=2, unique=True))
    faults = {name: 1 for name in chosen}
    faults["follower_lag"] = draw(st.integers(0, min(1, rf - 1)))
    retention_ms, retention_bytes = draw(st.sampled_from(RETENTIONS))
    _modelled_isolation(settings, chosen)
    spec = make_spec(
        **settings,
        faults=faults,
        ordering=draw(st.booleans()),
        messages=1 if rf == 3 else draw(st.integers(1, 2)),
        retention_ms=retention_ms,
        retention_bytes=retention_bytes,
    )
    if settings["idempotence"] and "leader_isolation" not in chosen and draw(st.booleans()):
        producer = replace(spec.producers["app"], transactional_id="tx-1")
        spec = replace(spec, producers={"app": producer})
    isolation = draw(st.sampled_from(["read_uncommitted", "read_committed"]))
    consumer = replace(spec.consumers["reader"], isolation_level=isolation)
    return replace(spec, consumers={"reader": consumer})


#: Keys whose partitions of 2 are known (tests/model/test_partition_load.py): customer-1,
#: k1 and k2 hash to partition 1, customer-2 to partition 0.
KEY_POOL = ("customer-1", "customer-2", "k1", "k2")


@st.composite
def keyed_specs(draw: st.DrawFn) -> Spec:
    """A small spec whose producer sends keyed records to a topic of two partitions
    (app.keys, model/partition_load.py); not transactional, which keys spread over two
    partitions would make `unknown`."""
    spec = draw(small_specs())
    keys = tuple(draw(st.lists(st.sampled_from(KEY_POOL), min_size=1, max_size=2, unique=True)))
    p = spec.producers["app"]
    producer = replace(p, transactional_id=None, app=replace(p.app, keys=keys))
    topic = replace(spec.topics["events"], partitions=2)
    messages = draw(st.integers(1, 3)) if spec.check.messages == 2 else spec.check.messages
    check = replace(spec.check, messages=messages)
    return replace(spec, producers={"app": producer}, topics={"events": topic}, check=check)


@st.composite
def tiny_specs(draw: st.DrawFn) -> Spec:
    """Valid specs with one message, at most two replicas and at most two faults: small
    enough for the Z3 engine to decide most of them in seconds."""
    rf = draw(st.integers(1, 2))
    chosen = draw(st.lists(st.sampled_from(FAULTS), max_size=2, unique=True))
    faults = {name: 1 for name in chosen}
    if rf == 2 and len(chosen) < 2:
        faults["follower_lag"] = draw(st.integers(0, 1))
    settings = draw_settings(draw, rf)
    _modelled_isolation(settings, chosen)
    return make_spec(**settings, faults=faults, ordering=False, messages=1)


def _modelled_isolation(settings: dict[str, Any], chosen: list[str]) -> None:
    """leader_isolation with unclean election and a consumer is `unknown` (not modelled:
    isolation.py); the random specs keep to what is modelled."""
    if "leader_isolation" in chosen:
        settings["unclean"] = False


_ASSIGNORS = (
    ("org.apache.kafka.clients.consumer.RangeAssignor",),
    (
        "org.apache.kafka.clients.consumer.RangeAssignor",
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
    ),
    ("org.apache.kafka.clients.consumer.CooperativeStickyAssignor",),
)


@st.composite
def group_specs(draw: st.DrawFn) -> Spec:
    """Valid specs whose consumers form one group of one to three members, with the group
    faults (stall, rebalance) among at most two faults; one or two partitions."""
    rf = draw(st.integers(1, 2))
    settings = draw_settings(draw, rf)
    settings["processing"] = "sync"
    chosen = draw(
        st.lists(
            st.sampled_from(
                (
                    "consumer_stall",
                    "group_rebalance",
                    "consumer_crash",
                    "broker_crash",
                    "retention_passes_consumer",
                )
            ),
            min_size=1,
            max_size=2,
            unique=True,
        )
    )
    members = draw(st.integers(1, 3))
    spec = make_spec(
        **settings,
        faults={name: 1 for name in chosen},
        ordering=draw(st.booleans()),
        messages=1 if members == 3 else draw(st.integers(1, 2)),
        consumers=members,
    )
    kip848 = draw(st.booleans())
    version = (4, 0) if kip848 else (3, 7)
    strategy = () if kip848 else draw(st.sampled_from(_ASSIGNORS))
    on_revoke = draw(st.sampled_from(["none", "commit"]))
    static = draw(st.booleans())
    consumers = {
        name: replace(
            c,
            group_id="g",
            group_protocol="consumer" if kip848 else "classic",
            assignment_strategy=strategy,
            group_instance_id=f"i{k}" if static else None,
            app=replace(c.app, on_revoke=on_revoke),
        )
        for k, (name, c) in enumerate(spec.consumers.items())
    }
    topic = replace(spec.topics["events"], partitions=draw(st.integers(1, 2)))
    return replace(
        spec,
        kafka_version=KafkaVersion(*version),
        consumers=consumers,
        topics={"events": topic},
    )


# --- Spec text for the loader and CLI fuzz tests (tests/spec/test_fuzz.py) -------------------
#
# Three families, as issue 19 asks: valid specs written as YAML, mutations of the shipped
# specs/ files, and hostile YAML (alias bombs, tags, deep nesting, huge numbers, odd unicode,
# BOM, CRLF). Every number a mutation writes is small or far out of every Java range, so a
# mutated spec that stays valid still compiles to a small model: the fuzz tests are about
# input handling, and issue 19 item 2 (compile size) has a test of its own.

SPECS_DIR = Path(__file__).resolve().parents[1] / "specs"
SHIPPED_SPECS = tuple(sorted(SPECS_DIR.glob("*.yaml")))
SHIPPED_TEXTS = tuple(path.read_text(encoding="utf-8") for path in SHIPPED_SPECS)

HUGE_INTEGER = "1" + "0" * 5000  # past Python's 4,300-digit int/str conversion limit
_EDGE_NUMBERS = (
    HUGE_INTEGER,
    "-" + HUGE_INTEGER,
    "0x" + "f" * 5000,  # hex: PyYAML builds the int without the limit, str() then fails
    "0b" + "1" * 20000,
    "1" + "0" * 4299,
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "1e99999",
    ".nan",
    "-.inf",
    "1" + ":59" * 3000,  # a YAML 1.1 sexagesimal int: 60**3000, built without the limit
    "0_1",  # YAML 1.1 octal 1
    "0o17",
    "01",
    "+5",
    "0",
    "-1",
    "1",
    "2",
)
_TAGGED = (
    "!!bool maybe",
    "!!timestamp not-a-date",
    "!!timestamp 2001-12-14",
    "!!int abc",
    "!!int 12",
    "!!float x",
    "!!float 1.5",
    "!!binary aGVsbG8=",
    "!!binary not-base64!",
    "!!null x",
    "!!str 5",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!pairs [a: 1]",
    "!!seq [1, 2]",
    "!!map {brokers: 2}",
    "!foo {brokers: 2}",
    "!foo [1, 2]",
    "!foo bar",
    "!<tag:yaml.org,2002:str> x",
    "!!python/object/apply:os.system [echo]",
    "!!python/name:os.system ''",
    '!!merge "x"',
)
_ODD_TEXT = (
    "\ufeff",
    "\u0085",
    "\u2028",
    "\u2029",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\ud800",
    "\ufffe",
    "\U0001f4a9",
    "é",
    "\u202e",
    "\t",
    "\r\n",
    "\r",
)
FUZZ_SCALARS = st.one_of(
    st.sampled_from(_EDGE_NUMBERS),
    st.sampled_from(_TAGGED),
    st.sampled_from(("all", "-1", "3.7", "true", "yes", "~", "null", "''", '""', "[]", "{}")),
    st.sampled_from(_ODD_TEXT).map(lambda odd: f'"x{odd}y"'),
    st.sampled_from(("\\ud800", "\\udfff\\ud800", "\\x85", "\\u2028", "\\0", "\\e")).map(
        lambda escape: f'"x{escape}y"'
    ),
    st.integers(-2, 3).map(str),
)


def _yaml_block(data: Any, indent: int = 0) -> list[str]:
    """`data` as block YAML; scalars are YAML source text already (so tags and huge numbers
    reach the loader as written, not as yaml.safe_dump would quote them)."""
    pad = "  " * indent
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:" + ("" if value else " {}"))
            lines.extend(_yaml_block(value, indent + 1))
        else:
            lines.append(f"{pad}{key}: {value}")
    return lines


@st.composite
def valid_spec_data(draw: st.DrawFn) -> dict[str, Any]:
    """A spec Kafka accepts, as nested dicts of YAML source text: one topic, one producer, one
    consumer, at most two faults of budget 1, one message -- valid and cheap to check."""
    rf = draw(st.integers(1, 2))
    acks = draw(st.sampled_from(["0", "1", "all", "-1"]))
    idempotent = acks in ("all", "-1") and draw(st.booleans())
    commit = draw(st.sampled_from(["after_processing", "before_processing", "auto"]))
    faults = draw(st.lists(st.sampled_from(FAULTS), max_size=2, unique=True))
    version = draw(st.sampled_from(['"2.8"', '"3.7"', '"3.0.0"', '"4.0"']))
    return {
        "mqcheck": "1",
        "name": draw(st.sampled_from(["fuzz", "fuzz-spec", '"2024"', "'é'"])),
        "kafka_version": version,
        "cluster": {"brokers": str(rf + draw(st.integers(0, 1)))},
        "topics": {
            "t": {
                "partitions": "1",
                "replication.factor": str(rf),
                "min.insync.replicas": str(draw(st.integers(1, rf))),
            }
        },
        "producers": {
            "p": {
                "topic": "t",
                "acks": acks,
                "enable.idempotence": "true" if idempotent else "false",
                "max.in.flight.requests.per.connection": draw(st.sampled_from(["1", "5"])),
                "app": {"on_send_error": draw(st.sampled_from(["drop", "resend", "halt"]))},
            }
        },
        "consumers": {
            "c": {
                "topic": "t",
                "group.id": "g",
                "enable.auto.commit": "true" if commit == "auto" else "false",
                "auto.offset.reset": draw(st.sampled_from(["earliest", "latest"])),
                "app": {"commit": commit},
            }
        },
        "faults": {name: "1" for name in faults} | {"follower_lag": "false"},
        "check": {
            "guarantees": draw(
                st.sampled_from(["[at-least-once]", "[at-most-once]", "[exactly-once]"])
            ),
            "messages": "1",
        },
    }


def valid_spec_texts() -> st.SearchStrategy[str]:
    return valid_spec_data().map(lambda data: "\n".join(_yaml_block(data)) + "\n")


def _leaf_paths(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for key, value in data.items():
        paths.append((*prefix, key))
        if isinstance(value, dict):
            paths.extend(_leaf_paths(value, (*prefix, key)))
    return paths


@st.composite
def hostile_spec_texts(draw: st.DrawFn) -> str:
    """A valid spec with one to three values, keys or whole sections replaced by something
    hostile: a tag, a huge number, odd unicode; sometimes with a BOM or CRLF line ends."""
    data = draw(valid_spec_data())
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_leaf_paths(data)))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()):
            parent[path[-1]] = draw(FUZZ_SCALARS)
        else:
            odd = draw(st.sampled_from((*_ODD_TEXT, "!foo", "&a", "*a", "? ")))
            parent[f'"{path[-1]}{odd}"' if odd.isprintable() else path[-1] + odd] = parent.pop(
                path[-1]
            )
    text = "\n".join(_yaml_block(data)) + "\n"
    return _dress(draw, text)


def _dress(draw: st.DrawFn, text: str) -> str:
    if draw(st.booleans()):
        text = text.replace("\n", draw(st.sampled_from(["\r\n", "\r", "\n"])))
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


def _alias_bomb(depth: int, width: int) -> str:
    """Billion laughs: each level lists the previous one `width` times."""
    lines = ["a0: &a0 [lol, lol]"]
    for level in range(1, depth):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


@st.composite
def garbage_yaml_texts(draw: st.DrawFn) -> str:
    """YAML (or not quite YAML) built to hurt a loader: alias bombs, deep nesting, tags on
    every kind of node, numbers past every limit, a spec with garbage appended."""
    kind = draw(
        st.sampled_from(
            ["bomb", "bomb-in-spec", "deep-flow", "deep-block", "tags", "number", "append", "text"]
        )
    )
    if kind == "bomb":
        return _alias_bomb(draw(st.integers(2, 12)), draw(st.integers(2, 10)))
    if kind == "bomb-in-spec":
        spec = draw(valid_spec_texts())
        bomb = _alias_bomb(draw(st.integers(2, 10)), draw(st.integers(2, 10)))
        return bomb.replace("a0:", "x-a0:", 1) + spec + "description: *a1\n"
    if kind == "deep-flow":
        depth = draw(st.integers(50, 5000))
        return "x: " + "[" * depth + "]" * depth + "\n"
    if kind == "deep-block":
        depth = draw(st.integers(50, 400))
        return (
            "".join("  " * level + f"k{level}:\n" for level in range(depth)) + "  " * depth + "v\n"
        )
    if kind == "tags":
        spec = draw(valid_spec_texts())
        return spec + f"description: {draw(st.sampled_from(_TAGGED))}\n"
    if kind == "number":
        spec = draw(valid_spec_texts())
        key = draw(st.sampled_from(["mqcheck", "  brokers", "    acks", "  messages"]))
        number = draw(st.sampled_from(_EDGE_NUMBERS))
        return "\n".join(
            f"{key}: {number}" if line.startswith(key + ":") else line for line in spec.split("\n")
        )
    if kind == "append":
        spec = draw(valid_spec_texts())
        return _dress(draw, spec + draw(st.text(max_size=40)))
    return _dress(draw, draw(st.text(max_size=120)))


_MUTATION_ALPHABET = ":-[]{}&*!|>'\"#%@` \n\t\\ab1.\ufeff\u0085\u2028"


@st.composite
def mutated_shipped_texts(draw: st.DrawFn) -> str:
    """A shipped spec with a few text edits: a character inserted, a span deleted, a line
    duplicated, a value replaced by a hostile one, or the text cut short."""
    text = draw(st.sampled_from(SHIPPED_TEXTS))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "value", "truncate"]))
        position = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:position] + draw(st.text(_MUTATION_ALPHABET, max_size=5)) + text[position:]
        elif kind == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 20)) :]
        elif kind == "duplicate":
            lines = text.split("\n")
            index = draw(st.integers(0, len(lines) - 1))
            text = "\n".join(lines[: index + 1] + lines[index:])
        elif kind == "value":
            lines = text.split("\n")
            index = draw(st.integers(0, len(lines) - 1))
            head, colon, _ = lines[index].partition(": ")
            if colon:
                lines[index] = f"{head}: {draw(FUZZ_SCALARS)}"
            text = "\n".join(lines)
        else:
            text = text[:position]
    return _dress(draw, text)


def spec_texts() -> st.SearchStrategy[str]:
    """Every family at once, for the CLI fuzz test."""
    return st.one_of(
        valid_spec_texts(), hostile_spec_texts(), garbage_yaml_texts(), mutated_shipped_texts()
    )


# --- .properties files for `mqcheck import` ------------------------------------------------

_PROPERTY_KEYS = (
    "acks",
    "retries",
    "enable.idempotence",
    "max.in.flight.requests.per.connection",
    "delivery.timeout.ms",
    "transactional.id",
    "client.id",
    "group.id",
    "enable.auto.commit",
    "auto.offset.reset",
    "isolation.level",
    "max.poll.records",
    "linger.ms",
    "min.insync.replicas",
    "default.replication.factor",
    "unclean.leader.election.enable",
    "log.flush.interval.messages",
    "ssl.keystore.password",
    "zzz",
    "k\\ ey",
    "\\u00e9t\\u00e9",
)
_PROPERTY_VALUES = (
    "all",
    "1",
    "-1",
    "0",
    "true",
    "TRUE",
    "false",
    "earliest",
    "read_committed",
    "2147483648",
    HUGE_INTEGER,
    "  " + HUGE_INTEGER + "  ",
    "x\x85    retries: 0 #",
    "x\u2028acks: 0",
    "x\u2029y",
    "a\\nb",
    "\\ud800",
    "\\udfff\\ud800",
    "\\u0000",
    "\\uzzzz",
    "\\u12",
    "\\",
    "tail\\",
    "x\\\n   continued",
    "'quoted'",
    '"dq"',
    "#not-a-comment",
    "{a: b}",
    "- item",
    "*alias",
    "!!bool maybe",
)


@st.composite
def properties_bytes(draw: st.DrawFn) -> bytes:
    """A .properties file as bytes: known and unknown keys, every separator, comments,
    continuations, \\uXXXX escapes (some malformed, some lone surrogates), values with YAML
    line breaks and control characters, bytes that are not UTF-8, CRLF, a UTF-8 BOM."""
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["property", "property", "property", "comment", "raw"]))
        if kind == "comment":
            lines.append(draw(st.sampled_from(["#", "!", "  #"])) + draw(st.text(max_size=10)))
        elif kind == "raw":
            lines.append(draw(st.text(max_size=30)))
        else:
            key = draw(st.sampled_from(_PROPERTY_KEYS))
            separator = draw(st.sampled_from(["=", ":", " ", "\t", " = ", "  :"]))
            value = draw(st.one_of(st.sampled_from(_PROPERTY_VALUES), st.text(max_size=12)))
            lines.append(f"{key}{separator}{value}")
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = eol.join(lines) + draw(st.sampled_from(["", eol]))
    encoding = draw(st.sampled_from(["latin-1", "utf-8", "utf-8-bom", "raw"]))
    if encoding == "raw":
        data = text.encode("utf-8", "surrogatepass") + draw(st.binary(max_size=16))
    elif encoding == "utf-8-bom":
        data = b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    else:
        data = text.encode(encoding, "backslashreplace")
    return data


@st.composite
def share_specs(draw: st.DrawFn) -> Spec:
    """Valid specs with a share group (KIP-932) of one or two members, on Kafka 4.3: the
    acknowledgement mode, app.on_error (accept in implicit mode, as the loader makes it),
    app.ack, the delivery limit near the failure budget, the reset and when the group is
    created, next to a regular consumer or alone, or reading a transactional producer with
    either share.isolation.level."""
    rf = draw(st.integers(1, 2))
    explicit = draw(st.booleans())
    app = ShareConsumerApp(
        ack=draw(st.sampled_from(["after_processing", "before_processing"])),
        on_error=draw(st.sampled_from(["release", "reject", "accept"])) if explicit else "accept",
        idempotent=draw(st.booleans()),
        joins=draw(st.sampled_from(["before_production", "any_time"])),
    )
    member = ShareConsumer(
        name="w1",
        topic="events",
        group_id="workers",
        acknowledgement_mode="explicit" if explicit else "implicit",
        record_lock_duration_ms=30000,
        delivery_count_limit=draw(st.integers(2, 3)),
        auto_offset_reset=draw(st.sampled_from(["latest", "earliest"])),
        isolation_level="read_uncommitted",
        app=app,
    )
    members = {"w1": member}
    if draw(st.booleans()):
        members["w2"] = replace(member, name="w2")
    faults = {
        "consumer_crash": draw(st.integers(0, 2)),
        "consumer_stall": draw(st.integers(0, 1)),
        "processing_error": draw(st.integers(0, 1)),
        "group_rebalance": draw(st.integers(0, 1)),
        "broker_crash": draw(st.integers(0, 1)) if rf == 2 else 0,
    }
    transactional = draw(st.booleans())
    if transactional:
        faults["producer_crash"] = draw(st.integers(0, 1))
        isolation = draw(st.sampled_from(["read_uncommitted", "read_committed"]))
        members = {n: replace(m, isolation_level=isolation) for n, m in members.items()}
    spec = make_spec(
        version=(4, 3),
        rf=rf,
        min_isr=1,
        consumers=0 if transactional else draw(st.integers(0, 1)),
        faults=faults,
        messages=1,
    )
    if transactional:
        producers = {
            n: replace(p, transactional_id="tx-1", acks=-1, enable_idempotence=True)
            for n, p in spec.producers.items()
        }
        spec = replace(spec, producers=producers)
    return replace(spec, share_consumers=members)
