"""Many independent model checks at once: sweep points, profile runs, repair exclusions and
the specs of one `check`, mapped over local processes or a Dask cluster (docs/distributed.md).

A batch is a function and a list of items; the answers come back in the items' order,
whatever order the workers finish in, so a batch gives the same report as a serial run.
With `dask.distributed` installed (`pip install 'mqcheck[dask]'`) the items go to a
`distributed.Client`: a `LocalCluster` of N single-threaded worker processes, or the
scheduler at `cluster`. Without it, local processes (`concurrent.futures`) do the same
work and only `cluster` is refused. A worker that dies has its item run again (Dask
reschedules it; the local pool is restarted for what it had not finished); an item that
still fails becomes the caller's `unknown` answer with the reason — never dropped, never a
verdict nobody computed.
"""

from __future__ import annotations

import atexit
import importlib
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from mqcheck.engines import dask_pool

T = TypeVar("T")
R = TypeVar("R")

#: Times an item is run again after it raised or its worker died, before it is `unknown`.
RETRIES = 2
#: What to install for `--cluster` (the extra of pyproject.toml).
INSTALL = "pip install 'mqcheck[dask]'"


# `cluster` was asked for but cannot be used: dask is missing or the scheduler does not
# answer; the command line says why and exits 2. One class for the batches and for the
# sharded search of one spec (mqcheck.engines.dask_pool), so the CLI catches one.
ClusterUnavailable = dask_pool.ClusterUnavailable


@dataclass(frozen=True)
class Pool:
    """Where a batch runs. `workers`: local processes (None: this machine's cores; 1: in
    this process, one item after another); `cluster`: the address of a running Dask
    scheduler (`tcp://host:8786`), whose workers are used instead."""

    workers: int | None = None
    cluster: str | None = None

    def local_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    def serial(self, items: int) -> bool:
        """Whether the batch runs here, item after item: one worker, or nothing to share."""
        return self.cluster is None and (self.local_workers() == 1 or items <= 1)


@dataclass(frozen=True)
class BatchProgress:
    """One report of a running batch: items done of all, and the seconds since it began."""

    done: int
    total: int
    seconds: float

    @property
    def eta_s(self) -> float | None:
        """Seconds still to go at the pace so far (None before the first item is done)."""
        if self.done == 0:
            return None
        return self.seconds / self.done * (self.total - self.done)


BatchListener = Callable[[BatchProgress], None]


def dask_available() -> bool:
    """Whether `dask.distributed` can be imported (the `mqcheck[dask]` extra)."""
    try:
        importlib.import_module("distributed")
    except ImportError:
        return False
    return True


def require(pool: Pool) -> None:
    """Connect to `pool.cluster` now, before any work: a command whose batch comes late (a
    repair's exclusions) still refuses a cluster it cannot use up front. Raises
    ClusterUnavailable (dask missing, or no scheduler answers at the address)."""
    if pool.cluster is None:
        return
    if not dask_available():
        raise ClusterUnavailable(f"--cluster needs dask.distributed: {INSTALL}")
    _client(importlib.import_module("distributed"), pool)


def run_batch(
    task: Callable[[T], R],
    items: Sequence[T],
    pool: Pool,
    failed: Callable[[T, str], R],
    progress: BatchListener | None = None,
) -> list[R]:
    """`task(item)` for every item, in the items' order. `task` must be a module-level
    function (it is pickled to the workers, with the items and the answers); `failed(item,
    reason)` is the answer for an item that could not be computed after `RETRIES` more
    tries. Raises ClusterUnavailable when `pool.cluster` cannot be reached."""
    started = time.monotonic()
    total = len(items)

    def tick(done: int) -> None:
        if progress is not None:
            progress(BatchProgress(done, total, time.monotonic() - started))

    require(pool)
    if pool.serial(total):
        return _serial(task, items, failed, tick)
    if dask_available():
        return _on_dask(task, items, pool, failed, tick)
    return _on_processes(task, items, pool.local_workers(), failed, tick)


