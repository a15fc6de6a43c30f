"""Packing a crate folder as a BagIt bag in a deterministic ZIP, and unpacking such a ZIP safely.

:func:`pack` turns a crate folder (or an existing bag folder, to re-pack it) into the profile's transfer form:
a ZIP holding exactly one top-level folder, the bag, with ``bagit.txt`` (BagIt 1.0), ``bag-info.txt``,
SHA-512 payload and tag manifests and the crate under ``data/``. :func:`unpack` extracts such a ZIP into a new
folder, refusing anything that could escape it or exhaust the disk.

Decisions:

* **Deterministic bytes.** Members are sorted by name, directory entries included; every member has the
  timestamp 1980-01-01 00:00:00, Unix permissions 0o644 (files) or 0o755 (folders), no extra fields and no
  comment. The same payload, External-Identifier and bagging date give the same ZIP, byte for byte (with the
  same zlib). Sorted names also put ``data/`` before the manifests, so each file is read once: it is hashed
  (in helper threads, see :class:`~.bag.PayloadCopier`) while it is written, and the manifests follow.
* **Compression.** Files are deflated, except files of 16 KiB or more whose first 8 KiB do not shrink by 3%
  at zlib level 1 (already compressed data: images, archives, encrypted or random bytes): those are stored.
  Deflating such data gains nothing and runs at a small fraction of hashing speed. Both methods are the
  only two the OCF ZIP container guidance allows, and the choice depends only on the bytes, so it is
  deterministic.
* **Nothing skipped, nothing guessed.** Hidden files and operating-system files are payload like any other
  (the validator warns about the latter). Symbolic links, devices and other special files, names that are
  unsafe (``..``, backslashes, control characters other than line feed and carriage return) or not UTF-8,
  and names that collide after Unicode normalisation and case folding (they would overwrite each other on
  macOS and Windows) are refused with the offending path. Line feeds and carriage returns are legal in POSIX
  names and BagIt percent-encodes them in manifests, so they are packed; unpacking them where the file system
  refuses such names fails cleanly.
* **Re-packing a bag** keeps its ``External-Identifier`` (the profile asks not to change it as the crate
  moves through a TRE) and packs ``data/`` as it is now: the old manifests are not consulted, since
  re-packing after editing the metadata is the point. A bag with tag files other than ``bagit.txt``,
  ``bag-info.txt`` and manifests (``fetch.txt``, custom tag files) is refused rather than silently dropped.
  Other ``bag-info.txt`` elements are regenerated (Bagging-Date, Payload-Oxum) or not carried over. The
  ``signatures/`` tag directory (:mod:`fivesafes_crate.signing`) is carried over byte for byte and listed in
  the new tag manifest, so that the next signature covers the earlier ones.
* **Atomic output.** Everything is written to a hidden temporary sibling of the output and renamed into place
  at the end, so an interrupted or failed run leaves no partial output. An existing output ZIP is replaced
  (atomically); an existing output folder is refused, since a folder cannot be replaced atomically.
* **Unpacking** writes the *contents* of the bag folder into ``output`` (``output/bagit.txt``,
  ``output/data/...``): the caller names the bag, and the archive's own folder name is never used as a path.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
import unicodedata
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

from ..errors import CrateReadError, FiveSafesError, UnsafeInputError, UsageError
from ..model.crate import write_atomic
from ..model.folders import sync_folder
from ..model.safe_files import FILE_MODE
from ..model.source import (
    DEFAULT_LIMITS,
    METADATA_FILE,
    CrateSource,
    DirectoryStorage,
    Entry,
    EntryKind,
    Limits,
    SourceKind,
    open_source,
    unsafe_name_reason,
)
from .bag import (
    BAG_INFO_FILE,
    CHUNK_SIZE,
    DECLARATION_FILE,
    PAYLOAD_MANIFEST,
    PAYLOAD_PREFIX,
    SIGNATURE_DIR,
    TAG_MANIFEST,
    BagMetadata,
    PayloadCopier,
    digest_files,
    read_bag,
    tag_files,
)

log = logging.getLogger(__name__)

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
"""Every member's timestamp: the earliest a ZIP can hold, so that output does not depend on the clock."""

