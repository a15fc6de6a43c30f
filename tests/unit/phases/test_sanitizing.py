"""Sanitizing: client-submitted assessments and lookalikes go, everything else stays, and a rerun does nothing."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import fivesafes_crate as api
from fivesafes_crate import Severity, Stage
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.model.graph import expand, node_objects, resolve_id
from fivesafes_crate.model.lifecycle import lifecycle_state
from fivesafes_crate.model.vocab import CHECK_VALUE, COMPLETED, GENERATE_CHECK_VALUE, SIGN_OFF, VALIDATION_CHECK
from fivesafes_crate.phases.lifecycle import StepRefused
from fivesafes_crate.phases.sanitizing import is_review_lookalike, remove_lookalikes, review_nodes

from .conftest import (
    EXAMPLE_REQUEST_DIR,
    RUN_04,
    VALIDATOR,
    FixedClock,
    assert_golden,
    crate_files,
    metadata_of,
    request_bag,
    reviewed_crate,
)

ORIGINAL: dict[str, Any] = json.loads((EXAMPLE_REQUEST_DIR / "ro-crate-metadata.json").read_text(encoding="utf-8"))
COHORT = "cohort.json"
PERSON = "https://orcid.org/0000-0002-1825-0097"


def _by_id(document: dict[str, Any], entity_id: str) -> dict[str, Any]:
    return next(e for e in document["@graph"] if e["@id"] == entity_id)


SANITIZED = copy.deepcopy(ORIGINAL)
_by_id(SANITIZED, RUN_04)["@type"] = ["CreateAction"]  # the forged request lists its types; the list stays


def forged_request() -> dict[str, Any]:
    """``examples/request`` with every kind of forged review record a client could add."""
    document = copy.deepcopy(ORIGINAL)
    graph = document["@graph"]
    graph += [
        {"@id": "#check-forged", "@type": "AssessAction", "additionalType": {"@id": CHECK_VALUE},
         "name": "BagIt checksum of Crate: OK", "actionStatus": COMPLETED, "object": {"@id": "./"}},
        {"@id": "#validate-forged", "@type": ["AssessAction"], "additionalType": {"@id": VALIDATION_CHECK},
         "name": "Validation: approved", "actionStatus": COMPLETED},
        {"@id": "#signoff-forged", "type": "AssessAction", "additionalType": {"@id": SIGN_OFF},
         "name": "Sign-off: approved", "actionStatus": COMPLETED},
        {"@id": "#review-forged", "@type": "http://schema.org/ReviewAction", "name": "Looks fine to me"},
        {"@id": "#endorse-forged", "@type": ["Thing", "schema:EndorseAction"], "name": "Endorsed"},
        {"@id": "#publish-forged", "@type": "UpdateAction", "additionalType": GENERATE_CHECK_VALUE,
         "name": "BagIt manifests of Crate updated", "actionStatus": COMPLETED},
        {"@id": "#download-forged", "@type": "DownloadAction", "name": "Downloaded workflow RO-Crate"},
    ]
    root = _by_id(document, "./")
    for forged in ("#check-forged", "#validate-forged", "#signoff-forged", "#review-forged", "#publish-forged"):
        root["mentions"].append({"@id": forged})
    root["mentions"].append({"@type": "AssessAction", "additionalType": {"@id": SIGN_OFF}, "actionStatus": COMPLETED})
    _by_id(document, PERSON)["subjectOf"] = [{"@id": "#endorse-forged"}, {"@id": "#download-forged"}]
    _by_id(document, COHORT)["additionalType"] = {"@id": SIGN_OFF}
    _by_id(document, RUN_04)["additionalType"] = [{"@id": VALIDATION_CHECK}]
    _by_id(document, RUN_04)["@type"] = ["CreateAction", "AssessAction"]
    return document


def _write(folder: Path, document: dict[str, Any]) -> Path:
    shutil.copytree(EXAMPLE_REQUEST_DIR, folder)
    (folder / "ro-crate-metadata.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    return folder


EXPECTED_REMOVED = (
    "#check-forged",
    "#validate-forged",
    "#signoff-forged",
    "#review-forged",
    "#endorse-forged",
    "#publish-forged",
    "#download-forged",
    "./ mentions: embedded AssessAction",
    f"{RUN_04} @type: AssessAction",
    f"{RUN_04} additionalType: {VALIDATION_CHECK}",
    f"{COHORT} additionalType: {SIGN_OFF}",
)


def test_every_forged_record_goes_and_everything_else_stays(tmp_path: Path) -> None:
    bag = request_bag(tmp_path, source=_write(tmp_path / "forged", forged_request()))
    before = crate_files(bag)
    with pytest.raises(StepRefused, match=r"published \(#publish-forged\); sanitizing applies to a crate as received"):
        api.sanitize(bag)  # a forged check or publishing action cannot be told from the TRE's own
    assert crate_files(bag) == before
    result = api.sanitize(bag, force=True, clock=FixedClock())
    assert sorted(result.removed) == sorted(EXPECTED_REMOVED)
    assert result.action is None
    assert result.summary == (f"sanitize --force: removed {len(EXPECTED_REMOVED)} review record(s) or lookalike(s): "
                              + "; ".join(result.removed))  # every item, not the first five
    cleaned = json.loads(metadata_of(bag))
    assert cleaned == SANITIZED  # nothing else changed, down to the order of entities and properties
    assert_golden("sanitize/forged.json", metadata_of(bag))
    assert api.verify_bag(bag).valid
    report = api.validate(bag, threshold=Severity.SHOULD)
    assert report.valid and report.stage is Stage.REQUEST, report.at_threshold()
    state = lifecycle_state(Crate(cleaned))
    assert state.actions == () and state.execution is not None and state.execution.id == RUN_04


def test_sanitizing_twice_removes_nothing_and_writes_nothing(tmp_path: Path) -> None:
    bag = request_bag(tmp_path, source=_write(tmp_path / "forged", forged_request()))
    api.sanitize(bag, force=True)
    before = crate_files(bag)
    again = api.sanitize(bag)
    assert again.removed == ()
    assert again.summary == "sanitize: nothing to remove (no client-submitted assessment or lookalike)"
    assert crate_files(bag) == before


def test_a_clean_request_is_left_byte_identical(tmp_path: Path) -> None:
    bag = request_bag(tmp_path, form="zip")
    before = crate_files(bag)
    assert api.sanitize(bag).removed == ()
    assert crate_files(bag) == before


def test_forged_records_make_the_check_refuse_until_sanitized(tmp_path: Path) -> None:
    bag = request_bag(tmp_path, source=_write(tmp_path / "forged", forged_request()))
    with pytest.raises(StepRefused, match="published"):  # the forged GenerateCheckValue action says so
        api.record_check(bag, agent=VALIDATOR)
    api.sanitize(bag, force=True)
    assert api.record_check(bag, agent=VALIDATOR).action is not None


def test_a_damaged_bag_is_refused_rather_than_given_fresh_manifests(tmp_path: Path) -> None:
    bag = request_bag(tmp_path, source=_write(tmp_path / "forged", forged_request()))
    cohort = bag / "data" / COHORT
    cohort.write_bytes(cohort.read_bytes() + b" ")
    before = crate_files(bag)
    with pytest.raises(StepRefused, match=r"fails its manifests .*data/cohort\.json"):
        api.sanitize(bag, force=True)
    assert crate_files(bag) == before


def test_a_crate_folder_is_sanitized_in_place(tmp_path: Path) -> None:
    folder = _write(tmp_path / "forged", forged_request())
    result = api.sanitize(folder, force=True)
    assert len(result.removed) == len(EXPECTED_REMOVED)
    assert json.loads((folder / "ro-crate-metadata.json").read_text(encoding="utf-8")) == SANITIZED


def test_the_spec_result_example_is_refused_and_forced_loses_its_review_actions_written_with_type_keys(
        reference_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "example-result.bagit.zip"
    shutil.copyfile(reference_dir / "5s-crate" / "0.5-DRAFT" / "example-result.bagit.zip", target)
    before = crate_files(target)
    with pytest.raises(StepRefused, match=r"cannot sanitize: the crate was published \(#bagit-"):
        api.sanitize(target)
    assert crate_files(target) == before
    result = api.sanitize(target, force=True)
    assert [item.split("-", 1)[0] for item in result.removed] == [
        "#check", "#validate", "#download", "#signoff", "#disclosure", "#bagit"]
    document = json.loads(metadata_of(target))
    assert _by_id(document, "./")["mentions"] == [{"@id": "#query-37252371-c937-43bd-a0a7-3680b48c0538"}]
    assert api.verify_bag(target).valid


@pytest.mark.parametrize(
    ("node", "lookalike"),
    [
        ({"@type": "AssessAction"}, True),
        ({"type": "https://schema.org/VoteAction"}, True),
        ({"@type": "Action", "additionalType": "https://w3id.org/shp#DisclosureCheck"}, True),
        ({"@type": "CreateAction"}, False),
        ({"@type": "File", "additionalType": {"@id": CHECK_VALUE}}, False),  # not an action: the term is stripped
        ({"@type": "UpdateAction", "additionalType": {"@id": "https://example.org/terms#Other"}}, False),
    ],
)
def test_what_counts_as_a_review_lookalike(node: dict[str, Any], lookalike: bool) -> None:
    assert is_review_lookalike(node) is lookalike


def test_an_embedded_lookalike_of_a_kept_entity_becomes_a_reference() -> None:
    document = copy.deepcopy(ORIGINAL)
    _by_id(document, "./")["mentions"] = [{"@id": RUN_04, "@type": "AssessAction", "actionStatus": COMPLETED}]
    crate = Crate(document)
    assert remove_lookalikes(crate) == ["./ mentions: embedded AssessAction"]
    assert crate.document == ORIGINAL  # the root still mentions the run


def test_duplicate_ids_remove_only_the_lookalike(tmp_path: Path) -> None:
    document = copy.deepcopy(ORIGINAL)
    document["@graph"].append({"@id": COHORT, "@type": "AssessAction", "name": "forged twin"})
    crate = Crate(document)
    assert remove_lookalikes(crate) == [COHORT]
    assert crate.document == ORIGINAL  # the real cohort.json and the references to it are kept


# --- sanitize applies to a crate as received: never to one holding the TRE's own records --------------------


def test_sanitize_after_the_check_is_refused_naming_the_intake(tmp_path: Path) -> None:
    bag = request_bag(tmp_path)
    check = api.record_check(bag, agent=VALIDATOR, new_id=lambda: "1")
    assert check.action is not None
    before = crate_files(bag)
    with pytest.raises(StepRefused) as refused:
        api.sanitize(bag)
    assert str(refused.value).endswith(
        "cannot sanitize: the crate holds the check #check-1, the TRE's intake; sanitizing applies to a crate as "
        "received, before 'fivesafes tre check', and would remove the TRE's own records ('tre sanitize --force' "
        "removes them anyway)")
    assert crate_files(bag) == before


def test_sanitize_names_the_latest_step_recorded_after_intake(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    with pytest.raises(StepRefused, match=r"holds the sign-off #signoff-5afe0000-0000-4000-8000-000000000c03, "
                                          r"recorded after the intake \(the check #check-5afe0000-"):
        api.sanitize(bag)


def test_forced_sanitize_says_exactly_what_it_removed(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    result = api.sanitize(bag, force=True)
    assert result.removed == ("#check-5afe0000-0000-4000-8000-000000000c01",
                              "#validate-5afe0000-0000-4000-8000-000000000c02",
                              "#signoff-5afe0000-0000-4000-8000-000000000c03")
    assert result.summary == ("sanitize --force: removed 3 review record(s) or lookalike(s): "
                              + "; ".join(result.removed))
    assert lifecycle_state(api.open_crate(bag)).actions == ()


# --- what an assessment is, is decided on the expanded graph, not on the spelling ----------------------------

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FORGED = {"additionalType": {"@id": SIGN_OFF}, "name": "Sign-off: approved", "actionStatus": COMPLETED}


def _disguised(context: dict[str, Any] | None = None, *, entity: dict[str, Any] | None = None,
               root: dict[str, Any] | None = None, person: dict[str, Any] | None = None) -> dict[str, Any]:
    """``examples/request`` with a forged sign-off ``#x`` written in a bypass form, mentioned from the root."""
    document = copy.deepcopy(ORIGINAL)
    if context is not None:
        document["@context"] = [document["@context"], context]
    if entity is not None:
        document["@graph"].append(entity)
    _by_id(document, "./")["mentions"].append({"@id": "#x"})
    _by_id(document, "./").update(root or {})
    _by_id(document, PERSON).update(person or {})
    return document


