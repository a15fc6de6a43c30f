"""SHACL shapes: loading them once, selecting those that apply, running pyshacl, mapping results to issues.

Shapes are annotated in Turtle with the project's terms (namespace :data:`TERMS`):

- the shape IRI is ``check:<id>`` (namespace :data:`CHECK_NS`); its local name is the stable check id;
- ``sh:severity`` gives the requirement level (the one mapping table is :data:`SEVERITIES`);
- ``sh:message`` states the requirement in the profile's words;
- ``fsa:stage`` (default ``request``) is the first lifecycle stage the requirement applies at;
- ``fsa:section`` names the profile section; ``fsa:profile`` (repeatable, optional) limits versions;
- ``fsa:path`` (optional) names the property a node shape's issue concerns (``mentions``, ``@type``, ``@id``),
  so that every issue about an entity and a property carries both; a property shape's own ``sh:path`` is used
  otherwise (for an inverse path, the property as the other entity writes it).

Shapes that do not apply to a crate's profile and stage are switched off with ``sh:deactivated`` in a cached
copy of the shapes graph, so the same parsed shapes serve every call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ..issues import Issue, Severity, Stage
from ..model.graph import CrateGraph
from ..model.source import METADATA_FILE
from ..profiles import shapes_dir
from .registry import SPEC_SECTIONS, CheckInfo, quote

CHECK_NS = "https://w3id.org/fivesafes-crate/check/"
TERMS = Namespace("https://w3id.org/fivesafes-crate/terms#")

WHOLE_CRATE = TERMS.crate
"""The constant focus node of shapes about the metadata file as a whole (``sh:targetNode fsa:crate``)."""

SEVERITIES: dict[Node, Severity] = {SH.Violation: Severity.MUST, SH.Warning: Severity.SHOULD, SH.Info: Severity.MAY}
"""The single mapping from SHACL severities to the profile's requirement levels."""


class ShapesError(Exception):
    """A shapes file breaks the conventions above: a defect of this installation, never a user's mistake.

    Deliberately not a :class:`~fivesafes_crate.errors.FiveSafesError`: the CLI shows it as an internal error
    to report.
    """


@dataclass(frozen=True)
class ShapeLibrary:
    """All shapes parsed once, with the catalogue entry of every named shape."""

    graph: Graph
    infos: dict[str, CheckInfo]
    nodes: dict[str, URIRef]
    paths: dict[str, str]


def _literal(graph: Graph, subject: Node, predicate: URIRef) -> str | None:
    value = graph.value(subject, predicate)
    return str(value) if value is not None else None


def _shape_subjects(graph: Graph) -> Iterator[Node]:
    seen: set[Node] = set()
    for predicate in (SH.severity, SH.message, TERMS.stage):
        for subject in graph.subjects(predicate, None):
            if subject not in seen:
                seen.add(subject)
                yield subject


@cache
def load_library() -> ShapeLibrary:
    """Parse every ``*.ttl`` file of the shapes folder and build the catalogue (cached per process)."""
    graph = Graph(bind_namespaces="none")
    folder = shapes_dir()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle")
    infos: dict[str, CheckInfo] = {}
    nodes: dict[str, URIRef] = {}
    paths: dict[str, str] = {}
    for subject in _shape_subjects(graph):
        if not isinstance(subject, URIRef) or not str(subject).startswith(CHECK_NS):
            raise ShapesError(f"shape {subject!r} is not a named IRI in {CHECK_NS}")
        check_id = str(subject)[len(CHECK_NS) :]
        severity_node = graph.value(subject, SH.severity)
        if severity_node not in SEVERITIES:
            raise ShapesError(f"shape {check_id}: missing or unknown sh:severity")
        message = _literal(graph, subject, SH.message)
        section = _literal(graph, subject, TERMS.section)
        if not message or not section or section not in SPEC_SECTIONS:
            raise ShapesError(f"shape {check_id}: needs sh:message and a known fsa:section (got {section!r})")
        stage = Stage.parse(_literal(graph, subject, TERMS.stage) or Stage.REQUEST.value)
        profiles = tuple(sorted(str(p) for p in graph.objects(subject, TERMS.profile)))
        description = _literal(graph, subject, SH.description) or message
        infos[check_id] = CheckInfo(check_id, SEVERITIES[severity_node], stage, section, description, "shacl", profiles)
        nodes[check_id] = subject
        term = _literal(graph, subject, TERMS.path)
        if term is not None:
            paths[check_id] = term
    return ShapeLibrary(graph, infos, nodes, paths)


