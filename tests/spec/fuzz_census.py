"""Count what the CLI fuzz finds: exit codes by input family, and the broken answers.

    PYTHONPATH=. python3 -m tests.spec.fuzz_census --examples 500 --seed 19

Issue 19 asks for counts before and after its fixes; the assertions are those of
tests/spec/test_fuzz.py (tests/spec/fuzz_cli.py), so a broken answer here is one the tests
would fail on. Hypothesis is used only to draw inputs (with a fixed seed, reproducibly).
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hseed
from hypothesis import strategies as st

from tests.spec.fuzz_cli import run_check, run_import
from tests.strategies import (
    garbage_yaml_texts,
    hostile_spec_texts,
    mutated_shipped_texts,
    properties_bytes,
    valid_spec_texts,
)

_FAMILIES: dict[str, st.SearchStrategy[str]] = {
    "valid": valid_spec_texts(),
    "hostile": hostile_spec_texts(),
    "garbage": garbage_yaml_texts(),
    "mutated": mutated_shipped_texts(),
}


def _census(
    name: str, count: int, seed: int, run: Callable[[Any], int], log: list[str]
) -> Counter[str]:
    """Run `count` inputs of one family; a broken answer is counted and printed, not shrunk."""
    codes: Counter[str] = Counter()
    started = time.monotonic()

    @hseed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(_strategy(name))
    def one(value: Any) -> None:
        digest = hashlib.sha1(repr(value).encode("utf-8", "surrogatepass")).hexdigest()[:12]
        try:
            outcome = f"exit {run(value)}"
            codes[outcome] += 1
            log.append(f"{name} {digest} {outcome}")
        except AssertionError as error:
            message = str(error)
            label = message.split(" for ")[0] if message.startswith("exit ") else message[:24]
            codes[f"broken ({label})"] += 1
            if codes[f"broken ({label})"] <= 3:
                print(f"  [{name}] {' | '.join(message.splitlines()[:3])[:300]}")
            log.append(f"{name} {digest} broken ({label})")

    one()
    print(
        f"{name}: {sum(codes.values())} in {time.monotonic() - started:.0f} s: "
        f"{dict(sorted(codes.items()))}"
    )
    return codes


def _strategy(name: str) -> st.SearchStrategy[Any]:
    if name.startswith("import-"):
        return properties_bytes()
    return _FAMILIES[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=200, help="inputs per family")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--families", default="valid,hostile,garbage,mutated,import")
    parser.add_argument("--log", help="write one line per input: family, digest, outcome")
    args = parser.parse_args()
    total: Counter[str] = Counter()
    log: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        for family in args.families.split(","):
            if family == "import":
                for kind in ("producer", "consumer", "broker"):
                    total += _census(
                        f"import-{kind}",
                        args.examples,
                        args.seed,
                        lambda data, kind=kind: run_import(workdir, kind, data),
                        log,
                    )
            else:
                total += _census(
                    family, args.examples, args.seed, lambda text: run_check(workdir, text), log
                )
    print(f"total: {sum(total.values())}: {dict(sorted(total.items()))}")
    if args.log:
        Path(args.log).write_text("\n".join(log) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
