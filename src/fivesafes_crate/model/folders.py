"""Folder primitives for changing crates without ever leaving a half-written state.

* :func:`link_tree` recreates a folder with hard links (no payload bytes copied; copies where linking is not
  possible) and refuses links and special files. Callers never modify a linked file in place: they write new
  files (:func:`~.crate.write_atomic`) or delete them, so the original keeps its bytes.
* :func:`swap_folder` puts a finished folder where the old one is: atomically with Linux
  ``renameat2(RENAME_EXCHANGE)``, elsewhere with two renames, an interruption between which
  :func:`recover_swap` repairs at the next operation.
* :func:`folder_lock` serialises operations on crates of one folder (``flock`` on the folder).
* :func:`sync_folder` makes a rename into a folder durable.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import logging
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import CrateReadError, UnsafeInputError
from .safe_files import writing

log = logging.getLogger(__name__)

PREVIOUS_SUFFIX = ".fivesafes-previous"
"""Suffix of the hidden name an old folder has between the two renames of the portable swap."""

_LINK_FALLBACK = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES)


def sync_folder(folder: Path) -> None:
    """``fsync`` a folder, so that a file renamed into it keeps its new name after a power failure.

    Renaming a synced file into place makes it atomic; syncing the folder makes the rename itself durable.
    Platforms that cannot open or sync a folder (Windows) are skipped: the rename is then as durable as the
    platform makes it.
    """
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # some file systems cannot sync a folder; the data itself was synced
    finally:
        os.close(handle)


def link_tree(source: Path, copy: Path, *, shown: str = "") -> None:
    """Recreate the folder ``source`` at ``copy`` (which must not exist) with hard links to its files.

    Symbolic links and special files anywhere in ``source`` raise
    :class:`~fivesafes_crate.errors.UnsafeInputError` naming them (``shown`` is prefixed to the names).
    """
    copy.mkdir()
    for folder, names, files in os.walk(source):
        base = Path(folder)
        relative = base.relative_to(source)
        for name in sorted([*names, *files]):
            original = base / name
            where = f"{shown}{(relative / name).as_posix()}"
            try:
                mode = os.lstat(original).st_mode
                if stat.S_ISLNK(mode):
                    raise UnsafeInputError("is a symbolic link; links are never followed or copied", path=where)
                target = copy / relative / name
                if stat.S_ISDIR(mode):
                    target.mkdir()
                elif stat.S_ISREG(mode):
                    try:
                        os.link(original, target, follow_symlinks=False)
                    except OSError as exc:
                        if exc.errno not in _LINK_FALLBACK:
                            raise
                        shutil.copyfile(original, target, follow_symlinks=False)
                else:
                    raise UnsafeInputError("is a device, socket or other special file", path=where)
            except OSError as exc:
                raise CrateReadError(f"cannot copy: {exc.strerror or exc}", path=where) from exc


def _renameat2_exchange() -> Callable[[Path, Path], bool] | None:
    """``exchange(a, b)`` swapping two paths atomically (Linux), or None where the call does not exist."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    at_fdcwd, rename_exchange = -100, 2

    def exchange(first: Path, second: Path) -> bool:
        if function(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
            return True
        code = ctypes.get_errno()
        if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            return False  # not supported here (old kernel, this file system): use the portable swap
        raise OSError(code, os.strerror(code), str(second))

    return exchange


EXCHANGE = _renameat2_exchange()
"""The atomic exchange of two paths, or None on systems without it (tests set it to None)."""


def _previous(target: Path) -> Path:
    return target.with_name(f".{target.name}{PREVIOUS_SUFFIX}")


def swap_folder(new: Path, target: Path) -> None:
    """Put the folder ``new`` where ``target`` is; afterwards ``new`` holds the old folder (remove it)."""
    with writing(target):
        if EXCHANGE is not None and EXCHANGE(new, target):
            return
        previous = _previous(target)
        os.rename(target, previous)  # a crash from here on is repaired by recover_swap
        os.rename(new, target)
        os.rename(previous, new)


def recover_swap(target: Path) -> None:
    """Repair what an interrupted portable swap of ``target`` left: the old folder under its hidden name."""
    previous = _previous(target)
    if not os.path.lexists(previous):
        return
    with writing(target):
        if os.path.lexists(target):
            shutil.rmtree(previous)  # the new state was in place: drop the old one
        else:
            os.rename(previous, target)  # killed between the two renames: the old state comes back
            log.warning("restored %s after an interrupted change", target)


@contextlib.contextmanager
def folder_lock(target: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the folder containing ``target`` (waiting for the current holder)."""
    parent = target.parent if str(target.parent) else Path(".")
    try:
        handle = os.open(parent, os.O_RDONLY)
    except OSError as exc:
        raise CrateReadError(f"cannot open the crate's folder: {exc.strerror or exc}", path=str(parent)) from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


__all__ = ["EXCHANGE", "PREVIOUS_SUFFIX", "folder_lock", "link_tree", "recover_swap", "swap_folder"]
