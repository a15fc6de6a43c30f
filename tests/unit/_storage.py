"""A folder that refuses writes as a read-only mount would, for tests that also run as root.

``chmod 0o555`` does not stop root, and mounting needs privileges CI does not have, so :func:`refuse_writes`
makes the operating-system calls that write into a folder fail instead: creating a file or folder there
(``os.open`` with a write flag, ``open(..., "w")``, ``os.mkdir``), and renaming, linking, deleting or changing
the mode of anything there. With ``at="rename"`` only the last move of a finished output into the folder fails
(rename, replace, link), so the temporary copy is written first and must be cleaned up. Reads are never
affected.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from pathlib import Path
from typing import Any, Literal

import pytest

from fivesafes_crate.model import folders

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def refuse_writes(
    monkeypatch: pytest.MonkeyPatch,
    folder: Path,
    *,
    at: Literal["create", "rename"] = "create",
    code: int = errno.EROFS,
) -> None:
    """Make writes into ``folder`` (and below) raise ``OSError(code)`` until the test ends."""
    root = os.path.realpath(folder)

    def inside(path: Any, dir_fd: int | None = None) -> bool:
        if dir_fd is not None or isinstance(path, int):
            return False  # relative to an open folder (rmtree's walk): not a write the code under test makes
        real = os.path.realpath(os.path.abspath(os.fsdecode(path)))
        if at == "rename":
            return os.path.dirname(real) == root
        return real == root or real.startswith(root + os.sep)

    def refuse(path: Any) -> OSError:
        return OSError(code, os.strerror(code), os.fsdecode(path))

    def guard(name: str, original: Any, *, target_index: int = 0) -> None:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            target = args[target_index] if len(args) > target_index else None
            if target is not None and inside(target, kwargs.get("dst_dir_fd", kwargs.get("dir_fd"))):
                if name == "mkdir" and os.path.lexists(target):  # as the kernel: the name is checked first
                    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fsdecode(target))
                raise refuse(target)
            return original(*args, **kwargs)

        monkeypatch.setattr(os, name, guarded)

    # the move into place: with at="rename" the temporary copy exists by then and must not be left behind
    for name in ("rename", "replace", "link"):
        guard(name, getattr(os, name), target_index=1)
    monkeypatch.setattr(folders, "EXCHANGE", None)  # swap folders with os.rename, which is guarded
    if at == "rename":
        return

    for name in ("mkdir", "unlink", "remove", "rmdir", "chmod", "symlink"):
        guard(name, getattr(os, name), target_index=1 if name == "symlink" else 0)
    original_open = os.open
    original_io_open = io.open

    def guarded_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & _WRITE_FLAGS and inside(path, kwargs.get("dir_fd")):
            raise refuse(path)
        return original_open(path, flags, *args, **kwargs)

    def guarded_io_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(flag in mode for flag in "wax+") and not isinstance(file, int) and inside(file):
            raise refuse(file)
        return original_io_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_io_open)
    monkeypatch.setattr(builtins, "open", guarded_io_open)


def listing(folder: Path) -> dict[str, bytes | None]:
    """Every entry below ``folder`` with the bytes of its files: what a refused write must leave unchanged."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else None
            for path in sorted(folder.rglob("*"))}
