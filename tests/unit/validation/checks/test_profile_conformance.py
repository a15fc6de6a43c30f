"""Profile resolution by exact IRI, the declared profiles in the report, and the version-bearing checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fivesafes_crate import validate_all
from fivesafes_crate.errors import CrateError, UnsupportedProfileError
from fivesafes_crate.issues import Issue, Report, Severity
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.profiles import DEFAULT_PROFILE, PROFILES, declared_profiles, find_profile, resolve_profile
from fivesafes_crate.validation.engine import validate
from unit._crates import entity, request_document, write_crate

V04 = "https://w3id.org/5s-crate/0.4"
V05 = "https://w3id.org/5s-crate/0.5-DRAFT"
V10 = "https://w3id.org/5s-crate/1.0"


def declaring(*iris: str) -> dict[str, Any]:
    document = request_document()
    root = entity(document, "./")
    if iris:
        root["conformsTo"] = [{"@id": iri} for iri in iris]
    else:
        root.pop("conformsTo")
    return document


def found(report: Report, check: str) -> list[Issue]:
    return [issue for issue in report.issues if issue.check == check]


@pytest.mark.parametrize("iri", [V10, V04 + "/", "http://w3id.org/5s-crate/0.4", V04 + "-DRAFT"])
def test_only_exact_iris_are_supported_profiles(iri: str) -> None:
    assert find_profile(iri) is None
    assert [find_profile(p.id) for p in PROFILES] == list(PROFILES)


def test_declared_profiles_keep_every_5s_iri_as_written() -> None:
    crate = Crate(declaring("https://w3id.org/ro/crate/1.2", V10, "http://w3id.org/5s-crate/0.4", V10))
    assert declared_profiles(crate) == (V10, "http://w3id.org/5s-crate/0.4")


def test_a_root_declaring_only_an_unsupported_version_is_refused(tmp_path: Path) -> None:
    crate = write_crate(tmp_path / "c", declaring(V10))
    with pytest.raises(UnsupportedProfileError) as caught:
        validate(crate)
    error = caught.value
    assert isinstance(error, CrateError) and error.declared == (V10,) and error.supported == (V04, V05)
    assert error.path == str(crate / "ro-crate-metadata.json") and error.entity_id == "./"
    assert V10 in error.message and V04 in error.message and V05 in error.message and "--profile" in error.message


def test_an_unsupported_version_beside_a_supported_one_is_validated_against_the_supported(tmp_path: Path) -> None:
    report = validate(write_crate(tmp_path / "c", declaring(V10, V05)))
    assert report.profile == V05 and report.declared == (V10, V05)
    assert not found(report, "profile.conforms-to")


def test_a_requested_profile_validates_an_unsupported_declaration_and_says_so(tmp_path: Path) -> None:
    report = validate(write_crate(tmp_path / "c", declaring(V10)), profile="0.4")
    assert report.profile == V04 and report.declared == (V10,)
    [issue] = found(report, "profile.conforms-to")
    assert issue.severity is Severity.SHOULD and issue.focus == "./" and issue.path == "conformsTo"
    assert f'"{V10}"' in issue.message and f'"{V04}"' in issue.message


def test_a_requested_profile_other_than_the_declared_one_is_a_mismatch(tmp_path: Path) -> None:
    crate = write_crate(tmp_path / "c", declaring(V04))
    assert not found(validate(crate), "profile.conforms-to")
    report = validate(crate, profile="0.5-DRAFT")
    assert report.profile == V05 and report.declared == (V04,)
    [issue] = found(report, "profile.conforms-to")
    assert V04 in issue.message and V05 in issue.message


def test_no_declaration_is_validated_against_the_default_and_the_issue_says_so(tmp_path: Path) -> None:
    report = validate(write_crate(tmp_path / "c", declaring()))
    assert report.profile == DEFAULT_PROFILE.id and report.declared == ()
    [issue] = found(report, "profile.conforms-to")
    assert "default" in issue.message and DEFAULT_PROFILE.id in issue.message


def test_resolution_without_a_crate_is_the_default() -> None:
    resolution = resolve_profile(None)
    assert resolution.profile is DEFAULT_PROFILE and resolution.source == "default"
    assert resolve_profile(None, "0.5-DRAFT").source == "requested"


def test_the_profile_entity_must_have_exactly_the_declared_iri(tmp_path: Path) -> None:
    document = declaring(V04)
    entity(document, V04)["@id"] = V04 + "/"  # described, but under another IRI
    [issue] = found(validate(write_crate(tmp_path / "c", document)), "profile.entity")
    assert issue.focus == "./" and f'"{V04}"' in issue.message and "not described" in issue.message


def test_the_profile_entity_must_be_typed_profile(tmp_path: Path) -> None:
    document = declaring(V04)
    entity(document, V04)["@type"] = "CreativeWork"
    [issue] = found(validate(write_crate(tmp_path / "c", document)), "profile.entity")
    assert '"CreativeWork"' in issue.message


def _with_validation(instrument: str) -> dict[str, Any]:
    document = declaring(V04)
    document["@graph"].append({"@id": "#validate-1", "@type": "AssessAction", "name": "Validation: approved",
                               "additionalType": {"@id": "https://w3id.org/shp#ValidationCheck"},
                               "actionStatus": "http://schema.org/CompletedActionStatus",
                               "instrument": {"@id": instrument}})
    entity(document, "./")["mentions"] = [entity(document, "./")["mentions"], {"@id": "#validate-1"}]
    return document


@pytest.mark.parametrize(("instrument", "profile", "reported"), [
    (V04, None, False), (V05, None, True), (V04 + "/", None, True), (V04, "0.5-DRAFT", True)])
def test_the_validation_instrument_is_compared_exactly(tmp_path: Path, instrument: str, profile: str | None,
                                                       reported: bool) -> None:
    report = validate(write_crate(tmp_path / "c", _with_validation(instrument)), profile=profile, phase="under-review")
    issues = found(report, "validation.instrument")
    assert bool(issues) is reported
    if reported:
        assert issues[0].focus == "#validate-1" and report.profile in issues[0].message


def test_validate_all_reports_an_unsupported_profile_as_an_input_failure(tmp_path: Path) -> None:
    good = write_crate(tmp_path / "good", declaring(V04))
    other = write_crate(tmp_path / "other", declaring(V10))
    reports = validate_all([good, other])
    assert list(reports) == [str(good)]
    [failure] = reports.failures
    assert failure.error == "UnsupportedProfileError" and V10 in failure.message
    assert failure.message.startswith(str(other / "ro-crate-metadata.json"))
