"""``fivesafes disclosure record`` through CliRunner: decisions, the rejection's exit 1, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from unit.phases.conftest import crate_files, executed_crate, metadata_of, running_crate

from fivesafes_crate.cli import app

runner = CliRunner()
AGENT = {"FIVESAFES_AGENT": "https://orcid.org/0000-0003-4455-6679", "FIVESAFES_AGENT_NAME": "Sam Output-Checker",
         "FIVESAFES_AGENT_TYPE": "person"}


def invoke(*args: str | Path, env: dict[str, str] | None = AGENT) -> Any:
    return runner.invoke(app, ["disclosure", "record", *(str(a) for a in args)], env=env)


def assert_one_error_line(result: Any, *fragments: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def _check(target: Path) -> dict[str, Any]:
    graph = json.loads(metadata_of(target))["@graph"]
    return next(entity for entity in graph if entity["@id"].startswith("#disclosure-"))


def test_pending_with_a_predicted_start_then_approved(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    pending = invoke(bag, "--decision", "pending", "--reason", "estimate: 1 week", "--start", "2024-03-11T09:00:00Z")
    assert pending.exit_code == 0, pending.stderr
    assert pending.stdout.endswith(": pending (estimate: 1 week)\n") and pending.stderr == ""
    assert _check(bag)["startTime"] == "2024-03-11T09:00:00+00:00"
    approved = invoke(bag, "--decision", "approved", "--format", "json")
    assert approved.exit_code == 0, approved.stderr
    data = json.loads(approved.stdout)
    assert data["status"] == "completed" and data["stage"] == "disclosure-checked" and data["removed"] == []
    assert _check(bag)["agent"] == {"@id": AGENT["FIVESAFES_AGENT"]}


def test_a_rejection_exits_1_and_lists_what_was_withheld(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    result = invoke(bag, "--decision", "rejected", "--reason", "small cells", "--remove-run", "--format", "json")
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "failed"
    assert "outputs/summary.csv" in data["removed"] and "#query-5e61ded6-4135-4225-8de2-e96d5532e6fb" in data["removed"]


def test_errors_are_one_line_and_leave_the_crate(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    before = crate_files(bag)
    assert_one_error_line(invoke(bag, "--decision", "rejected"), "needs a reason")
    assert_one_error_line(invoke(bag, "--decision", "pending", "--start", "next week"), "not an ISO 8601 time")
    assert_one_error_line(invoke(bag, "--decision", "pending", "--start", "2024-03-11T09:00"), "time zone")
    assert_one_error_line(invoke(bag, "--decision", "maybe"), "--decision")
    assert_one_error_line(invoke(bag, "--decision", "approved", env={}), "--agent")
    assert crate_files(bag) == before


def test_a_running_workflow_cannot_be_checked(tmp_path: Path) -> None:
    bag = running_crate(tmp_path, results=True)
    assert_one_error_line(invoke(bag, "--decision", "pending"), "needs a completed workflow run")


def test_per_output_verdicts_with_pruning(tmp_path: Path) -> None:
    from unit.phases.conftest import screened_crate

    bag = screened_crate(tmp_path)
    result = invoke(bag, "--decision", "approved", "--approve", "outputs/summary.csv", "--approve",
                    "outputs/figures/by-region/north.png", "--reject", "outputs/figures/ages.svg", "--comment",
                    "outputs/figures/ages.svg=embeds exact points", "--prune", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "completed" and data["removed"] == ["outputs/figures/ages.svg"]
    graph = {e["@id"]: e for e in json.loads(metadata_of(bag))["@graph"]}
    rejected = [e for e in graph.values() if e.get("reviewBody") == "embeds exact points"]
    assert rejected[0]["additionalType"] == {"@id": "https://w3id.org/shp#FailedDisclosureCheck"}


@pytest.mark.parametrize(("arguments", "fragments"), [
    (["--comment", "outputs/summary.csv=fine"], ["--comment", "has no --approve or --reject"]),
    (["--approve", "outputs/summary.csv", "--reject", "outputs/summary.csv"], ["both approved and rejected"]),
    (["--approve", "outputs/summary.csv", "--comment", "outputs/summary.csv"], ["expected REL=TEXT"]),
    (["--approve", "outputs/summary.csv"], ["in scope have no verdict"]),
    (["--approve", "outputs/nothing.csv"], ["outputs/nothing.csv", "not an output in scope"]),
])
def test_verdict_errors_are_one_line_and_leave_the_crate(tmp_path: Path, arguments: list[str],
                                                         fragments: list[str]) -> None:
    from unit.phases.conftest import screened_crate

    bag = screened_crate(tmp_path)
    before = crate_files(bag)
    assert_one_error_line(invoke(bag, "--decision", "approved", *arguments), *fragments)
    assert crate_files(bag) == before
