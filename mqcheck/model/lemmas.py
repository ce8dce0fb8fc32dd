"""Candidate invariants from the model's structure: what replication and a consumer's
position guarantee of every reachable state, instantiated for this spec's brokers, log
slots, messages and consumers.

The proof engines need such facts to prove an invariant guarantee at a bound enumeration
cannot reach: "no message is processed twice" is not inductive on its own (a state no run
reaches, with the record already processed sitting beyond the consumer's position, breaks
it), but it is inductive together with what Kafka's replication protocol maintains. The
facts are stated once here, in the model's own terms, and sized to the spec; values mined
from reachable states at a small bound (tried first, docs/engines.md) do not carry from one
bound to the next, because a lemma about log slot 2 says nothing about slot 3.

Every clause is only a *candidate*. mqcheck.engines.houdini keeps the largest subset that
is inductive (a clause some step can falsify from a state where all kept clauses hold is
dropped, until none is) and an independent solver re-checks whatever proof rests on them,
so a wrong or inapplicable candidate costs a proof, never a verdict. That is why the list
is generous: a fact that holds only for some configurations (no unclean election, ISR
agreement below the high watermark) is offered everywhere and kept where it is true.

The facts, each with where Kafka maintains it:

- *Log shape*: a replica's slots below its log end offset are filled, the rest empty
  (`UnifiedLog` appends at the LEO; truncation cuts a suffix).
- *No duplicates in a log*: a message sits in at most one slot of a replica (the
  idempotent producer's sequence check, `ProducerStateManager`; where a spec can duplicate,
  Houdini drops it).
- *Log matching*: two replicas holding the same message at a slot agree below it (a
  follower appends only after the leader's entry before the fetch offset matched, the
  leader-epoch check of KIP-101 and KIP-279, `AbstractFetcherThread.truncate`).
- *Leadership and the ISR*: the leader is alive and in the ISR, the ISR is never empty
  (`Partition.maybeShrinkIsr` never removes the last member), every ISR member's LEO is at
  least the high watermark, and every two ISR members agree below it (the high watermark
  is the minimum LEO over the ISR, `Partition.maybeIncrementLeaderHW`); under one leader a
  follower agrees with it below the LEO the leader knows for it.
- *The producer*: no replica holds a message the application has not sent (nothing is
  appended before `send()`), nor, where the producer never sends an appended record again,
  one it still has queued, waiting for a retry or in flight.
- *A consumer's position*: committed ≤ position ≤ high watermark (a fetch reads below the
  high watermark; an election moves both to the new leader's LEO at most); a record in
  hand sits in every ISR member's log below the position; a processed record sits below
  the position, and below the committed offset where the commit comes first; a consumer's
  own flags (`c0_joined`) bound the rest of its state (before it joins: nothing); a record in hand was not processed yet; no record is processed
  more than once (the at-most-once property itself, so that it can be proved).
- *Domains*: each variable's every bound within its domain (the independent check needs
  the domain to be implied; Houdini keeps the tightest that hold).
"""

from __future__ import annotations

from mqcheck.ir.clauses import Clause, ClauseLit, clause_names
from mqcheck.ir.system import Variable
from mqcheck.model.consumer_state import ConsumerVars, consumer_vars
from mqcheck.model.layout import INFLIGHT, QUEUED, RETRY, UNSENT, ModelBuilder, Partition

#: The producer statuses of a record not appended yet, when the producer never resends.
NOT_APPENDED = (UNSENT, QUEUED, RETRY, INFLIGHT)

#: A variable with a wider domain is offered its two ends only.
MAX_BOUNDS = 32

#: A model with more candidates than this offers none (Houdini's queries grow with them).
MAX_CANDIDATES = 20_000


def candidates(b: ModelBuilder, variables: tuple[Variable, ...]) -> tuple[Clause, ...]:
    """Every candidate clause for the model `b` built, over `variables` (its variables)."""
    out = _Clauses({v.name: v for v in variables})
    for partition in b.partitions:
        _replication(out, partition)
    for p in b.producers:
        _producer(out, b.partitions[p.partition], p.messages)
    for cv in consumer_vars(b):
        _consumer(out, cv)
    for v in variables:
        values = range(v.lo, v.hi + 1) if v.hi - v.lo <= MAX_BOUNDS else (v.lo, v.hi)
        for c in values:
            out.add((v.name, "<=", c))
            out.add((v.name, ">=", c))
    clauses = out.done()
    return clauses if len(clauses) <= MAX_CANDIDATES else ()


class _Clauses:
    """Collects clauses, keeping each once and only those over variables that exist."""

    def __init__(self, variables: dict[str, Variable]) -> None:
        self.variables = variables
        self._seen: dict[Clause, None] = {}

    def has(self, *names: str) -> bool:
        return all(n in self.variables for n in names)

    def add(self, *lits: ClauseLit) -> None:
        if self.has(*clause_names(lits)):
            self._seen[lits] = None

    def done(self) -> tuple[Clause, ...]:
        return tuple(self._seen)


def _brokers_and_slots(out: _Clauses, p: Partition) -> tuple[list[int], list[int]]:
    pre = p.prefix
    brokers = [r for r in range(p.replicas) if out.has(f"{pre}leo_{r}")]
    slots = [s for s in range(p.capacity) if out.has(f"{pre}log_0_{s}")]
    return brokers, slots


def _message_codes(out: _Clauses, p: Partition, slots: list[int]) -> dict[str, int]:
    """Label -> entry code of every entry a log slot can hold ("m2" -> 2). A consumer's
    processed count is matched by the label it names (`c0_done_m2`); where a message is
    written under several codes, the facts name only the one labelled as the message, and
    Houdini drops what that makes false."""
    if not slots:
        return {}
    var = out.variables[f"{p.prefix}log_0_{slots[0]}"]
    return {label: code for code, label in var.labels.items() if code != 0}


