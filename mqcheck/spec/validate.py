"""Kafka's own refusals, per version, and the cross-references between sections.

A configuration Kafka refuses (its ConfigException cases) never runs, so there is nothing to
check: the spec is invalid and the message quotes Kafka. The producer rules are the subtle ones,
because Kafka derives acks, retries and max.in.flight from enable.idempotence and refuses or
silently disables idempotence depending on what the user set explicitly. The rules follow
KafkaProducer.java / ProducerConfig.java at each release tag:

- 0.11: enable.idempotence needs acks=all, retries>0 and max.in.flight=1; unset acks/retries/
  max.in.flight are overridden to -1 / Integer.MAX_VALUE / 1 (KIP-98).
- 1.0 to 2.8: the same, but max.in.flight may be up to 5 (KAFKA-5494).
- 3.0 (KIP-679): enable.idempotence defaults to true -- but in 3.0.0 and 3.1.0 the default was
  not applied: idempotence was on only when set explicitly or with a transactional.id
  (KAFKA-13598, fixed in 3.0.1, 3.1.1 and 3.2.0).
- 3.0.1+/3.1.1+/3.2+: an explicit enable.idempotence=true with a conflicting acks, retries or
  max.in.flight is refused; with idempotence only defaulted, the conflict silently disables it
  (ProducerConfig.postProcessAndValidateIdempotenceConfigs); a transactional.id then is refused.
- 4.0+ (KAFKA-17927, releases.py): with idempotence on, explicitly or by default,
  max.in.flight above 5 is refused ("To use the idempotent producer, ..."), never a silent
  switch-off; retries=0 or acks != all still switch a defaulted idempotence off.
- 2.1+ (KIP-91): an explicit delivery.timeout.ms below linger.ms + request.timeout.ms is refused;
  the default is raised to that sum.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from mqcheck.spec.errors import Problems, did_you_mean, one_of
from mqcheck.spec.releases import rule_since
from mqcheck.spec.schema import INT_MAX, KafkaVersion
from mqcheck.spec.versions import ParsedVersion

MSG_ACKS = (
    "Must set acks to all in order to use the idempotent producer. "
    "Otherwise we cannot guarantee idempotence."
)
MSG_RETRIES = "Must set retries to non-zero when using the idempotent producer."
MSG_IN_FLIGHT_5 = (
    "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer."
)
# 0.11's text, missing space included (KafkaProducer.configureInflightRequests at 0.11.0.0).
MSG_IN_FLIGHT_1 = (
    "Must set max.in.flight.requests.per.connection to 1 in orderto use the idempotent "
    "producer. Otherwise we cannot guarantee idempotence."
)
# ProducerConfig from 4.0 (KAFKA-17927; read in a 4.2+ trunk state), thrown whenever idempotence is on.
MSG_IN_FLIGHT_4X = (
    "To use the idempotent producer, max.in.flight.requests.per.connection must be set to at "
    "most 5. Current value is {value}."
)
MSG_TRANSACTIONAL = "Cannot set a transactional.id without also enabling idempotence."
MSG_DELIVERY = (
    "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"
)
MSG_CONSUMER_TIMEOUT = (
    "request.timeout.ms should be greater than session.timeout.ms and fetch.max.wait.ms"
)

_TOPIC_NAME = re.compile(r"^[a-zA-Z0-9._-]+$")


def kafka_refuses(message: str) -> str:
    return f'Kafka refuses this configuration: "{message}"'


@dataclass(frozen=True)
class ProducerGiven:
    """What the spec set explicitly (None: left out) plus the timeouts that bound delivery."""

    acks: int | None = None
    enable_idempotence: bool | None = None
    retries: int | None = None
    max_in_flight: int | None = None
    delivery_timeout_ms: int | None = None
    transactional_id: str | None = None
    linger_ms: int = 0  # given or the version default
    request_timeout_ms: int = 30000


@dataclass
class ProducerOutcome:
    """The effective producer settings after Kafka's rules, with why each derived one changed."""

    acks: int
    enable_idempotence: bool
    retries: int
    max_in_flight: int
    delivery_timeout_ms: int
    derived: dict[str, str] = field(default_factory=dict)  # property -> note
    refusals: list[tuple[str, str]] = field(default_factory=list)  # (property, Kafka's message)


