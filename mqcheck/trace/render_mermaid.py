"""Counterexamples as Mermaid sequence diagrams (`mqcheck check --format mermaid`).

One `sequenceDiagram` per counterexample: the producers, the replicas of the partition
(broker 1..n), the consumers and, when an election happens, the controller are lifelines.
Requests and responses are arrows (a lost one ends in a cross), what happens inside one
process is a note, and every fault sits in a `critical` block so it stands out. Each label
starts with the step number of the text post-mortem, and a step that made the run fatal
carries a warning note with the setting to blame. How an at-least-once loss then plays out
(the counterexample's consequence) follows in an `opt` box, lettered as in the text.

Pure text, deterministic: the same counterexample gives the same bytes. GitHub, GitLab and
most documentation tools render it as it is (in a ```mermaid fence).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Protocol

from mqcheck.result import CheckResult, Counterexample, Step
from mqcheck.trace.lifelines import Cast, cast_for, leader, outcome_parts, sender
from mqcheck.trace.render_text import letter

WRAP = 46  # characters per line of a label; Mermaid does not wrap by itself


def escape(text: str) -> str:
    """Text that Mermaid shows as written: `;` ends a statement, `#` starts an entity, `<`
    and `>` would be read as HTML, and a newline would end the message."""
    text = text.replace("#", "#35;").replace(";", "#59;")
    text = text.replace(">=", "≥").replace("<=", "≤")
    text = text.replace("<", "#lt;").replace(">", "#gt;")
    return " ".join(text.split())


def label(text: str, width: int = WRAP) -> str:
    """Escaped and wrapped with `<br/>` (which Mermaid renders as a line break)."""
    lines = textwrap.wrap(" ".join(text.split()), width=width, break_on_hyphens=False) or [""]
    return "<br/>".join(escape(line) for line in lines)


def headline(text: str, enough: int = 40) -> str:
    """The first clause(s) of a step's text: what happened, without the explanation (a
    clause shorter than `enough` characters takes the next one along)."""
    clauses = re.split(r";\s", text)
    out = clauses[0]
    for clause in clauses[1:]:
        if len(out) >= enough:
            break
        out += "; " + clause
    return out.strip().rstrip(",.")


def _producer_id(cast: Cast, name: str) -> str:
    return f"P{cast.producers.index(name) + 1}" if name in cast.producers else "P1"


def _consumer_id(cast: Cast, name: str) -> str:
    return f"C{cast.consumers.index(name) + 1}" if name in cast.consumers else "C1"


def _declarations(cast: Cast) -> list[str]:
    lines = [
        f"    participant P{i} as producer {escape(n)}" for i, n in enumerate(cast.producers, 1)
    ]
    lines += [f"    participant B{b} as broker {b}" for b in range(1, cast.brokers + 1)]
    if cast.controller:
        lines.append("    participant CTL as controller")
    lines += [
        f"    participant S{i} as processor {escape(n)}" for i, n in enumerate(cast.processors, 1)
    ]
    lines += [
        f"    participant C{i} as consumer {escape(n)}" for i, n in enumerate(cast.consumers, 1)
    ]
    return lines


def _last_id(cast: Cast) -> str:
    """The rightmost participant, for notes that span the whole diagram."""
    if cast.consumers:
        return f"C{len(cast.consumers)}"
    if cast.processors:
        return f"S{len(cast.processors)}"
    return "CTL" if cast.controller else f"B{cast.brokers}"


def _sender(cex: Counterexample, step: Step, cast: Cast) -> str:
    """The Mermaid id of the producer that sent the step's message (the first by default)."""
    return _producer_id(cast, sender(cex, step) or cast.producers[0])


def _actor_id(actor: str, cast: Cast) -> str:
    role, _, name = cast.lane_of(actor).partition(":")
    if role == "processor" and name in cast.processors:
        return f"S{cast.processors.index(name) + 1}"
    if role == "producer":
        return _producer_id(cast, name)
    if role == "consumer":
        return _consumer_id(cast, name)
    if role == "broker" and name.isdigit():
        return f"B{name}"
    if role == "controller" and cast.controller:
        return "CTL"
    return "B1"


def _all_brokers(cast: Cast) -> str:
    return "B1" if cast.brokers == 1 else f"B1,B{cast.brokers}"


