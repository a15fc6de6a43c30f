"""Reading small user-given files (policies, evidence, ACRO results) safely: no links, regular files, bounded."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import IO

from ..errors import FiveSafesError
from ..model import safe_files


def open_regular(path: Path, error: type[FiveSafesError]) -> IO[bytes]:
    """Open a regular file for reading without following a symbolic link; raise ``error`` naming the file."""
    display = path.name or str(path)
    try:
        info = path.lstat()
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    if stat.S_ISLNK(info.st_mode):
        raise error("is a symbolic link; give the real file", path=display)
    if not stat.S_ISREG(info.st_mode):
        raise error("not a regular file", path=display)
    try:
        return safe_files.open_regular(path)
    except safe_files.NotRegularFile:
        raise error("not a regular file", path=display) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=display) from exc


def read_limited(stream: IO[bytes], limit: int, name: str, error: type[FiveSafesError]) -> bytes:
    """Read a whole stream, refusing it as soon as it passes ``limit`` bytes (declared sizes can lie)."""
    chunks: list[bytes] = []
    total = 0
    try:
        while chunk := stream.read(min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise error(f"larger than the limit of {limit} bytes", path=name)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=name) from exc
    return b"".join(chunks)


def read_file(path: Path, limit: int, error: type[FiveSafesError]) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes."""
    with open_regular(path, error) as stream:
        return read_limited(stream, limit, path.name, error)
