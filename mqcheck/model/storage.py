"""Storage and broker faults: page cache vs the flushed prefix, OS write-back, broker
crashes (page cache survives), power loss (the unflushed suffix is gone), restarts.

Sources (docs/semantics.md): Kafka docs "Persistence" / log.flush.interval.messages and
flush.messages (Kafka leaves flushing to the OS by default and relies on replication);
UnifiedLog flush on unflushed-message count; LogLoader recovery after an unclean shutdown;
controller handling of a failed broker (leader = none when no live ISR member, the ISR
never becomes empty).
"""

from __future__ import annotations

import itertools

from mqcheck.ir.expr import FALSE, TRUE, Expr, all_of, any_of, count_true, ite, minimum
from mqcheck.ir.system import Action
from mqcheck.model import isolation_state, shutdown
from mqcheck.model.layout import ACKED, INFLIGHT, WAIT, ModelBuilder, Partition
from mqcheck.model.outcomes import Updates, merge, on_retriable
from mqcheck.model.watermark import high_watermark_after


def declare_budgets(b: ModelBuilder) -> None:
    for fault, budget in b.spec.faults.as_dict().items():
        if budget > 0:
            b.var(f"budget_{fault}", 0, budget, budget, f"{fault} faults left")


def add_actions(b: ModelBuilder) -> None:
    for r in range(b.brokers):
        hosted = [part for part in b.partitions if r < part.replicas]
        leaders = itertools.product(*(range(part.replicas + 1) for part in hosted))
        for combo in leaders:
            _crash(b, r, hosted, combo, power=False)
            _crash(b, r, hosted, combo, power=True)
            _crash(b, r, hosted, combo, power=False, planned=True)
        for part in hosted:
            with b.focus(part):
                if b.track_flush:
                    _flush(b, r)
        _restart(b, r, hosted)
    _simultaneous_power_loss(b)


def requests_fail(b: ModelBuilder, cond_leader: Expr) -> list[Updates]:
    """Requests to a leader that died fail: the producer retries them; an acks=0 request
    that was on the wire is simply gone. (For the producers of the partition in focus.)"""
    parts: list[Updates] = []
    for p in b.producers:
        if b.partitions[p.partition] is not b.in_focus:
            continue
        for m in p.messages:
            st = b.status(m)
            if p.spec.acks == 0:
                parts.append({st.name: ite(cond_leader & st.eq(INFLIGHT), ACKED, st)})
            else:
                parts.append(on_retriable(b, m, cond_leader & (st.eq(INFLIGHT) | st.eq(WAIT))))
    return parts


def fence_updates(b: ModelBuilder, r: int, leader: int) -> Updates:
    """What the controller does to the focused partition when it loses broker r while
    `leader` leads (the ISR, the leader, the ELR and the surviving leader's HW), whatever
    became of r's process: a crash, or a session expiry (isolation.py)."""
    ups, _guard, _survivors, _led = _partition_crash(b, r, leader, False, b.broker_name(r))
    return ups


def _lose_unflushed(b: ModelBuilder, r: int) -> Updates:
    return b.truncate_to(r, b.flushed(r))


Survivor = tuple[str, list[Expr], Expr | None, str, dict[str, Expr]]


