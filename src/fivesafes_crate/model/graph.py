"""From the crate's JSON-LD to an RDF graph, offline, and from RDF nodes back to the crate's own ``@id``s.

Expansion uses pyld with the bundled contexts only (any other context raises
:class:`~fivesafes_crate.errors.ContextUnavailable`). The expanded document is turned into rdflib triples here
rather than with pyld's ``to_rdf``, whose node map grows quadratically with long ``hasPart`` lists; expansion
itself is linear.

Relative ``@id``s are resolved against :data:`BASE`, an ``arcp://`` IRI two levels deep so that a ``../``
escape resolves to an IRI *different* from every in-crate one (it is reported by a check, never silently
merged). This module is the only place that maps IRIs back to ``@id``s and property IRIs back to terms.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..contexts import canonical_context_url, document_loader, term_definitions
from ..errors import ContextUnavailable, CrateError
from . import vocab
from ._pyld import jsonld, resolve_iri
from .crate import Crate
from .entities import JSON, parts_closure, ref_ids
from .source import METADATA_FILE

BASE = "arcp://uuid,4f7c2b1e-8e0a-4c9b-9c57-5fa0e5d1c0de/crate/root/"
"""Base IRI for relative ``@id``s (a fixed arcp URI; see module docstring)."""

MARKERS = "https://w3id.org/fivesafes-crate/terms#"
METADATA_DESCRIPTOR = URIRef(MARKERS + "MetadataDescriptor")
"""Added to the node of the entity whose ``@id`` is ``ro-crate-metadata.json``."""
ROOT_DATA_ENTITY = URIRef(MARKERS + "RootDataEntity")
"""Added to each node the metadata descriptor's ``about`` references (the root data entity)."""
CONTAINS = URIRef(MARKERS + "contains")
"""``root fsa:contains x`` for every ``x`` that ``hasPart`` reaches from the root, directly or through nested
Datasets: computed once here, so shapes need not walk ``hasPart`` paths per entity (slow in pyshacl)."""

_IRI_VALUED = frozenset(vocab.IRI_VALUED_PROPERTIES)

# pyld's process-wide default loader fetches over HTTP. Replace it with the offline one, so that no pyld call
# in this process (ours pass the loader explicitly anyway) can reach the network.
jsonld.set_document_loader(document_loader)


class GraphBuildError(CrateError):
    """The metadata could not be interpreted as JSON-LD (a malformed context or keyword use)."""


def written_id(iri: str) -> str:
    """The ``@id`` as a crate writes it for an IRI of its expanded form: relative to the root when inside it."""
    return iri[len(BASE) :] or "./" if iri.startswith(BASE) else iri


def node_objects(expanded: list[JSON]) -> Iterator[dict[str, Any]]:
    """Every node object of an expanded document, at any depth: top-level nodes, nodes embedded as property
    values (also in ``@list``, ``@set`` and ``@reverse``), in ``@included`` and in named graphs (``@graph``).

    Iterative, so that deep nesting cannot exhaust the stack; value objects (``@value``) are not nodes.
    """
    stack: list[JSON] = list(expanded)
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict) or "@value" in item:
            continue
        if "@list" in item or "@set" in item:
            stack.extend(value for key, value in item.items() if key in ("@list", "@set"))
            continue
        yield item
        for key, value in item.items():
            if key == "@reverse" and isinstance(value, dict):
                stack.extend(value.values())
            elif key not in ("@id", "@type", "@context"):
                stack.append(value)


def resolve_id(entity_id: str) -> str:
    """The absolute IRI a written ``@id`` denotes: blank nodes kept, relative references resolved on BASE."""
    if entity_id.startswith("_:"):
        return entity_id
    resolved: str = resolve_iri(entity_id, BASE)
    return resolved


