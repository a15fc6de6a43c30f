"""Packing a crate folder as a BagIt bag, in a deterministic ZIP or a folder (:func:`package`); refreshing a bag
folder's tag files in place (:func:`refresh_bag`) and archiving a bag folder as it is (:func:`archive_bag`).

:func:`package` turns a crate folder (or an existing bag folder, to re-pack it) into the profile's transfer form:
a ZIP holding exactly one top-level folder, the bag, with ``bagit.txt`` (BagIt 1.0), ``bag-info.txt``,
SHA-512 payload and tag manifests and the crate under ``data/``. Decisions:

* **Deterministic bytes** (:mod:`.zip_writer`). Members are sorted by name, directory entries included, with
  fixed metadata. Sorted names also put ``data/`` before the manifests, so each file is read once: it is hashed
  (in helper threads, see :class:`~.hashing.PayloadCopier`) while it is written, and the manifests follow.
* **Nothing skipped, nothing guessed.** Hidden files and operating-system files are payload like any other
  (the validator warns about the latter). Symbolic links, devices and other special files, names that are
  unsafe (``..``, backslashes, control characters other than line feed and carriage return) or not UTF-8,
  and names that collide after Unicode normalisation and case folding (they would overwrite each other on
  macOS and Windows) are refused with the offending path. Line feeds and carriage returns are legal in POSIX
  names and BagIt percent-encodes them in manifests, so they are packed; unpacking them where the file system
  refuses such names fails cleanly.
* **The metadata file must be JSON.** A bag of a crate whose metadata cannot be parsed would verify as an
  intact bag yet be no crate, so it is refused with its line and column; what the metadata says is left to
  the validator.
* **Re-packing a bag** keeps its ``External-Identifier`` (the profile asks not to change it as the crate
  moves through a TRE) and packs ``data/`` as it is now: the old manifests are not consulted, since
  re-packing after editing the metadata is the point. A bag with tag files other than ``bagit.txt``,
  ``bag-info.txt`` and manifests (``fetch.txt``, custom tag files) is refused rather than silently dropped.
  Other ``bag-info.txt`` elements are regenerated (Bagging-Date, Payload-Oxum) or not carried over. The
  ``signatures/`` tag directory (:mod:`fivesafes_crate.signing`) is carried over byte for byte and listed in
  the new tag manifest, so that the next signature covers the earlier ones.
* **Atomic output, never a silent replacement** (:mod:`.staging`). Everything is written to a hidden
  temporary sibling of the output and moved into place at the end, so an interrupted or failed run leaves no
  partial output. An existing output is refused (:class:`~fivesafes_crate.errors.OutputExistsError`: a signed
  bag must not be lost to an unsigned one by a repeated command); with ``overwrite`` an existing output ZIP
  is replaced atomically. An existing output folder is always refused, since a folder cannot be replaced
  atomically.
"""

from __future__ import annotations

import logging
import os
import shutil
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

from ..errors import CrateReadError, OutputExistsError, UnsafeInputError, UsageError
from ..model.crate import parse_metadata, write_atomic
from ..model.safe_files import CHUNK_SIZE, DIR_MODE, create_exclusive, refuse_special_output, writing
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
from .bag_reader import BAG_INFO_FILE, DECLARATION_FILE, PAYLOAD_PREFIX, SIGNATURE_DIR, read_bag
from .bag_writer import PAYLOAD_MANIFEST, TAG_MANIFEST, BagMetadata, tag_files
from .hashing import KnownDigests, PayloadCopier, digest_files
from .staging import WriteFailed, new_folder
from .zip_writer import compress_type, new_zip, zip_info

log = logging.getLogger(__name__)

ZIP_SUFFIX = ".zip"
BAG_SUFFIX = ".bagit"

ProgressCallback = Callable[[int, int], None]

_KEPT_TAG_FILES = frozenset({DECLARATION_FILE, BAG_INFO_FILE})


