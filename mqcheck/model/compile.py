"""Spec → TransitionSystem: size the state, declare each part's variables, add each part's
actions, and state the guarantees. The only place that knows the parts of the model."""

from __future__ import annotations

from dataclasses import replace

from mqcheck.ir.compile_py import source_bytes_estimate
from mqcheck.ir.expr import Var
from mqcheck.ir.system import Guarantee, Symmetry, TransitionSystem
from mqcheck.model import (
    consumer,
    disk,
    election,
    guarantees,
    isolation,
    lemmas,
    processors,
    producer,
    racks,
    replication,
    retention,
    share_group,
    share_state,
    storage,
    transactions,
)
from mqcheck.model.group_members import GroupNotModelled, consumer_groups
from mqcheck.model.layout import (
    GROUNDING_CUTOFF,
    ModelBuilder,
    Partition,
    ProcessorInfo,
    ProducerInfo,
    TooManyActions,
    log_capacity,
    retries_tracked,
)
from mqcheck.model.partition_load import NotModelled as PartitionNotModelled
from mqcheck.model.partition_load import PartitionLoad, partition_load, routes_by_key
from mqcheck.model.partitioner import partition_for_message
from mqcheck.model.pipeline import Chain, NotAChain, chain, processor_consumer, processor_producer
from mqcheck.spec.schema import Spec, Topic


class UnsupportedSpec(Exception):
    """The spec uses a feature the model does not cover yet, or its model is too large to
    compile; the verdict is `unknown`."""


#: Grounded actions a model may have. Past it the actions are counted but not kept, so
#: grounding a model too large to check holds at most this many in memory; the verdict is
#: `unknown`, as at the search's limits. The largest shipped spec has 1,548.
MAX_ACTIONS = 10_000
#: Estimated bytes of generated Python (ir.compile_py.source_bytes_estimate). Compiling
#: costs 70-190 bytes of memory per byte of source (benchmarks/compile_cost.py; the most
#: where a few actions are huge, a power loss rewriting every log), so this keeps
#: compilation under about 1.7 GB; the largest shipped spec needs 1.2 MB.
MAX_SOURCE_BYTES = 10_000_000


def _check_size(system: TransitionSystem, max_source_bytes: int) -> None:
    """Refuse a model too large to compile, before any source is generated."""
    estimate = source_bytes_estimate(system)
    if estimate > max_source_bytes:
        raise UnsupportedSpec(
            f"the model has {len(system.actions)} grounded actions over "
            f"{len(system.variables)} variables, about {estimate:,} bytes of generated code, "
            f"over the limit of {max_source_bytes:,} (model/compile.py MAX_SOURCE_BYTES); "
            "lower check.messages or the fault budgets"
        )


def _check_supported(spec: Spec) -> Chain:
    producer_topics = {p.topic for p in spec.producers.values()}
    if len(producer_topics) != 1:
        raise UnsupportedSpec("producers on several topics are not modelled yet")
    try:
        pipeline = chain(spec, next(iter(producer_topics)))
    except NotAChain as exc:
        raise UnsupportedSpec(str(exc)) from None
    for c in spec.consumers.values():
        if c.topic not in pipeline.topics:
            raise UnsupportedSpec(
                f"consumer {c.name} reads {c.topic}, which no producer or processor writes"
            )
    why = share_state.not_modelled(spec, pipeline.topics)
    if why:
        raise UnsupportedSpec(why)
    if spec.faults.processing_error and not spec.share_consumers:
        raise UnsupportedSpec(
            "processing_error for consumers: the fault is modelled for share consumers, whose "
            "app.on_error says what follows (a consumer's error handling is not modelled)"
        )
    return pipeline


