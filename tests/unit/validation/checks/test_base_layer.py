"""The RO-Crate 1.2 base layer: root name and description, dates, orphans, names, URI references, file name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fivesafes_crate.issues import Issue, Report, Severity
from fivesafes_crate.model.dates import is_iso8601
from fivesafes_crate.validation.engine import validate
from unit._crates import GRANT, PERSON, entity, request_document, write_crate

BASE_LAYER = ("rocrate.root-name", "rocrate.root-description", "rocrate.date-published", "rocrate.date-format",
              "rocrate.orphan-entity", "rocrate.contextual-name", "rocrate.id-uri-reference",
              "rocrate.metadata-file-name", "rocrate.context-version")


def found(report: Report, check: str) -> list[Issue]:
    return [issue for issue in report.issues if issue.check == check]


def check(tmp_path: Path, document: dict[str, Any], check_id: str) -> list[Issue]:
    return found(validate(write_crate(tmp_path / "c", document)), check_id)


def test_the_base_request_passes_every_base_layer_check(tmp_path: Path) -> None:
    report = validate(write_crate(tmp_path / "c"))
    assert not report.checks() & set(BASE_LAYER)


@pytest.mark.parametrize("key", ["name", "description"])
@pytest.mark.parametrize(("value", "words"), [(None, "has no"), ("", "MUST NOT be empty"), ("  ", "MUST NOT be empty"),
                                              (42, "not text"), ({"@value": ""}, "MUST NOT be empty")])
def test_root_name_and_description_present_and_non_empty(tmp_path: Path, key: str, value: Any, words: str) -> None:
    document = request_document()
    if value is None:
        entity(document, "./").pop(key)
    else:
        entity(document, "./")[key] = value
    [issue] = check(tmp_path, document, f"rocrate.root-{key}")
    assert issue.severity is Severity.MUST and issue.focus == "./" and issue.path == key and words in issue.message


def test_a_language_tagged_root_name_is_text(tmp_path: Path) -> None:
    document = request_document()
    entity(document, "./")["name"] = {"@value": "Anfrage", "@language": "de"}
    assert check(tmp_path, document, "rocrate.root-name") == []


@pytest.mark.parametrize(("value", "words"), [("last Tuesday", '"last Tuesday", not an ISO 8601 date'),
                                              (["2024-01-01", "2024-01-02"], "2 values"),
                                              (20240101, "not an ISO 8601 date string"),
                                              ("2024-02-30", '"2024-02-30"')])
def test_root_date_published_is_a_single_iso_8601_string_at_every_stage(tmp_path: Path, value: Any,
                                                                         words: str) -> None:
    document = request_document()
    entity(document, "./")["datePublished"] = value
    [issue] = check(tmp_path, document, "rocrate.date-published")
    assert issue.severity is Severity.MUST and issue.path == "datePublished" and words in issue.message


@pytest.mark.parametrize("value", ["2024", "2024-05", "2024-05-01", "2024-05-01T09:30Z",
                                   "2024-05-01T09:30:00.123+01:00", "2024-05-01t09:30:00"])
def test_iso_8601_forms_accepted(value: str) -> None:
    assert is_iso8601(value)


@pytest.mark.parametrize("value", ["", "05/01/2024", "2024-5-1", "2024-13-01", "2024-05-01T25:00",
                                   "2024-05-01 09:30", "2024-05-01T09:30+0100x", "yesterday"])
def test_iso_8601_forms_refused(value: str) -> None:
    assert not is_iso8601(value)


@pytest.mark.parametrize(("entity_id", "key"),
                         [(GRANT, "datePublished"), (GRANT, "dateModified"), ("./", "dateModified")])
def test_dates_of_every_entity(tmp_path: Path, entity_id: str, key: str) -> None:
    document = request_document()
    entity(document, entity_id)[key] = "soon"
    [issue] = check(tmp_path, document, "rocrate.date-format")
    assert issue.focus == entity_id and issue.path == key and '"soon"' in issue.message


def test_an_orphan_contextual_entity_is_a_should(tmp_path: Path) -> None:
    document = request_document()
    document["@graph"].append({"@id": "#place", "@type": "Place", "name": "Manchester"})
    document["@graph"].append({"@id": "#self", "@type": "Place", "name": "Itself",
                               "containedInPlace": {"@id": "#self"}})
    issues = check(tmp_path, document, "rocrate.orphan-entity")
    assert {(i.focus, i.severity) for i in issues} == {("#place", Severity.SHOULD), ("#self", Severity.SHOULD)}


def test_contextual_entities_should_have_a_name(tmp_path: Path) -> None:
    document = request_document()
    entity(document, PERSON).pop("name")
    document["@graph"].append({"@id": "#perm", "@type": "DigitalDocumentPermission",
                               "grantee": {"@id": PERSON}})
    entity(document, "./")["hasDigitalDocumentPermission"] = {"@id": "#perm"}
    [issue] = check(tmp_path, document, "rocrate.contextual-name")
    assert issue.focus == PERSON and issue.severity is Severity.SHOULD  # a permission needs no name


@pytest.mark.parametrize("bad", ["Stian Soiland-Reyes", "<a href='x'>me</a>", "100%", "#a#b", "x\ty"])
def test_ids_must_be_uri_references(tmp_path: Path, bad: str) -> None:
    document = request_document()
    document["@graph"].append({"@id": "#note", "@type": "Comment", "name": "note", "author": {"@id": bad}})
    entity(document, "./")["comment"] = {"@id": "#note"}
    [issue] = check(tmp_path, document, "rocrate.id-uri-reference")
    assert issue.severity is Severity.MUST and issue.focus == "#note" and issue.path == "author"


@pytest.mark.parametrize("good", ["_:b0", "input%201.txt", "https://example.org/a?b=c#d", "ünïcode/ファイル.txt"])
def test_uri_references_accepted(tmp_path: Path, good: str) -> None:
    document = request_document()
    document["@graph"].append({"@id": "#note", "@type": "Comment", "name": "note", "author": {"@id": good}})
    entity(document, "./")["comment"] = {"@id": "#note"}
    assert check(tmp_path, document, "rocrate.id-uri-reference") == []


def test_a_metadata_file_under_another_name_is_a_must(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "c")
    (folder / "ro-crate-metadata.json").rename(folder / "request.json")
    [issue] = found(validate(folder / "request.json"), "rocrate.metadata-file-name")
    assert issue.severity is Severity.MUST and issue.file == "request.json" and '"request.json"' in issue.message


def test_the_metadata_file_given_by_its_own_name_is_fine(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "c")
    assert found(validate(folder / "ro-crate-metadata.json"), "rocrate.metadata-file-name") == []


@pytest.mark.parametrize(("context", "conforms_to", "reported"), [
    ("https://w3id.org/ro/crate/1.2/context", "https://w3id.org/ro/crate/1.2", False),
    ("https://w3id.org/ro/crate/1.3/context", "https://w3id.org/ro/crate/1.2", True),
    ("https://w3id.org/ro/crate/1.2-DRAFT/context", "https://w3id.org/ro/crate/1.2", True),
    ("http://w3id.org/ro/crate/1.2/context/", "https://w3id.org/ro/crate/1.2", False),
])
def test_context_version_and_descriptor_conforms_to_agree(tmp_path: Path, context: str, conforms_to: str,
                                                          reported: bool) -> None:
    document = request_document()
    document["@context"] = context
    entity(document, "ro-crate-metadata.json")["conformsTo"] = {"@id": conforms_to}
    issues = check(tmp_path, document, "rocrate.context-version")
    assert bool(issues) is reported
    if reported:
        issue = issues[0]
        assert issue.severity is Severity.SHOULD and context in issue.message and conforms_to in issue.message


def test_undefined_terms_in_nested_node_objects(tmp_path: Path) -> None:
    document = request_document()
    entity(document, PERSON)["affiliation"] = {"@type": "Organization", "name": "UoM", "ringgold": "5292"}
    issues = check(tmp_path, document, "jsonld.undefined-term")
    assert [(i.focus, i.path) for i in issues] == [(PERSON, "ringgold")] and "'affiliation'" in issues[0].message