def _crash(
    b: ModelBuilder,
    r: int,
    hosted: list[Partition],
    leaders: tuple[int, ...],
    power: bool,
    planned: bool = False,
) -> None:
    """Broker r dies while partition hosted[i] is led by leaders[i] (its replica count:
    no leader). Every partition with a replica on r loses that replica at once.

    `planned`: a controlled shutdown (shutdown.py): the controller moves leadership and
    the ISR exactly as for a crash, but the log is flushed and the shutdown is clean."""
    fault = "controlled_shutdown" if planned else "broker_power_loss" if power else "broker_crash"
    if b.spec.faults.as_dict()[fault] <= 0:
        return
    who, aftermath = _roles(b, r, hosted, leaders)
    if planned:
        aftermath = shutdown.aftermath(b, hosted, leaders, r)
    per_partition: list[tuple[Updates, list[Expr], list[Survivor], bool]] = []
    for part, leader in zip(hosted, leaders, strict=True):
        with b.focus(part):
            per_partition.append(_partition_crash(b, r, leader, power, who))
    shared: Updates = {b.alive(r).name: ite(TRUE, 0, 0), **b.spend(fault)}
    if planned:
        shared.update(shutdown.clean_stop(b, r, hosted))
    base_guard: list[Expr] = [b.alive(r).is_true(), b.budget(fault) > 0]
    for _ups, guard, _, _ in per_partition:
        base_guard += guard
    if planned:
        base_guard += shutdown.settled(b, hosted)
    survivor_choices = itertools.product(*(surv for _, _, surv, _ in per_partition))
    for choice in survivor_choices:
        parts: list[Updates] = [shared]
        guard = list(base_guard)
        texts: list[str] = []
        args: dict[str, Expr] = {}
        suffix = ""
        for (ups, _, _, led), part, survivor in zip(per_partition, hosted, choice, strict=True):
            sfx, kept_guard, kept, text, text_args = survivor
            if planned:
                text = shutdown.stop_text(who)
            with b.focus(part):
                crash_ups = dict(ups)
                if kept is not None:
                    lost = b.truncate_to(r, kept)
                    if b.legacy_truncation and led:
                        lost[b.fhw(r).name] = minimum([b.hw, kept])
                    crash_ups.update(lost)
                parts += [crash_ups, *requests_fail(b, TRUE if led else FALSE)]
            guard += kept_guard
            suffix += sfx
            if b.multi and power:
                text = f"[{part.name}] " + text.replace("{", "{" + f"p{part.index}_")
                text_args = {f"p{part.index}_{k}": v for k, v in text_args.items()}
            texts.append(text)
            args.update(text_args)
        lead = ",".join(str(x) for x in leaders)
        # a crash reads the same for every partition; a power loss says what each kept
        text = "; ".join(texts) if b.multi and power else texts[0]
        text += "; " + aftermath
        if planned:
            shutdown.add_action(b, r, lead, guard, parts, text, args)
        else:
            _add_crash(b, r, lead, power, fault, suffix, guard, parts, text, args)


def _roles(
    b: ModelBuilder, r: int, hosted: list[Partition], leaders: tuple[int, ...]
) -> tuple[str, str]:
    """Who broker r is when it dies and what that does to leadership, as the grounded
    action knows it (each crash action is built for one leader per hosted partition):
    ("broker 1, the leader,", "the partition has no leader until an election")."""
    name = b.broker_name(r)
    if not b.multi:
        [leader] = leaders
        if leader == r:
            return f"{name}, the leader,", "the partition has no leader until an election"
        if leader == hosted[0].replicas:
            return name, "the partition still has no leader"
        return f"{name}, a follower,", f"leader {b.broker_name(leader)} carries on"
    led = [p.name for p, x in zip(hosted, leaders, strict=True) if x == r]
    if not led:
        return name, "it led none of its partitions"
    verb = "has" if len(led) == 1 else "have"
    return name, f"it led {', '.join(led)}, which now {verb} no leader until an election"


def _partition_crash(
    b: ModelBuilder, r: int, leader: int, power: bool, who: str
) -> tuple[Updates, list[Expr], list[Survivor], bool]:
    """The focused partition's part of broker r dying: (updates, guard, what of its log
    can survive, told of `who`, whether r was its leader)."""
    isr_size = count_true([b.in_isr(x).is_true() for x in range(b.replicas)])
    if b.elr:
        # KIP-966: the ISR may become empty; a member leaving an ISR that is then below
        # min.insync.replicas becomes an Eligible Leader Replica.
        new_member: Expr = ite(TRUE, 0, 0)
        was_member = b.in_isr(r).is_true()
        below = isr_size - 1 < b.topic.min_insync_replicas
        extra: Updates = {b.in_elr(r).name: ite(was_member & below, 1, b.in_elr(r))}
        if leader == r:
            extra[b.last_leader.name] = ite(TRUE, r, 0)
    else:
        # The controller drops a dead broker from the ISR, but never empties the ISR.
        new_member = ite(b.in_isr(r).is_true() & (isr_size > 1), 0, b.in_isr(r))
        extra = {}
    if b.legacy_truncation and leader == r:
        # the leader's own HW is the partition's HW when it dies
        extra[b.fhw(r).name] = b.hw
    ups: Updates = {
        b.in_isr(r).name: new_member,
        b.leader.name: ite(TRUE, b.none_replica if leader == r else leader, 0),
        **extra,
    }
    if leader not in (r, b.none_replica):
        # The surviving leader recomputes its HW over the smaller ISR.
        ups[b.hw.name] = high_watermark_after(b, leader, {}, {r: new_member.eq(1)})
    return ups, [b.leader.eq(leader)], _survivors(b, r, power, who), leader == r


