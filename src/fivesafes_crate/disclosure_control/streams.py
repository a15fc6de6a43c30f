"""Streaming the bytes of an output: hashed as they are read, cut into blocks of whole lines.

Every screened byte passes through :class:`Input` exactly once and in order, so its SHA-256 is the digest of
exactly the bytes the rules saw. Memory stays bounded: blocks are about :data:`CHUNK` bytes, and a line (or a
quoted CSV field) longer than :data:`MAX_LINE` stops the line-based analysis instead of growing without end.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

from ..errors import CrateReadError

CHUNK = 1 << 20
MAX_LINE = 16 << 20


class LineTooLong(Exception):
    """A line (or an unbalanced quoted field) is longer than :data:`MAX_LINE`; raised by :func:`line_blocks`.

    Internal: the format readers catch it and report the output as not of that format.
    """


class Input:
    """A byte stream being screened; ``sha256`` and ``size`` cover everything read so far."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self._stream = stream
        self._name = name
        self._hash = hashlib.sha256()
        self._buffer = b""
        self.size = 0

    def _pull(self, size: int) -> bytes:
        try:
            data = self._stream.read(size)
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError) as exc:
            raise CrateReadError(f"cannot read: {exc}", path=self._name) from exc
        self._hash.update(data)
        self.size += len(data)
        return data

    def peek(self, size: int) -> bytes:
        """The next ``size`` bytes (fewer at the end), without consuming them."""
        while len(self._buffer) < size:
            data = self._pull(size - len(self._buffer))
            if not data:
                break
            self._buffer += data
        return self._buffer[:size]

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; empty at the end."""
        if self._buffer:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
            return data
        return self._pull(size)

    def read_exactly(self, size: int) -> bytes:
        """``size`` bytes, or fewer only at the end of the stream."""
        parts = []
        while size > 0 and (data := self.read(min(size, CHUNK))):
            parts.append(data)
            size -= len(data)
        return b"".join(parts)

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The rest of the stream in pieces of about ``size`` bytes."""
        while data := self.read(size):
            yield data

    def drain(self) -> None:
        """Read (and hash) whatever is left."""
        for _ in self.chunks():
            pass

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes read so far (of the whole file after :meth:`drain`)."""
        return self._hash.hexdigest()


def line_blocks(chunks: Iterator[bytes], quote: bytes | None = None) -> Iterator[tuple[bytes, int]]:
    """Blocks of whole lines and the 1-based number of each block's first line.

    With ``quote`` (CSV), a block only ends where the quote characters before it balance, so that no quoted
    field is cut in two. The last block may lack its final newline. Raises :class:`LineTooLong`.
    """
    carry = b""
    line = 1
    for chunk in chunks:
        block = carry + chunk if carry else chunk
        cut = block.rfind(b"\n") + 1
        if cut and quote is not None and block.count(quote, 0, cut) % 2:
            cut = 0
        if not cut:
            if len(block) > MAX_LINE:
                raise LineTooLong
            carry = block
            continue
        carry = block[cut:]
        complete = block[:cut]
        yield complete, line
        line += complete.count(b"\n")
    if carry:
        yield carry, line
