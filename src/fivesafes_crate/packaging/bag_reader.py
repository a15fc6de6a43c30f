"""Reading a BagIt bag's tag files (RFC 8493) offline, on any :class:`~fivesafes_crate.model.source.CrateSource`.

:func:`read_bag` parses ``bagit.txt``, ``bag-info.txt``, the manifests and ``fetch.txt`` without hashing;
:func:`~.bag_verifier.verify_bag` builds on it. The reader is tolerant: it accepts every bag of the Library of
Congress conformance suite that the suite calls valid (BagIt 0.93 to 1.0), and turns everything else into
:class:`~.bag_problems.BagProblem` values rather than exceptions, so that a validator can report *each* broken
file. Only a container that cannot be read at all raises :class:`~fivesafes_crate.errors.CrateReadError`.

Decisions where the RFC, the conformance suite and real bags meet:

* Labels in ``bagit.txt`` are case-sensitive in the RFC, but the official Five Safes example bags write
  ``BagIt-version``. Such a label is accepted and reported as :attr:`ProblemKind.DECLARATION_CASE` (SHOULD).
* A byte-order mark in ``bagit.txt``, whitespace before its colon (BagIt 1.0), a missing
  ``Tag-File-Character-Encoding`` line or a version that is not ``M.N`` make the declaration invalid.
* Manifest paths are percent-decoded for ``%0A``, ``%0D`` and ``%25`` only (BagIt 0.97 and later); any other
  ``%xx`` is literal, as in the suite's ``bag-with-encoded-names``. A leading ``./`` or an md5sum-style ``*``
  is accepted with a SHOULD-level problem.
* Paths that are absolute, contain ``..``, backslashes, drive letters or start with ``~`` are never looked up;
  they are reported as unsafe on every platform (a crate checked on Linux may be unpacked on Windows).
* ``fetch.txt`` is parsed and checked but never fetched: nothing is downloaded.

The names of a bag's files (``bagit.txt``, ``data/``, ``signatures/``...) have their one home here.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import CrateReadError
from ..model.safe_files import new_hasher
from ..model.source import CrateSource, Entry, EntryKind, unsafe_name_reason
from ..model.vocab import uri_scheme
from .bag_problems import BagProblem, ProblemKind

DECLARATION_FILE = "bagit.txt"
BAG_INFO_FILE = "bag-info.txt"
LEGACY_BAG_INFO_FILE = "package-info.txt"
FETCH_FILE = "fetch.txt"
PAYLOAD_PREFIX = "data/"
SIGNATURE_DIR = "signatures"
"""The tag directory holding crate signatures (:mod:`fivesafes_crate.signing`); kept and listed like any tag file."""

SUPPORTED_ALGORITHMS: tuple[str, ...] = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
"""Manifest algorithms this reader verifies (the RFC names md5, sha1, sha256 and sha512; the suite uses sha224)."""

_MANIFEST_NAME = re.compile(r"^(tag)?manifest-([A-Za-z0-9]+)\.txt$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PERCENT = re.compile(r"%(0[AaDd]|25)")
_VERSION = re.compile(r"^(\d+)\.(\d+)$")
_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_DECLARATION_LABELS = {"bagit-version": "BagIt-Version", "tag-file-character-encoding": "Tag-File-Character-Encoding"}

OXUM = re.compile(r"^(\d+)\.(\d+)$")
"""A ``Payload-Oxum`` value: ``<octets>.<files>``."""


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
        raise CrateReadError("not a BagIt bag (no bagit.txt)", path=source.label)
    return read_tag_files(source, source.bag_entries())


def read_tag_files(source: CrateSource, entries: Mapping[str, Entry]) -> BagInfo:
    """:func:`read_bag` on the bag entries ``entries`` already listed from ``source``."""
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
            codec = codecs.lookup(encoding_text)
        except LookupError:
            bad(f"bagit.txt declares unknown Tag-File-Character-Encoding {encoding_text!r}; UTF-8 is assumed")
        else:
            if _is_text_encoding(codec):
                encoding = encoding_text
            else:
                bad(f"bagit.txt declares Tag-File-Character-Encoding {encoding_text!r}, which is not a character "
                    "encoding (of text); UTF-8 is assumed")
    if at_least_1_0:
        if version_spaced or encoding_spaced:
            bad("bagit.txt must write each line as 'Label: value' with one space after the colon and no other")
        if order and order != ["BagIt-Version", "Tag-File-Character-Encoding"][: len(order)]:
            bad("bagit.txt must list BagIt-Version before Tag-File-Character-Encoding")
    return BagDeclaration(version_text, version_number, encoding)


def _is_text_encoding(codec: codecs.CodecInfo) -> bool:
    """True for a codec that decodes bytes to text: not a bytes-to-bytes transform (``zlib``, ``bz2_codec``,
    ``base64``), text-to-text (``rot13``) or ``undefined``, which Python's codec registry holds beside them."""
    if not getattr(codec, "_is_text_encoding", True):
        return False
    try:
        return isinstance(codec.decode(b"")[0], str)
    except (UnicodeError, TypeError, ValueError):
        return False


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
        if not OXUM.match(value):
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
    length = new_hasher(algorithm).digest_size * 2 if algorithm in SUPPORTED_ALGORITHMS else None
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


__all__ = [
    "BAG_INFO_FILE",
    "DECLARATION_FILE",
    "FETCH_FILE",
    "LEGACY_BAG_INFO_FILE",
    "OXUM",
    "PAYLOAD_PREFIX",
    "SIGNATURE_DIR",
    "SUPPORTED_ALGORITHMS",
    "BagDeclaration",
    "BagInfo",
    "FetchEntry",
    "Manifest",
    "ManifestEntry",
    "read_bag",
    "read_tag_files",
]