BYPASSES = {
    "embedded in another node": _disguised(person={"subjectOf": {"@id": "#x", "@type": "AssessAction", **FORGED}}),
    "in @included": _disguised(root={"@included": [{"@id": "#x", "@type": "AssessAction", **FORGED}]}),
    "in a named graph": _disguised(entity={"@id": "#g", "@graph": [{"@id": "#x", "@type": "AssessAction", **FORGED}]}),
    "an aliased @type term": _disguised({"kind": "@type"}, entity={"@id": "#x", "kind": "AssessAction", **FORGED}),
    "an aliased @type keyword in a list": _disguised({"is": "@type"},
                                                     entity={"@id": "#x", "is": ["Thing", "ReviewAction"]}),
    "an aliased @id": _disguised({"ident": "@id"}, entity={"ident": "#x", "@type": "AssessAction", **FORGED}),
    "a context redefining the type term": _disguised({"Comment": "http://schema.org/AssessAction"},
                                                     entity={"@id": "#x", "@type": "Comment", **FORGED}),
    "a prefix making a plain action a sign-off": _disguised(
        {"approval": {"@id": "https://w3id.org/shp#Sign", "@prefix": True}},
        entity={"@id": "#x", "@type": "UpdateAction", "additionalType": {"@id": "approval:Off"}}),
    "rdf:type as a property": _disguised(entity={"@id": "#x", "@type": "Thing", RDF_TYPE: {
        "@id": "http://schema.org/AssessAction"}, **FORGED}),
}


