"""File primitives every layer uses: each guard has this one implementation.

* :func:`open_regular` opens a regular file for reading without following a symbolic link: ``O_NOFOLLOW``,
  then an ``fstat`` of what was opened, so a name swapped for a link, FIFO or device after it was checked is
  never read. ``O_NONBLOCK`` keeps the open of a FIFO from waiting for a writer; it is cleared once the file
  is known to be regular.
* :func:`create_exclusive` creates a new file for writing (``O_EXCL``: never an existing file, never through
  a link) with exactly the given mode, whatever the umask; :func:`write_temporary` writes a new hidden
  sibling of a file, synced, for a caller that then renames or links it into place; :func:`place_new` puts
  such a finished file at a name that must not exist (a hard link: never over an existing file, even one that
  appears meanwhile), :func:`write_new` does both; :func:`replace_with` renames it over an existing file, and
  :func:`refuse_special_output` is the one guard that an output is absent or a regular file (never a device,
  FIFO, socket, folder or link, which a rename would replace: ``-o /dev/null`` run as root).
* :func:`new_temporary_file` and :func:`new_temporary_folder` create the hidden sibling an output is built
  in (``.NAME.XXXXXXXX.tmp``), locked (``flock``) for as long as it is in use, after removing the siblings of
  that pattern that no process holds any more (:func:`remove_stale_temporaries`): the temporaries of a run
  killed mid-way (``kill -9``, a power cut) are cleaned by the next run, and those of a concurrent writer are
  left alone.
* :func:`read_chunks` is the one chunked read loop (into reusable buffers, memory bounded by one chunk);
  :func:`hash_stream` and :func:`hash_file` hash with it, every algorithm of a file in one read.

Operating-system failures surface as :class:`OSError`, and something other than a regular file as
:class:`NotRegularFile`; callers wrap both in their own :class:`~fivesafes_crate.errors.FiveSafesError`,
which names the file as the user knows it. A writer wraps its writes in :func:`writing`, the one place that
turns a write failure into a :class:`~fivesafes_crate.errors.StorageError` naming the output (and work in a
temporary copy in :func:`naming`, which says such an error of the output).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import StorageError, UsageError

FILE_MODE = 0o644
"""Mode of the files this library writes, whatever the umask."""

DIR_MODE = 0o755
"""Mode of the folders this library writes, whatever the umask."""

CHUNK_SIZE = 1024 * 1024
"""Bytes read per call while copying or hashing: memory per stream stays at one chunk."""

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, so no temporary is ever taken for stale
    fcntl = None  # type: ignore[assignment]

TEMPORARY_SUFFIX = ".tmp"
"""The suffix of every temporary sibling: ``.NAME.XXXXXXXX.tmp`` (``tempfile``'s eight random characters)."""


class NotRegularFile(Exception):
    """:func:`open_regular` opened a folder, FIFO, device or socket (internal: callers raise their own error)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(f"not a regular file: {os.fspath(path)}")
        self.path = os.fspath(path)


def open_regular(path: str | os.PathLike[str]) -> IO[bytes]:
    """Open a regular file for reading, never through a symbolic link.

    Raises :class:`OSError` when it cannot be opened (a symbolic link gives ``ELOOP``) and
    :class:`NotRegularFile` for anything but a regular file.
    """
    handle = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise NotRegularFile(path)
        if _NONBLOCK:
            os.set_blocking(handle, True)
    except BaseException:
        os.close(handle)
        raise
    return os.fdopen(handle, "rb")


def create_exclusive(path: str | os.PathLike[str], mode: int = FILE_MODE) -> IO[bytes]:
    """Create a new file for writing with exactly ``mode``; an existing file or link raises :class:`OSError`."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, mode)
    try:
        os.fchmod(handle, mode)
    except BaseException:
        os.close(handle)
        raise
    return os.fdopen(handle, "wb")


def _temporary_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}{re.escape(TEMPORARY_SUFFIX)}")


