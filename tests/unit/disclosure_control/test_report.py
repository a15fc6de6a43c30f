"""The safe report: its JSON matches the bundled schema and the text reads well; neither holds values."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema

from fivesafes_crate.disclosure_control import (
    PRESETS,
    ScreeningReport,
    render_json,
    render_text,
    screen_target,
)
from fivesafes_crate.disclosure_control.report import screening_to_json
from fivesafes_crate.issues import ScreeningOutcome

SCHEMA = json.loads(resources.files("fivesafes_crate.disclosure_control").joinpath("report.schema.json")
                    .read_text("utf-8"))


def test_json_report_matches_its_schema(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "t.csv").write_text("g,a,b\nr1,3,0\nr2,40,50\n", "utf-8")
    (tmp_path / "out" / "note.txt").write_text("mail me at jane.doe@example.org\n", "utf-8")
    report = screen_target(tmp_path / "out", PRESETS["uk-llc"])
    document = screening_to_json(report)
    jsonschema.validate(document, SCHEMA)
    assert document["outcome"] == "fail" and document["counts"] == {"fail": 1, "review": 1, "pass": 0}
    assert document["policy"] == {"id": "uk-llc", "name": "UK LLC", "source": "preset",
                                  "sha256": PRESETS["uk-llc"].digest}
    assert json.loads(render_json(report)) == document
    assert "jane" not in render_json(report)


def test_text_report(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("g,a,b\nr1,3,0\nr2,40,50\n", "utf-8")
    text = render_text(screen_target(tmp_path / "t.csv", PRESETS["acro-default"]))
    lines = text.splitlines()
    assert lines[0].startswith("FAIL") and "t.csv (frequency-table, 22 bytes)" in lines[0]
    assert any("sdc.threshold" in line and "r1 / a" in line for line in lines)
    assert lines[-1] == "FAIL — 1 output: 1 fail, 0 review, 0 pass"
    assert lines[-2].startswith("policy acro-default (ACRO defaults, sha256 ")


def test_an_empty_screening_is_not_a_pass() -> None:
    report = ScreeningReport(PRESETS["acro-default"], ())
    assert report.outcome is ScreeningOutcome.NOT_CHECKED
    lines = render_text(report).splitlines()
    assert lines[0] == "no outputs found"
    assert lines[-1] == "NOT-CHECKED — 0 outputs: nothing to screen, so nothing passed"
    data = screening_to_json(report)
    assert data["outcome"] == "not-checked"
    jsonschema.validate(data, SCHEMA)
