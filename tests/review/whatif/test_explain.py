"""`mqcheck explain`: a setting is load-bearing exactly when taking it out of the spec
(so Kafka's default applies) breaks a guarantee that holds with it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.review.whatif.explain import explain, render_text
from mqcheck.spec.load import load_spec

SPEC = """
mqcheck: 1
name: small
kafka_version: "3.7"
cluster: {brokers: 1}
topics:
  events: {partitions: 1, replication.factor: 1}
producers:
  app: {topic: events, acks: all, app: {on_send_error: resend}}
consumers:
  reader:
    topic: events
    group.id: reader
    enable.auto.commit: false
    auto.offset.reset: earliest
    app: {commit: after_processing}
faults: {consumer_crash: 1}
check: {guarantees: [at-least-once], messages: 1}
"""


def _spec(tmp_path: Path, text: str = SPEC) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_reset_policy_is_load_bearing_and_the_rest_is_not(tmp_path: Path) -> None:
    loaded = load_spec(_spec(tmp_path))
    assert loaded.spec is not None
    ex = explain(loaded.spec, loaded.data())
    bearing = {f.setting.name: f for f in ex.load_bearing}
    # latest (the default) skips the record a crashed consumer had not committed
    assert set(bearing) == {"auto.offset.reset"}
    finding = bearing["auto.offset.reset"]
    assert finding.default == "latest"
    assert [r.guarantee for r in finding.broken] == ["at-least-once"]
    harmless = {f.setting.name for f in ex.harmless}
    assert "acks" in harmless and "app.on_send_error" in harmless
    text = render_text(ex)
    assert "auto.offset.reset=earliest" in text and "default latest" in text


def test_a_spec_that_does_not_hold_has_nothing_load_bearing(tmp_path: Path) -> None:
    loaded = load_spec(_spec(tmp_path, SPEC.replace("earliest", "latest")))
    assert loaded.spec is not None
    ex = explain(loaded.spec, loaded.data())
    assert ex.load_bearing == () and "no guarantee holds" in render_text(ex)


def test_cli_json(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["explain", str(_spec(tmp_path)), "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert [f["property"] for f in doc["load_bearing"]] == ["auto.offset.reset"]
    assert doc["verdicts"] == {"at-least-once": "holds"}
