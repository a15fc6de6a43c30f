"""The rocrate-validator export: folder layout, levels, SPARQL that parses, and the same findings as our engine.

The findings are compared by running the exported shapes with pySHACL the way rocrate-validator does (rules
on, advanced SHACL, the crate parsed by rdflib with plain-string values left as literals), so that the
semantics are tested without the tool; tests/cli/test_export_profile.py runs the tool itself when installed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from fivesafes_crate import UsageError, export_profile
from fivesafes_crate.contexts import load_context
from fivesafes_crate.interop.rocrate_validator import LEVEL_FOLDERS, RULES, STAGE_CONDITIONS, ExportedProfile
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.model.graph import build_graph
from fivesafes_crate.profiles import PROFILES
from fivesafes_crate.validation.engine import validate
from fivesafes_crate.validation.shacl import CHECK_NS, load_library
from fivesafes_crate.validation.shacl_engines import PYSHACL_LOCK, prepared_sparql

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
INVALID = REPO / "tests" / "crates" / "invalid"
PROF = Namespace("http://www.w3.org/ns/dx/prof/")
LEVELS = {SH.Violation: "must", SH.Warning: "should", SH.Info: "may"}
PREFIXES = {"schema": "http://schema.org/", "fsa": "https://w3id.org/fivesafes-crate/terms#",
            "shp": "https://w3id.org/shp#", "dct": "http://purl.org/dc/terms/",
            "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> list[ExportedProfile]:
    return export_profile(tmp_path_factory.mktemp("export") / "profiles")


def _shapes_graph(folder: Path) -> Graph:
    graph = Graph()
    for path in sorted(folder.rglob("*.ttl")):
        if path.name != "profile.ttl":
            graph.parse(path, format="turtle")
    return graph


def test_one_folder_per_version_named_as_rocrate_validator_names_it(exported: list[ExportedProfile]) -> None:
    assert [(e.identifier, e.path.name, e.profile) for e in exported] == [
        ("five-safes-crate-0.4", "five-safes-crate-0.4", PROFILES[0]),
        ("five-safes-crate-0.5", "five-safes-crate-0.5", PROFILES[1]),
    ]
    for export in exported:
        profile = Graph().parse(export.path / "profile.ttl", format="turtle")
        assert list(profile.subjects(RDF.type, PROF.Profile)) == [URIRef(export.profile.id)]
        node = URIRef(export.profile.id)
        assert str(profile.value(node, PROF.hasToken)) == "five-safes-crate"
        assert profile.value(node, PROF.isProfileOf) == URIRef("https://w3id.org/ro/crate/1.2")
        names = {"profile.ttl", "structure.ttl", "README.md", *LEVEL_FOLDERS.values()}
        assert {p.name for p in export.path.iterdir()} == names


def test_every_applicable_check_is_exported_once_at_its_level(exported: list[ExportedProfile]) -> None:
    infos = load_library().infos
    for export in exported:
        assert set(export.checks) == {c for c, info in infos.items() if not info.profiles or
                                      export.profile.version in info.profiles}
        found: dict[str, str] = {}
        for level in LEVEL_FOLDERS.values():
            for path in (export.path / level).glob("*.ttl"):
                graph = Graph().parse(path, format="turtle")
                for shape, severity in graph.subject_objects(SH.severity):
                    assert str(shape).startswith(f"{CHECK_NS}{export.profile.version}/")
                    check_id = str(shape).rsplit("/", 1)[1]
                    assert check_id not in found
                    assert LEVELS[severity] == level == LEVEL_FOLDERS[infos[check_id].severity]
                    found[check_id] = level
        assert set(found) == set(export.checks)


def test_shapes_use_only_defined_shared_nodes_and_parse(exported: list[ExportedProfile]) -> None:
    graph = _shapes_graph(exported[0].path)
    for prefixes in graph.objects(None, SH.prefixes):
        assert (prefixes, SH.declare, None) in graph
    for target in graph.objects(None, SH.target):
        assert graph.value(target, SH.select) is not None
    selects = [str(text) for text in graph.objects(None, SH.select)]
    assert not [text for text in selects if "schema:actionStatus" in text or "schema:additionalType" in text]
    stage_targets = [text for text in selects if "FILTER EXISTS {\n" in text]
    assert len(stage_targets) == sum(1 for info in load_library().infos.values() if info.stage is not Stage.REQUEST)
    for text in graph.objects(None, SH.construct):  # the stage targets are parsed by the pySHACL runs below
        prepareQuery(str(text), initNs=PREFIXES)


def test_export_refuses_to_replace_a_folder(exported: list[ExportedProfile]) -> None:
    before = sorted(p.name for p in exported[0].path.parent.iterdir())
    with pytest.raises(UsageError, match="exists already"):
        export_profile(exported[0].path.parent, profile="0.5-DRAFT")
    with pytest.raises(UsageError, match="export target"):
        export_profile(exported[0].path.parent, target="other-validator")
    assert sorted(p.name for p in exported[0].path.parent.iterdir()) == before


def _document(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    return data


def _with(name: str, *entities: dict[str, Any], root: dict[str, Any] | None = None) -> dict[str, Any]:
    document = _document(name)
    document["@graph"] += list(entities)
    next(e for e in document["@graph"] if e["@id"] == "./").update(root or {})
    return document


STATUS = "http://schema.org/CompletedActionStatus"
STAGE_CASES = {
    **{p.name: _document(p.name) for p in sorted(EXAMPLES.iterdir()) if (p / "ro-crate-metadata.json").is_file()},
    "request+datePublished": _with("request", root={"datePublished": "2024-03-06"}),
    "request+pending-disclosure": _with("request", {"@id": "#d", "@type": "AssessAction", "actionStatus":
                                                    "http://schema.org/PotentialActionStatus",
                                                    "additionalType": {"@id": "https://w3id.org/shp#DisclosureCheck"}}),
    "request+review-that-is-a-run": _with("request", {"@id": "#r", "@type": ["AssessAction", "CreateAction"],
                                                      "actionStatus": STATUS}),
    "request+active-run": _with("request", {"@id": "#a", "@type": "CreateAction",
                                            "actionStatus": {"@id": "http://schema.org/ActiveActionStatus"}}),
}


@pytest.mark.parametrize("name", STAGE_CASES)
def test_stage_conditions_agree_with_stage_inference(name: str) -> None:
    crate = Crate(STAGE_CASES[name])
    graph = build_graph(crate).graph
    for rule in RULES:
        for triple in graph.query(rule, initNs=PREFIXES):
            graph.add(triple)  # type: ignore[arg-type]
    reached = [stage for stage, condition in STAGE_CONDITIONS.items()
               if graph.query(f"ASK {{ {condition} }}", initNs=PREFIXES).askAnswer]
    expected = [stage for stage in Stage if stage is not Stage.REQUEST and crate.stage().includes(stage)]
    assert reached == expected


def _rdflib_graph(path: Path) -> Graph:
    """The crate as rocrate-validator reads it: rdflib's JSON-LD parser, the context given inline (offline)."""
    document: dict[str, Any] = json.loads((path / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    document["@context"] = load_context(document["@context"])["@context"]
    return Graph().parse(data=json.dumps(document), format="json-ld", publicID=path.as_uri() + "/")


def _check_of(shapes: Graph, node: Node) -> str:
    """The check id of a result's source shape (climbing from nested blank nodes to the named shape)."""
    while not str(node).startswith(CHECK_NS):
        node = next(iter(shapes.subjects(None, node)))
    return str(node).rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def exported_shapes(exported: list[ExportedProfile]) -> Graph:
    return _shapes_graph(exported[0].path)


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("crate_path", [
    EXAMPLES / "request", EXAMPLES / "published", EXAMPLES / "disclosure-rejected",
    INVALID / "execution.action-status" / "crate", INVALID / "inputs.data-entity" / "crate",
    INVALID / "publishing.has-part-results" / "crate",
], ids=lambda p: p.name if p.name != "crate" else p.parent.name)
def test_exported_shapes_find_what_our_engine_finds(crate_path: Path, exported_shapes: Graph) -> None:
    shapes = exported_shapes
    with PYSHACL_LOCK, prepared_sparql():  # our engine's cache of parsed SPARQL, to keep these runs short
        _conforms, results, _text = pyshacl_validate(_rdflib_graph(crate_path), shacl_graph=shapes, advanced=True,
                                                     iterate_rules=True, allow_infos=True, allow_warnings=True)
    top_level = [r for r in results.subjects(RDF.type, SH.ValidationResult) if (None, SH.result, r) in results]
    found = {_check_of(shapes, results.value(r, SH.sourceShape)) for r in top_level}
    shacl = set(load_library().infos)
    expected = {i.check for i in validate(crate_path, threshold=Severity.MAY).issues if i.check in shacl}
    assert found == expected
