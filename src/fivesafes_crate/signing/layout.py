"""Where signatures live in a bag: the ``signatures/`` tag directory beside ``data/``.

::

    signatures/0001.requester.dsse.json      the envelope (DSSE JSON)
    signatures/0001.state/bag-info.txt       byte-exact copies of what the envelope signed ...
    signatures/0001.state/manifest-sha512.txt
    signatures/0001.state/tagmanifest-sha512.txt
    signatures/0001.state/ro-crate-metadata.json   (requester signatures only)
    signatures/0002.tre-check.dsse.json      the next signature, and so on

Numbers count from 0001 without gaps; the role in a file name has ``:`` written as ``-`` (``tre:check`` ->
``tre-check``), since ``:`` is not allowed in Windows file names. Nothing else belongs in ``signatures/``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..model.source import Entry, EntryKind
from ..packaging import SIGNATURE_DIR
from .statement import role_file_part

ENVELOPE_SUFFIX = ".dsse.json"
MAX_ENVELOPES = 9999

_ENVELOPE = re.compile(rf"^{SIGNATURE_DIR}/(\d{{4}})\.([a-z][a-z0-9-]*)\.dsse\.json$")
_STATE = re.compile(rf"^{SIGNATURE_DIR}/(\d{{4}})\.state/([^/]+)$")
_PERCENT = re.compile(r"%(0[AaDd]|25)")


def envelope_name(number: int, role: str) -> str:
    """The bag-relative name of envelope ``number`` for ``role``: ``signatures/0002.tre-check.dsse.json``."""
    return f"{SIGNATURE_DIR}/{number:04d}.{role_file_part(role)}{ENVELOPE_SUFFIX}"


def state_folder(number: int) -> str:
    """The bag-relative folder of envelope ``number``'s state copies: ``signatures/0002.state``."""
    return f"{SIGNATURE_DIR}/{number:04d}.state"


@dataclass(frozen=True, slots=True)
class EnvelopeFile:
    """An envelope file found in a bag: its number, bag-relative name and the role part of its name."""

    number: int
    name: str
    role_part: str


@dataclass(frozen=True, slots=True)
class SignatureLayout:
    """The signature files of a bag, sorted: envelopes, state copies by number, and anything that does not fit."""

    envelopes: tuple[EnvelopeFile, ...]
    states: Mapping[int, Mapping[str, str]]
    strays: tuple[str, ...]


def scan(entries: Mapping[str, Entry]) -> SignatureLayout:
    """Sort the files under ``signatures/`` (bag-relative ``entries``) into envelopes, state copies and strays."""
    envelopes: list[EnvelopeFile] = []
    states: dict[int, dict[str, str]] = {}
    strays: list[str] = []
    prefix = SIGNATURE_DIR + "/"
    for name in sorted(entries):
        if not name.startswith(prefix) or entries[name].kind is EntryKind.DIRECTORY:
            continue
        envelope, state = _ENVELOPE.match(name), _STATE.match(name)
        if envelope is not None and entries[name].kind is EntryKind.FILE:
            envelopes.append(EnvelopeFile(int(envelope.group(1)), name, envelope.group(2)))
        elif state is not None and entries[name].kind is EntryKind.FILE:
            states.setdefault(int(state.group(1)), {})[state.group(2)] = name
        else:
            strays.append(name)
    envelopes.sort(key=lambda e: (e.number, e.name))
    return SignatureLayout(tuple(envelopes), states, tuple(strays))


def sha512_hex(data: bytes) -> str:
    """Lower-case hex SHA-512."""
    return hashlib.sha512(data).hexdigest()


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def parse_manifest(data: bytes) -> dict[str, str] | None:
    """A SHA-512 manifest as ``{bag-relative path: hex digest}``, or None when a line is not ``<hex> <path>``.

    Paths are decoded for ``%0A``, ``%0D`` and ``%25`` as RFC 8493 writes them; used on state copies, which
    are authenticated before they are read.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        digest, _, path = line.partition(" ")
        path = path.lstrip(" \t")
        if len(digest) != 128 or not path or any(c not in "0123456789abcdefABCDEF" for c in digest):
            return None
        found[_PERCENT.sub(lambda m: chr(int(m.group(1), 16)), path)] = digest.lower()
    return found


def external_identifiers(bag_info: bytes) -> list[str]:
    """The External-Identifier values of ``bag-info.txt`` bytes (labels matched case-insensitively)."""
    values = []
    for line in bag_info.decode("utf-8", errors="replace").splitlines():
        label, sep, value = line.partition(":")
        if sep and label.strip().casefold() == "external-identifier" and value.strip():
            values.append(value.strip())
    return values
