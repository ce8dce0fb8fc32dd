"""What every engine returns: one result per guarantee, with its witness and statistics.

Plain frozen values at the bottom tier (this module imports nothing of mqcheck): the engines
produce them, the trace layer fills in the steps of a counterexample, and renderers, review
and the CLI read them, without any of those importing another. An engine reports a violation
as a `Witness` (the path of action instances and states, with the labels it determined); the
trace layer (`mqcheck.trace.steps.with_trace`) turns that into the `Counterexample` of steps
and sentences that renderers print.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    """One step of a counterexample: the action taken and the state after it."""

    i: int
    kind: str
    actor: str
    text: str
    action: str  # the grounded action's name, which `replay` looks up
    message: str | None = None
    fault: str | None = None
    hazard: str = ""
    fix: str = ""
    state: Mapping[str, int] = field(default_factory=dict)


State = tuple[int, ...]


@dataclass(frozen=True)
class Witness:
    """A violation as an engine found it: from `start`, each (action index, state after)
    of `path`, in the transition system the engine checked. `lost`, `duplicated` and
    `reordered` are the goal parts and observations the engine judged at the last state, and
    `consequence` how a loss then plays out (`mqcheck.engines.witness`)."""

    start: State
    path: tuple[tuple[int, State], ...]
    lost: tuple[str, ...] = ()
    duplicated: tuple[str, ...] = ()
    reordered: tuple[str, ...] = ()
    # at-least-once: a fault-free continuation from the last state, (action index, state
    # after) pairs, to where the run settles; not part of the violation itself
    consequence: tuple[tuple[int, State], ...] = ()


@dataclass(frozen=True)
class Encoding:
    """What one state variable's integers encode (the transition system's `Variable.kind`
    and `labels`), carried with a counterexample so renderers that decode states (ITF) need
    not see the transition system."""

    kind: str = "int"  # int | bool | enum
    labels: Mapping[int, str] = field(default_factory=dict)

    def read(self, value: int) -> int | bool | str:
        """`value` as the model means it: a boolean, a name (a status, a broker, a log
        entry, a sentinel such as "none"), or the number itself."""
        if self.kind == "bool":
            return bool(value)
        return self.labels.get(value, value)


@dataclass(frozen=True)
class Counterexample:
    """The trace of a violation: `steps` is the minimal trace (it ends at the first state
    that violates the guarantee); `consequence`, for at-least-once, is one fault-free way
    the run goes on from there to where nothing changes any more (how the loss plays out,
    `mqcheck.ir.lookahead.settle`), numbered on its own and not part of the minimal trace.
    `encodings` says how each variable of the states reads (not part of the JSON result)."""

    steps: tuple[Step, ...]
    lost: tuple[str, ...] = ()
    duplicated: tuple[str, ...] = ()
    reordered: tuple[str, ...] = ()
    faults_used: tuple[str, ...] = ()
    initial_state: Mapping[str, int] = field(default_factory=dict)
    consequence: tuple[Step, ...] = ()
    encodings: Mapping[str, Encoding] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Stats:
    states: int
    transitions: int
    depth: int
    seconds: float
    peak_memory_mb: float = 0.0
    #: the explicit engines' chance that two distinct states shared a fingerprint and were
    #: taken for one (TLC's optimistic estimate for the states and transitions explored);
    #: None for the Z3 engine, which keeps no fingerprints
    collision_probability: float | None = None


@dataclass(frozen=True)
class GuaranteeResult:
    guarantee: str
    verdict: str  # holds | violated | unknown
    engine: str
    bounds: Mapping[str, object]
    stats: Stats
    counterexample: Counterexample | None = None
    reason: str = ""  # why `unknown`, or notes on the bounds
    # the engine's violation; `counterexample` is its trace, filled in by the trace layer
    witness: Witness | None = None


@dataclass(frozen=True)
class Disagreement:
    """`--engine both`: the two engines gave opposite verdicts (holds vs violated) for one
    guarantee, so one of them is wrong."""

    guarantee: str
    explicit: GuaranteeResult
    z3: GuaranteeResult


@dataclass(frozen=True)
class CheckResult:
    spec: str
    path: str
    results: tuple[GuaranteeResult, ...]
    not_modelled: tuple[str, ...] = ()
    expect: Mapping[str, str] = field(default_factory=dict)
    disagreements: tuple[Disagreement, ...] = ()

    def mismatches(self) -> list[tuple[str, str, str]]:
        """(guarantee, expected, actual) for every verdict that differs from `expect:`."""
        out = []
        for r in self.results:
            want = self.expect.get(r.guarantee)
            if want is not None and want != r.verdict:
                out.append((r.guarantee, want, r.verdict))
        return out

    def disagreements_with_expect(self) -> list[tuple[str, str, str]]:
        """The mismatches that contradict `expect:` (a decided verdict other than the one
        expected): what exit 1 reports."""
        return [m for m in self.mismatches() if m[2] != "unknown"]

    def inconclusive(self) -> list[GuaranteeResult]:
        """The results a limit left `unknown` where `expect:` names a verdict: not a
        disagreement with the author, so they are reported as a limit hit (exit 3)."""
        return [
            r
            for r in self.results
            if r.verdict == "unknown" and self.expect.get(r.guarantee) not in (None, "unknown")
        ]
