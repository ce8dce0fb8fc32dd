"""The hazards of the three hops, and how each one is judged for a spec.

A hazard is a way the pipeline can lose, duplicate or reorder a message. Most are tied to
one fault class (a broker crash, a lost produce response, a consumer crash): such a hazard
is judged by checking the spec with that fault class alone (its budget from the spec, or one
when the spec leaves it out, which the row then says), so the row tells which fault breaks
which guarantee. Followers falling behind (`follower_lag`) is a condition rather than an
event, so it keeps the spec's value in every such run. The rest need no fault at all (a
record above the size limits, a consumer that starts at the log end): they are judged from a
fault-free run and attributed by what its counterexample shows.

Consumer groups and share groups (KIP-932) have rows of their own: a crash or a stall strikes
a member of either, and the delivery limit, the acquisition lock and the acknowledgement mode
of a share group decide what a consumer group's commit decides. So a row of one kind does
not apply to a spec without that kind of group, and a spec with both judges each kind on the
spec without the other.

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
    "Share-group delivery",
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
        "MQ037",
        "share-delivery-limit",
        "Share-group delivery",
        "A share consumer crashes holding a record: the failed delivery counts towards "
        "share.delivery.count.limit, and at the limit the record is archived",
        "consumer_crash",
        (
            "share.delivery.count.limit",
            "group.share.delivery.count.limit",
            "app.ack",
            "app.idempotent",
            "share.acknowledgement.mode",
        ),
        "share.delivery.count.limit above the number of crashes one record can meet, and "
        "idempotent processing (app.idempotent) for the record processed before a crash",
    ),
    Hazard(
        "MQ038",
        "share-lock-timeout",
        "Share-group delivery",
        "Processing outlives share.record.lock.duration.ms: the record is delivered to another "
        "member while the first one still works on it",
        "consumer_stall",
        ("share.record.lock.duration.ms", "app.idempotent", "share.delivery.count.limit"),
        "raise share.record.lock.duration.ms (within group.share.max.record.lock.duration.ms) "
        "above the longest processing of one record, and make processing idempotent",
    ),
    Hazard(
        "MQ039",
        "share-processing-error",
        "Share-group delivery",
        "The application fails to process a record of a share group: implicit acknowledgement "
        "accepts it, explicit acknowledgement does what app.on_error says",
        "processing_error",
        (
            "share.acknowledgement.mode",
            "app.on_error",
            "app.ack",
            "share.delivery.count.limit",
        ),
        "share.acknowledgement.mode=explicit with app.on_error: release, so a failed record is "
        "delivered again",
    ),
    Hazard(
        "MQ044",
        "share-member-leaves",
        "Share-group delivery",
        "A share consumer leaves its group (a deploy, a scale-in): close() releases the records "
        "it has not acknowledged, and they are delivered again",
        "group_rebalance",
        ("share.acknowledgement.mode", "app.ack", "app.idempotent", "share.delivery.count.limit"),
        "acknowledge explicitly (share.acknowledgement.mode=explicit) and commitSync before "
        "close(), and make processing idempotent (app.idempotent)",
    ),
    Hazard(
        "MQ043",
        "share-start-position",
        "Share-group delivery",
        "A new share group starts at the partition end (share.auto.offset.reset=latest) and "
        "never receives what was produced before it",
        None,
        ("share.auto.offset.reset", "app.joins"),
        "share.auto.offset.reset=earliest (kafka-configs --entity-type groups), or create the "
        "share group before producing",
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

# The first hazard of each fault class names it (MQ033 for consumer_stall, not MQ042 or
# MQ038; MQ030 for consumer_crash, not MQ037; MQ034 for group_rebalance, not MQ044).
BY_FAULT = {h.fault: h for h in reversed(CATALOGUE) if h.fault}

#: The rows of consumer groups (KafkaConsumer, committed offsets) and of share groups
#: (KafkaShareConsumer, KIP-932). consumer_crash and consumer_stall strike members of both,
#: so each side is judged on the spec without the other's members: a row never claims a
#: counterexample that happened in the other kind of group.
CONSUMER_ROWS = frozenset({"MQ030", "MQ031", "MQ032", "MQ033", "MQ034", "MQ036"})
SHARE_ROWS = frozenset({"MQ037", "MQ038", "MQ039", "MQ043", "MQ044"})
NO_SHARE_CONSUMERS = "the pipeline has no share consumers (share_consumers:)"
NO_CONSUMER_GROUPS = (
    "the pipeline has no consumer groups (consumers:); its share consumers are judged by "
    "MQ037, MQ038, MQ039, MQ043 and MQ044"
)


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
        out += [s for s in setting_rows(spec, name) if s not in out and _owned(hazard, s)]
    return tuple(out)


def _owned(hazard: Hazard, setting: EffectiveSetting) -> bool:
    """A consumer row names no share consumer's setting and a share row no consumer's
    (both have app.idempotent and app.joins)."""
    role = setting.scope.partition(":")[0]
    if hazard.id in CONSUMER_ROWS:
        return role != "share_consumer"
    if hazard.id in SHARE_ROWS:
        return role != "consumer"
    return True


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
    side = _Sides(spec, runner)
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
        if hazard.id in SHARE_ROWS and not spec.share_consumers:
            rows.append(_row(spec, hazard, NOT_APPLICABLE, NO_SHARE_CONSUMERS))
            continue
        if hazard.id in CONSUMER_ROWS and spec.share_consumers and not spec.consumers:
            rows.append(_row(spec, hazard, NOT_APPLICABLE, NO_CONSUMER_GROUPS))
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
        run = side.runner(hazard)
        if hazard.fault is None:
            rows.append(
                _judge_fault_free(spec, hazard, side.baseline(run), side.scope_note(hazard))
            )
            continue
        budget = getattr(spec.faults, hazard.fault)
        in_model = budget > 0
        faults = {hazard.fault: budget if in_model else 1, "follower_lag": spec.faults.follower_lag}
        result = run.check(faults)
        masked = {r.guarantee for r in side.baseline(run).results if r.verdict == "violated"}
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
        where += side.scope_note(hazard)
        if hazard.id in SHARE_ROWS and _redelivers(spec, hazard):
            where += _delivery_limit_note(spec, budget if in_model else 1)
        note = f"{where}; {note}" if note else where
        rows.append(_row(spec, hazard, status, note, result.results, in_model))
    return rows


class _Sides:
    """The runs behind the rows. A spec with consumer groups and share groups has its
    consumer rows judged without the share consumers and its share rows without the
    consumers (consumer_crash and consumer_stall strike both kinds of member); any other
    spec is judged as it is, by the checklist's own runner."""

    def __init__(self, spec: Spec, runner: VariantRunner) -> None:
        self.spec = spec
        self.main = runner
        self.mixed = bool(spec.consumers) and bool(spec.share_consumers)
        self._split: dict[str, VariantRunner] = {}

    def runner(self, hazard: Hazard) -> VariantRunner:
        if not self.mixed or hazard.id not in CONSUMER_ROWS | SHARE_ROWS:
            return self.main
        kind = "share" if hazard.id in SHARE_ROWS else "consumer"
        if kind not in self._split:
            alone = (
                replace(self.spec, consumers={})
                if kind == "share"
                else replace(self.spec, share_consumers={})
            )
            self._split[kind] = self.main.part(alone)
        return self._split[kind]

    @staticmethod
    def baseline(run: VariantRunner) -> CheckResult:
        """The fault-free run of `run`'s spec (each runner checks a budget once)."""
        return run.check({})

    def scope_note(self, hazard: Hazard) -> str:
        if not self.mixed or hazard.id not in CONSUMER_ROWS | SHARE_ROWS:
            return ""
        if hazard.id in SHARE_ROWS:
            return ", on the share groups alone (consumers: left out)"
        return ", on the consumer groups alone (share_consumers: left out)"


