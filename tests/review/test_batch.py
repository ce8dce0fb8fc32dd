"""Batches on a real Dask LocalCluster (2 worker processes): the same answers in the same
order as a serial run, a worker that dies has its task run again, a task that cannot be
computed is `unknown` with its reason, and without dask local processes do the work and
`--cluster` is refused with how to install it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mqcheck import exits
from mqcheck.cli import main
from mqcheck.result import CheckResult
from mqcheck.review import batch
from mqcheck.review.batch import BatchProgress, Pool, run_batch
from mqcheck.review.checklist.profile import render_profile_text, resilience_profile
from mqcheck.review.checklist.runs import VariantRunner
from mqcheck.review.repair.search import Options, repair
from mqcheck.review.spec_batch import SpecCheck, check_specs
from mqcheck.review.whatif import sweep
from mqcheck.spec.load import load_spec, load_spec_text
from tests.examples import EXAMPLES
from tests.review.repair.test_repair import CRASH

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
FAILOVER = ROOT / "specs" / "acks1-leader-failover.yaml"
TWO = Pool(workers=2)
SERIAL = Pool(workers=1)


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    """Each test starts and ends without a cached client (a test may change dask's config,
    which a cluster reads when it starts)."""
    batch.close_clients()
    yield
    batch.close_clients()


def _verdicts(results: list[CheckResult]) -> list[object]:
    """What a check answers, without the seconds and megabytes that differ run to run."""
    return [
        (
            c.spec,
            [
                (r.guarantee, r.verdict, r.reason, r.stats.states, r.counterexample)
                for r in c.results
            ],
        )
        for c in results
    ]


# ---- the same answers, in the same order --------------------------------------------------


def test_a_sweep_on_the_cluster_equals_the_serial_sweep() -> None:
    document = load_spec(str(FAILOVER))
    assert document.spec is not None
    vary = [
        ("acks", ("1", "all")),
        ("min.insync.replicas", ("1", "2")),
        ("enable.idempotence", ("true", "false")),
    ]
    serial = sweep.run_sweep(document.spec, document.data(), vary, pool=SERIAL)
    seen: list[BatchProgress] = []
    spread = sweep.run_sweep(document.spec, document.data(), vary, pool=TWO, progress=seen.append)
    assert spread == serial
    assert [p.values for p in spread][:2] == [
        (("acks", "1"), ("min.insync.replicas", "1"), ("enable.idempotence", "true")),
        (("acks", "1"), ("min.insync.replicas", "1"), ("enable.idempotence", "false")),
    ]
    assert {p.status for p in spread} == {"checked", "invalid"}  # acks=1 with idempotence
    assert [(p.done, p.total) for p in seen] == [(n, 8) for n in range(9)]


def test_a_profile_on_the_cluster_equals_the_serial_profile() -> None:
    spec = load_spec(str(FAILOVER)).spec
    assert spec is not None
    serial = resilience_profile(spec, VariantRunner(spec), cap=2)
    runner = VariantRunner(spec, pool=TWO)
    spread = resilience_profile(spec, runner, cap=2)
    assert render_profile_text(spec, spread) == render_profile_text(spec, serial)
    assert [(c.fault, c.guarantee, c.status, c.budget) for c in spread.cells] == [
        (c.fault, c.guarantee, c.status, c.budget) for c in serial.cells
    ]


def test_repair_exclusions_on_the_cluster_equal_the_serial_ones() -> None:
    loaded = load_spec_text(CRASH, "<test>")
    assert loaded.spec is not None
    serial = repair(loaded.spec, loaded.data(), "at-least-once", Options(freeze=("app",)))
    spread = repair(loaded.spec, loaded.data(), "at-least-once", Options(freeze=("app",), pool=TWO))
    assert spread.status == serial.status == "no_repair"
    assert spread.exclusions == serial.exclusions
    assert {e.fault: e.status for e in spread.exclusions} == {
        "producer_crash": "holds",
        "consumer_crash": "no_repair",
    }


def test_several_specs_on_the_cluster_equal_the_serial_checks() -> None:
    specs = [load_spec(str(p)).spec for p in EXAMPLES[:4]]
    checks = [SpecCheck(s) for s in specs if s is not None]
    serial = check_specs(checks, SERIAL)
    spread = check_specs(checks, TWO)
    assert _verdicts(spread) == _verdicts(serial)
    assert [c.spec for c in spread] == [c.spec.name for c in checks]


# ---- a worker that dies, a task that cannot be computed ------------------------------------


def _dies_once(item: tuple[str, int]) -> int:
    """Kills its own process the first time it runs for an item (a marker file remembers),
    then answers: a worker lost mid-task (out of memory, a node going away)."""
    marker, value = item
    if value == 1 and not os.path.exists(marker):
        Path(marker).write_text("died", encoding="utf-8")
        os._exit(1)
    return value * 10


def _always_fails(item: int) -> int:
    if item == 2:
        raise MemoryError("the check could not get its memory")
    return item


def _failed(item: object, reason: str) -> str:
    return f"unknown: {reason}"


def test_a_task_whose_worker_dies_is_run_again(tmp_path: Path) -> None:
    items = [(str(tmp_path / "died"), n) for n in range(4)]
    assert run_batch(_dies_once, items, TWO, _failed) == [0, 10, 20, 30]
    assert (tmp_path / "died").exists()  # it did die once


def test_a_task_that_cannot_be_computed_is_unknown_with_its_reason() -> None:
    answers = run_batch(_always_fails, [0, 1, 2, 3], TWO, _failed)
    assert answers[:2] == [0, 1] and answers[3] == 3
    assert answers[2] == "unknown: not computed: MemoryError: the check could not get its memory"


def test_a_sweep_point_not_computed_is_unknown_for_every_guarantee() -> None:
    task = sweep._Task({}, "x.yaml", (("acks", "1"),), None, None, ("at-least-once", "ordering"))
    point = sweep._not_computed(task, "not computed: KilledWorker")
    assert point.verdicts == {"at-least-once": "unknown", "ordering": "unknown"}
    assert "unknown" in sweep.render([point], ("at-least-once", "ordering"), "csv")
    assert "holds" not in sweep.render([point], ("at-least-once", "ordering"), "csv")


# ---- without dask -------------------------------------------------------------------------


@pytest.fixture
def no_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    """`import distributed` fails, as in a plain `pip install mqcheck`."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert not batch.dask_available()


