"""``fivesafes validate`` with several crates and the CI formats (SARIF, JUnit XML): exit codes, stdout, stderr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree
from typer.testing import CliRunner
from unit._crates import REPO, write_crate

from fivesafes_crate.cli import app
from fivesafes_crate.reporting.json import render_json
from fivesafes_crate.validation.engine import validate

runner = CliRunner()
SARIF_SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
JUNIT_XSD = REPO / "tests" / "data" / "junit-10.xsd"


@pytest.fixture
def crates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Two crates in the current folder: 'good' (valid at must) and 'bad' (input1.txt missing)."""
    monkeypatch.chdir(tmp_path)
    write_crate(tmp_path / "good")
    write_crate(tmp_path / "bad", files={})
    return "good", "bad"


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["validate", *args])


def assert_one_error_line(result: Any) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


def sarif(stdout: str) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(stdout)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(log)
    return log


def test_sarif_for_several_crates_is_one_run(crates: tuple[str, str]) -> None:
    result = invoke(*crates, "--format", "sarif")
    assert result.exit_code == 1 and result.stderr == ""
    log = sarif(result.stdout)
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert [c["path"] for c in run["invocations"][0]["properties"]["crates"]] == list(crates)
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]] \
        == [("data.file-missing", "bad/input1.txt")]


def test_sarif_of_valid_crates_exits_0(crates: tuple[str, str]) -> None:
    result = invoke("good", "good/ro-crate-metadata.json", "--format", "sarif")
    assert result.exit_code == 0 and result.stderr == ""
    assert sarif(result.stdout)["runs"][0]["results"] == []


def test_junit_has_a_suite_per_crate(crates: tuple[str, str]) -> None:
    result = invoke(*crates, "--format", "junit", "--severity", "must")
    assert result.exit_code == 1 and result.stderr == ""
    root = etree.fromstring(result.stdout.encode("utf-8"))
    xsd = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    assert xsd.validate(root), xsd.error_log
    assert [s.get("name") for s in root.findall("testsuite")] == list(crates)
    assert [s.get("failures") for s in root.findall("testsuite")] == ["0", "1"]


def test_text_for_several_crates_has_a_section_each(crates: tuple[str, str]) -> None:
    result = invoke(*crates)
    assert result.exit_code == 1 and result.stderr == ""
    sections = result.stdout.split("\n\n== ")
    assert sections[0].startswith("== good\n") and sections[0].rstrip().splitlines()[-1].startswith("VALID")
    assert sections[-1].startswith("bad\n") and "data.file-missing" in sections[-1]
    assert sections[-1].rstrip().splitlines()[-1].startswith("INVALID")


def test_json_for_one_crate_is_unchanged(crates: tuple[str, str]) -> None:
    result = invoke("bad", "--format", "json")
    assert result.exit_code == 1 and result.stderr == ""
    assert result.stdout == render_json(validate("bad")) + "\n"


def test_json_for_several_crates_is_a_usage_error(crates: tuple[str, str]) -> None:
    assert "--format json" in assert_one_error_line(invoke(*crates, "--format", "json"))


def test_one_unreadable_input_is_the_one_error_line(crates: tuple[str, str]) -> None:
    assert assert_one_error_line(invoke("sub/../missing", "--format", "sarif")) == \
        "error: sub/../missing: no such file or folder"  # named as given


def test_an_unreadable_input_among_several_is_a_tool_execution_error_in_sarif(crates: tuple[str, str]) -> None:
    result = invoke("good", "missing", "bad", "--format", "sarif")
    assert result.exit_code == 2
    assert result.stderr == "error: missing: no such file or folder\n"
    run = sarif(result.stdout)["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert [c["path"] for c in invocation["properties"]["crates"]] == ["good", "bad"]  # the rest were validated
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and notification["message"]["text"] == "missing: no such file or folder"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "missing"
    assert notification["exception"]["kind"] == "CrateReadError"
    assert [r["ruleId"] for r in run["results"]] == ["data.file-missing"]


def test_an_unreadable_input_among_several_is_a_junit_error(crates: tuple[str, str]) -> None:
    Path("notcrate.txt").write_text("hello")
    result = invoke("good", "notcrate.txt", "bad", "--format", "junit")
    assert result.exit_code == 2
    assert result.stderr == "error: notcrate.txt: neither a ZIP archive, a crate folder nor a metadata file\n"
    root = etree.fromstring(result.stdout.encode("utf-8"))
    xsd = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    assert xsd.validate(root), xsd.error_log
    assert [s.get("name") for s in root.findall("testsuite")] == ["good", "bad", "notcrate.txt"]
    failed = root.findall("testsuite")[-1]
    assert failed.get("errors") == "1" and root.get("errors") == "1"
    error = failed.find("testcase/error")
    assert error.get("type") == "CrateReadError" and error.get("message").startswith("notcrate.txt: neither")


def test_an_unreadable_input_among_several_keeps_the_text_of_the_others(crates: tuple[str, str]) -> None:
    result = invoke("good", "missing", "bad")
    assert result.exit_code == 2
    assert result.stderr == "error: missing: no such file or folder\n"
    sections = result.stdout.split("\n\n== ")
    assert [section.split("\n", 1)[0].lstrip("= ") for section in sections] == ["good", "missing", "bad"]
    assert sections[1] == "missing\nerror: missing: no such file or folder"
    assert "data.file-missing" in sections[2]


def test_no_path_is_a_usage_error() -> None:
    assert_one_error_line(invoke("--format", "sarif"))


def test_help_names_the_formats() -> None:
    result = runner.invoke(app, ["validate", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "sarif" in result.stdout and "junit" in result.stdout
