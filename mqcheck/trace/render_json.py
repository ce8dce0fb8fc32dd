"""The JSON result of the contract (docs/contract.md section 4), and reading a trace back.

Additive fields beyond the contract: `reason` (why unknown), `stats.peak_memory_mb`,
`stats.fingerprint_collision_probability` (explicit engine), and
per step `action` (the grounded action name `replay` looks up), `fault`, `hazard`, `fix`
and `state` (the state after the step); the counterexample carries `initial_state` and, for
an at-least-once violation, `consequence`: steps of the same shape, numbered from 1, that
go on fault-free from the last state until the run settles (how the loss plays out; not
part of the minimal trace, and replayed as fault-free steps).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mqcheck.result import CheckResult, Counterexample, GuaranteeResult, Step

FORMAT_VERSION = 1


def step_json(step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {"i": step.i, "kind": step.kind, "actor": step.actor}
    if step.message is not None:
        out["message"] = step.message
    out["text"] = step.text
    out["action"] = step.action
    if step.fault:
        out["fault"] = step.fault
    if step.hazard:
        out["hazard"] = step.hazard
    if step.fix:
        out["fix"] = step.fix
    out["state"] = dict(step.state)
    return out


def counterexample_json(cex: Counterexample) -> dict[str, Any]:
    return {
        "lost": list(cex.lost),
        "duplicated": list(cex.duplicated),
        "reordered": list(cex.reordered),
        "faults_used": list(cex.faults_used),
        "steps": [step_json(s) for s in cex.steps],
        **({"consequence": [step_json(s) for s in cex.consequence]} if cex.consequence else {}),
        "initial_state": dict(cex.initial_state),
    }


def result_json(r: GuaranteeResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "guarantee": r.guarantee,
        "verdict": r.verdict,
        "engine": r.engine,
        "bounds": _plain(r.bounds),
    }
    if r.counterexample is not None:
        out["counterexample"] = counterexample_json(r.counterexample)
    if r.reason:
        out["reason"] = r.reason
    out["stats"] = {
        "states": r.stats.states,
        "transitions": r.stats.transitions,
        "depth": r.stats.depth,
        "seconds": r.stats.seconds,
        "peak_memory_mb": r.stats.peak_memory_mb,
    }
    if r.stats.collision_probability is not None:
        # two significant digits, as TLC prints it
        out["stats"]["fingerprint_collision_probability"] = float(
            f"{r.stats.collision_probability:.2g}"
        )
    return out


def check_json(result: CheckResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "mqcheck": FORMAT_VERSION,
        "spec": result.spec,
        "results": [result_json(r) for r in result.results],
        "not_modelled": list(result.not_modelled),
    }
    if result.expect:
        out["expect"] = dict(result.expect)
        out["mismatches"] = [
            {"guarantee": g, "expected": want, "verdict": got}
            for g, want, got in result.mismatches()
        ]
    return out


def dumps(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _plain(value: object) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def trace_json(result: CheckResult) -> dict[str, Any] | None:
    """The first counterexample of `result` as a trace document (`check --trace-out`, read
    back by `replay`), or None when no guarantee is violated."""
    for r in result.results:
        if r.counterexample is not None:
            return {"mqcheck": FORMAT_VERSION, "spec": result.spec, "results": [result_json(r)]}
    return None
