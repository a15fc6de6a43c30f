"""``fivesafes disclosure check`` through CliRunner: exit codes per --fail-on, text and JSON, errors on stderr."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from fivesafes_crate.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCHEMA = json.loads(resources.files("fivesafes_crate.disclosure_control").joinpath("report.schema.json")
                    .read_text("utf-8"))


@pytest.fixture(scope="module")
def standalone(reference_dir: Path) -> Path:
    return reference_dir / "acro-sample-1.0.2" / "standalone"


def test_a_failing_table_exits_1_with_its_labels(standalone: Path) -> None:
    result = runner.invoke(app, ["disclosure", "check", str(standalone / "output_0_0.csv")])
    assert result.exit_code == 1 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "FAIL output_0_0.csv (frequency-table, 66 bytes)"
    # one table per output: outcome, rule, where, message; the worst rule first
    assert lines[1].split()[:2] == ["fail", "sdc.threshold"] and "5 of 12 counts are below" in lines[1]
    assert all(label in result.stdout for label in ("East / A", "East / C", "West / A", "West / B", "West / C"))
    assert result.stdout.rstrip().endswith("FAIL — 1 output: 1 fail, 0 review, 0 pass")


@pytest.mark.parametrize(("fail_on", "code"), [("fail", 0), ("review", 1), ("never", 0)])
def test_fail_on_decides_the_exit_code(standalone: Path, fail_on: str, code: int) -> None:
    result = runner.invoke(app, ["disclosure", "check", str(standalone / "note.txt"), "--fail-on", fail_on])
    assert result.exit_code == code, result.stdout


def test_json_report_of_a_crate(tmp_path: Path) -> None:
    result = runner.invoke(app, ["disclosure", "check", str(EXAMPLES / "executed"), "--format", "json"])
    assert result.exit_code == 0 and result.stderr == ""
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert [o["name"] for o in document["outputs"]] == ["outputs/summary.csv"]
    assert document["policy"]["id"] == "acro-default"


def test_bag_zip_with_a_policy_file_and_fail_on_never(tmp_path: Path, bag_zip: Callable[..., Path],
                                                      standalone: Path) -> None:
    bag = bag_zip(EXAMPLES / "executed", tmp_path / "executed.bagit.zip")
    policy = tmp_path / "strict.toml"
    policy.write_text('id = "strict"\nsafe_threshold = 1000\n', "utf-8")
    result = runner.invoke(app, ["disclosure", "check", str(bag), "--policy", str(policy), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["policy"]["id"] == "strict"
    never = runner.invoke(app, ["disclosure", "check", str(bag), "--policy", str(policy), "--fail-on", "never"])
    assert never.exit_code == 0 and "FAIL" in never.stdout


def test_evidence_judges_a_magnitude_table(reference_dir: Path, standalone: Path) -> None:
    evidence = reference_dir / "acro-sample-1.0.2" / "federated" / "evidence.json"
    result = runner.invoke(app, ["disclosure", "check", str(standalone / "output_1_0.csv"), "--evidence",
                                 str(evidence), "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["evidence"] == "evidence.json"
    rules = {f["rule"]: f["outcome"] for f in document["outputs"][0]["findings"]}
    assert (rules["sdc.threshold"], rules["sdc.nk"], rules["sdc.p-ratio"]) == ("fail", "pass", "pass")
    assert "5000000" not in result.stdout and "35502" not in result.stdout


@pytest.mark.parametrize("arguments", [
    ["{missing}"],
    ["{sample}", "--policy", "no-such-preset"],
    ["{sample}", "--evidence", "{missing}"],
])
def test_errors_are_one_line_on_stderr_with_exit_2(tmp_path: Path, standalone: Path, arguments: list[str]) -> None:
    values = {"missing": str(tmp_path / "absent.json"), "sample": str(standalone / "output_0_0.csv")}
    result = runner.invoke(app, ["disclosure", "check", *(a.format(**values) for a in arguments)])
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")


TRE = {"FIVESAFES_PROVIDER": "https://safehaven.example.org/", "FIVESAFES_PROVIDER_NAME": "Example Safe Haven"}


def _graph(target: Path) -> dict[str, dict[str, object]]:
    from unit.phases.conftest import metadata_of

    return {entity["@id"]: entity for entity in json.loads(metadata_of(target))["@graph"]}


def test_write_records_the_screening_and_still_exits_by_fail_on(tmp_path: Path) -> None:
    from unit.phases.conftest import executed_crate

    bag = executed_crate(tmp_path)
    result = runner.invoke(app, ["disclosure", "check", str(bag), "--write"], env=TRE)
    assert result.exit_code == 1 and result.stderr == ""  # the SVG fails
    assert result.stdout.rstrip().endswith("recorded: screening: 3 output(s) (1 fail, 1 review, 1 pass) recorded; "
                                           "disclosure check pending")
    graph = _graph(bag)
    assert "disclosure/sdc-report.json" in graph
    screener = graph["https://safehaven.example.org/#fivesafes-screening"]
    assert screener["@type"] == "SoftwareApplication" and screener["provider"] == {"@id": TRE["FIVESAFES_PROVIDER"]}
    again = runner.invoke(app, ["disclosure", "check", str(bag), "--write", "--format", "json", "--fail-on",
                                "never"], env=TRE)
    assert again.exit_code == 0
    jsonschema.validate(json.loads(again.stdout), SCHEMA)  # the report only: the summary is not in the JSON


def test_as_decision_approves_a_clean_crate(tmp_path: Path) -> None:
    from unit.phases.conftest import completed_crate

    bag = completed_crate(tmp_path, {"counts.csv": b"age_band,count\n40-49,12\n50-59,17\n"})
    result = runner.invoke(app, ["disclosure", "check", str(bag), "--write", "--as-decision", "--agent",
                                 "https://safehaven.example.org/#sdc", "--agent-name", "SDC bot"], env=TRE)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().endswith("disclosure check approved (every output passed)")
    check = next(e for i, e in _graph(bag).items() if i.startswith("#disclosure-"))
    assert check["actionStatus"] == "http://schema.org/CompletedActionStatus"
    assert check["agent"] == {"@id": "https://safehaven.example.org/#sdc"}


@pytest.mark.parametrize(("arguments", "env", "fragment"), [
    (["--as-decision"], TRE, "--write"),
    (["--write"], {}, "--provider"),
])
def test_recording_needs_write_and_a_provider(tmp_path: Path, arguments: list[str], env: dict[str, str],
                                              fragment: str) -> None:
    result = runner.invoke(app, ["disclosure", "check", str(EXAMPLES / "executed"), *arguments], env=env)
    assert result.exit_code == 2 and result.stdout == "" and fragment in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_crate_without_outputs_is_not_a_pass() -> None:
    result = runner.invoke(app, ["disclosure", "check", str(EXAMPLES / "request")])
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "no outputs found" and "PASS" not in result.stdout
    assert lines[-1] == "NOT-CHECKED — 0 outputs: nothing to screen, so nothing passed"
    data = json.loads(runner.invoke(app, ["disclosure", "check", str(EXAMPLES / "request"), "--format", "json"]).stdout)
    assert data["outcome"] == "not-checked" and data["outputs"] == []
