"""The design-review checklist of one spec: verdicts, hazards, resilience profile,
effective configuration and assumptions, as data that the md, html and SARIF renderers read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mqcheck import exits
from mqcheck.engines.progress import Progress
from mqcheck.result import CheckResult
from mqcheck.review.checklist.hazards import HazardRow, assess
from mqcheck.review.checklist.profile import DEFAULT_CAP, Profile, resilience_profile
from mqcheck.review.checklist.runs import DEFAULT_MAX_STATES, VariantRunner
from mqcheck.spec.schema import EffectiveSetting, Spec


@dataclass(frozen=True)
class Checklist:
    spec: Spec
    result: CheckResult  # the spec itself, as `mqcheck check` reports it
    hazards: tuple[HazardRow, ...]
    profile: Profile | None
    runs: int  # model-checking runs behind the checklist
    max_states: int  # the limit of each variant run

    def at_risk(self) -> list[HazardRow]:
        return [row for row in self.hazards if row.status == "at risk"]

    def exit_code(self) -> int:
        """The spec's own check decides, as `mqcheck check` would exit on it."""
        return exits.for_check(self.result)

    def fault_model(self) -> tuple[str, str]:
        """(faults allowed with their budgets, faults that never happen), for the assumptions."""
        faults = self.spec.faults.as_dict()
        allowed = ", ".join(f"{name}={n}" for name, n in faults.items() if n) or "none"
        excluded = ", ".join(name for name, n in faults.items() if not n) or "none"
        return allowed, excluded

    def bounds(self) -> Mapping[str, object]:
        return self.result.results[0].bounds if self.result.results else {}

    def configuration(self) -> list[EffectiveSetting]:
        """The effective settings a reviewer reads (faults and check bounds are elsewhere):
        those the model reads first, then the accepted but not modelled ones, which cannot
        change a verdict; each group in the spec's reading order."""
        shown = [s for s in self.spec.settings if s.scope not in ("faults", "check")]
        return [s for s in shown if s.modelled] + [s for s in shown if not s.modelled]


def build_checklist(
    spec: Spec,
    *,
    max_states: int = DEFAULT_MAX_STATES,
    profile_cap: int = DEFAULT_CAP,
    with_profile: bool = True,
    messages: int | None = None,
    timeout_s: float | None = None,
    progress: Progress | None = None,
) -> Checklist:
    """Every run behind the checklist, done once: the renderers (md, html, SARIF) only read
    the result, so one checklist feeds every format a command asks for. `timeout_s` is the
    time limit of each run (`--timeout`); `progress` hears each run's search."""
    runner = VariantRunner(
        spec, max_states=max_states, messages=messages, timeout=timeout_s, progress=progress
    )
    result = runner.spec_check()
    hazards = tuple(assess(spec, runner, result))
    profile = resilience_profile(spec, runner, profile_cap) if with_profile else None
    return Checklist(spec, result, hazards, profile, runner.runs, max_states)
