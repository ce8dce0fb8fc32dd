"""Counterexamples in the Informal Trace Format (ITF) of Apalache and Quint
(`mqcheck check --format itf`), as specified by Apalache's ADR-015
(https://apalache-mc.org/docs/adr/015adr-trace.html, revision 2023-09-14).

A trace is one JSON object: `#meta` (free-form), `vars` (the variable names, the same in
every state) and `states`, a list of objects mapping every variable to its value, each with
`#meta: {"index": i}`. State 0 is the initial state and state i the state after step i.
Integers are written `{"#bigint": "n"}` (plain JSON numbers are not allowed since that
revision); strings stay strings, booleans booleans.

A variable's value is written as the model means it, not as it encodes it (the IR's
`Variable.kind` and `labels`, carried by the counterexample's `encodings`): a flag such as
`alive_0` or `isr_1` is a boolean, an enumeration is its name (`status_m1` is "acked",
`leader` is "broker 2" or "none", `log_0_0` is "m1" or "empty"), and a number stays an
integer; `#meta.varTypes` gives each variable's type (Bool, Str, Int), and
`#meta.mqcheck.valueLabels` names an integer variable's sentinel values (-1: "none").

Besides the model's variables every state carries, as Quint's model-based-testing traces
do, `mbt::actionTaken` (the grounded action, `init` for state 0), and mqcheck's own
`mqcheck::kind`, `mqcheck::actor`, `mqcheck::fault` ("" for an ordinary step) and
`mqcheck::text` (the step as the post-mortem tells it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mqcheck.result import CheckResult, Counterexample, Encoding, GuaranteeResult

FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"
STEP_VARS = (
    "mbt::actionTaken",
    "mqcheck::kind",
    "mqcheck::actor",
    "mqcheck::fault",
    "mqcheck::text",
)


def bigint(value: int) -> dict[str, str]:
    return {"#bigint": str(int(value))}


def itf_value(value: object) -> Any:
    """An ITF value: integers as #bigint, sequences as lists, mappings as records."""
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return bigint(value)
    if isinstance(value, (list, tuple)):
        return [itf_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): itf_value(v) for k, v in value.items()}
    return {"#unserializable": repr(value)}


ITF_TYPES = {"bool": "Bool", "enum": "Str", "int": "Int"}


def state_value(encoding: Encoding, value: int) -> Any:
    """A variable's value in ITF: a boolean, a name, or a #bigint. An integer variable keeps
    its sentinels as numbers, so every state gives it the same type."""
    if encoding.kind == "int":
        return bigint(value)
    return encoding.read(value)


def _variables(cex: Counterexample) -> list[str]:
    names = list(cex.initial_state)
    for step in cex.steps:
        names += [n for n in step.state if n not in names]
    return names


def trace(spec: str, source: str, result: GuaranteeResult) -> dict[str, Any]:
    """The ITF trace of `result`'s counterexample (which must exist)."""
    cex = result.counterexample
    if cex is None:
        raise ValueError(f"{result.guarantee} has no counterexample")
    variables = _variables(cex)
    encodings = {name: cex.encodings.get(name, Encoding()) for name in variables}
    states: list[dict[str, Any]] = []
    rows: list[tuple[Mapping[str, int], tuple[str, str, str, str, str]]] = [
        (cex.initial_state, ("init", "init", "", "", "the initial state"))
    ]
    rows += [(s.state, (s.action, s.kind, s.actor, s.fault or "", s.text)) for s in cex.steps]
    for index, (state, step_values) in enumerate(rows):
        entry: dict[str, Any] = {"#meta": {"index": index}}
        for name in variables:
            entry[name] = state_value(encodings[name], state.get(name, 0))
        entry.update(zip(STEP_VARS, step_values, strict=True))
        states.append(entry)
    return {
        "#meta": {
            "format": "ITF",
            "format-description": FORMAT_DESCRIPTION,
            "source": source,
            "description": (f"mqcheck counterexample: {spec}, {result.guarantee} {result.verdict}"),
            "varTypes": {
                **{name: ITF_TYPES[encodings[name].kind] for name in variables},
                **{name: "Str" for name in STEP_VARS},
            },
            "mqcheck": {
                "spec": spec,
                "guarantee": result.guarantee,
                "verdict": result.verdict,
                "engine": result.engine,
                "lost": list(cex.lost),
                "duplicated": list(cex.duplicated),
                "reordered": list(cex.reordered),
                "faults_used": list(cex.faults_used),
                "bounds": json.loads(json.dumps(dict(result.bounds), default=list)),
                "valueLabels": {
                    name: {str(k): v for k, v in sorted(e.labels.items())}
                    for name, e in encodings.items()
                    if e.kind == "int" and e.labels
                },
            },
        },
        "vars": [*variables, *STEP_VARS],
        "states": states,
    }


def traces(result: CheckResult) -> list[dict[str, Any]]:
    """One ITF trace per violated guarantee, in the order of the results."""
    return [
        trace(result.spec, result.path, r) for r in result.results if r.counterexample is not None
    ]


def render(result: CheckResult) -> str:
    """One ITF document per counterexample, each on one line (JSON Lines); with a single
    counterexample the output is one plain ITF file."""
    return "".join(
        json.dumps(t, ensure_ascii=False, separators=(",", ":")) + "\n" for t in traces(result)
    )
