"""Telling a spec from a .properties file, so that handing one command the other's file gets
one sentence naming the right command instead of a page of errors about the wrong format.

Both directions look at the content first and the file name second: a `key=value` file named
`spec.yaml` is still a .properties file to Kafka (Utils.loadProps ignores the name), and a file
whose top-level keys are `mqcheck:` or `kafka_version:` is a spec whatever it is called.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from pathlib import Path

import yaml

from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.errors import SpecError
from mqcheck.spec.properties_file import parse_properties

#: The spec's own top-level keys (docs/contract.md section 1); none of them is a Kafka property.
_SPEC_KEYS = frozenset(
    {"mqcheck", "kafka_version", "cluster", "topics", "producers", "processors", "consumers"}
    | {"faults", "check", "expect"}
)
_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \t]*:(?:[ \t]|$)", re.MULTILINE)
_PROPERTY_KEY = re.compile(r"^[A-Za-z0-9_.\-]+$")
_PROPERTIES_SUFFIXES = (".properties", ".props", ".conf", ".cfg")
_IMPORT_OPTIONS = ("producer", "consumer", "broker")
_YAML_SUFFIXES = (".yaml", ".yml", ".json")
#: Larger than any client configuration; past it a YAML parse is not worth its time.
_MAX_SNIFF = 256 * 1024


def spec_key_line(text: str) -> int | None:
    """The line of the first top-level spec key when the text reads as a spec: `mqcheck:` or
    `kafka_version:`, or two of the spec's sections; None otherwise."""
    found: dict[str, int] = {}
    for match in _TOP_KEY.finditer(text):
        if match.group(1) in _SPEC_KEYS:
            found.setdefault(match.group(1), text.count("\n", 0, match.start()) + 1)
    if "mqcheck" in found or "kafka_version" in found or len(found) >= 2:
        return min(found.values())
    return None


def spec_instead_of_properties(text: str, path: str, option: str) -> SpecError | None:
    """The refusal for `import --<option> spec.yaml`: Kafka would read the spec's lines as
    junk properties (`mqcheck: 1` sets a property named `mqcheck`) and the import would give
    a spec of defaults."""
    line = spec_key_line(text)
    if line is None:
        return None
    return SpecError(
        path,
        line,
        1,
        f"--{option}",
        "looks like an mqcheck spec (YAML), not a .properties file; check it with "
        f"`mqcheck check {shlex.quote(path)}`",
    )


def yaml_instead_of_properties(text: str, path: str, option: str) -> SpecError | None:
    """The refusal for `import --<option> F` when F is not a .properties file: an mqcheck
    spec (say so, and how to check it), or a nested YAML document named .yaml/.yml (a flat
    `key: value` file is a valid .properties file, so only nesting, which .properties cannot
    express, tells them apart)."""
    refusal = spec_instead_of_properties(text, path, option)
    if refusal is not None or Path(path).suffix.lower() not in _YAML_SUFFIXES:
        return refusal
    if len(text) > _MAX_SNIFF:
        return None
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None  # not YAML at all: read it as Kafka would
    if isinstance(data, dict) and any(isinstance(v, (dict, list)) for v in data.values()):
        return SpecError(
            path,
            None,
            None,
            f"--{option}",
            "looks like a nested YAML document, not a .properties file (Kafka reads "
            "`key=value` lines, one property each)",
        )
    return None


def properties_instead_of_spec(text: str, path: str) -> SpecError | None:
    """The refusal for `check producer.properties`, with the import command that turns the
    file into a spec; None when the text does not read as a .properties file."""
    if spec_key_line(text) is not None:
        return None
    keys = [prop.key for prop in parse_properties(text).properties]
    named = Path(path).suffix.lower() in _PROPERTIES_SUFFIXES
    known = [key for key in keys if catalog.scopes_of(key)]
    plain = all(_PROPERTY_KEY.match(key) and ("." in key or key in known) for key in keys)
    if not named and not (known and plain):
        return None
    return SpecError(
        path,
        None,
        None,
        "",
        "looks like a Kafka .properties file, not an mqcheck spec (YAML); turn it into a "
        f"spec with {_import_command(path, known)}",
    )


def _import_command(path: str, known: list[str]) -> str:
    """`mqcheck import --producer F -o F.yaml`, the option chosen by the scope most of the
    file's Kafka properties belong to; when no scope leads, the three choices are named."""
    votes: Counter[str] = Counter()
    for key in known:
        for scope in catalog.scopes_of(key):
            votes["broker" if scope == "topic" else scope] += 1
    ranked = [(count, kind) for kind, count in votes.items() if kind in _IMPORT_OPTIONS]
    ranked.sort(reverse=True)
    source = Path(path)
    output = source.with_suffix(".yaml")
    if output == source:
        output = source.with_name(f"{source.stem}-spec.yaml")
    target = f"-o {shlex.quote(str(output))}"
    if ranked and (len(ranked) == 1 or ranked[0][0] > ranked[1][0]):
        return f"`mqcheck import --{ranked[0][1]} {shlex.quote(path)} {target}`"
    return (
        f"`mqcheck import --producer {shlex.quote(path)} {target}` "
        "(or --consumer / --broker: whichever client the file configures)"
    )
