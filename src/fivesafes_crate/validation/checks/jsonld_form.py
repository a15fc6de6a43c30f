"""Checks on the metadata document as JSON and JSON-LD: what SHACL cannot see because it needs the text.

These run on the JSON as written (scope ``crate``) or on what the engine could not read (scope ``source``):
syntax errors with line and column, the flattened and compacted form RO-Crate requires, entities without
``@id`` or ``@type``, the ``"type"`` quirk, duplicate ``@id``s, undefined terms that JSON-LD silently drops,
contexts that are not bundled, references to entities that are not described, and ``@id``s that leave the
crate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...contexts import canonical_context_url, term_definitions
from ...errors import ContextUnavailable
from ...issues import Severity
from ...model.crate import Crate, MetadataLimitError, MetadataSyntaxError
from ...model.entities import JSON, Entity, as_list, escapes_root
from ...model.graph import unknown_context_urls
from ...model.source import METADATA_FILE, TooLargeError
from ...model.vocab import uri_scheme
from ...untrusted import quoted
from ..registry import CheckContext, Finding, check, quote

VOCABULARY_PREFIXES = (
    "http://schema.org/",
    "https://schema.org/",
    "http://purl.org/dc/",
    "http://www.w3.org/",
    "https://www.w3.org/",
    "https://w3id.org/ro/",
    "https://w3id.org/shp",
    "https://w3id.org/5s-crate/",
    "https://w3id.org/workflowhub/",
    "https://bioschemas.org/",
)
"""Namespaces of vocabularies and specifications: a reference into them need not be described in the crate."""

_VALUE_KEYS = {"@value", "@type", "@language", "@direction", "@index"}


@check(
    "json.syntax",
    Severity.MUST,
    section="Metadata file expectations",
    description="The RO-Crate Metadata File MUST be valid JSON (UTF-8)",
    scope="source",
)
def json_syntax(context: CheckContext) -> Iterator[Finding]:
    """Report the first syntax error with its line and column."""
    error = context.load_error
    if isinstance(error, MetadataSyntaxError):
        yield Finding(error.message, file=METADATA_FILE, line=error.line, column=error.column)


@check(
    "json.limits",
    Severity.MUST,
    section="Security considerations",
    description="The metadata file MUST stay within the size and nesting limits applied to untrusted input",
    scope="source",
)
def json_limits(context: CheckContext) -> Iterator[Finding]:
    """Report a metadata file refused for its size or nesting depth (it was not interpreted)."""
    if isinstance(context.load_error, MetadataLimitError | TooLargeError):
        yield Finding(f"metadata file refused: {context.load_error.message}", file=METADATA_FILE)


@check(
    "metadata.present",
    Severity.MUST,
    section="Archive serialisation",
    description="The RO-Crate Metadata File ro-crate-metadata.json MUST be present in the crate root",
    scope="source",
)
def metadata_present(context: CheckContext) -> Iterator[Finding]:
    """Report a missing or unreadable metadata file (any load failure that is not syntax or limits)."""
    error = context.load_error
    if error is not None and not isinstance(error, MetadataSyntaxError | MetadataLimitError | TooLargeError):
        yield Finding(f"{METADATA_FILE} cannot be read: {error.message}", file=METADATA_FILE)


@check(
    "jsonld.flattened",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="The RO-Crate JSON-LD MUST be flattened: an object with @context and a @graph array of entity "
    "objects, where properties reference other entities only as {\"@id\": ...}",
)
def flattened(context: CheckContext) -> Iterator[Finding]:
    """Report a document that is not in RO-Crate's flattened, compacted form."""
    assert context.crate is not None
    document = context.crate.document
    if not isinstance(document, dict):
        yield Finding("the metadata document is not a JSON object", file=METADATA_FILE)
        return
    if "@context" not in document:
        yield Finding("the metadata document has no @context", file=METADATA_FILE)
    graph = document.get("@graph")
    if not isinstance(graph, list):
        yield Finding("the metadata document has no @graph array", file=METADATA_FILE)
        return
    extra = sorted(key for key in document if key not in ("@context", "@graph"))
    if extra:
        yield Finding(f"top-level keys besides @context and @graph: {', '.join(extra)}", file=METADATA_FILE)
    for position, item in enumerate(graph):
        if not isinstance(item, dict):
            yield Finding(f"@graph item {position} is not an object", file=METADATA_FILE)
            continue
        for key, value in item.items():
            if key.startswith("@"):
                continue
            for nested in as_list(value):
                if isinstance(nested, dict) and not ("@id" in nested and len(nested) == 1) and not (
                    "@value" in nested and set(nested) <= _VALUE_KEYS
                ):
                    yield Finding(
                        "nests an entity object instead of referencing it with {\"@id\": ...}",
                        focus=_entity_label(item, position),
                        path=key,
                    )
                    break


