"""Checks for sensitive values that must not travel in a crate's metadata.

The profile's security considerations: a crate may be published, so it SHOULD NOT include security tokens
in its metadata. The profile's own Hutch example passes a ``db_password`` as a workflow parameter. Messages
name the entity and property, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..issues import Severity
from ..model.entities import as_list, has_type
from .registry import CheckContext, Finding, check

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


def _has_value(value: object) -> bool:
    return any(item not in (None, "", [], {}) for item in as_list(value))


@check(
    "security.secret-in-metadata",
    Severity.SHOULD,
    section="Security considerations",
    description="A crate SHOULD NOT include sensitive data or security tokens within the metadata file (a "
    "credential-named parameter with a value, or a value shaped like a private key or access token)",
)
def secret_in_metadata(context: CheckContext) -> Iterator[Finding]:
    """Report credential-named parameters that carry a value, and key- or token-shaped strings anywhere."""
    assert context.crate is not None
    for entity in context.crate.entities:
        focus = entity.get("@id") if isinstance(entity.get("@id"), str) else None
        name = entity.get("name")
        if (
            has_type(entity, "PropertyValue")
            and isinstance(name, str)
            and SECRET_NAME.search(name)
            and _has_value(entity.get("value"))
        ):
            yield Finding(f"parameter {name!r} carries a credential-like value in the metadata", focus=focus,
                          path="value")
            continue
        for key, value in entity.items():
            if key.startswith("@"):
                continue
            if SECRET_NAME.search(key) and _has_value(value):
                yield Finding(f"property {key!r} carries a credential-like value", focus=focus, path=key)
            elif any(isinstance(item, str) and SECRET_VALUE.search(item) for item in as_list(value)):
                yield Finding("value is shaped like a private key or access token", focus=focus, path=key)
