"""The validation engine: catalogue, profile and phase selection, layers that fail, extra checks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from fivesafes_crate import validate_all
from fivesafes_crate.errors import CrateReadError, FiveSafesError, UsageError
from fivesafes_crate.issues import InputFailure, Issue, Severity, Stage
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.validation.engine import catalogue, validate
from fivesafes_crate.validation.registry import PYTHON_CHECKS, SPEC_SECTIONS, CheckContext, check

from .._crates import CONTEXT, entity, request_document, write_crate

CORE_PYTHON_CHECKS = {
    "json.syntax", "json.limits", "metadata.present", "metadata.root-id", "jsonld.flattened", "jsonld.id-missing",
    "jsonld.type-missing", "jsonld.type-keyword", "jsonld.duplicate-id", "jsonld.undefined-term",
    "jsonld.context-offline", "jsonld.interpretable", "ref.dangling", "id.parent-path", "id.absolute-path",
    "data.file-missing", "data.link", "data.linked-from-root",
}
ID_PATTERN = re.compile(r"^[a-z0-9]+(\.[a-z0-9-]+)+$")


def test_catalogue_lists_every_python_check_sorted() -> None:
    found = catalogue()
    assert list(found) == sorted(found)
    assert {k for k, v in found.items() if v.kind == "python"} >= CORE_PYTHON_CHECKS
    assert set(PYTHON_CHECKS) <= set(found)
    assert "metadata.descriptor" in found


def test_catalogue_entries_are_well_formed() -> None:
    for check_id, info in catalogue().items():
        assert info.id == check_id
        assert ID_PATTERN.match(check_id), check_id
        assert isinstance(info.severity, Severity) and isinstance(info.stage, Stage)
        assert info.section in SPEC_SECTIONS and info.anchor
        assert info.description
        assert info.kind in ("python", "shacl")


def test_registering_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        check("json.syntax", Severity.MUST, section="RO-Crate 1.2", description="x")(lambda context: [])
    with pytest.raises(ValueError, match="unknown spec section"):
        check("x.y", Severity.MUST, section="Nowhere", description="x")


def test_profile_detected_from_conforms_to() -> None:
    assert validate(Crate(request_document())).profile == "https://w3id.org/5s-crate/0.4"
    document = request_document()
    entity(document, "./")["conformsTo"] = {"@id": "https://w3id.org/5s-crate/0.5-DRAFT"}
    assert validate(Crate(document)).profile == "https://w3id.org/5s-crate/0.5-DRAFT"


def test_profile_given_overrides_and_default_applies() -> None:
    assert validate(Crate(request_document()), profile="0.5-DRAFT").profile.endswith("0.5-DRAFT")
    document = request_document()
    del entity(document, "./")["conformsTo"]
    assert validate(Crate(document)).profile == "https://w3id.org/5s-crate/0.4"


def test_unknown_profile_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"unknown profile '9\.9'"):
        validate(Crate(request_document()), profile="9.9")


def test_stage_inferred_given_or_refused() -> None:
    assert validate(Crate(request_document())).stage is Stage.REQUEST
    assert validate(Crate(request_document()), stage="executed").stage is Stage.EXECUTED
    assert validate(Crate(request_document()), stage=Stage.PUBLISHED).stage is Stage.PUBLISHED
    with pytest.raises(FiveSafesError, match="unknown stage"):
        validate(Crate(request_document()), stage="reviewing")


def test_phase_is_the_deprecated_name_of_stage() -> None:
    report = validate(Crate(request_document()), phase="executed")
    assert report.stage is report.phase is Stage.EXECUTED and report.phase_label == report.stage_label == "executed"
    assert validate(Crate(request_document()), stage="executed", phase=Stage.EXECUTED).stage is Stage.EXECUTED
    with pytest.raises(FiveSafesError, match="disagree"):
        validate(Crate(request_document()), stage="executed", phase="published")


def test_threshold_decides_validity_only() -> None:
    document = request_document()
    entity(document, "./")["mentions"] = [entity(document, "./")["mentions"], {"@id": "#nowhere"}]
    at_must = validate(Crate(document), threshold=Severity.MUST)
    at_should = validate(Crate(document), threshold=Severity.SHOULD)
    assert at_must.issues == at_should.issues
    assert "ref.dangling" in at_must.checks()
    assert at_must.valid and not at_should.valid


def test_the_base_request_is_valid_at_must(tmp_path: Path) -> None:
    report = validate(write_crate(tmp_path / "c"))
    assert report.valid, [i for i in report.at_threshold()]


def test_missing_input_raises() -> None:
    with pytest.raises(CrateReadError):
        validate("/nonexistent/crate")


def test_unreadable_layers_become_issues_not_exceptions(tmp_path: Path) -> None:
    report = validate(write_crate(tmp_path / "c", raw=b"{not json"))
    assert not report.valid
    assert "json.syntax" in report.checks()


@pytest.mark.parametrize(
    "context", ["https://example.org/unknown", [CONTEXT, {"bad": {"@id": 5}}]], ids=["offline", "malformed"]
)
def test_no_rdf_check_runs_on_a_graph_that_could_not_be_built(context: Any) -> None:
    document = request_document()
    document["@context"] = context
    del entity(document, "./")["mainEntity"]  # a shape would catch this if shapes ran
    report = validate(Crate(document))
    assert {i.check for i in report.issues} <= set(PYTHON_CHECKS)
    assert report.checks() & {"jsonld.context-offline", "jsonld.interpretable"}


def test_extra_checks_see_the_context_and_add_issues() -> None:
    seen: list[CheckContext] = []

    def tre_rule(context: CheckContext) -> list[Issue]:
        seen.append(context)
        return [Issue(Severity.MUST, "tre72.project-code", "project code missing", focus="./")]

    report = validate(Crate(request_document()), extra_checks=(tre_rule,))
    assert "tre72.project-code" in report.checks() and not report.valid
    [context] = seen
    assert context.crate is not None and context.graph is not None and context.stage is Stage.REQUEST


def test_issue_focus_is_never_an_expanded_iri(tmp_path: Path) -> None:
    document = request_document()
    del entity(document, "./")["mainEntity"]
    entity(document, "./")["hasPart"].append({"@id": "missing.txt"})
    document["@graph"].append({"@id": "missing.txt", "@type": "File"})
    report = validate(write_crate(tmp_path / "c", document))
    assert report.issues
    for issue in report.issues:
        for text in (issue.focus, issue.file, issue.path):
            assert text is None or ("arcp://" not in text and str(tmp_path) not in text), issue


def test_a_report_on_unreadable_metadata_claims_no_profile_and_no_stage(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "c", raw=b'{\n  "@graph": [,]\n}')
    report = validate(folder, profile="0.4", stage="published")
    assert (report.profile, report.phase, report.phase_label) == (None, None, "unknown")
    assert report.metadata_file == str(folder / "ro-crate-metadata.json")
    [issue] = [issue for issue in report.issues if issue.check == "json.syntax"]
    assert (issue.file, issue.line, issue.column) == ("ro-crate-metadata.json", 2, 14)


def test_validate_all_reports_unreadable_inputs_beside_the_others(tmp_path: Path) -> None:
    good = write_crate(tmp_path / "good")
    missing = str(tmp_path / "sub" / ".." / "missing")
    reports = validate_all([good, missing, good])
    assert list(reports) == [str(good)] and reports[str(good)].valid
    assert reports.failures == (InputFailure(missing, "CrateReadError", f"{missing}: no such file or folder"),)
    assert not reports.complete and not reports.valid
    with pytest.raises(UsageError):  # a wrong argument is wrong for every input: it still raises
        validate_all([good], profile="9.9")
