"""Our SHACL shapes as a profile folder for rocrate-validator (PyPI ``roc-validator``, github.com/crs4).

rocrate-validator loads every folder under ``--extra-profiles-path`` that holds a ``profile.ttl`` (one
``prof:Profile``), names it ``<prof:hasToken>-<version>`` (the version taken from the profile IRI, so
``five-safes-crate-0.4`` and, for 0.5-DRAFT, ``five-safes-crate-0.5``) and reads the Turtle files below it as
requirements, each file's folder (``must``, ``should``, ``may``) giving the level of its shapes. The export
writes, per profile version::

    five-safes-crate-<version>/
        profile.ttl        PROF description: label, token, isProfileOf RO-Crate 1.2, specification, context
        structure.ttl      SPARQL prefixes and targets shared by the shapes, and the rules below
        must/<section>.ttl    shapes with sh:Violation (REQUIRED)
        should/<section>.ttl  shapes with sh:Warning (RECOMMENDED)
        may/<section>.ttl     shapes with sh:Info (OPTIONAL)
        README.md

Our engine prepares the RDF graph before the shapes run; rocrate-validator does not, so the export does it
with SHACL: ``structure.ttl`` holds rules (``sh:rule``, run by pySHACL before validation) that type the
metadata descriptor and root data entity with our marker classes, record the ``hasPart`` closure
(``fsa:contains``), copy ``actionStatus``, ``additionalType`` and ``permissionType`` into ``fsa:`` properties
with plain-string IRIs read as IRIs, and copy the types the crate states into ``fsa:type`` (the shapes are
rewritten to use those). Shapes that apply from a later
lifecycle stage get a SPARQL target that also requires the crate to have reached that stage
(:data:`STAGE_CONDITIONS`, the SPARQL form of :func:`~fivesafes_crate.model.entities.infer_stage`).

Not exported: the Python checks (JSON syntax, JSON-LD interpretation, the ``"type"`` quirk, files, BagIt, ZIP),
which rocrate-validator's own RO-Crate profile partly covers; shapes limited to other profile versions.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SH
from rdflib.term import Node

from ..errors import UsageError
from ..issues import Severity, Stage
from ..model import vocab
from ..model.safe_files import DIR_MODE, FILE_MODE, writing
from ..packaging.staging import new_folder
from ..profiles import Profile, shapes_dir
from ..validation.shacl import CHECK_NS, TERMS, WHOLE_CRATE, ShapesError, load_library

TOKEN = "five-safes-crate"
"""rocrate-validator's short name for the exported profiles (``prof:hasToken``)."""

LEVEL_FOLDERS: dict[Severity, str] = {Severity.MUST: "must", Severity.SHOULD: "should", Severity.MAY: "may"}
"""The folder rocrate-validator reads each requirement level from (its REQUIRED, RECOMMENDED, OPTIONAL)."""

PROF = Namespace("http://www.w3.org/ns/dx/prof/")
ROLE = Namespace("http://www.w3.org/ns/dx/prof/role/")
SCHEMA = Namespace(vocab.SCHEMA)
VALIDATOR = Namespace("https://github.com/crs4/rocrate-validator/")
MEDIA_TYPE = Namespace("https://w3id.org/mediatype/")
RO_CRATE = URIRef("https://w3id.org/ro/crate/1.2")
CONTEXT = URIRef("https://w3id.org/ro/crate/1.2/context")

NORMALISED = ("actionStatus", "additionalType", "permissionType")
"""Properties the profile uses with IRI values that crates often write as plain strings (see ``model/graph.py``)."""

_NORMALISED_IN_SPARQL = re.compile(r"(?:\bschema:|<http://schema\.org/)(" + "|".join(NORMALISED) + r")\b>?")
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_QUERY_TEXTS = (SH.select, SH.ask, SH.construct)

_DONE = "(schema:CompletedActionStatus, schema:FailedActionStatus)"
_STARTED = "(schema:ActiveActionStatus, schema:CompletedActionStatus, schema:FailedActionStatus)"
_PUBLISHED = "{ ?fsaUpdate fsa:additionalType shp:GenerateCheckValue . }"
_DISCLOSURE = "UNION { ?fsaCheck fsa:additionalType shp:DisclosureCheck . }"
_DISCLOSURE_DONE = (
    "UNION { ?fsaCheck fsa:additionalType shp:DisclosureCheck ; fsa:actionStatus ?fsaCheckStatus .\n"
    f"        FILTER (?fsaCheckStatus IN {_DONE}) }}"
)
_REVIEW_OF = (
    "{{ {0} fsa:additionalType ?fsaKind . FILTER (?fsaKind IN (shp:CheckValue, shp:ValidationCheck, shp:SignOff)) }}"
    " UNION {{ {0} a schema:AssessAction }} UNION {{ {0} a schema:DownloadAction }}"
)


