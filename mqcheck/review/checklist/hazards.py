"""The hazards of the three hops, and how each one is judged for a spec.

A hazard is a way the pipeline can lose, duplicate or reorder a message. Most are tied to
one fault class (a broker crash, a lost produce response, a consumer crash): such a hazard
is judged by checking the spec with that fault class alone (its budget from the spec, or one
when the spec leaves it out, which the row then says), so the row tells which fault breaks
which guarantee. Followers falling behind (`follower_lag`) is a condition rather than an
event, so it keeps the spec's value in every such run. The rest need no fault at all (a
record above the size limits, a consumer that starts at the log end): they are judged from a
fault-free run and attributed by what its counterexample shows.

Each hazard has a stable id (`MQ010`) and slug (`leader-failover`): SARIF rule ids are made
of them, so CI annotations keep their identity across versions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from mqcheck.result import CheckResult, GuaranteeResult
from mqcheck.review.checklist.runs import VariantRunner
from mqcheck.review.story import blamed_steps, one_sentence
from mqcheck.spec.schema import EffectiveSetting, Spec

HOPS = (
    "Whole pipeline",
    "Producer send",
    "Replication and election",
    "Storage and flush",
    "Consumer commit",
    "Transactions and processors",
)

SAFE = "safe"
AT_RISK = "at risk"
NOT_APPLICABLE = "not applicable"
UNKNOWN = "unknown"
NOT_MODELLED = "not modelled yet"


@dataclass(frozen=True)
class Hazard:
    id: str
    slug: str
    hop: str
    title: str
    fault: str | None  # the fault class that exercises it; None: judged without faults
    settings: tuple[str, ...]  # the properties that decide it, most decisive first
    advice: str  # the fix when the counterexample names none

    @property
    def rule_id(self) -> str:
        return f"{self.id}-{self.slug}"


CATALOGUE: tuple[Hazard, ...] = (
    Hazard(
        "MQ000",
        "fails-without-faults",
        "Whole pipeline",
        "Without any fault, the configuration alone breaks a guarantee",
        None,
        ("min.insync.replicas", "replication.factor", "acks", "auto.offset.reset"),
        "fix the setting the counterexample names: this configuration fails with no fault",
    ),
    Hazard(
        "MQ001",
        "lost-request",
        "Producer send",
        "A produce request is lost on the network",
        "produce_request_lost",
        ("acks", "retries", "max.in.flight.requests.per.connection", "enable.idempotence"),
        "use acks=all with retries, and enable.idempotence=true to keep order",
    ),
    Hazard(
        "MQ002",
        "lost-response-retry",
        "Producer send",
        "A produce response is lost and the producer retries",
        "produce_response_lost",
        ("enable.idempotence", "acks", "retries"),
        "enable.idempotence=true (the leader drops the retried duplicate)",
    ),
    Hazard(
        "MQ003",
        "delivery-timeout",
        "Producer send",
        "An outage outlasts delivery.timeout.ms and the send fails back to the application",
        "delivery_timeout",
        ("delivery.timeout.ms", "app.on_send_error", "app.waits_for_result"),
        "read every send result and resend (or halt) on failure instead of dropping",
    ),
    Hazard(
        "MQ004",
        "producer-crash",
        "Producer send",
        "The producer process crashes with sends in flight",
        "producer_crash",
        ("app.on_send_error", "enable.idempotence", "transactional.id"),
        "resend what was never acknowledged, and make the consumer idempotent for the resends",
    ),
    Hazard(
        "MQ005",
        "record-too-large",
        "Producer send",
        "A record exceeds max.request.size or the topic's max.message.bytes",
        None,
        ("app.message_bytes", "max.request.size", "max.message.bytes"),
        "raise max.request.size and max.message.bytes above the largest record",
    ),
    Hazard(
        "MQ010",
        "leader-failover",
        "Replication and election",
        "The partition leader crashes and another replica takes over",
        "broker_crash",
        ("acks", "min.insync.replicas", "replication.factor", "unclean.leader.election.enable"),
        "acks=all, replication.factor >= 3, min.insync.replicas >= 2, unclean election off",
    ),
    Hazard(
        "MQ020",
        "broker-power-loss",
        "Storage and flush",
        "One broker loses power and its unflushed page cache",
        "broker_power_loss",
        ("flush.messages", "min.insync.replicas", "replication.factor", "acks"),
        "min.insync.replicas >= 2 so an acknowledged record is on two machines",
    ),
    Hazard(
        "MQ021",
        "simultaneous-power-loss",
        "Storage and flush",
        "Every broker loses power at the same instant",
        "simultaneous_power_loss",
        ("flush.messages", "flush.ms", "acks"),
        "flush.messages=1 (fsync before the ack) or replicas in separate power domains",
    ),
    Hazard(
        "MQ022",
        "rolling-restart",
        "Replication and election",
        "A broker is restarted in a controlled shutdown (a rolling restart) while other faults strike",
        "controlled_shutdown",
        ("replication.factor", "min.insync.replicas", "eligible.leader.replicas.version"),
        "replication.factor >= 3 with min.insync.replicas = 2, so one broker can be down for "
        "its restart and the ISR still has two copies",
    ),
    Hazard(
        "MQ023",
        "disk-failure",
        "Storage and flush",
        "A broker loses the log directory of a replica (JBOD) and the replica rebuilds empty",
        "disk_failure",
        ("min.insync.replicas", "replication.factor", "eligible.leader.replicas.version"),
        "min.insync.replicas >= 2 and Eligible Leader Replicas (eligible.leader.replicas.version=1)",
    ),
    Hazard(
        "MQ024",
        "rack-power-loss",
        "Storage and flush",
        "Every broker of one rack (availability zone) loses power at the same instant",
        "rack_power_loss",
        ("replication.factor", "flush.messages", "min.insync.replicas"),
        "as many racks as replication.factor, so each replica is in its own power domain",
    ),
    Hazard(
        "MQ035",
        "leader-isolation",
        "Replication and election",
        "The leader is cut off from the controller and its peers while clients still reach it",
        "leader_isolation",
        ("acks", "min.insync.replicas", "replication.factor"),
        "acks=all with min.insync.replicas >= 2: an isolated leader cannot complete an acks=all "
        "write, so the truncation when the network heals loses nothing acknowledged",
    ),
    Hazard(
        "MQ030",
        "consumer-crash",
        "Consumer commit",
        "The consumer crashes between processing and committing",
        "consumer_crash",
        ("app.commit", "enable.auto.commit", "app.processing", "app.idempotent"),
        "commit after processing and make processing idempotent (app.idempotent)",
    ),
    Hazard(
        "MQ031",
        "offsets-expire",
        "Consumer commit",
        "The group's committed offsets expire while it is away",
        "offsets_expire",
        ("auto.offset.reset", "offsets.retention.minutes", "app.idempotent"),
        "auto.offset.reset=earliest with an idempotent consumer, or a longer offsets.retention.minutes",
    ),
    Hazard(
        "MQ033",
        "consumer-stall",
        "Consumer commit",
        "A member outlasts max.poll.interval.ms: removed from the group, it goes on as a zombie",
        "consumer_stall",
        ("app.commit", "app.idempotent", "enable.auto.commit", "group.instance.id"),
        "raise max.poll.interval.ms above the longest processing of one poll (or lower "
        "max.poll.records), and make processing idempotent",
    ),
    Hazard(
        "MQ034",
        "group-rebalance",
        "Consumer commit",
        "A member joins or leaves and the group rebalances its partitions",
        "group_rebalance",
        ("partition.assignment.strategy", "group.protocol", "app.on_revoke", "app.commit"),
        "commit in ConsumerRebalanceListener.onPartitionsRevoked (app.on_revoke: commit)",
    ),
    Hazard(
        "MQ036",
        "retention-passes-consumer",
        "Consumer commit",
        "Retention deletes records a consumer group has not read, or not committed, yet",
        "retention_passes_consumer",
        ("retention.ms", "retention.bytes", "auto.offset.reset", "cleanup.policy"),
        "retention.ms above the longest consumer outage plus its lag (alert on consumer lag), "
        "and auto.offset.reset=earliest so a reset skips only what retention deleted",
    ),
    Hazard(
        "MQ032",
        "start-position",
        "Consumer commit",
        "A new consumer group starts at the log end and skips what was produced before it",
        None,
        ("auto.offset.reset", "app.joins"),
        "auto.offset.reset=earliest, or create the group before producing",
    ),
    Hazard(
        "MQ040",
        "transactions",
        "Transactions and processors",
        "Transactional producers and read_committed consumers",
        None,
        ("transactional.id", "isolation.level"),
        "",
    ),
    Hazard(
        "MQ041",
        "processor-crash",
        "Transactions and processors",
        "A consume-transform-produce processor crashes mid-transaction",
        "processor_crash",
        ("processing.guarantee",),
        "",
    ),
    Hazard(
        "MQ042",
        "streams-instance-zombie",
        "Transactions and processors",
        "An instance of a Kafka Streams application outlasts max.poll.interval.ms: its task "
        "moves to another instance while it goes on as a zombie",
        "consumer_stall",
        ("processing.guarantee", "instances"),
        "processing.guarantee=exactly_once_v2 (the zombie's transactional offset commit is "
        "fenced by its group generation, KIP-447) with read_committed consumers downstream",
    ),
)

# The first hazard of each fault class names it (MQ033 for consumer_stall, not MQ042).
BY_FAULT = {h.fault: h for h in reversed(CATALOGUE) if h.fault}


@dataclass(frozen=True)
class HazardRow:
    hazard: Hazard
    status: str  # SAFE | AT_RISK | NOT_APPLICABLE | UNKNOWN | NOT_MODELLED
    note: str  # how it was judged, or why it does not apply
    violated: tuple[str, ...]  # guarantees the judging run violated
    deciding: tuple[EffectiveSetting, ...]
    sentence: str  # the counterexample in one sentence ("" when safe)
    fixes: tuple[str, ...]
    results: tuple[GuaranteeResult, ...]  # the violating results, for diagrams
    in_fault_model: bool  # False: the spec excludes the fault; judged with a budget of one


def setting_rows(spec: Spec, name: str) -> list[EffectiveSetting]:
    """The effective settings called `name`, client and topic scopes before the broker's."""
    rows = [s for s in spec.settings if s.name == name and s.scope not in ("faults", "check")]
    specific = [s for s in rows if s.scope != "broker"]
    return specific or rows