def _bounds(
    spec: Spec, per_producer: int, load: PartitionLoad, faults: dict[str, int], b: ModelBuilder
) -> dict[str, object]:
    bounds: dict[str, object] = {
        "messages": per_producer,
        "faults": faults,
        "log_slots": b.partitions[0].capacity,
    }
    if b.multi:
        bounds["log_slots_per_topic"] = {p.topic.name: p.capacity for p in b.partitions}
        bounds["processors"] = [x.spec.name for x in b.processors]
    topic = spec.topics[next(iter(spec.producers.values())).topic]
    if topic.partitions > 1:
        bounds["partitions"] = topic.partitions
        bounds["messages_in_checked_partition"] = max(load.per_producer)
    if topic.partitions > 1 and load.checked is not None:
        # keys fixed the split (partition_load.py): which partition, and what it received
        bounds["checked_partition"] = load.checked
        bounds["messages_in_checked_partition_per_producer"] = {
            p.name: count
            for p, count in zip(spec.producers.values(), load.per_producer, strict=True)
        }
        bounds["key_partitions"] = load.key_partitions
    return bounds


def _message_names(
    spec: Spec, per_producer: int, load: PartitionLoad, infos: list[ProducerInfo]
) -> dict[int, str]:
    """With keys, the checked partition's messages keep the names they have in the whole run:
    producer j's send i (0-based) is m(j·messages + i + 1), as message numbering goes
    (docs/semantics.md §1.2), so a trace names the sends the keys put in this partition."""
    if load.checked is None:
        return {}
    n = spec.topics[infos[0].spec.topic].partitions
    names: dict[int, str] = {}
    for j, info in enumerate(infos):
        sends = [
            i
            for i in range(per_producer)
            if not routes_by_key(info.spec)
            or partition_for_message(i, info.spec.app.keys, n) == load.checked
        ]
        for message, i in zip(info.messages, sends, strict=True):
            names[message] = f"m{j * per_producer + i + 1}"
    return names


def needs_ordering(spec: Spec, guarantees_wanted: tuple[str, ...]) -> bool:
    return "ordering" in guarantees_wanted


def _effective_topic(spec: Spec, name: str) -> Topic:
    topic = spec.topics[name]
    if spec.kafka_version.at_least(3, 7) and topic.min_insync_replicas > topic.replication_factor:
        # KAFKA-15583 (3.7): Partition.effectiveMinIsr = min(min.insync.replicas, RF).
        topic = replace(topic, min_insync_replicas=topic.replication_factor)
    return topic


def _partition(spec: Spec, index: int, topic: Topic, capacity: int) -> Partition:
    f = spec.faults
    return Partition(
        index=index,
        topic=topic,
        replicas=topic.replication_factor,
        capacity=capacity,
        legacy_truncation=not spec.kafka_version.at_least(0, 11),
        elr=topic.eligible_leader_replicas and spec.kafka_version.at_least(4, 0),
        # The flushed offset is tracked only where flush.messages forces a flush within the
        # log bound and a power loss can happen; otherwise a power loss chooses what the
        # OS had written back (storage.py), which covers every flush timing.
        track_flush=1 < topic.flush_messages <= capacity
        and (f.broker_power_loss > 0 or f.simultaneous_power_loss > 0 or f.rack_power_loss > 0),
    )


def _processor_gens(spec: Spec) -> int:
    """Sends of one output a run can need: the first, one per re-processing (a processor
    crash, a task restarted by a failed send, a rewind) and one per upstream duplicate."""
    f = spec.faults
    return (
        2
        + f.processor_crash
        + f.consumer_stall  # a task taken over from a stalled instance (§2.17)
        + f.delivery_timeout
        + f.produce_response_lost
        + f.broker_crash
        + f.broker_power_loss
        + f.offsets_expire
        + f.controlled_shutdown
        + f.disk_failure
        + f.rack_power_loss
        + f.leader_isolation
    )


