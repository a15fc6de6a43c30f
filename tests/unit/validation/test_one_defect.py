"""One defect, one issue (docs/conformance.md, rule 7): a defect is reported by the check whose level is the one
of its sentence, and the checks that would only restate it stay silent; an independent defect on the same
property is still reported."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from fivesafes_crate.issues import Issue, Report, Severity
from fivesafes_crate.validation.engine import validate
from fivesafes_crate.validation.restatements import RESTATED_BY, without_restatements
from unit._crates import PERSON, QUERY, REPO, entity, request_document, write_crate

sys.path.insert(0, str(REPO / "tests"))
from test_fixtures import INVALID, VALID, _expected, _folders, _run


def at(report: Report, focus: str, path: str) -> list[str]:
    """The check ids of the issues on one entity and property."""
    return sorted(issue.check for issue in report.issues if (issue.focus, issue.path) == (focus, path))


def run(tmp_path: Path, document: dict[str, Any], stage: str | None = None) -> Report:
    return validate(write_crate(tmp_path / "c", document), stage=stage, threshold=Severity.MAY)


@pytest.mark.parametrize("stage", [None, "published"])
def test_a_free_text_root_date_published_is_one_must(tmp_path: Path, stage: str | None) -> None:
    document = request_document()
    entity(document, "./")["datePublished"] = "last Tuesday"
    report = run(tmp_path, document, stage)
    assert at(report, "./", "datePublished") == ["rocrate.date-published"]


def test_a_published_crate_without_date_published_is_one_should(tmp_path: Path) -> None:
    report = run(tmp_path, request_document(), "published")
    assert at(report, "./", "datePublished") == ["publishing.date-published"]


def test_a_reference_that_is_not_a_uri_reference_is_one_must(tmp_path: Path) -> None:
    document = request_document()
    entity(document, PERSON)["affiliation"] = {"@id": "<b>University of Manchester</b>"}
    report = run(tmp_path, document)
    assert at(report, PERSON, "affiliation") == ["rocrate.id-uri-reference"]


def test_a_windows_path_is_one_must(tmp_path: Path) -> None:
    document = request_document()
    entity(document, QUERY)["object"] = [{"@id": "input1.txt"}, {"@id": "C:\\data\\input.txt"}]
    report = run(tmp_path, document)
    assert "id.absolute-path" in at(report, QUERY, "object")
    assert "rocrate.id-uri-reference" not in report.checks()


def test_an_undescribed_input_is_one_must_and_a_described_one_is_still_judged(tmp_path: Path) -> None:
    document = request_document()
    inputs = entity(document, QUERY)["object"]
    entity(document, QUERY)["object"] = [*inputs, {"@id": "#undescribed"}]
    assert at(run(tmp_path, document), QUERY, "object") == ["inputs.data-entity"]
    document["@graph"].append({"@id": "#described", "@type": "PropertyValue", "name": "n", "value": "v"})
    entity(document, QUERY)["object"] = [*inputs, {"@id": "#described"}]
    assert at(run(tmp_path, document), QUERY, "object") == ["inputs.example-of-work"]


def test_a_literal_input_is_one_must(tmp_path: Path) -> None:
    document = request_document()
    entity(document, QUERY)["object"] = [*entity(document, QUERY)["object"], "input2.txt"]
    assert at(run(tmp_path, document), QUERY, "object") == ["ref.literal"]


def test_an_undescribed_output_is_one_must(tmp_path: Path) -> None:
    document = request_document()
    entity(document, QUERY)["result"] = [{"@id": "outputs/missing.csv"}]
    assert at(run(tmp_path, document, "executed"), QUERY, "result") == ["outputs.described"]


def test_a_restatement_is_dropped_only_on_the_same_entity_and_property() -> None:
    [general, *_] = sorted(RESTATED_BY)
    specific = sorted(RESTATED_BY[general])[0]
    issues = [Issue(Severity.MUST, specific, "m", focus="#a", path="p"),
              Issue(Severity.SHOULD, general, "g", focus="#a", path="p"),
              Issue(Severity.SHOULD, general, "g", focus="#a", path="q"),
              Issue(Severity.SHOULD, general, "g", focus="#b", path="p")]
    assert without_restatements(issues) == [issues[0], issues[2], issues[3]]


INDEPENDENT = {
    # the run's instrument is not the workflow crate, and what it names is not described: two facts
    frozenset({"createaction.instrument", "ref.dangling"}),
    # the retrieval's object is not the distribution, and what it names is not described: two facts
    frozenset({"retrieval.object-distribution", "ref.dangling"}),
    # the descriptor's conformsTo is wrong, and the @context names another version than it: two values
    frozenset({"metadata.conforms-to", "rocrate.context-version"}),
    frozenset({"metadata.conforms-to-draft", "rocrate.context-version"}),
}
"""Checks that meet on one entity and property in the fixtures for different defects (docs/conformance.md)."""


def test_no_fixture_reports_one_defect_twice() -> None:
    """Over every fixture crate, two checks on the same entity and property are known independent ones."""
    shared: dict[frozenset[str], list[str]] = defaultdict(list)
    for folder in _folders(INVALID) + _folders(VALID):
        expected = _expected(folder)
        report = _run(folder, expected, Severity.MAY)
        checks: dict[tuple[str, str], set[str]] = defaultdict(set)
        for issue in report.issues:
            if issue.focus is not None and issue.path is not None:
                checks[(issue.focus, issue.path)].add(issue.check)
        for found in checks.values():
            if len(found) > 1 and frozenset(found) not in INDEPENDENT:
                shared[frozenset(found)].append(folder.name)
    assert not shared, {" + ".join(sorted(k)): v for k, v in shared.items()}
