"""Kafka release lines: which ones mqcheck knows, and how `kafka_version` is read.

A spec names a release line ("3.7"); defaults and behaviour are those of the newest patch
release of that line. A full version ("3.0.0", "0.10.2.1") is accepted too and keeps its patch
number, because one known case differs inside a line: KAFKA-13598 (the producer's
enable.idempotence=true default of KIP-679 was not applied in 3.0.0 and 3.1.0, fixed in 3.0.1,
3.1.1 and 3.2.0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mqcheck.spec.releases import checked_lines, refusal
from mqcheck.spec.schema import KafkaVersion

Line = tuple[int, int]

#: Every release line whose defaults the catalog records, oldest first. The lines from 4.2 on
#: come from `releases.py` (one record per release, with the notes it was checked against).
SUPPORTED_LINES: tuple[Line, ...] = (
    (0, 10),
    (0, 11),
    (1, 0),
    (1, 1),
    *((2, minor) for minor in range(9)),
    *((3, minor) for minor in range(10)),
    (4, 0),
    (4, 1),
    *checked_lines(),
)

_VERSION_TEXT = re.compile(r"^(\d+)\.(\d+)((?:\.\d+){0,2})$")


def line_text(line: Line) -> str:
    return f"{line[0]}.{line[1]}"


def supported_lines_text() -> str:
    """The supported lines for error messages: '0.10, 0.11, 1.0, ..., 4.3'."""
    return ", ".join(line_text(line) for line in SUPPORTED_LINES)


@dataclass(frozen=True)
class ParsedVersion:
    """A `kafka_version` as written: the release line plus the patch part, if any."""

    version: KafkaVersion
    text: str  # as written, e.g. "3.0.0"
    patch: tuple[int, ...] = ()  # the components after major.minor, e.g. (0,) for "3.0.0"

    @property
    def line(self) -> Line:
        return (self.version.major, self.version.minor)


def parse_version_text(text: str) -> ParsedVersion | None:
    """Parse '3.7', '0.10', '0.10.2.1', '2.8.1'; None when the text is not a known line.

    Kafka 0.x versions have four components (0.10.2.1: line 0.10, release 0.10.2, patch 1);
    1.0 onwards have three (2.8.1). More components than that are not a Kafka version.
    """
    match = _VERSION_TEXT.match(text.strip())
    if match is None:
        return None
    major, minor = int(match.group(1)), int(match.group(2))
    rest = tuple(int(part) for part in match.group(3).split(".")[1:])
    if major >= 1 and len(rest) > 1:
        return None
    if (major, minor) not in SUPPORTED_LINES:
        return None
    return ParsedVersion(KafkaVersion(major, minor), text.strip(), rest)


def at_least(version: KafkaVersion, line: Line) -> bool:
    return version.at_least(line[0], line[1])


def refused_version_text(text: str) -> str:
    """Why `text` names a known Kafka release that is refused (its behaviour not verified),
    or "" when it is supported or not a release line at all."""
    match = _VERSION_TEXT.match(text.strip())
    if match is None:
        return ""
    return refusal((int(match.group(1)), int(match.group(2))))
