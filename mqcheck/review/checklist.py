"""The design-review checklist of one spec: verdicts, hazards, resilience profile,
effective configuration and assumptions, as data that the md, html and SARIF renderers read.
"""

from __future__ import annotations

from dataclasses import dataclass

from mqcheck.engines.result import CheckResult
from mqcheck.review.hazards import HazardRow, assess
from mqcheck.review.profile import DEFAULT_CAP, Profile, resilience_profile
from mqcheck.review.runs import DEFAULT_MAX_STATES, VariantRunner
from mqcheck.spec.schema import Spec


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
        return self.result.exit_code()


def build_checklist(
    spec: Spec,
    *,
    max_states: int = DEFAULT_MAX_STATES,
    profile_cap: int = DEFAULT_CAP,
    with_profile: bool = True,
    messages: int | None = None,
) -> Checklist:
    runner = VariantRunner(spec, max_states=max_states, messages=messages)
    result = runner.spec_check()
    hazards = tuple(assess(spec, runner, result))
    profile = resilience_profile(spec, runner, profile_cap) if with_profile else None
    return Checklist(spec, result, hazards, profile, runner.runs, max_states)
