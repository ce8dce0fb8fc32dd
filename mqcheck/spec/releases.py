"""Kafka releases from 4.2 on, one record per release: what its upgrade notes change, where
those notes were read, and what each change means for the model.

Why a record per release: the lines up to 4.1 were added by editing the property rows
directly (their history is in `kafka_properties*.py`). From 4.2 on, a release is added in one
place, here: its line, the notes it was checked against, every entry of those notes that
touches a property or behaviour mqcheck knows, the defaults it changes, the bounds and
properties it adds. `versions.py` reads the lines from here and both property tables apply
the rest (`release_rows.py`), so adding 4.5 is one new `Release` at the end of `RELEASES`
(and a row in docs/semantics.md §7 when it changes the model).

A release whose notes could not be verified stays a record with `refusal` set: its line is
then refused with that explanation (exit 2), never checked with guessed defaults.

This module imports only `property_kinds` (`versions.py` depends on it);
`release_rows.py` turns a record into catalog rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from mqcheck.spec.property_kinds import PropType, Scope

Line = tuple[int, int]


@dataclass(frozen=True)
class Note:
    """One entry of a release's upgrade notes and what it means for mqcheck."""

    change: str  # what the notes say, shortly
    source: str  # the KIP / JIRA / notes section that says it
    model: str  # its effect on the model or the catalog ("none: ..." when there is none)


@dataclass(frozen=True)
class AddedProperty:
    """A property the release adds, with the default its notes give (not modelled)."""

    name: str
    scope: Scope
    type: PropType
    default: object
    source: str


@dataclass(frozen=True)
class ChangedDefault:
    """A property whose default this release changes."""

    name: str
    scope: Scope
    value: object
    source: str


@dataclass(frozen=True)
class LowerBound:
    """A new ConfigDef lower bound on an existing property, from this release on."""

    name: str
    scope: Scope
    minimum: int
    source: str


@dataclass(frozen=True)
class Rule:
    """A ConfigException rule or behaviour that mqcheck applies from this release on; the code
    that applies it asks `rule_since(key)` for the line, so the line is written only here."""

    key: str  # the JIRA / KIP that introduced it
    text: str
    source: str  # where it was read
    #: the first line it applies to when that is earlier than the record that documents it
    #: (the change was read in this release's code, but went into an earlier release)
    since: Line | None = None


@dataclass(frozen=True)
class Release:
    line: Line
    notes_read: str  # where the upgrade notes were read: repository, file and commit
    notes: tuple[Note, ...]
    changed_defaults: tuple[ChangedDefault, ...] = ()
    added: tuple[AddedProperty, ...] = ()
    lower_bounds: tuple[LowerBound, ...] = ()
    rules: tuple[Rule, ...] = ()
    #: LIST-typed properties may have a different default from this release on, but the
    #: notes do not say which (KIP-1161); their 4.1 defaults are shown with this caveat.
    list_default_caveat: str = ""
    refusal: str = ""  # non-empty: the line is known but refused, for this reason


_TRUNK_NOTES = (
    "apache/kafka docs/getting-started/upgrade.md at 0154ac12 (trunk, 4.3 in development)"
)
_FORK_NOTES = (
    "omkreddy/kafka (a fork of apache/kafka) docs/getting-started/upgrade.md at 4557a284 "
    "(4.4 in development; has the 4.2.1 section, not yet 4.3.1)"
)