def build(
    spec: Spec,
    guarantees_wanted: tuple[str, ...] | None = None,
    messages: int | None = None,
    max_actions: int = MAX_ACTIONS,
    max_source_bytes: int = MAX_SOURCE_BYTES,
) -> TransitionSystem:
    """Compile the spec. `guarantees_wanted` only decides whether ordering bookkeeping is
    needed; every guarantee is always defined. A model with more than `max_actions`
    grounded actions or `max_source_bytes` of generated code raises UnsupportedSpec."""
    pipeline = _check_supported(spec)
    wanted = guarantees_wanted if guarantees_wanted is not None else spec.checked_guarantees()
    per_producer = messages if messages is not None else spec.check.messages
    try:
        load = partition_load(spec, per_producer)
    except PartitionNotModelled as exc:
        raise UnsupportedSpec(str(exc)) from None
    track_order = needs_ordering(spec, wanted)
    if track_order and spec.faults.consumer_stall:
        several = sorted(p.name for p in pipeline.processors if p.instances > 1)
        if several:
            # model/streams_instances.py takes a zombie's work as finished when its stall is
            # noticed: the counts are exact, the order its outputs land in is not (§2.17)
            raise UnsupportedSpec(
                f"ordering with consumer_stall for a processor with several instances "
                f"({', '.join(several)}): the stalled instance's outputs and the new owner's "
                "may land in either order, and the model fixes one"
            )
    topic = _effective_topic(spec, pipeline.topics[0])

    infos: list[ProducerInfo] = []
    next_id = 1
    for index, p in enumerate(spec.producers.values()):
        count = load.per_producer[index]
        ids = tuple(range(next_id, next_id + count))
        next_id += count
        # A transactional producer's finite retries are modelled as unlimited: its failures
        # abort the whole transaction (delivery_timeout), see docs/semantics.md.
        tries = retries_tracked(p) and p.acks != 0 and p.transactional_id is None
        resends = p.app.waits_for_result and p.app.on_send_error == "resend"
        gen = (
            p.enable_idempotence
            and resends
            and (spec.faults.delivery_timeout > 0 or spec.faults.producer_crash > 0 or tries)
        ) or p.transactional_id is not None  # the transaction attempt
        infos.append(ProducerInfo(p, index, ids, tries, gen))
    stage_size = next_id - 1
    f = spec.faults
    gens = 1
    if any(i.track_gen for i in infos):
        gens = (
            1
            + f.delivery_timeout
            + f.producer_crash
            + (2 if any(i.track_tries for i in infos) else 0)
        )
    idempotent_all = all(i.spec.enable_idempotence for i in infos)
    capacity = max(1, log_capacity(spec, stage_size, gens, idempotent_all))
    # one COMMIT or ABORT marker per transaction attempt
    capacity += sum(gens for i in infos if i.spec.transactional_id is not None)
    partitions = [replace(_partition(spec, 0, topic, capacity), number=load.checked or 0)]
    try:
        groups = consumer_groups(spec)
    except GroupNotModelled as exc:
        raise UnsupportedSpec(str(exc)) from None
    consumers = [g.spec for g in groups]
    stages: list[ProcessorInfo] = []
    if pipeline.processors:
        gens = max(gens, _processor_gens(spec))
    for i, proc in enumerate(pipeline.processors):
        out_spec = processor_producer(spec, proc)
        ids = tuple(range((i + 1) * stage_size + 1, (i + 2) * stage_size + 1))
        tries = retries_tracked(out_spec) and out_spec.transactional_id is None
        infos.append(ProducerInfo(out_spec, len(infos), ids, tries, True, i + 1, i))
        consumers.append(processor_consumer(proc))
        stages.append(ProcessorInfo(i, proc, len(consumers) - 1, len(infos) - 1))
        out_capacity = log_capacity(spec, stage_size, gens, out_spec.enable_idempotence)
        if out_spec.transactional_id is not None:
            out_capacity += gens
        out_topic = _effective_topic(spec, pipeline.topics[i + 1])
        partitions.append(_partition(spec, i + 1, out_topic, out_capacity))
    b = ModelBuilder(
        spec=spec,
        partitions=partitions,
        n_messages=stage_size * len(pipeline.topics),
        gens=gens,
        producers=infos,
        consumers=consumers,
        processors=stages,
        group_members=[g.members for g in groups],
        message_names=_message_names(spec, per_producer, load, infos),
        stage_size=stage_size,
        max_actions=max_actions,
    )
    replication.declare(b)
    producer.declare(b)
    transactions.declare(b)
    consumer.declare(b, track_order)
    share_group.declare(b)
    processors.declare(b)
    storage.declare_budgets(b)
    try:
        retention.declare(b)
    except retention.NotModelled as exc:
        raise UnsupportedSpec(str(exc)) from None
    b.flag("overflow", 0, "a modelling bound was exceeded")

    try:
        _add_actions(b, track_order)
    except TooManyActions as exc:
        raise UnsupportedSpec(
            f"the model has more than {exc.args[0] - 1} grounded actions, over "
            f"{GROUNDING_CUTOFF} times the limit of {max_actions} (model/compile.py "
            "MAX_ACTIONS); lower check.messages or the fault budgets"
        ) from None
    if b.grounded > max_actions:
        raise UnsupportedSpec(
            f"the model has {b.grounded} grounded actions, over the limit of {max_actions} "
            "(model/compile.py MAX_ACTIONS); lower check.messages or the fault budgets"
        )

    defined: list[Guarantee] = [
        guarantees.at_least_once(b),
        guarantees.at_most_once(b),
        guarantees.exactly_once(),
    ]
    if track_order:
        defined.append(guarantees.ordering(b))
    members = [tuple(block) for block in b.replica_blocks]
    labels = ("-", *(b.value_label(code) for code in range(1, b.max_code() + 1)))
    faults = {k: v for k, v in f.as_dict().items() if v}
    system = TransitionSystem(
        name=spec.name,
        variables=tuple(b.variables),
        actions=tuple(b.actions),
        guarantees=tuple(defined),
        observations=tuple(guarantees.observations(b, track_order)),
        symmetries=_symmetries(b, members),
        bounds=_bounds(spec, per_producer, load, faults, b),
        limit=Var("overflow").eq(1),
        limit_reason=_limit_reason(b),
        value_labels=labels,
    )
    system = replace(system, lemma_candidates=lemmas.candidates(b, system.variables))
    _check_size(system, max_source_bytes)
    return system


