"""SARIF 2.1.0 output, checked against the official JSON Schema (tests/data/sarif-schema-2.1.0.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from fivesafes_crate.issues import InputFailure, Issue, Report, ReportSet, Severity, Stage
from fivesafes_crate.reporting import MULTI_REPORTERS
from fivesafes_crate.reporting.sarif import (
    FINGERPRINT,
    SOURCE_ROOT,
    entity_lines,
    fingerprint,
    locate,
    render_sarif,
    sarif_log,
)
from fivesafes_crate.validation.engine import catalogue, validate

from .._crates import QUERY, REPO, entity, request_document, write_crate

PROFILE = "https://w3id.org/5s-crate/0.4"

SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
CRATES = REPO / "tests" / "crates"
BAG = "tests/crates/invalid/bagit.payload-integrity/bag"
ZIP = "tests/crates/invalid/zip.single-top-level/crate.zip"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def assert_valid_sarif(log: dict[str, Any], validator: jsonschema.Draft4Validator) -> None:
    errors = [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(log)]
    assert not errors, "\n".join(errors[:10])


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder to run in, holding 'good' (valid at must) and 'bad' (input1.txt missing, a dangling input)."""
    monkeypatch.chdir(tmp_path)
    write_crate(tmp_path / "good")
    document = request_document()
    entity(document, QUERY)["object"].append({"@id": "#undescribed"})
    write_crate(tmp_path / "bad", document, files={})
    return tmp_path


def reports(*targets: str, threshold: Severity = Severity.MUST) -> dict[str, Report]:
    return {target: validate(target, threshold=threshold) for target in targets}