def _survivors(
    b: ModelBuilder, r: int, power: bool, who: str
) -> list[tuple[str, list[Expr], Expr | None, str, dict[str, Expr]]]:
    """What of broker r's log survives: (name suffix, guard, kept length, text, args).

    A crash keeps the page cache. A power loss keeps the flushed prefix: with
    flush.messages=1 that is the whole log; with a flush forced every N messages the model
    tracks the flushed offset; otherwise the OS may have written back any prefix by the
    time the power goes, so every length from 0 to the log end is a possible survivor.
    `who` names the broker as the sentence starts ("broker 1, the leader,")."""
    name = who
    if not power:
        return [("", [], None, f"{name} crashes (its page cache survives)", {})]
    if b.track_flush:
        text = (
            f"{name} loses power: the process dies and its log past the flushed offset "
            "{flushed} is gone (it was only in page cache)"
        )
        return [("", [], b.flushed(r), text, {"flushed": b.flushed(r)})]
    if b.topic.flush_messages == 1:
        text = (
            f"{name} loses power: the process dies, but every entry was flushed (flush.messages=1)"
        )
        return [("", [], None, text, {})]
    out: list[tuple[str, list[Expr], Expr | None, str, dict[str, Expr]]] = []
    for keep in range(b.capacity + 1):
        text = (
            f"{name} loses power: the process dies, and the OS had written {keep} of its "
            "{leo} log entries to disk; anything after them was only in page cache and is gone"
        )
        out.append((f",{keep}", [b.leo(r) >= keep], ite(TRUE, keep, 0), text, {"leo": b.leo(r)}))
    return out


def _add_crash(
    b: ModelBuilder,
    r: int,
    leader: str,
    power: bool,
    fault: str,
    suffix: str,
    guard: list[Expr],
    parts: list[Updates],
    text: str,
    args: dict[str, Expr],
) -> None:
    b.add(
        Action(
            name=f"{fault}({r},{leader}{suffix})",
            kind="power_loss" if power else "broker_crash",
            actor=f"broker:{r + 1}",
            guard=all_of(guard),
            updates=merge(*parts),
            text=text,
            text_args=args,
            params={"broker": r},
            fault=fault,
            hazard=(
                f"flush.messages={b.topic.flush_messages}: acknowledged data lived in page cache only"
                if power and b.topic.flush_messages != 1
                else ""
            ),
            fix=_power_loss_fix(b) if power else "",
        )
    )


def _power_loss_fix(b: ModelBuilder) -> str:
    fix = "flush.messages=1 on the topic, or replicas in separate failure domains"
    if b.spec.kafka_version.at_least(4, 0) and not b.elr:
        fix += (
            "; Eligible Leader Replicas (eligible.leader.replicas.version=1, KIP-966) keep a "
            "replica that restarted after an unclean shutdown from leading"
        )
    return fix


#: Past this many survivor combinations a multi-topic simultaneous power loss is not
#: compiled (the spec is then `unknown`, with this reason).
MAX_BLACKOUT_VARIANTS = 4096


class TooManyVariants(Exception):
    pass


def _blackout_choices(b: ModelBuilder) -> list[tuple[int | None, ...]]:
    """What each replica of the focused partition keeps: its flushed prefix (tracked or
    everything with flush.messages=1), or, with OS write-back, any prefix."""
    if b.track_flush or b.topic.flush_messages == 1:
        return [tuple(None for _ in range(b.replicas))]
    return list(itertools.product(range(b.capacity + 1), repeat=b.replicas))


def _simultaneous_power_loss(b: ModelBuilder) -> None:
    if b.spec.faults.simultaneous_power_loss <= 0:
        return
    per_partition = []
    for part in b.partitions:
        with b.focus(part):
            per_partition.append(_blackout_choices(b))
    total = 1
    for choices in per_partition:
        total *= len(choices)
    if total > MAX_BLACKOUT_VARIANTS:
        raise TooManyVariants(
            f"a simultaneous power loss over {len(b.partitions)} topics with unflushed logs has "
            f"{total} survivor combinations (the model compiles at most {MAX_BLACKOUT_VARIANTS}); "
            "set flush.messages=1 on the topics or lower check.messages"
        )
    for combo in itertools.product(*per_partition):
        _simultaneous_variant(b, combo)


