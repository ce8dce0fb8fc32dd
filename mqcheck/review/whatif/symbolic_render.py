"""`check --symbolic` output: a table of combinations by guarantees (text), or the contract's
JSON result with a `symbolic` section (additive: `results` summarises every combination)."""

from __future__ import annotations

from typing import Any

from mqcheck.result import GuaranteeResult
from mqcheck.review.whatif.symbolic import Combination, SymbolicResult
from mqcheck.trace.render_json import FORMAT_VERSION, result_json


def cell(r: GuaranteeResult) -> str:
    """`violated (4 steps; broker_crash)`, `holds`, `unknown`."""
    if r.verdict != "violated" or r.counterexample is None:
        return r.verdict
    cex = r.counterexample
    faults = ", ".join(cex.faults_used) or "no fault"
    return f"violated ({len(cex.steps)} steps; {faults})"


def render_text(result: SymbolicResult) -> str:
    props = [p for p, _ in result.domains]
    header = [*props, *result.guarantees]
    rows = [[v for _, v in c.values] + [cell(r) for r in c.results] for c in result.checked()]
    lines = [
        f"{result.spec} ({result.path}): symbolic {', '.join(props)} "
        f"[{_engine_words(result.engine)}]",
        "",
    ]
    if rows:
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, ["-" * w for w in widths], *rows]:
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
            lines[-1] = lines[-1].rstrip()
    else:
        lines.append("  no combination could be checked")
    invalid = result.invalid()
    if invalid:
        lines += ["", "Invalid combinations (Kafka refuses them, nothing checked):"]
        lines += [f"  {c.label()}: {c.reason}" for c in invalid]
    notes = [(c, r) for c in result.checked() for r in c.results if r.verdict == "unknown"]
    if notes:
        lines += ["", "Unknown:"]
        lines += [f"  {c.label()}: {r.guarantee}: {r.reason}" for c, r in notes]
    lines += ["", *_verdict_lines(result)]
    return "\n".join(lines) + "\n"


def _engine_words(engine: str) -> str:
    if engine == "z3":
        return "z3: one query per guarantee over every combination"
    if engine == "both":
        return "explicit per combination, cross-checked by one z3 query per guarantee"
    return "explicit: each combination checked on its own"


def _verdict_lines(result: SymbolicResult) -> list[str]:
    groups: dict[str, list[Combination]] = {"violated": [], "unknown": [], "holds": []}
    for c in result.checked():
        groups[c.verdict()].append(c)
    words = {
        "violated": "Violating (a guarantee fails within the bounds)",
        "unknown": "Undecided",
        "holds": "Safe (every guarantee holds within the bounds)",
    }
    out = []
    for verdict, members in groups.items():
        if members:
            out.append(f"{words[verdict]}: {len(members)}")
            out += [f"  {c.label()}" for c in members]
    return out


def render_json(result: SymbolicResult) -> dict[str, Any]:
    combos: list[dict[str, Any]] = []
    for c in result.combinations:
        entry: dict[str, Any] = {"values": dict(c.values), "status": c.status}
        if c.status == "checked":
            entry["verdict"] = c.verdict()
            entry["results"] = [result_json(r) for r in c.results]
        else:
            entry["reason"] = c.reason
        combos.append(entry)
    return {
        "mqcheck": FORMAT_VERSION,
        "spec": result.spec,
        "results": [result_json(r) for r in result.summary()],
        "not_modelled": list(result.not_modelled),
        "symbolic": {
            "engine": result.engine,
            "properties": [{"name": p, "values": list(vs)} for p, vs in result.domains],
            "combinations": combos,
            "violating": [dict(c.values) for c in result.checked() if c.verdict() == "violated"],
            "safe": [dict(c.values) for c in result.checked() if c.verdict() == "holds"],
            "invalid": [dict(c.values) for c in result.invalid()],
        },
    }
