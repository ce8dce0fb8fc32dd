"""Reading typed values out of the tree, the way Kafka reads its properties.

Kafka's configuration values are strings in the end (a .properties file has nothing else), so
"5000", "true" and "all" are accepted wherever 5000, true and all are. Integers are checked
against Java's int/long ranges and Kafka's validators; every miss becomes a problem with what
was expected and what was found. Each reader returns None after reporting a problem.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from mqcheck.spec.errors import Problems, did_you_mean, one_of
from mqcheck.spec.kafka_property import JAVA_RANGES
from mqcheck.spec.tree import Node, describe, int_text

_DECIMAL = re.compile(r"^[-+]?[0-9]+$")
#: Digits past which a decimal is read as "beyond every Java range" instead of converted:
#: Python refuses int() of more than 4,300 digits, and a Java long has 19.
_MAX_DIGITS = 40
_BEYOND_JAVA: int = 10**_MAX_DIGITS


class Reader:
    """Typed access to scalar nodes, reporting into one Problems collector."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def error(self, path: str, node: Node | None, message: str, **parts: str) -> None:
        self.problems.add(path, message, node.position if node else None, **parts)

    def integer(
        self,
        node: Node,
        path: str,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        java_type: str = "int",
        kafka_name: str = "",
    ) -> int | None:
        """An integer within Java's range and Kafka's bounds. For a Kafka property
        (`kafka_name`) a bound miss quotes the ConfigException Kafka would throw."""
        value = integer_value(node)
        if value is None:
            self.error(path, node, "not an integer", expected="an integer", found=describe(node))
            return None
        low, high = JAVA_RANGES.get(java_type, JAVA_RANGES["long"])
        if not low <= value <= high:
            self.error(
                path,
                node,
                f"out of range for a Java {java_type}",
                expected=f"a number from {low} to {high}",
                found=describe(node) if abs(value) >= _BEYOND_JAVA else int_text(value),
            )
            return None
        too_small = minimum is not None and value < minimum
        too_large = maximum is not None and value > maximum
        if too_small or too_large:
            self._out_of_bounds(path, node, value, minimum, maximum, kafka_name)
            return None
        return value

    def _out_of_bounds(
        self,
        path: str,
        node: Node,
        value: int,
        minimum: int | None,
        maximum: int | None,
        kafka_name: str,
    ) -> None:
        """Word a bound miss as ConfigDef.Range.ensureValid does, quoted for Kafka props."""
        if maximum is None:
            bound, rule = f"at least {minimum}", f"Value must be at least {minimum}"
        elif minimum is None:
            bound, rule = f"at most {maximum}", f"Value must be no more than {maximum}"
        else:
            bound = f"from {minimum} to {maximum}"
            rule = (
                f"Value must be no less than {minimum}"
                if value < minimum
                else f"Value must be no more than {maximum}"
            )
        if kafka_name:
            message = f"Invalid value {value} for configuration {kafka_name}: {rule}"
            self.error(path, node, f'Kafka refuses this value: "{message}"', expected=bound)
        else:
            self.error(path, node, "value out of range", expected=bound, found=str(value))

    def boolean(self, node: Node, path: str) -> bool | None:
        """A boolean; a near miss in text (`ture`, `flase`) gets a did-you-mean, since in a
        .properties file (and a quoted YAML value) a boolean is only ever text."""
        value = bool_value(node)
        if value is None:
            text = node.value if node.kind == "scalar" and isinstance(node.value, str) else None
            hint = did_you_mean(text.strip().lower(), ("true", "false")) if text else ""
            self.error(
                path,
                node,
                "not a boolean",
                expected="true or false",
                found=describe(node),
                hint=hint,
            )
        return value

    def number(self, node: Node, path: str) -> float | None:
        value = node.value if node.kind == "scalar" else None
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                value = None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(path, node, "not a number", expected="a number", found=describe(node))
            return None
        if not math.isfinite(value):
            self.error(path, node, "not a finite number", expected="a number", found=describe(node))
            return None
        return float(value)

    def string(self, node: Node, path: str, *, nullable: bool = False) -> str | None:
        """Any scalar as the text that was written (names such as `name: 2024` are strings);
        null only where the property allows it."""
        if node.kind != "scalar":
            self.error(path, node, "not a string", expected="a string", found=describe(node))
            return None
        if node.value is None:
            if not nullable:
                self.error(path, node, "missing value", expected="a string", found="null")
            return None
        return scalar_text(node)

    def choice(
        self,
        node: Node,
        path: str,
        allowed: Sequence[str],
        *,
        what: str = "value",
        trim: bool = False,
    ) -> str | None:
        """One of `allowed`. `trim` for a Kafka property: ConfigDef.parseType trims a string
        value before its validator sees it, so Kafka reads `acks="1 "` as 1; mqcheck's own
        keys (`app:`, `check:`) are taken as written."""
        text = scalar_text(node) if node.kind == "scalar" and node.value is not None else None
        if text is not None and trim:
            text = text.strip()
        if text is not None and text in allowed:
            return text
        found = describe(node)
        hint = did_you_mean(text, allowed) if text is not None else ""
        self.error(path, node, f"invalid {what}", expected=one_of(allowed), found=found, hint=hint)
        return None

    def mapping(self, node: Node, path: str) -> Node | None:
        """A mapping node; null (an empty section such as `app:`) reads as an empty mapping."""
        if node.kind == "map":
            return node
        if node.kind == "scalar" and node.value is None:
            return Node("map", node.position)
        self.error(path, node, "not a mapping", expected="a mapping of keys", found=describe(node))
        return None


def scalar_text(node: Node) -> str:
    """The text of a scalar as written; for data input, Kafka's spelling of the value."""
    if node.text is not None:
        return node.text
    value = node.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return int_text(value)
    return str(value)


def integer_value(node: Node) -> int | None:
    """An int from an int scalar or a string of digits (Kafka reads "5" as 5); None otherwise.

    Plain decimal text is read as decimal, as Java's Integer.parseInt does: YAML 1.1 would
    read `retries: 010` as octal 8, which no Kafka user means.
    """
    if node.kind != "scalar":
        return None
    value = node.value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if node.text is not None and _DECIMAL.match(node.text.strip()):
            return _decimal(node.text.strip())
        return value
    if isinstance(value, str) and _DECIMAL.match(value.strip()):
        return _decimal(value.strip())
    return None


def _decimal(text: str) -> int:
    """int(text, 10), except that more than `_MAX_DIGITS` significant digits give
    ±10**_MAX_DIGITS: out of every Java range all the same, and never an int() past
    Python's digit limit (a 5,000-digit `acks:` is an error message, not a crash)."""
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > _MAX_DIGITS:
        return -_BEYOND_JAVA if text.startswith("-") else _BEYOND_JAVA
    return int(text, 10)


def bool_value(node: Node) -> bool | None:
    """A bool from a YAML boolean or the strings "true"/"false" (any case, as Kafka's
    ConfigDef parses BOOLEAN)."""
    if node.kind != "scalar":
        return None
    value = node.value
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None