def _entity_label(entity: Entity, position: int) -> str:
    entity_id = entity.get("@id")
    return entity_id if isinstance(entity_id, str) else f"@graph[{position}]"


@check(
    "jsonld.id-missing",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="Every entity in @graph MUST have an @id",
)
def id_missing(context: CheckContext) -> Iterator[Finding]:
    """Report entities without a string ``@id``."""
    assert context.crate is not None
    for position, item in enumerate(context.crate.graph):
        if isinstance(item, dict) and not isinstance(item.get("@id"), str):
            yield Finding("entity has no @id", focus=f"@graph[{position}]", path="@id")


@check(
    "jsonld.type-missing",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="Every entity MUST have an @type",
)
def type_missing(context: CheckContext) -> Iterator[Finding]:
    """Report entities with neither ``@type`` nor the ``type`` quirk (which has its own check)."""
    assert context.crate is not None
    for position, item in enumerate(context.crate.graph):
        if isinstance(item, dict) and not item.get("@type") and "type" not in item:
            yield Finding("entity has no @type", focus=_entity_label(item, position), path="@type")


@check(
    "jsonld.type-keyword",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="Entities MUST be typed with the JSON-LD keyword @type; a \"type\" key is not a term of the "
    "RO-Crate context, so the entity has no type at all in RDF",
)
def type_keyword(context: CheckContext) -> Iterator[Finding]:
    """Report entities that write ``"type"`` instead of ``"@type"``."""
    assert context.crate is not None
    defined = _defined_terms(context.crate.context)
    if "type" in defined:
        return
    for position, item in enumerate(context.crate.graph):
        if isinstance(item, dict) and "type" in item:
            yield Finding(
                f'uses "type" instead of "@type" (value {quote(item["type"])})',
                focus=_entity_label(item, position),
                path="type",
            )


@check(
    "jsonld.duplicate-id",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="Each entity MUST be described once: two @graph objects MUST NOT share an @id",
)
def duplicate_id(context: CheckContext) -> Iterator[Finding]:
    """Report each ``@id`` described more than once."""
    assert context.crate is not None
    for entity_id in sorted(set(context.crate.duplicate_ids)):
        count = context.crate.duplicate_ids.count(entity_id) + 1
        yield Finding(f"@id {quote(entity_id)} is used by {count} entities: expected one entity per @id",
                      focus=entity_id, path="@id")


def _defined_terms(context_value: JSON) -> set[str]:
    terms: set[str] = set()
    for part in as_list(context_value):
        if isinstance(part, str) and canonical_context_url(part):
            terms.update(term_definitions(canonical_context_url(part) or part))
        elif isinstance(part, dict):
            terms.update(key for key in part if not key.startswith("@"))
    return terms


def _is_expandable(key: str, terms: set[str]) -> bool:
    if key.startswith("@") or key in terms:
        return True
    if ":" in key:
        prefix, _, rest = key.partition(":")
        return prefix in terms or (rest.startswith("//") and bool(prefix))
    return False


