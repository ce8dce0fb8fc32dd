"""The exit codes of every mqcheck command (docs/contract.md section 3), written once.

Each command's answer maps to a code here, and a command that gives several answers (several
specs, several combinations) exits with the worst of them. Kept above the engines, at the
tier of `run`, so that engines know nothing of processes, and below review and the CLI,
which both use it.
"""

from __future__ import annotations

from collections.abc import Iterable

from mqcheck.result import CheckResult

HOLDS = 0  # every guarantee holds, or every verdict matches `expect:`; repaired
VIOLATED = 1  # a guarantee is violated, a verdict differs from `expect:`, no repair exists
INVALID = 2  # the spec, the command line or an input file is invalid
UNKNOWN = 3  # a limit was hit before a verdict
INTERNAL = 4  # a bug in mqcheck
DISAGREE = 5  # `--engine both`: the two engines give opposite verdicts (an internal error)
INTERRUPTED = 130  # Ctrl-C: nothing is claimed (128 + SIGINT, as shells report it)

#: From the least to the most severe: what `worst` keeps of several answers.
_SEVERITY = (HOLDS, UNKNOWN, VIOLATED, INVALID, DISAGREE, INTERNAL)


def for_verdicts(verdicts: Iterable[str], disagree: bool = False) -> int:
    """1 if anything is violated, else 3 if anything is unknown, else 0; 5 before all when
    the engines disagree."""
    if disagree:
        return DISAGREE
    seen = set(verdicts)
    if "violated" in seen:
        return VIOLATED
    return UNKNOWN if "unknown" in seen else HOLDS


def for_check(result: CheckResult) -> int:
    """`mqcheck check` of one spec: with an `expect:` block, whether every verdict matches
    it (0) or not (1) — the contract's rule, so an `unknown` where a verdict was expected is
    1 too (the report says a limit was hit, not that the expectation is wrong); without one,
    the verdicts themselves."""
    if result.disagreements:
        return DISAGREE
    if result.expect:
        return VIOLATED if result.mismatches() else HOLDS
    return for_verdicts(r.verdict for r in result.results)


def for_repair(status: str) -> int:
    """`mqcheck repair`: repaired or already holding 0, no repair exists 1, else unknown
    (docs/repair.md)."""
    return {"holds": HOLDS, "repaired": HOLDS, "no_repair": VIOLATED}.get(status, UNKNOWN)


def for_replay(ok: bool) -> int:
    """`mqcheck replay`: 0 when every step re-validates, 1 when one does not."""
    return HOLDS if ok else VIOLATED


def worst(codes: Iterable[int]) -> int:
    """The most severe of several answers' codes (0 for none)."""
    return max(codes, key=_SEVERITY.index, default=HOLDS)