DIR_MODE = 0o755
UNIX = 3
"""``create_system`` for Unix, so that the permission bits in ``external_attr`` are read by unzip tools."""

STORE_MIN_SIZE = 16 * 1024
STORE_SAMPLE = 8 * 1024
STORE_RATIO = 0.97
"""Files of at least ``STORE_MIN_SIZE`` whose first ``STORE_SAMPLE`` bytes deflate to more than this fraction
of their size are stored instead of deflated."""

ZIP_SUFFIX = ".zip"
BAG_SUFFIX = ".bagit"

ProgressCallback = Callable[[int, int], None]

_KEPT_TAG_FILES = frozenset({DECLARATION_FILE, BAG_INFO_FILE})
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def pack(
    crate: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    folder: bool = False,
    external_identifier: str | None = None,
    bagging_date: date | None = None,
    progress: ProgressCallback | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Path:
    """Pack a crate folder (or re-pack a bag folder) as a BagIt 1.0 bag in a deterministic ZIP, or a folder.

    ``output`` defaults to ``<crate-folder-name>.bagit.zip`` (``.bagit`` with ``folder``) next to the crate;
    the ZIP's one top-level folder is named after the output without ``.zip`` and ``.bagit``. The
    External-Identifier is the input bag's, else ``external_identifier``, else a new ``urn:uuid:``; the
    Bagging-Date is ``bagging_date``, else ``SOURCE_DATE_EPOCH`` (UTC), else today. ``progress(done, total)``
    reports payload bytes copied. ``limits.max_entries`` bounds the files and folders walked (raise it for a
    crate of more than 100,000). Returns the path written.

    Raises :class:`~fivesafes_crate.errors.CrateReadError` when the input is not a crate or bag folder or has
    no metadata file, :class:`~fivesafes_crate.errors.UnsafeInputError` for links, special files and unsafe or
    colliding names, :class:`~fivesafes_crate.errors.UsageError` for an unusable output or arguments.
    """
    given = Path(crate)
    source = _open_folder(given, limits)
    with source:
        is_bag = source.kind is SourceKind.BAG_DIRECTORY
        payload = _payload_entries(source, is_bag)
        identifier = _external_identifier(source, external_identifier) if is_bag else None
        identifier = identifier or external_identifier or f"urn:uuid:{uuid.uuid4()}"
        target = _output_path(given, output, folder)
        files = [entry for entry in payload.values() if entry.kind is EntryKind.FILE]
        metadata = BagMetadata(
            external_identifier=identifier,
            bagging_date=_bagging_date(bagging_date),
            payload_bytes=sum(entry.size for entry in files),
            payload_files=len(files),
        )
        tag_files(metadata, {})  # checks the identifier before anything is written
        signatures = _signature_entries(source) if is_bag else {}
        kept = digest_files(source, [n for n, e in signatures.items() if e.kind is EntryKind.FILE])
        writer = _write_folder if folder else _write_zip
        writer(source, payload, target, metadata, progress, signatures, kept)
    log.info("packed %s as %s", given, target)
    return target


# --- input -------------------------------------------------------------------------------------------------


def _open_folder(given: Path, limits: Limits) -> CrateSource:
    """Open the input as a crate folder or a bag folder; anything else is refused."""
    if not given.is_dir() or given.is_symlink():
        source = open_source(given, limits)  # raises for a missing path or a link, with the usual messages
        source.close()
        raise UsageError("not a folder: give the crate folder (holding ro-crate-metadata.json) or a bag folder",
                         path=given.name or str(given))
    source = open_source(given, limits)
    storage = source.storage
    if (
        source.kind is SourceKind.BAG_DIRECTORY
        and storage.lookup(PAYLOAD_PREFIX + METADATA_FILE) is None
        and storage.lookup(METADATA_FILE) is not None
    ):
        # a crate folder whose payload holds bagit.txt (a bag in the crate): the metadata file decides
        assert isinstance(storage, DirectoryStorage)
        source = CrateSource(given, SourceKind.DIRECTORY, storage, "", None, source.limits)
    return source


def _payload_entries(source: CrateSource, is_bag: bool) -> dict[str, Entry]:
    """The crate folder's files and folders by crate-relative name, sorted, after refusing what cannot be packed."""
    shown = PAYLOAD_PREFIX if is_bag else ""  # names as the user sees them in the given folder
    if is_bag:
        for name, entry in sorted(source.bag_entries().items()):
            if "/" in name:
                continue
            _refuse_special(entry, name)
            if name == PAYLOAD_PREFIX.rstrip("/") or name in _KEPT_TAG_FILES:
                continue
            if name == SIGNATURE_DIR and entry.kind is EntryKind.DIRECTORY:
                continue  # carried over by _signature_entries
            if name.endswith(".txt") and (name.startswith("manifest-") or name.startswith("tagmanifest-")):
                continue  # regenerated
            raise UsageError(
                "this tag file would not be carried over into the new bag; remove it or move it into data/",
                path=name,
            )
    entries = source.crate_entries()
    metadata = entries.get(METADATA_FILE)
    if metadata is None or metadata.kind is not EntryKind.FILE:
        if metadata is not None:
            _refuse_special(metadata, shown + METADATA_FILE)
        raise CrateReadError("the RO-Crate Metadata File is missing: this is not a crate folder",
                             path=shown + METADATA_FILE)
    folded: dict[str, str] = {}
    for name in sorted(entries):
        entry = entries[name]
        where = shown + name
        _refuse_special(entry, where)
        reason = unsafe_name_reason(name)
        if reason is not None:
            raise UnsafeInputError(f"name refused ({reason}): it would not unpack safely everywhere", path=where)
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            raise UnsafeInputError("name is not valid UTF-8", path=where.encode("utf-8", "replace").decode()) from None
        key = unicodedata.normalize("NFC", name).casefold()
        other = folded.setdefault(key, name)
        if other != name:
            raise UnsafeInputError(
                f"name collides with {shown + other!r} after Unicode normalisation and case folding "
                "(one would overwrite the other on macOS and Windows)",
                path=where,
            )
    return {name: entries[name] for name in sorted(entries)}


def _refuse_special(entry: Entry, where: str) -> None:
    if entry.kind is EntryKind.SYMLINK:
        raise UnsafeInputError("is a symbolic link; links are never packed (copy the file in instead)", path=where)
    if entry.kind is EntryKind.OTHER:
        raise UnsafeInputError("is a device, socket or other special file; only files and folders are packed",
                               path=where)


def _signature_entries(source: CrateSource) -> dict[str, Entry]:
    """The files and folders of a bag's ``signatures/`` tag directory by bag-relative name, sorted; kept as is."""
    prefix = SIGNATURE_DIR + "/"
    found: dict[str, Entry] = {}
    for name, entry in sorted(source.bag_entries().items()):
        if name != SIGNATURE_DIR and not name.startswith(prefix):
            continue
        _refuse_special(entry, name)
        reason = unsafe_name_reason(name)
        if reason is not None:
            raise UnsafeInputError(f"name refused ({reason})", path=name)
        found[name] = entry
    return found


def _external_identifier(source: CrateSource, given: str | None) -> str | None:
    """The bag's own External-Identifier, which re-packing keeps; a different one given is an error."""
    found = [value for value in read_bag(source).values("External-Identifier") if value.strip()]
    if len(found) > 1:
        raise UsageError("bag-info.txt has several External-Identifier values; keep one", path=BAG_INFO_FILE)
    if found and given is not None and given != found[0]:
        raise UsageError(
            f"the bag already has External-Identifier {found[0]!r}, which re-packing keeps; "
            f"it cannot be replaced by {given!r}",
            path=BAG_INFO_FILE,
        )
    return found[0] if found else None


def _bagging_date(given: date | None) -> date:
    if given is not None:
        return given.date() if isinstance(given, datetime) else given
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC).date()
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970") from None
    return date.today()


