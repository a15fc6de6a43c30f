"""``fivesafes export-profile --for rocrate-validator``; when rocrate-validator is installed, the tool runs it.

rocrate-validator (PyPI ``roc-validator``) is not a test dependency (see docs/interop.md); where it is
installed, the exported profile is loaded by the tool itself and run on an example crate, offline: sockets are
blocked, the tool runs in offline mode with its cache in a temporary folder, and the RO-Crate context it would
download is served from our bundled copies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fivesafes_crate.cli import app
from fivesafes_crate.contexts import load_context
from fivesafes_crate.issues import Severity
from fivesafes_crate.validation.engine import validate
from fivesafes_crate.validation.shacl import load_library

try:  # imported at collection, before sockets are blocked: urllib3 probes for IPv6 with a local socket on import
    from rocrate_validator import services
    from rocrate_validator.utils import document_loader
except ImportError:
    services = document_loader = None

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
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
    if services is None or document_loader is None:
        pytest.skip("rocrate-validator (PyPI roc-validator) is not installed")

    def bundled(url: str) -> Any:
        return load_context(url)  # raises for any context we do not bundle: nothing is fetched

    monkeypatch.setattr(document_loader, "_fetch_json_ld", bundled)
    monkeypatch.setenv("ROCRATE_VALIDATOR_AUTO_WARM", "0")
    exported = runner.invoke(app, ["export-profile", "--for", "rocrate-validator", str(tmp_path / "profiles")])
    assert exported.exit_code == 0
    crate = EXAMPLES / "published"
    result = services.validate({
        "rocrate_uri": str(crate), "extra_profiles_path": tmp_path / "profiles",
        "profile_identifier": "five-safes-crate-0.4", "requirement_severity": "OPTIONAL",
        "offline": True, "cache_path": tmp_path / "cache",
    })
    ours = {issue.check.name for issue in result.get_issues()
            if issue.check.requirement.profile.identifier == "five-safes-crate-0.4"}
    shacl = set(load_library().infos)
    assert ours == {i.check for i in validate(crate, threshold=Severity.MAY).issues if i.check in shacl}