def _serial(
    task: Callable[[T], R],
    items: Sequence[T],
    failed: Callable[[T, str], R],
    tick: Callable[[int], None],
) -> list[R]:
    out: list[R] = []
    tick(0)
    for done, item in enumerate(items, 1):
        out.append(_guarded(task, item, failed))
        tick(done)
    return out


def _guarded(task: Callable[[T], R], item: T, failed: Callable[[T, str], R]) -> R:
    """One item here, its exception (a bug or a resource the check could not get) turned
    into the caller's `unknown` answer, as a worker's would be."""
    try:
        return task(item)
    except Exception as error:
        return failed(item, _reason(error))


def _reason(error: BaseException) -> str:
    """One line (a report's note column): Dask's messages run over several."""
    text = " ".join(str(error).split())
    return f"not computed: {type(error).__name__}: {text}".rstrip(": ")


def _on_processes(
    task: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    failed: Callable[[T, str], R],
    tick: Callable[[int], None],
) -> list[R]:
    """The fallback without dask. A worker that dies breaks the whole pool: what it had
    not finished goes to a new pool, at most `RETRIES` times."""
    answers: dict[int, R] = {}
    pending = list(range(len(items)))
    tick(0)
    for attempt in range(RETRIES + 1):
        if not pending:
            break
        broken: list[int] = []
        with ProcessPoolExecutor(max_workers=min(workers, len(pending))) as executor:
            futures: dict[int, Future[R]] = {i: executor.submit(task, items[i]) for i in pending}
            for i, future in futures.items():
                try:
                    answers[i] = future.result()
                except BrokenProcessPool as error:
                    if attempt == RETRIES:
                        answers[i] = failed(items[i], _reason(error))
                    else:
                        broken.append(i)
                except Exception as error:
                    answers[i] = failed(items[i], _reason(error))
                if i in answers:
                    tick(len(answers))
        pending = broken
    return [answers[i] for i in range(len(items))]


def _on_dask(
    task: Callable[[T], R],
    items: Sequence[T],
    pool: Pool,
    failed: Callable[[T, str], R],
    tick: Callable[[int], None],
) -> list[R]:
    """The items as Dask tasks (`pure=False`: two equal items are still two checks).
    `retries` covers a task that raised; a worker that died has its tasks rescheduled by the
    scheduler (up to `distributed.scheduler.allowed-failures` times, then KilledWorker)."""
    distributed: Any = importlib.import_module("distributed")
    tick(0)
    client = _client(distributed, pool)
    futures = client.map(task, list(items), pure=False, retries=RETRIES)
    index = {f.key: i for i, f in enumerate(futures)}
    answers: dict[int, R] = {}
    for future in distributed.as_completed(futures):
        i = index[future.key]
        try:
            answers[i] = future.result()
        except Exception as error:
            answers[i] = failed(items[i], _reason(error))
        tick(len(answers))
    return [answers[i] for i in range(len(items))]


#: The clients of this process, one per pool: a command that runs several batches (a
#: profile runs one per budget) starts its local cluster once. Closed at exit.
_CLIENTS: dict[Pool, Any] = {}


def close_clients() -> None:
    """Close every client this process opened, and the local clusters behind them."""
    while _CLIENTS:
        _pool, client = _CLIENTS.popitem()
        cluster = client.cluster
        client.close()
        if cluster is not None and _pool.cluster is None:
            cluster.close()


atexit.register(close_clients)


def _client(distributed: Any, pool: Pool) -> Any:
    """The client of the scheduler at `pool.cluster`, or of a local cluster of
    single-threaded worker processes (the checks hold the GIL: threads would not help);
    made on first use, then reused."""
    if pool in _CLIENTS:
        return _CLIENTS[pool]
    if pool.cluster is not None:
        try:
            client = distributed.Client(pool.cluster, timeout=10)
        except (OSError, TimeoutError) as why:
            raise ClusterUnavailable(
                f"--cluster {pool.cluster}: no Dask scheduler answers there ({why})"
            ) from why
        _CLIENTS[pool] = client
        return client
    cluster = distributed.LocalCluster(
        n_workers=pool.local_workers(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=50,  # logging.CRITICAL: a failed item is reported by the batch itself
    )
    client = distributed.Client(cluster)
    _CLIENTS[pool] = client
    return client
