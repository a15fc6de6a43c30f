"""SHACL engines: the same shapes (``shapes/``) run by pySHACL, the reference, or by a faster Rust engine.

An engine takes a crate's RDF graph and the shapes that apply to its profile version and stage, and returns the
top-level validation results as :class:`ShapeResult` values; :func:`~.shacl.run_shapes` turns them into issues
in the crate's words, one mapping for every engine. Two engines exist:

- ``pyshacl`` (:class:`PyShaclEngine`): pySHACL, always installed, the reference that every other engine is
  compared with (``tests/differential/test_shacl_engines.py``);
- ``shacl`` (:class:`RustShaclEngine`): the Rust engine of the ``shacl`` package (extra ``fivesafes-crate[fast]``),
  chosen after measuring the candidates (``docs/engines.md``): identical findings on every fixture, example and
  spec example, and several times faster.

:func:`get_engine` with no name gives the fast engine when it is installed, else pySHACL; a name forces one
(``fivesafes validate --engine pyshacl``). The Rust engine reads the graph as N-Triples written here: blank
nodes get fresh labels (a crate's ``_:`` labels need not be valid N-Triples ones) and characters an IRI may not
hold are percent-encoded, and both are mapped back, so results name the crate's own nodes. The engine relabels
blank nodes in its results, so a crate with a finding about a blank node is judged by the reference instead, and
so is a crate whose graph the engine's stricter IRI parser refuses.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ..errors import UsageError
from ..issues import Stage

if TYPE_CHECKING:
    from ..model.graph import CrateGraph

logger = logging.getLogger(__name__)

REFERENCE = "pyshacl"
"""The name of the reference engine."""

FAST = "shacl"
"""The name of the fast engine, also the name of the package that provides it."""

FAST_EXTRA = "fivesafes-crate[fast]"
"""What to install for the fast engine."""


class EngineError(Exception):
    """An engine could not apply the shapes: a defect of this installation, never a user's mistake.

    Deliberately not a :class:`~fivesafes_crate.errors.FiveSafesError`: internal, always caught by
    :func:`~.shacl.run_shapes`, which raises :class:`~.shacl.ShapesError` (shown as an internal error).
    """


@dataclass(frozen=True, slots=True)
class ShapeResult:
    """One top-level validation result: the shape IRI that reported it, its SHACL severity IRI, the focus node,
    the result path (None for a node shape) and the value at fault (None when the result names none)."""

    shape: str
    severity: str
    focus: Node
    path: Node | None
    value: Node | None


@dataclass(frozen=True)
class SelectedShapes:
    """The shapes graph for one profile version and stage (shapes that do not apply are ``sh:deactivated``)."""

    graph: Graph
    profile_version: str
    stage: Stage


class ShaclEngine(Protocol):
    """Runs the selected shapes over a crate graph."""

    name: str

    def results(self, data: CrateGraph, shapes: SelectedShapes) -> list[ShapeResult]:
        """The top-level results of validating ``data`` (nested ``sh:detail`` results are not returned)."""
        ...


def _report_results(report: Graph) -> list[ShapeResult]:
    """The top-level results of a SHACL validation report graph."""
    results: list[ShapeResult] = []
    for node in report.subjects(RDF.type, SH.ValidationReport):
        for result in report.objects(node, SH.result):
            focus = report.value(result, SH.focusNode)
            if focus is None:
                raise EngineError("a validation result has no sh:focusNode")
            results.append(ShapeResult(str(report.value(result, SH.sourceShape)),
                                       str(report.value(result, SH.resultSeverity) or SH.Violation), focus,
                                       report.value(result, SH.resultPath), report.value(result, SH.value)))
    return results


PYSHACL_LOCK = threading.RLock()
"""Held around every pySHACL run: the SPARQL patch below is process-wide, and pySHACL validates in place."""

_prepared: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Any] = {}


@contextmanager
def prepared_sparql() -> Iterator[None]:
    """Reuse parsed SPARQL queries across pySHACL runs (call only while holding :data:`PYSHACL_LOCK`).

    pySHACL hands rdflib the query text of each SPARQL-based shape on every run, and rdflib parses it again
    each time: parsing dominated validation time. The queries are our shapes' own (crate data never becomes
    query text), so the parsed, translated form can be kept for the life of the process. The patch is
    applied only around our own pySHACL call.
    """
    from rdflib.plugins.sparql import processor  # deferred: start-up (rdflib's SPARQL engine only when validating)

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


class PyShaclEngine:
    """pySHACL over the rdflib graph, with the SPARQL queries of the shapes parsed once per process."""

    name = REFERENCE

    def results(self, data: CrateGraph, shapes: SelectedShapes) -> list[ShapeResult]:
        """Validate with pySHACL (advanced features on, no inference, in place: the graph is not copied)."""
        from pyshacl import validate as pyshacl_validate  # deferred: start-up (imported on first validation only)

        with PYSHACL_LOCK, prepared_sparql():
            _conforms, report, _text = pyshacl_validate(
                data.graph,
                shacl_graph=shapes.graph,
                inference="none",
                advanced=True,
                allow_infos=True,
                allow_warnings=True,
                inplace=True,
            )
        if not isinstance(report, Graph):  # pyshacl returns its exception object when the shapes are broken
            raise EngineError(f"the SHACL shapes could not be applied: {report}")
        return _report_results(report)


_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]|%(?![0-9A-Fa-f]{2})')
_LITERAL_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_LITERAL = re.compile(r'"(?P<lexical>.*)"(?:@(?P<language>[A-Za-z0-9-]+)|\^\^<(?P<datatype>[^>]*)>)?', re.DOTALL)
_ECHAR = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    """The string an N-Triples literal's lexical form stands for (ECHAR and UCHAR escapes resolved)."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        return chr(int(code, 16)) if code else _ECHARS.get(match.group(3), match.group(0))

    return _ECHAR.sub(one, text)


