"""Which of a spec's consumers form one consumer group, and whether the model can check it.

Consumers that share a `group.id` and a topic are members of one group (SPEC_FORMAT §1.1):
the group has one committed offset per partition, a partition is held by one member at a
time, and a message counts as processed when any member processes it (contract §2). The
model keeps one position, committed offset and processed count per group and says which
member holds the partition (model/group.py). That is exact when the members are
interchangeable, so members that differ in a setting the model reads are refused as not
modelled rather than checked as if they were alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mqcheck.model.assignment import ASSIGNOR_CLASSES, rebalance_protocol
from mqcheck.spec.schema import Consumer, Spec
from mqcheck.spec.schema import consumer_groups as same_group


class GroupNotModelled(Exception):
    """The spec's group cannot be modelled faithfully; the verdict is `unknown`. The message
    is the reason alone: run.py prefixes "not modelled: "."""


@dataclass(frozen=True)
class ConsumerGroup:
    spec: Consumer  # the first member's settings (all members have the same)
    members: tuple[str, ...]


def _comparable(c: Consumer) -> Consumer:
    """A member's settings without what may differ between interchangeable members."""
    return replace(c, name="", group_instance_id=None)


def consumer_groups(spec: Spec) -> list[ConsumerGroup]:
    """The spec's consumers as groups, in the order their first member appears."""
    f = spec.faults
    single = sorted(p.name for p in spec.processors.values() if p.instances == 1)
    if single and (f.consumer_stall or f.group_rebalance):
        raise GroupNotModelled(
            "consumer_stall and group_rebalance for a Kafka Streams processor with one "
            f"instance ({', '.join(single)}): the stalled stream thread would get its own "
            "task back when it rejoins, which is not built; the model covers them for "
            "processors with instances >= 2 (docs/semantics.md §2.17) and for consumers"
        )
    groups: list[ConsumerGroup] = []
    for members in same_group(spec.consumers):
        first = members[0]
        group_id = first.group_id
        for other in members[1:]:
            if _comparable(other) != _comparable(first):
                raise GroupNotModelled(
                    f"the members {first.name} and {other.name} of group "
                    f"{group_id} have different settings ({_difference(first, other)}); the "
                    "model checks a group whose members are configured alike"
                )
        _check_group(spec, group_id, first, len(members))
        groups.append(ConsumerGroup(first, tuple(c.name for c in members)))
    return groups


def _difference(a: Consumer, b: Consumer) -> str:
    fields = [
        name
        for name in a.__dataclass_fields__
        if name not in ("name", "group_instance_id") and getattr(a, name) != getattr(b, name)
    ]
    if "app" in fields:
        fields.remove("app")
        fields += [
            f"app.{name}"
            for name in a.app.__dataclass_fields__
            if getattr(a.app, name) != getattr(b.app, name)
        ]
    return ", ".join(fields)


def _check_group(spec: Spec, group_id: str, c: Consumer, size: int) -> None:
    f = spec.faults
    moves = size > 1 or f.consumer_stall > 0 or f.group_rebalance > 0
    if not moves:
        return
    if c.app.processing == "async" and (f.consumer_stall or f.group_rebalance):
        raise GroupNotModelled(
            f"group {group_id} processes on worker threads (processing: async) "
            "and a rebalance can take its partitions while the workers still hold records; "
            "the model covers rebalances with processing: sync"
        )
    if f.group_rebalance and c.group_protocol == "classic":
        unknown = [s for s in c.assignment_strategy if s not in ASSIGNOR_CLASSES]
        if unknown:
            raise GroupNotModelled(
                f"group {group_id} uses the assignor {unknown[0]}; the model "
                f"knows {', '.join(sorted(ASSIGNOR_CLASSES))}"
            )


def cooperative(c: Consumer) -> bool:
    """The member runs the classic protocol's COOPERATIVE rebalance (KIP-429): every assignor
    it lists supports it (ConsumerCoordinator's constructor), i.e. only CooperativeSticky."""
    known = [ASSIGNOR_CLASSES.get(s) for s in c.assignment_strategy]
    if c.group_protocol != "classic" or not known or None in known:
        return False
    return rebalance_protocol([a for a in known if a is not None]) == "cooperative"