def _output_path(crate: Path, output: str | os.PathLike[str] | None, folder: bool) -> Path:
    real_crate = crate.resolve()
    if output is None:
        stem = _strip(real_crate.name, BAG_SUFFIX)
        target = real_crate.parent / (stem + BAG_SUFFIX + ("" if folder else ZIP_SUFFIX))
    else:
        target = Path(output)
    shown = str(target)
    parent = target.parent.resolve()
    if not parent.is_dir():
        raise UsageError("the output's folder does not exist", path=shown)
    real_target = parent / target.name
    if real_target == real_crate or real_crate in real_target.parents:
        raise UsageError("the output lies inside the crate folder; write it elsewhere", path=shown)
    if folder and os.path.lexists(real_target):
        raise UsageError("the output folder already exists; remove it or choose another", path=shown)
    if not folder and real_target.is_dir() and not real_target.is_symlink():
        raise UsageError("the output is a folder; give a .zip file name (or use a bag folder output)", path=shown)
    bag_name = _bag_name(real_target, folder)
    reason = unsafe_name_reason(bag_name) if bag_name else "empty name"
    if reason is not None or "/" in bag_name:
        raise UsageError(f"the output name gives no usable bag folder name ({reason or 'slash'})", path=shown)
    return target


def _strip(name: str, suffix: str) -> str:
    return name[: -len(suffix)] if name.lower().endswith(suffix) else name


