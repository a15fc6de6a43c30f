"""Unpacking a bag ZIP safely: :func:`unpack` refuses anything that could escape the output or exhaust the disk.

It writes the *contents* of the bag folder into ``output`` (``output/bagit.txt``, ``output/data/...``): the
caller names the bag, and the archive's own folder name is never used as a path. Refused
(:class:`~fivesafes_crate.errors.UnsafeInputError`, leaving nothing behind): unsafe, duplicate or colliding
names, links or special members, more than one top-level entry, a possible zip bomb, a member that
decompresses to more than it declares or a total beyond the limit.
"""

from __future__ import annotations

import logging
import os
import zipfile
import zlib
from pathlib import Path

from ..errors import CrateReadError, OutputExistsError, UnsafeInputError, UsageError
from ..model.safe_files import CHUNK_SIZE, DIR_MODE, create_exclusive
from ..model.source import DEFAULT_LIMITS, CrateSource, EntryKind, Limits, SourceKind, open_source, unsafe_name_reason
from .staging import WriteFailed, new_folder

log = logging.getLogger(__name__)


def unpack(archive: str | os.PathLike[str], output: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> Path:
    """Extract a bag ZIP safely into ``output`` (a new folder), refusing unsafe or oversized archives.

    The archive is opened through :func:`~fivesafes_crate.model.source.open_source` and refused
    (:class:`~fivesafes_crate.errors.UnsafeInputError`) when anything about it is suspect: unsafe, duplicate or
    colliding names, links or special members, more than one top-level entry, a possible zip bomb, or a member
    that decompresses to more than it declares or makes the total exceed ``limits.max_total_bytes``. Files get
    mode 0o644 and folders 0o755; links are never created or followed. Extraction goes to a temporary sibling
    of ``output``, renamed only when everything succeeded, so a failure leaves nothing behind. ``output``
    must not exist (:class:`~fivesafes_crate.errors.OutputExistsError`); a folder that cannot be written raises
    :class:`~fivesafes_crate.errors.StorageError`. Returns ``output``.
    """
    given, target = Path(archive), Path(output)
    if os.path.lexists(target):
        raise OutputExistsError("already exists; unpack into a new folder", path=str(target))
    parent = target.parent
    if not parent.is_dir():
        raise UsageError("the output's folder does not exist", path=str(target))
    if given.is_dir() or (given.is_file() and not zipfile.is_zipfile(given)):
        raise CrateReadError("not a ZIP archive", path=str(given))
    with open_source(given, limits) as source:
        if source.kind is not SourceKind.BAG_ZIP or source.bag_prefix is None:
            raise CrateReadError("the ZIP holds no bag folder (a folder with bagit.txt)", path=str(given))
        _refuse_unsafe_zip(source, str(given))
        with new_folder(target, "unpacking") as temporary:
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
            raise UnsafeInputError(f"refused: ZIP member {name!r} ({reason})", path=source.label)
        entry = entries[name]
        path = root.joinpath(*relative.split("/"))
        if entry.kind is EntryKind.DIRECTORY:
            path.mkdir(mode=DIR_MODE)
            os.chmod(path, DIR_MODE)
            continue
        written = 0
        with source.storage.open(name) as stream, create_exclusive(path) as out:
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
                    raise WriteFailed(exc) from exc


__all__ = ["unpack"]