def mentioned_settings(spec: Spec, results: Sequence[GuaranteeResult]) -> list[str]:
    """Property names that the counterexamples blame, in the order they are blamed (the
    steps' hazard texts first, then their fixes)."""
    steps = [s for r in results for s in blamed_steps(r)]
    text = " ".join(s.hazard for s in steps) + " \n " + " ".join(s.fix for s in steps)
    names = dict.fromkeys(s.name for s in spec.settings if s.scope not in ("faults", "check"))
    found = []
    for name in names:
        match = re.search(rf"(?<![\w.]){re.escape(name.removeprefix('app.'))}(?![\w])", text)
        if match:
            found.append((match.start(), name))
    return [name for _, name in sorted(found)]


def deciding_settings(
    spec: Spec, hazard: Hazard, results: Sequence[GuaranteeResult]
) -> tuple[EffectiveSetting, ...]:
    names = list(dict.fromkeys([*mentioned_settings(spec, results), *hazard.settings]))
    out: list[EffectiveSetting] = []
    for name in names:
        out += [s for s in setting_rows(spec, name) if s not in out]
    return tuple(out)


def _fixes(hazard: Hazard, results: Sequence[GuaranteeResult]) -> tuple[str, ...]:
    fixes = [s.fix for r in results for s in blamed_steps(r) if s.fix]
    return tuple(dict.fromkeys(fixes)) or ((hazard.advice,) if hazard.advice else ())


