"""The profile's own example crates: their known deviations are reported, with the right check ids.

The examples are byte-exact copies in ``tests/data/5s-crate/``; ``tests/data/README.md`` lists the deviations
asserted here.
"""

from __future__ import annotations

from functools import cache

import pytest
from unit._crates import REFERENCE_DIR

from fivesafes_crate.issues import Issue, Report, Severity
from fivesafes_crate.validation.engine import validate

SPEC = REFERENCE_DIR / "5s-crate"

VERSIONS = ("0.4", "0.5-DRAFT")
NAMES = ("example-request", "example-result", "example-hutch")
ZIPPED = ("example-request", "example-result")  # the hutch example has no .bagit.zip

# The check for credentials in the metadata (profile "Security considerations": an executed crate SHOULD NOT
# include sensitive data or security tokens within the metadata file). Named here once.
SECRET_CHECK = "security.secret-in-metadata"

RESULT_ACTIONS = (
    "#check-f33fe90c-0c22-4c72-b299-de509028410e",
    "#validate-1146f640-819e-4c86-b029-b763a0040896",
    "#download-8b51bf57-6b29-44da-b24b-638c8df91639",
    "#signoff-3b741265-cfef-49ea-8138-a2fa149bf2f0",
    "#disclosure-b16c1f0a-ae7f-4582-9b28-7d9df3313e27",
    "#bagit-ce785c0b-c988-4043-8cbd-1489dcebc14f",
)
HUTCH_ACTIONS = (
    "#check-4445b5a3-38f0-47e1-b3bd-a2693743b071",
    "#validate-6e4298fe-a0fe-45f7-ac9a-bec41ec0643f",
    "#signoff-00863632-4a12-45ab-be86-f896a670db39",
    "#disclosure-7ce35566-28f3-4e8d-aa4e-e1ac7d1344af",
    "#bagit-7a89e9e1-ba5c-4fef-96f6-0a4d53aad0d8",
)
RUN = "#query-37252371-c937-43bd-a0a7-3680b48c0538"
PROJECT = "#project-be6ffb55-4f5a-4c14-b60e-47e0951090c70"
VALIDATOR = "#validator-a4a66c63-2fe0-4c57-830d-268a40718313"
SIGN_OFF_PERSON = "https://orcid.org/0000-0002-1825-0097"
PROXY = "http://proxy.example.com/"

# (entity that refers, entity referred to but not described) in example-result
RESULT_DANGLING = (
    (PROJECT, "https://ror.org/01ee9ar58"),
    ("#check-f33fe90c-0c22-4c72-b299-de509028410e", VALIDATOR),
    ("#validate-1146f640-819e-4c86-b029-b763a0040896", VALIDATOR),
    ("#bagit-ce785c0b-c988-4043-8cbd-1489dcebc14f", VALIDATOR),
    ("#signoff-3b741265-cfef-49ea-8138-a2fa149bf2f0", SIGN_OFF_PERSON),
    ("#download-8b51bf57-6b29-44da-b24b-638c8df91639", PROXY),
)

HUTCH_RESULTS = "data/results/b5b59d4f-9797-5179-a131-e7089e943988/"
HUTCH_MANIFEST_FAILURES = {
    "data/ro-crate-metadata.json",
    "data/results/ro-crate-metadata.json",
    "data/results/ro-crate-preview.html",
    HUTCH_RESULTS + "2ef7f736-623e-492c-a135-8f247395d1df_workflow.cwl",
    HUTCH_RESULTS + "workflows/sec-hutch.cwl",
    HUTCH_RESULTS + "workflows/rquest-oneshot.cwl",
    "data/results/containers/docker.io_node:slim.img",
    "data/results/containers/pszdldocker_rquest-oneshot:latest.img",
    "data/results/outputs/_1683122029/output.json",
}
# bag-relative payload files whose SHA-512 does not match the manifest (or that are missing), per bag folder
MANIFEST_FAILURES = {
    ("0.4", "example-request"): set(),
    ("0.4", "example-result"): {"data/index.html", "data/ro-crate-preview.html", "data/ro-crate-metadata.json"},
    ("0.4", "example-hutch"): HUTCH_MANIFEST_FAILURES,
    ("0.5-DRAFT", "example-request"): {"data/ro-crate-preview.html"},
    ("0.5-DRAFT", "example-result"): {"data/ro-crate-preview.html"},
    ("0.5-DRAFT", "example-hutch"): HUTCH_MANIFEST_FAILURES,
}