def _run(statuses: str) -> str:
    """The workflow run CreateAction in one of ``statuses`` (an action that is also a review does not count)."""
    return (
        "UNION { ?fsaRun a schema:CreateAction ; fsa:actionStatus ?fsaRunStatus .\n"
        f"        FILTER (?fsaRunStatus IN {statuses})\n"
        f"        FILTER NOT EXISTS {{ {_REVIEW_OF.format('?fsaRun')} }} }}"
    )


STAGE_CONDITIONS: dict[Stage, str] = {
    Stage.UNDER_REVIEW: (
        f"{_PUBLISHED}\n    {_DISCLOSURE}\n    UNION {_REVIEW_OF.format('?fsaReview')}\n    {_run(_STARTED)}"
    ),
    Stage.EXECUTING: f"{_PUBLISHED}\n    {_DISCLOSURE}\n    {_run(_STARTED)}",
    Stage.EXECUTED: f"{_PUBLISHED}\n    {_DISCLOSURE}\n    {_run(_DONE)}",
    Stage.DISCLOSURE_CHECKED: f"{_PUBLISHED}\n    {_DISCLOSURE_DONE}",
    Stage.PUBLISHED: _PUBLISHED,
}
"""For each stage after ``request``: a SPARQL group pattern that matches when the crate has reached it."""

RULES: tuple[str, ...] = (
    *(
        f"""CONSTRUCT {{ ?subject fsa:{name} ?value }} WHERE {{
    ?subject schema:{name} ?written .
    BIND (IF(isLiteral(?written) && CONTAINS(STR(?written), "://")
             && (LANG(?written) != "" || DATATYPE(?written) = <http://www.w3.org/2001/XMLSchema#string>),
             IRI(STR(?written)), ?written) AS ?value)
}}"""
        for name in NORMALISED
    ),
    f"""CONSTRUCT {{ ?entity fsa:type ?type }} WHERE {{
    ?entity a ?type . FILTER (!STRSTARTS(STR(?type), "{VALIDATOR}"))
}}""",
    """CONSTRUCT { ?descriptor a fsa:MetadataDescriptor } WHERE {
    { ?descriptor schema:about ?root . FILTER (STR(?descriptor) = CONCAT(STR(?root), "ro-crate-metadata.json")) }
    UNION { ?descriptor dct:conformsTo ?spec . FILTER (STRSTARTS(STR(?spec), "https://w3id.org/ro/crate/")
                                                       && STRENDS(STR(?descriptor), "/ro-crate-metadata.json")) }
}""",
    """CONSTRUCT { ?root a fsa:RootDataEntity } WHERE {
    ?descriptor a fsa:MetadataDescriptor ; schema:about ?root .
}""",
    """CONSTRUCT { ?root fsa:contains ?part } WHERE { ?root a fsa:RootDataEntity ; schema:hasPart+ ?part . }""",
)
"""SPARQL rules that give rocrate-validator's graph what ``model/graph.py`` adds to ours (see the docstring)."""


@dataclass(frozen=True, slots=True)
class ExportedProfile:
    """A profile folder written for another validator, and how that tool names it."""

    profile: Profile
    identifier: str
    path: Path
    checks: tuple[str, ...]


def tool_identifier(profile: Profile) -> str:
    """The name rocrate-validator gives the exported profile (``-p``): the token and MAJOR.MINOR of the version."""
    match = re.match(r"\d+(\.\d+){0,2}", profile.version)
    return f"{TOKEN}-{match.group(0) if match else profile.version}"


def _closure(graph: Graph, start: Node) -> Iterator[tuple[Node, Node, Node]]:
    """Every triple about ``start`` and the blank nodes it reaches."""
    seen: set[Node] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in graph.triples((node, None, None)):
            yield triple
            if isinstance(triple[2], BNode):
                stack.append(triple[2])


