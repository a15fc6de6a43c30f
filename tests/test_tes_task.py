"""The GA4GH TES task of docs/federation.md: a well-formed task whose command is ours and runs as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

import fivesafes_crate
from fivesafes_crate.cli import app

ROOT = Path(__file__).resolve().parents[1]
TASK = ROOT / "docs" / "reference" / "tes-validate-task.json"
CONTAINERFILE = ROOT / "docs" / "reference" / "Containerfile"


def test_the_task_has_the_tes_fields_and_wires_its_input_and_output() -> None:
    task = json.loads(TASK.read_text(encoding="utf-8"))
    assert set(task) <= {"name", "description", "inputs", "outputs", "resources", "executors", "volumes", "tags"}
    (executor,) = task["executors"]
    (crate,) = task["inputs"]
    (report,) = task["outputs"]
    assert crate["type"] == report["type"] == "FILE"
    assert executor["command"][:2] == ["fivesafes", "validate"] and crate["path"] in executor["command"]
    assert executor["stdout"] == report["path"] and executor["ignore_error"] is True
    version = re.escape(fivesafes_crate.__version__)
    assert re.search(rf":{version}$", executor["image"])
    assert re.search(rf'fivesafes-crate=={version}"', CONTAINERFILE.read_text(encoding="utf-8"))


def test_the_task_command_runs_and_prints_sarif(tmp_path: Path) -> None:
    from fivesafes_crate import package

    executor = json.loads(TASK.read_text(encoding="utf-8"))["executors"][0]
    crate = package(ROOT / "examples" / "request", tmp_path / "crate.bagit.zip")
    command = [str(crate) if word == "/data/crate.bagit.zip" else word for word in executor["command"][1:]]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["version"] == "2.1.0"
