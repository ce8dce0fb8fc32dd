"""run.py, the one call from a spec to a result: an explicit-only run does not load z3."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_an_explicit_check_does_not_import_z3() -> None:
    """Loading z3 costs a good part of a second; only the Z3 engine needs it."""
    program = (
        "import sys\n"
        "from mqcheck.run import check_spec\n"
        "from tests.factories import make_spec\n"
        "check_spec(make_spec(), ('at-most-once',), engine='explicit', max_states=2000)\n"
        "assert 'z3' not in sys.modules, 'z3 was imported'\n"
        "check_spec(make_spec(), ('at-most-once',), engine='z3', timeout_s=5)\n"
        "assert 'z3' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