def _redelivers(spec: Spec, hazard: Hazard) -> bool:
    """The fault sends the record back to the share partition, where the delivery count
    decides: a crash, a lock timeout or a member leaving always, a processing error only
    for RELEASE."""
    if hazard.fault != "processing_error":
        return True
    return any(
        c.acknowledgement_mode == "explicit" and c.app.on_error == "release"
        for c in spec.share_consumers.values()
    )


def _delivery_limit_note(spec: Spec, budget: int) -> str:
    """The delivery limit against the budget: each failed delivery (a crash, a lock timeout,
    a RELEASE) counts, and the release at deliveryCount >= the limit archives the record
    (InFlightState.tryUpdateState), so `budget` failures on one record archive it exactly
    when budget >= limit."""
    low = min(c.delivery_count_limit for c in spec.share_consumers.values())
    failures = f"{budget} failed deliver{'y' if budget == 1 else 'ies'} of one record"
    reach = "at the limit, it can be archived" if budget >= low else "below the limit"
    return f"; share.delivery.count.limit={low} against {failures}: {reach}"


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


def _share_late_start(spec: Spec) -> bool:
    """Some share group may be created at the partition end after messages were produced
    (share.auto.offset.reset=latest: its start offset is the high watermark then)."""
    return any(
        c.auto_offset_reset == "latest" and c.app.joins == "any_time"
        for c in spec.share_consumers.values()
    )


#: Fault-free hazards: the configuration that makes a fault-free violation theirs.
_CAUSES = {"MQ005": _oversized, "MQ032": _late_start, "MQ043": _share_late_start}


def _judge_fault_free(
    spec: Spec, hazard: Hazard, baseline: CheckResult, scope: str = ""
) -> HazardRow:
    """`scope`: which groups the run kept, when the spec has both kinds (see _Sides)."""
    status, note = _judge(baseline)
    where = "checked with no fault at all" + scope
    if hazard.id == "MQ000":
        causes = [h for h, cause in _CAUSES.items() if cause(spec)]
        if status == AT_RISK and causes:
            note = "checked with no fault at all; the cause: " + ", ".join(causes)
        return _row(spec, hazard, status, note or where, baseline.results)
    cause = _CAUSES[hazard.id]
    if status == AT_RISK and not cause(spec):
        return _row(
            spec,
            hazard,
            SAFE,
            "not this configuration; the fault-free run fails for another reason (MQ000)",
        )
    if status == AT_RISK:
        return _row(spec, hazard, AT_RISK, where, baseline.results)
    return _row(spec, hazard, status, note or where)