def package(
    crate: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    folder: bool = False,
    external_identifier: str | None = None,
    bagging_date: date | None = None,
    progress: ProgressCallback | None = None,
    limits: Limits = DEFAULT_LIMITS,
    overwrite: bool = False,
) -> Path:
    """Pack a crate folder as a BagIt 1.0 bag inside a deterministic ZIP (or as a bag folder with ``folder``).

    The ZIP holds one top-level folder, as the profile requires. The same crate, identifier and bagging date
    give the same bytes; written atomically.

    ``output`` defaults to ``<crate-folder-name>.bagit.zip`` (``.bagit`` with ``folder``) next to the crate;
    the ZIP's one top-level folder is named after the output without ``.zip`` and ``.bagit``. The
    External-Identifier is the input bag's, else ``external_identifier``, else a new ``urn:uuid:``; the
    Bagging-Date is ``bagging_date``, else ``SOURCE_DATE_EPOCH`` (UTC), else today. ``progress(done, total)``
    reports payload bytes copied. ``limits.max_entries`` bounds the files and folders walked (raise it for a
    crate of more than 100,000). An existing output is refused unless ``overwrite`` (a ZIP only: a folder is
    never replaced). Returns the path written.

    Raises :class:`~fivesafes_crate.errors.CrateReadError` when the input is not a crate or bag folder or has
    no metadata file (:class:`~fivesafes_crate.model.crate.MetadataSyntaxError` when it is not JSON, with its
    line and column), :class:`~fivesafes_crate.errors.UnsafeInputError` for links, special files and unsafe or
    colliding names, :class:`~fivesafes_crate.errors.OutputExistsError` for an existing output,
    :class:`~fivesafes_crate.errors.UsageError` for an unusable output or arguments, and
    :class:`~fivesafes_crate.errors.StorageError` when the output cannot be written (nothing is left behind).
    """
    given = Path(crate)
    source = _open_folder(given, limits)
    with source:
        is_bag = source.kind is SourceKind.BAG_DIRECTORY
        payload = _payload_entries(source, is_bag)
        _check_metadata_syntax(source)
        identifier = _external_identifier(source, external_identifier) if is_bag else None
        identifier = identifier or external_identifier or f"urn:uuid:{uuid.uuid4()}"
        target = _output_path(given, output, folder, overwrite)
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
        if folder:
            _write_folder(source, payload, target, metadata, progress, signatures, kept)
        else:
            _write_zip(source, payload, target, metadata, progress, signatures, kept, replace=overwrite)
    log.info("packed %s as %s", given, target)
    return target


# --- input -------------------------------------------------------------------------------------------------


def _open_folder(given: Path, limits: Limits) -> CrateSource:
    """Open the input as a crate folder or a bag folder; anything else is refused."""
    if not given.is_dir() or given.is_symlink():
        source = open_source(given, limits)  # raises for a missing path or a link, with the usual messages
        source.close()
        raise UsageError("not a folder: give the crate folder (holding ro-crate-metadata.json) or a bag folder",
                         path=str(given))
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


def _check_metadata_syntax(source: CrateSource) -> None:
    """Refuse a metadata file that is not JSON, naming it with the line and column of the first error.

    Only the syntax (and the size and nesting limits): the document is parsed and dropped, not interpreted.
    """
    parse_metadata(source.read_metadata(), path=source.named(METADATA_FILE), limits=source.limits)


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


def _output_path(crate: Path, output: str | os.PathLike[str] | None, folder: bool, overwrite: bool) -> Path:
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
    if not folder and not real_target.is_dir():
        refuse_special_output(real_target, shown)
    if real_target == real_crate or real_crate in real_target.parents:
        raise UsageError("the output lies inside the crate folder; write it elsewhere", path=shown)
    if folder and os.path.lexists(real_target):
        raise OutputExistsError("the output folder already exists, and a folder is never replaced; remove it or "
                                "choose another", path=shown)
    if not folder and real_target.is_dir() and not real_target.is_symlink():
        raise UsageError("the output is a folder; give a .zip file name (or use a bag folder output)", path=shown)
    if not folder and not overwrite and os.path.lexists(real_target):
        raise OutputExistsError("already exists: choose another name, or replace it with --force", path=shown)
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
    *,
    replace: bool,
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

    with (
        new_zip(target, replace=replace) as archive,
        PayloadCopier(progress=progress, total=metadata.payload_bytes) as copier,
    ):
        for member in sorted(members):
            item = members[member]
            if member.endswith("/"):
                archive.mkdir(zip_info(member, directory=True))
            elif member[len(bag):] in signatures:
                info = zip_info(member)
                info.compress_type = zipfile.ZIP_DEFLATED
                with source.open_in_bag(member[len(bag):]) as kept_file, archive.open(info, "w") as out:
                    shutil.copyfileobj(kept_file, out, CHUNK_SIZE)
            elif item is None:
                info = zip_info(member)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, tag(member[len(bag) :]))
            else:
                digests[PAYLOAD_PREFIX + item.name] = _zip_file(source, archive, copier, member, item)


