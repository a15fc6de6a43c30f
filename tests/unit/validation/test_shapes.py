"""The SHACL shapes: conventions of every shape, fixtures for every shape, and behaviour on the spec's examples."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.profiles import shapes_dir
from fivesafes_crate.validation.engine import validate
from fivesafes_crate.validation.registry import SPEC_SECTIONS
from fivesafes_crate.validation.shacl import CHECK_NS, TERMS, load_library
from unit._crates import REFERENCE_DIR

ROOT = Path(__file__).resolve().parents[3]
SPEC = REFERENCE_DIR / "5s-crate"
INVALID = ROOT / "tests" / "crates" / "invalid"
VERSIONS = ["0.4", "0.5-DRAFT"]

SHAPE_FILES = {
    "metadata-file.ttl",
    "workflow-reference.ttl",
    "requested-workflow-run.ttl",
    "requesting-agent.ttl",
    "responsible-project.ttl",
    "inputs.ttl",
    "outputs.ttl",
    "sensitive-data.ttl",
    "review-process.ttl",
    "check-phase.ttl",
    "validation-phase.ttl",
    "workflow-retrieval-phase.ttl",
    "sign-off-phase.ttl",
    "execution-phase.ttl",
    "disclosure-phase.ttl",
    "publishing-phase.ttl",
}
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
KEYWORDS = {
    Severity.MUST: ("MUST",),
    Severity.SHOULD: ("SHOULD", "RECOMMENDED"),
    Severity.MAY: ("MAY", "typically"),
}
SHAPE_IDS = sorted(load_library().infos)


def _fixtures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_shape_fixtures", ROOT / "tests/crates/make_shape_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shape_issues(path: Path | str, **kwargs: object) -> list[tuple[Severity, str, str | None]]:
    shape_ids = set(SHAPE_IDS)
    report = validate(path, **kwargs)  # type: ignore[arg-type]
    return [(i.severity, i.check, i.focus) for i in report.issues if i.check in shape_ids]


# -- conventions ---------------------------------------------------------------------------------------------


def test_one_file_per_section() -> None:
    assert {p.name for p in shapes_dir().glob("*.ttl")} == SHAPE_FILES


def test_check_ids_are_dotted_lower_case_and_section_prefixed() -> None:
    for check_id in SHAPE_IDS:
        assert re.fullmatch(r"[a-z]+(\.[a-z0-9]+(-[a-z0-9]+)*)+", check_id), check_id


@pytest.mark.parametrize("check_id", SHAPE_IDS)
def test_shape_annotations(check_id: str) -> None:
    library = load_library()
    info, node, graph = library.infos[check_id], library.nodes[check_id], library.graph
    assert info.section in SPEC_SECTIONS
    assert isinstance(Stage.parse(str(graph.value(node, TERMS.stage))), Stage), "fsa:stage is explicit"
    assert len(set(graph.objects(node, SH.message))) == 1
    assert any(word in str(graph.value(node, SH.message)) for word in KEYWORDS[info.severity]), (
        f"{check_id}: message should use the key word of its severity {info.severity.name}"
    )
    assert set(info.profiles) <= set(VERSIONS)
    assert any(graph.objects(node, target) for target in TARGETS), f"{check_id} has no target"


def test_every_shape_that_can_report_is_named() -> None:
    graph = load_library().graph
    for predicate in TARGETS:
        for shape in graph.subjects(predicate, None):
            if predicate == SH.target and (shape, RDF.type, SH.SPARQLTarget) in graph:
                continue
            assert isinstance(shape, URIRef) and str(shape).startswith(CHECK_NS), f"targeted shape {shape!r}"
            assert graph.value(shape, SH.severity) is not None, shape
    for parent, child in graph.subject_objects(SH.property):
        if isinstance(parent, URIRef) and str(parent).startswith(CHECK_NS):
            assert isinstance(child, URIRef) and str(child).startswith(CHECK_NS), f"{parent}: unnamed sh:property"
    assert not list(graph.subjects(SH.node, None)), "sh:node reports nested results (sh:detail): use sh:and"


def test_shapes_parse_without_a_library_cache() -> None:
    graph = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        graph.parse(path, format="turtle")
    assert len(graph) > 0


# -- fixtures ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("check_id", SHAPE_IDS)
def test_every_shape_has_a_fixture(check_id: str) -> None:
    expected = json.loads((INVALID / check_id / "expected.json").read_text(encoding="utf-8"))
    assert check_id in expected["checks"]
    assert (INVALID / check_id / expected["input"] / "ro-crate-metadata.json").is_file()


MOVED_TO_PYTHON = ("profile.conforms-to", "profile.entity", "validation.instrument")
"""Former shapes that compare exact profile IRIs (validation/checks/profile_conformance.py); the shape fixture
generator still writes their fixtures."""


def test_fixture_generator_covers_every_shape() -> None:
    assert sorted(set(_fixtures().MUTATIONS) - set(MOVED_TO_PYTHON)) == SHAPE_IDS


@pytest.mark.parametrize("base", ["request", "published"])
def test_fixture_bases_raise_no_shape_issue(base: str, tmp_path: Path) -> None:
    module = _fixtures()
    module.write_crate(tmp_path / base, module.BASES[base]())
    assert _shape_issues(tmp_path / base) == []


# -- the spec's examples -------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_example_request_has_no_must_or_should_shape_issue(version: str) -> None:
    issues = _shape_issues(SPEC / version / "example-request")
    serious = [i for i in issues if i[0] >= Severity.SHOULD]
    # The examples predate RO-Crate 1.2 and declare its 1.2-DRAFT: accepted, with a warning to update.
    assert serious == [(Severity.SHOULD, "metadata.conforms-to-draft", "ro-crate-metadata.json")]


@pytest.mark.parametrize("version", VERSIONS)
def test_example_result_known_deviations_are_reported(version: str) -> None:
    issues = _shape_issues(SPEC / version / "example-result")
    found = {(check, focus) for _severity, check, focus in issues}
    assert {
        ("outputs.described", "#query-37252371-c937-43bd-a0a7-3680b48c0538"),  # result outputs/table.csv: no entity
        ("publishing.has-part-results", "outputs/diagrams/"),  # result not in the root's hasPart
        ("publishing.license", "./"),  # written as `licence`, not a term of the context
    } <= found
    # Open world (docs/conformance.md, rule 3): the validator, the proxy and the sign-off person have no entity,
    # so they are dangling references (ref.dangling, SHOULD), not agents of the wrong type or without a name.
    undescribed = {"#validator-a4a66c63-2fe0-4c57-830d-268a40718313", "http://proxy.example.com/",
                   "https://orcid.org/0000-0002-1825-0097"}
    assert not {(check, focus) for check, focus in found
                if check in {"review.agent-name", "review.agent-type"} and focus in undescribed}
    # The review actions use "type" for "@type" (reported by jsonld.type-keyword); the shapes still see them as
    # the actions they claim to be, and they are all in the root's mentions.
    checks = {check for check, _focus in found}
    assert not checks & {
        "review.mentioned",
        "publishing.mentions-assess-actions",
        "review.name",
        "check.recorded",
        "validation.recorded",
        "signoff.recorded",
        "disclosure.recorded",
        "publishing.checksums-recorded",
    }


def test_stage_gates_later_requirements() -> None:
    result = SPEC / "0.4" / "example-result"
    at_request = {check for _s, check, _f in _shape_issues(result, phase="request")}
    assert not {
        c
        for c in at_request
        if c.split(".")[0] in {"publishing", "outputs", "execution", "disclosure"}
        and c not in {"execution.action-status", "execution.action-status-present"}
    }
    assert "publishing.license" in {check for _s, check, _f in _shape_issues(result)}