class _Rewriter:
    """Rewrites shape triples for one exported profile version.

    The IRI-valued properties become their normalised ``fsa:`` copies (in SPARQL text too), ``sh:path rdf:type``
    becomes ``fsa:type`` (the types the crate states, without the classes rocrate-validator's own RO-Crate rules
    add to every referenced node), and every check shape gets an IRI of its own per version
    (``check:0.4/inputs.object``): rocrate-validator keys checks by shape IRI across all the profiles it loads,
    so two exported versions must not share one. The check id stays the IRI's last segment, which is the name
    rocrate-validator shows.
    """

    def __init__(self, version: str) -> None:
        self.version = version

    def node(self, node: Node) -> Node:
        if not isinstance(node, URIRef):
            return node
        text = str(node)
        if text.startswith(vocab.SCHEMA) and text[len(vocab.SCHEMA):] in NORMALISED:
            return TERMS[text[len(vocab.SCHEMA):]]
        if text.startswith(CHECK_NS):
            return URIRef(f"{CHECK_NS}{self.version}/{text[len(CHECK_NS):]}")
        return node

    def triple(self, triple: tuple[Node, Node, Node]) -> tuple[Node, Node, Node]:
        subject, predicate, obj = (self.node(node) for node in triple)
        if predicate == SH.path and obj == RDF.type:
            obj = TERMS.type
        elif predicate in _QUERY_TEXTS and isinstance(obj, Literal):
            obj = Literal(_NORMALISED_IN_SPARQL.sub(r"fsa:\1", str(obj)))
        return subject, predicate, obj


def _target_pattern(graph: Graph, predicate: Node, value: Node) -> str:
    """One of a shape's targets as a SPARQL group that binds ``?this``."""
    if predicate == SH.targetClass:
        return f"?this a {value.n3()} ."
    if predicate == SH.targetNode:
        return f"VALUES ?this {{ {value.n3()} }}"
    if predicate == SH.targetSubjectsOf:
        return f"?this {value.n3()} ?fsaTargetObject ."
    if predicate == SH.targetObjectsOf:
        return f"?fsaTargetSubject {value.n3()} ?this ."
    select = graph.value(value, SH.select)
    if select is None:
        raise ShapesError(f"shape target {value} is not a SPARQL target; it cannot be exported")
    return str(select)


def _stage_target(graph: Graph, shape: Node, stage: Stage) -> tuple[BNode, list[tuple[Node, Node, Node]]]:
    """A SPARQL target selecting the shape's targets only once the crate has reached ``stage``."""
    branches = [_target_pattern(graph, p, o) for p in _TARGETS for o in graph.objects(shape, p)]
    union = "\n    UNION ".join(f"{{ {branch} }}" for branch in branches)
    condition = STAGE_CONDITIONS[stage]
    query = f"SELECT DISTINCT ?this WHERE {{\n    {union}\n    FILTER EXISTS {{\n    {condition}\n    }}\n}}"
    target = BNode()
    return target, [(target, RDF.type, SH.SPARQLTarget), (target, SH.prefixes, TERMS.Prefixes),
                    (target, SH.select, Literal(query))]


def _structure_shape(graph: Graph, version: str) -> None:
    shape = TERMS[f"structure-{version}"]
    graph.add((shape, RDF.type, SH.NodeShape))
    graph.add((shape, RDF.type, VALIDATOR.HiddenShape))
    graph.add((shape, SH.name, Literal("Five Safes RO-Crate structure")))
    graph.add((shape, SH.description, Literal(
        "Marks the metadata descriptor and root data entity, records the hasPart closure, reads plain-string "
        "IRIs of actionStatus, additionalType and permissionType as IRIs and keeps the types the crate states, "
        "as fivesafes-crate does.")))
    graph.add((shape, SH.targetNode, WHOLE_CRATE))
    for order, text in enumerate(RULES):
        rule = BNode()
        graph.add((shape, SH.rule, rule))
        graph.add((rule, RDF.type, SH.SPARQLRule))
        graph.add((rule, SH.order, Literal(order)))
        graph.add((rule, SH.prefixes, TERMS.Prefixes))
        graph.add((rule, SH.construct, Literal(text)))


def _profile_description(profile: Profile) -> Graph:
    graph = _new_graph()
    node = URIRef(profile.id)
    graph.add((node, RDF.type, PROF.Profile))
    graph.add((node, RDFS.label, Literal(profile.name)))
    graph.add((node, RDFS.comment, Literal(
        f"The {profile.name} ({profile.status}): the SHACL shapes of fivesafes-crate, exported for "
        "rocrate-validator.", lang="en")))
    graph.add((node, PROF.isProfileOf, RO_CRATE))
    graph.add((node, PROF.isTransitiveProfileOf, RO_CRATE))
    graph.add((node, PROF.hasToken, Literal(TOKEN)))
    for role, artifact, media_type, conforms_to in (
        (ROLE.Specification, URIRef(profile.spec_url), "text/html", URIRef("https://www.w3.org/TR/html/")),
        (ROLE.Vocabulary, CONTEXT, "application/ld+json", URIRef("https://www.w3.org/TR/json-ld11/")),
    ):
        resource = BNode()
        graph.add((node, PROF.hasResource, resource))
        graph.add((resource, RDF.type, PROF.ResourceDescriptor))
        graph.add((resource, DCTERMS.format, MEDIA_TYPE[media_type]))
        graph.add((resource, DCTERMS.conformsTo, conforms_to))
        graph.add((resource, PROF.hasRole, role))
        graph.add((resource, PROF.hasArtifact, artifact))
    return graph


