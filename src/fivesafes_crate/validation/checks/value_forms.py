"""The form of a value that is present, judged the same on every entity (docs/conformance.md, rule 2).

Where a normative text fixes how a value is written, a value written otherwise is a MUST issue, whatever entity
or action type carries it:

- ``action.time-form``: every ``startTime`` and ``endTime`` is one ISO 8601 date or date-time string (RO-Crate
  1.2, provenance: "MUST be in ISO 8601 date format"); the profile's stricter RFC 3339 form with a zone stays
  the SHOULD of ``review.start-time-format`` / ``review.end-time-format``, which skip what this check reports;
- ``ref.literal``: a linking property (:data:`LINKING_PROPERTIES`) holds ``{"@id": ...}`` references, never
  text (RO-Crate 1.2, metadata: "Property references to other entities MUST use the { "@id": "..."} object
  form"). The shapes that judge what such a property refers to skip literals, so a literal is reported once.

The other form rules live with their shapes: ``action.status-value`` (one of the four ActionStatusType IRIs)
and ``review.name`` (text). Messages quote the value (:func:`~fivesafes_crate.validation.registry.quote`).
"""

from __future__ import annotations

from collections.abc import Iterator

from ...issues import Severity
from ...model.dates import is_iso8601
from ...model.entities import JSON, as_list
from ..registry import CheckContext, Finding, check, quote

TIME_PROPERTIES = ("startTime", "endTime")
"""The action timestamps; ``datePublished`` and ``dateModified`` are the RO-Crate base layer's dates."""

LINKING_PROPERTIES = (
    "about", "affiliation", "agent", "conformsTo", "distribution", "exampleOfWork", "funding", "grantee",
    "hasDigitalDocumentPermission", "hasPart", "instrument", "mainEntity", "member", "memberOf", "mentions",
    "object", "provider", "publisher", "result", "sourceOrganization",
)
"""Properties by which the profile links one entity to another. Not here: ``license`` (may be text, RO-Crate
1.2), ``sameAs`` and ``identifier`` (an absolute URI string is accepted, as RO-Crate's examples write them),
and ``actionStatus``, ``additionalType``, ``permissionType`` (IRIs accepted as the strings the profile's
examples use)."""


def _lexical(value: JSON) -> str | None:
    """The string a value states: itself, or the ``@value`` of a value object; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("@value"), str) and "@id" not in value:
        return str(value["@value"])
    return None


def is_iso_8601(value: JSON) -> bool:
    """True for one string (or string value object) in an ISO 8601 date or date-time form."""
    text = _lexical(value)
    return text is not None and is_iso8601(text)


@check(
    "action.time-form",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="Every startTime and endTime MUST be a single ISO 8601 date or date-time string, on every "
    "entity and action type (RO-Crate 1.2: \"MUST be in ISO 8601 date format\")",
)
def time_form(context: CheckContext) -> Iterator[Finding]:
    """Report each ``startTime`` / ``endTime`` that is not one ISO 8601 string, quoting it."""
    crate = context.crate
    assert crate is not None
    for entity in crate.entities:
        focus = entity.get("@id")
        for key in TIME_PROPERTIES:
            if key not in entity:
                continue
            values = as_list(entity[key])
            if len(values) != 1 or not is_iso_8601(values[0]):
                yield Finding(f"{key} is {quote(entity[key])}: expected a single ISO 8601 date-time string "
                              "(e.g. \"2023-04-18T12:11:45+01:00\")", focus=focus if isinstance(focus, str) else None,
                              path=key)


@check(
    "ref.literal",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="A property that links to another entity (memberOf, funding, instrument, agent, object, ...) "
    "MUST hold {\"@id\": ...} references, not text (RO-Crate 1.2: property references MUST use the object form)",
)
def literal_reference(context: CheckContext) -> Iterator[Finding]:
    """Report each text, number or value object where a linking property needs a reference, quoting it."""
    crate = context.crate
    assert crate is not None
    for entity in crate.entities:
        focus = entity.get("@id")
        for key in LINKING_PROPERTIES:
            for value in as_list(entity.get(key)):
                if isinstance(value, dict) and "@value" not in value:
                    continue  # a reference, or a nested node object (reported by jsonld.flattened)
                yield Finding(
                    f"{key} holds the value {quote(value)} where a reference to an entity belongs: expected "
                    "{\"@id\": ...} naming a described entity",
                    focus=focus if isinstance(focus, str) else None,
                    path=key,
                )
