"""Who appears in a sequence diagram of a counterexample, and who did what to whom.

Both sequence diagrams (Mermaid, `render_mermaid`, and the checklist's SVG,
`review/checklist/svg.py`) draw the same lifelines from the same steps: the producers, the
partition's replicas (broker 1..n), the controller, the Kafka Streams processors and the
consumers; the partition leader
before each step; the producer that sent a step's message; and the outcome. It is worked out
here once, so the two pictures cannot disagree about a trace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mqcheck.result import Counterexample, Step


@dataclass(frozen=True)
class Cast:
    """The lifelines of one diagram, in display order."""

    producers: tuple[str, ...]
    brokers: int
    consumers: tuple[str, ...]
    controller: bool
    processors: tuple[str, ...] = ()  # Kafka Streams processors: each its own lifeline

    def lane_of(self, actor: str) -> str:
        """The lifeline an actor is drawn on. A processor polls its input as a consumer
        (`consumer:enricher`) and processes and crashes as `processor:enricher`: all of it
        is the processor's own lifeline, never a consumer's or the producer's."""
        role, _, name = actor.partition(":")
        if role == "consumer" and name in self.processors and name not in self.consumers:
            return f"processor:{name}"
        return actor


def _names(steps: Sequence[Step], role: str) -> list[str]:
    out: list[str] = []
    for s in steps:
        if s.actor.startswith(role + ":"):
            name = s.actor.split(":", 1)[1]
            if name not in out:
                out.append(name)
    return out


def _replicas(cex: Counterexample) -> int:
    state = cex.initial_state or (cex.steps[0].state if cex.steps else {})
    return sum(1 for key in state if re.fullmatch(r"alive_\d+", key))


def cast_for(
    cex: Counterexample,
    producers: Sequence[str] = (),
    consumers: Sequence[str] = (),
    brokers: int | None = None,
    processors: Sequence[str] = (),
) -> Cast:
    """Everyone in the spec (when given) plus everyone the steps mention. A name the steps
    use both as `processor:` and `consumer:` is a processor (its input poll)."""
    prods = list(producers)
    prods += [n for n in _names(cex.steps, "producer") if n not in prods]
    procs = list(processors)
    procs += [n for n in _names(cex.steps, "processor") if n not in procs]
    cons = list(consumers)
    cons += [n for n in _names(cex.steps, "consumer") if n not in cons and n not in procs]
    mentioned = [
        int(s.actor.split(":")[1]) for s in cex.steps if re.fullmatch(r"broker:\d+", s.actor)
    ]
    count = max([_replicas(cex) or (brokers or 1), *mentioned])
    return Cast(
        producers=tuple(prods or ["producer"]),
        brokers=count,
        consumers=tuple(cons),
        controller=any(s.actor == "controller" for s in cex.steps),
        processors=tuple(procs),
    )


def leader(state: Mapping[str, int], brokers: int) -> int | None:
    """The partition leader as a broker number (1-based), or None when there is none."""
    value = state.get("leader")
    if value is None or not 0 <= value < brokers:
        return None
    return value + 1


def sender(cex: Counterexample, step: Step) -> str | None:
    """The producer that sent the step's message (the network steps name no producer), or
    None when no producer step carries it."""
    for s in cex.steps:
        if s.message == step.message and s.actor.startswith("producer:"):
            return s.actor.split(":", 1)[1]
    return None


def outcome_parts(cex: Counterexample) -> list[str]:
    """What went wrong, one part per kind: "lost m1", "processed twice: m2", ..."""
    parts = []
    if cex.lost:
        parts.append("lost " + ", ".join(cex.lost))
    if cex.duplicated:
        parts.append("processed twice: " + ", ".join(cex.duplicated))
    if cex.reordered:
        parts.append("processed out of order: " + ", ".join(cex.reordered))
    return parts
