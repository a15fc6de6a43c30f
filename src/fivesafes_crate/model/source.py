"""Opening a crate safely: a directory, its metadata file, a BagIt directory, or a ZIP of either.

Every byte the library reads from user input goes through :class:`CrateSource`. It never follows a symbolic
link, never resolves a name outside its container, reads ZIP members in place (no extraction) and enforces
:class:`Limits`. Problems with the container that still leave it readable (a ZIP with two top-level entries,
an entry with a ``..`` name, a suspicious compression ratio) are recorded as ``findings`` for the validator to
report; inputs that cannot be opened at all raise :class:`~fivesafes_crate.errors.CrateReadError`.

Names inside a source are POSIX paths relative to the container (``bag/data/input1.txt``); the crate root and
the bag root are prefixes of those names.
"""

from __future__ import annotations

import enum
import os
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

from ..errors import CrateReadError, UnsafeInputError
from ..issues import Issue, Severity
from .safe_files import NotRegularFile, open_regular
from .zip_structure import quoted_name, refuse_ambiguous_layout

METADATA_FILE = "ro-crate-metadata.json"
BAG_DECLARATION = "bagit.txt"
PAYLOAD_DIR = "data"
WEBSITE_FILE = "ro-crate-preview.html"
WEBSITE_FOLDER = "ro-crate-preview_files"
"""The RO-Crate Website: no part of the payload, it SHOULD NOT be listed in ``hasPart`` (RO-Crate 1.2)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits applied to untrusted input; the defaults suit crates of a few GiB.

    ``max_ratio`` is the largest compression ratio accepted for a ZIP member of at least
    ``ratio_min_bytes`` uncompressed bytes (legitimate text compresses about 5-50 times, zip bombs 1000 times).
    ``max_path_depth`` is the most folders a ZIP member name may nest (a deeper name could not be unpacked on
    any file system, whose paths end at a few thousand bytes). ``max_json_array_items`` bounds one array of the
    metadata (a ``hasPart`` listing every file of a crate at ``max_entries`` fits) and ``max_json_values`` all
    of its values together, so that interpreting an accepted document stays within seconds and memory.
    """

    max_metadata_bytes: int = 64 * 1024 * 1024
    max_json_depth: int = 128
    max_entries: int = 100_000
    max_total_bytes: int = 64 * 1024**3
    max_ratio: float = 200.0
    ratio_min_bytes: int = 1024 * 1024
    max_tag_file_bytes: int = 64 * 1024 * 1024
    max_path_depth: int = 128
    max_json_array_items: int = 200_000
    max_json_values: int = 2_000_000


DEFAULT_LIMITS = Limits()


class EntryKind(enum.Enum):
    """What a name in a container is; only files and directories are ever read."""

    FILE = "file"
    DIRECTORY = "directory"
    SYMLINK = "symlink"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """Which file on disk, in which state: equal identities mean the same bytes, so a digest can be reused.

    A write changes the modification time and the inode change time (which no user can set back), a rename or
    copy the inode; a hard link keeps all of them, so the linked working copy of a step is known to hold the
    bytes hashed when its original was verified.
    """

    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileIdentity:
        """The identity an ``lstat``/``fstat`` result gives."""
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


@dataclass(frozen=True, slots=True)
class Entry:
    """One name in a container, with its uncompressed size (and compressed size for ZIP members).

    ``identity`` is set for the regular files of a folder walk (:class:`FileIdentity`), else None.
    """

    name: str
    kind: EntryKind
    size: int = 0
    compressed_size: int | None = None
    identity: FileIdentity | None = None


class Storage(Protocol):
    """Read-only access to the names of one container (a folder tree or a ZIP file)."""

    def entries(self) -> Mapping[str, Entry]:
        """Every safe name in the container, files and directories (no trailing slash)."""
        ...

    def lookup(self, name: str) -> Entry | None:
        """One name's entry without listing the whole container (None when absent or unsafe)."""
        ...

    def open(self, name: str) -> IO[bytes]:
        """Open a file entry for streaming reads."""
        ...

    def close(self) -> None:
        """Release the container."""
        ...


