"""The Python checks on the metadata as JSON and JSON-LD: each fires on a minimal bad crate, and only then."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fivesafes_crate.issues import Issue, Report, Severity
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.model.source import Limits
from fivesafes_crate.validation.checks.jsonld_form import is_vocabulary
from fivesafes_crate.validation.engine import validate

from ..._crates import CONTEXT, EXAMPLE_REQUEST, GRANT, PROJECT, entity, request_document, write_crate

JSONLD_CHECKS = (
    "json.syntax", "json.limits", "metadata.present", "metadata.root-id", "jsonld.flattened", "jsonld.id-missing",
    "jsonld.type-missing", "jsonld.type-keyword", "jsonld.duplicate-id", "jsonld.undefined-term",
    "jsonld.context-offline", "jsonld.interpretable", "ref.dangling", "id.parent-path", "id.absolute-path",
)
CRATE_SCOPE = ("metadata.root-id", "jsonld.flattened", "jsonld.id-missing", "jsonld.duplicate-id", "ref.dangling")


def found(report: Report, check_id: str) -> list[Issue]:
    return [issue for issue in report.issues if issue.check == check_id]


def run(document: Any) -> Report:
    return validate(Crate(document))


def test_the_base_crate_is_clean() -> None:
    report = run(request_document())
    assert not report.checks() & set(JSONLD_CHECKS)


def test_example_request_has_only_its_known_dangling_reference() -> None:
    report = validate(EXAMPLE_REQUEST)
    assert report.checks() & set(JSONLD_CHECKS) == {"ref.dangling"}
    [dangling] = found(report, "ref.dangling")
    assert (dangling.severity, dangling.focus, dangling.path) == (Severity.SHOULD, PROJECT, "member")
    assert "https://ror.org/01ee9ar58" in dangling.message


# --- source scope: what could not be read -----------------------------------------------------------------------


def test_json_syntax(tmp_path: Path) -> None:
    raw = json.dumps(request_document(), indent=2).replace('"name": "EOSC4Cancer"', '"name": "EOSC4Cancer",')
    report = validate(write_crate(tmp_path / "c", raw=raw.encode()))
    [issue] = found(report, "json.syntax")
    assert issue.file == "ro-crate-metadata.json" and issue.focus is None
    assert (issue.line, issue.column) == (131, 5) and "line" not in issue.message
    assert not report.checks() & set(CRATE_SCOPE)  # nothing that needs the parsed crate ran


def test_json_limits_depth(tmp_path: Path) -> None:
    document = request_document()
    value: Any = "deep"
    for _ in range(200):
        value = [value]
    entity(document, GRANT)["name"] = value
    report = validate(write_crate(tmp_path / "c", document))
    [issue] = found(report, "json.limits")
    assert issue.file == "ro-crate-metadata.json" and "deeper than 128" in issue.message
    assert "json.syntax" not in report.checks() and not report.checks() & set(CRATE_SCOPE)


def test_json_limits_size(tmp_path: Path) -> None:
    report = validate(write_crate(tmp_path / "c"), limits=Limits(max_metadata_bytes=100))
    [issue] = found(report, "json.limits")
    assert "larger than the limit of 100 bytes" in issue.message


def test_metadata_present_when_the_name_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    (folder / "ro-crate-metadata.json").mkdir(parents=True)
    (folder / "ro-crate-metadata.json" / "inner.json").write_bytes(b"{}")
    report = validate(folder)
    [issue] = found(report, "metadata.present")
    assert issue.file == "ro-crate-metadata.json"
    assert not report.checks() & {"json.syntax", "json.limits"}


def test_metadata_present_in_a_bag_without_metadata(tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    (bag / "data" / "input1.txt").write_bytes(b"x")
    (bag / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    assert "metadata.present" in validate(bag).checks()


# --- crate scope ------------------------------------------------------------------------------------------------


def test_metadata_descriptor_missing() -> None:
    document = request_document()
    document["@graph"] = [e for e in document["@graph"] if e["@id"] != "ro-crate-metadata.json"]
    report = run(document)
    assert "metadata.descriptor" in report.checks()
    assert "metadata.root-id" not in report.checks()


def test_a_descriptor_without_about_is_reported_once() -> None:
    document = request_document()
    del entity(document, "ro-crate-metadata.json")["about"]
    at_about = [i for i in run(document).issues if (i.focus, i.path) == ("ro-crate-metadata.json", "about")]
    assert [i.check for i in at_about] == ["metadata.descriptor-about"]


@pytest.mark.parametrize(
    ("about", "root_id", "message"),
    [
        ({"@id": "#root"}, "#root", "not \"./\""),
        ({"@id": "./"}, "#elsewhere", "is not described"),
    ],
)
def test_metadata_root_id(about: Any, root_id: str, message: str) -> None:
    document = request_document()
    descriptor = entity(document, "ro-crate-metadata.json")
    if about is None:
        del descriptor["about"]
    else:
        descriptor["about"] = about
    entity(document, "./")["@id"] = root_id
    [issue] = found(run(document), "metadata.root-id")
    assert (issue.focus, issue.path) == ("ro-crate-metadata.json", "about")
    assert message in issue.message


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([{"@id": "./"}], "not a JSON object"),
        ({"@graph": []}, "no @context"),
        ({"@context": CONTEXT, "@graph": {"@id": "./"}}, "no @graph array"),
        ({"@context": CONTEXT, "@graph": [], "@id": "x", "name": "n"}, "top-level keys besides @context and @graph: "
                                                                     "@id, name"),
        ({"@context": CONTEXT, "@graph": ["text"]}, "@graph item 0 is not an object"),
    ],
)
def test_jsonld_flattened_document_shape(document: Any, message: str) -> None:
    issues = found(run(document), "jsonld.flattened")
    assert any(message in issue.message for issue in issues), issues
    assert all(issue.file == "ro-crate-metadata.json" for issue in issues)


def test_jsonld_flattened_nested_entity() -> None:
    document = request_document()
    person = entity(document, "https://orcid.org/0000-0001-9842-9718")
    document["@graph"].remove(person)
    entity(document, "#query-37252371-c937-43bd-a0a7-3680b48c0538")["agent"] = person
    [issue] = found(run(document), "jsonld.flattened")
    assert (issue.focus, issue.path) == ("#query-37252371-c937-43bd-a0a7-3680b48c0538", "agent")


def test_jsonld_flattened_accepts_value_objects() -> None:
    document = request_document()
    entity(document, GRANT)["name"] = {"@value": "EOSC4Cancer", "@language": "en"}
    assert not found(run(document), "jsonld.flattened")


def test_jsonld_id_missing() -> None:
    document = request_document()
    del document["@graph"][2]["@id"]
    [issue] = found(run(document), "jsonld.id-missing")
    assert issue.focus == "@graph[2]"


def test_jsonld_type_missing() -> None:
    document = request_document()
    del entity(document, GRANT)["@type"]
    [issue] = found(run(document), "jsonld.type-missing")
    assert issue.focus == GRANT


def test_jsonld_type_keyword() -> None:
    document = request_document()
    grant = entity(document, GRANT)
    grant["type"] = grant.pop("@type")
    report = run(document)
    [issue] = found(report, "jsonld.type-keyword")
    assert (issue.focus, issue.path) == (GRANT, "type")
    assert '"Grant"' in issue.message
    assert not found(report, "jsonld.type-missing")  # the quirk has its own check
    assert not found(report, "jsonld.undefined-term")


def test_jsonld_type_keyword_silent_when_the_context_defines_type() -> None:
    document = request_document()
    document["@context"] = [CONTEXT, {"type": "@type"}]
    grant = entity(document, GRANT)
    grant["type"] = grant.pop("@type")
    assert not found(run(document), "jsonld.type-keyword")


def test_jsonld_duplicate_id() -> None:
    document = request_document()
    document["@graph"].append({"@id": GRANT, "@type": "Grant", "name": "again"})
    document["@graph"].append({"@id": GRANT, "@type": "Grant", "name": "and again"})
    [issue] = found(run(document), "jsonld.duplicate-id")
    assert issue.focus == GRANT and "3 entities" in issue.message


def test_jsonld_undefined_term() -> None:
    document = request_document()
    entity(document, "./")["trePriority"] = "high"
    entity(document, GRANT)["@type"] = ["Grant", "TreGrant"]
    entity(document, GRANT)["https://example.org/fullIri"] = "kept"
    issues = found(run(document), "jsonld.undefined-term")
    assert {(i.focus, i.path) for i in issues} == {("./", "trePriority"), (GRANT, "@type")}


def test_jsonld_undefined_term_silent_for_local_definitions() -> None:
    document = request_document()
    document["@context"] = [CONTEXT, {"trePriority": "https://example.org/trePriority"}]
    entity(document, "./")["trePriority"] = "high"
    assert not found(run(document), "jsonld.undefined-term")


def test_jsonld_context_offline() -> None:
    document = request_document()
    document["@context"] = [CONTEXT, "https://example.org/tre72/context.jsonld"]
    entity(document, "./")["trePriority"] = "high"
    report = run(document)
    [issue] = found(report, "jsonld.context-offline")
    assert issue.path == "@context" and "https://example.org/tre72/context.jsonld" in issue.message
    assert not found(report, "jsonld.undefined-term")  # context-offline reports it instead
    assert not found(report, "jsonld.interpretable")
    assert all(i.check in JSONLD_CHECKS for i in report.issues)  # no RDF-based check ran


def test_jsonld_interpretable() -> None:
    document = request_document()
    document["@context"] = [CONTEXT, {"treProject": {"@id": 72}}]
    report = run(document)
    [issue] = found(report, "jsonld.interpretable")
    assert issue.file == "ro-crate-metadata.json"
    assert not found(report, "jsonld.context-offline")
    assert all(i.check in JSONLD_CHECKS for i in report.issues)


def test_ref_dangling() -> None:
    document = request_document()
    entity(document, PROJECT)["member"].append({"@id": "https://ror.org/01ee9ar58"})
    entity(document, PROJECT)["keywords"] = {"@id": "http://schema.org/Thing"}  # vocabulary: not dangling
    [issue] = found(run(document), "ref.dangling")
    assert (issue.severity, issue.focus, issue.path) == (Severity.SHOULD, PROJECT, "member")


@pytest.mark.parametrize("iri", ["http://schema.org/Person", "https://w3id.org/5s-crate/0.4", "https://w3id.org/shp#SignOff"])
def test_vocabulary(iri: str) -> None:
    assert is_vocabulary(iri)
    assert not is_vocabulary("https://ror.org/01ee9ar58")


@pytest.mark.parametrize(("written", "fires"), [("../fetch.txt", True), ("a/../../x", True), ("a/../b", False)])
def test_id_parent_path(written: str, fires: bool) -> None:
    document = request_document()
    entity(document, "./")["subjectOf"] = {"@id": written}
    document["@graph"].append({"@id": written, "@type": "CreativeWork"})
    issues = found(run(document), "id.parent-path")
    if fires:
        assert {(i.focus, i.path) for i in issues} == {("./", "subjectOf"), (written, "@id")}
    else:
        assert issues == []


@pytest.mark.parametrize(
    "written", ["/etc/passwd", "file:///etc/passwd", "C:\\data\\x.csv", "c:/data/x.csv", "\\\\server\\x"]
)
def test_id_absolute_path(written: str) -> None:
    document = request_document()
    entity(document, "./")["subjectOf"] = {"@id": written}
    document["@graph"].append({"@id": written, "@type": "CreativeWork"})
    issues = found(run(document), "id.absolute-path")
    assert {(i.focus, i.path) for i in issues} == {("./", "subjectOf"), (written, "@id")}


@pytest.mark.parametrize("written", ["https://example.org/x", "urn:uuid:1234", "#local", "sub/x.txt", "arcp://uuid,x/y"])
def test_id_absolute_path_silent(written: str) -> None:
    document = request_document()
    entity(document, "./")["subjectOf"] = {"@id": written}
    assert not found(run(document), "id.absolute-path")
