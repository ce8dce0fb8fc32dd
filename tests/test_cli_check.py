"""`mqcheck check`, `replay` and `graph` as a user runs them: exit codes, JSON shape,
trace files that replay."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mqcheck.cli import main

ACKS1 = """
mqcheck: 1
name: acks1
kafka_version: "3.7"
cluster: {brokers: 3}
topics:
  events: {partitions: 1, replication.factor: 3, min.insync.replicas: 2}
producers:
  app: {topic: events, acks: 1, enable.idempotence: false}
consumers:
  reader: {topic: events, group.id: reader, enable.auto.commit: false}
faults: {broker_crash: 1}
check: {guarantees: [at-least-once], messages: 1}
"""

DURABLE = ACKS1.replace("acks: 1, enable.idempotence: false", "acks: all, enable.idempotence: true")

STEP_KINDS = {
    "send",
    "retry",
    "request_lost",
    "response_lost",
    "append",
    "reject",
    "replicate",
    "ack",
    "send_failed",
    "flush",
    "isr_shrink",
    "isr_expand",
    "broker_crash",
    "power_loss",
    "restart",
    "elect",
    "truncate",
    "fetch",
    "process",
    "commit",
    "consumer_crash",
    "producer_crash",
    "processor_crash",
    "offsets_expire",
    "delivery_timeout",
    "txn_begin",
    "txn_commit",
    "txn_abort",
    "join",
    "shutdown",
    "disk_failure",
    "rack_power_loss",
    "isolate",
    "heal",
}


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_exit_codes_follow_the_contract(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["check", _write(tmp_path, "a.yaml", ACKS1)]).exit_code == 1
    assert runner.invoke(main, ["check", _write(tmp_path, "d.yaml", DURABLE)]).exit_code == 0
    expected = ACKS1 + "expect: {at-least-once: violated}\n"
    assert runner.invoke(main, ["check", _write(tmp_path, "e.yaml", expected)]).exit_code == 0
    wrong = ACKS1 + "expect: {at-least-once: holds}\n"
    out = runner.invoke(main, ["check", _write(tmp_path, "w.yaml", wrong)])
    assert out.exit_code == 1 and "EXPECTATION MISMATCH" in out.output
    limited = runner.invoke(
        main, ["check", _write(tmp_path, "l.yaml", DURABLE), "--max-states", "5"]
    )
    assert limited.exit_code == 3 and "unknown" in limited.output
    broken = runner.invoke(
        main, ["check", _write(tmp_path, "b.yaml", ACKS1.replace("acks:", "ackz:"))]
    )
    assert broken.exit_code == 2 and "did you mean" in broken.output


def test_json_result_has_the_contract_shape(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["check", _write(tmp_path, "a.yaml", ACKS1), "--format", "json"])
    data = json.loads(out.output)
    assert data["mqcheck"] == 1 and data["spec"] == "acks1"
    [r] = data["results"]
    assert (
        r["guarantee"] == "at-least-once"
        and r["verdict"] == "violated"
        and r["engine"] == "explicit"
    )
    assert r["bounds"]["messages"] == 1 and r["bounds"]["faults"] == {
        "broker_crash": 1,
        "follower_lag": 2,
    }
    cex = r["counterexample"]
    assert cex["lost"] == ["m1"] and cex["faults_used"] == ["broker_crash"]
    for i, step in enumerate(cex["steps"], start=1):
        assert step["i"] == i and step["kind"] in STEP_KINDS and step["actor"] and step["text"]
    assert set(r["stats"]) >= {"states", "transitions", "depth", "seconds"}
    assert isinstance(data["not_modelled"], list)


def test_trace_out_replays_and_a_tampered_trace_is_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    spec = _write(tmp_path, "a.yaml", ACKS1)
    trace = tmp_path / "trace.json"
    runner.invoke(main, ["check", spec, "--trace-out", str(trace)])
    ok = runner.invoke(main, ["replay", spec, str(trace)])
    assert ok.exit_code == 0 and "replay" in ok.output
    data = json.loads(trace.read_text())
    steps = data["results"][0]["counterexample"]["steps"]
    steps[0], steps[1] = steps[1], steps[0]
    trace.write_text(json.dumps(data))
    bad = runner.invoke(main, ["replay", spec, str(trace)])
    assert bad.exit_code == 1 and "not enabled" in bad.output


def test_replay_rejects_a_file_that_is_not_a_trace(tmp_path: Path) -> None:
    spec = _write(tmp_path, "a.yaml", ACKS1)
    junk = _write(tmp_path, "junk.json", "[1, 2]")
    out = CliRunner().invoke(main, ["replay", spec, junk])
    assert out.exit_code == 2 and "not a readable mqcheck trace" in out.output


def test_graph_exports_dot_and_graphml(tmp_path: Path) -> None:
    runner = CliRunner()
    spec = _write(tmp_path, "a.yaml", ACKS1)
    for name in ("g.dot", "g.graphml"):
        out = runner.invoke(main, ["graph", spec, "-o", str(tmp_path / name)])
        assert out.exit_code == 0, out.output
        assert "stuck states" in out.output
        assert (tmp_path / name).stat().st_size > 100
    assert "->" in (tmp_path / "g.dot").read_text()
    too_big = runner.invoke(
        main, ["graph", spec, "-o", str(tmp_path / "x.dot"), "--max-states", "3"]
    )
    assert too_big.exit_code == 3


def test_several_partitions_are_checked_one_partition_at_a_time(tmp_path: Path) -> None:
    spec = ACKS1.replace("partitions: 1", "partitions: 3").replace("--format", "")
    out = CliRunner().invoke(main, ["check", _write(tmp_path, "p.yaml", spec), "--format", "json"])
    [r] = json.loads(out.output)["results"]
    assert r["verdict"] == "violated"
    assert r["bounds"]["partitions"] == 3 and r["bounds"]["messages_in_checked_partition"] == 1


def test_unmodelled_features_are_unknown_not_holds(tmp_path: Path) -> None:
    spec = ACKS1 + (
        "processors:\n  enrich: {from: events, to: events, group.id: enrich, "
        "processing.guarantee: exactly_once_v2}\n"
    )
    out = CliRunner().invoke(main, ["check", _write(tmp_path, "p.yaml", spec)])
    assert out.exit_code == 3 and "not modelled" in out.output


def test_round_robin_before_2_4_with_broker_faults_is_not_answered_per_partition(
    tmp_path: Path,
) -> None:
    """Before 2.4, keyless records go round-robin over the partitions that *have a leader*
    (DefaultPartitioner, availablePartitionsForTopic): with broker faults a partition can be
    skipped, so the busiest one may get every message. One partition with ceil(m/p) would
    be a different pipeline: unknown, never a verdict. Without broker faults the split is
    exact."""
    spec = (
        ACKS1.replace('kafka_version: "3.7"', 'kafka_version: "2.3"')
        .replace("partitions: 1", "partitions: 2")
        .replace("messages: 1", "messages: 2")
    )
    out = CliRunner().invoke(main, ["check", _write(tmp_path, "rr.yaml", spec), "--format", "json"])
    [r] = json.loads(out.output)["results"]
    assert r["verdict"] == "unknown" and out.exit_code == 3
    assert "not modelled: before Kafka 2.4 keyless records go round-robin" in r["reason"]
    calm = spec.replace("faults: {broker_crash: 1}", "faults: {produce_request_lost: 1}")
    out = CliRunner().invoke(main, ["check", _write(tmp_path, "c.yaml", calm), "--format", "json"])
    [r] = json.loads(out.output)["results"]
    assert r["verdict"] != "unknown", r
    assert r["bounds"]["messages_in_checked_partition"] == 1


def test_keyed_producers_report_the_checked_partition_and_refuse_what_they_cannot_split(
    tmp_path: Path,
) -> None:
    """app.keys: customer-1 hashes to partition 1 of 2, customer-2 to 0 (murmur2); with two
    messages each partition gets one. A transaction over both partitions is `unknown`, with
    the "not modelled: " prefix once."""
    spec = ACKS1.replace("partitions: 1", "partitions: 2").replace(
        "enable.idempotence: false}",
        "enable.idempotence: false, app: {keys: [customer-1, customer-2]}}",
    )
    assert "keys: [customer-1" in spec
    out = CliRunner().invoke(main, ["check", _write(tmp_path, "k.yaml", spec), "--format", "json"])
    [r] = json.loads(out.output)["results"]
    bounds = r["bounds"]
    assert bounds["checked_partition"] == 1 and bounds["messages_in_checked_partition"] == 1
    assert bounds["key_partitions"] == {"app": {"customer-1": 1, "customer-2": 0}}
    tx = spec.replace(
        "acks: 1, enable.idempotence: false", "acks: all, transactional.id: tx"
    ).replace("messages: 1", "messages: 2")
    out = CliRunner().invoke(main, ["check", _write(tmp_path, "t.yaml", tx), "--format", "json"])
    [r] = json.loads(out.output)["results"]
    assert out.exit_code == 3 and r["verdict"] == "unknown", out.output
    assert r["reason"].startswith("not modelled: the keys of transactional producer app put")
    assert r["reason"].count("not modelled") == 1
