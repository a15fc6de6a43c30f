"""Severity, Stage, Issue and Report: ordering, parsing and the valid/threshold semantics."""

from __future__ import annotations

import dataclasses

import pytest

from fivesafes_crate.issues import Issue, Report, Severity, Stage


def test_severity_is_ordered_must_should_may() -> None:
    assert Severity.MUST > Severity.SHOULD > Severity.MAY
    assert sorted([Severity.SHOULD, Severity.MUST, Severity.MAY]) == [Severity.MAY, Severity.SHOULD, Severity.MUST]


@pytest.mark.parametrize(
    ("text", "level"), [("must", Severity.MUST), ("SHOULD", Severity.SHOULD), (" May ", Severity.MAY)]
)
def test_severity_parse_and_label(text: str, level: Severity) -> None:
    assert Severity.parse(text) is level
    assert level.label == text.strip().lower()


def test_severity_parse_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown severity 'required'"):
        Severity.parse("required")


def test_stage_order_follows_the_review_process() -> None:
    assert [s.value for s in Stage] == [
        "request", "under-review", "executing", "executed", "disclosure-checked", "published",
    ]
    assert [s.rank for s in Stage] == list(range(6))
    assert Stage.PUBLISHED.includes(Stage.REQUEST)
    assert Stage.EXECUTED.includes(Stage.EXECUTED)
    assert not Stage.REQUEST.includes(Stage.UNDER_REVIEW)


@pytest.mark.parametrize("text", ["disclosure-checked", "DISCLOSURE_CHECKED", " disclosure_checked "])
def test_stage_parse_tolerates_case_and_underscores(text: str) -> None:
    assert Stage.parse(text) is Stage.DISCLOSURE_CHECKED


def test_stage_parse_rejects_unknown_and_lists_names() -> None:
    with pytest.raises(ValueError, match=r"unknown stage 'review'.*under-review"):
        Stage.parse("review")


def test_issue_is_frozen_and_hashable() -> None:
    issue = Issue(Severity.MUST, "json.syntax", "bad")
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.check = "other"  # type: ignore[misc]
    assert {issue, Issue(Severity.MUST, "json.syntax", "bad")} == {issue}
    assert (issue.focus, issue.path, issue.file) == (None, None, None)


def _issues() -> list[Issue]:
    return [
        Issue(Severity.MAY, "b.may", "m", focus="./"),
        Issue(Severity.SHOULD, "ref.dangling", "s", focus="#b"),
        Issue(Severity.MUST, "z.must", "x", focus="#a"),
        Issue(Severity.SHOULD, "ref.dangling", "s", focus="#a"),
        Issue(Severity.MUST, "a.must", "y"),
    ]


def test_report_build_sorts_most_severe_first_and_deduplicates() -> None:
    issues = _issues()
    report = Report.build("p", Stage.REQUEST, Severity.MUST, issues + issues)
    assert [(i.severity, i.check, i.focus) for i in report.issues] == [
        (Severity.MUST, "a.must", None),
        (Severity.MUST, "z.must", "#a"),
        (Severity.SHOULD, "ref.dangling", "#a"),
        (Severity.SHOULD, "ref.dangling", "#b"),
        (Severity.MAY, "b.may", "./"),
    ]


@pytest.mark.parametrize(
    ("threshold", "kept", "valid"),
    [(Severity.MUST, 2, False), (Severity.SHOULD, 4, False), (Severity.MAY, 5, False)],
)
def test_report_threshold(threshold: Severity, kept: int, valid: bool) -> None:
    report = Report.build("p", Stage.REQUEST, threshold, _issues())
    assert len(report.at_threshold()) == kept
    assert report.valid is valid
    assert len(report.issues) == 5  # the report keeps every severity


def test_report_valid_only_below_threshold() -> None:
    should_only = [Issue(Severity.SHOULD, "ref.dangling", "s"), Issue(Severity.MAY, "x.y", "m")]
    assert Report.build("p", Stage.REQUEST, Severity.MUST, should_only).valid
    assert not Report.build("p", Stage.REQUEST, Severity.SHOULD, should_only).valid
    assert Report.build("p", Stage.REQUEST, Severity.MAY, []).valid
    report = Report.build("p", Stage.REQUEST, Severity.MUST, should_only)
    assert report.at_threshold(Severity.MAY) == report.issues
    assert report.at_threshold() == ()


def test_report_checks_lists_every_severity() -> None:
    report = Report.build("p", Stage.REQUEST, Severity.MUST, _issues())
    assert report.checks() == {"a.must", "z.must", "ref.dangling", "b.may"}