def _bag_name(target: Path, folder: bool) -> str:
    """The ZIP's top-level folder: the output file name without ``.zip`` and ``.bagit``."""
    return target.name if folder else _strip(_strip(target.name, ZIP_SUFFIX), BAG_SUFFIX)


# --- output ------------------------------------------------------------------------------------------------


def _write_zip(
    source: CrateSource,
    payload: Mapping[str, Entry],
    target: Path,
    metadata: BagMetadata,
    progress: ProgressCallback | None,
    signatures: Mapping[str, Entry],
    kept: Mapping[str, str],
) -> None:
    bag = _bag_name(target, folder=False) + "/"
    members: dict[str, Entry | None] = {bag: None, bag + PAYLOAD_PREFIX: None}
    for name, entry in payload.items():
        members[bag + PAYLOAD_PREFIX + name + ("/" if entry.kind is EntryKind.DIRECTORY else "")] = entry
    for name in (DECLARATION_FILE, BAG_INFO_FILE, PAYLOAD_MANIFEST, TAG_MANIFEST):
        members[bag + name] = None
    for name, entry in signatures.items():
        members[bag + name + ("/" if entry.kind is EntryKind.DIRECTORY else "")] = None
    digests: dict[str, Future[str]] = {}
    tags: dict[str, bytes] = {}

    def tag(name: str) -> bytes:
        if name in (DECLARATION_FILE, BAG_INFO_FILE):  # these sort before data/ and need no digest
            return tag_files(metadata, {})[name]
        if not tags:  # the manifests sort after data/, so every digest is known by now
            tags.update(tag_files(metadata, {n: future.result() for n, future in digests.items()}, kept))
        return tags[name]

    with _new_zip(target) as archive, PayloadCopier(progress=progress, total=metadata.payload_bytes) as copier:
        for member in sorted(members):
            item = members[member]
            if member.endswith("/"):
                archive.mkdir(_zip_info(member, directory=True))
            elif member[len(bag):] in signatures:
                info = _zip_info(member)
                info.compress_type = zipfile.ZIP_DEFLATED
                with source.open_in_bag(member[len(bag):]) as kept_file, archive.open(info, "w") as out:
                    shutil.copyfileobj(kept_file, out, CHUNK_SIZE)
            elif item is None:
                info = _zip_info(member)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, tag(member[len(bag) :]))
            else:
                digests[PAYLOAD_PREFIX + item.name] = _zip_file(source, archive, copier, member, item)


SYNC_EVERY = 16 * 1024 * 1024
"""Bytes written to a ZIP between two background ``fdatasync`` calls."""