KAFKA_4_2 = Release(
    line=(4, 2),
    notes_read=f"{_TRUNK_NOTES}; {_FORK_NOTES}",
    notes=(
        Note(
            "Queues for Kafka (share groups) is production-ready",
            "KIP-932; notes 'Notable changes in 4.2.0'",
            "`share_consumers:` is read, checked against Kafka's rules and modelled from 4.2 "
            "(refused with the version before; semantics §4.13)",
        ),
        Note(
            "Streams Rebalance Protocol production-ready for its core feature set",
            "KIP-1071; notes 4.2.0 (migration bug KAFKA-20254, fixed in 4.2.1)",
            "none: rebalances are modelled by their effect (a task or partition moves: "
            "group_rebalance, consumer_stall; semantics §2.17, §4.10), not by the protocol "
            "that computes the assignment",
        ),
        Note(
            "num.replica.fetchers has a new lower bound of 1",
            "notes 'Notable changes in 4.2.0'",
            "ConfigException rule: num.replica.fetchers below 1 is refused from 4.2",
        ),
        Note(
            "LIST-type configurations: stricter validation, some defaults adjusted, "
            "cleanup.policy may be empty (infinite retention)",
            "KIP-1161; notes 'Notable changes in 4.2.0'",
            "retention is modelled (semantics §4.12): an empty cleanup.policy deletes nothing "
            "by retention; which LIST defaults changed is not in the notes, so LIST defaults "
            "from 4.2 carry a 'not verified' caveat",
        ),
        Note(
            "controller.quorum.auto.join.enable added, default false",
            "KIP-853; notes 'Notable changes in 4.2.0'",
            "catalog: a new not-modelled broker property",
        ),
        Note(
            "PARTITIONER_ADPATIVE_PARTITIONING_ENABLE_CONFIG constant deprecated (the property "
            "name is unchanged); remote.log.manager.thread.pool.size deprecated",
            "notes 'Notable changes in 4.2.0'",
            "none: deprecations only",
        ),
        Note(
            "4.2.1: fixes a share-group deadlock (KAFKA-20505) and an UnsupportedVersionException "
            "for transactional producers during a rolling upgrade (KAFKA-20322)",
            "notes 'Notable changes in 4.2.1'",
            "none: rolling upgrades are not modelled, and the share-group model is not built "
            "yet (a spec with share consumers is refused)",
        ),
        Note(
            "max.in.flight.requests.per.connection above 5 with a defaulted idempotence is "
            "refused, not a silent switch-off (not in the notes; read in ProducerConfig)",
            "KAFKA-17927; ProducerConfig at apache/kafka 0106e705",
            "ConfigException rule, applied from 4.0 (KAFKA-17927 went into 4.0; validate.py); "
            "the spec is refused, exit 2",
        ),
        Note(
            "no change to the defaults of acks, enable.idempotence, retries, "
            "delivery.timeout.ms, min.insync.replicas, unclean.leader.election.enable, "
            "eligible.leader.replicas.version, isolation.level, auto.offset.reset, "
            "enable.auto.commit, group.protocol, nor to transactions (KIP-890, on since 4.0)",
            "notes 4.2.0 and 4.2.1: no entry for any of them",
            "the model behaves as for 4.1",
        ),
    ),
    added=(
        AddedProperty("controller.quorum.auto.join.enable", "broker", "bool", False, "KIP-853"),
    ),
    lower_bounds=(LowerBound("num.replica.fetchers", "broker", 1, "notes 4.2.0"),),
    rules=(
        Rule(
            "KAFKA-17927",
            "with idempotence on, explicitly or by default, max.in.flight.requests.per.connection "
            "above 5 is a ConfigException (before: a defaulted idempotence was silently "
            "disabled)",
            "ProducerConfig.postProcessAndValidateIdempotenceConfigs at apache/kafka 0106e705 "
            "(a 4.2+ trunk state: it has KIP-1161's ValidList.anyNonDuplicateValues); "
            "applied from 4.0: KAFKA-17927's PR #17717 (\"As idempotent producer is the "
            'default behavior in 4.0, we should add a upper bound (5)") was merged into trunk '
            "on 2024-11-08, before the 4.0 branch, and removes 3.x's warning \"Idempotence "
            'will be disabled ... in v4.0.0 and onward, this will become an error"',
            since=(4, 0),
        ),
    ),
    list_default_caveat=(
        "4.1 default shown; KIP-1161 (4.2) adjusted some LIST defaults without naming them "
        "in the notes: not verified for this property"
    ),
)

KAFKA_4_3 = Release(
    line=(4, 3),
    notes_read=_FORK_NOTES,
    notes=(
        Note(
            "share.delivery.count.limit, share.partition.max.record.locks, "
            "share.renew.acknowledge.enable group configs",
            "KIP-1240; notes 'Notable changes in 4.3.0'",
            "share.delivery.count.limit is accepted under a share consumer from 4.3 (on 4.2 "
            "it is refused with the hint group.share.delivery.count.limit) and bounded by "
            "group.share.min/max.delivery.count.limit; share.partition.max.record.locks and "
            "share.renew.acknowledge.enable (RENEW, KIP-1222) are not read",
        ),
        Note(
            "group.consumer.assignment.interval.ms (and share/streams): assignment updates "
            "every 1 s by default, before effectively 0",
            "KIP-1263; notes 'Notable changes in 4.3.0'",
            "none: time is not modelled (semantics §8.2); a rebalance is one step whenever "
            "it happens (§4.10), so the assignment interval changes no verdict",
        ),
        Note(
            "group.coordinator.background.threads added, two threads by default",
            "KIP-1263; notes 'Notable changes in 4.3.0'",
            "catalog: a new not-modelled broker property",
        ),
        Note(
            "remote.log.metadata.topic.min.isr added, default 2",
            "KIP-1235; notes 'Notable changes in 4.3.0'",
            "none: accepted, as in every line, through the not-modelled remote.log.* family "
            "(an own row would refuse it before 4.3 and change existing answers)",
        ),
        Note(
            "follower.fetch.last.tiered.offset.enable added, default false",
            "KIP-1023; notes 'Notable changes in 4.3.0'",
            "catalog: a new not-modelled broker property",
        ),
        Note(
            "group.coordinator.rebalance.protocols deprecated (removed in 5.0)",
            "KIP-1237; notes 'Notable changes in 4.3.0'",
            "none: still accepted",
        ),
        Note(
            "group.coordinator.cached.buffer.max.bytes, share.coordinator.cached.buffer.max.bytes "
            "added",
            "KIP-1196; notes 'Notable changes in 4.3.0'",
            "not in the catalog: the notes give no default (a spec naming them is refused as an "
            "unknown property)",
        ),
        Note(
            "no change to the defaults or behaviour of any modelled property (as for 4.2)",
            "notes 4.3.0: no entry for any of them",
            "the model behaves as for 4.1",
        ),
    ),
    added=(
        AddedProperty("group.coordinator.background.threads", "broker", "int", 2, "KIP-1263"),
        AddedProperty(
            "follower.fetch.last.tiered.offset.enable", "broker", "bool", False, "KIP-1023"
        ),
    ),
)

