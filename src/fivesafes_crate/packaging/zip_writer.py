"""Writing deterministic ZIPs: fixed member metadata, compression chosen by content, synced as they grow.

* **Deterministic bytes.** Every member has the timestamp 1980-01-01 00:00:00, Unix permissions 0o644 (files)
  or 0o755 (folders), no extra fields and no comment (:func:`zip_info`); callers add members sorted by name, so
  the same content gives the same ZIP, byte for byte (with the same zlib).
* **Compression** (:func:`compress_type`). Files are deflated, except files of 16 KiB or more whose first 8 KiB
  do not shrink by 3% at zlib level 1 (already compressed data: images, archives, encrypted or random bytes):
  those are stored. Deflating such data gains nothing and runs at a small fraction of hashing speed. Both
  methods are the only two the OCF ZIP container guidance allows, and the choice depends only on the bytes, so
  it is deterministic.
* **Durable, atomic output** (:func:`new_zip`). The ZIP is written to a hidden temporary sibling, synced in the
  background while it grows, then put in place and the folder synced: renamed over the target when the caller
  replaces it (atomically), else linked to a name that must still be free, so that a file which appeared
  meanwhile is never replaced.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import CrateReadError, OutputExistsError
from ..model.folders import sync_folder
from ..model.safe_files import DIR_MODE, FILE_MODE, new_temporary_file, place_new, replace_with, writing
from ..model.source import Entry
from .staging import write_error

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
"""Every member's timestamp: the earliest a ZIP can hold, so that output does not depend on the clock."""

UNIX = 3
"""``create_system`` for Unix, so that the permission bits in ``external_attr`` are read by unzip tools."""

STORE_MIN_SIZE = 16 * 1024
STORE_SAMPLE = 8 * 1024
STORE_RATIO = 0.97
"""Files of at least ``STORE_MIN_SIZE`` whose first ``STORE_SAMPLE`` bytes deflate to more than this fraction
of their size are stored instead of deflated."""

SYNC_EVERY = 16 * 1024 * 1024
"""Bytes written to a ZIP between two background ``fdatasync`` calls."""


class BackgroundSync:
    """A file wrapper that starts an ``fdatasync`` in a helper thread every :data:`SYNC_EVERY` bytes written.

    The disk then writes back while reading and hashing go on, instead of all at once in the final ``fsync``
    (about a second per GiB here), which leaves it little to flush. A sync starts only once the previous one is
    done, so at most one runs at a time. Everything but ``write`` goes to the file. On a normal exit the file
    is flushed and ``fsync``-ed, so the ZIP is on disk before it is renamed.
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
            self.wait()  # surfaces an I/O error of the previous sync
            self._stream.flush()
            self._sync = self._pool.submit(os.fdatasync, self._stream.fileno())
            self._written = 0
        return written

    def wait(self) -> None:
        """Wait for the sync in flight, if any, raising its I/O error."""
        if self._sync is not None:
            self._sync.result()

    def flush(self) -> None:
        """Flush the file's buffer."""
        self._stream.flush()

    def close(self) -> None:
        """Nothing: the file belongs to the caller (zipfile does not close a file it was given)."""

    def __getattr__(self, name: str) -> object:  # tell, seek, seekable...: the file's own
        return getattr(self._stream, name)

    def __enter__(self) -> BackgroundSync:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        try:
            self.wait()
            if kind is None:
                self._stream.flush()
                os.fsync(self._stream.fileno())
        finally:
            self._pool.shutdown(wait=True)


@contextmanager
def new_zip(target: Path, *, replace: bool) -> Iterator[zipfile.ZipFile]:
    """A ZIP written to a hidden temporary sibling, synced and moved to ``target`` only if the block succeeds.

    With ``replace`` an existing ``target`` is replaced atomically; without, ``target`` must not exist when the
    ZIP is complete (:class:`~fivesafes_crate.errors.OutputExistsError` otherwise). On any error the temporary
    file is removed and ``target`` is untouched; write failures become a
    :class:`~fivesafes_crate.errors.StorageError` naming ``target``.
    """
    with writing(target):
        handle, claimed = new_temporary_file(target)
    temporary = claimed.path
    try:
        with (
            os.fdopen(handle, "w+b") as stream,
            BackgroundSync(stream) as syncing,
            zipfile.ZipFile(syncing, "w", allowZip64=True) as archive,
        ):
            yield archive
        os.chmod(temporary, FILE_MODE)
        if replace:
            replace_with(temporary, target)
        else:
            try:
                place_new(temporary, target)
            except FileExistsError:
                raise OutputExistsError("the output appeared while it was written; nothing was replaced",
                                        path=str(target)) from None
        sync_folder(target.parent)  # the rename too survives a power failure
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        error = write_error(exc, target)
        if error is exc:
            raise
        raise error from exc
    finally:
        claimed.release()


def zip_info(name: str, *, directory: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
    info.create_system = UNIX
    if directory:
        info.external_attr = (stat.S_IFDIR | DIR_MODE) << 16 | 0x10  # 0x10: the MS-DOS directory flag
        info.compress_type = zipfile.ZIP_STORED
        info.CRC = info.compress_size = info.file_size = 0
    else:
        info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
    return info


def compress_type(stream: IO[bytes], entry: Entry) -> int:
    """Stored for already-compressed data, deflated otherwise (see the module notes); rewinds ``stream``."""
    try:
        sample = stream.read(STORE_SAMPLE) if entry.size >= STORE_MIN_SIZE else b""
        stream.seek(0)
    except OSError as exc:
        raise CrateReadError(f"cannot read: {exc.strerror or exc}", path=entry.name) from exc
    stored = bool(sample) and len(zlib.compress(sample, 1)) > STORE_RATIO * len(sample)
    return zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED


__all__ = ["STORE_MIN_SIZE", "STORE_RATIO", "STORE_SAMPLE", "SYNC_EVERY", "UNIX", "ZIP_TIMESTAMP", "BackgroundSync",
           "compress_type", "new_zip", "zip_info"]
