"""``fivesafes export-profile --for rocrate-validator``, and rocrate-validator running the exported profile.

rocrate-validator (PyPI ``roc-validator``) pins rich<14, so ``scripts/setup.sh`` installs it in an environment of
its own, ``.venv-rocrate-validator`` (see docs/interop.md); there ``_rocrate_validator.py`` loads the exported
profile into the tool and runs it on an example crate, offline: every network call is refused (and none is
tried), the tool runs in offline mode with its cache in a temporary folder, and the RO-Crate context it would
download is served from our bundled copies.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fivesafes_crate.cli import app
from fivesafes_crate.issues import Severity
from fivesafes_crate.validation.engine import validate
from fivesafes_crate.validation.shacl import load_library

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
ROCRATE_VALIDATOR_PYTHON = REPO / ".venv-rocrate-validator" / "bin" / "python"
RUN_ROCRATE_VALIDATOR = Path(__file__).with_name("_rocrate_validator.py")
runner = CliRunner()


def test_export_writes_one_folder_per_version(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export-profile", "--for", "rocrate-validator", str(tmp_path / "out")])
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["five-safes-crate-0.4", "five-safes-crate-0.5"]
    assert all((tmp_path / "out" / name / "profile.ttl").is_file() for name in ("five-safes-crate-0.4",
                                                                                 "five-safes-crate-0.5"))


def test_export_of_one_version_and_refusal_to_replace(tmp_path: Path) -> None:
    arguments = ["export-profile", "--for", "rocrate-validator", "--profile", "0.5-DRAFT", str(tmp_path)]
    first = runner.invoke(app, arguments)
    assert first.exit_code == 0 and first.stdout.startswith("five-safes-crate-0.5  ")
    again = runner.invoke(app, arguments)
    assert again.exit_code == 2 and again.stdout == ""
    assert again.stderr.count("\n") == 1 and "exists already" in again.stderr


@pytest.mark.parametrize("arguments", [
    ["export-profile", "OUT"],
    ["export-profile", "--for", "other-validator", "OUT"],
    ["export-profile", "--for", "rocrate-validator", "--profile", "9.9", "OUT"],
])
def test_usage_errors_exit_2_with_one_line(arguments: list[str], tmp_path: Path) -> None:
    result = runner.invoke(app, [str(tmp_path / a) if a == "OUT" else a for a in arguments])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "OUT").exists()


def test_rocrate_validator_runs_the_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ROCRATE_VALIDATOR_PYTHON.is_file(), "no .venv-rocrate-validator: run bash scripts/setup.sh"
    monkeypatch.setenv("ROCRATE_VALIDATOR_AUTO_WARM", "0")
    exported = runner.invoke(app, ["export-profile", "--for", "rocrate-validator", str(tmp_path / "profiles")])
    assert exported.exit_code == 0
    crate = EXAMPLES / "published"
    run = subprocess.run(
        [ROCRATE_VALIDATOR_PYTHON, RUN_ROCRATE_VALIDATOR, tmp_path / "profiles", "five-safes-crate-0.4", crate,
         tmp_path / "cache"], capture_output=True, text=True, check=False, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["refused"] == []
    ours = set(found["checks"])
    shacl = set(load_library().infos)
    assert ours, "rocrate-validator reported none of our checks: it did not run the exported profile"
    assert ours == {i.check for i in validate(crate, threshold=Severity.MAY).issues if i.check in shacl}
