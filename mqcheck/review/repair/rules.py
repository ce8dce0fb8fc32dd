"""Kafka's validity rules over the knobs, as small tables of allowed value combinations.

A table is both a Z3 constraint (the proposer never offers what Kafka refuses) and a Python
test (the learner never builds such a neighbour). The rules are the ones the spec layer
enforces (mqcheck/spec/validate.py): an idempotent producer needs acks=all, retries > 0
and at most 5 requests in flight (1 on Kafka 0.11); a transactional producer is idempotent;
a topic's replication.factor cannot exceed the brokers; a share consumer in implicit
acknowledgement mode cannot RELEASE or REJECT (KafkaShareConsumer.acknowledge throws, and the
loader refuses app.on_error release/reject there). One rule is the search's own:
min.insync.replicas above replication.factor never helps (Kafka accepts it, and every acks=all
write fails), so it is not proposed unless it is what the spec already has. The loader still
re-validates every proposal, so a rule missing here costs an iteration, never a wrong answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mqcheck.review.repair.space import SearchSpace, share_groups
from mqcheck.spec.schema import Spec


@dataclass(frozen=True)
class Rule:
    knobs: tuple[int, ...]  # indexes into SearchSpace.knobs
    allowed: frozenset[tuple[object, ...]]
    why: str

    def holds(self, values: Sequence[object]) -> bool:
        return tuple(values[i] for i in self.knobs) in self.allowed


def _table(
    space: SearchSpace,
    spec: Spec,
    settings: Sequence[tuple[str, str, object]],
    ok: Callable[..., bool],
    why: str,
) -> Rule | None:
    """A rule over the settings (scope, name, fixed value): those that are knobs range over
    their domain, the others keep their fixed value. None when no knob is involved."""
    index = space.index()
    involved = [
        index[f"{scope} {name}"] for scope, name, _ in settings if f"{scope} {name}" in index
    ]
    if not involved:
        return None
    domains = [
        space.knobs[index[f"{scope} {name}"]].domain if f"{scope} {name}" in index else (fixed,)
        for scope, name, fixed in settings
    ]
    positions = [i for i, (scope, name, _) in enumerate(settings) if f"{scope} {name}" in index]
    allowed = frozenset(
        tuple(row[i] for i in positions) for row in itertools.product(*domains) if ok(*row)
    )
    return Rule(tuple(involved), allowed, why)


def rules(space: SearchSpace, spec: Spec) -> tuple[Rule, ...]:
    out: list[Rule | None] = []
    v = spec.kafka_version
    in_flight_limit = 5 if v.at_least(1, 0) else 1
    for name, p in spec.producers.items():
        scope = f"producer:{name}"
        idem = (scope, "enable.idempotence", p.enable_idempotence)
        out.append(
            _table(
                space,
                spec,
                [idem, (scope, "acks", p.acks)],
                lambda e, acks: not e or acks == -1,
                "Must set acks to all in order to use the idempotent producer.",
            )
        )
        out.append(
            _table(
                space,
                spec,
                [idem, (scope, "retries", p.retries)],
                lambda e, retries: not e or retries != 0,
                "Must set retries to non-zero when using the idempotent producer.",
            )
        )
        out.append(
            _table(
                space,
                spec,
                [idem, (scope, "max.in.flight.requests.per.connection", p.max_in_flight)],
                lambda e, n: not e or n <= in_flight_limit,
                f"Must set max.in.flight.requests.per.connection to at most {in_flight_limit} "
                "to use the idempotent producer.",
            )
        )
    for name in dict.fromkeys(p.topic for p in spec.producers.values()):
        topic = spec.topics[name]
        scope = f"topic:{name}"
        rf = (scope, "replication.factor", topic.replication_factor)
        current = (topic.replication_factor, topic.min_insync_replicas)
        out.append(
            _table(
                space,
                spec,
                [rf, (scope, "min.insync.replicas", topic.min_insync_replicas)],
                lambda r, m, current=current: m <= r or (r, m) == current,
                "min.insync.replicas above replication.factor refuses every acks=all write",
            )
        )
        out.append(
            _table(
                space,
                spec,
                [("cluster", "brokers", spec.brokers), rf],
                lambda b, r: r <= b,
                "InvalidReplicationFactorException: replication factor larger than brokers",
            )
        )
    for group in share_groups(spec):
        c = group[0]
        scope = f"share_consumer:{c.name}"
        out.append(
            _table(
                space,
                spec,
                [
                    (scope, "share.acknowledgement.mode", c.acknowledgement_mode),
                    (scope, "app.on_error", c.app.on_error),
                ],
                lambda mode, on_error: mode == "explicit" or on_error == "accept",
                "IllegalStateException: Implicit acknowledgement of delivery is being used "
                "(app.on_error release or reject needs share.acknowledgement.mode=explicit)",
            )
        )
    return tuple(r for r in out if r is not None)


def valid(values: Sequence[object], table: Sequence[Rule]) -> bool:
    return all(r.holds(values) for r in table)
