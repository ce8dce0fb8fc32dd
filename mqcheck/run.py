"""One call from a loaded spec to a CheckResult: compile, pick the engine, check.

The CLI, sweeps and tests all go through `check_spec`, so they give the same answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from mqcheck.engines import dask_pool
from mqcheck.engines.explicit import ExplicitChecker, Limits
from mqcheck.engines.frontier import FrontierChecker, PoolFactory
from mqcheck.engines.progress import Progress
from mqcheck.engines.shard import Shard, ShardModel
from mqcheck.engines.shard_pool import Pool, machine_cores
from mqcheck.ir.system import Invariant, TransitionSystem
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.result import CheckResult, Disagreement, GuaranteeResult, Stats
from mqcheck.spec.resolve_run import MAX_MESSAGES
from mqcheck.spec.schema import Spec
from mqcheck.trace.replay import ReplayOutcome, read_trace, replay
from mqcheck.trace.steps import with_traces


def requested_guarantees(spec: Spec, guarantees: Sequence[str] | None) -> tuple[str, ...]:
    """The guarantees to report: the command line's, or the spec's (ordering last)."""
    if guarantees:
        names = list(dict.fromkeys(guarantees))
        return tuple(names)
    return spec.checked_guarantees()


def compile_spec(
    spec: Spec, guarantees: Sequence[str], messages: int | None = None
) -> TransitionSystem:
    return build(spec, tuple(guarantees), messages)


def check_spec(
    spec: Spec,
    guarantees: Sequence[str] | None = None,
    engine: str | None = None,
    messages: int | None = None,
    max_states: int | None = None,
    timeout_s: float | None = None,
    progress: Progress | None = None,
    early_verdicts: bool = True,
    workers: int | None = None,
    pdr: bool = False,
    cluster: str | None = None,
    shards: int | None = None,
) -> CheckResult:
    """`early_verdicts` (on unless turned off): the explicit engine decides at-least-once as
    soon as the answer is certain (the same verdict and trace as the full search; the stats
    then count only what was explored). Off, the search is the reference's, state for state.
    `workers`: processes the explicit search may split into (default: the machine's cores;
    the answer is the same with any number). `pdr`: the Z3 engine also tries IC3/PDR on the
    invariant guarantees (`check --pdr`). `cluster`: the address of a Dask scheduler whose
    workers hold the explicit search's `shards` fingerprint shards (default: one per
    worker; mqcheck.engines.dask_pool); the answer is the same as in one process.
    `ClusterUnavailable` when the cluster cannot be used."""
    if cluster is not None:
        client = dask_pool.connect(cluster)
        try:
            count = shards or max(1, dask_pool.worker_count(client))

            def on_cluster(model: ShardModel, parts: list[Shard]) -> Pool:
                return dask_pool.DaskPool(client, model, parts)

            return _check_spec(
                spec,
                guarantees,
                engine,
                messages,
                max_states,
                timeout_s,
                progress,
                early_verdicts,
                count,
                pdr,
                on_cluster,
            )
        finally:
            client.close()
    return _check_spec(
        spec,
        guarantees,
        engine,
        messages,
        max_states,
        timeout_s,
        progress,
        early_verdicts,
        workers,
        pdr,
        None,
    )


def _check_spec(
    spec: Spec,
    guarantees: Sequence[str] | None,
    engine: str | None,
    messages: int | None,
    max_states: int | None,
    timeout_s: float | None,
    progress: Progress | None,
    early_verdicts: bool,
    workers: int | None,
    pdr: bool,
    pool_factory: PoolFactory | None,
) -> CheckResult:
    cores = workers or machine_cores()
    wanted = requested_guarantees(spec, guarantees)
    engine_name = engine or spec.check.engine
    if "ordering" in wanted and spec.share_consumers:
        return _without_share_ordering(
            spec,
            wanted,
            engine_name,
            lambda rest: _check_spec(
                spec,
                rest,
                engine,
                messages,
                max_states,
                timeout_s,
                progress,
                early_verdicts,
                workers,
                pdr,
                pool_factory,
            ),
            messages,
        )
    limits = Limits(
        max_states=max_states or spec.check.max_states,
        timeout_s=timeout_s or spec.check.timeout_s,
    )
    bounds = _unknown_bounds(spec, messages)
    try:
        system = compile_spec(spec, wanted, messages)
    except UnsupportedSpec as why:
        results = tuple(_unknown(g, engine_name, bounds, f"not modelled: {why}") for g in wanted)
        return _result(spec, results)
    disagreements: tuple[Disagreement, ...] = ()
    started = time.perf_counter()
    if engine_name in ("explicit", "explicit-reference"):
        # the reference engine (one state at a time) is reachable from Python for tests
        # and benchmarks; it reports itself as "explicit", like the frontier engine
        if engine_name == "explicit":
            checker = FrontierChecker(
                system,
                limits,
                early=early_verdicts,
                workers=cores,
                subsume=True,
                goal_cut=True,
                pool_factory=pool_factory,
            )
            found = checker.check(wanted, progress)
            if engine is None:  # no engine asked for by name: any sound answer will do
                found = _prove_unknown_invariants(
                    system, found, limits.timeout_s - (time.perf_counter() - started)
                )
        else:
            found = ExplicitChecker(system, limits).check(wanted, progress)
        results = tuple(with_traces(system, found))
    elif engine_name == "z3":
        results = tuple(with_traces(system, _z3(system, wanted, limits.timeout_s, pdr)))
    else:
        frontier = FrontierChecker(
            system,
            limits,
            early=early_verdicts,
            workers=cores,
            subsume=True,
            goal_cut=True,
            pool_factory=pool_factory,
        )
        explicit = with_traces(system, frontier.check(wanted, progress))
        symbolic = with_traces(system, _z3(system, wanted, limits.timeout_s, pdr))
        results, disagreements = combine_engines(explicit, symbolic)
    return _result(spec, results, disagreements)


#: Why ordering is not judged where share groups deliver (contract §1.1).
SHARE_ORDERING = (
    "not modelled: share groups do not order deliveries (KIP-932: the records of one "
    "partition are acquired by several members at once and redelivered out of order)"
)


def _without_share_ordering(
    spec: Spec,
    wanted: tuple[str, ...],
    engine_name: str,
    check_rest: Callable[[tuple[str, ...]], CheckResult],
    messages: int | None,
) -> CheckResult:
    """Ordering is `unknown` for a spec with share consumers, never holds or violated; the
    other guarantees are checked as usual and the results keep the order asked for."""
    rest = tuple(g for g in wanted if g != "ordering")
    bounds = _unknown_bounds(spec, messages)
    ordering = _unknown("ordering", engine_name, bounds, SHARE_ORDERING)
    if not rest:
        return _result(spec, (ordering,))
    found = check_rest(rest)
    by_name = {r.guarantee: r for r in found.results}
    results = tuple(ordering if g == "ordering" else by_name[g] for g in wanted)
    return replace(found, results=results)


#: At most this long for the model's lemmas after the explicit search ended `unknown`.
LEMMA_FALLBACK_S = 60.0


def _prove_unknown_invariants(
    system: TransitionSystem, found: Sequence[GuaranteeResult], seconds_left: float
) -> list[GuaranteeResult]:
    """Each invariant guarantee (at-most-once, ordering) that the explicit search left
    `unknown` (its state or time limit) gets a second chance from the model's lemmas
    (mqcheck.engines.lemma_proof), within what is left of the time limit and at most
    LEMMA_FALLBACK_S: a proof answers at any bound, where enumeration ran out. The result
    is then the Z3 engine's, as `--engine both` reports a verdict only Z3 reached."""
    out = list(found)
    todo = [
        (i, g)
        for i, r in enumerate(out)
        if r.verdict == "unknown" and isinstance(g := system.guarantee(r.guarantee), Invariant)
    ]
    if not todo or not system.lemma_candidates:
        return out
    from mqcheck.engines import lemma_proof  # loads z3: only when there is something to prove

    deadline = time.perf_counter() + min(LEMMA_FALLBACK_S, seconds_left)
    for i, g in todo:
        left = deadline - time.perf_counter()
        if left <= 1.0:
            break
        started = time.perf_counter()
        proof, _ = lemma_proof.prove(system, g, started + left / 2, deadline)
        if proof:
            r = out[i]
            seconds = round(r.stats.seconds + time.perf_counter() - started, 3)
            out[i] = replace(
                r,
                verdict="holds",
                engine="z3",
                stats=replace(r.stats, seconds=seconds),
                reason=f"{proof}; explicit: {r.reason}",
            )
    return out


