"""``fivesafes export dur``: the Gateway payload on stdout or in a file, one error line for a refusal."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from fivesafes_crate.cli import app
from fivesafes_crate.interop.dur import payload_schema

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def test_the_payload_goes_to_stdout_and_validates() -> None:
    result = runner.invoke(app, ["export", "dur", str(EXAMPLES / "published"), "--format", "gateway-json"])
    assert result.exit_code == 0 and result.stderr == ""
    payload = json.loads(result.stdout)
    jsonschema.Draft202012Validator(payload_schema()).validate(payload)
    assert payload["project_title"] == "Diabetes outcomes in primary care (Safe Haven project 81)"


def test_the_payload_goes_to_a_file_never_over_another(tmp_path: Path) -> None:
    config = tmp_path / "dur.toml"
    config.write_text('[dur]\norganisation_sector = "Academia"\n', encoding="utf-8")
    output = tmp_path / "dur.json"
    args = ["export", "dur", str(EXAMPLES / "published"), "--config", str(config), "-o", str(output)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and result.stdout.strip() == str(output)
    assert json.loads(output.read_text(encoding="utf-8"))["organisation_sector"] == "Academia"
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and again.stdout == "" and "already exists" in again.stderr
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_a_crate_not_yet_approved_is_refused_in_one_line() -> None:
    result = runner.invoke(app, ["export", "dur", str(EXAMPLES / "executed")])
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no completed disclosure check" in result.stderr and "executed" in result.stderr


def test_a_bad_config_is_one_line_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "dur.toml"
    config.write_text('[dur]\norganisation_sector = "University"\n', encoding="utf-8")
    result = runner.invoke(app, ["export", "dur", str(EXAMPLES / "published"), "--config", str(config)])
    assert result.exit_code == 2 and result.stdout == "" and "dur.toml" in result.stderr
    assert "must be one of" in result.stderr
