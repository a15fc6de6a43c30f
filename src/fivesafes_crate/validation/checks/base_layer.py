"""The RO-Crate 1.2 base layer every Five Safes RO-Crate inherits, as far as the profile's own checks leave it.

RO-Crate 1.2 (``root-data-entity.md``, ``structure.md``, ``data-entities.md``, ``provenance.md``) requires
the root's ``name`` and ``description`` and the form of its ``datePublished``, ISO 8601 for the dates of
every entity, ``@id`` values that are URI references, the name ``ro-crate-metadata.json`` for an attached
crate's metadata file, and asks that contextual entities be linked from somewhere and named, and that the
``@context`` and the descriptor's ``conformsTo`` name the same RO-Crate version. These checks run on the
JSON as written, so they need no RDF and quote the values as the crate writes them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ...contexts import canonical_context_url
from ...issues import Severity
from ...model.crate import Crate
from ...model.dates import is_iso8601
from ...model.entities import JSON, Entity, as_list, declared_types, has_type, iri_values, is_data_entity
from ...model.graph import context_urls
from ...model.source import METADATA_FILE, SourceKind
from ...model.vocab import RO_CRATE_BASE
from ...untrusted import quoted
from ..registry import CheckContext, Finding, check
from .jsonld_form import _all_ids, is_file_system_path, uri_reference_problem


def _text(value: JSON) -> str | None:
    """The string of a plain string or a value object (``{"@value": ..., "@language": ...}``), else None."""
    if isinstance(value, dict):
        value = value.get("@value")
    return value if isinstance(value, str) else None


def _required_text(crate: Crate, key: str) -> Iterator[Finding]:
    """The root's ``key`` must be present, text, and not blank."""
    root = crate.root
    if root is None:
        return
    values = as_list(root.get(key))
    if not values:
        yield Finding(f"the root data entity has no {key}; it MUST have one", focus=crate.root_id, path=key)
        return
    for value in values:
        text = _text(value)
        if text is None:
            yield Finding(f"the root data entity's {key} is {quoted(value)}, not text", focus=crate.root_id,
                          path=key)
        elif not text.strip():
            yield Finding(f"the root data entity's {key} is {quoted(value)}: it MUST NOT be empty",
                          focus=crate.root_id, path=key)


@check(
    "rocrate.root-name",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="The root data entity MUST have a name (root-data-entity.md: the Root Data Entity MUST have all of "
    "the properties listed), as non-empty text",
)
def root_name(context: CheckContext) -> Iterator[Finding]:
    """Report a root without a ``name``, or with an empty or non-text one."""
    assert context.crate is not None
    yield from _required_text(context.crate, "name")


@check(
    "rocrate.root-description",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="The root data entity MUST have a description (root-data-entity.md), as non-empty text",
)
def root_description(context: CheckContext) -> Iterator[Finding]:
    """Report a root without a ``description``, or with an empty or non-text one."""
    assert context.crate is not None
    yield from _required_text(context.crate, "description")


def _date_problem(value: JSON) -> str | None:
    """What is wrong with one date value, or None for an ISO 8601 string."""
    text = _text(value)
    if text is None:
        return f"is {quoted(value)}, not an ISO 8601 date string"
    return None if is_iso8601(text) else f"is {quoted(text)}, not an ISO 8601 date"


@check(
    "rocrate.date-published",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="The root data entity's datePublished, whenever present, MUST be a single string value in ISO 8601 "
    "date format (root-data-entity.md); whether it must be present is the profile's rule per stage",
)
def date_published(context: CheckContext) -> Iterator[Finding]:
    """Report a root ``datePublished`` with several values, or one that is not an ISO 8601 string."""
    crate = context.crate
    assert crate is not None
    root = crate.root
    if root is None or "datePublished" not in root:
        return
    values = as_list(root["datePublished"])
    if len(values) != 1:
        yield Finding(f"the root data entity's datePublished has {len(values)} values {quoted(values)}; it MUST be "
                      "a single string", focus=crate.root_id, path="datePublished")
        return
    problem = _date_problem(values[0])
    if problem is not None:
        yield Finding(f"the root data entity's datePublished {problem}", focus=crate.root_id, path="datePublished")


@check(
    "rocrate.date-format",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="Every datePublished and dateModified, on every entity, MUST be in ISO 8601 date format (as "
    "RO-Crate 1.2 fixes for the root's datePublished and for action times)",
)
def date_format(context: CheckContext) -> Iterator[Finding]:
    """Report ``dateModified`` of any entity and ``datePublished`` of entities other than the root (which
    ``rocrate.date-published`` covers) that are not ISO 8601 strings."""
    crate = context.crate
    assert crate is not None
    root = crate.root
    for entity in crate.entities:
        keys = ("dateModified",) if entity is root else ("datePublished", "dateModified")
        for key in keys:
            for value in as_list(entity.get(key)):
                problem = _date_problem(value)
                if problem is not None:
                    yield Finding(f"{key} {problem}", focus=_focus(entity), path=key)


def _focus(entity: Entity) -> str | None:
    entity_id = entity.get("@id")
    return entity_id if isinstance(entity_id, str) else None


def _contextual(crate: Crate) -> Iterator[Entity]:
    """The contextual entities: every entity but the descriptor, the root and data entities (File, Dataset)."""
    for entity in crate.entities:
        entity_id = entity.get("@id")
        if entity_id in (METADATA_FILE, crate.root_id) or not isinstance(entity_id, str):
            continue
        if not is_data_entity(entity):
            yield entity


