"""`check --symbolic`: one spec checked for every combination of values of chosen properties.

Each combination is the spec's YAML with the values put in, loaded by the ordinary loader
(as `sweep` does), so a combination Kafka refuses is listed as invalid with Kafka's reason,
and compiled by the ordinary model: there is no second model of Kafka. The Z3 engine checks
every valid combination with one query per guarantee over their union
(mqcheck.engines.config_search); the explicit engine checks them one at a time; `both` does
both and compares per combination.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mqcheck import exits
from mqcheck.engines.config_search import UnionChecker
from mqcheck.engines.progress import Progress, labelled
from mqcheck.engines.symbolic import SymbolicLimits
from mqcheck.ir.system import TransitionSystem
from mqcheck.ir.union import union
from mqcheck.model.compile import UnsupportedSpec, build
from mqcheck.result import Disagreement, GuaranteeResult, Stats
from mqcheck.review.spec_variants import plan
from mqcheck.review.whatif.domains import Domain
from mqcheck.run import check_spec, combine_engines, requested_guarantees
from mqcheck.spec.load import load_spec_data
from mqcheck.spec.schema import Spec
from mqcheck.trace.steps import with_traces

Values = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Combination:
    """One point of the product: `checked` with a result per guarantee, or `invalid`
    (Kafka refuses it; `reason` says why). `spec` is the loaded variant (for replay)."""

    values: Values
    status: str
    results: tuple[GuaranteeResult, ...] = ()
    reason: str = ""
    spec: Spec | None = field(default=None, compare=False, repr=False)

    def label(self) -> str:
        return ", ".join(f"{p}={v}" for p, v in self.values)

    def verdict(self) -> str:
        """violated if any guarantee is, else unknown if any is, else holds."""
        verdicts = {r.verdict for r in self.results}
        for v in ("violated", "unknown"):
            if v in verdicts:
                return v
        return "holds"


@dataclass(frozen=True)
class SymbolicResult:
    spec: str
    path: str
    engine: str
    domains: tuple[Domain, ...]
    guarantees: tuple[str, ...]
    combinations: tuple[Combination, ...]
    not_modelled: tuple[str, ...] = ()
    # `--engine both`: opposite verdicts, per combination
    disagreements: tuple[tuple[Values, Disagreement], ...] = ()

    def checked(self) -> list[Combination]:
        return [c for c in self.combinations if c.status == "checked"]

    def invalid(self) -> list[Combination]:
        return [c for c in self.combinations if c.status == "invalid"]

    def summary(self) -> tuple[GuaranteeResult, ...]:
        """One result per guarantee over every checked combination, for the contract's
        `results`: violated (with the first violating combination's trace) if any
        combination violates it, else unknown if any is unknown, else holds."""
        out = []
        for n, g in enumerate(self.guarantees):
            per = [(c, c.results[n]) for c in self.checked()]
            for verdict in ("violated", "unknown"):
                hits = [(c, r) for c, r in per if r.verdict == verdict]
                if hits:
                    c, r = hits[0]
                    note = f"with {c.label()} ({len(hits)} of {len(per)} combinations {verdict})"
                    out.append(replace(r, reason=f"{note}; {r.reason}" if r.reason else note))
                    break
            else:
                first = per[0][1] if per else None
                stats = first.stats if first else Stats(0, 0, 0, 0.0)
                bounds = first.bounds if first else {}
                reason = f"in all {len(per)} combinations"
                out.append(GuaranteeResult(g, "holds", self.engine, bounds, stats, None, reason))
        return tuple(out)

    def exit_code(self) -> int:
        """2 when no combination is valid; 5 when the engines disagree; else 1 if any
        combination violates a guarantee, 3 if some result is unknown and none violated, 0
        when all hold. (A spec's `expect:` block speaks of its own configuration, so it is
        not applied to the others.)"""
        checked = self.checked()
        if not checked:
            return exits.INVALID
        return exits.for_verdicts((c.verdict() for c in checked), bool(self.disagreements))


def check_symbolic(
    spec: Spec,
    data: Mapping[str, Any],
    domains: Sequence[Domain],
    guarantees: Sequence[str] | None = None,
    engine: str | None = None,
    messages: int | None = None,
    max_states: int | None = None,
    timeout_s: float | None = None,
    progress: Progress | None = None,
) -> SymbolicResult:
    """Every combination of `domains` checked; `progress` hears each explicit search,
    labelled with its combination."""
    wanted = requested_guarantees(spec, guarantees)
    engine_name = engine or spec.check.engine
    combos: list[Combination] = []
    for values, point in plan(spec, data, [(p, list(vs)) for p, vs in domains]):
        loaded = load_spec_data(point, spec.path)
        if loaded.spec is None:
            reason = "; ".join(e.message for e in loaded.errors[:2])
            combos.append(Combination(values, "invalid", reason=reason))
        else:
            combos.append(Combination(values, "checked", spec=loaded.spec))
    valid = [c for c in combos if c.spec is not None]
    disagreements: list[tuple[Values, Disagreement]] = []
    explicit: list[tuple[GuaranteeResult, ...]] = []
    symbolic: list[tuple[GuaranteeResult, ...]] = []
    if engine_name in ("explicit", "both"):
        for c in valid:
            assert c.spec is not None
            label = ", ".join(f"{p}={v}" for p, v in c.values)
            hear = labelled(progress, label)
            run = check_spec(
                c.spec, wanted, "explicit", messages, max_states, timeout_s, progress=hear
            )
            explicit.append(run.results)
    if engine_name in ("z3", "both"):
        timeout = timeout_s or spec.check.timeout_s
        symbolic = _z3_union([c.spec for c in valid if c.spec], wanted, messages, timeout)
    results: list[tuple[GuaranteeResult, ...]] = explicit or symbolic
    if explicit and symbolic:
        results = []
        for c, e, z in zip(valid, explicit, symbolic, strict=True):
            merged, disagree = combine_engines(e, z)
            results.append(merged)
            disagreements.extend((c.values, d) for d in disagree)
    checked = iter(results)
    final = tuple(replace(c, results=next(checked)) if c.spec is not None else c for c in combos)
    return SymbolicResult(
        spec=spec.name,
        path=spec.path,
        engine=engine_name,
        domains=tuple((p, tuple(vs)) for p, vs in domains),
        guarantees=wanted,
        combinations=final,
        not_modelled=spec.not_modelled,
        disagreements=tuple(disagreements),
    )


def _z3_union(
    specs: Sequence[Spec], wanted: Sequence[str], messages: int | None, timeout_s: float
) -> list[tuple[GuaranteeResult, ...]]:
    """Every combination's results from one union query per guarantee; a combination the
    model does not cover is `unknown` on its own and left out of the union."""
    systems: list[TransitionSystem | None] = []
    for s in specs:
        try:
            systems.append(build(s, tuple(wanted), messages))
        except UnsupportedSpec:
            systems.append(None)
    members = [m for m in systems if m is not None]
    answers: list[list[GuaranteeResult]] = []
    if members:
        checked = UnionChecker(union(members), SymbolicLimits(timeout_s=timeout_s)).check(wanted)
        # each combination's violations as traces of its own model
        answers = [with_traces(m, rs) for m, rs in zip(members, checked, strict=True)]
    found = iter(answers)
    out: list[tuple[GuaranteeResult, ...]] = []
    for s, m in zip(specs, systems, strict=True):
        if m is not None:
            out.append(tuple(next(found)))
        else:  # `unknown`, "not modelled: ...", without running anything
            out.append(check_spec(s, wanted, "z3", messages).results)
    return out