_NAME_LINE_BREAKS = frozenset("\n\r")
"""The control characters a name may hold: BagIt manifests percent-encode exactly these."""


def unsafe_name_reason(name: str) -> str | None:
    """Why ``name`` (a container member or manifest path) may not be used, or None when it is safe.

    Rejects absolute paths, drive letters, backslashes, ``.``/``..`` segments, empty segments and control
    characters, so that no name can resolve outside its container on any platform. Line feed and carriage
    return are the exceptions: POSIX file systems allow them, RFC 8493 percent-encodes them in manifests
    (``%0A``, ``%0D``) so that such names round-trip through a bag, and reports show them escaped
    (:func:`~fivesafes_crate.untrusted.printable`). A platform that cannot store them refuses to create
    the file, which is reported like any other write error.
    """
    if (name.isprintable() and name[:1] not in ("", "/") and name[1:2] != ":" and name[-1:] != "/"
            and "\\" not in name and "//" not in name and "/." not in f"/{name}"):
        return None  # the common case at a glance: no segment is empty or starts with a dot
    return _unsafe_segments_reason(name)


def _unsafe_segments_reason(name: str) -> str | None:
    """:func:`unsafe_name_reason` by its full rules, character by character and segment by segment."""
    if not name:
        return "empty name"
    if not name.isprintable() and any(unicodedata.category(c) == "Cc" and c not in _NAME_LINE_BREAKS for c in name):
        return "control character in name"
    if "\\" in name:
        return "backslash in name"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    parts = name.rstrip("/").split("/")
    if any(part == ".." for part in parts):
        return "'..' segment"
    if any(part in ("", ".") for part in parts):
        return "empty or '.' segment"
    return None


