"""Java .properties files, read exactly as java.util.Properties.load reads them (Kafka loads
server.properties and client configs with it, via Utils.loadProps).

The rules, from the Properties.load(Reader) Javadoc and its LineReader:
- natural lines end at \\n, \\r or \\r\\n; a line ending in an odd number of backslashes
  continues on the next one, whose leading whitespace is dropped;
- a line whose first non-whitespace character is # or ! is a comment, and a comment never
  continues; whitespace is space, tab and form feed;
- the key ends at the first unescaped '=', ':' or whitespace; whitespace and one '=' or ':'
  after it are skipped; the rest of the line is the value (trailing whitespace kept);
- escapes: \\t \\n \\r \\f, \\uXXXX, and a backslash before any other character stands for
  that character; a malformed \\uXXXX is an error; two \\uXXXX that form a UTF-16 surrogate
  pair are one character, as in a Java string;
- Properties.load(InputStream) decodes ISO 8859-1, so the file's bytes are read as Latin-1;
- a key given twice keeps its last value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WHITESPACE = " \t\f"
_NATURAL_LINE = re.compile(r"\r\n|\r|\n")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


@dataclass(frozen=True)
class Property:
    key: str
    value: str
    line: int  # where its logical line starts, 1-based
    #: Where the value's text starts (1-based line, column), so an error about the value
    #: points at it, on the continuation line that holds it if it does not start on `line`.
    value_position: tuple[int, int] = (1, 1)


@dataclass(frozen=True)
class PropertiesFile:
    properties: tuple[Property, ...]  # in file order, every occurrence (duplicates included)
    errors: tuple[tuple[int, str], ...]  # (line, message)

    def effective(self) -> dict[str, Property]:
        """The key → property map Kafka sees: the last occurrence of a key wins."""
        result: dict[str, Property] = {}
        for prop in self.properties:
            result.pop(prop.key, None)
            result[prop.key] = prop
        return result


def read_properties_file(path: str) -> PropertiesFile:
    """Parse the file at `path` (read as Latin-1, like Properties.load(InputStream))."""
    with open(path, "rb") as handle:
        return parse_properties(handle.read().decode("latin-1"))


def parse_properties(text: str) -> PropertiesFile:
    natural = _NATURAL_LINE.split(text)
    properties: list[Property] = []
    errors: list[tuple[int, str]] = []
    index = 0
    while index < len(natural):
        start = index + 1
        logical = natural[index].lstrip(_WHITESPACE)
        # (offset in the logical line, line number, column of that offset): one per segment
        segments = [(0, start, len(natural[index]) - len(logical) + 1)]
        index += 1
        if not logical or logical[0] in "#!":
            continue
        while _continues(logical):
            logical = logical[:-1]
            if index >= len(natural):
                break
            part = natural[index].lstrip(_WHITESPACE)
            segments.append((len(logical), index + 1, len(natural[index]) - len(part) + 1))
            logical += part
            index += 1
        key_text, value_text = _split(logical)
        where = _position(segments, len(logical) - len(value_text))
        try:
            properties.append(Property(_unescape(key_text), _unescape(value_text), start, where))
        except ValueError as error:
            errors.append((start, str(error)))
    return PropertiesFile(tuple(properties), tuple(errors))


def _position(segments: list[tuple[int, int, int]], offset: int) -> tuple[int, int]:
    """The (line, column) of `offset` in a logical line made of continued natural lines."""
    chosen = segments[0]
    for segment in segments:
        if segment[0] <= offset:
            chosen = segment
    start, line, column = chosen
    return line, column + offset - start


def _continues(line: str) -> bool:
    """An odd number of trailing backslashes: the last one escapes the line terminator."""
    count = len(line) - len(line.rstrip("\\"))
    return count % 2 == 1


def _split(line: str) -> tuple[str, str]:
    """Key and value text (still escaped), as LineReader's caller in Properties.load0 does."""
    key_end = len(line)
    value_start = len(line)
    has_separator = False
    preceding_backslash = False
    for position, char in enumerate(line):
        if char in "=:" and not preceding_backslash:
            key_end, value_start, has_separator = position, position + 1, True
            break
        if char in _WHITESPACE and not preceding_backslash:
            key_end, value_start = position, position + 1
            break
        preceding_backslash = char == "\\" and not preceding_backslash
    while value_start < len(line):
        char = line[value_start]
        if char not in _WHITESPACE:
            if has_separator or char not in "=:":
                break
            has_separator = True
        value_start += 1
    return line[:key_end], line[value_start:]


def _unescape(text: str) -> str:
    out: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        position += 1
        if char != "\\":
            out.append(char)
            continue
        if position >= len(text):
            break  # a lone trailing backslash is dropped, as LineReader does at end of input
        char = text[position]
        position += 1
        if char == "u":
            digits = text[position : position + 4]
            if len(digits) < 4 or any(d not in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError("Malformed \\uxxxx encoding.")
            out.append(chr(int(digits, 16)))
            position += 4
        else:
            out.append(_ESCAPES.get(char, char))
    return _utf16("".join(out))


def _utf16(text: str) -> str:
    """Java strings are UTF-16: `\\uD83D\\uDE00` is one character, U+1F600. Join such
    surrogate pairs; a lone surrogate stays (Java keeps it too) for the caller to refuse."""
    if not any("\ud800" <= char <= "\udfff" for char in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