def step_lines(
    cex: Counterexample,
    step: Step,
    before: Mapping[str, int],
    cast: Cast,
    number: str | None = None,
) -> list[str]:
    """The Mermaid statements of one step (without the fault block around it), labelled
    with `number` (default: the step's own number)."""
    text = label(f"{number or step.i}. {headline(step.text)}")
    before_leader = leader(before, cast.brokers)
    lead = f"B{before_leader}" if before_leader else None
    after_leader = leader(step.state, cast.brokers)
    me = _actor_id(step.actor, cast)
    kind = step.kind
    if kind in ("send", "retry") and lead:
        return [f"{me}->>{lead}: {text}"]
    if kind == "request_lost":
        sender = _sender(cex, step, cast)
        return [f"{sender}-x{lead}: {text}"] if lead else [f"Note over {sender}: {text}"]
    if kind == "response_lost":
        sender = _sender(cex, step, cast)
        return [f"{lead}--x{sender}: {text}"] if lead else [f"Note over {sender}: {text}"]
    if kind == "ack" and lead:
        return [f"{lead}-->>{me}: {text}"]
    if kind == "reject" and step.actor.startswith("broker:"):
        return [f"{me}-->>{_sender(cex, step, cast)}: {text}"]
    if kind == "replicate" and lead and lead != me:
        return [f"{me}->>{lead}: {text}"]
    if (
        kind == "fetch"
        and cast.lane_of(step.actor).startswith(("consumer:", "processor:"))
        and lead
    ):
        return [f"{me}->>{lead}: {text}"]
    if kind == "elect":
        target = f"B{after_leader}" if after_leader else _all_brokers(cast)
        return [f"CTL->>{target}: {text}"] if cast.controller else [f"Note over {target}: {text}"]
    if kind == "power_loss" and not step.actor.startswith("broker:"):
        return [f"Note over {_all_brokers(cast)}: {text}"]
    return [f"Note over {me}: {text}"]


def _hazard_note(cex: Counterexample, step: Step, cast: Cast) -> list[str]:
    if not step.hazard:
        return []
    where = _actor_id(step.actor, cast)
    if step.actor == "network":
        where = _sender(cex, step, cast)
    return [f"Note right of {where}: {label('⚠ ' + step.hazard)}"]


def render_counterexample(
    title: str,
    cex: Counterexample,
    producers: Sequence[str] = (),
    consumers: Sequence[str] = (),
    brokers: int | None = None,
    processors: Sequence[str] = (),
) -> str:
    """One sequenceDiagram, titled `title` (e.g. "orders: at-least-once violated")."""
    cast = cast_for(cex, producers, consumers, brokers, processors)
    lines = ["sequenceDiagram", f"    title {escape(title)}"]
    lines += _declarations(cast)
    if not cex.steps:
        lines.append(
            f"    Note over {_all_brokers(cast)}: "
            + label("No step needed: from the initial state no run delivers every message")
        )
    before: Mapping[str, int] = cex.initial_state
    for step in cex.steps:
        body = step_lines(cex, step, before, cast) + _hazard_note(cex, step, cast)
        if step.fault:
            lines.append(f"    critical FAULT {escape(step.fault)}")
            lines += [f"        {line}" for line in body]
            lines.append("    end")
        else:
            lines += [f"    {line}" for line in body]
        before = step.state
    if cex.consequence:
        # how the loss plays out: lettered as in the text report, in a box of its own
        lines.append("    opt how it plays out (no further faults)")
        for step in cex.consequence:
            body = step_lines(cex, step, before, cast, letter(step.i))
            lines += [f"        {line}" for line in body]
            before = step.state
        lines.append("    end")
    outcome = _outcome(cex)
    if outcome:
        last = _all_brokers(cast)
        if cast.consumers or cast.processors:
            last = f"P1,{_last_id(cast)}"
        lines.append(f"    Note over {last}: {label(outcome, 70)}")
    return "\n".join(lines) + "\n"


def _outcome(cex: Counterexample) -> str:
    parts = outcome_parts(cex)
    return "Outcome: " + "; ".join(parts) if parts else ""


def render(
    result: CheckResult,
    producers: Sequence[str] = (),
    consumers: Sequence[str] = (),
    brokers: int | None = None,
    processors: Sequence[str] = (),
) -> str:
    """Every counterexample of `result`, each a diagram preceded by a `%%` comment line;
    an empty string when no guarantee is violated."""
    out = []
    for r in result.results:
        if r.counterexample is None:
            continue
        title = f"{result.spec}: {r.guarantee} violated"
        out.append(
            f"%% {escape(title)}\n"
            + render_counterexample(
                title, r.counterexample, producers, consumers, brokers, processors
            )
        )
    return "\n".join(out)


class _Topic(Protocol):
    @property
    def replication_factor(self) -> int: ...


class SpecShape(Protocol):
    """What the diagram reads of a spec (a `mqcheck.spec.schema.Spec` is one): stated as a
    shape, so the trace layer needs no import of the spec layer."""

    @property
    def brokers(self) -> int: ...
    @property
    def topics(self) -> Mapping[str, _Topic]: ...
    @property
    def producers(self) -> Mapping[str, object]: ...
    @property
    def consumers(self) -> Mapping[str, object]: ...
    @property
    def processors(self) -> Mapping[str, object]: ...


def render_for_spec(result: CheckResult, spec: SpecShape) -> str:
    """`render` with the spec's producers, processors, consumers and replica count as
    lifelines."""
    topics = spec.topics
    replicas = max((t.replication_factor for t in topics.values()), default=spec.brokers)
    return render(
        result,
        tuple(spec.producers),
        tuple(spec.consumers),
        min(replicas, spec.brokers),
        tuple(spec.processors),
    )


def summary(result: CheckResult) -> str:
    """One line per guarantee, for stderr when stdout holds diagrams or traces."""
    return "".join(f"{result.spec}: {r.guarantee} {r.verdict}\n" for r in result.results)
