"""What a repository's CI uses: the GitHub Action's script (ci/review-sarif.sh, run here as
the action runs it), the action's own file, the pre-commit hook, and the SARIF they produce:
one run for several specs, every rule with help and a helpUri into the shipped docs, every
location relative to the repository root."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPECS = ("specs/acks1-leader-failover.yaml", "specs/commit-before-processing-crash.yaml")


def _run_script(
    tmp_path: Path, *patterns: str, cwd: Path = ROOT
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / "mqcheck.sarif"
    github_output = tmp_path / "github_output"
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "PYTHONPATH": str(ROOT),
        "MQCHECK_ARGS": "--no-profile",
        "GITHUB_WORKSPACE": str(ROOT),
        "GITHUB_OUTPUT": str(github_output),
    }
    proc = subprocess.run(
        ["bash", str(ROOT / "ci" / "review-sarif.sh"), str(out), *patterns],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return proc, out


def _docs_anchor_exists(uri: str) -> bool:
    """A helpUri names a shipped doc, and its #anchor is a heading or an `<a id>` there."""
    from mqcheck.review.checklist.sarif import DOCS_URL

    assert uri.startswith(DOCS_URL), uri
    page, _, anchor = uri[len(DOCS_URL) :].partition("#")
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    if not anchor:
        return True
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in text.splitlines()
        if line.startswith("#")
    }
    return anchor in headings or f'<a id="{anchor}"></a>' in text


def _check_code_scanning_shape(doc: dict[str, Any]) -> None:
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for rule in rules:
        assert rule["help"]["text"] and rule["help"]["markdown"], rule["id"]
        assert _docs_anchor_exists(rule["helpUri"]), rule["helpUri"]
    assert "SRCROOT" in run["originalUriBaseIds"]
    text = json.dumps(doc)
    assert "SPEC_FORMAT" not in text and "../" not in text and "file://" not in text
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "SRCROOT"
        assert (ROOT / location["uri"]).is_file(), location["uri"]


def test_the_action_script_writes_one_run_for_two_specs(tmp_path: Path) -> None:
    proc, out = _run_script(tmp_path, *SPECS)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    _check_code_scanning_shape(doc)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]
    }
    assert uris == set(SPECS)
    # both specs' violations are the ones their expect: blocks name, so mqcheck exits 0
    assert (tmp_path / "github_output").read_text() == "exit-code=0\n"


def test_the_script_expands_globs_and_places_specs_from_another_directory(tmp_path: Path) -> None:
    """Run from elsewhere with a `**` glob: locations stay relative to GITHUB_WORKSPACE."""
    proc, out = _run_script(tmp_path, f"{ROOT}/specs/**/acks1-leader-*.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    [uri] = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]
    }
    assert uri == SPECS[0]


def test_the_script_fails_when_no_sarif_can_be_written(tmp_path: Path) -> None:
    proc, out = _run_script(tmp_path, "specs/no-such-*.yaml")
    assert proc.returncode == 2 and "matches no spec file" in proc.stderr
    assert not out.exists()


def test_action_yml_runs_the_script_and_uploads_one_category() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite" and "specs" in action["inputs"]
    steps = action["runs"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert uses[0].startswith("actions/setup-python@")
    assert any(
        "pip install" in step.get("run", "") and "GITHUB_ACTION_PATH" in step["run"]
        for step in steps
    )
    [review] = [step for step in steps if step.get("id") == "review"]
    assert "ci/review-sarif.sh" in review["run"]
    [upload] = [
        step
        for step in steps
        if step.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    ]
    assert upload["with"]["category"] == "mqcheck"
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"


def test_pre_commit_hook_checks_spec_files(tmp_path: Path) -> None:
    """The hook's `files` pattern picks the shipped specs and nothing else, and its entry,
    given those files as pre-commit gives them, exits as `mqcheck check` does."""
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "mqcheck-check" and hook["language"] == "python"
    files = re.compile(hook["files"])
    assert all(files.search(p) for p in (*SPECS, "kafka/specs/orders.yml"))
    assert not any(
        files.search(p) for p in ("specs/README.md", ".github/workflows/ci.yaml", "action.yml")
    )
    entry = shlex.split(hook["entry"])
    assert entry[0] == "mqcheck"
    argv = [sys.executable, "-m", "mqcheck", *entry[1:]]
    ok = subprocess.run([*argv, *SPECS], cwd=ROOT, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr  # both verdicts match their expect:
    broken = tmp_path / "specs" / "broken.yaml"
    broken.parent.mkdir()
    broken.write_text((ROOT / SPECS[0]).read_text().replace("acks: 1", "ackz: 1"))
    bad = subprocess.run(
        [*argv, str(broken)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "did you mean 'acks'" in bad.stderr
