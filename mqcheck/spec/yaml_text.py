"""Writing outside text into a YAML spec so that it reads back as exactly itself.

`mqcheck import` copies values from .properties files, which Java reads as ISO 8859-1 with
`\\uXXXX` escapes: any character at all can arrive, including the ones YAML treats as line
breaks (U+0085, U+2028, U+2029). Written raw into a `# comment`, such a character ends the
comment and the rest of the value becomes live YAML (`zzz=x\\x85    retries: 0 #` would set
`retries: 0`); written raw into a value, it changes the value or makes the file unreadable.
So every character that is not plainly visible is escaped, and lone surrogates (which a Java
string may hold but UTF-8 cannot encode) are detected so the caller can refuse them.
"""

from __future__ import annotations

import unicodedata

import yaml

_SHORT_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}


def _visible(char: str) -> bool:
    """A character a reader sees as itself: no control, format, private-use, unassigned or
    surrogate code point (Unicode category C*), and no separator but the space (Z*: the
    line and paragraph separators, and look-alike spaces)."""
    if " " <= char <= "~":
        return True
    category = unicodedata.category(char)
    return not (category.startswith("C") or category.startswith("Z"))


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in `text` (a `\\uD800` escape Java accepts), else None."""
    for char in text:
        if "\ud800" <= char <= "\udfff":
            return char
    return None


def escaped(text: str) -> str:
    """`text` on one visible line, in .properties escape syntax (`\\\\`, `\\t`, `\\n`, `\\r`,
    `\\f`, `\\uXXXX`): what a reader of a `# not placed:` comment can copy back into the file."""
    out: list[str] = []
    for char in text:
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif _visible(char):
            out.append(char)
        elif ord(char) > 0xFFFF:  # as a Java string holds it: a surrogate pair
            high, low = divmod(ord(char) - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return "".join(out)


def comment(text: str) -> str:
    """A YAML comment line that cannot end early: every invisible character escaped."""
    return f"# {escaped(text)}"


def yaml_scalar(value: object) -> str:
    """A YAML scalar that reads back as exactly `value`: plain where that is safe, else a
    double-quoted string whose invisible characters are YAML escapes."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    plain = text and text == text.strip() and not text.startswith(("-", "?", "!", "%", "@"))
    if plain and all(_visible(char) for char in text):
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text}:
                return text
        except (yaml.YAMLError, ValueError):  # ValueError: PyYAML's int() of 5,000 digits,
            pass  # or a timestamp-looking text that is no date
    return _double_quoted(text)


def _double_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char in _SHORT_ESCAPES and char != "\f":
            out.append(_SHORT_ESCAPES[char])
        elif _visible(char):
            out.append(char)
        elif ord(char) > 0xFFFF:
            out.append(f"\\U{ord(char):08x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    out.append('"')
    return "".join(out)
