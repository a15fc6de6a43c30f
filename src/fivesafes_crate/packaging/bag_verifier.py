"""Verifying a BagIt bag: every manifest entry hashed, every payload file accounted for (:func:`verify_bag`).

Builds on :func:`~.bag_reader.read_tag_files` and hashes with :func:`~.hashing.hash_bag_files`. Problems are
data (:class:`~.bag_problems.BagProblem`), one per file where they concern a file. Decisions:

* A name that matches a payload file only after Unicode normalisation or case folding is accepted with a
  SHOULD-level problem (the suite's warning cases).
* A file listed twice in one manifest is a warning before BagIt 1.0 when both lines agree and invalid otherwise.
* A manifest entry whose file is absent but listed in ``fetch.txt`` is :attr:`ProblemKind.FETCH_PENDING` (the
  bag is incomplete), not missing: nothing is downloaded.
* Operating-system junk files (``.DS_Store``, ``Thumbs.db``...) in the payload are a SHOULD-level problem; such
  a file listed but absent (tools often strip them) is a warning rather than a missing file.
* What the ZIP around the bag breaks (:attr:`ProblemKind.CONTAINER`) comes first: such members are never read.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..errors import CrateReadError
from ..issues import Severity
from ..model.safe_files import new_hasher
from ..model.source import CrateSource, Entry, EntryKind
from .bag_problems import BagProblem, ProblemKind
from .bag_reader import (
    BAG_INFO_FILE,
    OXUM,
    PAYLOAD_PREFIX,
    SUPPORTED_ALGORITHMS,
    BagInfo,
    ManifestEntry,
    read_tag_files,
)
from .hashing import FileDigests, KnownDigests, hash_bag_files, known_digests

SYSTEM_FILE_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "Desktop.ini", "ehthumbs.db"})
"""Operating-system metadata files that should not travel in a payload (they can also leak folder listings)."""


BAG_CHECKED = (
    "the bag's tag files (bagit.txt, bag-info.txt, manifests)",
    "every payload and tag file against every manifest",
)
"""What a bag verification covers, in the words reports show (``checked``)."""

METADATA_NOT_CHECKED = "the crate's metadata (its JSON and the Five Safes profile): run fivesafes validate"
SIGNATURES_NOT_CHECKED = "who signed the bag: run fivesafes verify --trust"
BAG_NOT_CHECKED = (METADATA_NOT_CHECKED, SIGNATURES_NOT_CHECKED)
"""What a bag verification does not cover (``not checked``): an intact bag may still hold no valid crate."""


@dataclass(frozen=True, slots=True)
class BagVerification:
    """The outcome of :func:`verify_bag`: the parsed bag, every problem, and what was hashed.

    ``valid`` is True when no problem is at MUST level (RFC 8493 validity, plus the tolerances documented in
    this module). ``files_checked`` counts files hashed; ``bytes_hashed`` the bytes read to hash them;
    ``known`` keeps their digests for reuse.
    ``checked`` and ``not_checked`` say what this verdict covers and what it does not.
    """

    info: BagInfo
    problems: tuple[BagProblem, ...]
    files_checked: int
    bytes_hashed: int
    payload_files: int
    payload_bytes: int
    known: KnownDigests = field(default_factory=lambda: MappingProxyType({}))
    """The digests of the folder's files hashed, by file identity: what a step that then rewrites the
    manifests of the same (hard-linked) files reuses instead of reading them again (``refresh_bag``)."""

    @property
    def valid(self) -> bool:
        """True when no problem reaches MUST level."""
        return not any(p.severity >= Severity.MUST for p in self.problems)

    @property
    def checked(self) -> tuple[str, ...]:
        """What the verification covered."""
        return BAG_CHECKED

    @property
    def not_checked(self) -> tuple[str, ...]:
        """What it did not cover, and what to run for it: the metadata (validation) and the signatures."""
        return BAG_NOT_CHECKED

    def of(self, *kinds: ProblemKind, area: str | None = None) -> list[BagProblem]:
        """The problems of the given kinds (all when none given), optionally only for one ``area``."""
        return [p for p in self.problems if (not kinds or p.kind in kinds) and (area is None or p.area == area)]


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
    return new_hasher(algorithm).hexdigest() if algorithm in SUPPORTED_ALGORITHMS else None


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
    is the number of hashing threads (default: the CPU count, at most 8; files are handed out in batches).
    ``progress(done, total)`` is called with the bytes hashed so far and the bytes to hash (the sizes
    the container declares), after every chunk; it may be called from a hashing thread, but never from two at
    once. The result is kept on ``source``: verifying the same opened source again costs nothing. Raises
    :class:`~fivesafes_crate.errors.CrateReadError` only when ``source`` is not a bag.
    """
    if not source.is_bag:
        raise CrateReadError("not a BagIt bag (no bagit.txt)", path=source.label)
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
    info = read_tag_files(source, entries)
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

    algorithms = {name: tuple(item.digests) for name, item in expected.items()}
    results = hash_bag_files(source, entries, algorithms, workers, progress)  # each file once, all its algorithms
    checked, hashed = _collect(results, expected, problems)
    _check_oxum(info, problems, payload_files, payload_bytes, absent_system)
    return BagVerification(info, tuple(problems), checked, hashed, payload_files, payload_bytes,
                           MappingProxyType(known_digests(results)))


def _check_oxum(
    info: BagInfo,
    problems: list[BagProblem],
    files: int,
    octets: int,
    absent_system: list[tuple[str, bool]],
) -> None:
    declared = info.values("Payload-Oxum")
    match = OXUM.match(declared[0]) if declared else None
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


def _collect(
    results: Iterable[FileDigests],
    expected: Mapping[str, _Expected],
    problems: list[BagProblem],
) -> tuple[int, int]:
    checked = hashed = 0
    for result in results:
        name, digests = result.name, result.digests
        wanted = expected[name]
        hashed += result.size
        if digests is None:
            problems.append(
                BagProblem(ProblemKind.UNREADABLE, f"{name} could not be read: {result.error}", file=name,
                           area=wanted.area)
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


__all__ = ["SYSTEM_FILE_NAMES", "BagVerification", "verify_bag"]
