"""``fivesafes checks`` and ``fivesafes profiles``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fivesafes_crate import list_profiles
from fivesafes_crate.cli import app
from fivesafes_crate.validation.engine import catalogue

runner = CliRunner()


def test_checks_json_lists_every_catalogue_id() -> None:
    result = runner.invoke(app, ["checks", "--format", "json"])
    assert result.exit_code == 0 and result.stderr == ""
    rows = json.loads(result.stdout)
    assert [row["check"] for row in rows] == list(catalogue())
    for row in rows:
        assert set(row) == {"check", "severity", "stage", "section", "anchor", "kind", "profiles", "description"}
        assert row["severity"] in ("must", "should", "may")
        assert row["kind"] in ("python", "shacl")
    kinds = {row["check"]: row["kind"] for row in rows}
    assert kinds["json.syntax"] == "python" and kinds["data.link"] == "python"


def test_checks_text_lists_every_id() -> None:
    result = runner.invoke(app, ["checks"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert listed == list(catalogue())


def test_profiles_json() -> None:
    result = runner.invoke(app, ["profiles", "--format", "json"])
    assert result.exit_code == 0 and result.stderr == ""
    rows = json.loads(result.stdout)
    assert [row["version"] for row in rows] == ["0.4", "0.5-DRAFT"]
    assert [row["id"] for row in rows] == [p.id for p in list_profiles()]
    assert all(set(row) == {"id", "version", "name", "spec", "status", "profile_crate"} for row in rows)


def test_profiles_text() -> None:
    result = runner.invoke(app, ["profiles"])
    assert result.exit_code == 0
    assert "0.4" in result.stdout and "0.5-DRAFT" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_bad_format_exits_2() -> None:
    for command in ("checks", "profiles"):
        result = runner.invoke(app, [command, "--format", "yaml"])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1


def test_version_prints_the_package_version_before_any_command() -> None:
    from fivesafes_crate import __version__

    for arguments in (["--version"], ["--version", "validate", "no-such-crate"]):
        result = runner.invoke(app, arguments)
        assert (result.exit_code, result.stdout, result.stderr) == (0, f"fivesafes {__version__}\n", "")
