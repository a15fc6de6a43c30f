"""DSSE v1 envelopes (Dead Simple Signing Envelope, secure-systems-lab/dsse, ``protocol.md`` and ``envelope.md``).

An envelope is ``{"payload": <base64>, "payloadType": <string>, "signatures": [{"keyid": <string>, "sig":
<base64>}]}``; each signature is over the pre-authentication encoding (:func:`pae`)::

    PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

with ``LEN`` the byte length in ASCII decimal, without leading zeros. A verifier checks a signature before it
parses the payload. Reading is strict where the specification leaves room for tricks and tolerant where it
asks to be: the file is at most :data:`MAX_ENVELOPE_BYTES`, JSON without duplicate keys, ``NaN`` or nesting
beyond :data:`MAX_JSON_DEPTH`, no member the format does not define, at most :data:`MAX_SIGNATURES`
signatures; base64 is accepted in the standard and the URL-safe alphabet, padded or not, but never mixed and
never with other characters.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

MAX_ENVELOPE_BYTES = 1024 * 1024
"""Envelope files larger than this are refused unread (a signature over a tag manifest needs a few KiB)."""

MAX_JSON_DEPTH = 16
"""Deepest nesting accepted in an envelope or its statement (they need 4)."""

MAX_SIGNATURES = 16
"""Most signatures one envelope may carry; each costs a verification."""

_STANDARD = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_URL_SAFE = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")


class MalformedEnvelope(ValueError):
    """An envelope or statement that does not have the required form.

    Internal: the verifier catches it and reports the message as a problem of the envelope.
    """


def pae(payload_type: str, payload: bytes) -> bytes:
    """The DSSE v1 pre-authentication encoding of a payload and its type: the bytes that are signed."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def b64decode(text: str) -> bytes:
    """Decode base64 in the standard or URL-safe alphabet, padded or not; raise :class:`MalformedEnvelope`."""
    if _STANDARD.match(text):
        alphabet = b"+/"
    elif _URL_SAFE.match(text):
        alphabet = b"-_"
    else:
        raise MalformedEnvelope("not base64 (standard or URL-safe alphabet)")
    body = text.rstrip("=")
    if len(body) % 4 == 1:
        raise MalformedEnvelope("not base64 (truncated)")
    padded = body + "=" * (-len(body) % 4)
    if len(text) - len(body) not in (0, len(padded) - len(body)):
        raise MalformedEnvelope("not base64 (wrong padding)")
    try:
        return base64.b64decode(padded.encode("ascii"), altchars=alphabet, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedEnvelope(f"not base64 ({exc})") from None


def b64encode(data: bytes) -> str:
    """Standard, padded base64, as this library writes it."""
    return base64.b64encode(data).decode("ascii")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise MalformedEnvelope(f"JSON member {key!r} appears twice")
        found[key] = value
    return found


def _refuse_constant(name: str) -> None:
    raise MalformedEnvelope(f"{name} is not a JSON value")


def _depth(value: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values() if isinstance(child, dict | list))
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item if isinstance(child, dict | list))
    return deepest


def strict_json(data: bytes, what: str) -> Any:
    """Parse UTF-8 JSON strictly (no BOM, duplicate members, NaN or deep nesting); raise :class:`MalformedEnvelope`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedEnvelope(f"{what} is not UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except RecursionError:
        raise MalformedEnvelope(f"{what} is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except MalformedEnvelope as exc:
        raise MalformedEnvelope(f"{what}: {exc}") from None
    except ValueError as exc:
        raise MalformedEnvelope(f"{what} is not valid JSON ({exc})") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise MalformedEnvelope(f"{what} is nested deeper than {MAX_JSON_DEPTH} levels")
    return value


@dataclass(frozen=True, slots=True)
class EnvelopeSignature:
    """One signature of an envelope: the signature bytes and the optional key id hint."""

    sig: bytes
    keyid: str | None = None


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed DSSE envelope: payload type, payload bytes and signatures."""

    payload_type: str
    payload: bytes
    signatures: tuple[EnvelopeSignature, ...]

    def pae(self) -> bytes:
        """The bytes each signature is over."""
        return pae(self.payload_type, self.payload)

    def to_json(self) -> bytes:
        """The envelope as this library writes it: sorted members, 2-space indent, standard base64, final newline."""
        document = {
            "payload": b64encode(self.payload),
            "payloadType": self.payload_type,
            "signatures": [
                {**({"keyid": s.keyid} if s.keyid is not None else {}), "sig": b64encode(s.sig)}
                for s in self.signatures
            ],
        }
        return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")


def _string(container: dict[str, Any], key: str, where: str) -> str:
    value = container.get(key)
    if not isinstance(value, str):
        raise MalformedEnvelope(f"{where} has no string {key!r}")
    return value


def parse_envelope(data: bytes) -> Envelope:
    """Read a DSSE envelope (bytes of a ``.dsse.json`` file); raise :class:`MalformedEnvelope` with the reason."""
    if len(data) > MAX_ENVELOPE_BYTES:
        raise MalformedEnvelope(f"the envelope is larger than {MAX_ENVELOPE_BYTES} bytes")
    document = strict_json(data, "the envelope")
    if not isinstance(document, dict):
        raise MalformedEnvelope("the envelope is not a JSON object")
    unknown = sorted(set(document) - {"payload", "payloadType", "signatures"})
    if unknown:
        raise MalformedEnvelope(f"the envelope has members DSSE does not define: {', '.join(unknown)}")
    payload_type = _string(document, "payloadType", "the envelope")
    try:
        payload = b64decode(_string(document, "payload", "the envelope"))
    except MalformedEnvelope as exc:
        raise MalformedEnvelope(f"the payload is {exc}") from None
    items = document.get("signatures")
    if not isinstance(items, list) or not items:
        raise MalformedEnvelope("the envelope has no list of signatures")
    if len(items) > MAX_SIGNATURES:
        raise MalformedEnvelope(f"the envelope has {len(items)} signatures, more than {MAX_SIGNATURES}")
    signatures = []
    for index, item in enumerate(items, 1):
        where = f"signature {index}"
        if not isinstance(item, dict):
            raise MalformedEnvelope(f"{where} is not a JSON object")
        unknown = sorted(set(item) - {"sig", "keyid"})
        if unknown:
            raise MalformedEnvelope(f"{where} has members DSSE does not define: {', '.join(unknown)}")
        keyid = item.get("keyid")
        if keyid is not None and not isinstance(keyid, str):
            raise MalformedEnvelope(f"{where} has a keyid that is not a string")
        try:
            sig = b64decode(_string(item, "sig", where))
        except MalformedEnvelope as exc:
            raise MalformedEnvelope(f"{where}: 'sig' is {exc}") from None
        signatures.append(EnvelopeSignature(sig, keyid or None))
    return Envelope(payload_type, payload, tuple(signatures))