class _BackgroundSync:
    """A file wrapper that starts an ``fdatasync`` in a helper thread every :data:`SYNC_EVERY` bytes written.

    The disk then writes back while reading and hashing go on, instead of all at once in the final ``fsync``
    (about a second per GiB here), which leaves it little to flush. Everything but ``write`` goes to the file.
    On a normal exit the file is flushed and ``fsync``-ed, so the ZIP is on disk before it is renamed.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._written = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zip-sync")
        self._sync: Future[None] | None = None

    def write(self, data: bytes) -> int:
        written = self._stream.write(data)
        self._written += len(data)
        if self._written >= SYNC_EVERY and (self._sync is None or self._sync.done()):
            if self._sync is not None:
                self._sync.result()  # surfaces an I/O error of the previous sync
            self._stream.flush()
            self._sync = self._pool.submit(os.fdatasync, self._stream.fileno())
            self._written = 0
        return written

    def flush(self) -> None:
        """Flush the file's buffer."""
        self._stream.flush()

    def close(self) -> None:
        """Nothing: the file belongs to the caller (zipfile does not close a file it was given)."""

    def __getattr__(self, name: str) -> object:  # tell, seek, seekable...: the file's own
        return getattr(self._stream, name)

    def __enter__(self) -> _BackgroundSync:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        try:
            if self._sync is not None:
                self._sync.result()
            if kind is None:
                self._stream.flush()
                os.fsync(self._stream.fileno())
        finally:
            self._pool.shutdown(wait=True)


@contextmanager
def _new_zip(target: Path) -> Iterator[zipfile.ZipFile]:
    """A ZIP written to a hidden temporary sibling, synced and renamed to ``target`` only if the block succeeds.

    On any error the temporary file is removed and ``target`` is untouched; write failures become a
    :class:`~fivesafes_crate.errors.FiveSafesError` naming ``target``.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with (
            os.fdopen(handle, "w+b") as stream,
            _BackgroundSync(stream) as syncing,
            zipfile.ZipFile(syncing, "w", allowZip64=True) as archive,
        ):
            yield archive
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
        sync_folder(target.parent)  # the rename too survives a power failure
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        error = _write_error(exc, target)
        if error is exc:
            raise
        raise error from exc


def _zip_info(name: str, *, directory: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
    info.create_system = UNIX
    if directory:
        info.external_attr = (stat.S_IFDIR | DIR_MODE) << 16 | 0x10  # 0x10: the MS-DOS directory flag
        info.compress_type = zipfile.ZIP_STORED
        info.CRC = info.compress_size = info.file_size = 0
    else:
        info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
    return info


def _zip_file(
    source: CrateSource, archive: zipfile.ZipFile, copier: PayloadCopier, member: str, entry: Entry
) -> Future[str]:
    """Stream one payload file into the ZIP (stored or deflated, see the module notes) while it is hashed."""
    info = _zip_info(member)
    info.file_size = entry.size  # lets zipfile choose ZIP64 headers up front, from the size alone
    with source.open_in_crate(entry.name) as stream:
        info.compress_type = _compress_type(stream, entry)
        with archive.open(info, "w") as out:
            return _copy(copier, stream, out.write, entry)


def _compress_type(stream: IO[bytes], entry: Entry) -> int:
    """Stored for already-compressed data, deflated otherwise (see the module notes); rewinds ``stream``."""
    try:
        sample = stream.read(STORE_SAMPLE) if entry.size >= STORE_MIN_SIZE else b""
        stream.seek(0)
    except OSError as exc:
        raise CrateReadError(f"cannot read: {exc.strerror or exc}", path=entry.name) from exc
    stored = bool(sample) and len(zlib.compress(sample, 1)) > STORE_RATIO * len(sample)
    return zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED


def _copy(copier: PayloadCopier, stream: IO[bytes], write: Callable[[memoryview], object], entry: Entry) -> Future[str]:
    """Copy and hash one file; a read error or a size that changed since the folder was listed is an error.

    Write errors pass through as :class:`_WriteFailed` so that they are not mistaken for read errors.
    """

    def guarded(chunk: memoryview) -> None:
        try:
            write(chunk)
        except OSError as exc:
            raise _WriteFailed(exc) from exc

    try:
        digest, size = copier.copy(stream, guarded, limit=entry.size + 1)
    except OSError as exc:
        raise CrateReadError(f"cannot read: {exc.strerror or exc}", path=entry.name) from exc
    if size != entry.size:
        raise CrateReadError(f"changed while being packed (listed with {entry.size} bytes)", path=entry.name)
    return digest


class _WriteFailed(Exception):
    """An ``OSError`` while writing the output, carried past the read-error handling of :func:`_copy`."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _write_error(exc: BaseException, target: Path) -> BaseException:
    """The error to raise for a failure while writing ``target``: write failures become a FiveSafesError."""
    error = exc.error if isinstance(exc, _WriteFailed) else exc
    if isinstance(error, OSError):
        return FiveSafesError(f"cannot write the output: {error.strerror or error}", path=str(target))
    return exc


