"""Profile conformance by exact IRI: what the root declares, the profile entity, and the validation's instrument.

A supported profile is an exact IRI (``https://w3id.org/5s-crate/0.4``): a root declaring another version, an
``http://`` variant or a trailing slash declares something else. The engine resolves which profile a crate is
validated against (:func:`~fivesafes_crate.profiles.resolve_profile`, which refuses a crate declaring only
unsupported versions); these checks say at SHOULD, as the text gives ``conformsTo``, when the profile
validated against is not the one declared, and compare every version-bearing value with that profile exactly.
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import RDF, Literal, URIRef
from rdflib.term import Node

from ...issues import Severity, Stage
from ...model import vocab
from ...model.graph import CrateGraph
from ...profiles import ProfileResolution, declared_profiles
from ...untrusted import quoted
from ..registry import CheckContext, Finding, check

_INSTRUMENT = URIRef(vocab.SCHEMA + "instrument")
_ADDITIONAL_TYPE = URIRef(vocab.SCHEMA + "additionalType")


def _resolution(context: CheckContext) -> ProfileResolution:
    """How the context's profile was chosen; a context built by hand counts as asking for its profile."""
    if context.resolution is not None:
        return context.resolution
    assert context.crate is not None
    return ProfileResolution(context.profile, declared_profiles(context.crate), requested=True)


def _listed(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join(quoted(value) for value in values)


@check(
    "profile.conforms-to",
    Severity.SHOULD,
    section="Profile conformance",
    description="The root data entity SHOULD declare the Five Safes RO-Crate profile it is validated against in "
    "conformsTo, exactly (e.g. https://w3id.org/5s-crate/0.4)",
)
def conforms_to(context: CheckContext) -> Iterator[Finding]:
    """Say when the root declares no 5s-crate profile (and what was used instead), or another one than checked."""
    crate = context.crate
    assert crate is not None
    if crate.root is None:
        return
    resolution = _resolution(context)
    profile = resolution.profile.id
    if not resolution.declared:
        how = "the default" if resolution.source == "default" else "the one asked for,"
        yield Finding(f"declares no Five Safes RO-Crate profile in conformsTo; validated against {how} {profile}",
                      focus=crate.root_id, path="conformsTo")
    elif profile not in resolution.declared:
        yield Finding(f"declares conformsTo {_listed(resolution.declared)}, not {quoted(profile)}, the profile it "
                      "was validated against", focus=crate.root_id, path="conformsTo")


def _shown(graph: CrateGraph, node: Node) -> str:
    return quoted(str(node) if isinstance(node, Literal) else graph.display(node) or str(node))


@check(
    "profile.entity",
    Severity.SHOULD,
    section="Profile conformance",
    description="Each Five Safes RO-Crate profile the root conforms to SHOULD be described as a contextual entity "
    "of type Profile with exactly that @id",
    scope="graph",
)
def profile_entity(context: CheckContext) -> Iterator[Finding]:
    """Report declared 5s-crate IRIs without an entity of type Profile under that exact ``@id``."""
    crate, graph = context.crate, context.graph
    assert crate is not None and graph is not None
    for iri in declared_profiles(crate):
        if (URIRef(iri), RDF.type, URIRef(vocab.PROF_PROFILE)) in graph.graph:
            continue
        described = crate.get(iri)
        problem = "is not described in the crate" if described is None else \
            f"is described with @type {quoted(described.get('@type'))}, not Profile"
        yield Finding(f"the profile {quoted(iri)} the root conforms to {problem}", focus=crate.root_id,
                      path="conformsTo")


@check(
    "validation.instrument",
    Severity.SHOULD,
    section="Validation phase",
    description="The validation AssessAction's instrument SHOULD refer to the profile entity: exactly the IRI of "
    "the profile validated against (e.g. https://w3id.org/5s-crate/0.4)",
    stage=Stage.UNDER_REVIEW,
    scope="graph",
)
def validation_instrument(context: CheckContext) -> Iterator[Finding]:
    """Report a ValidationCheck whose instruments do not include the profile validated against, exactly."""
    graph = context.graph
    assert graph is not None
    wanted = context.profile.id
    for action in sorted(graph.graph.subjects(_ADDITIONAL_TYPE, URIRef(vocab.VALIDATION_CHECK)), key=str):
        instruments = sorted(graph.graph.objects(action, _INSTRUMENT), key=str)
        if any(str(instrument) == wanted for instrument in instruments):
            continue
        if instruments:
            message = (f"the validation AssessAction's instrument is {', '.join(_shown(graph, i) for i in instruments)}"
                       f", not the profile validated against, {quoted(wanted)}")
        else:
            message = f"the validation AssessAction has no instrument; it SHOULD be the profile entity {quoted(wanted)}"
        yield Finding(message, focus=graph.display(action), path="instrument")