def _legacy_idempotence(version: ParsedVersion) -> bool:
    """Before KIP-679 took effect: idempotence only when asked for (explicit or transactional)."""
    if not version.version.at_least(3, 0):
        return True
    return version.line in ((3, 0), (3, 1)) and version.patch[:1] == (0,)


def producer_config(version: ParsedVersion, given: ProducerGiven) -> ProducerOutcome:
    """Apply Kafka's producer rules for `version` to what the spec set."""
    v = version.version
    outcome = ProducerOutcome(
        acks=given.acks if given.acks is not None else (-1 if v.at_least(3, 0) else 1),
        enable_idempotence=False,
        retries=given.retries
        if given.retries is not None
        else (INT_MAX if v.at_least(2, 1) else 0),
        max_in_flight=given.max_in_flight if given.max_in_flight is not None else 5,
        delivery_timeout_ms=INT_MAX,
    )
    if v.at_least(0, 11):
        if _legacy_idempotence(version):
            _legacy_rules(version, given, outcome)
        else:
            _kip679_rules(given, outcome, v.at_least(*rule_since("KAFKA-17927")))
    if v.at_least(2, 1):
        _delivery_timeout(given, outcome)
    else:
        outcome.derived["delivery.timeout.ms"] = (
            "no delivery.timeout.ms before Kafka 2.1 (KIP-91): a send fails only when its "
            "retries run out"
        )
    return outcome


def _legacy_rules(version: ParsedVersion, given: ProducerGiven, outcome: ProducerOutcome) -> None:
    transactional = given.transactional_id is not None
    if given.enable_idempotence is False and transactional:
        outcome.refusals.append(("transactional.id", MSG_TRANSACTIONAL))
    enabled = bool(given.enable_idempotence) or transactional
    if version.version.at_least(3, 0) and given.enable_idempotence is None and not transactional:
        outcome.derived["enable.idempotence"] = (
            f"Kafka {version.text} does not apply the KIP-679 default (KAFKA-13598, fixed in "
            "3.0.1/3.1.1/3.2.0): idempotence is off unless set explicitly"
        )
    outcome.enable_idempotence = enabled
    if not enabled:
        return
    if given.enable_idempotence is None:
        outcome.derived["enable.idempotence"] = (
            "transactional.id implies enable.idempotence (KIP-98)"
        )
    if given.retries is None:
        if outcome.retries != INT_MAX:
            outcome.derived["retries"] = (
                "idempotent producer: Kafka overrides retries to 2147483647"
            )
        outcome.retries = INT_MAX
    elif given.retries == 0:
        outcome.refusals.append(("retries", MSG_RETRIES))
    if given.acks is None:
        if outcome.acks != -1:
            outcome.derived["acks"] = "idempotent producer: Kafka overrides acks to all"
        outcome.acks = -1
    elif given.acks != -1:
        outcome.refusals.append(("acks", MSG_ACKS))
    if not version.version.at_least(1, 0):  # 0.11: one request in flight (KAFKA-5494 lifted it)
        if given.max_in_flight is None:
            outcome.max_in_flight = 1
            outcome.derived["max.in.flight.requests.per.connection"] = (
                "idempotent producer on 0.11: Kafka overrides it to 1"
            )
        elif given.max_in_flight != 1:
            outcome.refusals.append(("max.in.flight.requests.per.connection", MSG_IN_FLIGHT_1))
    elif outcome.max_in_flight > 5:
        outcome.refusals.append(("max.in.flight.requests.per.connection", MSG_IN_FLIGHT_5))


