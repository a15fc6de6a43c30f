"""The CI recipe: the pre-commit hook definition runs, and the documented workflows use the SARIF/JUnit path."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner
from unit._crates import write_crate

from fivesafes_crate.cli import app

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
CI_DOC = ROOT / "docs" / "ci.md"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def hook() -> dict[str, Any]:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list) and len(hooks) == 1
    found: dict[str, Any] = hooks[0]
    return found


def yaml_blocks() -> list[Any]:
    text = CI_DOC.read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def test_hook_definition(hook: dict[str, Any]) -> None:
    assert set(hook) >= {"id", "name", "entry", "language"}
    assert hook["id"] == "fivesafes-validate" and hook["language"] == "python"
    assert shlex.split(hook["entry"]) == ["fivesafes", "validate"]
    assert hook.get("pass_filenames", True) is True


@pytest.mark.parametrize(("name", "runs"), [
    ("ro-crate-metadata.json", True),
    ("examples/request/ro-crate-metadata.json", True),
    ("bag/data/ro-crate-metadata.json", True),
    ("out/request.bagit.zip", True),
    ("request.bagit.zip", True),
    ("notes/ro-crate-metadata.json.orig", False),
    ("my-ro-crate-metadata.json", False),
    ("examples/request/input1.txt", False),
    ("archive.zip", False),
])
def test_hook_runs_on_metadata_files_and_bag_zips(hook: dict[str, Any], name: str, runs: bool) -> None:
    assert bool(re.search(hook["files"], name)) is runs


def hook_args(hook: dict[str, Any], *files: Path) -> list[str]:
    """What pre-commit runs: the entry (less the program), the hook's args, then the changed files."""
    return [*shlex.split(hook["entry"])[1:], *hook.get("args", []), *(str(f) for f in files)]


def test_hook_validates_the_crate_around_a_changed_metadata_file(hook: dict[str, Any], tmp_path: Path) -> None:
    good = write_crate(tmp_path / "good") / "ro-crate-metadata.json"
    result = CliRunner().invoke(app, hook_args(hook, good, EXAMPLES / "executed" / "ro-crate-metadata.json"))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.count("VALID at severity must") == 2
    missing_file = write_crate(tmp_path / "bad", files={}) / "ro-crate-metadata.json"
    result = CliRunner().invoke(app, hook_args(hook, good, missing_file))
    assert result.exit_code == 1 and result.stderr == ""
    assert "data.file-missing" in result.stdout  # the folder was validated, not the JSON file on its own


def test_hook_entry_runs_as_a_process_on_a_bag_zip(hook: dict[str, Any], tmp_path: Path, bag_zip: Any) -> None:
    archive = bag_zip(write_crate(tmp_path / "crate"), tmp_path / "request.bagit.zip")
    program = Path(sys.executable).with_name(shlex.split(hook["entry"])[0])
    result = subprocess.run([str(program), *hook_args(hook, archive)], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("(0 must, 1 should, 1 may)") and result.stderr == ""


def test_github_workflow_uploads_the_sarif_it_writes() -> None:
    workflow = next(block for block in yaml_blocks() if isinstance(block, dict) and "jobs" in block)
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["validate"]["steps"]
    command = next(step["run"] for step in steps if "fivesafes validate" in step.get("run", ""))
    sarif = re.search(r"fivesafes validate .*--format sarif > (\S+)", command)
    assert sarif
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == sarif.group(1) and upload["if"] == "always()"


def test_gitlab_job_reports_the_junit_it_writes() -> None:
    job = next(block["fivesafes"] for block in yaml_blocks() if isinstance(block, dict) and "fivesafes" in block)
    script = "\n".join(job["script"])
    junit = re.search(r"fivesafes validate .*--format junit > (\S+)", script)
    sarif = re.search(r"fivesafes validate .*--format sarif > (\S+)", script)
    assert junit and sarif
    assert job["artifacts"]["reports"]["junit"] == junit.group(1)
    assert job["artifacts"]["paths"] == [sarif.group(1)] and job["artifacts"]["when"] == "always"


def test_documented_pre_commit_config_names_our_hook(hook: dict[str, Any]) -> None:
    config = next(block for block in yaml_blocks() if isinstance(block, dict) and "repos" in block)
    assert [h["id"] for h in config["repos"][0]["hooks"]] == [hook["id"]]


def test_our_ci_validates_the_examples_as_sarif() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r'fivesafes validate "\$\{examples\[@\]\}" --severity should --format sarif', ci)
    assert "tests/data/sarif-schema-2.1.0.json" in ci
    assert json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))["id"]
