"""The shape of a pipeline: producers write one topic, processors (Kafka Streams
consume-transform-produce stages) form a chain from it, consumers read any topic of the
chain. Each processor is modelled as the two clients Kafka Streams runs for it: a consumer
of its `from` topic and a producer to its `to` topic, with the settings Streams gives them.

Sources (docs/semantics.md §2.16): StreamsConfig (processing.guarantee; the consumer and
producer overrides: enable.auto.commit=false, auto.offset.reset=earliest,
isolation.level=read_committed and a transactional producer under exactly-once);
KIP-129, KIP-447, KIP-732.
"""

from __future__ import annotations

from dataclasses import dataclass

from mqcheck.spec.schema import Consumer, ConsumerApp, Processor, Producer, ProducerApp, Spec
from mqcheck.spec.validate import ProducerGiven, producer_config
from mqcheck.spec.versions import ParsedVersion


class NotAChain(Exception):
    """The processors do not form one chain from the producers' topic."""


@dataclass(frozen=True)
class Chain:
    topics: tuple[str, ...]  # stage s writes topics[s]; topics[0] is the producers' topic
    processors: tuple[Processor, ...]  # processors[i] reads topics[i], writes topics[i + 1]


def chain(spec: Spec, source_topic: str) -> Chain:
    """Order the processors from the producers' topic on; refuse branches and cycles."""
    topics = [source_topic]
    ordered: list[Processor] = []
    left = dict(spec.processors)
    while left:
        readers = [p for p in left.values() if p.from_topic == topics[-1]]
        if not readers:
            names = ", ".join(sorted(left))
            raise NotAChain(
                f"processor(s) {names} do not read the last topic of the chain "
                f"({' -> '.join(topics)}); only one chain from the producers' topic is modelled"
            )
        if len(readers) > 1:
            names = ", ".join(sorted(p.name for p in readers))
            raise NotAChain(f"several processors ({names}) read topic {topics[-1]}")
        proc = readers[0]
        if proc.to_topic in topics:
            raise NotAChain(f"processor {proc.name} writes back into {proc.to_topic}: a cycle")
        ordered.append(proc)
        topics.append(proc.to_topic)
        del left[proc.name]
    return Chain(tuple(topics), tuple(ordered))


def processor_consumer(proc: Processor) -> Consumer:
    """Streams' main consumer: no auto-commit (Streams commits), earliest reset,
    read_committed under exactly-once."""
    exactly_once = proc.processing_guarantee != "at_least_once"
    return Consumer(
        name=proc.name,
        topic=proc.from_topic,
        group_id=proc.group_id,
        enable_auto_commit=False,
        auto_commit_interval_ms=0,
        auto_offset_reset="earliest",
        isolation_level="read_committed" if exactly_once else "read_uncommitted",
        app=ConsumerApp(commit="after_processing", processing="sync"),
    )


def processor_producer(spec: Spec, proc: Processor) -> Producer:
    """Streams' producer: the client defaults of the version; under exactly-once a
    transactional producer (idempotent, acks=all). A failed send fails the task, which
    restarts from the last committed offsets, so the app policy is 'drop' here and the
    re-processing is modelled by the processor (processors.py)."""
    exactly_once = proc.processing_guarantee != "at_least_once"
    # Streams names it <application.id>-<process id>-<thread>; one thread is modelled
    txn_id = f"{proc.group_id}-1" if exactly_once else None
    version = ParsedVersion(spec.kafka_version, str(spec.kafka_version))
    outcome = producer_config(version, ProducerGiven(transactional_id=txn_id))
    return Producer(
        name=proc.name,
        topic=proc.to_topic,
        acks=-1 if exactly_once else outcome.acks,  # type: ignore[arg-type]
        enable_idempotence=exactly_once or outcome.enable_idempotence,
        retries=outcome.retries,
        max_in_flight=outcome.max_in_flight,
        delivery_timeout_ms=outcome.delivery_timeout_ms,
        max_request_size=1048576,
        transactional_id=txn_id,
        app=ProducerApp(waits_for_result=True, on_send_error="drop", message_bytes=1000),
    )
