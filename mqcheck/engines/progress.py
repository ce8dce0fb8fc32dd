"""What a long search tells the person waiting for it.

An engine hands its progress callback one `SearchProgress` now and then (about once a second):
how far it got, how far it may go before a limit makes the answer `unknown`, and how much
memory the process holds. One frozen value rather than positional numbers, so a new field
(a worker count, a second limit) reaches every printer without touching every engine.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable
from dataclasses import dataclass, replace

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class SearchProgress:
    """One report of a running search. `faults` is the fault level being expanded (states
    are visited fewest faults first, so it is also the fewest faults any violation still to
    be found can have); `max_states` and `timeout_s` are the limits it is heading to."""

    states: int
    depth: int
    faults: int
    seconds: float
    memory_mb: float
    max_states: int
    timeout_s: float
    label: str = ""  # which check of a command that runs many (set by the command, not the engine)

    @property
    def rate(self) -> float:
        """States per second so far (0 before the first second's worth of work)."""
        return self.states / self.seconds if self.seconds > 0 else 0.0

    @classmethod
    def measured(
        cls, states: int, depth: int, faults: int, seconds: float, max_states: int, timeout_s: float
    ) -> SearchProgress:
        """A report with the process's resident memory read now: the engines' one call."""
        return cls(states, depth, faults, seconds, rss_mb(), max_states, timeout_s)


Progress = Callable[[SearchProgress], None]


def labelled(progress: Progress | None, label: str) -> Progress | None:
    """`progress` with every report carrying `label`: a command that runs many checks says
    which one is running (the engines know nothing of the run they are part of)."""
    if progress is None:
        return None
    hear = progress

    def report(p: SearchProgress) -> None:
        hear(replace(p, label=label))

    return report


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux's /proc/self/statm; elsewhere the
    peak so far, which is what `getrusage` offers)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE / 1_048_576
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