def _simultaneous_variant(b: ModelBuilder, combo: tuple[tuple[int | None, ...], ...]) -> None:
    guard: list[Expr] = [
        b.budget("simultaneous_power_loss") > 0,
        any_of(b.alive(r).is_true() for r in range(b.brokers)),
    ]
    parts: list[Updates] = [
        {b.alive(r).name: ite(TRUE, 0, 0) for r in range(b.brokers)},
        *(isolation_state.power_off(b, r) for r in range(b.brokers)),
        b.spend("simultaneous_power_loss"),
    ]
    details: list[str] = []
    names: list[str] = []
    args: dict[str, Expr] = {}
    for part, keeps in zip(b.partitions, combo, strict=True):
        with b.focus(part):
            g, ups, detail, name, a = _blackout(b, keeps)
        guard += g
        parts += ups
        details.append(f"[{part.name}] {detail}" if b.multi else detail)
        names.append(name)
        args.update(a)
    suffix = ";".join(names)
    b.add(
        Action(
            name="simultaneous_power_loss" + (f"({suffix})" if suffix else ""),
            kind="power_loss",
            actor="datacenter",
            guard=all_of(guard),
            updates=merge(*parts),
            text="every broker loses power at the same instant; " + "; ".join(details),
            text_args=args,
            fault="simultaneous_power_loss",
            hazard=(
                f"flush.messages={b.topic.flush_messages}: acks=all only means every ISR member "
                "has the message in page cache"
            ),
            fix="flush.messages=1 on the topic (or replicas in separate power domains)",
        )
    )


def _blackout(
    b: ModelBuilder, keeps: tuple[int | None, ...]
) -> tuple[list[Expr], list[Updates], str, str, dict[str, Expr]]:
    """The focused partition's share of a datacenter power loss."""
    tag = f"p{b.in_focus.index}_" if b.multi else ""
    ups: Updates = {b.leader.name: ite(TRUE, b.none_replica, 0)}
    guard: list[Expr] = []
    for r in range(b.replicas):
        keep = keeps[r]
        kept: Expr = b.leo(r)
        if keep is not None:
            guard.append(b.leo(r) >= keep)
            kept = ite(TRUE, keep, 0)
            ups.update(b.truncate_to(r, kept))
        elif b.track_flush:
            kept = b.flushed(r)
            ups.update(_lose_unflushed(b, r))
        if b.legacy_truncation:
            ups[b.fhw(r).name] = minimum([ite(b.leader.eq(r), b.hw, b.fhw(r)), kept])
        if b.elr:
            # every ISR member leaves an (empty) ISR and becomes an eligible leader
            ups[b.in_isr(r).name] = ite(TRUE, 0, 0)
            ups[b.in_elr(r).name] = ite(b.in_isr(r).is_true(), 1, b.in_elr(r))
    if b.elr:
        ups[b.last_leader.name] = ite(b.leader.ne(b.none_replica), b.leader, b.last_leader)
    parts = [ups, *requests_fail(b, b.leader.ne(b.none_replica))]
    if all(k is None for k in keeps):
        lost = ", ".join(f"{b.broker_name(r)} keeps {{{tag}f{r}}}" for r in range(b.replicas))
        args = {f"{tag}f{r}": b.flushed(r) for r in range(b.replicas)}
        return guard, parts, f"each keeps only its flushed prefix ({lost} entries)", "", args
    lost = ", ".join(
        f"{b.broker_name(r)} kept {k} of its {{{tag}l{r}}} entries" for r, k in enumerate(keeps)
    )
    args = {f"{tag}l{r}": b.leo(r) for r in range(b.replicas)}
    detail = f"each keeps only what its OS had written to disk: {lost}"
    return guard, parts, detail, ",".join(str(k) for k in keeps), args