@dataclass
class CrateGraph:
    """An RDF graph of a crate and the maps that turn its nodes and predicates back into the crate's words."""

    graph: Graph
    ids: dict[Node, str] = field(default_factory=dict)
    terms: dict[str, str] = field(default_factory=dict)

    def display(self, node: Node | None) -> str | None:
        """The ``@id`` as written for a node (a relative remainder or the IRI itself when unmapped)."""
        if node is None:
            return None
        if node in self.ids:
            return self.ids[node]
        if isinstance(node, BNode):
            return f"_:{node}"
        return written_id(str(node))

    def term(self, predicate: Node | None) -> str | None:
        """The compact term of a property IRI in the crate's context (the IRI itself when none)."""
        if predicate is None:
            return None
        text = str(predicate)
        return self.terms.get(text, text)


def _context_urls(context: JSON) -> list[str]:
    return [item for item in (context if isinstance(context, list) else [context]) if isinstance(item, str)]


def _term_map(context: JSON) -> dict[str, str]:
    """Property IRI -> compact term, from the bundled contexts named and local definitions given."""
    reverse: dict[str, str] = {}
    parts = context if isinstance(context, list) else [context]
    for part in parts:
        definitions: dict[str, Any] = {}
        if isinstance(part, str) and canonical_context_url(part):
            definitions = _bundled_reverse(canonical_context_url(part) or part)
            reverse.update(definitions)
        elif isinstance(part, dict):
            for term, definition in part.items():
                iri = definition.get("@id") if isinstance(definition, dict) else definition
                if isinstance(iri, str) and "://" in iri and not term.startswith("@"):
                    reverse[iri] = term
    return reverse


@cache
def _bundled_reverse(url: str) -> dict[str, str]:
    reverse: dict[str, str] = {}
    for term, definition in term_definitions(url).items():
        iri = definition.get("@id") if isinstance(definition, dict) else definition
        if not isinstance(iri, str) or term.startswith("@"):
            continue
        # Prefer the term equal to the IRI's local name (schema.org terms), else the first one seen.
        if iri not in reverse or iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] == term:
            reverse[iri] = term
    return reverse


def _prepare(crate: Crate) -> JSON:
    """A shallow copy of the document where entities typed only with ``"type"`` also get ``@type``.

    The quirk is reported by its own check; copying the type here lets every other check still see the
    entity for what it claims to be, instead of silently skipping it.
    """
    document = crate.document
    graph = [
        {**item, "@type": item["type"]}
        if isinstance(item, dict) and "@type" not in item and isinstance(item.get("type"), str | list)
        else item
        for item in crate.graph
    ]
    return {**document, "@graph": graph}


def _find_context_error(exc: BaseException) -> ContextUnavailable | None:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ContextUnavailable):
            return current
        stack.extend([getattr(current, "cause", None), current.__cause__, current.__context__])
        details = getattr(current, "details", None)
        if isinstance(details, dict):
            stack.extend(v for v in details.values() if isinstance(v, BaseException))
    return None


def expand(crate: Crate) -> list[JSON]:
    """The crate's document in expanded JSON-LD form, using bundled contexts only."""
    options = {"documentLoader": document_loader, "base": BASE, "processingMode": "json-ld-1.1"}
    try:
        expanded: list[JSON] = jsonld.expand(_prepare(crate), options)
    except RecursionError as exc:
        raise GraphBuildError("JSON-LD nested too deeply to interpret", path=crate.metadata_file) from exc
    except Exception as exc:  # pyld raises JsonLdError and, on malformed input, plain Python errors
        missing = _find_context_error(exc)
        if missing is not None:
            raise ContextUnavailable(missing.url, path=crate.metadata_file) from exc
        first = exc.args[0] if exc.args and isinstance(exc.args[0], str) else None  # pyld's str() is a tuple
        message = str(getattr(exc, "message", None) or first or exc or type(exc).__name__).strip().splitlines()[0]
        raise GraphBuildError(f"not interpretable as JSON-LD: {message[:300]}", path=crate.metadata_file) from exc
    return expanded


