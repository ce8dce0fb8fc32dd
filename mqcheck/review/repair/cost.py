"""What a change costs, in one table (docs/repair.md prints the same table).

A repair's cost is the sum over the settings it changes of CHANGE (one more setting to
review and roll out) plus the weight of the new value: what it costs in latency, throughput,
storage or availability, or in application code (a deploy, not a config push), or in
assumptions (excluding a fault is a last resort). Numbers are relative, small integers, so
Z3 minimises them exactly; they order repairs, they do not price them.
"""

from __future__ import annotations

from dataclasses import dataclass

from mqcheck.review.repair.space import Knob

CHANGE = 10
APP_CODE = 20  # on top of CHANGE for every app.* change: code, review, deploy
#: min.insync.replicas equal to replication.factor (both at least 2), charged once.
MIN_ISR_EQUALS_RF = 3
MIN_ISR_EQUALS_RF_WHY = (
    "min.insync.replicas = replication.factor: one broker down stops every acks=all write"
)


TRANSACTION_LATENCY = "latency: outputs are visible downstream only once the transaction commits"


@dataclass(frozen=True)
class Cost:
    """A weight for setting `name` to `value` ("raise"/"lower": per step of a number)."""

    name: str
    value: object
    weight: int
    why: str


TABLE: tuple[Cost, ...] = (
    Cost("acks", -1, 4, "latency: the leader waits for every in-sync replica"),
    Cost("acks", 1, 2, "latency: the leader's own append"),
    Cost("acks", 0, 6, "nothing is acknowledged: a lost request goes unnoticed"),
    Cost("enable.idempotence", True, 1, "a producer id and sequence numbers per batch"),
    Cost("enable.idempotence", False, 3, "retries may duplicate and reorder"),
    Cost("retries", 0, 3, "a transient error fails the send"),
    Cost("retries", "raise", 0, "retries ride out transient errors"),
    Cost("max.in.flight.requests.per.connection", 1, 4, "throughput: one request at a time"),
    Cost("max.in.flight.requests.per.connection", "raise", 1, "more requests to reorder"),
    Cost("max.request.size", "raise", 1, "producer memory per request"),
    Cost("replication.factor", "raise", 4, "storage and replication traffic per replica"),
    Cost("replication.factor", "lower", 6, "one copy fewer survives a failure"),
    Cost("min.insync.replicas", "raise", 2, "availability: writes need more live replicas"),
    Cost("min.insync.replicas", "lower", 3, "an acknowledged write survives on fewer copies"),
    Cost(
        "unclean.leader.election.enable",
        False,
        3,
        "availability: the partition waits offline for an in-sync replica",
    ),
    Cost("unclean.leader.election.enable", True, 6, "an out-of-sync replica may lead"),
    Cost("flush.messages", 1, 8, "throughput: an fsync per message on every replica"),
    Cost("flush.messages", "raise", 2, "more data in page cache only"),
    Cost("max.message.bytes", "raise", 1, "broker memory per batch"),
    Cost("retention.ms", -1, 5, "storage: the log grows until someone deletes it"),
    Cost("retention.bytes", -1, 5, "storage: the log grows until someone deletes it"),
    Cost("eligible.leader.replicas.version", True, 1, "a feature upgrade (KIP-966)"),
    Cost("eligible.leader.replicas.version", False, 3, "gives up KIP-966's protection"),
    Cost("auto.offset.reset", "earliest", 1, "a reset re-reads the retained log"),
    Cost("auto.offset.reset", "latest", 2, "a reset skips what it never saw"),
    Cost("auto.offset.reset", "none", 5, "an operator must reset offsets by hand"),
    Cost("isolation.level", "read_committed", 2, "latency: reads stop at the last stable offset"),
    Cost("isolation.level", "read_uncommitted", 2, "aborted records are processed"),
    Cost("app.commit", "auto", 0, "commits on poll, not when processing is done"),
    Cost("app.commit", "after_processing", 2, "a commit call after processing"),
    Cost("app.commit", "before_processing", 2, "a commit call before processing"),
    Cost("app.processing", "sync", 5, "throughput: processing blocks the poll loop"),
    Cost("app.processing", "async", 2, "a worker thread"),
    Cost("app.idempotent", True, 10, "a deduplication store or idempotent writes"),
    Cost("app.idempotent", False, 0, ""),
    Cost("app.on_send_error", "resend", 2, "the send callback retries"),
    Cost("app.on_send_error", "halt", 5, "availability: the application stops on a failure"),
    Cost("app.on_send_error", "drop", 2, "a failed send is given up"),
    Cost("app.waits_for_result", True, 3, "latency: the application reads every send result"),
    Cost("app.waits_for_result", False, 2, "fire and forget"),
    Cost("app.joins", "before_production", 2, "deploy the consumer group first"),
    Cost("app.on_revoke", "commit", 1, "a ConsumerRebalanceListener that commits on revoke"),
    Cost("app.on_revoke", "none", 0, ""),
    Cost(
        "share.delivery.count.limit",
        "raise",
        1,
        "a record that always fails (a poison message) is delivered more times before it is "
        "archived",
    ),
    Cost("share.delivery.count.limit", "lower", 2, "fewer failed deliveries archive a record"),
    Cost(
        "group.share.delivery.count.limit",
        "raise",
        1,
        "every share group of the cluster delivers a failing record more times",
    ),
    Cost(
        "group.share.delivery.count.limit",
        "lower",
        2,
        "fewer failed deliveries archive a record, in every share group",
    ),
    Cost(
        "share.acknowledgement.mode",
        "explicit",
        5,
        "the application acknowledges every record itself (acknowledge() calls)",
    ),
    Cost("share.acknowledgement.mode", "implicit", 2, "the next poll accepts whatever failed"),
    Cost("app.on_error", "release", 1, "a failing record is delivered again"),
    Cost("app.on_error", "reject", 2, "a failed record is archived, never retried"),
    Cost("app.on_error", "accept", 3, "a failed record is acknowledged unprocessed"),
    Cost("share.auto.offset.reset", "earliest", 1, "a new share group reads the retained log"),
    Cost("share.auto.offset.reset", "latest", 2, "a new share group skips what came before"),
    Cost("app.ack", "after_processing", 2, "an acknowledgement after processing"),
    Cost("app.ack", "before_processing", 2, "an acknowledgement before processing"),
    Cost("processing.guarantee", "exactly_once_v2", 5, TRANSACTION_LATENCY),
    Cost("processing.guarantee", "exactly_once_beta", 5, TRANSACTION_LATENCY),
    Cost(
        "processing.guarantee",
        "exactly_once",
        6,
        "latency and a producer per task: outputs wait for the transaction commit",
    ),
    Cost("processing.guarantee", "at_least_once", 3, "a crash re-processes and duplicates"),
    Cost("brokers", "raise", 30, "hardware: one more broker"),
    Cost("fault", "lower", 100, "last resort: assumes the fault never happens"),
)


