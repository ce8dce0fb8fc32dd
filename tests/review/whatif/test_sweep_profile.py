"""`mqcheck sweep` (cartesian product, invalid points kept, formats, parallel) and
`mqcheck profile`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.review import spec_variants
from mqcheck.review.batch import Pool
from mqcheck.review.whatif import sweep
from mqcheck.spec.load import load_spec
from mqcheck.spec.schema import Spec

ROOT = Path(__file__).resolve().parents[3]
ACKS1 = ROOT / "specs" / "acks1-leader-failover.yaml"


def _spec_and_data() -> tuple[Spec, dict[str, object]]:
    loaded = load_spec(ACKS1)
    assert loaded.spec is not None
    return loaded.spec, yaml.safe_load(ACKS1.read_text())


def test_targets_of_bare_and_dotted_names() -> None:
    spec, _ = _spec_and_data()
    assert spec_variants.targets(spec, "acks") == [("producers", "web", "acks")]
    assert spec_variants.targets(spec, "min.insync.replicas") == [
        ("topics", "events", "min.insync.replicas")
    ]
    assert spec_variants.targets(spec, "app.commit") == [("consumers", "indexer", "app", "commit")]
    assert spec_variants.targets(spec, "topics.events.min.insync.replicas") == [
        ("topics", "events", "min.insync.replicas")
    ]
    assert spec_variants.targets(spec, "broker_crash") == [("faults", "broker_crash")]
    assert spec_variants.targets(spec, "offsets.retention.minutes") == [
        ("broker", "offsets.retention.minutes")
    ]
    assert spec_variants.targets(spec, "no.such.property") == []


def test_product_keeps_refused_points_as_invalid() -> None:
    spec, data = _spec_and_data()
    points = sweep.run_sweep(
        spec,
        data,
        [("acks", ("1", "all")), ("enable.idempotence", ("true", "false"))],
        pool=Pool(2),
    )
    assert [p.values for p in points] == [
        (("acks", "1"), ("enable.idempotence", "true")),
        (("acks", "1"), ("enable.idempotence", "false")),
        (("acks", "all"), ("enable.idempotence", "true")),
        (("acks", "all"), ("enable.idempotence", "false")),
    ]
    assert points[0].status == "invalid" and "acks" in points[0].reason
    assert points[1].verdicts == {"at-least-once": "violated"}
    assert points[2].verdicts == {"at-least-once": "holds"}
    rows = list(csv.reader(io.StringIO(sweep.render(points, ("at-least-once",), "csv"))))
    assert rows[0] == ["acks", "enable.idempotence", "at-least-once", "note"]
    assert rows[1][:3] == ["1", "true", "invalid"]
    doc = json.loads(sweep.render(points, ("at-least-once",), "json"))
    assert len(doc) == 4 and doc[3] == {
        "values": {"acks": "all", "enable.idempotence": "false"},
        "status": "checked",
        "verdicts": {"at-least-once": "holds"},
    }
    assert sweep.render(points, ("at-least-once",), "md").startswith("| acks |")


@pytest.mark.parametrize("output_format", ["text", "md", "csv", "json"])
def test_sweep_command(output_format: str) -> None:
    runner = CliRunner()
    out = runner.invoke(
        main,
        [
            "sweep",
            str(ACKS1),
            "--vary",
            "acks=0,all",
            "--vary",
            "enable.idempotence=false",
            "--format",
            output_format,
            "--jobs",
            "1",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "violated" in out.stdout and "holds" in out.stdout


def test_sweep_rejects_unknown_property() -> None:
    out = CliRunner().invoke(main, ["sweep", str(ACKS1), "--vary", "ackz=0,1"])
    assert out.exit_code == 2
    assert "ackz" in out.stderr


def test_profile_command() -> None:
    out = CliRunner().invoke(main, ["profile", str(ACKS1), "--cap", "1"])
    assert out.exit_code == 0, out.output
    assert "broker crashes" in out.stdout and "breaks at 1" in out.stdout
    assert "Broker crashes — at-least-once: loses messages with one broker crash." in out.stdout
    assert "broker_crash=1, at-least-once: m1 lost:" in out.stdout
