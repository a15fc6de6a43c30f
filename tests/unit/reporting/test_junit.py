"""JUnit XML output, checked against the Jenkins/Ant junit-10.xsd (tests/data/junit-10.xsd) with lxml."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from lxml import etree

from fivesafes_crate.issues import InputFailure, Issue, Report, ReportSet, Severity, Stage
from fivesafes_crate.reporting import MULTI_REPORTERS
from fivesafes_crate.reporting.junit import junit_tree, render_junit
from fivesafes_crate.validation import engine
from fivesafes_crate.validation.engine import catalogue, validate

from .._crates import REPO, write_crate

XSD = REPO / "tests" / "data" / "junit-10.xsd"
PROFILE = "https://w3id.org/5s-crate/0.4"


@pytest.fixture(scope="module")
def xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def parse(document: str, xsd: etree.XMLSchema) -> etree._Element:
    root = etree.fromstring(document.encode("utf-8"))
    assert xsd.validate(root), xsd.error_log
    return root


def case(suite: etree._Element, check_id: str) -> etree._Element:
    found = suite.findall(f"testcase[@name='{check_id}']")
    assert len(found) == 1, check_id
    return found[0]


def test_a_suite_per_crate_and_a_case_per_check(tmp_path: Path, xsd: etree.XMLSchema) -> None:
    good = write_crate(tmp_path / "good")
    bad = write_crate(tmp_path / "bad", files={})
    reports = {"good": validate(good), "bad": validate(bad)}
    root = parse(render_junit(reports), xsd)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["good", "bad"]
    checks = catalogue()
    for suite in suites:
        assert [c.get("name") for c in suite.findall("testcase")] == sorted(checks)
        assert {c.get("classname") for c in suite.findall("testcase")} == {suite.get("name")}
        later = [check_id for check_id, info in checks.items() if not Stage.REQUEST.includes(info.stage)]
        assert [c.get("name") for c in suite.findall("testcase[skipped]")] == later
        assert suite.get("skipped") == str(len(later)) and suite.get("tests") == str(len(checks))
        properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        assert properties == {"profile": PROFILE, "declared": PROFILE, "stage": "request", "phase": "request",
                              "severity": "must",
                              "valid": "true" if suite.get("name") == "good" else "false"}
    good_suite, bad_suite = suites
    assert good_suite.get("failures") == "0" and not good_suite.findall("testcase/failure")
    assert [c.get("name") for c in bad_suite.findall("testcase[failure]")] == ["data.file-missing"]
    failure = case(bad_suite, "data.file-missing").find("failure")
    assert failure.get("type") == "must" and failure.get("message") == "no file 'input1.txt' in the crate"
    assert failure.text == "MUST input1.txt: no file 'input1.txt' in the crate"
    assert root.get("tests") == str(2 * len(checks)) and root.get("failures") == "1" and root.get("errors") == "0"


def test_failures_list_every_issue_at_the_threshold_and_nothing_below(xsd: etree.XMLSchema) -> None:
    report = Report.build(PROFILE, Stage.EXECUTED, Severity.SHOULD, [
        Issue(Severity.SHOULD, "ref.dangling", "references '#a'", focus="#q", path="object"),
        Issue(Severity.SHOULD, "ref.dangling", "references '#b'", focus="#q", path="object"),
        Issue(Severity.MAY, "metadata.root-identifier", "may have an identifier", focus="./"),
        Issue(Severity.MUST, "bagit.payload-integrity", "bad\x00byte", file="data/x.txt"),
        Issue(Severity.MUST, "tre.own-check", "the TRE says no"),
    ])
    suite = parse(render_junit({"crate.zip": report}), xsd).find("testsuite")
    dangling = case(suite, "ref.dangling").find("failure")
    assert dangling.get("message") == "references '#a' (and 1 more)"
    assert dangling.text.splitlines() == ["SHOULD #q [object]: references '#a'", "SHOULD #q [object]: references '#b'"]
    assert case(suite, "metadata.root-identifier").find("failure") is None
    assert case(suite, "bagit.payload-integrity").find("failure").text == "MUST data/x.txt: bad\ufffdbyte"
    assert case(suite, "tre.own-check").find("failure").text == "MUST (crate): the TRE says no"
    assert suite.get("failures") == "3" and suite.get("tests") == str(len(catalogue()) + 1)
    assert case(suite, "execution.end-time").find("skipped") is None  # executed: introduced at this stage
    skipped = case(suite, "publishing.has-part-results").find("skipped")
    assert skipped.get("message") == "applies from the published stage on; the crate is at the executed stage"


def test_checks_of_other_profile_versions_have_no_case(monkeypatch: pytest.MonkeyPatch) -> None:
    checks = catalogue()
    only_draft = dataclasses.replace(checks["agent.present"], profiles=("0.5-DRAFT",))
    monkeypatch.setattr(engine, "catalogue", lambda: {**checks, "agent.present": only_draft})
    report = Report.build(PROFILE, Stage.REQUEST, Severity.MUST, [])
    names = [c.get("name") for c in junit_tree({"x": report}).iter("testcase")]
    assert "agent.present" not in names and len(names) == len(checks) - 1
    draft = Report.build("https://w3id.org/5s-crate/0.5-DRAFT", Stage.REQUEST, Severity.MUST, [])
    assert "agent.present" in [c.get("name") for c in junit_tree({"x": draft}).iter("testcase")]


def test_registered() -> None:
    assert MULTI_REPORTERS["junit"] is render_junit
    assert render_junit({}).startswith("<?xml")


def test_an_unreadable_input_is_a_suite_with_an_error(tmp_path: Path, xsd: etree.XMLSchema) -> None:
    good = write_crate(tmp_path / "good")
    failure = InputFailure("gone.zip", "UnsafeInputError", "gone.zip: ZIP members overlap")
    root = parse(render_junit(ReportSet({"good": validate(good)}, (failure,))), xsd)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["good", "gone.zip"]
    assert (suites[1].get("tests"), suites[1].get("errors"), root.get("errors")) == ("1", "1", "1")
    error = suites[1].find("testcase/error")
    assert (error.get("type"), error.get("message"), error.text) == (
        "UnsafeInputError", "gone.zip: ZIP members overlap", "gone.zip: ZIP members overlap")


def test_unreadable_metadata_has_no_skipped_checks_and_no_profile(tmp_path: Path, xsd: etree.XMLSchema) -> None:
    broken = write_crate(tmp_path / "broken", raw=b"{")
    [suite] = parse(render_junit({"broken": validate(broken)}), xsd).findall("testsuite")
    properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert (properties["profile"], properties["stage"], properties["phase"]) == ("", "unknown", "unknown")
    assert suite.get("skipped") == "0" and case(suite, "json.syntax").find("failure") is not None
