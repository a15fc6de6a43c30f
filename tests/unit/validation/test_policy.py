"""docs/conformance.md, applied to every action type the profile describes: one rule, one verdict, everywhere.

Each rule (timestamps, status values, names, references) is applied to every action of the fully published
crate of ``tests/crates/make_shape_fixtures.py`` (one per action type and review step), so that a rule cannot
hold on one action and not on another. The one-defect-one-issue examples of issue 14 and a property (the
verdict never depends on the order of the entities) follow.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fivesafes_crate.issues import Issue, Report, Severity
from fivesafes_crate.model.dates import ISO_8601
from fivesafes_crate.validation.checks.value_forms import LINKING_PROPERTIES
from fivesafes_crate.validation.engine import validate
from fivesafes_crate.validation.registry import QUOTE_LIMIT, quote
from fivesafes_crate.validation.shacl import load_library

ROOT = Path(__file__).resolve().parents[3]
SHAPES = ROOT / "shapes"

Crate = dict[str, Any]


def _load_fixtures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_shape_fixtures", ROOT / "tests/crates/make_shape_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIXTURES = _load_fixtures()
PUBLISHED: Crate = FIXTURES.published_crate()

ACTIONS = {
    FIXTURES.CHECK: "AssessAction CheckValue",
    FIXTURES.VALIDATE: "AssessAction ValidationCheck",
    FIXTURES.DOWNLOADED: "DownloadAction (workflow retrieval)",
    FIXTURES.SIGNOFF: "AssessAction SignOff",
    FIXTURES.DISCLOSURE: "AssessAction DisclosureCheck",
    FIXTURES.BAGIT: "UpdateAction GenerateCheckValue",
    FIXTURES.RUN: "CreateAction (workflow run)",
}
"""Every action type the profile describes, as the published fixture crate records it."""

REVIEW_ACTIONS = [FIXTURES.CHECK, FIXTURES.VALIDATE, FIXTURES.DOWNLOADED, FIXTURES.SIGNOFF, FIXTURES.DISCLOSURE]
"""The assessment and retrieval actions, whose name MUST be human-readable text."""


def test_the_table_covers_every_action_of_the_crate() -> None:
    kinds = {"AssessAction", "DownloadAction", "UpdateAction", "CreateAction"}
    assert {e["@id"] for e in PUBLISHED["@graph"] if e.get("@type") in kinds} == set(ACTIONS)


def _validate(crate: Crate, tmp_path: Path) -> Report:
    folder = tmp_path / "crate"
    FIXTURES.write_crate(folder, crate)
    return validate(folder)


def _mutated(action: str, **props: Any) -> Crate:
    crate = copy.deepcopy(PUBLISHED)
    FIXTURES.setp(action, **props)(crate)
    return crate


def _at(report: Report, focus: str, path: str) -> list[Issue]:
    return [issue for issue in report.issues if issue.focus == focus and issue.path == path]


def test_the_published_crate_is_clean(tmp_path: Path) -> None:
    report = _validate(PUBLISHED, tmp_path)
    assert not [i for i in report.issues if i.severity >= Severity.SHOULD and i.focus in ACTIONS], report.issues


# -- rule 2: the form of a present value is a MUST on every action -------------------------------------------


@pytest.mark.parametrize("prop", ["startTime", "endTime"])
@pytest.mark.parametrize("value", ["yesterday afternoon", 1681816305, "18/04/2023 12:11", ""])
@pytest.mark.parametrize("action", list(ACTIONS), ids=ACTIONS.get)
def test_a_timestamp_not_in_iso_8601_is_one_must(action: str, prop: str, value: Any, tmp_path: Path) -> None:
    report = _validate(_mutated(action, **{prop: value}), tmp_path)
    found = _at(report, action, prop)
    assert [(i.check, i.severity) for i in found] == [("action.time-form", Severity.MUST)], found
    assert quote(value) in found[0].message and "ISO 8601" in found[0].message


@pytest.mark.parametrize("prop", ["startTime", "endTime"])
@pytest.mark.parametrize("value", ["2023-04-18T12:11:45", "2023-04-18", "2023-04-18 12:11:45Z"])
@pytest.mark.parametrize("action", list(ACTIONS), ids=ACTIONS.get)
def test_iso_8601_without_rfc_3339_is_a_should_at_most(action: str, prop: str, value: str, tmp_path: Path) -> None:
    report = _validate(_mutated(action, **{prop: value}), tmp_path)
    found = _at(report, action, prop)
    assert all(i.severity is Severity.SHOULD and i.check.endswith("-time-format") for i in found), found
    assert len(found) == 1 and quote(value) in found[0].message


@pytest.mark.parametrize("value", ["http://schema.org/CompletetedActionStatus", "Done", "completed"])
@pytest.mark.parametrize("action", list(ACTIONS), ids=ACTIONS.get)
def test_an_invalid_status_is_one_must(action: str, value: str, tmp_path: Path) -> None:
    report = _validate(_mutated(action, actionStatus=value), tmp_path)
    found = _at(report, action, "actionStatus")
    expected = "execution.action-status" if action == FIXTURES.RUN else "action.status-value"
    assert [(i.check, i.severity) for i in found] == [(expected, Severity.MUST)], found
    assert value in found[0].message


@pytest.mark.parametrize("action", list(ACTIONS), ids=ACTIONS.get)
def test_every_valid_status_passes(action: str, tmp_path: Path) -> None:
    for status in ("Potential", "Active", "Completed", "Failed"):
        for form in (f"http://schema.org/{status}ActionStatus", {"@id": f"http://schema.org/{status}ActionStatus"}):
            report = _validate(_mutated(action, actionStatus=form), tmp_path / status / str(type(form).__name__))
            assert not [i for i in _at(report, action, "actionStatus") if i.severity is Severity.MUST]


@pytest.mark.parametrize("value", [5, True, {"@id": "https://example.org/a-name"}])
@pytest.mark.parametrize("action", REVIEW_ACTIONS, ids=ACTIONS.get)
def test_a_review_action_name_that_is_not_text_is_one_must(action: str, value: Any, tmp_path: Path) -> None:
    report = _validate(_mutated(action, name=value), tmp_path)
    found = [i for i in _at(report, action, "name") if i.check == "review.name"]
    assert [i.severity for i in found] == [Severity.MUST], report.issues


@pytest.mark.parametrize("value", ["x", {"@value": "Integritätsprüfung: bestanden", "@language": "de"}])
@pytest.mark.parametrize("action", REVIEW_ACTIONS, ids=ACTIONS.get)
def test_a_review_action_name_that_is_text_passes(action: str, value: Any, tmp_path: Path) -> None:
    report = _validate(_mutated(action, name=value), tmp_path)
    assert not [i for i in _at(report, action, "name") if i.check == "review.name"]


@pytest.mark.parametrize("prop", ["agent", "object", "instrument"])
@pytest.mark.parametrize("action", list(ACTIONS), ids=ACTIONS.get)
def test_a_literal_reference_is_one_must(action: str, prop: str, tmp_path: Path) -> None:
    report = _validate(_mutated(action, **{prop: "the TRE helpdesk"}), tmp_path)
    found = _at(report, action, prop)
    literal = [i for i in found if i.check == "ref.literal"]
    assert [i.severity for i in literal] == [Severity.MUST] and '"the TRE helpdesk"' in literal[0].message
    if prop == "agent":  # a literal agent is reported once: never judged for its type, name or affiliation
        assert [i.check for i in found] == ["ref.literal"], found


def test_linking_properties_include_the_ones_the_issue_names() -> None:
    assert {"memberOf", "funding", "instrument", "sourceOrganization", "agent"} <= set(LINKING_PROPERTIES)
    assert not {"sameAs", "license", "identifier", "actionStatus", "additionalType"} & set(LINKING_PROPERTIES)


def test_the_rfc_3339_shapes_share_the_iso_8601_pattern() -> None:
    text = (SHAPES / "review-process.ttl").read_text(encoding="utf-8")
    patterns = re.findall(r'sh:not \[ sh:pattern "((?:[^"\\]|\\.)*)" \]', text)
    assert len(patterns) == 2
    assert {json.loads(f'"{p}"') for p in patterns} == {ISO_8601.pattern}


# -- rules 3 and 5-7 --------------------------------------------------------------------------------------


def _drop(crate: Crate, entity_id: str) -> Crate:
    crate = copy.deepcopy(crate)
    crate["@graph"] = [e for e in crate["@graph"] if e["@id"] != entity_id]
    return crate


Mutation = Callable[[Crate], Crate]

ONE_DEFECT: dict[str, tuple[Mutation, set[tuple[str, str, str]]]] = {
    "literal sourceOrganization": (
        lambda c: _mutated_root(c, sourceOrganization="My project"), {("ref.literal", "./", "sourceOrganization")},
    ),
    "undescribed requester": (lambda c: _drop(c, FIXTURES.PERSON), {("ref.dangling", FIXTURES.RUN, "agent")}),
    "undescribed reviewer (agent of the sign-off and the disclosure check)": (
        lambda c: _drop(c, FIXTURES.REVIEWER),
        {("ref.dangling", FIXTURES.SIGNOFF, "agent"), ("ref.dangling", FIXTURES.DISCLOSURE, "agent")},
    ),
    "literal memberOf": (
        lambda c: _set(c, FIXTURES.PERSON, memberOf="TRE72 project 81"),
        {("ref.literal", FIXTURES.PERSON, "memberOf")},
    ),
    "invalid assessment status": (
        lambda c: _set(c, FIXTURES.CHECK, actionStatus="bogus"),
        {("action.status-value", FIXTURES.CHECK, "actionStatus")},
    ),
    "free-text endTime": (
        lambda c: _set(c, FIXTURES.SIGNOFF, endTime="the 19th"), {("action.time-form", FIXTURES.SIGNOFF, "endTime")},
    ),
}


def _set(crate: Crate, entity_id: str, **props: Any) -> Crate:
    crate = copy.deepcopy(crate)
    FIXTURES.setp(entity_id, **props)(crate)
    return crate


def _mutated_root(crate: Crate, **props: Any) -> Crate:
    return _set(crate, "./", **props)


@pytest.mark.parametrize("case", list(ONE_DEFECT))
def test_one_defect_is_one_issue(case: str, tmp_path: Path) -> None:
    mutate, expected = ONE_DEFECT[case]
    before = {(i.check, i.focus, i.path) for i in _validate(PUBLISHED, tmp_path / "before").issues}
    after = {(i.check, i.focus, i.path) for i in _validate(mutate(PUBLISHED), tmp_path / "after").issues}
    assert after - before == expected


def test_a_sign_off_is_not_blamed_for_a_project_the_root_lacks(tmp_path: Path) -> None:
    crate = copy.deepcopy(PUBLISHED)
    FIXTURES.delp("./", "sourceOrganization")(crate)
    FIXTURES.unref(crate, FIXTURES.SIGNOFF, "object", FIXTURES.PROJECT)
    checks = _validate(crate, tmp_path).checks()
    assert "project.source-organization" in checks and "signoff.object-project" not in checks


def test_an_invalid_run_status_does_not_hide_the_run_time_checks(tmp_path: Path) -> None:
    crate = _set(PUBLISHED, FIXTURES.RUN, actionStatus="http://schema.org/CompletetedActionStatus")
    FIXTURES.delp(FIXTURES.RUN, "endTime", "startTime")(crate)
    report = _validate(crate, tmp_path)
    found = {(i.check, i.severity) for i in report.issues if i.focus == FIXTURES.RUN}
    assert {("execution.action-status", Severity.MUST), ("execution.end-time", Severity.SHOULD),
            ("execution.start-time", Severity.MAY)} <= found


def test_a_present_invalid_status_is_not_said_to_be_missing(tmp_path: Path) -> None:
    report = _validate(_set(PUBLISHED, FIXTURES.DOWNLOADED, actionStatus="Done"), tmp_path)
    assert "review.action-status" not in report.checks()
    report = _validate(_set(PUBLISHED, FIXTURES.DOWNLOADED, actionStatus=None), tmp_path / "none")
    assert [i.check for i in _at(report, FIXTURES.DOWNLOADED, "actionStatus")] == ["review.action-status"]


def test_levels_the_policy_fixes() -> None:
    infos = load_library().infos
    assert infos["execution.start-time"].severity is Severity.MAY  # "startTime MAY be included"
    assert infos["review.start-time"].severity is Severity.MAY
    assert infos["createaction.name"].severity is Severity.SHOULD
    assert infos["review.action-status"].severity is Severity.SHOULD
    assert infos["action.status-value"].severity is Severity.MUST
    assert infos["signoff.instrument-policy"].severity is Severity.SHOULD
    assert infos["check.instrument-term"].severity is Severity.SHOULD


@pytest.mark.parametrize("kind", ["CreativeWork", "DigitalDocument", "WebPage"])
def test_a_policy_of_a_creative_work_subtype_passes(kind: str, tmp_path: Path) -> None:
    policy = "https://tre72.example.com/agreement-policy/81"
    report = _validate(_set(PUBLISHED, policy, **{"@type": kind}), tmp_path)
    assert "signoff.instrument-policy" not in report.checks()
    report = _validate(_set(PUBLISHED, policy, **{"@type": "Organization"}), tmp_path / "organization")
    assert "signoff.instrument-policy" in report.checks()


# -- messages ---------------------------------------------------------------------------------------------------


def test_quote_shortens_and_escapes() -> None:
    assert quote("yesterday") == '"yesterday"'
    assert quote(5) == "5"
    long = quote("x" * 500)
    assert len(long) == QUOTE_LIMIT and long.endswith("\u2026")
    assert "\x1b" not in quote("\x1b[31mred") and "\u202e" not in quote("abc\u202edef")


def test_shacl_messages_quote_the_literal_at_fault(tmp_path: Path) -> None:
    report = _validate(_set(PUBLISHED, FIXTURES.CHECK, name=42), tmp_path)
    (issue,) = [i for i in report.issues if i.check == "review.name"]
    assert issue.message.endswith("(value 42)") and issue.focus == FIXTURES.CHECK and issue.path == "name"


# -- property: the verdict never depends on entity order ---------------------------------------------------------

CRATES = {
    "published": PUBLISHED,
    "request": FIXTURES.request_crate(),
    "several defects": _set(_drop(PUBLISHED, FIXTURES.PERSON), FIXTURES.CHECK, actionStatus="bogus",
                            endTime="the 19th", agent="the TRE"),
}


def _verdict(report: Report) -> tuple[bool, list[tuple[str, str, str | None, str | None, str]]]:
    return report.valid, sorted((i.severity.label, i.check, i.focus, i.path, i.message) for i in report.issues)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(CRATES)), order=st.randoms(use_true_random=False))
def test_the_verdict_never_depends_on_entity_order(name: str, order: Any, tmp_path_factory: Any) -> None:
    crate = CRATES[name]
    shuffled = copy.deepcopy(crate)
    order.shuffle(shuffled["@graph"])
    base = tmp_path_factory.mktemp("order")
    assert _verdict(_validate(shuffled, base / "shuffled")) == _verdict(_validate(crate, base / "original"))