@cache
def report(relative: str) -> Report:
    """The report of one spec example (``0.4/example-result``, ``0.4/example-result.bagit.zip``...)."""
    return validate(SPEC / relative, threshold=Severity.MUST)


def issues(rep: Report, check: str) -> list[Issue]:
    return [issue for issue in rep.issues if issue.check == check]


def listing(rep: Report) -> str:
    return "\n".join(f"  {i.severity.label} {i.check} focus={i.focus} file={i.file}: {i.message}" for i in rep.issues)


def bag_folders() -> list[str]:
    return [f"{v}/{n}" for v in VERSIONS for n in NAMES]


def bag_zips() -> list[str]:
    return [f"{v}/{n}.bagit.zip" for v in VERSIONS for n in ZIPPED]


def results() -> list[str]:
    return [f"{v}/example-result{suffix}" for v in VERSIONS for suffix in ("", ".bagit.zip")]


@pytest.mark.parametrize("relative", bag_folders() + bag_zips())
def test_draft_context_is_understood_offline(relative: str) -> None:
    rep = report(relative)
    assert "jsonld.context-offline" not in rep.checks(), listing(rep)
    assert "jsonld.interpretable" not in rep.checks(), listing(rep)


@pytest.mark.parametrize("relative", results() + [f"{v}/example-hutch" for v in VERSIONS])
def test_type_instead_of_at_type_is_reported(relative: str) -> None:
    rep = report(relative)
    focuses = {issue.focus for issue in issues(rep, "jsonld.type-keyword")}
    expected = set(RESULT_ACTIONS if "result" in relative else HUTCH_ACTIONS)
    assert expected <= focuses, listing(rep)


@pytest.mark.parametrize("relative", results() + [f"{v}/example-hutch" for v in VERSIONS])
def test_licence_is_not_a_term(relative: str) -> None:
    rep = report(relative)
    found = issues(rep, "jsonld.undefined-term")
    assert any(issue.focus == "./" and "licence" in (issue.path or issue.message) for issue in found), listing(rep)


@pytest.mark.parametrize("relative", results())
@pytest.mark.parametrize(("focus", "target"), RESULT_DANGLING, ids=lambda value: value)
def test_dangling_references_are_named(relative: str, focus: str, target: str) -> None:
    rep = report(relative)
    found = issues(rep, "ref.dangling")
    assert any(issue.focus == focus and target in issue.message for issue in found), (
        f"no ref.dangling from {focus} to {target}:\n{listing(rep)}"
    )


@pytest.mark.parametrize("relative", results())
def test_the_undescribed_output_is_one_must(relative: str) -> None:
    """The run's result outputs/table.csv is not described: outputs.described's MUST, not restated by
    ref.dangling (docs/conformance.md rule 7)."""
    rep = report(relative)
    assert any(issue.focus == RUN and "outputs/table.csv" in issue.message
               for issue in issues(rep, "outputs.described")), listing(rep)
    assert not any(issue.focus == RUN and issue.path == "result" for issue in issues(rep, "ref.dangling")), listing(rep)


@pytest.mark.parametrize("relative", [f"{v}/example-request" for v in VERSIONS])
def test_request_project_member_dangles(relative: str) -> None:
    rep = report(relative)
    assert any(
        issue.focus == PROJECT and "https://ror.org/01ee9ar58" in issue.message for issue in issues(rep, "ref.dangling")
    ), listing(rep)


@pytest.mark.parametrize("relative", results())
def test_outputs_not_in_has_part(relative: str) -> None:
    rep = report(relative)
    # A result of the run at the published stage is the publishing sentence's MUST, which data.linked-from-root
    # does not restate (docs/conformance.md rule 7): each output is reported by one of the two, never both.
    linked = {issue.focus for issue in issues(rep, "data.linked-from-root")}
    published = {issue.focus for issue in issues(rep, "publishing.has-part-results")}
    assert {"outputs/qa.csv", "outputs/diagrams/"} <= linked | published and not linked & published, listing(rep)


@pytest.mark.parametrize("relative", bag_folders() + bag_zips())
def test_lower_case_bagit_version_is_a_warning(relative: str) -> None:
    rep = report(relative)
    found = issues(rep, "bagit.declaration-case")
    assert found, listing(rep)
    assert all(issue.severity < Severity.MUST for issue in found), listing(rep)
    assert any(issue.file == "bagit.txt" for issue in found), listing(rep)


