"""From JSON-LD to RDF offline, and from RDF nodes back to the crate's own @ids."""

from __future__ import annotations

import copy
import json
import socket
import urllib.request
from typing import Any

import pytest
from rdflib import RDF, BNode, Literal, URIRef

from fivesafes_crate.errors import ContextUnavailable
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.model.entities import escapes_root
from fivesafes_crate.model.graph import (
    BASE,
    METADATA_DESCRIPTOR,
    ROOT_DATA_ENTITY,
    CrateGraph,
    GraphBuildError,
    build_graph,
    context_urls,
    resolve_id,
    unknown_context_urls,
)

from .._crates import CONTEXT, QUERY, entity, request_document

SCHEMA = "http://schema.org/"
ARCP = "arcp://uuid,11111111-2222-3333-4444-555555555555/x"


def crate_with(*extra: dict[str, Any], context: Any = CONTEXT) -> Crate:
    document = request_document()
    document["@context"] = context
    document["@graph"].extend(extra)
    return Crate(document)


# --- resolving @ids ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "resolved"),
    [
        ("./", BASE),
        ("input1.txt", BASE + "input1.txt"),
        ("#frag", BASE + "#frag"),
        ("a/../b", BASE + "b"),
        ("_:blank", "_:blank"),
        (ARCP, ARCP),
        ("https://example.org/x", "https://example.org/x"),
    ],
)
def test_resolve_id(written: str, resolved: str) -> None:
    assert resolve_id(written) == resolved


@pytest.mark.parametrize("written", ["../fetch.txt", "a/../../x", "..", "../", "./../x", "../../../../x"])
def test_escapes_root(written: str) -> None:
    assert escapes_root(written)
    assert not resolve_id(written).startswith(BASE)


@pytest.mark.parametrize(
    "written", ["a/../b", "./", "input1.txt", "#frag", "_:blank", "_:../x", ARCP, "https://example.org/../x", "sub/"]
)
def test_does_not_escape(written: str) -> None:
    assert not escapes_root(written)


@pytest.mark.parametrize("written", ["../root/x", "../../crate/root/x"])
def test_escape_that_comes_back_through_the_base_path_still_escapes(written: str) -> None:
    """BUG: BASE ends in ``/crate/root/``, so ``../root/x`` climbs out of the crate root and back into a folder
    that happens to share the base's last segment; it resolves to ``BASE + "x"`` and ``escapes_root`` says
    False. In a bag, ``data/../root/x`` is ``root/x`` beside the payload, i.e. outside the crate, and
    ``id.parent-path`` misses it. Escape detection must look at the ``..`` segments of the written path (or
    use a base whose segments no written path can name), not only at the resolved IRI."""
    assert escapes_root(written)


# --- mapping back to the crate's words --------------------------------------------------------------------------


WRITTEN_IDS = ["sub/data.csv", "#frag", ARCP, "_:blank", "a%20b.txt", "./nested/", "a/../b.txt"]


@pytest.fixture(scope="module")
def mapped() -> CrateGraph:
    extra = [{"@id": i, "@type": "CreativeWork", "name": i} for i in WRITTEN_IDS]
    crate = crate_with(*extra)
    entity(crate.document, "./")["mentions"] = [{"@id": i} for i in WRITTEN_IDS] + [{"@id": QUERY}]
    crate.reindex()
    return build_graph(crate)


@pytest.mark.parametrize("written", [*WRITTEN_IDS, "./", "ro-crate-metadata.json", "input1.txt", QUERY])
def test_display_gives_back_the_id_as_written(mapped: CrateGraph, written: str) -> None:
    subjects = {mapped.display(s) for s in mapped.graph.subjects()}
    objects = {mapped.display(o) for o in mapped.graph.objects(predicate=URIRef(SCHEMA + "mentions"))}
    assert written in subjects
    if written not in ("./", "ro-crate-metadata.json", "input1.txt"):
        assert written in objects


def test_display_never_shows_base_or_expanded_relative_iris(mapped: CrateGraph) -> None:
    for node in set(mapped.graph.subjects()) | set(mapped.graph.objects()):
        if isinstance(node, URIRef | BNode):
            shown = mapped.display(node)
            assert shown is not None and not shown.startswith("arcp://uuid,4f7c2b1e")


