"""Problems with a spec, as values: where, which key, what was wrong, what would be right.

The loader collects every problem instead of stopping at the first, so an author fixes a spec
in one round; the CLI prints them with `format_errors` and exits 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SpecError:
    path: str  # the file ("<string>" / "<data>" when not loaded from a file)
    line: int | None  # 1-based; None when unknown (data without positions, missing keys)
    column: int | None
    key_path: str  # "producers.checkout.acks"; "" for problems with the file as a whole
    message: str
    expected: str = ""
    found: str = ""
    hint: str = ""  # e.g. "did you mean 'acks'?"

    def format(self) -> str:
        """`spec.yaml:12:5: producers.checkout.ackz: unknown key; expected one of ...; did you
        mean 'acks'?` -- the compiler-style line editors and CI annotators understand."""
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [self.message]
        if self.expected:
            parts.append(f"expected {self.expected}")
        if self.found:
            parts.append(f"found {self.found}")
        if self.hint:
            parts.append(self.hint)
        subject = f"{self.key_path}: " if self.key_path else ""
        return f"{where}: {subject}{'; '.join(parts)}"

    def sort_key(self) -> tuple[int, int, int, str, str]:
        return (
            0 if self.line is not None else 1,
            self.line or 0,
            self.column or 0,
            self.key_path,
            self.message,
        )


def format_errors(errors: Sequence[SpecError]) -> str:
    """One line per problem, in position order, ending with a count when there are several."""
    lines = [error.format() for error in sorted(errors, key=SpecError.sort_key)]
    if len(lines) > 1:
        lines.append(f"{len(lines)} problems")
    return "\n".join(lines)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`did you mean 'acks'?` for the closest choice, or "" when nothing is close enough.

    A case-insensitive exact match wins (Kafka's names are case-sensitive, so 'ALL' is wrong
    but clearly meant 'all').
    """
    options = sorted(set(choices))
    for option in options:
        if option.lower() == word.lower() and option != word:
            return f"did you mean '{option}'?"
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def one_of(choices: Iterable[str]) -> str:
    """'one of a, b, c' for the `expected` part of an error."""
    items = list(choices)
    if len(items) == 1:
        return items[0]
    return "one of " + ", ".join(items)


class Problems:
    """Collects SpecErrors for one file while the loader walks it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._errors: list[SpecError] = []

    def add(
        self,
        key_path: str,
        message: str,
        position: tuple[int, int] | None = None,
        *,
        expected: str = "",
        found: str = "",
        hint: str = "",
    ) -> None:
        line, column = position if position is not None else (None, None)
        self._errors.append(
            SpecError(self.path, line, column, key_path, message, expected, found, hint)
        )

    def __bool__(self) -> bool:
        return bool(self._errors)

    def count(self) -> int:
        return len(self._errors)

    def sorted(self) -> tuple[SpecError, ...]:
        unique = dict.fromkeys(self._errors)  # the same problem reached twice is said once
        return tuple(sorted(unique, key=SpecError.sort_key))