@pytest.mark.usefixtures("no_dask")
def test_without_dask_local_processes_give_the_same_answers(tmp_path: Path) -> None:
    items = [(str(tmp_path / "died"), n) for n in range(4)]
    assert run_batch(_dies_once, items, TWO, _failed) == [0, 10, 20, 30]  # the pool restarted
    assert run_batch(_always_fails, [0, 1, 2], TWO, _failed)[2].startswith("unknown: not computed")
    assert not batch._CLIENTS  # no Dask client was made
    document = load_spec(str(FAILOVER))
    assert document.spec is not None
    vary = [("acks", ("1", "all"))]
    assert sweep.run_sweep(document.spec, document.data(), vary, pool=TWO) == sweep.run_sweep(
        document.spec, document.data(), vary, pool=SERIAL
    )


@pytest.mark.usefixtures("no_dask")
@pytest.mark.parametrize(
    "command",
    [
        ["sweep", str(FAILOVER), "--vary", "acks=1,all"],
        ["profile", str(FAILOVER)],
        ["check", str(FAILOVER), str(FAILOVER)],
        ["repair", str(FAILOVER), "--guarantee", "at-least-once"],
    ],
)
def test_cluster_without_dask_exits_2_saying_how_to_install_it(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--cluster", "tcp://127.0.0.1:8786"])
    assert result.exit_code == exits.INVALID, result.output
    assert "pip install 'mqcheck[dask]'" in result.output


def test_check_of_several_specs_prints_the_serial_report_whatever_the_workers() -> None:
    specs = [str(p) for p in EXAMPLES[:3]]
    serial = CliRunner().invoke(main, ["check", *specs, "--workers", "1"])
    spread = CliRunner().invoke(main, ["check", *specs, "--workers", "2"])
    assert spread.exit_code == serial.exit_code
    steady = [line.split(" states")[0] for line in serial.output.splitlines()]
    assert [line.split(" states")[0] for line in spread.output.splitlines()] == steady
    assert serial.output.index(EXAMPLES[0].stem) < serial.output.index(EXAMPLES[2].stem)