def _row(
    spec: Spec,
    hazard: Hazard,
    status: str,
    note: str,
    results: Sequence[GuaranteeResult] = (),
    in_fault_model: bool = True,
) -> HazardRow:
    violated = tuple(r for r in results if r.verdict == "violated")
    return HazardRow(
        hazard=hazard,
        status=status,
        note=note,
        violated=tuple(r.guarantee for r in violated),
        deciding=deciding_settings(spec, hazard, violated),
        sentence=" ".join(one_sentence(r) for r in violated),
        fixes=_fixes(hazard, violated) if violated else (),
        results=tuple(violated),
        in_fault_model=in_fault_model,
    )


def _judge(result: CheckResult) -> tuple[str, str]:
    verdicts = [r.verdict for r in result.results]
    if "violated" in verdicts:
        return AT_RISK, ""
    if "unknown" in verdicts:
        reasons = sorted({r.reason for r in result.results if r.verdict == "unknown"})
        return UNKNOWN, "; ".join(reasons)
    return SAFE, ""


def not_modelled_reason(result: CheckResult) -> str:
    """The loader's or compiler's `not modelled: ...` reason, when the spec cannot be checked."""
    for r in result.results:
        if r.verdict == "unknown" and r.reason.startswith("not modelled"):
            return r.reason
    return ""


