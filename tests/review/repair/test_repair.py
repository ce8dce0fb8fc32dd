"""`mqcheck repair`: every repair reported is a configuration the explicit engine checked
and found to hold; a spec that holds gets an empty repair; a spec no configuration can save
says so and names the fault to exclude; -o keeps the spec's text and reloads to the repair."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.review.repair.cost import TABLE, change_cost
from mqcheck.review.repair.rules import rules, valid
from mqcheck.review.repair.search import Options, Repair, repair
from mqcheck.review.repair.solver import Proposer
from mqcheck.review.repair.space import SpaceError, search_space
from mqcheck.review.repair.write import fixed_text
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec, load_spec_text
from tests.factories import make_spec

ROOT = Path(__file__).resolve().parents[3]

# A consumer that starts at the log end after a crash before its first commit.
LATE = """\
# keep this comment
mqcheck: 1
name: late-reader
kafka_version: "3.7"
cluster: {brokers: 1}
topics:
  events: {partitions: 1, replication.factor: 1}   # one replica is enough here
producers:
  app:
    topic: events
    acks: all
    app: {on_send_error: resend}
consumers:
  reader:
    topic: events
    group.id: reader
    enable.auto.commit: false
    auto.offset.reset: latest     # the hazard
    app: {commit: after_processing}
faults: {consumer_crash: 1}
check: {guarantees: [at-least-once], messages: 1}
expect:
  at-least-once: violated
"""

# Nothing in the configuration helps when the application may not change: a crashed
# producer takes the unsent record with it and the application never sends it again.
CRASH = """\
mqcheck: 1
name: producer-crash-drop
kafka_version: "3.7"
cluster: {brokers: 1}
topics:
  events: {partitions: 1, replication.factor: 1}
producers:
  app: {topic: events, acks: all, app: {on_send_error: drop}}
consumers:
  reader: {topic: events, group.id: reader, enable.auto.commit: false,
           auto.offset.reset: earliest, app: {commit: after_processing}}