def _z3(
    system: TransitionSystem, wanted: Sequence[str], timeout_s: float, pdr: bool = False
) -> list[GuaranteeResult]:
    """The Z3 engine's results. Imported here, not at the top: loading z3 costs a good part
    of a second that an explicit-only run need not pay."""
    from mqcheck.engines.symbolic import SymbolicLimits, Z3Checker

    return Z3Checker(system, SymbolicLimits(timeout_s=timeout_s, pdr=pdr)).check(wanted)


def replay_spec(spec: Spec, data: object) -> ReplayOutcome:
    """Replay the trace in `data` (a parsed JSON file) against `spec`, compiled as `check`
    compiles it: the spec's guarantees (and the trace's, when the spec does not check it)
    and its messages bound, unless the trace records the one `check --messages` gave.
    Raises TraceError when `data` is not a readable trace, UnsupportedSpec when the spec is
    not modelled."""
    trace = read_trace(data, MAX_MESSAGES)
    wanted = requested_guarantees(spec, None)
    if trace.guarantee not in wanted:
        wanted = (*wanted, trace.guarantee)
    system = compile_spec(spec, wanted, trace.messages)
    return replay(system, trace.guarantee, trace.steps, consequence=trace.consequence)


def combine_engines(
    explicit: Sequence[GuaranteeResult], symbolic: Sequence[GuaranteeResult]
) -> tuple[tuple[GuaranteeResult, ...], tuple[Disagreement, ...]]:
    """`--engine both`: per guarantee, the explicit engine's result (its trace has the fewest
    faults), or the z3 engine's when only that one reached a verdict; opposite verdicts are
    disagreements."""
    by_name = {r.guarantee: r for r in symbolic}
    results: list[GuaranteeResult] = []
    disagreements: list[Disagreement] = []
    for e in explicit:
        z = by_name.get(e.guarantee)
        if z is None:
            results.append(e)
            continue
        if {e.verdict, z.verdict} == {"holds", "violated"}:
            disagreements.append(Disagreement(e.guarantee, e, z))
            results.append(e)
        elif e.verdict == "unknown" and z.verdict != "unknown":
            results.append(replace(z, reason=_join(z.reason, f"explicit: {e.reason}")))
        elif z.verdict == "unknown":
            results.append(replace(e, reason=_join(e.reason, f"z3: {z.reason}")))
        else:
            results.append(replace(e, reason=_join(e.reason, f"z3 agrees ({z.stats.seconds:g} s)")))
    return tuple(results), tuple(disagreements)


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def not_computed(
    spec: Spec,
    messages: int | None,
    reason: str,
    guarantees: Sequence[str] | None = None,
    engine: str | None = None,
) -> CheckResult:
    """The result of a check that could not be run to its end (its worker died, or it
    raised): `unknown` for every guarantee it was to check, with `reason`, never a verdict."""
    bounds = _unknown_bounds(spec, messages)
    wanted = requested_guarantees(spec, guarantees)
    name = engine or spec.check.engine
    return _result(spec, tuple(_unknown(g, name, bounds, reason) for g in wanted))


def _unknown_bounds(spec: Spec, messages: int | None) -> dict[str, object]:
    """The bounds an `unknown` result states when no model was built: the messages asked for
    and the spec's fault budgets."""
    return {
        "messages": messages or spec.check.messages,
        "faults": {k: v for k, v in spec.faults.as_dict().items() if v},
    }


def _unknown(
    guarantee: str, engine: str, bounds: dict[str, object], reason: str
) -> GuaranteeResult:
    return GuaranteeResult(guarantee, "unknown", engine, bounds, Stats(0, 0, 0, 0.0), None, reason)


def _result(
    spec: Spec,
    results: tuple[GuaranteeResult, ...],
    disagreements: tuple[Disagreement, ...] = (),
) -> CheckResult:
    return CheckResult(
        spec=spec.name,
        path=spec.path,
        results=results,
        not_modelled=spec.not_modelled,
        expect=dict(spec.expect),
        disagreements=disagreements,
    )