def _restart(b: ModelBuilder, r: int, hosted: list[Partition]) -> None:
    ups: Updates = {b.alive(r).name: ite(TRUE, 1, 1)}
    text = f"{b.broker_name(r)} restarts with {{leo}} entries in its log"
    if b.multi:
        text = f"{b.broker_name(r)} restarts"
    args: dict[str, Expr] = {}
    for part in hosted:
        with b.focus(part):
            ups[b.known(r).name] = ite(TRUE, -1, 0)
            if not b.multi:
                args["leo"] = b.leo(r)
            if b.legacy_truncation:
                # Before 0.11 a broker that becomes a follower truncates to its own HW
                # (KIP-101): at once when there is a leader to follow; otherwise at the next
                # election, unless it is elected itself.
                for name, expr in b.truncate_to(r, b.fhw(r)).items():
                    ups[name] = ite(b.leader.ne(b.none_replica), expr, b.v(name))
                if not b.multi:
                    text += (
                        " (before 0.11: if a leader is up, it truncates them to its high "
                        "watermark {fhw})"
                    )
                    args["fhw"] = b.fhw(r)
            if b.elr:
                # KIP-966: a broker that did not shut down cleanly leaves the ELR.
                ups[b.in_elr(r).name] = ite(TRUE, 0, 0)
    if b.multi and any(part.legacy_truncation for part in hosted):
        text += " (before 0.11: where a leader is up, it truncates each log to its high watermark)"
    if any(part.elr for part in hosted):
        text += "; it did not shut down cleanly, so it is no longer an eligible leader replica"
    guard: Expr = b.alive(r).eq(0)
    if isolation_state.connected(b, r):
        # an isolated broker's process is running: it heals, it does not restart
        guard = all_of([guard, *isolation_state.connected(b, r)])
    if b.has(f"clean_{r}"):
        # after a controlled shutdown the broker restarts clean (shutdown.py)
        guard = all_of([guard, b.v(f"clean_{r}").eq(0)])
        shutdown.restart_clean(b, r, hosted)
    b.add(
        Action(
            name=f"restart({r})",
            kind="restart",
            actor=f"broker:{r + 1}",
            guard=guard,
            updates=ups,
            text=text,
            text_args=args,
            params={"broker": r},
        )
    )
    if not b.multi and b.legacy_truncation and b.spec.faults.broker_crash > 0:
        _bounce(b, r)


def _bounce(b: ModelBuilder, r: int) -> None:
    """A follower process restarts within zookeeper.session.timeout.ms: the controller
    never notices, so it stays in the ISR, but before 0.11 it truncates its log to its own
    HW on the way back (KIP-101 scenario 1)."""
    ups: Updates = b.spend("broker_crash")
    ups.update(b.truncate_to(r, b.fhw(r)))
    b.add(
        Action(
            name=f"bounce({r})",
            kind="broker_crash",
            actor=f"broker:{r + 1}",
            guard=all_of(
                [
                    b.alive(r).is_true(),
                    b.leader.ne(r),
                    b.leader.ne(b.none_replica),
                    b.budget("broker_crash") > 0,
                    b.leo(r) > b.fhw(r),
                ]
            ),
            updates=ups,
            text=(
                f"follower {b.broker_name(r)} crashes and restarts before the controller notices "
                "(within zookeeper.session.timeout.ms), so it stays in the ISR; on startup it "
                "truncates its log from {leo} to its high watermark {fhw} (before 0.11)"
            ),
            text_args={"leo": b.leo(r), "fhw": b.fhw(r)},
            params={"broker": r},
            fault="broker_crash",
            hazard=(
                f"Kafka {b.spec.kafka_version}: a restarted follower truncates to its high "
                "watermark, which trails the leader's"
            ),
            fix="upgrade to Kafka 0.11 or later (leader-epoch truncation, KIP-101)",
        )
    )


def _flush(b: ModelBuilder, r: int) -> None:
    fl = b.flushed_var(r)
    b.add(
        Action(
            name=f"flush({r})",
            kind="flush",
            actor=f"broker:{r + 1}",
            guard=fl < b.leo(r),
            updates={fl.name: fl + 1},
            text=f"the OS writes offset {{off}} of {b.broker_name(r)}'s log to disk",
            text_args={"off": fl},
            params={"broker": r},
        )
    )


def storage_note(b: ModelBuilder) -> str:
    """Where an append to the partition in focus lands before the response is sent."""
    if b.topic.flush_messages == 1:
        return "flushed to disk before the response, flush.messages=1"
    return "page cache, not flushed"


def flush_on_append(b: ModelBuilder, r: int, new_leo: int) -> Updates:
    """flush.messages=N: the append that leaves N unflushed messages flushes the log
    (UnifiedLog: flush when unflushedMessages >= flushInterval)."""
    if not b.track_flush:
        return {}
    flushed = b.flushed_var(r)
    interval = b.topic.flush_messages
    if interval >= b.capacity + 1:
        return {}
    return {flushed.name: ite((new_leo - flushed) >= interval, new_leo, flushed)}