def _replication(out: _Clauses, p: Partition) -> None:
    pre = p.prefix
    brokers, slots = _brokers_and_slots(out, p)
    codes = sorted(_message_codes(out, p, slots).values())

    def log(r: int, s: int) -> str:
        return f"{pre}log_{r}_{s}"

    leo, known, isr, alive = (f"{pre}leo_", f"{pre}known_", f"{pre}isr_", "alive_")
    hw, leader = f"{pre}hw", f"{pre}leader"
    for r in brokers:
        for s in slots:
            out.add((log(r, s), "!=", 0), (leo + str(r), "<=", s))
            out.add((log(r, s), "==", 0), (leo + str(r), ">=", s + 1))
            for code in codes:
                for t in slots:
                    if t > s:
                        out.add((log(r, s), "!=", code), (log(r, t), "!=", code))
            for q in brokers:
                if q > r:
                    for t in slots:
                        if t < s:
                            out.add(
                                (log(r, s), "!=", log(q, s)),
                                (log(r, s), "==", 0),
                                (log(r, t), "==", log(q, t)),
                            )
        out.add((known + str(r), "<=", leo + str(r)))
        out.add((isr + str(r), "!=", 1), (leo + str(r), ">=", hw))
        for q in brokers:
            if q > r:
                for s in slots:
                    out.add(
                        (isr + str(r), "!=", 1),
                        (isr + str(q), "!=", 1),
                        (hw, "<=", s),
                        (log(r, s), "==", log(q, s)),
                    )
    out.add(*[(isr + str(r), "==", 1) for r in brokers])
    for ld in brokers:
        out.add((leader, "!=", ld), (isr + str(ld), "==", 1))
        out.add((leader, "!=", ld), (alive + str(ld), "==", 1))
        out.add((leader, "!=", ld), (hw, "<=", leo + str(ld)))
        for r in brokers:
            if r != ld:
                for s in slots:
                    out.add(
                        (leader, "!=", ld), (known + str(r), "<=", s), (log(r, s), "==", log(ld, s))
                    )


def _producer(out: _Clauses, p: Partition, messages: tuple[int, ...]) -> None:
    """No replica holds a message the application has not sent yet, nor (where the
    producer never sends an appended record again: acks=0, no retries) one that is queued,
    waiting for a retry or in flight. Houdini keeps the statuses for which that is true."""
    brokers, slots = _brokers_and_slots(out, p)
    codes = _message_codes(out, p, slots)
    for m in messages:
        status, code = f"status_m{m}", codes.get(f"m{m}")
        if code is None or not out.has(status):
            continue
        for value in NOT_APPENDED:
            for r in brokers:
                for s in slots:
                    out.add((status, "!=", value), (f"{p.prefix}log_{r}_{s}", "!=", code))


def _flag_bounds(out: _Clauses, cv: ConsumerVars) -> None:
    """What a consumer's own flags (`c0_joined`: it has joined the group) bound in its
    position, committed offset, buffer and processed counts: before it joins, nothing."""
    own = [v for n, v in out.variables.items() if n.startswith(f"{cv.pre}_")]
    flags = [v for v in own if v.kind == "bool"]
    for flag in flags:
        for value in (0, 1):
            for v in own:
                if v is flag or v.hi - v.lo > MAX_BOUNDS:
                    continue
                for c in range(v.lo, v.hi):
                    out.add((flag.name, "!=", value), (v.name, "<=", c))
                for c in range(v.lo + 1, v.hi + 1):
                    out.add((flag.name, "!=", value), (v.name, ">=", c))


def _consumer(out: _Clauses, cv: ConsumerVars) -> None:
    p = cv.partition
    pre = p.prefix
    brokers, slots = _brokers_and_slots(out, p)
    codes = _message_codes(out, p, slots)
    pos, committed = f"{cv.pre}_pos", f"{cv.pre}_committed"
    bufs = [f"{cv.pre}_buf_{i}" for i in range(cv.slots) if out.has(f"{cv.pre}_buf_{i}")]
    out.add((committed, "<=", pos))
    out.add((pos, "<=", f"{pre}hw"))
    _flag_bounds(out, cv)
    for label, code in codes.items():
        done = f"{cv.pre}_done_{label}"
        if not out.has(done):
            continue
        out.add((done, "<=", 1))
        for i, buf in enumerate(bufs):
            out.add((buf, "!=", code), (done, "<=", 0))
            out.add((buf, "!=", code), (pos, ">=", 1))
            for other in bufs[i + 1 :]:
                out.add((buf, "!=", code), (other, "!=", code))
        for r in brokers:
            not_isr: ClauseLit = (f"{pre}isr_{r}", "!=", 1)
            somewhere = [(f"{pre}log_{r}_{s}", "==", code) for s in slots]
            out.add((done, "<=", 0), not_isr, *somewhere)
            for buf in bufs:
                out.add((buf, "!=", code), not_isr, *somewhere)
            for s in slots:
                at_s: ClauseLit = (f"{pre}log_{r}_{s}", "!=", code)
                out.add((done, "<=", 0), not_isr, at_s, (committed, ">=", s + 1))
                out.add((done, "<=", 0), not_isr, at_s, (pos, ">=", s + 1))
                for buf in bufs:
                    out.add((buf, "!=", code), not_isr, at_s, (pos, ">=", s + 1))
                    if len(bufs) == 1:
                        out.add((buf, "!=", code), not_isr, at_s, (pos, "<=", s + 1))