class DirectoryStorage:
    """A folder tree, walked without following symbolic links."""

    def __init__(self, root: Path, limits: Limits) -> None:
        self.root = root
        self._limits = limits
        self._entries: dict[str, Entry] | None = None

    def entries(self) -> Mapping[str, Entry]:
        if self._entries is None:
            self._entries = self._walk()
        return self._entries

    def _walk(self) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        stack: list[tuple[Path, str]] = [(self.root, "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                with os.scandir(folder) as listing:
                    items = sorted(listing, key=lambda item: item.name)
            except OSError as exc:
                raise CrateReadError(f"cannot list folder: {exc.strerror}", path=prefix or ".") from exc
            for item in items:
                name = f"{prefix}{item.name}"
                if len(found) >= self._limits.max_entries:
                    raise UnsafeInputError(
                        f"more than {self._limits.max_entries} files and folders", path=str(self.root)
                    )
                info = item.stat(follow_symlinks=False)
                if stat.S_ISLNK(info.st_mode):
                    found[name] = Entry(name, EntryKind.SYMLINK)
                elif stat.S_ISDIR(info.st_mode):
                    found[name] = Entry(name, EntryKind.DIRECTORY)
                    stack.append((Path(item.path), f"{name}/"))
                elif stat.S_ISREG(info.st_mode):
                    found[name] = Entry(name, EntryKind.FILE, info.st_size, identity=FileIdentity.of(info))
                else:
                    found[name] = Entry(name, EntryKind.OTHER)
        return found

    def lookup(self, name: str) -> Entry | None:
        """Check one path component by component with ``lstat``, so a linked folder on the way is seen."""
        if unsafe_name_reason(name):
            return None
        current = self.root
        parts = name.split("/")
        for index, part in enumerate(parts):
            current = current / part
            try:
                info = current.lstat()
            except OSError:
                return None
            if stat.S_ISLNK(info.st_mode):
                return Entry("/".join(parts[: index + 1]), EntryKind.SYMLINK)
            last = index == len(parts) - 1
            if not last and not stat.S_ISDIR(info.st_mode):
                return None
        if stat.S_ISDIR(info.st_mode):
            return Entry(name, EntryKind.DIRECTORY)
        if stat.S_ISREG(info.st_mode):
            return Entry(name, EntryKind.FILE, info.st_size)
        return Entry(name, EntryKind.OTHER)

    def open(self, name: str) -> IO[bytes]:
        entry = self.lookup(name)
        if entry is None or entry.kind is not EntryKind.FILE:
            raise CrateReadError("not a regular file in the crate", path=name)
        try:
            return open_regular(self.root / name)
        except NotRegularFile:
            raise CrateReadError("not a regular file in the crate", path=name) from None
        except OSError as exc:
            raise CrateReadError(f"cannot open: {exc.strerror}", path=name) from exc

    def close(self) -> None:
        """Nothing to release for a folder."""


class ZipStorage:
    """A ZIP file read in place. Unsafe or duplicate member names are findings and are never readable."""

    def __init__(self, path: Path, limits: Limits) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise CrateReadError(f"not a readable ZIP archive ({exc})", path=str(path)) from exc
        try:
            refuse_ambiguous_layout(self._zip.fp, infos, str(path))  # type: ignore[arg-type]
        except BaseException:
            self._zip.close()
            raise
        self.findings: list[Issue] = []
        if len(infos) > limits.max_entries:
            self._zip.close()
            raise UnsafeInputError(
                f"ZIP has {len(infos)} entries, more than the limit of {limits.max_entries}", path=str(path)
            )
        self._entries: dict[str, Entry] = {}
        self._infos: dict[str, zipfile.ZipInfo] = {}
        seen_folded: dict[str, str] = {}
        total = 0
        for info in infos:
            raw = info.filename
            name = raw.rstrip("/")
            reason = unsafe_name_reason(raw if not info.is_dir() else name)
            if reason is None and name.count("/") >= limits.max_path_depth:
                reason = f"nested deeper than {limits.max_path_depth} folders"
            if reason:
                self.findings.append(_zip_issue("zip.entry-name", f"ZIP entry {quoted_name(raw)} refused: {reason}"))
                continue
            folded = unicodedata.normalize("NFC", name).casefold()
            if name in self._entries or folded in seen_folded:
                self.findings.append(
                    _zip_issue(
                        "zip.entry-name", f"ZIP entry {quoted_name(raw)} duplicates or collides with another entry"
                    )
                )
                continue
            seen_folded[folded] = name
            file_type = stat.S_IFMT(info.external_attr >> 16)  # 0 when the writer recorded no Unix type
            if file_type == stat.S_IFLNK:
                kind = EntryKind.SYMLINK
            elif info.is_dir():
                kind = EntryKind.DIRECTORY
            elif file_type not in (0, stat.S_IFREG):
                kind = EntryKind.OTHER
            else:
                kind = EntryKind.FILE
            if kind is EntryKind.FILE:
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size >= limits.ratio_min_bytes and ratio > limits.max_ratio:
                    self.findings.append(
                        _zip_issue(
                            "zip.limits",
                            f"ZIP entry {quoted_name(raw)} expands {ratio:.0f} times (limit {limits.max_ratio:.0f}): "
                            "refused as a possible zip bomb",
                        )
                    )
                    continue
            self._entries[name] = Entry(name, kind, info.file_size, info.compress_size)
            self._infos[name] = info
            self._add_parents(name)
        # Members refused one by one above are never read; the rest must not add up to a bomb either.
        accepted = [info for info in self._infos.values() if not info.is_dir()]
        expanded, compressed = sum(i.file_size for i in accepted), sum(i.compress_size for i in accepted)
        if expanded >= limits.ratio_min_bytes and expanded / max(compressed, 1) > limits.max_ratio:
            self._zip.close()
            raise UnsafeInputError(
                f"ZIP expands {expanded / max(compressed, 1):.0f} times overall (limit {limits.max_ratio:.0f}): "
                "refused as a possible zip bomb",
                path=str(path),
            )
        if total > limits.max_total_bytes:
            self._zip.close()
            raise UnsafeInputError(
                f"ZIP declares {total} uncompressed bytes, more than the limit of {limits.max_total_bytes}",
                path=str(path),
            )

    def _add_parents(self, name: str) -> None:
        parent = PurePosixPath(name).parent
        while str(parent) != ".":
            key = str(parent)
            if key not in self._entries:
                self._entries[key] = Entry(key, EntryKind.DIRECTORY)
            parent = parent.parent

    def entries(self) -> Mapping[str, Entry]:
        return self._entries

    def lookup(self, name: str) -> Entry | None:
        return self._entries.get(name)

    def open(self, name: str) -> IO[bytes]:
        info = self._infos.get(name)
        entry = self._entries.get(name)
        if info is None or entry is None or entry.kind is not EntryKind.FILE:
            raise CrateReadError("not a regular file in the ZIP", path=name)
        try:
            return self._zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise CrateReadError(f"cannot read ZIP entry ({exc})", path=name) from exc

    def close(self) -> None:
        self._zip.close()


def _zip_issue(check: str, message: str) -> Issue:
    return Issue(Severity.MUST, check, message)


class SourceKind(enum.Enum):
    """How the crate was given."""

    DIRECTORY = "directory"
    METADATA_FILE = "metadata-file"
    BAG_DIRECTORY = "bag-directory"
    BAG_ZIP = "bag-zip"
    CRATE_ZIP = "crate-zip"


@dataclass
class CrateSource:
    """An opened crate: its storage, where the crate root and bag root lie in it, and container findings.

    ``crate_prefix`` is ``""`` or a name ending in ``/`` (``bag/data/``); ``bag_prefix`` is None when the input
    is not a bag. Use :meth:`crate_entries` and :meth:`bag_entries` for names relative to those roots.
    """

    path: Path
    kind: SourceKind
    storage: Storage
    crate_prefix: str
    bag_prefix: str | None
    limits: Limits
    findings: list[Issue] = field(default_factory=list)
    derived: dict[str, object] = field(default_factory=dict, repr=False)
    """Results computed from the opened content (the BagIt verification), kept so that nothing reads it twice."""
    given: str = ""
    """The input as the user gave it (``os.fspath`` of the path opened); empty: ``path``."""

    @property
    def label(self) -> str:
        """The input as the user gave it (``fresh.zip``, ``notcrate.json``): how messages name the crate."""
        return self.given or os.fspath(self.path)

    def named(self, name: str) -> str:
        """How messages name a crate-relative file of this input, so that the user can find it.

        The metadata file given itself (``notcrate.json``), a file in the folder given (``req/x.csv``,
        ``bag/data/x.csv``), or a member of the ZIP given, after the ZIP's name as Python names modules in ZIPs
        (``bag.zip/bag/data/x.csv``).
        """
        if self.kind is SourceKind.METADATA_FILE:
            return self.label if name == METADATA_FILE else os.path.join(os.path.dirname(self.label), name)
        if self.is_zip:
            return f"{self.label}/{self.crate_prefix}{name}"
        return os.path.join(self.label, *(self.crate_prefix + name).split("/"))

    @property
    def is_bag(self) -> bool:
        """True for a BagIt directory or a ZIP holding a bag."""
        return self.bag_prefix is not None

    @property
    def is_zip(self) -> bool:
        """True when the input is a ZIP archive."""
        return self.kind in (SourceKind.BAG_ZIP, SourceKind.CRATE_ZIP)

    def crate_entries(self) -> dict[str, Entry]:
        """Entries below the crate root, keyed by crate-relative name."""
        return _below(self.storage.entries(), self.crate_prefix)

    def bag_entries(self) -> dict[str, Entry]:
        """Entries below the bag root keyed by bag-relative name (empty when not a bag)."""
        if self.bag_prefix is None:
            return {}
        return _below(self.storage.entries(), self.bag_prefix)

    def crate_entry(self, name: str) -> Entry | None:
        """The entry at a crate-relative name (a linked component shows as SYMLINK), None when absent."""
        return self.storage.lookup(self.crate_prefix + name.rstrip("/"))

    def open_in_crate(self, name: str) -> IO[bytes]:
        """Stream a file by crate-relative name."""
        return self.storage.open(self.crate_prefix + name)

    def open_in_bag(self, name: str) -> IO[bytes]:
        """Stream a file by bag-relative name."""
        if self.bag_prefix is None:
            raise CrateReadError("not a bag", path=name)
        return self.storage.open(self.bag_prefix + name)

    def read_in_bag(self, name: str, limit: int) -> bytes:
        """Read a whole tag file by bag-relative name, refusing files larger than ``limit``."""
        with self.open_in_bag(name) as stream:
            return _read_limited(stream, limit, name)

    def read_metadata(self) -> bytes:
        """The bytes of ``ro-crate-metadata.json``, refusing files above the metadata size limit."""
        entry = self.crate_entry(METADATA_FILE)
        if entry is None or entry.kind is not EntryKind.FILE:
            raise CrateReadError(f"{METADATA_FILE} is missing or not a regular file", path=self.label)
        if entry.size > self.limits.max_metadata_bytes:
            raise TooLargeError(f"larger than the limit of {self.limits.max_metadata_bytes} bytes",
                                path=self.named(METADATA_FILE))
        with self.open_in_crate(METADATA_FILE) as stream:
            return _read_limited(stream, self.limits.max_metadata_bytes, self.named(METADATA_FILE))

    def close(self) -> None:
        """Release the underlying container."""
        self.storage.close()

    def __enter__(self) -> CrateSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TooLargeError(CrateReadError):
    """A file is larger than the limit that applies to it."""


def _read_limited(stream: IO[bytes], limit: int, name: str) -> bytes:
    """Read a whole file in chunks, refusing it as soon as it passes ``limit`` (sizes on disk can lie)."""
    chunks: list[bytes] = []
    total = 0
    while chunk := _read_member(stream, min(1024 * 1024, limit + 1 - total), name):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise TooLargeError(f"larger than the limit of {limit} bytes", path=name)
    return b"".join(chunks)


def _read_member(stream: IO[bytes], size: int, name: str) -> bytes:
    """Read up to ``size`` bytes; a damaged ZIP member (bad CRC-32, broken deflate data) is a CrateReadError."""
    try:
        return stream.read(size)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        raise CrateReadError(f"damaged or unreadable ({exc})", path=name) from exc


def _below(entries: Mapping[str, Entry], prefix: str) -> dict[str, Entry]:
    if not prefix:
        return dict(entries)
    size = len(prefix)
    return {
        name[size:]: Entry(name[size:], entry.kind, entry.size, entry.compressed_size, entry.identity)
        for name, entry in entries.items()
        if name.startswith(prefix) and len(name) > size
    }


def iter_files(entries: Mapping[str, Entry]) -> Iterator[Entry]:
    """The regular files among ``entries``, sorted by name."""
    for name in sorted(entries):
        if entries[name].kind is EntryKind.FILE:
            yield entries[name]


def open_source(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> CrateSource:
    """Open a crate from any of the supported forms, detecting which one ``path`` is.

    Accepted: a crate directory (holding ``ro-crate-metadata.json``), the metadata file itself, a BagIt
    directory (``bagit.txt`` and ``data/``), a ZIP holding one top-level bag directory (the profile's transfer
    form), or a ZIP with a crate or a bag at its root. Raises :class:`CrateReadError` when none applies.
    """
    given = Path(path)
    display = os.fspath(path)
    if given.is_symlink():
        raise CrateReadError("is a symbolic link; give the real path", path=display)
    if given.is_dir():
        storage = DirectoryStorage(given, limits)
        if storage.lookup(BAG_DECLARATION) is not None:
            return CrateSource(given, SourceKind.BAG_DIRECTORY, storage, f"{PAYLOAD_DIR}/", "", limits, given=display)
        if storage.lookup(METADATA_FILE) is not None:
            return CrateSource(given, SourceKind.DIRECTORY, storage, "", None, limits, given=display)
        raise CrateReadError(f"folder holds neither {BAG_DECLARATION} nor {METADATA_FILE}", path=display)
    if not given.exists():
        raise CrateReadError("no such file or folder", path=display)
    if not given.is_file():
        raise CrateReadError("not a regular file or folder", path=display)
    if zipfile.is_zipfile(given):
        source = _open_zip(given, limits)
        source.given = display
        return source
    if given.name != METADATA_FILE and given.suffix.lower() not in (".json", ".jsonld"):
        raise CrateReadError("neither a ZIP archive, a crate folder nor a metadata file", path=display)
    folder = given.parent
    storage = DirectoryStorage(folder, limits)
    source = CrateSource(folder, SourceKind.METADATA_FILE, storage, "", None, limits, given=display)
    if given.name != METADATA_FILE:
        source.storage = _RenamedMetadata(storage, given.name)
    return source


class _RenamedMetadata:
    """Serves a metadata file given under another name as ``ro-crate-metadata.json``."""

    def __init__(self, inner: DirectoryStorage, real_name: str) -> None:
        self._inner = inner
        self._real = real_name

    def entries(self) -> Mapping[str, Entry]:
        found = dict(self._inner.entries())
        real = found.get(self._real)
        if real is not None:
            found[METADATA_FILE] = Entry(METADATA_FILE, real.kind, real.size)
        return found

    def lookup(self, name: str) -> Entry | None:
        if name == METADATA_FILE:
            real = self._inner.lookup(self._real)
            return Entry(METADATA_FILE, real.kind, real.size) if real else None
        return self._inner.lookup(name)

    def open(self, name: str) -> IO[bytes]:
        return self._inner.open(self._real if name == METADATA_FILE else name)

    def close(self) -> None:
        self._inner.close()


def _open_zip(path: Path, limits: Limits) -> CrateSource:
    storage = ZipStorage(path, limits)
    names = storage.entries()
    top = sorted({name.split("/", 1)[0] for name in names})
    findings = list(storage.findings)
    if BAG_DECLARATION in names:
        findings.append(
            _zip_issue("zip.single-top-level", "the bag lies at the ZIP root instead of in one top-level folder")
        )
        return CrateSource(path, SourceKind.BAG_ZIP, storage, f"{PAYLOAD_DIR}/", "", limits, findings)
    bag_dirs = [t for t in top if f"{t}/{BAG_DECLARATION}" in names]
    if bag_dirs:
        bag = bag_dirs[0]
        if len(top) > 1:
            others = _listing([t for t in top if t != bag])
            findings.append(
                _zip_issue(
                    "zip.single-top-level",
                    f"the ZIP must hold only the bag folder {bag!r} at top level; it also holds {others}",
                )
            )
        return CrateSource(path, SourceKind.BAG_ZIP, storage, f"{bag}/{PAYLOAD_DIR}/", f"{bag}/", limits, findings)
    if METADATA_FILE in names:
        return CrateSource(path, SourceKind.CRATE_ZIP, storage, "", None, limits, findings)
    storage.close()
    if findings:  # the crate's own files were refused: say why instead of "not found"
        raise UnsafeInputError(findings[0].message, path=str(path))
    raise CrateReadError(
        f"ZIP holds no bag folder (with {BAG_DECLARATION}) and no {METADATA_FILE} at its root; "
        f"its top-level entries: {_listing(top)}",
        path=str(path),
    )


def _listing(names: list[str], limit: int = 10) -> str:
    """Names for a message: quoted (``repr`` escapes control characters), at most ``limit``, then a count."""
    if not names:
        return "none"
    shown = ", ".join(repr(name) for name in names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