def results_by_check(log: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for result in log["runs"][0]["results"]:
        found.setdefault(result["ruleId"], []).append(result)
    return found


def test_entity_lines_finds_each_graph_entity_and_nothing_else() -> None:
    text = (
        '{"@context": [{"@id": "ctx"}],\n'
        ' "@graph": [\n'
        '  {"@id": "./", "hasPart": [{"@id": "a.txt"}],\n'
        '   "about": {"@id": "#nested", "x": 1}},\n'
        '  {"name": "first", "@id": "a.txt"},\n'
        '  {"@id": "q\\"uote \\u00e9"}\n'
        " ]}\n"
    )
    assert entity_lines(text) == {"./": 3, "a.txt": 5, 'q"uote é': 6}


def test_entity_lines_tolerates_broken_json() -> None:
    assert entity_lines('{"@graph": [\n{"@id": "#a"},\n{"@id": "#b", "x": ') == {"#a": 2, "#b": 3}
    assert entity_lines("not json at all {[}") == {}
    assert entity_lines('{"@graph": [{"@id": "bad\\q escape"}]}') == {"bad\\q escape": 1}


def test_locate_each_input_form(workspace: Path) -> None:
    (workspace / "bad" / "ro-crate-metadata.json").rename(workspace / "bad" / "meta.json")
    folder = locate("good")
    assert (folder.metadata, folder.crate_root, folder.bag_root, folder.archive) == (
        "good/ro-crate-metadata.json", "good/", None, None)
    assert folder.lines["./"] > 1 and folder.lines[QUERY] > folder.lines["./"]
    renamed = locate("bad/meta.json")
    assert (renamed.metadata, renamed.crate_root) == ("bad/meta.json", "bad/")
    assert QUERY in renamed.lines


def test_locate_bag_zip_and_spaces(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(REPO)
    bag = locate(BAG)
    assert (bag.metadata, bag.crate_root, bag.bag_root) == (f"{BAG}/data/ro-crate-metadata.json", f"{BAG}/data/",
                                                            f"{BAG}/")
    archive = locate(ZIP)
    assert archive.archive == archive.metadata == ZIP and archive.lines == {}
    write_crate(tmp_path / "my crate")
    monkeypatch.chdir(tmp_path)
    assert locate("my crate").metadata == "my%20crate/ro-crate-metadata.json"


def test_log_is_valid_sarif_with_rules_levels_and_locations(
    workspace: Path, validator: jsonschema.Draft4Validator
) -> None:
    log = sarif_log(reports("good", "bad", threshold=Severity.SHOULD))
    assert_valid_sarif(log, validator)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "fivesafes-crate" and driver["version"] and driver["informationUri"].startswith("https:")
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == list(catalogue())
    rule = next(rule for rule in rules if rule["id"] == "inputs.data-entity")
    assert rule["helpUri"] == "https://w3id.org/5s-crate/0.4#inputs"
    assert rule["defaultConfiguration"]["level"] == "error" and rule["properties"]["section"] == "Inputs"
    assert "Inputs" in rule["help"]["text"] and rule["shortDescription"]["text"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert {r["properties"]["crate"] for r in run["results"]} == {"good", "bad"}
    found = results_by_check(log)
    assert {r["level"] for r in found["inputs.data-entity"]} == {"error"}
    assert "ref.dangling" not in found  # the undescribed input is inputs.data-entity's alone (one defect, one issue)
    assert "metadata.root-identifier" not in found  # a MAY, below the threshold
    dangling = found["inputs.data-entity"][0]["locations"][0]
    metadata = (workspace / "bad" / "ro-crate-metadata.json").read_text(encoding="utf-8").splitlines()
    artifact = dangling["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "bad/ro-crate-metadata.json", "uriBaseId": SOURCE_ROOT}
    assert f'"@id": "{QUERY}"' in metadata[dangling["physicalLocation"]["region"]["startLine"] - 1]
    assert dangling["logicalLocations"] == [{"name": QUERY, "kind": "object"}]
    crates = run["invocations"][0]["properties"]["crates"]
    assert run["invocations"][0]["executionSuccessful"] is True
    assert [(c["path"], c["valid"], c["phase"]) for c in crates] == [("good", False, "request"),
                                                                      ("bad", False, "request")]
    assert [c["declared"] for c in crates] == [[PROFILE], [PROFILE]]
    assert str(workspace) not in json.dumps(log)


def test_file_checks_are_placed_on_the_file_with_the_entity_related(workspace: Path) -> None:
    missing = results_by_check(sarif_log(reports("bad")))["data.file-missing"][0]
    assert missing["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "bad/input1.txt", "uriBaseId": SOURCE_ROOT}, "region": {"startLine": 1}}
    related = missing["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"] == "bad/ro-crate-metadata.json"
    assert related["region"]["startLine"] == locate("bad").lines["input1.txt"]


def test_bagit_checks_are_placed_relative_to_the_bag_and_zip_issues_on_the_zip(
    monkeypatch: pytest.MonkeyPatch, validator: jsonschema.Draft4Validator
) -> None:
    monkeypatch.chdir(REPO)
    log = sarif_log(reports(BAG, ZIP))
    assert_valid_sarif(log, validator)
    found = results_by_check(log)
    integrity = found["bagit.payload-integrity"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert integrity["uri"] == f"{BAG}/data/input1.txt"
    single = found["zip.single-top-level"][0]["locations"][0]["physicalLocation"]
    assert single["artifactLocation"]["uri"] == ZIP and single["region"] == {"startLine": 1}


def test_absolute_paths_become_file_uris(workspace: Path, validator: jsonschema.Draft4Validator) -> None:
    target = str(workspace / "bad")
    log = sarif_log(reports(target))
    assert_valid_sarif(log, validator)
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uri"].startswith("file:///") and "uriBaseId" not in artifact


def test_fingerprints_are_stable_and_distinct(workspace: Path) -> None:
    first = sarif_log(reports("bad", threshold=Severity.MAY))
    second = sarif_log(reports("bad", threshold=Severity.MAY))
    prints = [r["partialFingerprints"][FINGERPRINT] for r in first["runs"][0]["results"]]
    assert prints == [r["partialFingerprints"][FINGERPRINT] for r in second["runs"][0]["results"]]
    assert len(set(prints)) == len(prints)
    issue = Issue(Severity.MUST, "a.b", "m", focus="#x")
    assert fingerprint("bad/", issue) == fingerprint("bad", issue) != fingerprint("good", issue)


def test_checks_outside_the_catalogue_get_a_rule(workspace: Path, validator: jsonschema.Draft4Validator) -> None:
    report = Report.build("https://w3id.org/5s-crate/0.4", Stage.REQUEST, Severity.MUST, [
        Issue(Severity.MUST, "tre.own-check", "the TRE says no", focus="./"),
        Issue(Severity.SHOULD, "tre.own-check", "and warns", focus="./"),
    ])
    log = sarif_log({"good": report})
    assert_valid_sarif(log, validator)
    rule = log["runs"][0]["tool"]["driver"]["rules"][-1]
    assert rule["id"] == "tre.own-check" and rule["defaultConfiguration"]["level"] == "error"
    assert [r["ruleIndex"] for r in log["runs"][0]["results"]] == [len(catalogue())]


def test_rendered_and_registered(workspace: Path) -> None:
    found = reports("good")
    assert MULTI_REPORTERS["sarif"] is render_sarif
    assert json.loads(render_sarif(found)) == sarif_log(found)
    assert sarif_log(found)["runs"][0]["results"] == []


def test_a_json_syntax_error_is_placed_at_its_line_and_column(workspace: Path,
                                                             validator: jsonschema.Draft4Validator) -> None:
    (workspace / "broken").mkdir()
    (workspace / "broken" / "ro-crate-metadata.json").write_text('{\n  "@graph": [,]\n}\n')
    (workspace / "notcrate.json").write_text('{"a": 1,')
    log = sarif_log(reports("broken", "notcrate.json"))
    assert_valid_sarif(log, validator)
    places = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
               r["locations"][0]["physicalLocation"]["region"]) for r in log["runs"][0]["results"]]
    assert places == [("broken/ro-crate-metadata.json", {"startLine": 2, "startColumn": 14}),
                      ("notcrate.json", {"startLine": 1, "startColumn": 9})]
    crates = log["runs"][0]["invocations"][0]["properties"]["crates"]
    assert {(c["profile"], c["phase"]) for c in crates} == {(None, "unknown")}


def test_unreadable_inputs_are_tool_execution_notifications(workspace: Path,
                                                           validator: jsonschema.Draft4Validator) -> None:
    found = ReportSet(reports("good", "bad"), (InputFailure("gone.zip", "CrateReadError", "gone.zip: no such file"),))
    log = sarif_log(found)
    assert_valid_sarif(log, validator)
    run = log["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [{
        "level": "error",
        "message": {"text": "gone.zip: no such file"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "gone.zip", "uriBaseId": SOURCE_ROOT}}}],
        "exception": {"kind": "CrateReadError", "message": "gone.zip: no such file"},
        "properties": {"crate": "gone.zip"},
    }]
    assert results_by_check(log).keys() == results_by_check(sarif_log(reports("good", "bad"))).keys()
    assert sarif_log(reports("good"))["runs"][0]["invocations"][0]["executionSuccessful"] is True