faults: {producer_crash: 1, consumer_crash: 1}
check: {guarantees: [at-least-once], messages: 1}
"""


def _run(text: str, guarantee: str = "at-least-once", **options: object) -> Repair:
    loaded = load_spec_text(text, "<test>")
    assert loaded.spec is not None, loaded.errors
    return repair(loaded.spec, loaded.data(), guarantee, Options(**options))  # type: ignore[arg-type]


def _verified(found: Repair, text: str) -> None:
    """Every alternative, written into the text and loaded afresh, holds."""
    assert found.alternatives
    costs = [a.cost for a in found.alternatives]
    assert costs == sorted(costs)
    for n, a in enumerate(found.alternatives):
        assert a.result.verdict == "holds" and a.result.engine == "explicit"
        fixed = load_spec_text(fixed_text(found, text, n).text, "<fixed>")
        assert fixed.spec is not None
        (again,) = check_spec(fixed.spec, [found.guarantee], "explicit").results
        assert again.verdict == "holds"


# ---- the search space, the rules and the cost -------------------------------------------


def test_the_space_holds_what_the_model_reads_and_nothing_fixed() -> None:
    space = search_space(make_spec(faults={"broker_crash": 1}))
    names = {k.name for k in space.knobs}
    assert {"acks", "enable.idempotence", "min.insync.replicas", "flush.messages"} <= names
    assert {"app.commit", "app.idempotent", "auto.offset.reset", "app.on_send_error"} <= names
    # read only for the narrative, a fact of the deployment, or the fault model
    assert not names & {"delivery.timeout.ms", "auto.commit.interval.ms", "app.joins"}
    assert not names & {"broker_crash", "brokers", "max.request.size", "max.message.bytes"}
    assert all(k.current in k.domain for k in space.knobs)
    rf = next(k for k in space.knobs if k.name == "replication.factor")
    assert rf.domain == (1, 2, 3)  # up to the brokers


def test_retention_is_a_knob_only_where_the_fault_can_strike() -> None:
    names = {k.name for k in search_space(make_spec(faults={"broker_crash": 1})).knobs}
    assert not names & {"retention.ms", "retention.bytes"}
    space = search_space(make_spec(faults={"retention_passes_consumer": 1}))
    ms = next(k for k in space.knobs if k.name == "retention.ms")
    assert ms.domain == (604800000, -1) and ms.writes(-1) == (
        (("topics", "events", "retention.ms"), -1),
    )
    # retention.bytes is -1 by default: no limit to lift, no knob
    assert "retention.bytes" not in {k.name for k in space.knobs}


def test_allow_and_freeze_widen_and_narrow_it() -> None:
    spec = make_spec(faults={"broker_crash": 1}, message_bytes=2_000_000)
    wide = {
        k.name for k in search_space(spec, allow=("faults.broker_crash", "cluster.brokers")).knobs
    }
    assert {"broker_crash", "brokers", "max.request.size", "max.message.bytes"} <= wide
    narrow = {k.name for k in search_space(spec, freeze=("app", "acks")).knobs}
    assert not any(n.startswith("app.") for n in narrow) and "acks" not in narrow
    with pytest.raises(SpaceError):
        search_space(spec, allow=("acks",))
    with pytest.raises(SpaceError):
        search_space(spec, freeze=("ackz",))


def test_kafkas_refusals_are_constraints() -> None:
    spec = make_spec()
    space = search_space(spec)
    table = rules(space, spec)
    index = space.index()
    config = list(space.current())
    assert valid(config, table)
    config[index["producer:app acks"]] = 1  # idempotent producer with acks=1
    assert not valid(config, table)
    config[index["producer:app enable.idempotence"]] = False
    assert valid(config, table)


def test_the_proposer_offers_the_cheapest_valid_configuration() -> None:
    spec = make_spec(acks=1, idempotence=False)
    space = search_space(spec)
    proposer = Proposer(space, rules(space, spec))
    assert proposer.propose() == space.current()  # nothing learned: no change is cheapest
    index = space.index()
    proposer.exclude(space.current(), [index["producer:app acks"]])
    proposal = proposer.propose()
    assert proposal is not None and proposal[index["producer:app acks"]] != 1
    acks = space.knobs[index["producer:app acks"]]
    assert proposer.cost(proposal) == min(change_cost(acks, v) for v in (0, -1))
    proposer.exclude(proposal, range(len(proposal)))
    assert proposer.propose() not in (proposal, space.current())


def test_every_cost_entry_is_documented() -> None:
    doc = (ROOT / "docs" / "repair.md").read_text(encoding="utf-8")
    for entry in TABLE:
        assert f"`{entry.name}`" in doc, entry.name


# ---- the search ---------------------------------------------------------------------------


def test_a_violated_spec_gets_a_verified_repair() -> None:
    found = _run(LATE)
    assert found.status == "repaired" and found.exit_code() == 0
    first = found.alternatives[0]
    assert [(c.knob.name, c.new) for c in first.changes] == [("auto.offset.reset", "earliest")]
    _verified(found, LATE)


def test_a_consumer_group_is_repaired_as_one_configuration() -> None:
    """One knob sets every member (members must stay alike, model/group_members.py): the
    cooperative rebalance is fixed by a revoke commit written for both members."""
    text = (ROOT / "specs" / "group-cooperative-auto-commit-rebalance.yaml").read_text()
    found = _run(text, "at-most-once")
    assert found.status == "repaired"
    n, first = next(
        (n, a)
        for n, a in enumerate(found.alternatives)
        if [(c.knob.name, c.new) for c in a.changes] == [("app.on_revoke", "commit")]
    )
    assert first.changes[0].knob.also  # written for the second member too
    fixed = load_spec_text(fixed_text(found, text, n).text, "<fixed>")
    assert fixed.spec is not None
    assert {c.app.on_revoke for c in fixed.spec.consumers.values()} == {"commit"}
    _verified(found, text)


def test_a_spec_that_holds_gets_an_empty_repair() -> None:
    text = LATE.replace("latest ", "earliest ")
    found = _run(text)
    assert found.status == "holds" and found.alternatives == () and found.exit_code() == 0


def test_a_spec_no_configuration_can_save_names_the_fault() -> None:
    found = _run(CRASH, freeze=("app",))
    assert found.status == "no_repair" and found.exit_code() == 1
    by_fault = {e.fault: e.status for e in found.exclusions}
    assert by_fault == {"producer_crash": "holds", "consumer_crash": "no_repair"}


def test_the_loop_terminates_by_exhausting_the_space() -> None:
    # Each clause rules out the configuration it was learned from, so no proposal repeats
    # and the loop ends once every configuration is refuted, repaired or a superset of one.
    found = _run(LATE, alternatives=10)
    s = found.stats
    assert found.status == "repaired" and found.reason == ""
    assert len(found.alternatives) < 10 and s.proposals <= s.configurations
    assert s.clauses == s.refuted + 1  # the first clause comes from the spec's own trace


def test_a_limit_is_unknown_never_a_claim() -> None:
    text = (ROOT / "specs" / "commit-after-processing-crash.yaml").read_text(encoding="utf-8")
    cut = _run(text, "at-most-once", max_iterations=2)
    assert cut.status == "unknown" and cut.alternatives == () and cut.exit_code() == 3
    assert "limit" in cut.reason


@pytest.mark.parametrize(
    ("name", "guarantee"),
    [
        ("acks1-leader-failover", "at-least-once"),
        ("minisr-above-replication-factor", "at-least-once"),
        ("retry-after-lost-response-duplicates", "at-most-once"),
    ],
)
def test_cheap_specs_of_the_library(name: str, guarantee: str) -> None:
    text = (ROOT / "specs" / f"{name}.yaml").read_text(encoding="utf-8")
    found = _run(text, guarantee)
    assert found.status == "repaired"
    _verified(found, text)


def _violated() -> list[tuple[str, str]]:
    out = []
    for path in sorted(glob.glob(str(ROOT / "specs" / "*.yaml"))):
        spec = load_spec(path).spec
        assert spec is not None
        for g, verdict in spec.expect.items():
            if verdict == "violated":
                out.append((path, g))
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("path", "guarantee"), _violated())
def test_every_violated_spec_of_the_library_gets_a_verified_repair(
    path: str, guarantee: str
) -> None:
    text = Path(path).read_text(encoding="utf-8")
    found = _run(text, guarantee)
    assert found.status == "repaired", found.reason
    _verified(found, text)


# ---- the command line ---------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_cli_writes_the_repair_keeping_comments(tmp_path: Path) -> None:
    spec = tmp_path / "late.yaml"
    spec.write_text(LATE, encoding="utf-8")
    out = tmp_path / "fixed.yaml"
    code, output = _cli("repair", str(spec), "--guarantee", "at-least-once", "-o", str(out))
    assert code == 0, output
    assert "auto.offset.reset: latest -> earliest" in output and f"wrote {out}" in output
    written = out.read_text(encoding="utf-8")
    assert written == LATE.replace("latest ", "earliest ").replace(
        "at-least-once: violated", "at-least-once: holds"
    )
    assert _cli("check", str(out))[0] == 0  # the expect block agrees with the repair


def test_cli_json_and_exit_codes(tmp_path: Path) -> None:
    late = tmp_path / "late.yaml"
    late.write_text(LATE, encoding="utf-8")
    code, output = _cli("repair", str(late), "--guarantee", "at-least-once", "--format", "json")
    doc = json.loads(output)
    assert code == 0 and doc["status"] == "repaired"
    change = doc["alternatives"][0]["changes"][0]
    assert change["old"] == "latest" and change["new"] == "earliest" and change["line"] == 18
    holds = tmp_path / "holds.yaml"
    holds.write_text(LATE.replace("latest ", "earliest "), encoding="utf-8")
    code, output = _cli("repair", str(holds), "--guarantee", "at-least-once")
    assert code == 0 and "already holds" in output
    crash = tmp_path / "crash.yaml"
    crash.write_text(CRASH, encoding="utf-8")
    code, output = _cli("repair", str(crash), "--guarantee", "at-least-once", "--freeze", "app")
    assert code == 1 and "producer_crash" in output and "No configuration" in output


@pytest.mark.parametrize(
    "args",
    [
        ["repair", "SPEC"],  # --guarantee is required
        ["repair", "SPEC", "--guarantee", "most-once"],
        ["repair", "SPEC", "--guarantee", "at-least-once", "--allow", "acks"],
        ["repair", "SPEC", "--guarantee", "at-least-once", "--freeze", "ackz"],
        ["repair", "SPEC", "--guarantee", "at-least-once", "--pick", "9", "-o", "OUT"],
        ["repair", "MISSING", "--guarantee", "at-least-once"],
    ],
)
def test_cli_bad_input_exits_2(tmp_path: Path, args: list[str]) -> None:
    spec = tmp_path / "late.yaml"
    spec.write_text(LATE, encoding="utf-8")
    swap = {"SPEC": str(spec), "OUT": str(tmp_path / "o.yaml"), "MISSING": str(tmp_path / "x.yaml")}
    code, output = _cli(*[swap.get(a, a) for a in args])
    assert code == 2, output
    assert "Traceback" not in output


def test_a_processor_is_repaired_by_its_processing_guarantee() -> None:
    """Kafka Streams: exactly_once_v2 is cheaper than making the final consumer's writes
    idempotent, and the change is written under processors.<name>."""
    text = (ROOT / "specs" / "streams-at-least-once-crash.yaml").read_text(encoding="utf-8")
    found = _run(text, "at-most-once")
    assert found.status == "repaired"
    best = found.alternatives[0]
    assert [(c.knob.name, c.new) for c in best.changes] == [
        ("processing.guarantee", "exactly_once_v2")
    ]
    _verified(found, text)


# ---- share groups (KIP-932) -----------------------------------------------------------------


def _share(name: str) -> str:
    return (ROOT / "specs" / f"{name}.yaml").read_text(encoding="utf-8")


def _knobs(text: str, allow: tuple[str, ...] = ()) -> dict[str, object]:
    loaded = load_spec_text(text, "<test>")
    assert loaded.spec is not None, loaded.errors
    return {k.id: k for k in search_space(loaded.spec, allow=allow).knobs}


def test_share_group_knobs_and_their_domains() -> None:
    # Kafka 4.3: the group config share.delivery.count.limit, within the broker's min/max
    knobs = _knobs(_share("share-delivery-limit-5-two-crashes"))
    limit = knobs["share_consumer:workers-1 share.delivery.count.limit"]
    assert sorted(limit.domain) == list(range(2, 11)) and limit.current == 5
    assert [w[0] for w in limit.writes(3)] == [
        ("share_consumers", "workers-1", "share.delivery.count.limit"),
        ("share_consumers", "workers-2", "share.delivery.count.limit"),
    ]  # one knob for the whole share group
    mode = knobs["share_consumer:workers-1 share.acknowledgement.mode"]
    assert mode.domain == ("implicit", "explicit") and len(mode.writes("implicit")) == 2
    names = {k.name for k in knobs.values()}
    assert {"share.auto.offset.reset", "app.ack", "app.idempotent"} <= names
    # the consumer_stall fault stands for the lock duration; when the group starts is a fact;
    # on_error only matters for processing_error; an unclean election is refused by the model
    assert not names & {"share.record.lock.duration.ms", "app.joins", "app.on_error"}
    assert "unclean.leader.election.enable" not in names
    assert "share_consumer:workers-1 app.joins" in _knobs(
        _share("share-delivery-limit-5-two-crashes"), allow=("app.joins",)
    )
    # the broker's bounds narrow the domain
    bounded = _share("share-delivery-limit-5-two-crashes").replace(
        "topics:", "broker: {group.share.max.delivery.count.limit: 6}\ntopics:"
    )
    limit = _knobs(bounded)["share_consumer:workers-1 share.delivery.count.limit"]
    assert sorted(limit.domain) == [2, 3, 4, 5, 6]


def test_on_kafka_4_2_the_delivery_limit_is_the_brokers() -> None:
    knobs = _knobs(_share("share-delivery-limit-2-two-crashes"))
    limit = knobs["broker group.share.delivery.count.limit"]
    assert sorted(limit.domain) == list(range(2, 11)) and limit.current == 2
    assert limit.writes(3) == ((("broker", "group.share.delivery.count.limit"), 3),)
    assert not any(k.name == "share.delivery.count.limit" for k in knobs.values())


def test_no_delivery_limit_knob_without_a_fault_that_redelivers() -> None:
    names = {k.name for k in _knobs(_share("share-latest-late-start")).values()}
    assert "share.auto.offset.reset" in names
    assert not names & {"share.delivery.count.limit", "group.share.delivery.count.limit"}


def test_implicit_acknowledgement_cannot_release_or_reject() -> None:
    loaded = load_spec_text(_share("share-implicit-processing-error"), "<test>")
    assert loaded.spec is not None
    space = search_space(loaded.spec)
    table = rules(space, loaded.spec)
    index = space.index()
    on_error = space.knobs[index["share_consumer:workers-1 app.on_error"]]
    assert on_error.domain == ("release", "reject", "accept") and on_error.current == "accept"
    config = list(space.current())
    assert valid(config, table)
    config[index["share_consumer:workers-1 app.on_error"]] = "release"
    assert not valid(config, table)  # KafkaShareConsumer.acknowledge throws in implicit mode
    config[index["share_consumer:workers-1 share.acknowledgement.mode"]] = "explicit"
    assert valid(config, table)


def test_a_share_group_archiving_after_two_crashes_gets_a_higher_delivery_limit() -> None:
    text = _share("share-delivery-limit-2-two-crashes")
    found = _run(text)
    assert found.status == "repaired"
    first = found.alternatives[0]
    assert [(c.knob.name, c.new) for c in first.changes] == [
        ("group.share.delivery.count.limit", 3)
    ]  # the smallest raise above the two crashes: per step, the cheapest
    _verified(found, text)


def test_implicit_acknowledgement_is_repaired_by_explicit_release() -> None:
    text = _share("share-implicit-processing-error")
    found = _run(text)
    assert found.status == "repaired"
    n, first = 0, found.alternatives[0]
    assert {(c.knob.name, c.new) for c in first.changes} == {
        ("share.acknowledgement.mode", "explicit"),
        ("app.on_error", "release"),
    }
    fixed = load_spec_text(fixed_text(found, text, n).text, "<fixed>")
    assert fixed.spec is not None
    member = fixed.spec.share_consumers["workers-1"]
    assert (member.acknowledgement_mode, member.app.on_error) == ("explicit", "release")
    _verified(found, text)