def assess(spec: Spec, runner: VariantRunner, spec_result: CheckResult) -> list[HazardRow]:
    """One row per hazard of the catalogue, in catalogue order."""
    rows: list[HazardRow] = []
    unsupported = not_modelled_reason(spec_result)
    transactional = sorted(n for n, p in spec.producers.items() if p.transactional_id)
    baseline: CheckResult | None = None
    for hazard in CATALOGUE:
        if hazard.id == "MQ040":
            if not transactional:
                rows.append(_row(spec, hazard, NOT_APPLICABLE, "no producer sets transactional.id"))
                continue
            # judged like a fault hazard: a crash mid-transaction is fenced and aborted
            hazard = replace(hazard, fault="producer_crash")
        if hazard.id == "MQ041" and not spec.processors:
            rows.append(_row(spec, hazard, NOT_APPLICABLE, "the pipeline has no processors"))
            continue
        if hazard.id == "MQ042" and not any(p.instances > 1 for p in spec.processors.values()):
            why = "no processor sets instances above 1"
            rows.append(_row(spec, hazard, NOT_APPLICABLE, why))
            continue
        if unsupported:
            rows.append(_row(spec, hazard, NOT_MODELLED, unsupported))
            continue
        if hazard.fault == "rack_power_loss" and not spec.racks:
            rows.append(_row(spec, hazard, NOT_APPLICABLE, "the spec has no cluster.racks"))
            continue
        if hazard.fault == "retention_passes_consumer" and not retention_can_delete(spec):
            rows.append(_row(spec, hazard, NOT_APPLICABLE, NO_RETENTION))
            continue
        if hazard.fault is None:
            if baseline is None:
                baseline = runner.check({})
            rows.append(_judge_fault_free(spec, hazard, baseline))
            continue
        budget = getattr(spec.faults, hazard.fault)
        in_model = budget > 0
        faults = {hazard.fault: budget if in_model else 1, "follower_lag": spec.faults.follower_lag}
        result = runner.check(faults)
        if baseline is None:
            baseline = runner.check({})
        masked = {r.guarantee for r in baseline.results if r.verdict == "violated"}
        result = replace(
            result, results=tuple(r for r in result.results if r.guarantee not in masked)
        )
        status, note = _judge(result)
        if masked and status == SAFE:
            status = UNKNOWN
            note = (
                f"masked: {', '.join(sorted(masked))} already fails without any fault "
                "(MQ000); fix that first"
            )
        where = (
            f"checked with faults.{hazard.fault}={budget}"
            if in_model
            else f"outside the spec's fault model (faults.{hazard.fault}: 0); checked with one"
        )
        if spec.faults.follower_lag:
            where += f", follower_lag={spec.faults.follower_lag}"
        note = f"{where}; {note}" if note else where
        rows.append(_row(spec, hazard, status, note, result.results, in_model))
    return rows


NO_RETENTION = (
    "retention deletes nothing from the consumed topics (retention.ms and retention.bytes "
    "are -1, or cleanup.policy has no delete)"
)


def retention_can_delete(spec: Spec) -> bool:
    """Some topic a consumer reads has a retention that deletes (model/retention.py)."""
    read = {c.topic for c in spec.consumers.values()}
    return any(t.retention_deletes for name, t in spec.topics.items() if name in read)


def _oversized(spec: Spec) -> bool:
    """Some producer's records exceed its max.request.size or its topic's max.message.bytes."""
    for p in spec.producers.values():
        topic = spec.topics.get(p.topic)
        limit = min(p.max_request_size, topic.max_message_bytes if topic else p.max_request_size)
        if p.app.message_bytes > limit:
            return True
    return False


def _late_start(spec: Spec) -> bool:
    """Some consumer group may start at the log end after messages were produced."""
    return any(
        c.auto_offset_reset == "latest" and c.app.joins == "any_time"
        for c in spec.consumers.values()
    )


#: Fault-free hazards: the configuration that makes a fault-free violation theirs.
_CAUSES = {"MQ005": _oversized, "MQ032": _late_start}


def _judge_fault_free(spec: Spec, hazard: Hazard, baseline: CheckResult) -> HazardRow:
    status, note = _judge(baseline)
    if hazard.id == "MQ000":
        causes = [h for h, cause in _CAUSES.items() if cause(spec)]
        if status == AT_RISK and causes:
            note = "checked with no fault at all; the cause: " + ", ".join(causes)
        return _row(spec, hazard, status, note or "checked with no fault at all", baseline.results)
    cause = _CAUSES[hazard.id]
    if status == AT_RISK and not cause(spec):
        return _row(
            spec,
            hazard,
            SAFE,
            "not this configuration; the fault-free run fails for another reason (MQ000)",
        )
    if status == AT_RISK:
        return _row(spec, hazard, AT_RISK, "checked with no fault at all", baseline.results)
    return _row(spec, hazard, status, note or "checked with no fault at all")
