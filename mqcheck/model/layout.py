"""The state layout of one pipeline: which variables exist, their domains, and how a
message or a log entry is encoded.

The layout is sized from the spec (replicas, messages, fault budgets) so that the state is
as small as the configuration allows: a variable that cannot change under this spec (e.g.
the flushed prefix when flush.messages=1) is not created at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from mqcheck.ir.expr import Const, Expr, Var, ite, minimum
from mqcheck.ir.system import Action, Variable
from mqcheck.spec.schema import INT_MAX, Consumer, Processor, Producer, Spec, Topic

# Producer-side status of one message (what the producer and its application know).
UNSENT = 0  # the application has not called send() yet
QUEUED = 1  # accepted by send(), waiting in the RecordAccumulator
RETRY = 2  # failed attempt, re-enqueued for a retry
INFLIGHT = 3  # produce request on its way to the partition leader
WAIT = 4  # appended by the leader, the response (acks) is pending
ACKED = 5  # the application saw success (acks=0: the request was written to the socket)
GAVE_UP = 6  # the application was told it failed and dropped it, or never learned
EXCUSED = 7  # the application was told it failed and halted (on_send_error: halt)
#: How traces and exports (ITF, graph) name each status value, in code order.
STATUS_NAMES = (
    "unsent",
    "queued",
    "retry",
    "in-flight",
    "awaiting-ack",
    "acked",
    "gave-up",
    "excused",
)

#: Finite `retries` above this are modelled as unlimited (documented in docs/semantics.md).
MAX_TRACKED_RETRIES = 10


#: Past this many times its action limit a model stops being grounded at all: counting
#: the rest would only say by how much it is over, at a cost that can grow without bound.
GROUNDING_CUTOFF = 2


class TooManyActions(Exception):
    """Grounding stopped: the model has at least this many actions."""


@dataclass
class ProducerInfo:
    spec: Producer
    index: int
    messages: tuple[int, ...]  # global message ids, in send order
    track_tries: bool
    track_gen: bool
    partition: int = 0  # index into ModelBuilder.partitions
    processor: int | None = None  # the processor (index into processors) whose output this is


@dataclass
class ProcessorInfo:
    """A consume-transform-produce stage: its consumer side is `consumers[consumer]`, its
    producer side `producers[producer]`; it reads partition `stage - 1` and writes `stage`."""

    index: int  # position in the chain, 0-based
    spec: Processor
    consumer: int
    producer: int

    @property
    def stage(self) -> int:
        return self.index + 1

    @property
    def exactly_once(self) -> bool:
        return self.spec.processing_guarantee != "at_least_once"


@dataclass
class Partition:
    """One modelled partition: the checked partition of a topic in the pipeline. Its
    replica r lives on broker r (the brokers are shared by every partition, so one broker
    fault strikes all the partitions it hosts). Partition 0 is the producers' topic and
    keeps unprefixed variable names."""

    index: int
    topic: Topic
    replicas: int
    capacity: int  # slots per replica log
    track_flush: bool
    # Kafka before 0.11: followers truncate to their own high watermark (KIP-101 problems).
    legacy_truncation: bool = False
    # KIP-966 Eligible Leader Replicas (4.0+, eligible.leader.replicas.version=1).
    elr: bool = False
    # which of the topic's partitions this is: 0, or the one keyed producers' messages
    # decided (model/partition_load.py); traces name it `<topic>-<number>`
    number: int = 0

    @property
    def prefix(self) -> str:
        return "" if self.index == 0 else f"t{self.index}_"

    @property
    def name(self) -> str:
        return f"{self.topic.name}-{self.number}"


@dataclass
class ModelBuilder:
    """Collects variables and actions; knows the encoding. One per compiled spec.

    Replica-level accessors (log, leo, leader, hw, ...) read the partition in focus
    (`focus`); broker liveness is shared by all partitions."""

    spec: Spec
    partitions: list[Partition]
    n_messages: int
    gens: int  # distinct application-level sends of one message
    producers: list[ProducerInfo]
    consumers: list[Consumer]
    processors: list[ProcessorInfo] = field(default_factory=list)
    # per entry of `consumers` that is a consumer group: its members' names (first member's
    # settings in `consumers`); missing entries are one-member groups
    group_members: list[tuple[str, ...]] = field(default_factory=list)
    # message ids per pipeline stage: stage s carries ids s*stage_size+1 .. (s+1)*stage_size
    # (stage 0: the producers' messages; stage s: processor s's outputs of them)
    stage_size: int = 0
    # keyed producers (partition_load.py): a producer message's name in the whole run
    # ("m3": the producer's third send), where it differs from its id in the checked partition
    message_names: dict[int, str] = field(default_factory=dict)
    # per broker, the variables of its block (for symmetry), in declaration order
    replica_blocks: list[list[str]] = field(default_factory=list)
    variables: list[Variable] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)
    _action_names: set[str] = field(default_factory=set)
    part: Partition | None = None
    _focused: bool = False
    # grounded actions are kept up to `max_actions` and counted beyond it, so a model too
    # large to compile is refused (compile.py) without holding all of it in memory
    max_actions: int | None = None
    grounded: int = 0

    def __post_init__(self) -> None:
        if self.part is None:
            self.part = self.partitions[0]
        if not self.stage_size:
            self.stage_size = self.n_messages

    # ---- pipeline stages -------------------------------------------------------------
    def stage_of(self, message: int) -> int:
        return (message - 1) // self.stage_size

    def origin(self, message: int) -> int:
        """The producer's message a stage's message id stands for."""
        return (message - 1) % self.stage_size + 1

    def at_stage(self, message: int, stage: int) -> int:
        """The id of (original) message `message` as written by stage `stage`."""
        return self.origin(message) + stage * self.stage_size

    def stage_ids(self, stage: int) -> range:
        return range(stage * self.stage_size + 1, (stage + 1) * self.stage_size + 1)

    def partition_of_consumer(self, consumer: int) -> Partition:
        topic = self.consumers[consumer].topic
        return next(p for p in self.partitions if p.topic.name == topic)

    def processor_of_consumer(self, consumer: int) -> ProcessorInfo | None:
        return next((x for x in self.processors if x.consumer == consumer), None)

    # ---- the partition in focus --------------------------------------------------------
    @contextmanager
    def focus(self, partition: Partition) -> Iterator[Partition]:
        """Build the actions of `partition` (replication, elections, clients on it)."""
        saved, saved_focused = self.part, self._focused
        self.part, self._focused = partition, True
        try:
            yield partition
        finally:
            self.part, self._focused = saved, saved_focused

    @property
    def _p(self) -> Partition:
        assert self.part is not None
        return self.part

    @property
    def in_focus(self) -> Partition:
        """The partition whose actions are being built."""
        return self._p

    @property
    def topic(self) -> Topic:
        return self._p.topic

    @property
    def replicas(self) -> int:
        return self._p.replicas

    @property
    def capacity(self) -> int:
        return self._p.capacity

    @property
    def track_flush(self) -> bool:
        return self._p.track_flush

    @property
    def legacy_truncation(self) -> bool:
        return self._p.legacy_truncation

    @property
    def elr(self) -> bool:
        return self._p.elr

    @property
    def brokers(self) -> int:
        """Brokers that host a modelled replica."""
        return max(p.replicas for p in self.partitions)

    @property
    def multi(self) -> bool:
        return len(self.partitions) > 1

    def consumers_of(self, partition: Partition) -> list[int]:
        """Indices (into `consumers`) of the consumers reading `partition`."""
        return [i for i, c in enumerate(self.consumers) if c.topic == partition.topic.name]

    # ---- variables -------------------------------------------------------------------
    def var(
        self,
        name: str,
        lo: int,
        hi: int,
        init: int,
        doc: str = "",
        kind: str = "int",
        labels: Mapping[int, str] | None = None,
    ) -> Var:
        """Declare a variable; `kind` and `labels` say what its integers encode (see
        `Variable`), so ITF and the state graph can print "acked" or "broker 2"."""
        if name in self._names:
            raise ValueError(f"duplicate variable {name}")
        self._names.add(name)
        self.variables.append(Variable(name, lo, hi, init, doc, kind, dict(labels or {})))
        return Var(name)

    def flag(self, name: str, init: int, doc: str = "") -> Var:
        """A 0/1 variable that reads as false/true."""
        return self.var(name, 0, 1, init, doc, kind="bool")

    def replica_labels(self) -> dict[int, str]:
        """How a replica index of the partition in focus reads: its broker, or "none" (the
        value `none_replica`)."""
        return {**{r: self.broker_name(r) for r in range(self.replicas)}, self.none_replica: "none"}

    def entry_labels(self) -> dict[int, str]:
        """How a log entry or a record handed to an application reads: "empty", or the
        message (`value_label`)."""
        return {0: "empty", **{c: self.value_label(c) for c in range(1, self.max_code() + 1)}}

    def has(self, name: str) -> bool:
        return name in self._names

    def v(self, name: str) -> Var:
        if name not in self._names:
            raise KeyError(name)
        return Var(name)

    def pname(self, name: str) -> str:
        """The variable name `name` of the partition in focus."""
        return self._p.prefix + name

    def add(self, action: Action) -> None:
        """Add a grounded action. Updates name variables by string, so a misspelt name
        would otherwise write nothing and vanish from the model: refuse it here."""
        unknown = sorted(set(action.updates) - self._names)
        if unknown:
            raise ValueError(f"action {action.name} updates undeclared variable(s) {unknown}")
        self.grounded += 1
        if self.max_actions is not None and self.grounded > self.max_actions:
            if self.grounded > GROUNDING_CUTOFF * self.max_actions:
                raise TooManyActions(self.grounded)
            return
        if self.multi and self._focused:
            # several partitions: name the one this step happens on
            where = self._p.name
            action = replace(
                action,
                name=f"{where}/{action.name}",
                text=f"[{where}] {action.text}",
                params={**action.params, "partition": where},
            )
        if action.name in self._action_names:
            # traces name their steps: replay finds each step by its action's name
            raise ValueError(f"two actions are named {action.name}")
        self._action_names.add(action.name)
        self.actions.append(action)

    # ---- encoding --------------------------------------------------------------------
    @property
    def none_replica(self) -> int:
        """The value of `leader` when the partition has no leader (offline)."""
        return self.replicas

    def code(self, message: int, gen: int = 0) -> int:
        """A log entry: the message id plus which application-level send wrote it (an
        idempotent producer dedupes only a retry of the *same* send)."""
        return message + self.n_messages * gen

    def message_of(self, code: int) -> int:
        return (code - 1) % self.n_messages + 1

    def record_codes(self) -> int:
        """Codes 1..record_codes() are records; higher ones are transaction markers."""
        return self.n_messages * self.gens

    def marker_code(self, producer: int, gen: int, abort: bool) -> int:
        """The COMMIT or ABORT control record of a producer's transaction attempt `gen`."""
        return self.record_codes() + 1 + (producer * self.gens + gen) * 2 + int(abort)

    def is_marker(self, code: int) -> bool:
        return code > self.record_codes()

    def marker_owner(self, code: int) -> tuple[int, int, bool]:
        """(producer index, attempt, abort) of a marker code."""
        rest = code - self.record_codes() - 1
        return rest // 2 // self.gens, rest // 2 % self.gens, bool(rest % 2)

    def max_code(self) -> int:
        if any(p.spec.transactional_id is not None for p in self.producers):
            return self.record_codes() + 2 * self.gens * len(self.producers)
        return self.record_codes()

    def value_label(self, code: int) -> str:
        """How a log entry reads in a trace: m1, m1 (send 2), or a transaction marker."""
        if self.is_marker(code):
            owner, gen, abort = self.marker_owner(code)
            word = "ABORT" if abort else "COMMIT"
            return f"the {word} marker of {self.producers[owner].spec.name} (attempt {gen + 1})"
        n = self.n_messages
        notes = []
        stage = self.stage_of(self.message_of(code))
        if stage:
            notes.append(f"via {self.processors[stage - 1].spec.name}")
        if code > n:
            notes.append(f"send {(code - 1) // n + 1}")
        extra = f" ({', '.join(notes)})" if notes else ""
        return self.label(self.message_of(code)) + extra

    def label(self, message: int) -> str:
        origin = self.origin(message)
        return self.message_names.get(origin, f"m{origin}")

    def broker_name(self, replica: int) -> str:
        return f"broker {replica + 1}"

    def producer_of(self, message: int) -> ProducerInfo:
        for p in self.producers:
            if message in p.messages:
                return p
        raise KeyError(message)

    # ---- named state -----------------------------------------------------------------
    def alive(self, r: int) -> Var:
        return self.v(f"alive_{r}")

    def log(self, r: int, i: int) -> Var:
        return self.v(f"{self._p.prefix}log_{r}_{i}")

    def leo(self, r: int) -> Var:
        return self.v(f"{self._p.prefix}leo_{r}")

    def flushed(self, r: int) -> Expr:
        return self.v(f"{self._p.prefix}flushed_{r}") if self.track_flush else self.leo(r)

    def known(self, r: int) -> Var:
        """The leader's view of follower r's log end offset, from r's last fetch (-1: no
        fetch since this leader took over)."""
        return self.v(f"{self._p.prefix}known_{r}")

    @property
    def leader(self) -> Var:
        return self.v(f"{self._p.prefix}leader")

    def flushed_var(self, r: int) -> Var:
        return self.v(f"{self._p.prefix}flushed_{r}")

    @property
    def last_leader(self) -> Var:
        """KIP-966's "last known leader" (tracked with ELR only)."""
        return self.v(f"{self._p.prefix}last_leader")

    def fhw(self, r: int) -> Var:
        """The replica's own high watermark (tracked before 0.11 only)."""
        return self.v(f"{self._p.prefix}fhw_{r}")

    def in_elr(self, r: int) -> Var:
        return self.v(f"{self._p.prefix}elr_{r}")

    def truncate_to(self, r: int, length: Expr) -> dict[str, Expr]:
        """Drop replica r's entries from offset `length` on (a no-op where it is longer)."""
        new_leo = minimum([self.leo(r), length])
        ups: dict[str, Expr] = {self.leo(r).name: new_leo}
        for i in range(self.capacity):
            ups[self.log(r, i).name] = ite(new_leo > i, self.log(r, i), 0)
        if self.track_flush:
            fl = self.v(f"{self._p.prefix}flushed_{r}")
            ups[fl.name] = minimum([fl, new_leo])
        if self.legacy_truncation:
            ups[self.fhw(r).name] = minimum([self.fhw(r), new_leo])
        return ups

    def in_isr(self, r: int) -> Var:
        """ISR membership as one 0/1 variable per replica (the partition state's ISR)."""
        return self.v(f"{self._p.prefix}isr_{r}")

    @property
    def hw(self) -> Var:
        return self.v(f"{self._p.prefix}hw")

    @property
    def log_start(self) -> Expr:
        """The partition's log start offset (model/retention.py): 0 where retention cannot
        delete anything under this spec, so no variable is made."""
        name = f"{self._p.prefix}log_start"
        return self.v(name) if self.has(name) else Const(0)

    def status(self, m: int) -> Var:
        return self.v(f"status_m{m}")

    def budget(self, fault: str) -> Expr:
        return self.v(f"budget_{fault}") if self.has(f"budget_{fault}") else Const(0)

    def spend(self, fault: str) -> dict[str, Expr]:
        """The update a fault step makes to its budget. A fault the spec does not allow has
        no budget variable (its steps' guards read the constant 0), so nothing to update."""
        if not self.has(f"budget_{fault}"):
            return {}
        return {f"budget_{fault}": self.budget(fault) - 1}


def log_capacity(spec: Spec, n_messages: int, gens: int, idempotent_all: bool) -> int:
    """Slots per replica log: every message once per application-level send, plus the
    duplicates a non-idempotent producer can write: a lost response re-sends one batch,
    while a leader failure, an ISR shrink after the append or a producer restart can make
    every in-flight batch be sent again."""
    f = spec.faults
    per_batch = f.produce_response_lost + f.delivery_timeout
    per_flight = (
        f.broker_crash
        + f.broker_power_loss
        + f.simultaneous_power_loss
        + f.follower_lag
        + f.producer_crash
        + f.controlled_shutdown
        + f.disk_failure
        + f.rack_power_loss
        + f.leader_isolation
    )
    if idempotent_all:
        return n_messages * gens
    return n_messages * gens + per_batch + per_flight * n_messages


def retries_tracked(p: Producer) -> bool:
    return p.retries < INT_MAX and p.retries <= MAX_TRACKED_RETRIES