def _add_actions(b: ModelBuilder, track_order: bool) -> None:
    producer.add_actions(b)
    transactions.add_actions(b)
    replication.add_actions(b)
    election.add_actions(b)
    try:
        storage.add_actions(b)
    except storage.TooManyVariants as exc:
        raise UnsupportedSpec(str(exc)) from None
    try:
        disk.add_actions(b)
        racks.add_actions(b)
        isolation.add_actions(b)
    except (
        disk.NotModelled,
        racks.NotModelled,
        isolation.NotModelled,
        storage.TooManyVariants,
    ) as exc:
        raise UnsupportedSpec(str(exc)) from None
    consumer.add_actions(b, track_order)  # with the processors' consumer side
    share_group.add_actions(b)
    retention.add_actions(b)


def _leader_vars(b: ModelBuilder) -> tuple[str, ...]:
    """Variables holding a broker index (renamed when brokers are permuted)."""
    out: list[str] = []
    for part in b.partitions:
        with b.focus(part):
            out.append(b.leader.name)
            if b.elr:
                out.append(b.last_leader.name)
    return tuple(out)


def _symmetries(b: ModelBuilder, members: list[tuple[str, ...]]) -> tuple[Symmetry, ...]:
    """Brokers are interchangeable when every partition has a replica on each of them
    (equal replication factors); otherwise no reduction."""
    if len({len(block) for block in members}) != 1:
        return ()
    if racks.breaks_symmetry(racks.sets_for(b), b.partitions[0].replicas):
        # a rack holds some replicas together but not every such group: not interchangeable
        return ()
    return (Symmetry(members=tuple(members), index_vars=_leader_vars(b)),)


def _limit_reason(b: ModelBuilder) -> str:
    if not b.multi:
        return f"a replica log needed more than {b.partitions[0].capacity} slots (the model's log bound)"
    slots = ", ".join(f"{p.topic.name}: {p.capacity}" for p in b.partitions)
    return f"a replica log or a resend count exceeded the model's bound (log slots {slots})"