def _kip679_rules(
    given: ProducerGiven, outcome: ProducerOutcome, in_flight_always_refused: bool
) -> None:
    explicit = given.enable_idempotence is not None
    enabled = given.enable_idempotence if explicit else True
    if enabled and in_flight_always_refused and outcome.max_in_flight > 5:
        # Kafka checks it after retries and acks, whatever they decided (ProducerConfig 4.2+)
        message = MSG_IN_FLIGHT_4X.format(value=outcome.max_in_flight)
        outcome.refusals.append(("max.in.flight.requests.per.connection", message))
    if enabled:
        conflicts = [
            ("retries", outcome.retries == 0, MSG_RETRIES, "retries is set to 0"),
            ("acks", outcome.acks != -1, MSG_ACKS, f"acks is set to {outcome.acks}, not 'all'"),
            (
                "max.in.flight.requests.per.connection",
                outcome.max_in_flight > 5 and not in_flight_always_refused,
                MSG_IN_FLIGHT_5,
                f"max.in.flight.requests.per.connection is {outcome.max_in_flight}, above 5",
            ),
        ]
        for key, conflict, message, reason in conflicts:
            if not conflict:
                continue
            if explicit:
                outcome.refusals.append((key, message))
            elif enabled:
                enabled = False
                outcome.derived["enable.idempotence"] = (
                    f"default true (KIP-679), silently disabled because {reason} "
                    "(ProducerConfig, KAFKA-13598)"
                )
    outcome.enable_idempotence = bool(enabled)
    if not enabled and given.transactional_id is not None:
        outcome.refusals.append(("transactional.id", MSG_TRANSACTIONAL))


def _delivery_timeout(given: ProducerGiven, outcome: ProducerOutcome) -> None:
    floor = min(given.linger_ms + given.request_timeout_ms, INT_MAX)
    if given.delivery_timeout_ms is not None:
        outcome.delivery_timeout_ms = given.delivery_timeout_ms
        if given.delivery_timeout_ms < floor:
            outcome.refusals.append(("delivery.timeout.ms", MSG_DELIVERY))
        return
    outcome.delivery_timeout_ms = 120000
    if floor > 120000:
        outcome.delivery_timeout_ms = floor
        outcome.derived["delivery.timeout.ms"] = (
            "raised to linger.ms + request.timeout.ms, as Kafka does (KIP-91)"
        )


def consumer_timeouts_refused(
    version: KafkaVersion, request_timeout_ms: int, session_timeout_ms: int, fetch_max_wait_ms: int
) -> bool:
    """0.10 to 1.1: KafkaConsumer refuses request.timeout.ms <= session.timeout.ms or
    <= fetch.max.wait.ms (dropped in 2.0 with KIP-266)."""
    if version.at_least(2, 0):
        return False
    return request_timeout_ms <= session_timeout_ms or request_timeout_ms <= fetch_max_wait_ms


def replication_factor_refusal(version: KafkaVersion, replication_factor: int, brokers: int) -> str:
    """Kafka's InvalidReplicationFactorException text, or "" when the topic can be created."""
    if replication_factor <= brokers:
        return ""
    if version.at_least(4, 0):  # KRaft only: StripedReplicaPlacer
        return (
            f"The target replication factor of {replication_factor} cannot be reached because "
            f"only {brokers} broker(s) are registered."
        )
    return f"Replication factor: {replication_factor} larger than available brokers: {brokers}."


def topic_name_refusal(name: str) -> str:
    """Kafka's InvalidTopicException text (Topic.validate), or "" for a legal name."""
    if name in (".", ".."):
        return 'Topic name cannot be "." or ".."'
    if len(name) > 249:
        return f"Topic name is illegal, it can't be longer than 249 characters, topic name: {name}"
    if not name:
        return "Topic name is illegal, it can't be empty"
    if not _TOPIC_NAME.match(name):
        return (
            f'Topic name "{name}" is illegal, it contains a character other than ASCII '
            "alphanumerics, '.', '_' and '-'"
        )
    return ""


def check_topic_reference(
    problems: Problems,
    key_path: str,
    position: tuple[int, int] | None,
    name: str,
    topics: Collection[str],
) -> None:
    """A producer's topic, a consumer's topic or a processor's from/to must be declared."""
    if name in topics:
        return
    problems.add(
        key_path,
        f"unknown topic '{name}': it is not declared under topics",
        position,
        expected=one_of(sorted(topics)) if topics else "a topic declared under topics:",
        hint=did_you_mean(name, topics),
    )