_RELEASED_44 = (
    "kafka.apache.org/44/getting-started/upgrade/ (the released 4.4 documentation, published "
    "by kafka-site b70dc484a2 on 2026-10-22; its opening bullets were read) with the trunk "
    "notes of the 4.4 cycle for the rest: omkreddy/kafka docs/getting-started/upgrade.md at "
    "4557a284, popsunlake/kafka at 1b2e0764, and the review of apache/kafka PR #22977 (KIP-1232)"
)

KAFKA_4_4 = Release(
    line=(4, 4),
    notes_read=_RELEASED_44,
    notes=(
        Note(
            "ClientQuotaCallback#updateClusterMetadata deprecated with a default no-op "
            "(KIP-1200); PEM keystores use KeyStore.getDefaultType(); directories formatted by "
            "kafka-storage are no longer forward-compatible (KIP-1170)",
            "notes 'Notable changes in 4.4.0' (released page)",
            "none on the model",
        ),
        Note(
            "protocol readers reject arrays over 1,000,000 elements and tagged-field sections "
            "over 10,000 fields before allocating",
            "notes 'Notable changes in 4.4.0' (released page)",
            "none on the model",
        ),
        Note(
            "remote.copy.lag.ms / remote.copy.lag.bytes (topic) and log.remote.copy.lag.* "
            "(broker) delay tiered-storage uploads (KIP-1241, opt-in)",
            "KIP-1241; notes 'Notable changes in 4.4.0' (released page)",
            "not in the catalog: tiered storage is not modelled and the notes give no default "
            "(a spec naming them is refused as an unknown property)",
        ),
        Note(
            "OAUTHBEARER: a broker with a JWKS URL and no expected audience/issuer refuses to "
            "start (sasl.oauthbearer.allow.unverified.audience/issuer opt out); broker.id "
            "deprecated for node.id (KIP-1232); Yammer group-coordinator metrics deprecated "
            "(KIP-1301); kafka-broker-api-versions.sh deprecated (KIP-1220)",
            "4.4 trunk notes (omkreddy 4557a284, popsunlake 1b2e0764, PR #22977); merged "
            "before the 29 July 2026 feature freeze",
            "none on the model: security and tooling",
        ),
        Note(
            "share groups: kafka-share-groups.sh can initialise share-group offsets from a "
            "file (KIP-1323)",
            "KIP-1323; 4.4 trunk notes",
            "none: tooling; the share partition's start offset rules (§4.13) are unchanged",
        ),
        Note(
            "no change to the default or behaviour of any modelled property (producer, "
            "consumer, share consumer, broker, topic, transactions, ELR)",
            "released notes 4.4.0 and the 4.4 trunk notes: no entry for any of them",
            "the model behaves as for 4.3",
        ),
    ),
)

#: Every release from 4.2 on, oldest first. Add the next one at the end.
RELEASES: tuple[Release, ...] = (KAFKA_4_2, KAFKA_4_3, KAFKA_4_4)


def checked_lines() -> tuple[Line, ...]:
    """The lines from 4.2 on that mqcheck checks (their notes were verified)."""
    return tuple(release.line for release in RELEASES if not release.refusal)


def rule_since(key: str) -> Line:
    """The first line that applies rule `key` (a `Rule` of some release)."""
    for release in RELEASES:
        for rule in release.rules:
            if rule.key == key:
                return rule.since or release.line
    raise KeyError(key)


def refusal(line: Line) -> str:
    """Why a known release line is refused, or "" when it is checked or not a release here."""
    for release in RELEASES:
        if release.line == line:
            return release.refusal
    return ""
