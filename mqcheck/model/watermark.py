"""The high watermark and the ISR-size rules that every part of the model shares.

Sources (docs/semantics.md): Partition.maybeIncrementLeaderHW — the leader's HW is the
smallest LEO among ISR members as the leader knows them, never moving backwards, and it is
recomputed after an append, a follower fetch, an ISR change and a leader change;
KAFKA-15583 (3.7) — the HW does not advance while the ISR is below the effective
min.insync.replicas.
"""

from __future__ import annotations

from collections.abc import Mapping

from mqcheck.ir.expr import Expr, count_true, ite, maximum, minimum
from mqcheck.model.layout import ModelBuilder


def isr_size(b: ModelBuilder) -> Expr:
    return count_true([b.in_isr(r).is_true() for r in range(b.replicas)])


def high_watermark_after(
    b: ModelBuilder,
    leader: int,
    values: Mapping[int, Expr],
    isr: Mapping[int, Expr],
    base: Expr | None = None,
) -> Expr:
    """The HW leader `leader` computes once the replicas' offsets are `values` (default:
    its own LEO and what it knows of each follower) and ISR membership is `isr` (default:
    as now). `base` is the HW it starts from (default: the current one)."""
    start = b.hw if base is None else base
    terms = []
    members = []
    for r in range(b.replicas):
        own = b.leo(leader) if r == leader else b.known(r)
        value = values.get(r, own)
        member = isr.get(r, b.in_isr(r).is_true())
        members.append(member)
        terms.append(ite(member, value, b.capacity))
    advanced = maximum([start, minimum(terms)])
    if b.spec.kafka_version.at_least(3, 7):
        return ite(count_true(members) >= b.topic.min_insync_replicas, advanced, start)
    return advanced
