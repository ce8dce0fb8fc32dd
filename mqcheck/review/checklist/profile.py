"""The resilience profile: for each fault class, the smallest budget that breaks each
guarantee ("survives any one broker crash; loses data with two power losses").

Each fault class is checked alone (followers falling behind, `follower_lag`, keeps the
spec's value in every run: it is a condition, not an event), with budgets 1, 2, ... up to a
cap; budget 0 is the fault-free run, shared by every class. A run that hits a limit makes the
answer `unknown` from that budget on: the profile never claims a class is survived when it
was not fully checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from mqcheck.result import GuaranteeResult
from mqcheck.review.checklist.hazards import not_modelled_reason, retention_can_delete
from mqcheck.review.checklist.runs import VariantRunner
from mqcheck.review.story import story
from mqcheck.spec.schema import FAULT_NAMES, Spec

DEFAULT_CAP = 2

#: (singular, plural) of each fault class, as a reviewer would say it.
FAULT_WORDS: dict[str, tuple[str, str]] = {
    "broker_crash": ("broker crash", "broker crashes"),
    "broker_power_loss": ("single-broker power loss", "single-broker power losses"),
    "simultaneous_power_loss": ("simultaneous power loss", "simultaneous power losses"),
    "produce_request_lost": ("lost produce request", "lost produce requests"),
    "produce_response_lost": ("lost produce response", "lost produce responses"),
    "consumer_crash": ("consumer crash", "consumer crashes"),
    "producer_crash": ("producer crash", "producer crashes"),
    "processor_crash": ("processor crash", "processor crashes"),
    "offsets_expire": ("expiry of committed offsets", "expiries of committed offsets"),
    "delivery_timeout": ("delivery timeout", "delivery timeouts"),
    "consumer_stall": ("stalled consumer", "stalled consumers"),
    "group_rebalance": ("group rebalance", "group rebalances"),
    "controlled_shutdown": (
        "controlled shutdown (rolling restart)",
        "controlled shutdowns (rolling restarts)",
    ),
    "disk_failure": ("disk failure", "disk failures"),
    "rack_power_loss": ("rack power loss", "rack power losses"),
    "retention_passes_consumer": (
        "retention pass over an unread offset",
        "retention passes over unread offsets",
    ),
    "leader_isolation": ("isolated leader", "isolated leaders"),
    "processing_error": (
        "share-consumer processing error",
        "share-consumer processing errors",
    ),
}
PROFILED = tuple(name for name in FAULT_NAMES if name in FAULT_WORDS)

#: What breaking each guarantee means, in a sentence.
BREAKS = {
    "at-least-once": "loses messages",
    "at-most-once": "processes messages twice",
    "exactly-once": "loses or duplicates messages",
    "ordering": "reorders messages",
}
NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four"}


def count_words(fault: str, n: int) -> str:
    singular, plural = FAULT_WORDS[fault]
    return f"{NUMBERS.get(n, str(n))} {singular if n == 1 else plural}"


@dataclass(frozen=True)
class Cell:
    """How one guarantee fares against one fault class."""

    fault: str
    guarantee: str
    status: str  # "breaks" | "survives" | "unknown" | "not applicable"
    budget: int  # breaks: the smallest breaking budget; survives: the largest checked;
    # unknown: the budget whose run hit a limit
    result: GuaranteeResult | None = None  # the breaking run's result (with its trace)
    reason: str = ""

    def text(self) -> str:
        if self.status == "breaks":
            if self.budget == 0:
                return f"{BREAKS[self.guarantee]} without any fault"
            return f"{BREAKS[self.guarantee]} with {count_words(self.fault, self.budget)}"
        if self.status == "survives":
            prefix = (
                "any one" if self.budget == 1 else f"up to {NUMBERS.get(self.budget, self.budget)}"
            )
            singular, plural = FAULT_WORDS[self.fault]
            return f"survives {prefix} {singular if self.budget == 1 else plural}"
        if self.status == "unknown":
            return f"unknown from {count_words(self.fault, self.budget)} ({self.reason})"
        return self.reason or "not applicable"

    def short(self) -> str:
        return {
            "breaks": f"breaks at {self.budget}",
            "survives": f"survives {self.budget}",
            "unknown": f"unknown at {self.budget}",
        }.get(self.status, "n/a")


@dataclass(frozen=True)
class Profile:
    guarantees: tuple[str, ...]
    cap: int
    follower_lag: int
    cells: tuple[Cell, ...]
    unsupported: str = ""  # the spec cannot be checked at all (not modelled)

    def cell(self, fault: str, guarantee: str) -> Cell:
        for c in self.cells:
            if c.fault == fault and c.guarantee == guarantee:
                return c
        raise KeyError((fault, guarantee))

    def faults(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.fault for c in self.cells))


def resilience_profile(spec: Spec, runner: VariantRunner, cap: int = DEFAULT_CAP) -> Profile:
    guarantees = spec.checked_guarantees()
    lag = spec.faults.follower_lag
    base = runner.check({})
    unsupported = not_modelled_reason(base)
    if unsupported:
        return Profile(guarantees, cap, lag, (), unsupported)
    broken0 = {r.guarantee: r for r in base.results if r.verdict == "violated"}
    unknown0 = {r.guarantee: r for r in base.results if r.verdict == "unknown"}
    by_fault: dict[str, dict[str, Cell | None]] = {}
    for fault in PROFILED:
        skipped = _not_applicable(spec, fault)
        if skipped:
            by_fault[fault] = {
                g: Cell(fault, g, "not applicable", 0, reason=skipped) for g in guarantees
            }
            continue
        open_: dict[str, Cell | None] = {}
        for g in guarantees:
            if g in broken0:
                open_[g] = Cell(fault, g, "breaks", 0, broken0[g])
            elif g in unknown0:
                open_[g] = Cell(fault, g, "unknown", 0, None, unknown0[g].reason)
            else:
                open_[g] = None
        by_fault[fault] = open_
    # budget by budget, every class's run of that budget at once (they are independent, and a
    # pool runs them side by side); a class whose guarantees are all decided runs no further
    for budget in range(1, cap + 1):
        due = [f for f, open_ in by_fault.items() if any(c is None for c in open_.values())]
        runner.check_all([{fault: budget, "follower_lag": lag} for fault in due])
        for fault in due:
            open_ = by_fault[fault]
            pending = [g for g, c in open_.items() if c is None]
            result = runner.check({fault: budget, "follower_lag": lag})
            for r in result.results:
                if r.guarantee not in pending:
                    continue
                if r.verdict == "violated":
                    open_[r.guarantee] = Cell(fault, r.guarantee, "breaks", budget, r)
                elif r.verdict == "unknown":
                    open_[r.guarantee] = Cell(fault, r.guarantee, "unknown", budget, None, r.reason)
    cells = [
        c if c is not None else Cell(fault, g, "survives", cap)
        for fault, open_ in by_fault.items()
        for g, c in open_.items()
    ]
    return Profile(guarantees, cap, lag, tuple(cells))


def _not_applicable(spec: Spec, fault: str) -> str:
    """Why `fault` cannot happen in `spec` ("" when it can): its class is then not run."""
    if fault == "processor_crash" and not spec.processors:
        return "no processors"
    if fault == "rack_power_loss" and not spec.racks:
        return "no cluster.racks"
    if fault == "retention_passes_consumer" and not retention_can_delete(spec):
        return "retention deletes nothing"
    if fault == "processing_error" and not spec.share_consumers:
        return "no share consumers"  # only a share consumer's application fails (§4.13)
    return ""


def summary_sentences(profile: Profile) -> list[str]:
    """One sentence per fault class: "broker crashes: survives any one for at-least-once;
    processes messages twice with one for at-most-once"."""
    out = []
    for fault in profile.faults():
        cells = [profile.cell(fault, g) for g in profile.guarantees]
        if all(c.status == "not applicable" for c in cells):
            continue
        parts = [f"{c.guarantee}: {c.text()}" for c in cells]
        out.append(f"{FAULT_WORDS[fault][1].capitalize()} — " + "; ".join(parts) + ".")
    return out


def render_profile_text(spec: Spec, profile: Profile) -> str:
    """`mqcheck profile`: the table, one sentence per fault class, the breaking cases."""
    lines = [f"{spec.name}: resilience profile (each fault class alone, budgets 0..{profile.cap})"]
    if profile.unsupported:
        return "\n".join([*lines, f"  not computed: {profile.unsupported}"]) + "\n"
    lines.append(f"follower_lag stays at the spec's value ({profile.follower_lag}) in every run")
    lines.append("")
    header = ["fault", *profile.guarantees]
    rows = [
        [FAULT_WORDS[f][1], *(profile.cell(f, g).short() for g in profile.guarantees)]
        for f in profile.faults()
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    lines.append("")
    lines += summary_sentences(profile)
    breaking = [c for c in profile.cells if c.status == "breaks" and c.result is not None]
    if breaking:
        lines += ["", "Breaking cases:"]
        for c in breaking:
            assert c.result is not None
            lines.append(f"  {c.fault}={c.budget}, {c.guarantee}: {story(c.result)}")
    return "\n".join(lines) + "\n"
