"""The Z3 engine's time limit is hard: every solver call runs with what is left of the
budget as its own timeout, so a spec that would otherwise run long ends within a second or
two of `check.timeout_s`, and what it reports by then is never wrong."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mqcheck.api import load
from mqcheck.engines.symbolic import SymbolicLimits, Z3Checker
from mqcheck.ir.system import Invariant
from mqcheck.review.whatif import domains
from mqcheck.review.whatif.symbolic import check_symbolic
from mqcheck.run import check_spec, compile_spec, requested_guarantees
from mqcheck.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 3.0
# what a run may take beyond its timeout: loading, compiling, traces, the last query
GRACE = 2.5


@pytest.mark.parametrize(
    ("spec", "explicit"),
    [
        # hhh: at-least-once, at-most-once, exactly-once; the Z3 engine needs ~20 s
        ("specs/idempotent-consumer-crash.yaml", "hhh"),
        # at-least-once holds; its look-ahead and plans keep the Z3 engine busy
        ("specs/delivery-timeout-halt.yaml", "h"),
    ],
)
def test_check_ends_within_its_timeout(spec: str, explicit: str) -> None:
    loaded = load(ROOT / spec)
    started = time.perf_counter()
    result = check_spec(loaded, engine="z3", timeout_s=TIMEOUT)
    took = time.perf_counter() - started
    assert took < TIMEOUT + GRACE, took
    verdicts = [r.verdict for r in result.results]
    assert len(verdicts) == len(explicit)
    for got, want in zip(verdicts, explicit, strict=True):
        assert got in ("unknown", {"h": "holds", "v": "violated"}[want])


def test_ic3_ends_within_its_timeout() -> None:
    """IC3 wired in (and IC3 alone, on a spec where it does not converge) stops at its
    deadline too."""
    loaded = load(ROOT / "specs/transactional-abort-read-committed.yaml")
    wanted = requested_guarantees(loaded, None)
    system = compile_spec(loaded, wanted)
    started = time.perf_counter()
    results = Z3Checker(system, SymbolicLimits(timeout_s=TIMEOUT, pdr=True)).check(wanted)
    assert time.perf_counter() - started < TIMEOUT + GRACE
    assert all(r.verdict != "violated" for r in results)  # the explicit engine: hh
    [g] = [g for g in system.checked(wanted) if isinstance(g, Invariant)]
    checker = Z3Checker(system, SymbolicLimits(timeout_s=TIMEOUT))
    started = time.perf_counter()
    checker.begin(started + TIMEOUT)
    proof, why, refuted = checker.pdr_proof(g, started + TIMEOUT)
    assert time.perf_counter() - started < TIMEOUT + 1.0
    assert not refuted
    assert proof or why


def test_the_configuration_search_ends_within_its_timeout() -> None:
    """`check --symbolic` with the Z3 engine: one union query for the two configurations
    enable.idempotence true and false, each of which takes the Z3 engine several seconds;
    what it decides by then is what the explicit engine says."""
    document = load_spec(str(ROOT / "specs/idempotent-consumer-crash.yaml"))
    assert document.spec is not None
    spec, data = document.spec, document.data()
    chosen = domains.resolve(spec, domains.parse_symbolic(["enable.idempotence"]))
    reference = check_symbolic(spec, data, chosen, None, "explicit")
    started = time.perf_counter()
    result = check_symbolic(spec, data, chosen, None, "z3", None, None, TIMEOUT)
    assert time.perf_counter() - started < TIMEOUT + GRACE
    assert len(result.checked()) == len(reference.checked()) == 2
    for z, e in zip(result.checked(), reference.checked(), strict=True):
        for got, want in zip(z.results, e.results, strict=True):
            assert got.verdict in ("unknown", want.verdict)
