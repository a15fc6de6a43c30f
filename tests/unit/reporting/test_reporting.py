"""The JSON report (a contract, checked against docs/reference/report.schema.json) and the text report."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from fivesafes_crate.issues import Issue, Report, Severity, Stage
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.reporting import REPORTERS
from fivesafes_crate.reporting.json import issue_to_json, render_json, report_to_json
from fivesafes_crate.reporting.text import group_issues, render_text, verdict
from fivesafes_crate.validation.engine import validate

from .._crates import entity, report_schema, request_document

PROFILE = "https://w3id.org/5s-crate/0.4"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    found = report_schema()
    jsonschema.Draft202012Validator.check_schema(found)
    return found


def sample(threshold: Severity = Severity.MUST) -> Report:
    return Report.build(PROFILE, Stage.REQUEST, threshold, [
        Issue(Severity.MUST, "metadata.root-id", "root is not ./", focus="ro-crate-metadata.json", path="about"),
        Issue(Severity.MUST, "data.file-missing", "no file 'input1.txt' in the crate", focus="input1.txt",
              file="input1.txt"),
        Issue(Severity.SHOULD, "ref.dangling", "references 'https://ror.org/x'", focus="#project", path="member"),
        Issue(Severity.MAY, "metadata.root-identifier", "may have an identifier", focus="./"),
        Issue(Severity.MUST, "json.syntax", "not valid JSON: ünïcode (line 1, column 2)",
              file="ro-crate-metadata.json"),
    ], declared=(PROFILE,))


def test_schema_accepts_what_the_reporter_writes(schema: dict[str, Any]) -> None:
    for threshold in Severity:
        jsonschema.validate(json.loads(render_json(sample(threshold))), schema)
    jsonschema.validate(json.loads(render_json(Report.build(PROFILE, Stage.PUBLISHED, Severity.MUST, []))), schema)


@pytest.mark.parametrize(
    "broken",
    [
        {"valid": True, "profile": "p", "stage": "request", "phase": "request", "issues": [], "extra": 1},
        {"valid": True, "profile": "p", "issues": []},
        {"valid": "yes", "profile": "p", "stage": "request", "phase": "request", "issues": []},
        {"valid": True, "profile": "p", "stage": "review", "phase": "request", "issues": []},
        {"valid": True, "profile": "p", "stage": "request", "phase": "request", "issues": [
            {"severity": "must", "check": "Bad.Id", "focus": None, "path": None, "file": None, "message": "m"}]},
        {"valid": True, "profile": "p", "stage": "request", "phase": "request", "issues": [
            {"severity": "MUST", "check": "a.b", "focus": None, "path": None, "file": None, "message": "m"}]},
        {"valid": True, "profile": "p", "stage": "request", "phase": "request", "issues": [
            {"severity": "must", "check": "a.b", "focus": None, "path": None, "message": "m"}]},
        {"valid": True, "profile": "p", "stage": "request", "phase": "request", "issues": [
            {"severity": "must", "check": "a.b", "focus": 1, "path": None, "file": None, "message": "m"}]},
        {"valid": True, "profile": "p", "stage": "request", "phase": "request", "issues": [
            {"severity": "must", "check": "nodot", "focus": None, "path": None, "file": None, "message": "m"}]},
        {"valid": True, "profile": "p", "stage": "request", "phase": "request", "issues": [
            {"severity": "must", "check": "a.b", "focus": None, "path": None, "file": None, "message": "m", "x": 1}]},
    ],
)
def test_schema_rejects_other_shapes(schema: dict[str, Any], broken: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_json_keys_exactly() -> None:
    data = json.loads(render_json(sample(Severity.MAY)))
    assert list(data) == ["valid", "profile", "declared", "stage", "phase", "issues"]
    assert all(list(issue) == ["severity", "check", "focus", "path", "file", "line", "column", "message"]
               for issue in data["issues"])


def test_json_values() -> None:
    data = report_to_json(sample())
    assert data["valid"] is False
    assert data["profile"] == PROFILE and data["stage"] == data["phase"] == "request"
    assert [i["check"] for i in data["issues"]] == ["data.file-missing", "json.syntax", "metadata.root-id"]
    assert issue_to_json(Issue(Severity.SHOULD, "ref.dangling", "m", focus="#p", path="member")) == {
        "severity": "should", "check": "ref.dangling", "focus": "#p", "path": "member", "file": None, "line": None,
        "column": None, "message": "m"}


def test_json_lists_only_issues_at_threshold() -> None:
    assert len(report_to_json(sample(Severity.MUST))["issues"]) == 3
    assert len(report_to_json(sample(Severity.SHOULD))["issues"]) == 4
    assert len(report_to_json(sample(Severity.MAY))["issues"]) == 5


def test_json_is_one_document_with_unicode_kept() -> None:
    text = render_json(sample())
    assert json.loads(text)  # one document, nothing around it
    assert "ünïcode" in text and "\x1b[" not in text


def test_json_of_a_real_validation(schema: dict[str, Any]) -> None:
    document = request_document()
    del entity(document, "./")["mainEntity"]
    entity(document, "./")["mentions"] = [entity(document, "./")["mentions"], {"@id": "#nowhere"}]
    for threshold in Severity:
        data = json.loads(render_json(validate(Crate(document), threshold=threshold)))
        jsonschema.validate(data, schema)
        assert data["valid"] is False or threshold is not Severity.MUST


def test_reporters_registry() -> None:
    assert set(REPORTERS) == {"text", "json"}
    assert REPORTERS["json"] is render_json and REPORTERS["text"] is render_text


def test_text_groups_by_severity_then_entity_and_ends_with_verdict() -> None:
    text = render_text(sample(Severity.SHOULD))
    lines = text.splitlines()
    assert lines[0] == "MUST (3)"
    assert "SHOULD (1)" in lines
    assert "MAY (1)" not in text  # below the threshold
    assert "  input1.txt" in lines and "  ro-crate-metadata.json" in lines and "  #project" in lines
    assert "    metadata.root-id: root is not ./ [about]" in lines
    assert "    ref.dangling: references 'https://ror.org/x' [member]" in lines
    assert lines[-1].startswith("INVALID at severity should")
    assert "profile https://w3id.org/5s-crate/0.4, stage request" in lines[-1]
    assert "(3 must, 1 should, 1 may)" in lines[-1]


@pytest.mark.parametrize(
    ("declared", "shown"),
    [
        ((PROFILE,), "profile https://w3id.org/5s-crate/0.4, stage request"),
        ((), "profile https://w3id.org/5s-crate/0.4 (the root declares no 5s-crate profile), stage request"),
        (("https://w3id.org/5s-crate/1.0",),
         "profile https://w3id.org/5s-crate/0.4 (the root declares https://w3id.org/5s-crate/1.0), stage request"),
        ((PROFILE, "https://w3id.org/5s-crate/0.5-DRAFT"), "profile https://w3id.org/5s-crate/0.4 (the root declares "
         "https://w3id.org/5s-crate/0.4, https://w3id.org/5s-crate/0.5-DRAFT), stage request"),
        (("https://w3id.org/5s-crate/\x1b[31mX",), "(the root declares https://w3id.org/5s-crate/\\x1b[31mX)"),
    ],
)
def test_text_verdict_shows_what_the_root_declares_when_it_differs(declared: tuple[str, ...], shown: str) -> None:
    report = Report.build(PROFILE, Stage.REQUEST, Severity.MUST, [], declared=declared)
    assert shown in verdict(report)


def test_text_of_a_valid_report() -> None:
    report = Report.build(PROFILE, Stage.EXECUTED, Severity.MUST, [Issue(Severity.SHOULD, "ref.dangling", "m")])
    text = render_text(report)
    assert text.splitlines() == [verdict(report)]
    assert text.startswith("VALID at severity must") and "stage executed" in text


def test_text_style_hook_sees_roles() -> None:
    roles: set[str] = set()

    def style(text: str, role: str) -> str:
        roles.add(role)
        return f"<{role}>{text}</{role}>"

    rendered = render_text(sample(Severity.MAY), style)
    assert {"must", "should", "may", "entity", "check", "invalid", "muted"} <= roles
    assert rendered.splitlines()[-1].startswith("<invalid>INVALID")


def test_group_issues_uses_file_or_crate_when_there_is_no_focus() -> None:
    issues = (Issue(Severity.MUST, "a.b", "m", file="bagit.txt"), Issue(Severity.MUST, "a.c", "m"))
    [(severity, entities)] = group_issues(issues)
    assert severity is Severity.MUST
    assert [name for name, _ in entities] == ["(crate)", "bagit.txt"]


def test_an_issue_with_a_line_is_shown_as_compilers_show_it() -> None:
    syntax = Issue(Severity.MUST, "json.syntax", "not valid JSON: Expecting value", file="ro-crate-metadata.json",
                   line=3, column=14)
    report = Report.build(None, None, Severity.MUST, [syntax], metadata_file="bag.zip/bag/data/ro-crate-metadata.json")
    lines = render_text(report).splitlines()
    assert lines[1] == "  bag.zip/bag/data/ro-crate-metadata.json:3:14: json.syntax: not valid JSON: Expecting value"
    assert lines[-1] == ("INVALID at severity must — no profile (the metadata could not be read), stage unknown "
                         "(1 must, 0 should, 0 may)")
    data = report_to_json(report)
    assert (data["profile"], data["stage"], data["phase"]) == (None, "unknown", "unknown")
    assert (data["issues"][0]["line"], data["issues"][0]["column"]) == (3, 14)