@contextmanager
def _new_folder(target: Path, doing: str) -> Iterator[Path]:
    """Build a folder in a temporary sibling and rename it to ``target`` only if the block succeeds.

    On any error the temporary folder is removed and ``target`` is untouched: never a half-written output.
    """
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield temporary
        if os.path.lexists(target):
            raise UsageError(f"the output appeared while {doing}; nothing was replaced", path=str(target))
        os.rename(temporary, target)
    except BaseException as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        error = _write_error(exc, target)
        if error is exc:
            raise
        raise error from exc


def _write_folder(
    source: CrateSource,
    payload: Mapping[str, Entry],
    target: Path,
    metadata: BagMetadata,
    progress: ProgressCallback | None,
    signatures: Mapping[str, Entry],
    kept: Mapping[str, str],
) -> None:
    with _new_folder(target, "packing") as temporary:
        data = temporary / PAYLOAD_PREFIX.rstrip("/")
        data.mkdir()
        digests: dict[str, Future[str]] = {}
        with PayloadCopier(progress=progress, total=metadata.payload_bytes) as copier:
            for name, entry in payload.items():
                path = data.joinpath(*name.split("/"))
                if entry.kind is EntryKind.DIRECTORY:
                    path.mkdir()
                    continue
                with source.open_in_crate(name) as stream, _create(path) as out:
                    digests[PAYLOAD_PREFIX + name] = _copy(copier, stream, out.write, entry)
        for name, entry in signatures.items():
            path = temporary.joinpath(*name.split("/"))
            if entry.kind is EntryKind.DIRECTORY:
                path.mkdir()
                continue
            with source.open_in_bag(name) as stream, _create(path) as out:
                shutil.copyfileobj(stream, out, CHUNK_SIZE)
        for name, content in tag_files(metadata, {n: future.result() for n, future in digests.items()},
                                       kept).items():
            with _create(temporary / name) as out:
                out.write(content)
        for path in (temporary, *(p for p in temporary.rglob("*") if p.is_dir() and not p.is_symlink())):
            os.chmod(path, DIR_MODE)