_selected: dict[tuple[str, Stage], Graph] = {}
_lock = threading.RLock()


def shapes_for(profile_version: str, stage: Stage) -> Graph:
    """The shapes graph with every shape that does not apply to this profile version and stage deactivated."""
    key = (profile_version, stage)
    with _lock:
        if key not in _selected:
            library = load_library()
            selected = Graph(bind_namespaces="none")
            for triple in library.graph:
                selected.add(triple)
            for check_id, info in library.infos.items():
                if not info.applies(profile_version, stage):
                    selected.add((library.nodes[check_id], SH.deactivated, Literal(True)))
            _selected[key] = selected
        return _selected[key]


_prepared: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Any] = {}


@contextmanager
def _prepared_sparql() -> Iterator[None]:
    """Reuse parsed SPARQL queries across pyshacl runs (call only while holding ``_lock``).

    pyshacl hands rdflib the query text of each SPARQL-based shape on every run, and rdflib parses it again
    each time: parsing dominated validation time. The queries are our shapes' own (crate data never becomes
    query text), so the parsed, translated form can be kept for the life of the process. The patch is
    applied only around our own pyshacl call.
    """
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query

    def query(
        self: processor.SPARQLProcessor,
        str_or_query: Any,
        initBindings: Mapping[str, Any] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(str_or_query, str):
            key = (str_or_query, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            if key not in _prepared:
                _prepared[key] = processor.prepareQuery(str_or_query, initNs=initNs, base=base)
            str_or_query = _prepared[key]
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


def _property(data: CrateGraph, library: ShapeLibrary, shape: Node | None, result_path: Node | None,
              check_id: str) -> str | None:
    """The compact term of the property an issue concerns: the result's path, the property of an inverse path,
    or the shape's ``fsa:path``."""
    if isinstance(result_path, URIRef):
        return data.term(result_path)
    shape_path = library.graph.value(shape, SH.path) if shape is not None else None
    if shape_path is not None and not isinstance(shape_path, URIRef):
        inverse = library.graph.value(shape_path, SH.inversePath)
        if isinstance(inverse, URIRef):
            return data.term(inverse)
    return library.paths.get(check_id)


def _quoted(value: Literal) -> str:
    """A literal as a message quotes it: a JSON string, number or boolean as written in the crate."""
    python = value.toPython()
    return quote(python if isinstance(python, str | int | float | bool) else str(value))


def run_shapes(data: CrateGraph, profile_version: str, stage: Stage) -> list[Issue]:
    """Validate a crate graph against the applicable shapes and return the issues in the crate's own words."""
    from pyshacl import validate as pyshacl_validate

    shapes = shapes_for(profile_version, stage)
    with _lock, _prepared_sparql():
        _conforms, results, _text = pyshacl_validate(
            data.graph,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_infos=True,
            allow_warnings=True,
            inplace=True,
        )
    if not isinstance(results, Graph):  # pyshacl returns its exception object when the shapes are broken
        raise ShapesError(f"the SHACL shapes could not be applied: {results}")
    library = load_library()
    issues: list[Issue] = []
    reports = results.subjects(RDF.type, SH.ValidationReport)
    top_level = [result for report in reports for result in results.objects(report, SH.result)]
    for result in top_level:  # nested sh:detail results belong to the shape that reported them
        shape = results.value(result, SH.sourceShape)
        check_id = str(shape)[len(CHECK_NS) :] if str(shape).startswith(CHECK_NS) else "shacl.unnamed-shape"
        info = library.infos.get(check_id)
        severity_node = results.value(result, SH.resultSeverity)
        severity = SEVERITIES.get(severity_node, Severity.MUST) if severity_node is not None else Severity.MUST
        message = info.description if info is not None else str(results.value(result, SH.resultMessage))
        shape_message = _literal(library.graph, shape, SH.message) if shape is not None else None
        path = results.value(result, SH.resultPath)
        focus_node = results.value(result, SH.focusNode)
        whole_crate = focus_node == WHOLE_CRATE
        value = results.value(result, SH.value)
        text = shape_message or message
        if isinstance(value, URIRef | BNode) and value != focus_node:  # name the entity at fault
            text = f"{text} ({data.display(value)})"
        elif isinstance(value, Literal):  # quote the offending value, shortened and terminal-safe
            text = f"{text} (value {_quoted(value)})"
        issues.append(
            Issue(
                severity,
                check_id,
                text,
                focus=None if whole_crate else data.display(focus_node),
                path=_property(data, library, shape, path, check_id),
                file=METADATA_FILE if whole_crate else None,
            )
        )
    return issues
