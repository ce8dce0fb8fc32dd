"""The progress line a long run shows on a terminal, and its one rule: it is gone before
any report is printed.

One line on stderr, rewritten in place (`\\r`, then the erase-line escape) at most every
`interval` seconds and cut to the terminal's width (a wrapped line could not be rewritten).
It is shown only when stderr is a terminal: a CI log or a pipe gets the report alone.
Commands use it as a context manager, so the line is cleared when the checking ends, whether
by a result, an error or Ctrl-C, before the caller prints anything.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from mqcheck.engines.progress import SearchProgress
from mqcheck.review.batch import BatchProgress

#: Seconds between two rewrites at least: often enough to see it move, rarely enough to cost
#: nothing and not to flicker.
INTERVAL = 0.5

#: Erase the whole line and go back to its start (works on every ANSI terminal).
CLEAR = "\r\x1b[2K"


def is_terminal(stream: TextIO) -> bool:
    """Whether `stream` is a terminal a person watches (the one place tests override)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or a stand-in stream
        return False


class ProgressLine:
    """The progress of one command on `stream`; silent unless the stream is a terminal."""

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool | None = None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        width: Callable[[], int] | None = None,
    ) -> None:
        self.stream = stream
        self.enabled = is_terminal(stream) if enabled is None else enabled
        self.interval = INTERVAL if interval is None else interval
        self.clock = clock
        self.width = width or (lambda: shutil.get_terminal_size((100, 24)).columns)
        self.label = ""  # which check of several is running, shown first
        self.shown = False
        self._last = float("-inf")

    # ---- the callbacks ---------------------------------------------------------------
    @property
    def search(self) -> Callable[[SearchProgress], None] | None:
        """The engines' progress callback, or None when nothing is shown (the engines then
        skip building reports at all)."""
        return self._search if self.enabled else None

    def _search(self, progress: SearchProgress) -> None:
        self.show(describe(progress, progress.label or self.label))

    def batch(self, noun: str) -> Callable[[BatchProgress], None] | None:
        """The callback of a batch of checks (`noun`: what its items are, "points",
        "specs"), or None when nothing is shown."""
        if not self.enabled:
            return None

        def report(progress: BatchProgress) -> None:
            self.show(describe_batch(progress, noun), force=True)

        return report

    def show(self, text: str, *, force: bool = False) -> None:
        """Rewrite the line with `text`, unless the last rewrite was under `interval` ago."""
        if not self.enabled:
            return
        now = self.clock()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        room = max(self.width() - 1, 10)
        self.stream.write(CLEAR + text[:room])
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Erase the line if one is shown, so what is printed next starts at column 0."""
        if self.shown:
            self.stream.write(CLEAR)
            self.stream.flush()
            self.shown = False
            self._last = float("-inf")

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.clear()


def describe(p: SearchProgress, label: str = "") -> str:
    """`  label: 3.1M of 5M states, 81k/s, depth 37, fault level 1, 412 MB, 24 s of 600 s`:
    what was done, against the limits that would end the search in `unknown`."""
    head = f"{label}: " if label else ""
    return (
        f"  {head}{compact(p.states)} of {compact(p.max_states)} states, "
        f"{compact(round(p.rate))}/s, depth {p.depth}, fault level {p.faults}, "
        f"{p.memory_mb:,.0f} MB, {p.seconds:.0f} s of {p.timeout_s:g} s"
    )


def describe_batch(p: BatchProgress, noun: str) -> str:
    """`  7/24 points checked, 12 s, about 29 s to go`: the items done of all, and the time
    left at the pace so far (none before the first item is back)."""
    eta = p.eta_s
    left = "" if eta is None or p.done == p.total else f", about {eta:.0f} s to go"
    return f"  {p.done}/{p.total} {noun} checked, {p.seconds:.0f} s{left}"


def compact(n: int) -> str:
    """1234 -> 1.2k, 474_213 -> 474k, 3_100_000 -> 3.1M, 5_000_000 -> 5M: three digits at
    most, so a moving line keeps its length."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if n >= size * 0.9995:  # 999_999 is 1M, not 1000k
            value = n / size
            digits = f"{value:.0f}" if value >= 99.95 else f"{value:.1f}".removesuffix(".0")
            return digits + suffix
    return str(n)
