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
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ..issues import Issue, Severity, Stage
from ..model.graph import CrateGraph
from ..model.source import METADATA_FILE
from ..profiles import shapes_dir
from .registry import SPEC_SECTIONS, CheckInfo, quote
from .shacl_engines import EngineError, SelectedShapes, get_engine

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


def run_shapes(data: CrateGraph, profile_version: str, stage: Stage, engine: str | None = None) -> list[Issue]:
    """Validate a crate graph against the applicable shapes and return the issues in the crate's own words.

    ``engine`` names the SHACL engine (:data:`~.shacl_engines.ENGINE_NAMES`); by default the fast one when it
    is installed (:func:`~.shacl_engines.get_engine`). Every engine's results are mapped here, the same way.
    """
    selected = SelectedShapes(shapes_for(profile_version, stage), profile_version, stage)
    try:
        results = get_engine(engine).results(data, selected)
    except EngineError as exc:
        raise ShapesError(str(exc)) from exc
    library = load_library()
    issues: list[Issue] = []
    for result in results:
        shape = URIRef(result.shape)
        check_id = result.shape[len(CHECK_NS) :] if result.shape.startswith(CHECK_NS) else "shacl.unnamed-shape"
        info = library.infos.get(check_id)
        severity = SEVERITIES.get(URIRef(result.severity), Severity.MUST)
        shape_message = _literal(library.graph, shape, SH.message)
        whole_crate = result.focus == WHOLE_CRATE
        text = shape_message or (info.description if info is not None else check_id)
        value = result.value
        if isinstance(value, URIRef | BNode) and value != result.focus:  # name the entity at fault, never a literal
            text = f"{text} ({data.display(value)})"
        elif isinstance(value, Literal):  # quote the offending value, shortened and terminal-safe
            text = f"{text} (value {_quoted(value)})"
        issues.append(
            Issue(
                severity,
                check_id,
                text,
                focus=None if whole_crate else data.display(result.focus),
                path=_property(data, library, shape, result.path, check_id),
                file=METADATA_FILE if whole_crate else None,
            )
        )
    return issues