@check(
    "jsonld.undefined-term",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="Any term used as a property or type MUST be defined by the @context (JSON-LD silently drops "
    "undefined terms, so their values are lost)",
)
def undefined_term(context: CheckContext) -> Iterator[Finding]:
    """Report property keys and type names that the crate's context does not define."""
    assert context.crate is not None
    if list(unknown_context_urls(context.crate.context)):
        return  # the context could not be read; jsonld.context-offline reports that instead
    terms = _defined_terms(context.crate.context)
    for position, item in enumerate(context.crate.graph):
        if isinstance(item, dict):
            yield from _undefined_in(item, _entity_label(item, position), terms, "")


def _undefined_in(node: Entity, focus: str, terms: set[str], nested_under: str) -> Iterator[Finding]:
    """Undefined keys and types of a node object and of the node objects nested in its values (which
    ``jsonld.flattened`` reports as nested, but whose undefined terms are lost all the same)."""
    where = f" (in the object nested under {nested_under!r})" if nested_under else ""
    for key, value in node.items():
        if key != "type" and not _is_expandable(key, terms):
            yield Finding(f"property {key!r} is not defined by the @context and is dropped{where}", focus=focus,
                          path=key)
        if key.startswith("@"):
            continue
        for nested in as_list(value):
            if isinstance(nested, dict) and "@value" not in nested:
                yield from _undefined_in(nested, focus, terms, key)
    for type_name in as_list(node.get("@type")):
        if isinstance(type_name, str) and not _is_expandable(type_name, terms):
            yield Finding(f"type {type_name!r} is not defined by the @context{where}", focus=focus, path="@type")


@check(
    "jsonld.context-offline",
    Severity.MUST,
    section="Security considerations",
    description="Every @context MUST be one of the bundled RO-Crate contexts or given inline; remote contexts are "
    "never fetched (TREs are air-gapped), so the crate cannot be interpreted",
    scope="crate",
)
def context_offline(context: CheckContext) -> Iterator[Finding]:
    """Name every context URL that is not bundled; no RDF check runs on such a crate."""
    assert context.crate is not None
    urls = list(dict.fromkeys(unknown_context_urls(context.crate.context)))
    if not urls and isinstance(context.graph_error, ContextUnavailable):
        urls = [context.graph_error.url]
    for url in urls:
        yield Finding(f"JSON-LD context {url!r} is not bundled and was not fetched", path="@context")


@check(
    "jsonld.interpretable",
    Severity.MUST,
    section="JSON-LD 1.1",
    description="The metadata file MUST be valid JSON-LD 1.1 (it could not be expanded, so RDF-based checks "
    "did not run)",
)
def interpretable(context: CheckContext) -> Iterator[Finding]:
    """Report a JSON-LD processing failure other than an unknown context."""
    error = context.graph_error
    if error is not None and not isinstance(error, ContextUnavailable):
        yield Finding(error.message, file=METADATA_FILE)


@check(
    "metadata.root-id",
    Severity.MUST,
    section="Metadata file expectations",
    description="The root data entity of a Five Safes RO-Crate MUST have the @id \"./\", named by the "
    "descriptor's about, and MUST be described",
)
def root_id(context: CheckContext) -> Iterator[Finding]:
    """Report a root named other than ``./`` or not described."""
    crate = context.crate
    assert crate is not None
    if crate.descriptor is None:
        return
    named = crate.root_id
    if named is None:
        return  # no about at all: metadata.descriptor-about's MUST, not restated here
    if named != "./":
        yield Finding(f"the root data entity has @id {named!r}, not \"./\"", focus=METADATA_FILE, path="about")
    elif crate.get("./") is None:
        yield Finding("the root data entity \"./\" is not described", focus=METADATA_FILE, path="about")