@pytest.mark.parametrize(("version", "name"), sorted(MANIFEST_FAILURES))
def test_stale_bag_folders_fail_payload_integrity_per_file(version: str, name: str) -> None:
    rep = report(f"{version}/{name}")
    found = issues(rep, "bagit.payload-integrity")
    expected = MANIFEST_FAILURES[(version, name)]
    files = {issue.file for issue in found}
    assert None not in files, f"every payload-integrity issue names its file:\n{listing(rep)}"
    if name == "example-hutch":
        # the hutch bag also holds files that its manifest does not list (they may share this check id)
        assert expected <= files, listing(rep)
    else:
        assert files == expected, listing(rep)
    if expected:
        assert not rep.valid, listing(rep)


@pytest.mark.parametrize("relative", bag_zips())
def test_zipped_bags_are_internally_consistent(relative: str) -> None:
    rep = report(relative)
    assert "bagit.payload-integrity" not in rep.checks(), listing(rep)


# RO-Crate 1.2 base-layer deviations (tests/data/README.md): every example root lacks name and description (MUST);
# contextual entities without a name or linked from nowhere (SHOULD).
UNNAMED = {
    "example-request": {"https://workflowhub.eu/workflows/289/ro_crate?version=1"},
    "example-result": {"https://workflowhub.eu/workflows/289/ro_crate?version=1"},
    "example-hutch": {"https://workflowhub.eu/workflows/471/ro_crate?version=1"},
}
ORPHANS = {
    "example-request": set(),
    "example-result": {"https://spdx.org/licenses/CC-BY-4.0", "https://tre72.example.com/#crate-validator"},
    "example-hutch": {"https://spdx.org/licenses/MIT"},
}


def _name(relative: str) -> str:
    return relative.split("/")[1].removesuffix(".bagit.zip")


@pytest.mark.parametrize("relative", bag_folders() + bag_zips())
def test_roots_without_name_and_description_are_reported_at_must(relative: str) -> None:
    rep = report(relative)
    assert {(i.check, i.focus, i.severity) for i in issues(rep, "rocrate.root-name") + issues(
        rep, "rocrate.root-description")} == {("rocrate.root-name", "./", Severity.MUST),
                                              ("rocrate.root-description", "./", Severity.MUST)}, listing(rep)
    assert not rep.valid


@pytest.mark.parametrize("relative", bag_folders() + bag_zips())
def test_unnamed_and_orphan_contextual_entities_are_reported(relative: str) -> None:
    rep = report(relative)
    assert {i.focus for i in issues(rep, "rocrate.contextual-name")} == UNNAMED[_name(relative)], listing(rep)
    assert {i.focus for i in issues(rep, "rocrate.orphan-entity")} == ORPHANS[_name(relative)], listing(rep)


@pytest.mark.parametrize("relative", bag_folders() + bag_zips())
def test_declared_profile_is_validated_and_other_base_checks_pass(relative: str) -> None:
    rep = report(relative)
    version = relative.split("/")[0]
    assert rep.declared == (f"https://w3id.org/5s-crate/{version}",) and rep.profile == rep.declared[0]
    quiet = {"profile.conforms-to", "profile.entity", "rocrate.date-published", "rocrate.date-format",
             "rocrate.id-uri-reference", "rocrate.metadata-file-name", "rocrate.context-version"}
    assert not rep.checks() & quiet, listing(rep)


@pytest.mark.parametrize("relative", ["0.4/example-request", "0.4/example-request.bagit.zip"])
def test_released_request_example_fails_only_the_root_name_and_description_at_must(relative: str) -> None:
    """Its other deviations (a dangling ``member``, ``BagIt-version``) are below MUST: a tolerant reader."""
    rep = report(relative)
    assert {i.check for i in rep.at_threshold()} == {"rocrate.root-name", "rocrate.root-description"}, listing(rep)


@pytest.mark.parametrize("relative", [f"{v}/example-hutch" for v in VERSIONS])
def test_hutch_credentials_in_metadata_are_reported(relative: str) -> None:
    rep = report(relative)
    found = issues(rep, SECRET_CHECK)
    assert any(issue.focus == "#input_db_password" for issue in found), listing(rep)


@pytest.mark.parametrize("relative", bag_folders() + bag_zips())
def test_stage_is_inferred_despite_type_key(relative: str) -> None:
    rep = report(relative)
    expected = "request" if "request" in relative else "published"
    assert rep.stage_label == expected