@check(
    "rocrate.orphan-entity",
    Severity.SHOULD,
    section="RO-Crate 1.2",
    description="Any contextual entity in the metadata SHOULD be linked to from at least one of the other entities "
    "using the same identifier (structure.md)",
)
def orphan_entity(context: CheckContext) -> Iterator[Finding]:
    """Report contextual entities that no other entity references with ``{"@id": ...}``."""
    crate = context.crate
    assert crate is not None
    linked = {target for entity in crate.entities for _key, target in crate.references(entity)
              if target != entity.get("@id")}
    for entity in _contextual(crate):
        if entity["@id"] not in linked:
            yield Finding("this contextual entity is not linked to from any other entity", focus=entity["@id"])


_UNNAMED_KINDS = ("DigitalDocumentPermission", "Review")
"""Structured values the profile's own examples describe without a name: a permission, a review."""


def _needs_name(entity: Entity) -> bool:
    """False for actions (whose names the profile's checks judge) and for :data:`_UNNAMED_KINDS`."""
    types = declared_types(entity, tolerate_type_key=True)
    return not any(t.endswith("Action") for t in types) and not any(has_type(entity, kind) for kind in _UNNAMED_KINDS)


@check(
    "rocrate.contextual-name",
    Severity.SHOULD,
    section="RO-Crate 1.2",
    description="Contextual entities SHOULD have a name, for humans in the preview and for machines "
    "(contextual-entities.md); actions (whose names the profile's checks judge), permissions and reviews aside",
)
def contextual_name(context: CheckContext) -> Iterator[Finding]:
    """Report contextual entities (actions aside) without a non-empty textual ``name``."""
    crate = context.crate
    assert crate is not None
    for entity in _contextual(crate):
        if not _needs_name(entity):
            continue
        names = [_text(value) for value in as_list(entity.get("name"))]
        if not any(name and name.strip() for name in names):
            found = "has no name" if "name" not in entity else f"has the name {quoted(entity['name'])}, not text"
            yield Finding(f"this contextual entity {found}; it SHOULD have one", focus=entity["@id"], path="name")


@check(
    "rocrate.id-uri-reference",
    Severity.MUST,
    section="JSON-LD 1.1",
    description="Every @id, of an entity or in a reference, MUST be a URI reference: spaces, quotes, angle "
    "brackets and the like percent-encoded (data-entities.md: all @id identifiers must be valid URI references)",
)
def id_uri_reference(context: CheckContext) -> Iterator[Finding]:
    """Report ``@id`` values (own and referenced) that are not URI references, e.g. HTML or text with spaces.

    A file system path (``C:\\data``) is left to ``id.absolute-path``, which names the defect."""
    assert context.crate is not None
    reported: set[tuple[str | None, str | None, str]] = set()
    for focus, key, value in _all_ids(context.crate):
        if is_file_system_path(value):
            continue  # id.absolute-path reports it as what it is, once
        problem = uri_reference_problem(value)
        if problem is not None and (focus, key, value) not in reported:
            reported.add((focus, key, value))
            subject = "the @id" if key is None else "the reference"
            yield Finding(f"{subject} {quoted(value)} is not a URI reference: it {problem}", focus=focus, path=key)


@check(
    "rocrate.metadata-file-name",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="In an attached crate, which a Five Safes RO-Crate always is, the metadata file MUST be named "
    "ro-crate-metadata.json (structure.md)",
    scope="source",
)
def metadata_file_name(context: CheckContext) -> Iterator[Finding]:
    """Report a metadata file given under another name (it was read as the crate's metadata anyway)."""
    source = context.source
    assert source is not None
    name = os.path.basename(source.label)
    if source.kind is SourceKind.METADATA_FILE and name != METADATA_FILE and context.crate is not None:
        yield Finding(f"the metadata file is named {quoted(name)}; in an attached crate it MUST be named "
                      f"{METADATA_FILE}", file=name)


def _rocrate_version(iri: str) -> str | None:
    """The RO-Crate specification IRI (``https://w3id.org/ro/crate/1.2``) an IRI names, or None."""
    return iri.rstrip("/") if iri.startswith(RO_CRATE_BASE) else None


@check(
    "rocrate.context-version",
    Severity.SHOULD,
    section="RO-Crate 1.2",
    description="The RO-Crate version of the @context and the one the metadata descriptor's conformsTo declares "
    "SHOULD be the same (root-data-entity.md: conformsTo names the specification the JSON-LD conforms to)",
)
def context_version(context: CheckContext) -> Iterator[Finding]:
    """Report a crate whose ``@context`` is one RO-Crate version and whose descriptor declares another."""
    crate = context.crate
    assert crate is not None
    descriptor = crate.descriptor
    if descriptor is None:
        return
    contexts = {}
    for url in context_urls(crate):
        canonical = canonical_context_url(url)
        if canonical is not None and canonical.endswith("/context"):
            version = _rocrate_version(canonical[: -len("/context")])
            if version is not None:
                contexts[version] = url
    declared = [iri for iri in iri_values(descriptor.get("conformsTo")) if _rocrate_version(iri)]
    if contexts and declared and not {_rocrate_version(iri) for iri in declared} & set(contexts):
        shown = ", ".join(quoted(url) for url in contexts.values())
        yield Finding(f"the @context is {shown} but the descriptor declares conformsTo "
                      f"{', '.join(quoted(iri) for iri in declared)}: they name different RO-Crate versions",
                      focus=METADATA_FILE, path="conformsTo")