def is_vocabulary(iri: str) -> bool:
    """True for IRIs in well-known vocabulary and specification namespaces."""
    return iri.startswith(VOCABULARY_PREFIXES)


@check(
    "ref.dangling",
    Severity.SHOULD,
    section="RO-Crate 1.2",
    description="Entities referenced with {\"@id\": ...} SHOULD be described in the crate (references into "
    "well-known vocabularies excepted)",
)
def dangling(context: CheckContext) -> Iterator[Finding]:
    """Report references to ``@id``s that no entity describes.

    A reference that is not a URI reference at all (HTML, spaces) is ``rocrate.id-uri-reference``'s MUST and not
    restated here: it could not name a described entity as written."""
    crate = context.crate
    assert crate is not None
    for entity in crate.entities:
        focus = entity.get("@id")
        for key, target in crate.references(entity):
            if target not in crate and not is_vocabulary(target) and uri_reference_problem(target) is None:
                yield Finding(
                    f"references {target!r}, which is not described in the crate",
                    focus=focus if isinstance(focus, str) else None,
                    path=key,
                )


_NOT_IN_URI = re.compile(r"[\x00-\x20\x7f-\x9f\"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})")
"""Characters that no URI (or IRI) reference may hold as they are (RFC 3986 section 2, RFC 3987 section 2.2),
and a ``%`` that does not start a percent-encoding."""


def uri_reference_problem(value: str) -> str | None:
    """Why ``value`` is not a URI reference (a blank node ``_:`` identifier is accepted), or None."""
    if value.startswith("_:"):
        return None
    bad = _NOT_IN_URI.search(value)
    if bad is not None:
        return f"holds {quoted(bad.group())}, which a URI reference cannot hold unescaped (percent-encode it)"
    if value.count("#") > 1:
        return "holds more than one \"#\""
    return None


def _all_ids(crate: Crate) -> Iterator[tuple[str | None, str | None, str]]:
    """``(entity @id, property, @id value)`` for every entity's own ``@id`` (property ``@id``) and every reference."""
    for entity in crate.entities:
        own = entity.get("@id")
        focus = own if isinstance(own, str) else None
        if focus is not None:
            yield focus, "@id", focus
        for key, value in entity.items():
            if key.startswith("@"):
                continue
            for item in as_list(value):
                if isinstance(item, dict) and isinstance(item.get("@id"), str):
                    yield focus, key, item["@id"]


def is_file_system_path(value: str) -> bool:
    """True for an absolute file system path or a ``file:`` URI (``/etc/passwd``, ``C:\\data``, ``file:///x``)."""
    scheme = uri_scheme(value)
    return value.startswith(("/", "\\")) or scheme == "file" or (len(scheme) == 1 and value[1:3] in (":\\", ":/"))


@check(
    "id.parent-path",
    Severity.MUST,
    section="BagIt expectations",
    description="The RO-Crate MUST NOT reference tag files like ../fetch.txt or other relative paths outside the "
    "bag: no @id may climb out of the crate root with ../",
)
def parent_path(context: CheckContext) -> Iterator[Finding]:
    """Report ``@id``s and references that resolve outside the crate root."""
    assert context.crate is not None
    for focus, key, value in _all_ids(context.crate):
        if escapes_root(value):
            yield Finding(f"{value!r} climbs out of the crate root", focus=focus, path=key)


@check(
    "id.absolute-path",
    Severity.MUST,
    section="Security considerations",
    description="Paths MUST be relative within the bag or absolute URIs: an @id MUST NOT be an absolute file "
    "system path or a file: URI",
)
def absolute_path(context: CheckContext) -> Iterator[Finding]:
    """Report ``@id``s like ``/etc/passwd``, ``C:\\data`` or ``file:///...`` that point into a file system."""
    assert context.crate is not None
    for focus, key, value in _all_ids(context.crate):
        if is_file_system_path(value):
            yield Finding(f"{value!r} is an absolute file system path", focus=focus, path=key)