class _EngineBNode(BNode):
    """A blank node in an engine's result: its label is the engine's, not the crate's."""

    __slots__ = ()


class _NTriplesWriter:
    """Writes an rdflib graph as N-Triples a strict parser accepts, remembering how to map IRIs back."""

    def __init__(self) -> None:
        self.back: dict[str, URIRef] = {}
        self._bnodes: dict[BNode, str] = {}

    def iri(self, node: URIRef) -> str:
        text = str(node)
        if _IRI_UNSAFE.search(text) is None:
            return f"<{text}>"
        safe = _IRI_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), text)
        written = f"<{safe}>"
        self.back[written] = node
        return written

    def term(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return self.iri(node)
        if isinstance(node, BNode):
            label = self._bnodes.get(node)
            if label is None:
                label = self._bnodes[node] = f"_:b{len(self._bnodes)}"
            return label
        if isinstance(node, Literal):
            text = f'"{str(node).translate(_LITERAL_ESCAPES)}"'
            if node.language:
                return f"{text}@{node.language}"
            if node.datatype is not None:
                return f"{text}^^{self.iri(node.datatype)}"
            return text
        raise EngineError(f"cannot write the RDF term {node!r}")

    def write(self, graph: Iterable[tuple[Node, Node, Node]]) -> str:
        term = self.term
        return "".join(f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in graph)

    def read(self, written: str | None) -> Node | None:
        """The node a term in a result stands for: IRIs and literals exactly; a blank node as an
        :class:`_EngineBNode`, since the engine relabels them."""
        if not written:
            return None
        if written in self.back:
            return self.back[written]
        if written.startswith("<") and written.endswith(">"):
            return URIRef(written[1:-1])
        if written.startswith("_:"):
            return _EngineBNode(written[2:])
        literal = _LITERAL.fullmatch(written)
        if literal is None:
            raise EngineError(f"cannot read the RDF term {written[:80]!r} of a result")
        datatype = literal.group("datatype")
        return Literal(_unescape(literal.group("lexical")), lang=literal.group("language"),
                       datatype=self.back.get(f"<{datatype}>", URIRef(datatype)) if datatype else None)


class RustShaclEngine:
    """The Rust engine of the ``shacl`` package: shapes compiled once per profile version and stage."""

    name = FAST

    def __init__(self) -> None:
        self._compiled: dict[tuple[str, Stage], Any] = {}
        self._lock = threading.Lock()

    def _compile(self, shapes: SelectedShapes) -> Any:
        import shacl  # deferred: start-up (imported on first validation only)

        key = (shapes.profile_version, shapes.stage)
        with self._lock:
            if key not in self._compiled:
                self._compiled[key] = shacl.Shapes.from_text(_NTriplesWriter().write(shapes.graph), format="nt")
            return self._compiled[key]

    def results(self, data: CrateGraph, shapes: SelectedShapes) -> list[ShapeResult]:
        """Validate with the Rust engine over the graph written as N-Triples; results mapped back to nodes."""
        compiled = self._compile(shapes)
        writer = _NTriplesWriter()
        text = writer.write(data.graph)
        try:
            report = compiled.validate_text(text, format="nt", allow_warnings=True)
        except ValueError as exc:
            # The engine's parser checks IRIs more strictly than RDF needs (an odd IRI of a crate's own making
            # that the escaping above does not cover): the reference judges this crate instead.
            logger.debug("the fast SHACL engine refused the graph (%s): validating with %s instead", exc, REFERENCE)
            return _engine(REFERENCE).results(data, shapes)
        results: list[ShapeResult] = []
        for result in report.results:
            focus, value = writer.read(result.focus_node), writer.read(result.value)
            if focus is None:
                raise EngineError("a validation result has no focus node")
            if _unmapped(focus) or _unmapped(value):
                # The engine relabels blank nodes, so a result about one cannot name the crate's node: the
                # reference engine judges this crate instead (crates rarely hold blank nodes; RO-Crate uses @ids).
                logger.debug("a SHACL result names a blank node: validating with %s instead", REFERENCE)
                return _engine(REFERENCE).results(data, shapes)
            path = result.path  # a complex path (inverse, sequence...) is not an IRI and names no single property
            results.append(ShapeResult(str(writer.read(result.source_shape)), result.severity_iri, focus,
                                       writer.read(path) if path and path.startswith("<") else None, value))
        return results


def _unmapped(node: Node | None) -> bool:
    """Whether ``node`` is a blank node of the engine's, which cannot be mapped back to the crate's."""
    return isinstance(node, _EngineBNode)


def fast_engine_installed() -> bool:
    """Whether the package of the fast engine can be imported (found without importing it)."""
    return importlib.util.find_spec(FAST) is not None


ENGINE_NAMES = (FAST, REFERENCE)
"""Every engine name, the fast one first."""


@cache
def _engine(name: str) -> ShaclEngine:
    return RustShaclEngine() if name == FAST else PyShaclEngine()


def get_engine(name: str | None = None) -> ShaclEngine:
    """The engine called ``name``; by default the fast one when installed, else the reference (pySHACL).

    Raises :class:`~fivesafes_crate.errors.UsageError` for an unknown name or a fast engine not installed.
    """
    if name is None:
        name = FAST if fast_engine_installed() else REFERENCE
    if name not in ENGINE_NAMES:
        raise UsageError(f"unknown SHACL engine {name!r}: choose {' or '.join(ENGINE_NAMES)}")
    if name == FAST and not fast_engine_installed():
        raise UsageError(f"the {FAST} SHACL engine is not installed: pip install '{FAST_EXTRA}'")
    return _engine(name)

