"""Reading and verifying BagIt bags (RFC 8493) offline, on any :class:`~fivesafes_crate.model.source.CrateSource`.

The reader is tolerant: it accepts every bag of the Library of Congress conformance suite that the suite calls
valid (BagIt 0.93 to 1.0), and turns everything else into :class:`BagProblem` values rather than exceptions, so
that a validator can report *each* broken file. Only a container that cannot be read at all raises
:class:`~fivesafes_crate.errors.CrateReadError`.

Decisions where the RFC, the conformance suite and real bags meet:

* Labels in ``bagit.txt`` are case-sensitive in the RFC, but the official Five Safes example bags write
  ``BagIt-version``. Such a label is accepted and reported as :attr:`ProblemKind.DECLARATION_CASE` (SHOULD).
* A byte-order mark in ``bagit.txt``, whitespace before its colon (BagIt 1.0), a missing
  ``Tag-File-Character-Encoding`` line or a version that is not ``M.N`` make the declaration invalid.
* Manifest paths are percent-decoded for ``%0A``, ``%0D`` and ``%25`` only (BagIt 0.97 and later); any other
  ``%xx`` is literal, as in the suite's ``bag-with-encoded-names``. A leading ``./`` or an md5sum-style ``*``
  is accepted with a SHOULD-level problem, and so is a name that matches a payload file only after Unicode
  normalisation or case folding (the suite's warning cases).
* A file listed twice in one manifest is a warning before BagIt 1.0 when both lines agree and invalid otherwise.
* Paths that are absolute, contain ``..``, backslashes, drive letters or start with ``~`` are never looked up;
  they are reported as unsafe on every platform (a crate checked on Linux may be unpacked on Windows).
* ``fetch.txt`` is parsed and checked but never fetched: nothing is downloaded. A manifest entry whose file is
  absent but listed in ``fetch.txt`` is :attr:`ProblemKind.FETCH_PENDING` (the bag is incomplete), not missing.
* Operating-system junk files (``.DS_Store``, ``Thumbs.db``...) in the payload are a SHOULD-level problem; such
  a file listed but absent (tools often strip them) is a warning rather than a missing file.

Files are hashed in parallel threads (hashlib releases the GIL), every algorithm of a file in one streaming
read of 1 MiB chunks, so memory stays bounded whatever the payload size. ZIP members are read in place; opening
and closing members is serialised with a lock because :class:`zipfile.ZipFile` keeps an unsynchronised
reference count of open members (reads themselves are synchronised by :mod:`zipfile`).

Writing (used by :mod:`.archive`): :func:`tag_files` renders ``bagit.txt`` (BagIt 1.0, UTF-8), ``bag-info.txt``
and SHA-512 payload and tag manifests, paths percent-encoded for ``%``, CR and LF as RFC 8493 requires (the
``bagit`` package encodes only CR and LF, so it misreads names containing ``%``); :class:`PayloadCopier`
copies files while hashing them in helper threads with the same chunk loop as the verifier.
"""

from __future__ import annotations

import codecs
import enum
import hashlib
import os
import re
import threading
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from ..errors import CrateReadError, UsageError
from ..issues import Severity
from ..model.source import CrateSource, Entry, EntryKind, unsafe_name_reason
from ..model.vocab import uri_scheme

CHUNK_SIZE = 1024 * 1024
"""Bytes read per call while hashing: memory per worker thread stays at one chunk."""

PARALLEL_MIN_AVERAGE = 256 * 1024
"""Average file size from which :func:`verify_bag` hashes in several threads by default."""

DECLARATION_FILE = "bagit.txt"
BAG_INFO_FILE = "bag-info.txt"
LEGACY_BAG_INFO_FILE = "package-info.txt"
FETCH_FILE = "fetch.txt"
PAYLOAD_PREFIX = "data/"
SIGNATURE_DIR = "signatures"
"""The tag directory holding crate signatures (:mod:`fivesafes_crate.signing`); kept and listed like any tag file."""

SUPPORTED_ALGORITHMS: tuple[str, ...] = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
"""Manifest algorithms this reader verifies (the RFC names md5, sha1, sha256 and sha512; the suite uses sha224)."""

SYSTEM_FILE_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "Desktop.ini", "ehthumbs.db"})
"""Operating-system metadata files that should not travel in a payload (they can also leak folder listings)."""