class _TripleWriter:
    """Writes expanded JSON-LD node objects into an rdflib graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.add = graph.add

    def node(self, obj: dict[str, Any]) -> Node:
        subject = self.subject(obj.get("@id"))
        for rdf_type in obj.get("@type", []):
            self.add((subject, RDF.type, self.subject(rdf_type)))
        for key, values in obj.items():
            if key == "@reverse":
                for prop, reverse_values in values.items():
                    for value in reverse_values:
                        if isinstance(value, dict):
                            self.add((self.node(value), URIRef(prop), subject))
            elif key == "@included":
                for value in values:
                    if isinstance(value, dict):
                        self.node(value)
            elif not key.startswith("@"):
                predicate = URIRef(key)
                for value in values:
                    obj_node = self.value(value, key in _IRI_VALUED)
                    if obj_node is not None:
                        self.add((subject, predicate, obj_node))
        return subject

    @staticmethod
    def subject(identifier: str | None) -> Node:
        if identifier is None:
            return BNode()
        if identifier.startswith("_:"):
            return BNode(identifier[2:])
        return URIRef(identifier)

    def value(self, value: Any, iri_valued: bool) -> Node | None:
        if not isinstance(value, dict):
            return None
        if "@value" in value:
            raw = value["@value"]
            datatype = value.get("@type")
            if datatype == "@json":
                return Literal(json.dumps(raw, sort_keys=True), datatype=RDF.JSON)
            if iri_valued and isinstance(raw, str) and "://" in raw and datatype is None:
                return URIRef(raw)
            if datatype is not None:
                return Literal(str(raw), datatype=URIRef(datatype))
            if "@language" in value:
                return Literal(str(raw), lang=value["@language"])
            return Literal(raw)
        if "@list" in value:
            items = [self.value(item, iri_valued) for item in value["@list"]]
            head: Node = RDF.nil
            for item in reversed([i for i in items if i is not None]):
                cell = BNode()
                self.add((cell, RDF.first, item))
                self.add((cell, RDF.rest, head))
                head = cell
            return head
        if set(value) <= {"@id", "@index"}:
            return self.subject(value.get("@id"))
        return self.node(value)


def build_graph(crate: Crate) -> CrateGraph:
    """Interpret the crate as JSON-LD, offline, and return its RDF graph with the maps back to its words.

    Raises :class:`ContextUnavailable` when a context is not bundled and :class:`GraphBuildError` when the
    document cannot be interpreted; no RDF-based check should run in either case.
    """
    expanded = expand(crate)
    graph = Graph(bind_namespaces="none")
    writer = _TripleWriter(graph)
    for obj in expanded:
        if isinstance(obj, dict):
            if "@graph" in obj and set(obj) <= {"@graph", "@id", "@context"}:
                for inner in obj["@graph"]:
                    if isinstance(inner, dict):
                        writer.node(inner)
            else:
                writer.node(obj)
    ids: dict[Node, str] = {}
    for entity_id in crate.ids():
        node = _TripleWriter.subject(resolve_id(entity_id))
        ids.setdefault(node, entity_id)
    _mark_structure(crate, graph)
    return CrateGraph(graph=graph, ids=ids, terms=_term_map(crate.context))


def _mark_structure(crate: Crate, graph: Graph) -> None:
    """Type the descriptor and the root data entity with marker classes so that shapes can target them.

    Shapes then say ``sh:targetClass fsa:RootDataEntity`` instead of depending on :data:`BASE`.
    """
    descriptor = crate.descriptor
    if descriptor is None:
        return
    graph.add((_TripleWriter.subject(resolve_id(METADATA_FILE)), RDF.type, METADATA_DESCRIPTOR))
    for root_id in ref_ids(descriptor.get("about")):
        root = _TripleWriter.subject(resolve_id(root_id))
        graph.add((root, RDF.type, ROOT_DATA_ENTITY))
        for part_id in parts_closure(crate.get(root_id), crate.get):
            graph.add((root, CONTAINS, _TripleWriter.subject(resolve_id(part_id))))


def context_urls(crate: Crate) -> list[str]:
    """The context URLs a crate names at top level, in order."""
    return _context_urls(crate.context)


def unknown_context_urls(context: JSON) -> Iterable[str]:
    """Context URLs anywhere in a context value (including nested scoped contexts) that are not bundled."""
    stack: list[JSON] = [context]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if canonical_context_url(item) is None:
                yield item
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key in ("@context", "@import"):
                    stack.append(value)
                elif isinstance(value, dict) and "@context" in value:
                    stack.append(value["@context"])