def test_display_of_unmapped_nodes() -> None:
    view = CrateGraph(graph=build_graph(Crate(request_document())).graph)
    assert view.display(None) is None
    assert view.display(URIRef(BASE)) == "./"
    assert view.display(URIRef(BASE + "x/y.txt")) == "x/y.txt"
    assert view.display(BNode("b1")) == "_:b1"
    assert view.display(URIRef("https://example.org/z")) == "https://example.org/z"


def test_terms_map_back_to_compact_terms() -> None:
    graph = build_graph(crate_with(context=[CONTEXT, {"myTerm": "https://example.org/myTerm"}]))
    assert graph.term(URIRef(SCHEMA + "hasPart")) == "hasPart"
    assert graph.term(URIRef(SCHEMA + "mentions")) == "mentions"
    assert graph.term(URIRef("https://example.org/myTerm")) == "myTerm"
    assert graph.term(URIRef("https://example.org/other")) == "https://example.org/other"
    assert graph.term(None) is None


# --- contexts ---------------------------------------------------------------------------------------------------


def test_local_context_term_becomes_a_predicate() -> None:
    crate = crate_with(context=[CONTEXT, {"myTerm": "https://example.org/myTerm"}])
    entity(crate.document, "./")["myTerm"] = "hello"
    graph = build_graph(crate)
    root = URIRef(BASE)
    assert (root, URIRef("https://example.org/myTerm"), Literal("hello")) in graph.graph


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and refuse) every attempt to open a connection, beyond what pytest-socket already blocks."""
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args))
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return attempts


@pytest.mark.parametrize(
    "context",
    [
        "https://example.org/unknown-context.jsonld",
        [CONTEXT, "https://example.org/unknown-context.jsonld"],
        [CONTEXT, {"@import": "https://example.org/unknown-context.jsonld"}],
        [CONTEXT, {"scoped": {"@id": "https://example.org/s", "@context": "https://example.org/unknown-context.jsonld"}}],
    ],
)
def test_unknown_context_raises_context_unavailable_and_never_fetches(context: Any, no_network: list[str]) -> None:
    crate = crate_with(context=context)
    if isinstance(context, list) and isinstance(context[1], dict) and "scoped" in context[1]:
        entity(crate.document, "./")["scoped"] = {"@id": "#s"}
    with pytest.raises(ContextUnavailable) as info:
        build_graph(crate)
    assert info.value.url == "https://example.org/unknown-context.jsonld"
    assert "https://example.org/unknown-context.jsonld" in str(info.value)
    assert info.value.path == "ro-crate-metadata.json"
    assert no_network == []
    assert list(unknown_context_urls(context)) == ["https://example.org/unknown-context.jsonld"]


@pytest.mark.parametrize(
    "url",
    ["https://w3id.org/ro/crate/1.1/context", "http://w3id.org/ro/crate/1.2/context/",
     "https://w3id.org/ro/crate/1.2-DRAFT/context", "https://w3id.org/ro/crate/1.3/context.jsonld"],
)
def test_bundled_contexts_expand_offline(url: str, no_network: list[str]) -> None:
    graph = build_graph(crate_with(context=url))
    assert (URIRef(BASE), RDF.type, URIRef(SCHEMA + "Dataset")) in graph.graph
    assert no_network == []
    assert list(unknown_context_urls(url)) == []


def test_relative_ids_resolve_on_base_with_the_ro_crate_1_0_context() -> None:
    """BUG: the bundled RO-Crate 1.0 context ends with ``"@base": null``, which cancels the ``base`` option
    given to pyld: relative ``@id``s stay relative (``URIRef("./")``) while ``_mark_structure`` and the ``ids``
    map use ``resolve_id`` (BASE-resolved) nodes. The markers then sit on empty nodes, so every crate using
    the 1.0 context gets false MUST violations from shapes targeting fsa:RootDataEntity/MetadataDescriptor
    (``metadata.root-dataset``, ``metadata.descriptor-type``...). Relative IRIs must be resolved against BASE
    whatever the context says (e.g. resolve them in ``_TripleWriter.subject``)."""
    graph = build_graph(crate_with(context="https://w3id.org/ro/crate/1.0/context")).graph
    assert (URIRef(BASE), RDF.type, URIRef(SCHEMA + "Dataset")) in graph
    roots = set(graph.subjects(RDF.type, ROOT_DATA_ENTITY))
    assert roots and all((root, RDF.type, URIRef(SCHEMA + "Dataset")) in graph for root in roots)


def test_context_urls() -> None:
    assert context_urls(crate_with(context=[CONTEXT, {"a": "https://e.org/a"}, "https://e.org/c"])) == [
        CONTEXT, "https://e.org/c"]


def test_malformed_context_is_a_graph_build_error() -> None:
    with pytest.raises(GraphBuildError) as info:
        build_graph(crate_with(context=[CONTEXT, {"bad": {"@id": 5}}]))
    assert info.value.path == "ro-crate-metadata.json"
    assert "not interpretable as JSON-LD" in info.value.message


# --- IRI-valued literals, the "type" quirk, markers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("actionStatus", SCHEMA + "CompletedActionStatus"),
        ("additionalType", "https://w3id.org/shp#CheckValue"),
        ("permissionType", "https://w3id.org/shp#ReadPermission"),
    ],
)
def test_iri_valued_string_and_reference_give_the_same_iri(prop: str, value: str) -> None:
    as_string = {"@id": "#s", "@type": "AssessAction", prop: value}
    as_reference = {"@id": "#r", "@type": "AssessAction", prop: {"@id": value}}
    graph = build_graph(crate_with(as_string, as_reference)).graph
    predicate = URIRef(SCHEMA + prop)
    assert graph.value(URIRef(BASE + "#s"), predicate) == URIRef(value)
    assert graph.value(URIRef(BASE + "#r"), predicate) == URIRef(value)


def test_query_action_status_of_the_example_is_an_iri() -> None:
    graph = build_graph(Crate(request_document())).graph
    assert graph.value(URIRef(BASE + QUERY), URIRef(SCHEMA + "actionStatus")) == URIRef(
        SCHEMA + "PotentialActionStatus")


def test_other_string_values_stay_literals() -> None:
    graph = build_graph(crate_with({"@id": "#s", "@type": "AssessAction", "actionStatus": "pending",
                                    "name": "http://schema.org/NotAnIri"})).graph
    assert graph.value(URIRef(BASE + "#s"), URIRef(SCHEMA + "actionStatus")) == Literal("pending")
    assert graph.value(URIRef(BASE + "#s"), URIRef(SCHEMA + "name")) == Literal("http://schema.org/NotAnIri")


def test_type_key_is_copied_into_the_graph_but_not_into_the_document() -> None:
    crate = crate_with({"@id": "#t", "type": "CreateAction", "name": "typed with type"})
    before = copy.deepcopy(crate.document)
    graph = build_graph(crate).graph
    assert (URIRef(BASE + "#t"), RDF.type, URIRef(SCHEMA + "CreateAction")) in graph
    assert crate.document == before
    assert "@type" not in crate.get("#t")  # type: ignore[operator]


def test_markers() -> None:
    graph = build_graph(Crate(request_document())).graph
    assert set(graph.subjects(RDF.type, METADATA_DESCRIPTOR)) == {URIRef(BASE + "ro-crate-metadata.json")}
    assert set(graph.subjects(RDF.type, ROOT_DATA_ENTITY)) == {URIRef(BASE)}


def test_root_marker_follows_about() -> None:
    document = request_document()
    entity(document, "ro-crate-metadata.json")["about"] = {"@id": "#root"}
    entity(document, "./")["@id"] = "#root"
    graph = build_graph(Crate(document))
    roots = set(graph.graph.subjects(RDF.type, ROOT_DATA_ENTITY))
    assert {graph.display(r) for r in roots} == {"#root"}


def test_no_descriptor_no_markers() -> None:
    document = request_document()
    document["@graph"] = [e for e in document["@graph"] if e["@id"] != "ro-crate-metadata.json"]
    graph = build_graph(Crate(document)).graph
    assert not set(graph.subjects(RDF.type, METADATA_DESCRIPTOR))
    assert not set(graph.subjects(RDF.type, ROOT_DATA_ENTITY))


def test_build_graph_leaves_the_document_untouched() -> None:
    document = request_document()
    snapshot = json.dumps(document)
    build_graph(Crate(document))
    assert json.dumps(document) == snapshot
