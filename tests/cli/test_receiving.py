"""``fivesafes status`` and ``fivesafes receive`` through CliRunner: exit codes, stdout and stderr apart."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from fivesafes_crate.cli import app
from fivesafes_crate.packaging import package

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
URN = "urn:uuid:5b7d1c55-2a8e-4a55-9b53-0c6d4b2f7a10"


def test_status_prints_the_timeline_table_and_stage() -> None:
    result = runner.invoke(app, ["status", str(EXAMPLES / "disclosure-rejected")])
    assert result.exit_code == 0, result.stderr
    assert "disclosure check" in result.stdout and "failed" in result.stdout
    assert "Sam Output-Checker" in result.stdout
    assert result.stdout.rstrip().endswith("stage: disclosure-checked")
    assert result.stderr == ""


def test_status_json() -> None:
    result = runner.invoke(app, ["status", str(EXAMPLES / "executed"), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["stage"] == "executed"
    assert set(data["steps"][0]) == {"step", "action", "status", "name", "agents", "start", "end"}
    assert [(s["step"], s["status"]) for s in data["steps"]][-2:] == [("execution", "completed"),
                                                                       ("disclosure check", "potential")]


def test_receive_accepts_a_published_bag(tmp_path: Path) -> None:
    bag = package(EXAMPLES / "published", tmp_path / "p.bagit.zip", external_identifier=URN,
                  bagging_date=date(2024, 1, 1))
    result = runner.invoke(app, ["receive", str(bag)])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.rstrip().endswith("ACCEPTED")
    assert "NOT ACCEPTED" not in result.stdout
    assert "signatures: not checked (give --trust TRUST.toml (and --policy NAME) to verify them)\n" in result.stdout


def test_receive_json_for_an_unfinished_crate_exits_1(tmp_path: Path) -> None:
    bag = package(EXAMPLES / "executed", tmp_path / "e.bagit.zip", external_identifier=URN,
                  bagging_date=date(2024, 1, 1))
    result = runner.invoke(app, ["receive", str(bag), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"accepted", "reasons", "bag", "validation", "timeline", "signatures", "verdicts"}
    assert data["signatures"] is None  # no --trust given
    assert data["accepted"] is False and data["bag"]["valid"] is True and data["validation"]["valid"] is True
    assert data["reasons"][-1] == "no publishing recorded"


def test_receive_of_a_missing_path_is_one_error_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["receive", str(tmp_path / "nothing.zip")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")
