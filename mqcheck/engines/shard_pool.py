"""Running the shards of a search: in this process, or one shard per local process.

A pool runs one of `Shard`'s steps on every shard at once and returns the results in shard
order; the coordinator (mqcheck.engines.frontier) sees nothing else, so the answers cannot
depend on where the shards run. `LocalPool` calls them one after the other (one core, and
the tests of the protocol); `ProcessPool` keeps shard 0 in this process and forks one
process per other shard, which inherits the compiled model and its part of the states
(copy-on-write) and then serves steps over a pipe. Only fingerprints, keys, indices and
edges cross the pipes; state rows never do.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any, Protocol

from mqcheck.engines.shard import Shard


class WorkerLost(RuntimeError):
    """A shard's process ended or failed; the search cannot go on."""


class Pool(Protocol):
    count: int

    def call(self, step: str, args: Sequence[tuple[Any, ...]]) -> list[Any]: ...

    def workers_mb(self) -> float:
        """The peak memory of the processes holding shards other than this one."""
        ...

    def close(self) -> None: ...


class LocalPool:
    """The shards, called in turn in this process."""

    def __init__(self, shards: list[Shard]) -> None:
        self.shards = shards
        self.count = len(shards)

    def call(self, step: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        return [getattr(s, step)(*a) for s, a in zip(self.shards, args, strict=True)]

    def workers_mb(self) -> float:
        return 0.0

    def close(self) -> None:
        self.shards = []


def _serve(shard: Shard, conn: Connection) -> None:
    """A shard process: run each step asked for until the pipe closes. Ctrl-C is the
    coordinator's to handle (it stops the search and closes the pool)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        step, args = message
        try:
            conn.send(("ok", getattr(shard, step)(*args)))
        except Exception:  # reported to the coordinator, which raises WorkerLost
            conn.send(("error", traceback.format_exc()))
    conn.close()


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class ProcessPool:
    """Shard 0 here, shards 1.. in forked processes (Linux, macOS with fork available)."""

    def __init__(self, shards: list[Shard]) -> None:
        ctx = multiprocessing.get_context("fork")
        self.count = len(shards)
        self.local = shards[0]
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for shard in shards[1:]:
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(shard, theirs), daemon=True)
            proc.start()
            theirs.close()
            self.conns.append(mine)
            self.procs.append(proc)
        del shards[1:]  # the children hold their shards now

    def call(self, step: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        try:
            for conn, a in zip(self.conns, args[1:], strict=True):
                conn.send((step, a))
        except (BrokenPipeError, OSError) as why:
            raise WorkerLost(f"a search worker process ended ({why})") from why
        here = getattr(self.local, step)(*args[0])
        out = [here]
        for conn in self.conns:
            try:
                status, value = conn.recv()
            except (EOFError, OSError) as why:
                raise WorkerLost("a search worker process ended") from why
            if status != "ok":
                raise WorkerLost(f"a search worker failed:\n{value}")
            out.append(value)
        return out

    def workers_mb(self) -> float:
        return float(sum(self.call("rss_mb", [()] * self.count)[1:]))

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(None)
                conn.close()
            except OSError:
                pass
        for proc in self.procs:
            proc.join(timeout=2)
            if proc.is_alive():
                proc.kill()
        self.conns, self.procs = [], []


def machine_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