_MANIFEST_NAME = re.compile(r"^(tag)?manifest-([A-Za-z0-9]+)\.txt$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PERCENT = re.compile(r"%(0[AaDd]|25)")
_VERSION = re.compile(r"^(\d+)\.(\d+)$")
_OXUM = re.compile(r"^(\d+)\.(\d+)$")
_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_DECLARATION_LABELS = {"bagit-version": "BagIt-Version", "tag-file-character-encoding": "Tag-File-Character-Encoding"}


class ProblemKind(enum.Enum):
    """What is wrong with a bag; each kind has one fixed severity (see :attr:`BagProblem.severity`)."""

    DECLARATION = "declaration"
    """``bagit.txt`` missing or not as RFC 8493 section 2.1.1 prescribes."""
    DECLARATION_CASE = "declaration-case"
    """A ``bagit.txt`` label written in another letter case (``BagIt-version``); accepted."""
    BAG_INFO = "bag-info"
    """``bag-info.txt`` lines not as RFC 8493 section 2.2.2 prescribes."""
    NO_PAYLOAD_MANIFEST = "no-payload-manifest"
    """No ``manifest-<alg>.txt`` at all."""
    MANIFEST_SYNTAX = "manifest-syntax"
    """A manifest or ``fetch.txt`` line that cannot be read, or a fetch entry missing from a manifest."""
    DUPLICATE = "duplicate"
    """One file listed twice in one manifest with different checksums (or at all, from BagIt 1.0)."""
    PORTABILITY = "portability"
    """A manifest line accepted only leniently (``./``, ``*``, case or normalisation differences, repeats)."""
    UNSUPPORTED_ALGORITHM = "unsupported-algorithm"
    """A manifest whose algorithm this reader cannot compute; its entries are not verified."""
    UNSAFE_PATH = "unsafe-path"
    """A manifest or fetch path that would resolve outside the bag; never looked up."""
    OUTSIDE_PAYLOAD = "outside-payload"
    """A payload manifest or fetch entry naming a file outside ``data/``."""
    MISSING = "missing"
    """Listed in a manifest but absent (or not a regular file)."""
    CHANGED = "changed"
    """Present but its checksum differs from the manifest."""
    EXTRA = "extra"
    """A payload file not listed in every payload manifest."""
    UNREADABLE = "unreadable"
    """Present but could not be read (damaged or encrypted ZIP member...)."""
    OXUM = "oxum"
    """``Payload-Oxum`` does not match the payload's byte and file counts."""
    FETCH_PENDING = "fetch-pending"
    """Absent but listed in ``fetch.txt``: the bag is incomplete and nothing is downloaded."""
    SPECIAL_FILE = "special-file"
    """A symbolic link, device or other non-regular file in the bag; never followed or read."""
    SYSTEM_FILE = "system-file"
    """An operating-system metadata file (``.DS_Store``, ``Thumbs.db``...) in the payload."""
    CONTAINER = "container"
    """The ZIP around the bag breaks a container rule: a member refused (unsafe, duplicate or colliding name,
    a possible zip bomb) or an entry beside the one bag folder. Such members are never read, and
    :func:`~fivesafes_crate.packaging.unpack` refuses the whole ZIP."""


_SHOULD_KINDS = frozenset(
    {
        ProblemKind.DECLARATION_CASE,
        ProblemKind.PORTABILITY,
        ProblemKind.UNSUPPORTED_ALGORITHM,
        ProblemKind.FETCH_PENDING,
        ProblemKind.SYSTEM_FILE,
    }
)


@dataclass(frozen=True, slots=True)
class BagProblem:
    """One problem found in a bag: what, which file (bag-relative) and, for manifests, which one and algorithm.

    ``area`` is ``"payload"`` or ``"tag"`` for problems about a listed or present file, else None.
    """

    kind: ProblemKind
    message: str
    file: str | None = None
    manifest: str | None = None
    algorithm: str | None = None
    area: str | None = None

    @property
    def severity(self) -> Severity:
        """MUST for problems that make the bag invalid under RFC 8493, SHOULD for tolerated deviations."""
        return Severity.SHOULD if self.kind in _SHOULD_KINDS else Severity.MUST


@dataclass(frozen=True, slots=True)
class BagDeclaration:
    """The parsed ``bagit.txt``: version text, its numeric form (None if malformed) and tag-file encoding."""

    version: str | None
    version_number: tuple[int, int] | None
    encoding: str
    present: bool = True

    @property
    def at_least_1_0(self) -> bool:
        """True when the declared version is BagIt 1.0 or later."""
        return self.version_number is not None and self.version_number >= (1, 0)


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One manifest line: the path as written, the resolved bag-relative path, and the lower-case checksum."""

    path: str
    written: str
    digest: str
    line: int


@dataclass(frozen=True, slots=True)
class Manifest:
    """A payload (``manifest-<alg>.txt``) or tag (``tagmanifest-<alg>.txt``) manifest and its readable lines."""

    name: str
    algorithm: str
    is_tag: bool
    entries: tuple[ManifestEntry, ...]

    @property
    def supported(self) -> bool:
        """True when this reader can compute the manifest's algorithm."""
        return self.algorithm in SUPPORTED_ALGORITHMS


@dataclass(frozen=True, slots=True)
class FetchEntry:
    """One ``fetch.txt`` line: URL (never fetched), declared length (None for ``-``) and bag-relative path."""

    url: str
    length: int | None
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class BagInfo:
    """Everything read from a bag's tag files, without hashing: declaration, metadata, manifests and fetch list.

    ``metadata`` keeps ``bag-info.txt`` elements in file order (labels may repeat); ``problems`` holds the
    problems found while parsing.
    """

    declaration: BagDeclaration
    metadata: tuple[tuple[str, str], ...]
    has_bag_info: bool
    manifests: tuple[Manifest, ...]
    fetch: tuple[FetchEntry, ...]
    problems: tuple[BagProblem, ...]

    def values(self, label: str) -> list[str]:
        """The values of a ``bag-info.txt`` label, matched case-insensitively as RFC 8493 allows for labels."""
        wanted = label.casefold()
        return [value for name, value in self.metadata if name.casefold() == wanted]

    @property
    def payload_manifests(self) -> tuple[Manifest, ...]:
        """The ``manifest-<alg>.txt`` files, sorted by name."""
        return tuple(m for m in self.manifests if not m.is_tag)

    @property
    def tag_manifests(self) -> tuple[Manifest, ...]:
        """The ``tagmanifest-<alg>.txt`` files, sorted by name."""
        return tuple(m for m in self.manifests if m.is_tag)


@dataclass(frozen=True, slots=True)
class BagVerification:
    """The outcome of :func:`verify_bag`: the parsed bag, every problem, and what was hashed.

    ``valid`` is True when no problem is at MUST level (RFC 8493 validity, plus the tolerances documented in
    this module). ``files_checked`` counts files hashed; ``bytes_hashed`` the bytes read to hash them.
    """

    info: BagInfo
    problems: tuple[BagProblem, ...]
    files_checked: int
    bytes_hashed: int
    payload_files: int
    payload_bytes: int

    @property
    def valid(self) -> bool:
        """True when no problem reaches MUST level."""
        return not any(p.severity >= Severity.MUST for p in self.problems)

    def of(self, *kinds: ProblemKind, area: str | None = None) -> list[BagProblem]:
        """The problems of the given kinds (all when none given), optionally only for one ``area``."""
        return [p for p in self.problems if (not kinds or p.kind in kinds) and (area is None or p.area == area)]


@dataclass
class _Parser:
    """Mutable state while reading one bag's tag files."""

    source: CrateSource
    entries: Mapping[str, Entry]
    problems: list[BagProblem] = field(default_factory=list)

    def add(self, kind: ProblemKind, message: str, **where: str | None) -> None:
        self.problems.append(BagProblem(kind, message, **where))

    def read(self, name: str, kind: ProblemKind) -> bytes | None:
        """Read a tag file, turning an unreadable or oversized one into a problem of ``kind``."""
        entry = self.entries.get(name)
        if entry is None:
            return None
        if entry.kind is not EntryKind.FILE:
            self.add(kind, f"{name} is not a regular file and was not read", file=name)
            return None
        try:
            return self.source.read_in_bag(name, self.source.limits.max_tag_file_bytes)
        except CrateReadError as exc:
            self.add(kind, f"{name} could not be read: {exc.message}", file=name)
            return None


def read_bag(source: CrateSource) -> BagInfo:
    """Parse a bag's tag files (``bagit.txt``, ``bag-info.txt``, manifests, ``fetch.txt``) without hashing.

    Problems in the tag files are returned in :attr:`BagInfo.problems`; raises
    :class:`~fivesafes_crate.errors.CrateReadError` only when ``source`` is not a bag.
    """
    if not source.is_bag:
        raise CrateReadError("not a BagIt bag (no bagit.txt)", path=str(source.path.name))
    return _read_bag(source, source.bag_entries())


def _read_bag(source: CrateSource, entries: Mapping[str, Entry]) -> BagInfo:
    parser = _Parser(source, entries)
    declaration = _read_declaration(parser)
    metadata, has_info = _read_bag_info(parser, declaration)
    manifests = _read_manifests(parser, declaration)
    fetch = _read_fetch(parser, declaration)
    return BagInfo(declaration, metadata, has_info, manifests, fetch, tuple(parser.problems))


# --- bagit.txt ---------------------------------------------------------------------------------------------


def _read_declaration(parser: _Parser) -> BagDeclaration:
    raw = parser.read(DECLARATION_FILE, ProblemKind.DECLARATION)
    if raw is None:
        if DECLARATION_FILE not in parser.entries:
            parser.add(ProblemKind.DECLARATION, "bagit.txt is missing from the bag", file=DECLARATION_FILE)
        return BagDeclaration(None, None, "UTF-8", present=False)

    def bad(message: str) -> None:
        parser.add(ProblemKind.DECLARATION, message, file=DECLARATION_FILE)

    if raw.startswith(codecs.BOM_UTF8):
        bad("bagit.txt starts with a byte-order mark, which RFC 8493 forbids")
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        bad("bagit.txt is not valid UTF-8")
        text = raw.decode("utf-8", errors="replace")
    lines = _split_lines(text)
    found: dict[str, tuple[str, bool]] = {}
    order: list[str] = []
    for number, line in enumerate(lines, 1):
        label, sep, value = line.partition(":")
        if not sep:
            bad(f"bagit.txt line {number} is not 'Label: value'")
            continue
        key = label.strip()
        name = _DECLARATION_LABELS.get(key.casefold())
        if name is None:
            bad(f"bagit.txt line {number} has unknown label {key!r}")
            continue
        if key != name:
            parser.add(
                ProblemKind.DECLARATION_CASE,
                f"bagit.txt writes {key!r} where RFC 8493 prescribes {name!r} (labels are case-sensitive)",
                file=DECLARATION_FILE,
            )
        spaced = label != key or not value.startswith(" ") or value[1:2].isspace() or value != value.rstrip()
        if name in found:
            bad(f"bagit.txt repeats {name}")
            continue
        found[name] = (value.strip(), spaced)
        order.append(name)
    version_text, version_spaced = found.get("BagIt-Version", (None, False))
    version_number: tuple[int, int] | None = None
    if version_text is None:
        bad("bagit.txt has no BagIt-Version line")
    else:
        match = _VERSION.match(version_text)
        if match:
            version_number = (int(match.group(1)), int(match.group(2)))
        else:
            bad(f"bagit.txt declares version {version_text!r}, which is not of the form M.N")
    at_least_1_0 = version_number is None or version_number >= (1, 0)
    encoding_text, encoding_spaced = found.get("Tag-File-Character-Encoding", (None, False))
    encoding = "UTF-8"
    if encoding_text is None:
        bad("bagit.txt has no Tag-File-Character-Encoding line")
    else:
        try:
            codecs.lookup(encoding_text)
            encoding = encoding_text
        except LookupError:
            bad(f"bagit.txt declares unknown Tag-File-Character-Encoding {encoding_text!r}; UTF-8 is assumed")
    if at_least_1_0:
        if version_spaced or encoding_spaced:
            bad("bagit.txt must write each line as 'Label: value' with one space after the colon and no other")
        if order and order != ["BagIt-Version", "Tag-File-Character-Encoding"][: len(order)]:
            bad("bagit.txt must list BagIt-Version before Tag-File-Character-Encoding")
    return BagDeclaration(version_text, version_number, encoding)


def _split_lines(text: str) -> list[str]:
    """Split on LF, CR or CRLF (only those, as RFC 8493 says), dropping a final empty line."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _decode_tag(parser: _Parser, raw: bytes, name: str, encoding: str, kind: ProblemKind) -> str:
    """Decode a tag file in the declared encoding; undecodable bytes become a problem and U+FFFD."""
    if encoding.replace("-", "").replace("_", "").lower() in ("utf8",) and raw.startswith(codecs.BOM_UTF8):
        parser.add(kind, f"{name} starts with a byte-order mark", file=name)
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        parser.add(kind, f"{name} is not valid {encoding} (byte {exc.start})", file=name)
        return raw.decode(encoding, errors="replace")


# --- bag-info.txt ------------------------------------------------------------------------------------------


def _read_bag_info(parser: _Parser, declaration: BagDeclaration) -> tuple[tuple[tuple[str, str], ...], bool]:
    name = BAG_INFO_FILE
    if name not in parser.entries and LEGACY_BAG_INFO_FILE in parser.entries and not declaration.at_least_1_0:
        name = LEGACY_BAG_INFO_FILE
    raw = parser.read(name, ProblemKind.BAG_INFO)
    if raw is None:
        return (), False
    text = _decode_tag(parser, raw, name, declaration.encoding, ProblemKind.BAG_INFO)
    strict = declaration.at_least_1_0

    def bad(message: str) -> None:
        parser.add(ProblemKind.BAG_INFO, message, file=name)

    elements: list[list[str]] = []
    for number, line in enumerate(_split_lines(text), 1):
        if not line.strip():
            continue
        if line[0] in " \t":
            if not elements:
                bad(f"{name} line {number} is indented but continues no element")
                continue
            elements[-1][1] += " " + line.strip()
            continue
        label, sep, value = line.partition(":")
        if not sep or not label.strip():
            bad(f"{name} line {number} is not 'Label: value'")
            continue
        if strict and (label != label.strip() or (value and value[0] not in " \t") or value[1:2] in (" ", "\t")):
            bad(f"{name} line {number} must be 'Label: value' with one space after the colon (BagIt 1.0)")
        elements.append([label.strip(), value.strip()])
    metadata = tuple((label, value) for label, value in elements)
    oxums = [value for label, value in metadata if label.casefold() == "payload-oxum"]
    if len(oxums) > 1:
        bad(f"{name} repeats Payload-Oxum, which RFC 8493 says must not be repeated")
    for value in oxums[:1]:
        if not _OXUM.match(value):
            bad(f"{name} has Payload-Oxum {value!r}, which is not of the form <octets>.<files>")
    return metadata, True


# --- manifests ---------------------------------------------------------------------------------------------


def _clean_path(
    parser: _Parser, written: str, declaration: BagDeclaration, where: str, number: int
) -> tuple[str | None, list[str]]:
    """Decode and normalise a manifest or fetch path; return None (with a problem) when it is unsafe."""
    notes: list[str] = []
    path = written
    if declaration.version_number is None or declaration.version_number >= (0, 97):
        path = _PERCENT.sub(lambda m: chr(int(m.group(1), 16)), path)
    if path.startswith("./"):
        path = path[2:]
        notes.append("starts with './'")
    reason = unsafe_name_reason(path)
    if reason is None and path.startswith("~"):
        reason = "'~' home-directory shortcut"
    if reason is not None:
        parser.add(
            ProblemKind.UNSAFE_PATH,
            f"{where} line {number} names {written!r}, which points outside the bag ({reason}); it was not read",
            file=where,
        )
        return None, notes
    return path, notes


def _read_manifests(parser: _Parser, declaration: BagDeclaration) -> tuple[Manifest, ...]:
    manifests: list[Manifest] = []
    for name in sorted(parser.entries):
        match = _MANIFEST_NAME.match(name)
        if match is None:
            continue
        is_tag = match.group(1) is not None
        algorithm = match.group(2).lower()
        raw = parser.read(name, ProblemKind.MANIFEST_SYNTAX)
        if raw is None:
            continue
        if algorithm not in SUPPORTED_ALGORITHMS:
            parser.add(
                ProblemKind.UNSUPPORTED_ALGORITHM,
                f"{name} uses algorithm {algorithm!r}, which this validator cannot compute; it was not verified",
                file=name,
                manifest=name,
            )
        text = _decode_tag(parser, raw, name, declaration.encoding, ProblemKind.MANIFEST_SYNTAX)
        manifests.append(Manifest(name, algorithm, is_tag, _parse_manifest(parser, name, algorithm, text, declaration)))
    if not any(not m.is_tag for m in manifests):
        parser.add(ProblemKind.NO_PAYLOAD_MANIFEST, "the bag has no payload manifest (manifest-<algorithm>.txt)")
    return tuple(manifests)


def _parse_manifest(
    parser: _Parser, name: str, algorithm: str, text: str, declaration: BagDeclaration
) -> tuple[ManifestEntry, ...]:
    length = hashlib.new(algorithm).digest_size * 2 if algorithm in SUPPORTED_ALGORITHMS else None
    entries: list[ManifestEntry] = []
    for number, line in enumerate(_split_lines(text), 1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or not _HEX.match(parts[0]):
            parser.add(ProblemKind.MANIFEST_SYNTAX, f"{name} line {number} is not '<checksum> <path>'", file=name)
            continue
        digest = parts[0].lower()
        if length is not None and len(digest) != length:
            parser.add(
                ProblemKind.MANIFEST_SYNTAX,
                f"{name} line {number} has a checksum of {len(digest)} hex digits; {algorithm} has {length}",
                file=name,
            )
            continue
        written = line[len(line) - len(line.lstrip()) :][len(parts[0]) :].lstrip(" \t")
        notes: list[str] = []
        if written.startswith("*") and written not in parser.entries:
            written = written[1:]
            notes.append("has an md5sum-style '*' before the path")
        path, more = _clean_path(parser, written, declaration, name, number)
        notes.extend(more)
        if path is None:
            continue
        if notes:
            parser.add(
                ProblemKind.PORTABILITY,
                f"{name} line {number} {' and '.join(notes)}; accepted as {path!r}",
                file=path,
                manifest=name,
            )
        entries.append(ManifestEntry(path, written, digest, number))
    return tuple(entries)


def _read_fetch(parser: _Parser, declaration: BagDeclaration) -> tuple[FetchEntry, ...]:
    raw = parser.read(FETCH_FILE, ProblemKind.MANIFEST_SYNTAX)
    if raw is None:
        return ()
    text = _decode_tag(parser, raw, FETCH_FILE, declaration.encoding, ProblemKind.MANIFEST_SYNTAX)
    found: list[FetchEntry] = []
    for number, line in enumerate(_split_lines(text), 1):
        if not line.strip():
            continue
        parts = line.strip(" \t").split(None, 2)
        if len(parts) != 3 or not (parts[1] == "-" or parts[1].isdigit()):
            parser.add(
                ProblemKind.MANIFEST_SYNTAX, f"fetch.txt line {number} is not '<url> <length> <path>'", file=FETCH_FILE
            )
            continue
        url, length, written = parts
        if not uri_scheme(url):
            parser.add(ProblemKind.MANIFEST_SYNTAX, f"fetch.txt line {number} has no absolute URL", file=FETCH_FILE)
        path, _ = _clean_path(parser, written, declaration, FETCH_FILE, number)
        if path is None:
            continue
        if not path.startswith(PAYLOAD_PREFIX):
            parser.add(
                ProblemKind.OUTSIDE_PAYLOAD,
                f"fetch.txt line {number} names {path!r}, which is not in the payload folder data/",
                file=FETCH_FILE,
            )
            continue
        found.append(FetchEntry(url, None if length == "-" else int(length), path, number))
    return tuple(found)


# --- verification ------------------------------------------------------------------------------------------


@dataclass
class _Resolver:
    """Finds the bag entry a manifest path names: exactly, else after Unicode normalisation, else case folding."""

    entries: Mapping[str, Entry]
    _nfc: dict[str, list[str]] = field(default_factory=dict)
    _folded: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, entry in self.entries.items():
            if entry.kind is EntryKind.DIRECTORY:
                continue
            nfc = unicodedata.normalize("NFC", name)
            self._nfc.setdefault(nfc, []).append(name)
            self._folded.setdefault(nfc.casefold(), []).append(name)

    def resolve(self, path: str) -> tuple[str | None, str | None]:
        """The entry name and, when matched only leniently, how it differs."""
        if path in self.entries:
            return path, None
        nfc = unicodedata.normalize("NFC", path)
        names = self._nfc.get(nfc, [])
        if len(names) == 1:
            return names[0], "a different Unicode normalisation"
        names = self._folded.get(nfc.casefold(), [])
        if len(names) == 1:
            return names[0], "a different letter case"
        return None, None


def _is_system_file(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base in SYSTEM_FILE_NAMES or base.startswith("._") or "/__MACOSX/" in f"/{name}"


def _empty_digest(algorithm: str) -> str | None:
    return hashlib.new(algorithm).hexdigest() if algorithm in SUPPORTED_ALGORITHMS else None


@dataclass
class _Expected:
    """What the manifests expect of one file: digests per algorithm and the manifests listing it."""

    area: str
    digests: dict[str, str] = field(default_factory=dict)
    manifests: dict[str, str] = field(default_factory=dict)


def verify_bag(
    source: CrateSource, *, workers: int | None = None, progress: Callable[[int, int], None] | None = None
) -> BagVerification:
    """Read and verify a bag: every manifest entry hashed, every payload file accounted for.

    Problems are data (:attr:`BagVerification.problems`), one per file where they concern a file. ``workers``
    is the number of hashing threads (default: the CPU count, at most 8, when files average 256 KiB or more,
    else 1). ``progress(done, total)`` is called with the bytes hashed so far and the bytes to hash (the sizes
    the container declares), after every chunk; it may be called from a hashing thread, but never from two at
    once. The result is kept on ``source``: verifying the same opened source again costs nothing. Raises
    :class:`~fivesafes_crate.errors.CrateReadError` only when ``source`` is not a bag.
    """
    if not source.is_bag:
        raise CrateReadError("not a BagIt bag (no bagit.txt)", path=str(source.path.name))
    done = source.derived.get(_VERIFIED)
    if isinstance(done, BagVerification):  # the validator, the signature verifier and receive share one hashing
        return done
    result = _verify(source, workers, progress)
    source.derived[_VERIFIED] = result
    return result


_VERIFIED = "bag-verification"
"""Key of :func:`verify_bag`'s result in :attr:`CrateSource.derived`."""


def _verify(
    source: CrateSource, workers: int | None, progress: Callable[[int, int], None] | None
) -> BagVerification:
    entries = source.bag_entries()
    info = _read_bag(source, entries)
    # what the container itself broke (never read; unpack refuses it), before what the bag inside breaks
    problems = [BagProblem(ProblemKind.CONTAINER, finding.message) for finding in source.findings]
    problems += info.problems
    declaration = info.declaration
    resolver = _Resolver(entries)
    fetch_paths = {f.path: f for f in info.fetch}
    expected: dict[str, _Expected] = {}
    absent_system: list[tuple[str, bool]] = []

    def add(kind: ProblemKind, message: str, **where: str | None) -> None:
        problems.append(BagProblem(kind, message, **where))

    for manifest in info.manifests:
        area = "tag" if manifest.is_tag else "payload"
        seen: dict[str, ManifestEntry] = {}
        for item in manifest.entries:
            if not manifest.is_tag and not item.path.startswith(PAYLOAD_PREFIX):
                add(
                    ProblemKind.OUTSIDE_PAYLOAD,
                    f"{manifest.name} line {item.line} lists {item.path!r}, which is not in the payload folder data/",
                    file=manifest.name,
                    manifest=manifest.name,
                )
                continue
            name, how = resolver.resolve(item.path)
            if name is not None and how is not None:
                add(
                    ProblemKind.PORTABILITY,
                    f"{manifest.name} lists {item.path!a} but the file is named {name!a} ({how})",
                    file=name,
                    manifest=manifest.name,
                )
            key = name or item.path
            first = seen.get(key)
            if first is not None:
                if first.digest != item.digest:
                    add(
                        ProblemKind.DUPLICATE,
                        f"{manifest.name} lists {key!r} twice with different checksums (lines {first.line} and "
                        f"{item.line})",
                        file=key,
                        manifest=manifest.name,
                    )
                elif declaration.at_least_1_0:
                    add(
                        ProblemKind.DUPLICATE,
                        f"{manifest.name} lists {key!r} twice (lines {first.line} and {item.line}); BagIt 1.0 "
                        "allows one line per file",
                        file=key,
                        manifest=manifest.name,
                    )
                else:
                    add(
                        ProblemKind.PORTABILITY,
                        f"{manifest.name} lists {key!r} twice with the same checksum (lines {first.line} and "
                        f"{item.line})",
                        file=key,
                        manifest=manifest.name,
                    )
                continue
            seen[key] = item
            entry = entries.get(name) if name is not None else None
            if entry is None:
                if item.path in fetch_paths and not manifest.is_tag:
                    add(
                        ProblemKind.FETCH_PENDING,
                        f"{item.path} is absent and only listed in fetch.txt, which is never downloaded: the bag is "
                        "incomplete",
                        file=item.path,
                        manifest=manifest.name,
                        area=area,
                    )
                elif _is_system_file(item.path) and not manifest.is_tag:
                    absent_system.append((item.path, item.digest == _empty_digest(manifest.algorithm)))
                    add(
                        ProblemKind.SYSTEM_FILE,
                        f"{manifest.name} lists the system file {item.path!r}, which is absent",
                        file=item.path,
                        manifest=manifest.name,
                        area=area,
                    )
                else:
                    add(
                        ProblemKind.MISSING,
                        f"{item.path} is listed in {manifest.name} but is not in the bag",
                        file=item.path,
                        manifest=manifest.name,
                        algorithm=manifest.algorithm,
                        area=area,
                    )
                continue
            if entry.kind is EntryKind.DIRECTORY:
                add(
                    ProblemKind.MISSING,
                    f"{item.path} is listed in {manifest.name} but is a folder, not a file",
                    file=item.path,
                    manifest=manifest.name,
                    area=area,
                )
                continue
            if entry.kind is not EntryKind.FILE:
                continue  # reported once below as a special file
            if not manifest.supported:
                continue
            wanted = expected.setdefault(entry.name, _Expected(area))
            wanted.digests.setdefault(manifest.algorithm, item.digest)
            wanted.manifests.setdefault(manifest.algorithm, manifest.name)

    payload_manifests = [m for m in info.payload_manifests]
    listed_in: dict[str, set[str]] = {}
    for manifest in payload_manifests:
        for item in manifest.entries:
            resolved, _ = resolver.resolve(item.path)
            listed_in.setdefault(resolved or item.path, set()).add(manifest.name)
    for fetch in info.fetch:
        resolved, _ = resolver.resolve(fetch.path)
        missing_from = [m.name for m in payload_manifests if m.name not in listed_in.get(resolved or fetch.path, set())]
        if missing_from:
            add(
                ProblemKind.MANIFEST_SYNTAX,
                f"fetch.txt lists {fetch.path!r}, which is not in {', '.join(missing_from)}",
                file=fetch.path,
            )

    payload_files = 0
    payload_bytes = 0
    for name in sorted(entries):
        entry = entries[name]
        if entry.kind in (EntryKind.SYMLINK, EntryKind.OTHER):
            what = "a symbolic link" if entry.kind is EntryKind.SYMLINK else "a special file"
            add(
                ProblemKind.SPECIAL_FILE,
                f"{name} is {what}, not a regular file; it was not followed or read",
                file=name,
                area="payload" if name.startswith(PAYLOAD_PREFIX) else "tag",
            )
            continue
        if entry.kind is not EntryKind.FILE or not name.startswith(PAYLOAD_PREFIX):
            continue
        payload_files += 1
        payload_bytes += entry.size
        if _is_system_file(name):
            add(
                ProblemKind.SYSTEM_FILE,
                f"{name} is an operating-system metadata file that should not be in the payload",
                file=name,
                area="payload",
            )
        if payload_manifests:
            unlisted = [m.name for m in payload_manifests if m.name not in listed_in.get(name, set())]
            if unlisted:
                add(
                    ProblemKind.EXTRA,
                    f"{name} is in the payload but not listed in {', '.join(unlisted)}",
                    file=name,
                    area="payload",
                )

    checked, hashed = _hash_and_compare(source, entries, expected, problems, workers, progress)
    _check_oxum(info, problems, payload_files, payload_bytes, absent_system)
    return BagVerification(info, tuple(problems), checked, hashed, payload_files, payload_bytes)


def _check_oxum(
    info: BagInfo,
    problems: list[BagProblem],
    files: int,
    octets: int,
    absent_system: list[tuple[str, bool]],
) -> None:
    declared = info.values("Payload-Oxum")
    match = _OXUM.match(declared[0]) if declared else None
    if match is None:
        return
    want_octets, want_files = int(match.group(1)), int(match.group(2))
    pending = [p for p in problems if p.kind is ProblemKind.FETCH_PENDING]
    if pending:
        lengths = {f.path: f.length for f in info.fetch}
        if any(lengths.get(p.file or "") is None for p in pending):
            return  # cannot compare without every pending length
        files += len({p.file for p in pending})
        octets += sum(lengths[p.file or ""] or 0 for p in {p.file: p for p in pending}.values())
    if (want_octets, want_files) == (octets, files):
        return
    explained = sum(1 for _, empty in absent_system if empty)
    if explained and (want_octets, want_files) == (octets, files + explained):
        problems.append(
            BagProblem(
                ProblemKind.SYSTEM_FILE,
                f"Payload-Oxum counts {explained} empty system file(s) that are absent from the payload",
                file=BAG_INFO_FILE,
            )
        )
        return
    problems.append(
        BagProblem(
            ProblemKind.OXUM,
            f"Payload-Oxum declares {want_octets} bytes in {want_files} files but the payload has {octets} bytes in "
            f"{files} files",
            file=BAG_INFO_FILE,
        )
    )


def _hash_and_compare(
    source: CrateSource,
    sizes: Mapping[str, Entry],
    expected: Mapping[str, _Expected],
    problems: list[BagProblem],
    workers: int | None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Hash every expected file once (all its algorithms in one read) in threads and record mismatches."""
    wanted = {name: tuple(item.digests) for name, item in expected.items()}
    return _collect(_hash_files(source, sizes, wanted, workers, progress), expected, problems)


_HashResult = tuple[str, dict[str, str] | None, int, str | None]
"""(bag-relative name, digests by algorithm or None, bytes read, error message or None)."""


def _hash_files(
    source: CrateSource,
    sizes: Mapping[str, Entry],
    algorithms: Mapping[str, tuple[str, ...]],
    workers: int | None,
    progress: Callable[[int, int], None] | None,
) -> Iterable[_HashResult]:
    """Hash each named bag file with its algorithms, in threads when that pays off; results in any order."""
    if not algorithms:
        return []
    lock = threading.Lock()
    buffers = threading.local()
    names = sorted(algorithms, key=lambda n: (-sizes[n].size, n))  # largest first keeps every thread busy
    tick = _progress_counter(progress, sum(sizes[n].size for n in names))
    average = sum(sizes[n].size for n in names) / len(names)
    # Threads pay off when hashing dominates; for many small files the per-file Python work holds the GIL.
    count = workers or (max(1, min(8, os.cpu_count() or 1)) if average >= PARALLEL_MIN_AVERAGE else 1)

    def job(name: str) -> _HashResult:
        view = getattr(buffers, "view", None)
        if view is None:  # one reusable 1 MiB buffer per thread, not one per file
            view = buffers.view = memoryview(bytearray(CHUNK_SIZE))
        return (name, *_hash_one(source, name, algorithms[name], lock, view, tick))

    if count == 1 or len(names) == 1:
        return list(map(job, names))
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="bag-hash") as pool:
        return list(pool.map(job, names))


def digest_files(
    source: CrateSource,
    names: Iterable[str],
    *,
    algorithm: str = "sha512",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, str]:
    """Hex digests of bag files (bag-relative names), hashed in threads like :func:`verify_bag` does.

    Raises :class:`~fivesafes_crate.errors.CrateReadError` naming the first file that cannot be read.
    """
    entries = source.bag_entries()
    wanted: dict[str, tuple[str, ...]] = {}
    for name in names:
        entry = entries.get(name)
        if entry is None or entry.kind is not EntryKind.FILE:
            raise CrateReadError("not a file in the bag", path=name)
        wanted[name] = (algorithm,)
    digests: dict[str, str] = {}
    for name, found, _size, error in _hash_files(source, entries, wanted, workers, progress):
        if found is None:
            raise CrateReadError(f"cannot read: {error}", path=name)
        digests[name] = found[algorithm]
    return dict(sorted(digests.items()))


def _collect(
    results: Iterable[_HashResult],
    expected: Mapping[str, _Expected],
    problems: list[BagProblem],
) -> tuple[int, int]:
    checked = hashed = 0
    for name, digests, size, error in results:
        wanted = expected[name]
        hashed += size
        if digests is None:
            problems.append(
                BagProblem(ProblemKind.UNREADABLE, f"{name} could not be read: {error}", file=name, area=wanted.area)
            )
            continue
        checked += 1
        for algorithm, digest in sorted(wanted.digests.items()):
            if digests[algorithm] != digest:
                manifest = wanted.manifests[algorithm]
                problems.append(
                    BagProblem(
                        ProblemKind.CHANGED,
                        f"{name} does not match its {algorithm} checksum in {manifest}",
                        file=name,
                        manifest=manifest,
                        algorithm=algorithm,
                        area=wanted.area,
                    )
                )
    return checked, hashed


def _progress_counter(progress: Callable[[int, int], None] | None, total: int) -> Callable[[int], None] | None:
    """A thread-safe ``tick(n)`` that adds ``n`` bytes and reports ``progress(done, total)``, one call at a time."""
    if progress is None:
        return None
    lock = threading.Lock()
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        with lock:
            done += n
            progress(done, max(total, done))

    return tick


def _new_hasher(algorithm: str) -> hashlib._Hash:
    """A hash object for a manifest algorithm (checksums for integrity, not for security)."""
    return hashlib.new(algorithm, usedforsecurity=False)


def _chunks(
    stream: IO[bytes], next_view: Callable[[], memoryview], limit: int | None = None
) -> Iterator[memoryview]:
    """Read ``stream`` into buffers from ``next_view``, yielding each filled part (never a whole file).

    Reads to the end, or at most ``limit`` bytes when given (a file that keeps growing is not followed forever).
    """
    left = limit
    while left is None or left > 0:
        view = next_view()
        if left is not None and left < len(view):
            view = view[:left]
        n = stream.readinto(view)  # type: ignore[attr-defined]
        if not n:
            return
        if left is not None:
            left -= n
        yield view[:n]


def _hash_one(
    source: CrateSource,
    name: str,
    algorithms: tuple[str, ...],
    lock: threading.Lock,
    view: memoryview,
    tick: Callable[[int], None] | None = None,
) -> tuple[dict[str, str] | None, int, str | None]:
    """Stream one file through every algorithm; return (digests, bytes read, None) or (None, bytes, error)."""
    hashers = [_new_hasher(a) for a in algorithms]
    size = 0
    try:
        with lock:
            stream = source.open_in_bag(name)
        try:
            for chunk in _chunks(stream, lambda: view):
                size += len(chunk)
                for hasher in hashers:
                    hasher.update(chunk)
                if tick is not None:
                    tick(len(chunk))
        finally:
            with lock:
                stream.close()
    except CrateReadError as exc:
        return None, size, exc.message
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error) as exc:
        # a damaged, truncated or encrypted member is bag content, reported as data
        return None, size, f"{type(exc).__name__}: {exc}"
    return {a: h.hexdigest() for a, h in zip(algorithms, hashers, strict=True)}, size, None


# --- writing -----------------------------------------------------------------------------------------------

WRITE_VERSION = "1.0"
"""The BagIt version this library writes."""

WRITE_ALGORITHM = "sha512"
"""The manifest algorithm this library writes: the profile requires SHA-512 payload and tag manifests."""

PAYLOAD_MANIFEST = f"manifest-{WRITE_ALGORITHM}.txt"
TAG_MANIFEST = f"tagmanifest-{WRITE_ALGORITHM}.txt"

RING_SIZE = 8
"""Chunk buffers per hashing lane of a :class:`PayloadCopier`: the reader can run this far ahead of the hashers."""

HASH_LANES = max(1, min(4, os.cpu_count() or 1))
"""Hashing threads of a :class:`PayloadCopier` by default: one per CPU, at most four (memory: 8 MiB each)."""


def encode_manifest_path(path: str) -> str:
    """A bag-relative path as a manifest writes it: ``%``, CR and LF percent-encoded (RFC 8493 section 2.1.3).

    The reader decodes exactly these three, so any name round-trips; ``%`` goes first so it is not re-encoded.
    """
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


@dataclass(frozen=True, slots=True)
class BagMetadata:
    """What :func:`tag_files` writes to ``bag-info.txt``: identifier, bagging date and the Payload-Oxum counts."""

    external_identifier: str
    bagging_date: date
    payload_bytes: int
    payload_files: int


def declaration_text() -> bytes:
    """``bagit.txt`` for BagIt 1.0 with UTF-8 tag files, exactly as RFC 8493 section 2.1.1 spells it."""
    return f"BagIt-Version: {WRITE_VERSION}\nTag-File-Character-Encoding: UTF-8\n".encode()


def bag_info_text(metadata: BagMetadata) -> bytes:
    """``bag-info.txt``: External-Identifier, Bagging-Date (``YYYY-MM-DD``) and Payload-Oxum, in that order.

    Raises :class:`~fivesafes_crate.errors.UsageError` for an identifier that is empty or spans lines (it
    would corrupt the tag file).
    """
    identifier = metadata.external_identifier
    if not identifier.strip() or identifier != identifier.strip() or not identifier.isprintable():
        raise UsageError(
            f"External-Identifier {identifier!r} must be one line of printable text without surrounding spaces",
            path=BAG_INFO_FILE,
        )
    return (
        f"External-Identifier: {identifier}\n"
        f"Bagging-Date: {metadata.bagging_date.isoformat()}\n"
        f"Payload-Oxum: {metadata.payload_bytes}.{metadata.payload_files}\n"
    ).encode()


def manifest_text(digests: Mapping[str, str]) -> bytes:
    """A manifest: one ``<checksum>  <path>`` line per bag-relative path, sorted by path, paths encoded."""
    return "".join(f"{digests[name]}  {encode_manifest_path(name)}\n" for name in sorted(digests)).encode()


def tag_files(
    metadata: BagMetadata, payload_digests: Mapping[str, str], other_tag_digests: Mapping[str, str] | None = None
) -> dict[str, bytes]:
    """Every tag file of a BagIt 1.0 bag with SHA-512 manifests, by bag-relative name, sorted by name.

    ``payload_digests`` maps bag-relative payload names (``data/...``) to SHA-512 hex digests. The tag manifest
    covers ``bagit.txt``, ``bag-info.txt``, the payload manifest (never itself) and the tag files of
    ``other_tag_digests`` (bag-relative name to SHA-512), which are kept in the bag but not written here.
    """
    files = {
        DECLARATION_FILE: declaration_text(),
        BAG_INFO_FILE: bag_info_text(metadata),
        PAYLOAD_MANIFEST: manifest_text(payload_digests),
    }
    tag_digests = {name: hashlib.new(WRITE_ALGORITHM, data, usedforsecurity=False).hexdigest()
                   for name, data in files.items()}
    tag_digests.update(other_tag_digests or {})
    files[TAG_MANIFEST] = manifest_text(tag_digests)
    return dict(sorted(files.items()))


class PayloadCopier:
    """Copies files to a writer while helper threads hash the same chunks, for writing bags.

    Reading and writing (for a ZIP: CRC-32 and compression) run in the calling thread, hashing in helper
    threads; hashlib, zlib and file I/O release the GIL, and every file is read once, so the checksum is of
    exactly the bytes written. Files are spread over hashing *lanes* (one thread each, :data:`HASH_LANES` by
    default): a file's chunks all go to one lane, in order, and each new file goes to the least busy lane. SHA-512
    of one file is sequential, but several files hash at once, so copying a payload of many files takes less
    time than hashing it in one thread, as verifying does. Chunks come from a ring of :data:`RING_SIZE` buffers
    of :data:`CHUNK_SIZE` bytes per lane, and a buffer is refilled only after its hash update is done, so memory
    stays bounded whatever the payload size. Use as a context manager.
    """

    def __init__(self, *, algorithm: str = WRITE_ALGORITHM, progress: Callable[[int, int], None] | None = None,
                 total: int = 0, lanes: int = HASH_LANES) -> None:
        if lanes < 1:
            raise ValueError("a PayloadCopier needs at least one hashing lane")
        self._algorithm = algorithm
        self._lanes = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"bag-write-hash-{i}")
                       for i in range(lanes)]
        self._ring = [memoryview(bytearray(CHUNK_SIZE)) for _ in range(RING_SIZE * lanes)]
        self._pending: list[tuple[int, Future[None]] | None] = [None] * len(self._ring)
        self._next = 0
        self._tick = _progress_counter(progress, total)

    def _next_slot(self) -> int:
        index = self._next
        self._next = (index + 1) % len(self._ring)
        pending = self._pending[index]
        if pending is not None:
            pending[1].result()  # the hasher is done with this buffer
            self._pending[index] = None
        return index

    def _quietest_lane(self) -> int:
        """The lane with the fewest chunks still to hash (the first of those on a tie)."""
        busy = [0] * len(self._lanes)
        for pending in self._pending:
            if pending is not None and not pending[1].done():
                busy[pending[0]] += 1
        return busy.index(min(busy))

    def copy(
        self, stream: IO[bytes], write: Callable[[memoryview], object], *, limit: int | None = None
    ) -> tuple[Future[str], int]:
        """Stream ``stream`` to ``write`` chunk by chunk; return the hex digest (a future) and the bytes copied.

        At most ``limit`` bytes are copied when given: pass the expected size plus one to detect, and not
        follow, a file that grows while it is copied.
        """
        hasher = _new_hasher(self._algorithm)
        lane_index = self._quietest_lane()
        lane = self._lanes[lane_index]
        size = 0
        slot = 0

        def next_view() -> memoryview:
            nonlocal slot
            slot = self._next_slot()
            return self._ring[slot]

        for chunk in _chunks(stream, next_view, limit):
            self._pending[slot] = (lane_index, lane.submit(hasher.update, chunk))
            write(chunk)
            size += len(chunk)
            if self._tick is not None:
                self._tick(len(chunk))
        return lane.submit(hasher.hexdigest), size

    def close(self) -> None:
        """Wait for pending hashing and stop the helper threads."""
        for lane in self._lanes:
            lane.shutdown(wait=True)

    def __enter__(self) -> PayloadCopier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