def _try_lock(handle: int) -> bool:
    """Take the exclusive lock of an open file or folder without waiting; False when a live process holds it."""
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporaries of ``target`` that a killed run left behind; return those removed.

    Only siblings named as this library names them (``.NAME.XXXXXXXX.tmp``) are considered, and only those
    whose lock no process holds: a temporary in use by a concurrent writer is locked by it and left alone.
    Where locks are unavailable (Windows) nothing is removed.
    """
    pattern = _temporary_pattern(target)
    removed: list[Path] = []
    try:
        with os.scandir(target.parent) as listing:
            candidates = [Path(e.path) for e in listing if pattern.fullmatch(e.name)]
    except OSError:
        return removed
    for candidate in candidates:
        try:
            is_folder = stat.S_ISDIR(candidate.lstat().st_mode)
            handle = os.open(candidate, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | (_DIRECTORY if is_folder else 0))
        except OSError:  # gone meanwhile, a link, or not ours to open
            continue
        try:
            if not _try_lock(handle):
                continue
            if is_folder:
                shutil.rmtree(candidate, ignore_errors=True)
            else:
                candidate.unlink(missing_ok=True)
            removed.append(candidate)
        finally:
            os.close(handle)
    return removed


class Temporary:
    """A locked temporary sibling of an output: ``path``; :meth:`release` drops the lock once it is renamed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = -1
        if fcntl is None:  # pragma: no cover - Windows: nothing is ever taken for stale, so nothing to lock
            return
        self._lock = os.open(path, os.O_RDONLY | _NOFOLLOW | (_DIRECTORY if path.is_dir() else 0))
        if not _try_lock(self._lock):  # pragma: no cover - a fresh random name
            os.close(self._lock)
            raise FileExistsError(f"temporary {path} is locked by another process")

    def release(self) -> None:
        """Drop the lock (closing the lock's own handle); call once the temporary is renamed or removed."""
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1


def new_temporary_file(target: Path) -> tuple[int, Temporary]:
    """A new locked temporary file beside ``target`` (an open handle, mode 0o600), after removing stale ones."""
    remove_stale_temporaries(target)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent)
    try:
        return handle, Temporary(Path(name))
    except BaseException:
        os.close(handle)
        Path(name).unlink(missing_ok=True)
        raise


def new_temporary_folder(target: Path) -> Temporary:
    """A new locked temporary folder beside ``target`` (mode 0o700), after removing stale ones."""
    remove_stale_temporaries(target)
    name = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent))
    try:
        return Temporary(name)
    except BaseException:
        shutil.rmtree(name, ignore_errors=True)
        raise


@contextmanager
def scratch_folder(target: Path) -> Iterator[Path]:
    """A locked temporary folder beside ``target`` for work on a copy of it, removed when the block ends."""
    claimed = new_temporary_folder(target)
    try:
        yield claimed.path
    finally:
        shutil.rmtree(claimed.path, ignore_errors=True)
        claimed.release()


def write_temporary(path: Path, data: bytes, mode: int = FILE_MODE) -> Path:
    """Write ``data`` to a new hidden sibling of ``path`` with ``mode``, synced to disk; return the sibling.

    The caller renames or links it into place and removes it if that fails; if writing fails, nothing is left.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, mode)  # mkstemp makes 0o600
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def place_new(temporary: Path, path: Path) -> None:
    """Give the finished file ``temporary`` the name ``path``, which must not exist, and remove ``temporary``.

    A hard link is created (``FileExistsError`` when ``path`` exists, whatever appeared there meanwhile): unlike
    a rename, it never replaces a file, and readers see the complete file or none. ``temporary`` is removed
    either way.
    """
    try:
        os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


_SPECIAL_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def refuse_special_output(path: str | os.PathLike[str], shown: str | None = None) -> None:
    """Raise :class:`~fivesafes_crate.errors.UsageError` unless ``path`` is absent or a regular file.

    An output is written to a temporary sibling and renamed into place, and a rename replaces whatever has the
    name: a device node (``/dev/null``), a FIFO, a socket or a link would be lost. ``shown`` names the output
    in the error (default: ``path``). Checked without following a link.
    """
    try:
        mode = os.lstat(path).st_mode
    except OSError:  # absent (or unreachable: writing it will say so)
        return
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "not a regular file")
    raise UsageError(f"the output is {kind}, never replaced: give the name of a new or regular file",
                     path=shown if shown is not None else os.fspath(path))


def replace_with(temporary: Path, path: Path) -> None:
    """Rename the finished file ``temporary`` to ``path``, atomically replacing a regular file of that name.

    Refused (:func:`refuse_special_output`, ``temporary`` removed) when ``path`` is anything but absent or a
    regular file.
    """
    try:
        refuse_special_output(path)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_new(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Create ``path`` holding ``data`` with ``mode``, complete or not at all, never over an existing file.

    Raises ``FileExistsError`` when ``path`` exists (nothing is written) and :class:`OSError` when writing fails.
    """
    place_new(write_temporary(path, data, mode), path)