def _zip_file(
    source: CrateSource, archive: zipfile.ZipFile, copier: PayloadCopier, member: str, entry: Entry
) -> Future[str]:
    """Stream one payload file into the ZIP (stored or deflated, see the module notes) while it is hashed."""
    info = zip_info(member)
    info.file_size = entry.size  # lets zipfile choose ZIP64 headers up front, from the size alone
    with source.open_in_crate(entry.name) as stream:
        info.compress_type = compress_type(stream, entry)
        with archive.open(info, "w") as out:
            return _copy(copier, stream, out.write, entry)


def _copy(copier: PayloadCopier, stream: IO[bytes], write: Callable[[memoryview], object], entry: Entry) -> Future[str]:
    """Copy and hash one file; a read error or a size that changed since the folder was listed is an error.

    Write errors pass through as :class:`WriteFailed` so that they are not mistaken for read errors.
    """

    def guarded(chunk: memoryview) -> None:
        try:
            write(chunk)
        except OSError as exc:
            raise WriteFailed(exc) from exc

    try:
        digest, size = copier.copy(stream, guarded, limit=entry.size + 1)
    except OSError as exc:
        raise CrateReadError(f"cannot read: {exc.strerror or exc}", path=entry.name) from exc
    if size != entry.size:
        raise CrateReadError(f"changed while being packed (listed with {entry.size} bytes)", path=entry.name)
    return digest


def _write_folder(
    source: CrateSource,
    payload: Mapping[str, Entry],
    target: Path,
    metadata: BagMetadata,
    progress: ProgressCallback | None,
    signatures: Mapping[str, Entry],
    kept: Mapping[str, str],
) -> None:
    with new_folder(target, "packing") as temporary:
        data = temporary / PAYLOAD_PREFIX.rstrip("/")
        data.mkdir()
        digests: dict[str, Future[str]] = {}
        with PayloadCopier(progress=progress, total=metadata.payload_bytes) as copier:
            for name, entry in payload.items():
                path = data.joinpath(*name.split("/"))
                if entry.kind is EntryKind.DIRECTORY:
                    path.mkdir()
                    continue
                with source.open_in_crate(name) as stream, create_exclusive(path) as out:
                    digests[PAYLOAD_PREFIX + name] = _copy(copier, stream, out.write, entry)
        for name, entry in signatures.items():
            path = temporary.joinpath(*name.split("/"))
            if entry.kind is EntryKind.DIRECTORY:
                path.mkdir()
                continue
            with source.open_in_bag(name) as stream, create_exclusive(path) as out:
                shutil.copyfileobj(stream, out, CHUNK_SIZE)
        for name, content in tag_files(metadata, {n: future.result() for n, future in digests.items()},
                                       kept).items():
            with create_exclusive(temporary / name) as out:
                out.write(content)
        for path in (temporary, *(p for p in temporary.rglob("*") if p.is_dir() and not p.is_symlink())):
            os.chmod(path, DIR_MODE)


# --- refreshing and archiving a bag folder ---------------------------------------------------------------