def _new_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in (("sh", SH), ("rdf", RDF), ("rdfs", RDFS), ("dct", DCTERMS), ("prof", PROF),
                              ("role", ROLE), ("schema", SCHEMA), ("fsa", TERMS), ("check", Namespace(CHECK_NS)),
                              ("validator", VALIDATOR)):
        graph.bind(prefix, namespace)
    return graph


def profile_files(profile: Profile) -> tuple[dict[str, Graph], tuple[str, ...]]:
    """The Turtle files of the exported profile (by folder-relative name) and the check ids they hold."""
    library = load_library()
    files: dict[str, Graph] = {"profile.ttl": _profile_description(profile)}
    structure = _new_graph()
    _structure_shape(structure, profile.version)
    rewrite = _Rewriter(profile.version)
    exported: list[str] = []
    for path in sorted(shapes_dir().glob("*.ttl")):
        source = Graph(bind_namespaces="none").parse(path, format="turtle")
        in_shapes: set[tuple[Node, Node, Node]] = set()
        for subject in sorted({s for s in source.subjects(SH.severity, None) if str(s).startswith(CHECK_NS)}, key=str):
            check_id = str(subject)[len(CHECK_NS):]
            info = library.infos[check_id]
            triples = set(_closure(source, subject))
            in_shapes |= triples
            if not info.applies(profile.version, Stage.PUBLISHED):
                continue
            if info.stage is not Stage.REQUEST:
                target, target_triples = _stage_target(library.graph, subject, info.stage)
                triples = {t for t in triples if not (t[0] == subject and t[1] in _TARGETS)}
                triples |= {*target_triples, (subject, SH.target, target)}
            name = f"{LEVEL_FOLDERS[info.severity]}/{path.name}"
            graph = files.setdefault(name, _new_graph())
            for triple in triples:
                graph.add(rewrite.triple(triple))
            exported.append(check_id)
        for triple in source:
            if triple not in in_shapes:
                structure.add(rewrite.triple(triple))
    files["structure.ttl"] = structure
    return files, tuple(sorted(exported))


def _readme(profile: Profile, identifier: str, checks: tuple[str, ...]) -> str:
    return f"""# {profile.name} for rocrate-validator

Exported by fivesafes-crate (`fivesafes export-profile --for rocrate-validator`) from its SHACL shapes:
{len(checks)} checks of the profile {profile.id}, in `must/`, `should/` and `may/` by requirement level.

    rocrate-validator validate --extra-profiles-path <this folder's parent> -p {identifier} <crate>

The profile builds on RO-Crate 1.2, so rocrate-validator also runs its own RO-Crate 1.2 checks. The Python checks
of fivesafes-crate (JSON syntax, JSON-LD interpretation, files, BagIt and ZIP integrity) are not part of this
export; run `fivesafes validate` for the complete validation.
"""


def _write_folder(target: Path, profile: Profile) -> tuple[str, ...]:
    """Write one profile folder through a temporary sibling renamed into place."""
    files, checks = profile_files(profile)
    with new_folder(target, "exporting the profile") as temporary:
        for name, graph in files.items():
            path = temporary / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(graph.serialize(format="turtle"), encoding="utf-8")
        (temporary / "README.md").write_text(_readme(profile, target.name, checks), encoding="utf-8")
        for path in [temporary, *temporary.rglob("*")]:
            path.chmod(DIR_MODE if path.is_dir() else FILE_MODE)
    return checks


def export_rocrate_validator(output: str | os.PathLike[str], profiles: Iterable[Profile]) -> list[ExportedProfile]:
    """Write one rocrate-validator profile folder per profile version into ``output`` (created if missing).

    A folder is never overwritten: an existing ``five-safes-crate-<version>`` raises :class:`UsageError`; an
    ``output`` that cannot be written raises :class:`~fivesafes_crate.errors.StorageError`.
    """
    folder = Path(output)
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
    targets = [(profile, folder / tool_identifier(profile)) for profile in profiles]
    for _profile, target in targets:
        if os.path.lexists(target):
            raise UsageError("exists already: remove it or export into another folder", path=str(target))
    exported: list[ExportedProfile] = []
    for profile, target in targets:
        identifier = target.name
        with writing(folder):
            checks = _write_folder(target, profile)
        exported.append(ExportedProfile(profile, identifier, target, checks))
    return exported
