"""The progress line: what it shows, how often, and that it is gone before a report."""

from __future__ import annotations

import io

import pytest

from mqcheck.engines.progress import SearchProgress, rss_mb
from mqcheck.review.batch import BatchProgress
from mqcheck.terminal import CLEAR, ProgressLine, compact, describe, describe_batch, is_terminal


class _Tty(io.StringIO):
    """A stand-in terminal: a StringIO that says it is one."""

    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _report(states: int = 3_100_000, seconds: float = 20.0) -> SearchProgress:
    return SearchProgress(states, 37, 1, seconds, 412.4, 5_000_000, 600.0)


def test_the_line_shows_every_figure_against_its_limit() -> None:
    text = describe(_report(), "the spec")
    assert text == (
        "  the spec: 3.1M of 5M states, 155k/s, depth 37, fault level 1, 412 MB, 20 s of 600 s"
    )


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, "0"), (999, "999"), (1_234, "1.2k"), (99_960, "100k"), (474_213, "474k"),
     (999_999, "1M"), (999_400, "999k"),
     (5_000_000, "5M"), (3_100_000, "3.1M"), (2_000_000_000, "2G")],
)  # fmt: skip
def test_compact_numbers(n: int, shown: str) -> None:
    assert compact(n) == shown


def test_nothing_is_written_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    line = ProgressLine(stream)
    assert not line.enabled and line.search is None  # the engines then build no reports
    line.show("  1 state")
    line.clear()
    assert stream.getvalue() == ""
    assert not is_terminal(stream) and is_terminal(_Tty())


def test_rewrites_are_rate_limited_and_cleared_before_what_follows() -> None:
    stream, clock = _Tty(), _Clock()
    line = ProgressLine(stream, clock=clock, interval=0.5, width=lambda: 200)
    assert line.search is not None
    line.search(_report(1_000))
    clock.now += 0.2
    line.search(_report(2_000))  # too soon: skipped
    clock.now += 0.4
    line.search(_report(3_000))
    assert stream.getvalue().count(CLEAR) == 2
    assert "  1k of 5M states" in stream.getvalue() and "2k of" not in stream.getvalue()
    with line:
        pass
    assert stream.getvalue().endswith(CLEAR)  # the erase comes last: a report starts clean
    line.clear()  # nothing shown any more: nothing written
    assert stream.getvalue().count(CLEAR) == 3


def test_the_line_is_cut_to_the_terminal_width() -> None:
    """A line that wrapped could not be rewritten in place: it never reaches the margin."""
    stream = _Tty()
    line = ProgressLine(stream, width=lambda: 40)
    line.show("x" * 100)
    assert stream.getvalue() == CLEAR + "x" * 39


def test_an_error_inside_the_block_still_clears_the_line() -> None:
    stream = _Tty()
    with pytest.raises(KeyboardInterrupt), ProgressLine(stream) as line:
        line.show("  searching")
        raise KeyboardInterrupt
    assert stream.getvalue().endswith(CLEAR)


def test_memory_is_the_process_resident_size() -> None:
    assert 1 < rss_mb() < 100_000


def test_a_batch_line_says_items_done_of_all_and_the_time_left() -> None:
    assert describe_batch(BatchProgress(0, 24, 1.2), "points") == "  0/24 points checked, 1 s"
    assert (
        describe_batch(BatchProgress(6, 24, 12.0), "points")
        == "  6/24 points checked, 12 s, about 36 s to go"
    )
    assert describe_batch(BatchProgress(24, 24, 40.0), "runs") == "  24/24 runs checked, 40 s"
