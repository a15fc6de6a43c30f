"""The signed statement: an in-toto Statement v1 about ``tagmanifest-sha512.txt`` with the Five Safes predicate.

::

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "tagmanifest-sha512.txt", "digest": {"sha256": "...", "sha512": "..."}}],
     "predicateType": "urn:fivesafes-crate:signature:v1",
     "predicate": {"role": "tre:check", "phase": "check", "externalIdentifier": "urn:uuid:...",
                   "signer": "https://tre.example.org/", "signedAt": "2024-03-06T12:00:00+00:00",
                   "assessAction": "#check-1", "previous": [{"name": "signatures/0001.requester.dsse.json",
                                                             "sha512": "..."}]}}

The predicate type is a URN of this project until the profile's editors agree on a w3id.org IRI. Roles are
``requester`` or ``tre:<step>``; the statement is serialised with sorted keys and no spaces.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..model.vocab import uri_scheme
from .dsse import MalformedEnvelope, strict_json

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
PREDICATE_TYPE = "urn:fivesafes-crate:signature:v1"
"""The predicate type of a crate signature (provisional: a URN of this project, see docs/signing.md)."""

SUBJECT = "tagmanifest-sha512.txt"

ROLE_PHASES: dict[str, str] = {
    "requester": "request",
    "tre:check": "check",
    "tre:validate": "validation",
    "tre:retrieve": "retrieval",
    "tre:signoff": "sign-off",
    "tre:execute": "execution",
    "tre:disclosure": "disclosure",
    "tre:publish": "publishing",
}
"""The documented roles and the lifecycle phase each signs at (the default ``phase`` of a signature)."""

REQUESTER = "requester"
TRE_PREFIX = "tre:"

_ROLE = re.compile(r"^(requester|tre:[a-z][a-z0-9-]{0,31})$")
_PHASE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_HEX512 = re.compile(r"^[0-9a-f]{128}$")
_HEX256 = re.compile(r"^[0-9a-f]{64}$")


def valid_role(role: str) -> bool:
    """True for ``requester`` and ``tre:<name>`` (lower-case letters, digits and hyphens)."""
    return bool(_ROLE.match(role))


def valid_phase(phase: str) -> bool:
    """True for a lower-case phase token such as ``request`` or ``sign-off``."""
    return bool(_PHASE.match(phase))


def valid_uri(value: str) -> bool:
    """True for an absolute URI without whitespace (an ORCID, a TRE's home page, a ``urn:``)."""
    return bool(uri_scheme(value)) and not any(c.isspace() for c in value) and value.isprintable()


def valid_reference(value: str) -> bool:
    """True for an ``@id`` a predicate may name: non-empty, printable, without whitespace."""
    return bool(value) and value.isprintable() and not any(c.isspace() for c in value)


def role_file_part(role: str) -> str:
    """How a role appears in an envelope file name: ``tre:check`` -> ``tre-check`` (no ``:`` in file names)."""
    return role.replace(":", "-")


def timestamp(moment: datetime) -> str:
    """RFC 3339 with offset, to the second; a naive time is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class PreviousEnvelope:
    """An earlier envelope of the bag as a later one records it: bag-relative name and SHA-512 of its bytes."""

    name: str
    sha512: str


@dataclass(frozen=True, slots=True)
class Predicate:
    """What a crate signature says beyond the subject: who signed, as what, when, and what came before."""

    role: str
    phase: str
    external_identifier: str
    signer: str
    signed_at: datetime
    assess_action: str | None
    previous: tuple[PreviousEnvelope, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """An in-toto Statement v1 about the tag manifest: its SHA-512 and SHA-256 and the predicate."""

    sha512: str
    sha256: str
    predicate: Predicate

    def to_json(self) -> bytes:
        """The statement as signed: UTF-8 JSON, sorted keys, no insignificant whitespace."""
        p = self.predicate
        document = {
            "_type": STATEMENT_TYPE,
            "subject": [{"name": SUBJECT, "digest": {"sha256": self.sha256, "sha512": self.sha512}}],
            "predicateType": PREDICATE_TYPE,
            "predicate": {
                "role": p.role,
                "phase": p.phase,
                "externalIdentifier": p.external_identifier,
                "signer": p.signer,
                "signedAt": timestamp(p.signed_at),
                "assessAction": p.assess_action,
                "previous": [{"name": e.name, "sha512": e.sha512} for e in p.previous],
            },
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _field(container: dict[str, Any], key: str, where: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedEnvelope(f"{where} has no {key!r} text")
    return value


def _object(value: Any, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedEnvelope(f"{where} is not a JSON object")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise MalformedEnvelope(f"{where} has unknown members: {', '.join(unknown)}")
    return value


def parse_statement(payload: bytes) -> Statement:
    """Read a verified payload as a crate-signature statement; raise :class:`MalformedEnvelope` with the reason."""
    document = _object(strict_json(payload, "the statement"), "the statement",
                       {"_type", "subject", "predicateType", "predicate"})
    if document.get("_type") != STATEMENT_TYPE:
        raise MalformedEnvelope(f"the statement's _type is not {STATEMENT_TYPE}")
    if document.get("predicateType") != PREDICATE_TYPE:
        raise MalformedEnvelope(f"the statement's predicateType is not {PREDICATE_TYPE}")
    subjects = document.get("subject")
    if not isinstance(subjects, list) or len(subjects) != 1:
        raise MalformedEnvelope(f"the statement must have exactly one subject, {SUBJECT}")
    subject = _object(subjects[0], "the subject", {"name", "digest"})
    if subject.get("name") != SUBJECT:
        raise MalformedEnvelope(f"the subject is not {SUBJECT}")
    digest = _object(subject.get("digest"), "the subject's digest", {"sha256", "sha512"})
    sha512, sha256 = digest.get("sha512"), digest.get("sha256")
    if not isinstance(sha512, str) or not _HEX512.match(sha512) or not isinstance(sha256, str) or \
            not _HEX256.match(sha256):
        raise MalformedEnvelope("the subject needs lower-case hex sha512 and sha256 digests")
    return Statement(sha512, sha256, _parse_predicate(document.get("predicate")))


def _parse_predicate(value: Any) -> Predicate:
    where = "the predicate"
    predicate = _object(value, where, {"role", "phase", "externalIdentifier", "signer", "signedAt", "assessAction",
                                        "previous"})
    role = _field(predicate, "role", where)
    if not valid_role(role):
        raise MalformedEnvelope(f"the role {role!r} is neither 'requester' nor 'tre:<name>'")
    phase = _field(predicate, "phase", where)
    if not valid_phase(phase):
        raise MalformedEnvelope(f"the phase {phase!r} is not a lower-case name")
    signer = _field(predicate, "signer", where)
    if not valid_uri(signer):
        raise MalformedEnvelope(f"the signer {signer!r} is not an absolute URI")
    identifier = _field(predicate, "externalIdentifier", where)
    try:
        signed_at = datetime.fromisoformat(_field(predicate, "signedAt", where))
    except ValueError:
        raise MalformedEnvelope("signedAt is not an RFC 3339 date and time") from None
    if signed_at.tzinfo is None:
        raise MalformedEnvelope("signedAt has no time zone offset")
    action = predicate.get("assessAction")
    if action is not None and (not isinstance(action, str) or not valid_reference(action)):
        raise MalformedEnvelope("assessAction is neither null nor an @id")
    items = predicate.get("previous")
    if not isinstance(items, list):
        raise MalformedEnvelope("previous is not a list")
    previous = []
    for index, item in enumerate(items, 1):
        entry = _object(item, f"previous entry {index}", {"name", "sha512"})
        name, digest = entry.get("name"), entry.get("sha512")
        if not isinstance(name, str) or not isinstance(digest, str) or not _HEX512.match(digest):
            raise MalformedEnvelope(f"previous entry {index} needs a name and a lower-case hex sha512")
        previous.append(PreviousEnvelope(name, digest))
    return Predicate(role, phase, identifier, signer, signed_at, action, tuple(previous))