def refresh_bag(
    folder: str | os.PathLike[str],
    *,
    bagging_date: date | None = None,
    progress: ProgressCallback | None = None,
    limits: Limits = DEFAULT_LIMITS,
    known: KnownDigests | None = None,
) -> BagMetadata:
    """Rewrite the tag files of a bag folder for its payload as it is now; return what ``bag-info.txt`` says.

    For a bag whose crate was edited (every lifecycle step does this): the payload is hashed afresh (threads,
    streaming) and ``bagit.txt`` (BagIt 1.0), ``bag-info.txt`` (the bag's External-Identifier kept, else a new
    ``urn:uuid:``; Bagging-Date and Payload-Oxum regenerated), ``manifest-sha512.txt`` and then
    ``tagmanifest-sha512.txt`` are written, each atomically, in that order: the tag manifest covers the payload
    manifest. Manifests of other algorithms are deleted, since they could not be kept true (the profile's
    publishing phase asks for exactly this). The files of ``signatures/`` are listed in the tag manifest as
    they are. The payload is refused as :func:`package` refuses it (links, special
    files, unsafe or colliding names, tag files that are not carried over). The caller works on a copy when
    the old state must survive a failure half-way. A file whose identity is in ``known`` (the digests of a
    verification of the same, hard-linked, files: :attr:`~.bag_verifier.BagVerification.known`) is not hashed
    again.
    """
    path = Path(folder)
    with _open_folder(path, limits) as source:
        if source.kind is not SourceKind.BAG_DIRECTORY:
            raise UsageError("not a bag folder (no bagit.txt beside data/)", path=str(path))
        payload = _payload_entries(source, is_bag=True)
        identifier = _external_identifier(source, None) or f"urn:uuid:{uuid.uuid4()}"
        files = {PAYLOAD_PREFIX + name: entry for name, entry in payload.items() if entry.kind is EntryKind.FILE}
        digests = digest_files(source, files, progress=progress, known=known)
        kept = digest_files(source, [n for n, e in _signature_entries(source).items() if e.kind is EntryKind.FILE])
        metadata = BagMetadata(
            external_identifier=identifier,
            bagging_date=_bagging_date(bagging_date),
            payload_bytes=sum(entry.size for entry in files.values()),
            payload_files=len(files),
        )
    tags = tag_files(metadata, digests, kept)
    with writing(path):
        for name, content in tags.items():  # sorted: bagit.txt, bag-info.txt, manifest-..., tagmanifest-...
            write_atomic(path / name, content)
        for stale in sorted(path.glob("*manifest-*.txt")):
            if stale.name not in tags:
                stale.unlink()
    return metadata


def archive_bag(
    folder: str | os.PathLike[str], output: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS
) -> Path:
    """Write a bag folder, exactly as it is, into a deterministic ZIP ``output`` (replaced atomically).

    Unlike :func:`package`, nothing is regenerated: the tag files are archived byte for byte, so a bag whose
    manifests were refreshed (and perhaps signed) keeps them. The ZIP follows :func:`package`'s rules (one
    top-level folder named after ``output``, sorted members, fixed timestamps and modes, stored or deflated by
    content) and refuses links, special files and unsafe names. Returns ``output``.
    """
    given, target = Path(folder), Path(output)
    with _open_folder(given, limits) as source:
        if source.kind is not SourceKind.BAG_DIRECTORY:
            raise UsageError("not a bag folder (no bagit.txt beside data/)", path=str(given))
        entries = source.storage.entries()
        for name, entry in entries.items():
            _refuse_special(entry, name)
            reason = unsafe_name_reason(name)
            if reason is not None:
                raise UnsafeInputError(f"name refused ({reason})", path=name)
        bag = _bag_name(target, folder=False) + "/"
        with new_zip(target, replace=True) as zipped:  # a step's new state of the bag replaces the old
            zipped.mkdir(zip_info(bag, directory=True))
            for name in sorted(entries):
                entry = entries[name]
                if entry.kind is EntryKind.DIRECTORY:
                    zipped.mkdir(zip_info(bag + name + "/", directory=True))
                    continue
                info = zip_info(bag + name)
                info.file_size = entry.size
                with source.storage.open(name) as member:
                    info.compress_type = compress_type(member, entry)
                    with zipped.open(info, "w") as out:
                        shutil.copyfileobj(member, out, CHUNK_SIZE)
    return target


__all__ = ["BAG_SUFFIX", "ZIP_SUFFIX", "ProgressCallback", "archive_bag", "package", "refresh_bag"]
