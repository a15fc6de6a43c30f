"""Checks for sensitive values that must not travel in a crate's metadata.

The profile's security considerations: a crate may be published, so it SHOULD NOT include security tokens
in its metadata. The profile's own Hutch example passes a ``db_password`` as a workflow parameter. Messages
name the entity and property, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...disclosure_control.patterns import PRIVATE_KEY, TOKEN, scan_block
from ...issues import Severity
from ...model.crate import Crate
from ...model.entities import Entity, as_list, has_type, ref_ids
from ..registry import CheckContext, Finding, check

SECRET_NAME = re.compile(
    r"(?:^|[_\-.\s])(pass(word|wd|phrase)?|secret|token|api[_-]?key|access[_-]?key|credentials?|private[_-]?key|"
    r"auth[_-]?token)(?:$|[_\-.\s])",
    re.IGNORECASE,
)
"""Parameter or property names that announce a credential (as a whole word: ``db_password``, not ``author``)."""

SECRET_VALUE = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\b(gh[pousr]_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}|xox[abpr]-[0-9A-Za-z-]{10,})\b"
)
"""Values shaped like private keys or well-known access tokens, whatever the property is called."""

CREDENTIAL_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/@:]+:[^\s/@]+@")
"""A URL carrying a password in its user information (``postgresql://user:secret@db/cohort``)."""

ASSIGNMENT = re.compile(
    r"(?i)(?<![A-Za-z0-9])[\w-]*(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|token)[\"']?\s*=\s*[\"']?"
    r"(?![\"'$<*{]|x{3}|\.\.\.|(?:none|null|redacted)\b)[^\s\"',;&]{3,}"
)
"""A credential assigned in a command line or configuration text (``--db-password=...``, ``API_KEY=...``);
placeholders (``${DB_PASSWORD}``, ``<password>``, ``***``) are not values."""


def _has_value(value: object) -> bool:
    return any(item not in (None, "", [], {}) for item in as_list(value))


def _credential_named(crate: Crate, entity: Entity) -> str | None:
    """The credential-like name of a parameter value: its ``name``, ``propertyID`` or the ``name`` (or ``@id``)
    of the ``FormalParameter`` it is an ``exampleOfWork`` of."""
    names = [entity.get("name"), entity.get("propertyID")]
    for parameter_id in ref_ids(entity.get("exampleOfWork")):
        parameter = crate.get(parameter_id)
        names += [parameter.get("name") if parameter is not None else None, parameter_id.rsplit("#", 1)[-1]]
    return next((name for name in names if isinstance(name, str) and SECRET_NAME.search(name)), None)


def secret_shape(text: str) -> str | None:
    """What a string value is shaped like (a private key, an access token, a credential), or None."""
    if SECRET_VALUE.search(text):
        return "a private key or access token"
    kinds = {kind for kind, _offset in scan_block(text.encode("utf-8", "replace"))}
    if PRIVATE_KEY in kinds or TOKEN in kinds:
        return "a private key or access token"
    if CREDENTIAL_URL.search(text):
        return "a URL with a password"
    if ASSIGNMENT.search(text):
        return "a credential assignment"
    return None


@check(
    "security.secret-in-metadata",
    Severity.SHOULD,
    section="Security considerations",
    description="A crate SHOULD NOT include sensitive data or security tokens within the metadata file (a "
    "credential-named parameter with a value, also when named by its FormalParameter, or a value shaped like a "
    "private key, an access token, a URL with a password or a credential assignment)",
)
def secret_in_metadata(context: CheckContext) -> Iterator[Finding]:
    """Report credential-named parameters that carry a value, and secret-shaped strings anywhere."""
    crate = context.crate
    assert crate is not None
    for entity in crate.entities:
        focus = entity.get("@id") if isinstance(entity.get("@id"), str) else None
        named = _credential_named(crate, entity) if has_type(entity, "PropertyValue") else None
        if named is not None and _has_value(entity.get("value")):
            yield Finding(f"parameter {named!r} carries a credential-like value in the metadata", focus=focus,
                          path="value")
            continue
        for key, value in entity.items():
            if key.startswith("@"):
                continue
            if SECRET_NAME.search(key) and _has_value(value):
                yield Finding(f"property {key!r} carries a credential-like value", focus=focus, path=key)
                continue
            shape = next((found for item in as_list(value) if isinstance(item, str)
                          and (found := secret_shape(item)) is not None), None)
            if shape is not None:
                yield Finding(f"value is shaped like {shape}", focus=focus, path=key)