@contextmanager
def naming(target: str | os.PathLike[str]) -> Iterator[None]:
    """Say a :class:`~fivesafes_crate.errors.StorageError` of the block about ``target``, the output the user named.

    For work done in a temporary copy beside ``target``: a failure to write the copy is a failure to write
    ``target``, and the copy's hidden name would mean nothing to the user. Other errors pass unchanged.
    """
    try:
        yield
    except StorageError as exc:
        if exc.path == os.fspath(target):
            raise
        raise StorageError(target, exc.reason, errno=exc.errno) from exc


@contextmanager
def writing(target: str | os.PathLike[str]) -> Iterator[None]:
    """Report a failure to write in the block as a :class:`~fivesafes_crate.errors.StorageError` naming ``target``.

    Wrap the writes of an output in it (creating its temporary sibling, writing, renaming it into place), with
    ``target`` the output as the user named it: an :class:`OSError` becomes a ``StorageError`` in the operating
    system's words, and one about a temporary copy is said of ``target`` (:func:`naming`). Keep the reads of
    inputs, and calls into code that is not the library's (a signing hook), outside: their failures are theirs.
    """
    with naming(target):
        try:
            yield
        except OSError as exc:
            raise StorageError.from_os_error(exc, target) from exc


def read_chunks(
    stream: IO[bytes], next_buffer: Callable[[], memoryview], limit: int | None = None
) -> Iterator[memoryview]:
    """Read ``stream`` into buffers from ``next_buffer``, yielding each filled part (never a whole file).

    Reads to the end, or at most ``limit`` bytes when given (a file that keeps growing is not followed forever).
    A chunk stays valid until its buffer is handed out again.
    """
    left = limit
    while left is None or left > 0:
        view = next_buffer()
        if left is not None and left < len(view):
            view = view[:left]
        n = stream.readinto(view)  # type: ignore[attr-defined]
        if not n:
            return
        if left is not None:
            left -= n
        yield view[:n]


def new_hasher(algorithm: str, data: bytes = b"") -> hashlib._Hash:
    """A hash object for ``algorithm`` (any :mod:`hashlib` name), fed ``data``.

    Marked as not used for security so that FIPS builds still compute the MD5 and SHA-1 manifests of old bags;
    the digests are the same either way.
    """
    return hashlib.new(algorithm, data, usedforsecurity=False)


def hash_stream(
    stream: IO[bytes],
    algorithms: Sequence[str] = ("sha256",),
    *,
    buffer: memoryview | None = None,
    on_chunk: Callable[[memoryview], object] | None = None,
) -> dict[str, str]:
    """Hex digests of the rest of ``stream`` by algorithm, all from one chunked read.

    ``buffer`` is reused for every chunk (default: a new one of :data:`CHUNK_SIZE` bytes); ``on_chunk`` is
    called with each chunk once every algorithm has hashed it (to copy it, or count it). Read errors pass
    through.
    """
    hashers = [new_hasher(algorithm) for algorithm in algorithms]
    view = memoryview(bytearray(CHUNK_SIZE)) if buffer is None else buffer
    for chunk in read_chunks(stream, lambda: view):
        for hasher in hashers:
            hasher.update(chunk)
        if on_chunk is not None:
            on_chunk(chunk)
    return {algorithm: hasher.hexdigest() for algorithm, hasher in zip(algorithms, hashers, strict=True)}


def hash_file(path: str | os.PathLike[str], algorithm: str = "sha256") -> str:
    """Hex digest of a regular file, opened by :func:`open_regular` (never through a symbolic link)."""
    with open_regular(path) as stream:
        return hash_stream(stream, (algorithm,))[algorithm]


__all__ = [
    "CHUNK_SIZE",
    "DIR_MODE",
    "FILE_MODE",
    "TEMPORARY_SUFFIX",
    "NotRegularFile",
    "Temporary",
    "create_exclusive",
    "hash_file",
    "hash_stream",
    "naming",
    "new_hasher",
    "new_temporary_file",
    "new_temporary_folder",
    "open_regular",
    "place_new",
    "read_chunks",
    "refuse_special_output",
    "remove_stale_temporaries",
    "replace_with",
    "scratch_folder",
    "write_new",
    "write_temporary",
    "writing",
]