def _create(path: Path) -> IO[bytes]:
    """A new file (never an existing one, never through a link) with mode 0o644 whatever the umask."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, FILE_MODE)
    try:
        os.fchmod(handle, FILE_MODE)
    except BaseException:
        os.close(handle)
        raise
    return os.fdopen(handle, "wb")


# --- refreshing a bag folder in place ---------------------------------------------------------------------


def refresh_bag(
    folder: str | os.PathLike[str],
    *,
    bagging_date: date | None = None,
    progress: ProgressCallback | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> BagMetadata:
    """Rewrite the tag files of a bag folder for its payload as it is now; return what ``bag-info.txt`` says.

    For a bag whose crate was edited (every lifecycle step does this): the payload is hashed afresh (threads,
    streaming) and ``bagit.txt`` (BagIt 1.0), ``bag-info.txt`` (the bag's External-Identifier kept, else a new
    ``urn:uuid:``; Bagging-Date and Payload-Oxum regenerated), ``manifest-sha512.txt`` and then
    ``tagmanifest-sha512.txt`` are written, each atomically, in that order: the tag manifest covers the payload
    manifest. Manifests of other algorithms are deleted, since they could not be kept true (the profile's
    publishing phase asks for exactly this). The files of ``signatures/`` are listed in the tag manifest as
    they are. The payload is refused as :func:`pack` refuses it (links, special
    files, unsafe or colliding names, tag files that are not carried over). The caller works on a copy when
    the old state must survive a failure half-way.
    """
    path = Path(folder)
    with _open_folder(path, limits) as source:
        if source.kind is not SourceKind.BAG_DIRECTORY:
            raise UsageError("not a bag folder (no bagit.txt beside data/)", path=path.name or str(path))
        payload = _payload_entries(source, is_bag=True)
        identifier = _external_identifier(source, None) or f"urn:uuid:{uuid.uuid4()}"
        files = {PAYLOAD_PREFIX + name: entry for name, entry in payload.items() if entry.kind is EntryKind.FILE}
        digests = digest_files(source, files, progress=progress)
        kept = digest_files(source, [n for n, e in _signature_entries(source).items() if e.kind is EntryKind.FILE])
        metadata = BagMetadata(
            external_identifier=identifier,
            bagging_date=_bagging_date(bagging_date),
            payload_bytes=sum(entry.size for entry in files.values()),
            payload_files=len(files),
        )
    tags = tag_files(metadata, digests, kept)
    try:
        for name, content in tags.items():  # sorted: bagit.txt, bag-info.txt, manifest-..., tagmanifest-...
            write_atomic(path / name, content)
        for stale in sorted(path.glob("*manifest-*.txt")):
            if stale.name not in tags:
                stale.unlink()
    except OSError as exc:
        raise FiveSafesError(f"cannot write the bag's tag files: {exc.strerror or exc}", path=str(path)) from exc
    return metadata


def archive_bag(
    folder: str | os.PathLike[str], output: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS
) -> Path:
    """Write a bag folder, exactly as it is, into a deterministic ZIP ``output`` (replaced atomically).

    Unlike :func:`pack`, nothing is regenerated: the tag files are archived byte for byte, so a bag whose
    manifests were refreshed (and perhaps signed) keeps them. The ZIP follows :func:`pack`'s rules (one
    top-level folder named after ``output``, sorted members, fixed timestamps and modes, stored or deflated by
    content) and refuses links, special files and unsafe names. Returns ``output``.
    """
    given, target = Path(folder), Path(output)
    with _open_folder(given, limits) as source:
        if source.kind is not SourceKind.BAG_DIRECTORY:
            raise UsageError("not a bag folder (no bagit.txt beside data/)", path=given.name or str(given))
        entries = source.storage.entries()
        for name, entry in entries.items():
            _refuse_special(entry, name)
            reason = unsafe_name_reason(name)
            if reason is not None:
                raise UnsafeInputError(f"name refused ({reason})", path=name)
        bag = _bag_name(target, folder=False) + "/"
        with _new_zip(target) as zipped:
            zipped.mkdir(_zip_info(bag, directory=True))
            for name in sorted(entries):
                entry = entries[name]
                if entry.kind is EntryKind.DIRECTORY:
                    zipped.mkdir(_zip_info(bag + name + "/", directory=True))
                    continue
                info = _zip_info(bag + name)
                info.file_size = entry.size
                with source.storage.open(name) as member:
                    info.compress_type = _compress_type(member, entry)
                    with zipped.open(info, "w") as out:
                        shutil.copyfileobj(member, out, CHUNK_SIZE)
    return target


# --- unpacking ---------------------------------------------------------------------------------------------


def unpack(archive: str | os.PathLike[str], output: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> Path:
    """Extract a bag ZIP into the new folder ``output``: ``output/bagit.txt``, ``output/data/...``.

    The archive is opened through :func:`~fivesafes_crate.model.source.open_source` and refused
    (:class:`~fivesafes_crate.errors.UnsafeInputError`) when anything about it is suspect: unsafe, duplicate or
    colliding names, links or special members, more than one top-level entry, a possible zip bomb, or a member
    that decompresses to more than it declares or makes the total exceed ``limits.max_total_bytes``. Files get
    mode 0o644 and folders 0o755; links are never created or followed. Extraction goes to a temporary sibling
    of ``output``, renamed only when everything succeeded, so a failure leaves nothing behind. ``output``
    must not exist (:class:`~fivesafes_crate.errors.UsageError`). Returns ``output``.
    """
    given, target = Path(archive), Path(output)
    if os.path.lexists(target):
        raise UsageError("already exists; unpack into a new folder", path=str(target))
    parent = target.parent
    if not parent.is_dir():
        raise UsageError("the output's folder does not exist", path=str(target))
    if given.is_dir() or (given.is_file() and not zipfile.is_zipfile(given)):
        raise CrateReadError("not a ZIP archive", path=given.name or str(given))
    with open_source(given, limits) as source:
        if source.kind is not SourceKind.BAG_ZIP or source.bag_prefix is None:
            raise CrateReadError("the ZIP holds no bag folder (a folder with bagit.txt)", path=given.name)
        _refuse_unsafe_zip(source, given.name)
        with _new_folder(target, "unpacking") as temporary:
            _extract(source, source.bag_prefix, temporary, limits)
            os.chmod(temporary, DIR_MODE)
    log.info("unpacked %s into %s", given, target)
    return target


def _refuse_unsafe_zip(source: CrateSource, shown: str) -> None:
    if source.findings:
        more = f" (and {len(source.findings) - 1} more problem(s))" if len(source.findings) > 1 else ""
        raise UnsafeInputError(f"refused: {source.findings[0].message}{more}", path=shown)
    entries = source.storage.entries()
    for name, entry in sorted(entries.items()):
        if entry.kind in (EntryKind.SYMLINK, EntryKind.OTHER):
            what = "a symbolic link" if entry.kind is EntryKind.SYMLINK else "a device or other special file"
            raise UnsafeInputError(f"refused: ZIP member {name!r} is {what}", path=shown)
    top = {name.split("/", 1)[0] for name in entries}
    if len(top) != 1:
        raise UnsafeInputError(f"refused: the ZIP holds {len(top)} top-level entries, not one bag folder", path=shown)


def _extract(source: CrateSource, prefix: str, root: Path, limits: Limits) -> None:
    """Write every member below ``prefix`` into ``root``, counting the bytes that decompression really yields."""
    entries = source.storage.entries()
    total = 0
    for name in sorted(entries):  # a folder sorts before everything inside it
        if not name.startswith(prefix):
            continue
        relative = name[len(prefix) :]
        reason = unsafe_name_reason(relative)
        if reason is not None:  # pragma: no cover - ZipStorage already refused such names
            raise UnsafeInputError(f"refused: ZIP member {name!r} ({reason})", path=source.path.name)
        entry = entries[name]
        path = root.joinpath(*relative.split("/"))
        if entry.kind is EntryKind.DIRECTORY:
            path.mkdir(mode=DIR_MODE)
            os.chmod(path, DIR_MODE)
            continue
        written = 0
        with source.storage.open(name) as stream, _create(path) as out:
            while True:
                try:
                    chunk = stream.read(CHUNK_SIZE)
                except (OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error) as exc:
                    raise CrateReadError(f"damaged or unreadable ZIP member ({exc})", path=name) from exc
                if not chunk:
                    break
                written += len(chunk)
                total += len(chunk)
                if written > entry.size:
                    raise UnsafeInputError(
                        f"refused: ZIP member expands beyond the {entry.size} bytes it declares", path=name
                    )
                if total > limits.max_total_bytes:
                    raise UnsafeInputError(
                        f"refused: the ZIP expands beyond the limit of {limits.max_total_bytes} bytes", path=name
                    )
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise _WriteFailed(exc) from exc