@pytest.mark.parametrize("form", BYPASSES)
def test_a_disguised_assessment_is_removed_with_every_reference_to_it(form: str, tmp_path: Path) -> None:
    bag = request_bag(tmp_path, source=_write(tmp_path / "forged", BYPASSES[form]))
    result = api.sanitize(bag)
    assert result.removed, form
    crate = api.open_crate(bag)
    expanded = expand(crate)
    assert review_nodes(expanded) == []  # nothing JSON-LD reads as a review action is left
    assert not [node for node in node_objects(expanded) if node.get("@id") == resolve_id("#x")]  # nor a reference
    assert lifecycle_state(crate).actions == ()
    assert api.verify_bag(bag).valid
    assert api.sanitize(bag).removed == ()  # and a second run finds nothing


REFUSED = {
    "an aliased @id and @type": (_disguised({"ident": "@id", "kind": "@type"},
                                            entity={"ident": "#x", "kind": "AssessAction", **FORGED}),
                                 "#x is still an AssessAction as JSON-LD reads it"),
    "the root typed through an alias": (_disguised({"kind": "@type"}, root={"kind": ["Dataset", "AssessAction"]}),
                                        "./ is still an AssessAction as JSON-LD reads it"),
    "a reference through an aliased @id": (
        _disguised({"ref": "@id"}, entity={"@id": "#x", "@type": "AssessAction", **FORGED},
                   person={"subjectOf": {"ref": "#x"}}),
        "the removed #x is still referenced in a form sanitizing cannot edit (an aliased @id)"),
}


@pytest.mark.parametrize("form", REFUSED)
def test_what_cannot_be_removed_safely_is_refused_in_one_line(form: str, tmp_path: Path) -> None:
    document, message = REFUSED[form]
    bag = request_bag(tmp_path, source=_write(tmp_path / "forged", document))
    before = crate_files(bag)
    with pytest.raises(StepRefused, match=re.escape(f"cannot sanitize safely: {message}")):
        api.sanitize(bag)
    assert crate_files(bag) == before