def _step(knob: Knob, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    assert isinstance(knob.current, int)
    return value - knob.current


def weight(knob: Knob, value: object) -> tuple[int, str]:
    """The weight of setting `knob` to `value` (not counting CHANGE), and why."""
    name = "fault" if knob.kind == "fault" else knob.name
    step = _step(knob, value)
    for entry in TABLE:
        if entry.name != name:
            continue
        if entry.value == "raise" and step > 0 and value not in _exact(name):
            return entry.weight * (step if _per_step(name) else 1), entry.why
        if entry.value == "lower" and step < 0 and value not in _exact(name):
            return entry.weight * (-step if _per_step(name) else 1), entry.why
        if entry.value == value and type(entry.value) is type(value):
            return entry.weight, entry.why
    return 0, ""


def _exact(name: str) -> set[object]:
    """Values with an entry of their own, which a raise/lower entry does not cover."""
    return {e.value for e in TABLE if e.name == name and e.value not in ("raise", "lower")}


def _per_step(name: str) -> bool:
    """Counts (replicas, brokers, fault budget, deliveries of a share record) cost per step;
    sizes and limits do not."""
    return name in (
        "replication.factor",
        "min.insync.replicas",
        "brokers",
        "fault",
        "share.delivery.count.limit",
        "group.share.delivery.count.limit",
    )


def change_cost(knob: Knob, value: object) -> int:
    """The cost of changing `knob` from its current value to `value` (0 when unchanged)."""
    if value == knob.current and type(value) is type(knob.current):
        return 0
    extra = APP_CODE if knob.kind == "app" else 0
    return CHANGE + extra + weight(knob, value)[0]
