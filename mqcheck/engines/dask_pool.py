"""The shards of one search held by the workers of a Dask cluster.

The same four steps per chunk as the local pools (mqcheck.engines.shard_pool), so the
coordinator (mqcheck.engines.frontier) and every answer are the ones of a single process:
each shard becomes a Dask *actor* (a stateful object living on one worker), built on its
worker from a `ShardModel` (the transition system and the predicates, compiled there) and
its `ShardState` (visited set and waiting rows). What crosses the network per chunk is what
crosses the local pipes: fingerprints, 16-byte keys, state indices and fault-free edges, to
and from the coordinator; state rows cross once, when the shards are placed.

A worker that dies takes its shard's part of the visited set with it: the search cannot go
on, so the step raises `WorkerLost` and the coordinator reports `unknown` with the reason
(never `holds`). Dask's task retries do not apply to an actor's state.

`distributed` is imported only here, and only when a cluster is asked for
(`pip install 'mqcheck[dask]'`).
"""

from __future__ import annotations

import importlib.util
import resource
from collections.abc import Sequence
from typing import Any

from mqcheck.engines.shard import Shard, ShardModel, ShardState, rebuild_shard, shard_state
from mqcheck.engines.shard_pool import WorkerLost

INSTALL_HINT = "pip install 'mqcheck[dask]'"


class ClusterUnavailable(RuntimeError):
    """No cluster to run on: `distributed` is not installed, or the scheduler cannot be
    reached. The message says which, and what to do."""


def connect(address: str, timeout_s: float = 10.0) -> Any:
    """A `distributed.Client` of the scheduler at `address` (`tcp://host:8786`)."""
    if not dask_available():
        raise ClusterUnavailable(f"--cluster needs Dask: {INSTALL_HINT}")
    from distributed import Client

    try:
        return Client(address, timeout=timeout_s)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as why:
        raise ClusterUnavailable(
            f"cannot reach the Dask scheduler at {address} within {timeout_s:g} s ({why})"
        ) from why


def worker_count(client: Any) -> int:
    """The workers the scheduler knows now."""
    return len(client.scheduler_info()["workers"])


def dask_available() -> bool:
    """Whether `distributed` can be imported (without importing it)."""
    return importlib.util.find_spec("distributed") is not None


class ShardActor:
    """One shard on a Dask worker. Its methods run in the worker's actor thread, one call at
    a time, so the shard needs no locking."""

    def __init__(self, model: ShardModel, state: ShardState) -> None:
        self.shard = rebuild_shard(model, state)

    def call(self, step: str, args: tuple[Any, ...]) -> Any:
        return getattr(self.shard, step)(*args)

    def rss_mb(self) -> float:
        """The worker process's peak resident memory."""
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class DaskPool:
    """Shard k as an actor on worker k mod W of the cluster (W workers, in the scheduler's
    address order, so placement is the same on every run with the same workers)."""

    def __init__(self, client: Any, model: ShardModel, shards: list[Shard]) -> None:
        self.client = client
        self.count = len(shards)
        workers = sorted(client.scheduler_info()["workers"])
        if not workers:
            raise WorkerLost("the Dask cluster has no workers")
        self.workers = [workers[k % len(workers)] for k in range(self.count)]
        self._futures = []
        try:
            for shard, addr in zip(shards, self.workers, strict=True):
                self._futures.append(
                    client.submit(
                        ShardActor,
                        model,
                        shard_state(shard),
                        actor=True,
                        workers=[addr],
                        allow_other_workers=False,
                        pure=False,
                    )
                )
            self.actors = [f.result() for f in self._futures]
        except Exception as why:  # a worker gone or refusing the shard: no search
            raise WorkerLost(f"a shard could not be placed on the Dask cluster ({why})") from why
        del shards[:]  # the workers hold the shards now

    def call(self, step: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        try:
            pending = [actor.call(step, a) for actor, a in zip(self.actors, args, strict=True)]
            return [p.result() for p in pending]
        except Exception as why:  # the worker died, its connection closed, or the step failed
            raise WorkerLost(f"a Dask worker holding a shard was lost ({why!r})") from why

    def workers_mb(self) -> float:
        """The peak memory of the workers holding the shards, each worker once."""
        try:
            peaks = [a.rss_mb().result() for a in self.actors]
        except Exception as why:
            raise WorkerLost(f"a Dask worker holding a shard was lost ({why!r})") from why
        per_worker = dict(zip(self.workers, peaks, strict=True))
        return float(sum(per_worker.values()))

    def close(self) -> None:
        """Release the actors (their shards are freed on the workers)."""
        self.actors = []
        for f in self._futures:
            f.release()
        self._futures = []
