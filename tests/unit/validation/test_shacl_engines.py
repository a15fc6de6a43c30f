"""The SHACL engine seam: choosing an engine, and the fast engine's N-Triples round trip of odd terms."""

from __future__ import annotations

import importlib.util

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import Stage
from fivesafes_crate.model.graph import BASE, CrateGraph
from fivesafes_crate.validation import shacl_engines
from fivesafes_crate.validation.shacl import run_shapes
from fivesafes_crate.validation.shacl_engines import (
    ENGINE_NAMES,
    FAST,
    REFERENCE,
    PyShaclEngine,
    RustShaclEngine,
    _NTriplesWriter,
    get_engine,
)


def test_default_engine_is_the_fast_one_when_installed() -> None:
    assert isinstance(get_engine(), RustShaclEngine) and get_engine().name == FAST


def test_default_engine_is_the_reference_without_the_fast_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(shacl_engines.importlib.util, "find_spec", lambda name: None if name == FAST else real(name))
    assert isinstance(get_engine(), PyShaclEngine) and get_engine().name == REFERENCE
    with pytest.raises(UsageError, match=r"not installed: pip install 'fivesafes-crate\[fast\]'"):
        get_engine(FAST)


def test_named_engines_and_unknown_names() -> None:
    assert ENGINE_NAMES == (FAST, REFERENCE)
    assert isinstance(get_engine(REFERENCE), PyShaclEngine)
    assert get_engine(FAST) is get_engine(FAST)  # one engine (and its compiled shapes) per process
    with pytest.raises(UsageError, match="unknown SHACL engine 'jena'"):
        get_engine("jena")


ODD = [URIRef(BASE + "my file.csv"), URIRef(BASE + 'q"uote<x>'), URIRef(BASE + "outputs/ü.csv"),
       BNode("localid:tre72:project81"), URIRef("http://example.org/a\\b{c}"), URIRef(BASE + "100%25 %")]


def test_writer_output_is_strict_ntriples_and_maps_back() -> None:
    import shacl

    graph = Graph()
    for index, node in enumerate(ODD):
        graph.add((node, RDF.type, URIRef("http://schema.org/Thing")))
        graph.add((node, URIRef("http://schema.org/name"), Literal(f'line\n"{index}"\\ \r')))
        graph.add((node, URIRef("http://schema.org/about"), ODD[(index + 1) % len(ODD)]))
    graph.add((ODD[0], URIRef("http://schema.org/d"), Literal("2024", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))))
    graph.add((ODD[0], URIRef("http://schema.org/l"), Literal("x", lang="en")))
    writer = _NTriplesWriter()
    text = writer.write(graph)
    shapes = shacl.Shapes.from_turtle("@prefix sh: <http://www.w3.org/ns/shacl#> .")
    assert shapes.validate_text(text, format="nt").conforms  # a strict parser accepts every line
    for node in ODD:
        if isinstance(node, URIRef):
            assert writer.read(writer.term(node)) == node
        else:  # the engine relabels blank nodes: never taken for the crate's
            assert shacl_engines._unmapped(writer.read(writer.term(node)))
    assert writer.read(None) is None


@pytest.mark.parametrize("literal", [Literal('x"y\nz\\ \r\t'), Literal("2024", datatype=URIRef(
    "http://www.w3.org/2001/XMLSchema#gYear")), Literal("hé", lang="en-GB"), Literal(5), Literal("ü \x01"),
    Literal("odd", datatype=URIRef("http://example.org/a type"))])
def test_literal_values_are_read_back_exactly(literal: Literal) -> None:
    """A literal value in a result is the crate's literal (messages may quote it)."""
    import shacl

    writer = _NTriplesWriter()
    text = writer.write([(URIRef("http://ex/a"), URIRef("http://ex/p"), literal)])
    shapes = shacl.Shapes.from_turtle("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> . "
                                      "ex:s a sh:NodeShape ; sh:targetNode ex:a ; "
                                      "sh:property [ sh:path ex:p ; sh:datatype ex:none ] .")
    (result,) = shapes.validate_text(text, format="nt").results
    assert writer.read(result.value) == literal


def test_both_engines_name_odd_focus_nodes_alike() -> None:
    """A shape failing on nodes whose IRIs need escaping: both engines report the crate's own nodes."""
    graph = Graph()
    for node in ODD:
        graph.add((node, RDF.type, URIRef("http://schema.org/CreateAction")))
    data = CrateGraph(graph)
    found = {engine: {(i.check, i.focus, i.path) for i in run_shapes(data, "0.4", Stage.REQUEST, engine)}
             for engine in ENGINE_NAMES}
    assert found[FAST] == found[REFERENCE]
    assert {focus for _check, focus, _path in found[FAST]} >= {"my file.csv", "outputs/ü.csv",
                                                               "_:localid:tre72:project81"}


def test_a_result_about_a_blank_node_is_judged_by_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = PyShaclEngine.results
    monkeypatch.setattr(PyShaclEngine, "results", lambda self, *a: calls.append("pyshacl") or original(self, *a))
    iri_only, with_bnode = Graph(), Graph()
    iri_only.add((ODD[0], RDF.type, URIRef("http://schema.org/CreateAction")))
    with_bnode.add((ODD[3], RDF.type, URIRef("http://schema.org/CreateAction")))
    assert run_shapes(CrateGraph(iri_only), "0.4", Stage.REQUEST, FAST) and not calls
    assert run_shapes(CrateGraph(with_bnode), "0.4", Stage.REQUEST, FAST) and calls == ["pyshacl"]


def test_a_graph_the_fast_engine_refuses_is_judged_by_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = PyShaclEngine.results
    monkeypatch.setattr(PyShaclEngine, "results", lambda self, *a: calls.append("pyshacl") or original(self, *a))
    graph = Graph()
    graph.add((URIRef("no-scheme"), RDF.type, URIRef("http://schema.org/CreateAction")))  # N-Triples: absolute only
    issues = run_shapes(CrateGraph(graph), "0.4", Stage.REQUEST, FAST)
    assert calls == ["pyshacl"] and "no-scheme" in {issue.focus for issue in issues}


def test_a_batch_passes_the_engine_to_each_validation() -> None:
    from pathlib import Path

    from fivesafes_crate.validation.batch import validate_many
    from fivesafes_crate.validation.engine import validate

    examples = Path(__file__).resolve().parents[3] / "examples"
    seen: list[str | None] = []

    def validator(target: object, **options: object) -> object:
        seen.append(options["engine"])  # type: ignore[arg-type]
        return validate(target, **options)  # type: ignore[arg-type]

    reports = validate_many([examples / "request", examples / "executed"], engine=REFERENCE, validator=validator)
    assert seen == [REFERENCE, REFERENCE] and len(reports) == 2
