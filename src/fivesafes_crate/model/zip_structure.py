"""The byte layout of a ZIP archive, checked before any member is trusted: one reading, the same for every tool.

Python's :mod:`zipfile` reads an archive from its end records and central directory and is lenient where
other tools decide differently, so that two tools can see two different archives in the same bytes. The
profile's ZIPs are moved between a researcher and a TRE and read by other software too, so
:func:`refuse_ambiguous_layout` refuses every layout on which readers may disagree, each with
:class:`~fivesafes_crate.errors.UnsafeInputError` naming the member concerned:

* more than one disk (a spanned or split archive), in the end record, the zip64 locator and record, or a
  member;
* a zip64 end record that disagrees with the classic end record, or a zip64 locator that points elsewhere
  than the zip64 end record read (a second record);
* a central directory whose entry count or size disagrees with the end record, or bytes after the end record;
* bytes before the first member or between members: a local entry hidden from the central directory, which
  a streaming reader would extract;
* a local header whose name differs from its central directory entry's, or members whose bytes overlap (the
  "overlapping files" zip bomb);
* a member name holding a NUL byte (:mod:`zipfile` silently cuts the name at it, other tools do not).

The members themselves (names, links, sizes) are checked afterwards by
:class:`~fivesafes_crate.model.source.ZipStorage`.
"""

from __future__ import annotations

import struct
import zipfile
from typing import IO

from ..errors import UnsafeInputError

_END = b"PK\x05\x06"
_END_SIZE = 22
_LOCATOR = b"PK\x06\x07"
_LOCATOR_SIZE = 20
_END64 = b"PK\x06\x06"
_END64_SIZE = 56
_CENTRAL = b"PK\x01\x02"
_CENTRAL_SIZE = 46
_LOCAL = b"PK\x03\x04"
_LOCAL_SIZE = 30
_DESCRIPTOR = b"PK\x07\x08"
_DATA_DESCRIPTOR_FLAG = 0x08
_MAX_COMMENT = 0xFFFF


_SHOWN_NAME_CHARS = 200


def quoted_name(name: str) -> str:
    """``name`` quoted for a message, its middle elided beyond 200 characters (a name can be 64 KiB long)."""
    if len(name) <= _SHOWN_NAME_CHARS:
        return repr(name)
    half = _SHOWN_NAME_CHARS // 2
    return f"{name[:half]!r}...{name[-half:]!r}"


def refuse_ambiguous_layout(stream: IO[bytes], infos: list[zipfile.ZipInfo], shown: str) -> None:
    """Refuse the archive in ``stream`` (a seekable binary file) unless every reader must see ``infos`` in it.

    ``infos`` is what :mod:`zipfile` read from the same file, in central directory order; ``shown`` names the
    archive in errors (the input as the user gave it).
    """
    size = stream.seek(0, 2)
    end_at, end = _end_record(stream, size, shown)
    disk, disk_start, here, total, cd_size, cd_offset, _comment = end
    if disk or disk_start or here != total:
        raise UnsafeInputError("refused: a ZIP spanning several disks (a split archive)", path=shown)
    cd_start = end_at - cd_size
    zip64 = _zip64_record(stream, end_at, shown)
    if zip64 is not None:
        record_at, (disk64, start64, here64, total64, cd_size64, cd_offset64) = zip64
        if disk64 or start64 or here64 != total64:
            raise UnsafeInputError("refused: a ZIP spanning several disks (a split archive)", path=shown)
        for classic, wide, saturated in ((total, total64, 0xFFFF), (cd_size, cd_size64, 0xFFFFFFFF),
                                         (cd_offset, cd_offset64, 0xFFFFFFFF)):
            if classic not in (saturated, wide):
                raise UnsafeInputError(
                    "refused: the ZIP's zip64 end record disagrees with its end record", path=shown
                )
        total, cd_size, cd_offset = total64, cd_size64, cd_offset64
        cd_start = record_at - cd_size
    if cd_start != cd_offset:
        raise UnsafeInputError(
            f"refused: {cd_start - cd_offset} bytes before the ZIP's first member or in its central directory",
            path=shown,
        )
    names = _central_names(stream, cd_start, cd_size, shown)
    if len(names) != total or len(names) != len(infos):
        raise UnsafeInputError(
            f"refused: the ZIP's end record counts {total} members, its central directory lists {len(names)}",
            path=shown,
        )
    for raw in names:
        if b"\x00" in raw:
            shown_name = raw.decode("utf-8", "replace")
            raise UnsafeInputError(f"refused: ZIP member name {quoted_name(shown_name)} holds a NUL byte", path=shown)
    _refuse_hidden_entries(stream, infos, names, cd_start, shown)


def _end_record(stream: IO[bytes], size: int, shown: str) -> tuple[int, tuple[int, ...]]:
    """The offset and fields of the classic end record, which must end the file exactly (with its comment).

    :mod:`zipfile` takes the last end record signature in the file's tail; when that record's comment does not
    end the file, another reader may take another record (one hidden in a comment, say).
    """
    tail_at = max(0, size - _END_SIZE - _MAX_COMMENT)
    stream.seek(tail_at)
    tail = stream.read()
    found = tail.rfind(_END)
    if found >= 0 and len(tail) >= found + _END_SIZE:
        fields = struct.unpack("<HHHHIIH", tail[found + 4 : found + _END_SIZE])
        if found + _END_SIZE + fields[6] == len(tail):
            return tail_at + found, fields
    raise UnsafeInputError("refused: the ZIP's end record does not end the file (data after the archive)", path=shown)


def _zip64_record(stream: IO[bytes], end_at: int, shown: str) -> tuple[int, tuple[int, ...]] | None:
    """The offset and fields of the zip64 end record, if the archive has one, read where the locator says."""
    if end_at < _LOCATOR_SIZE:
        return None
    stream.seek(end_at - _LOCATOR_SIZE)
    locator = stream.read(_LOCATOR_SIZE)
    if locator[:4] != _LOCATOR:
        return None
    record_disk, record_at, disks = struct.unpack("<IQI", locator[4:])
    if record_disk or disks != 1:
        raise UnsafeInputError("refused: a ZIP spanning several disks (a split archive)", path=shown)
    if record_at + _END64_SIZE != end_at - _LOCATOR_SIZE:
        # zipfile reads the record just before the locator; other tools read it where the locator points
        raise UnsafeInputError(
            "refused: the ZIP's zip64 locator points at another zip64 end record than the one before it",
            path=shown,
        )
    stream.seek(record_at)
    record = stream.read(_END64_SIZE)
    if record[:4] != _END64 or struct.unpack("<Q", record[4:12])[0] != _END64_SIZE - 12:
        raise UnsafeInputError("refused: the ZIP's zip64 end record is damaged or extended", path=shown)
    fields = struct.unpack("<IIQQQQ", record[16:])
    return record_at, fields


def _central_names(stream: IO[bytes], start: int, size: int, shown: str) -> list[bytes]:
    """The raw name bytes of every central directory entry, refusing a member on another disk."""
    stream.seek(start)
    directory = stream.read(size)
    names: list[bytes] = []
    at = 0
    while at < len(directory):
        header = directory[at : at + _CENTRAL_SIZE]
        if len(header) < _CENTRAL_SIZE or header[:4] != _CENTRAL:
            raise UnsafeInputError("refused: the ZIP's central directory is damaged", path=shown)
        name_length, extra_length, comment_length, disk = struct.unpack("<HHHH", header[28:36])
        name = directory[at + _CENTRAL_SIZE : at + _CENTRAL_SIZE + name_length]
        if disk:
            raise UnsafeInputError(
                f"refused: ZIP member {quoted_name(name.decode('utf-8', 'replace'))} lies on another disk", path=shown
            )
        names.append(name)
        at += _CENTRAL_SIZE + name_length + extra_length + comment_length
    if at != len(directory):
        raise UnsafeInputError("refused: the ZIP's central directory is damaged", path=shown)
    return names


def _refuse_hidden_entries(
    stream: IO[bytes], infos: list[zipfile.ZipInfo], names: list[bytes], cd_start: int, shown: str
) -> None:
    """Refuse unless the members' local headers and data fill the bytes before the central directory exactly."""
    position = 0
    previous = "the start of the archive"
    for info, raw in sorted(zip(infos, names, strict=True), key=lambda pair: pair[0].header_offset):
        if info.header_offset < position:
            raise UnsafeInputError("refused: ZIP members overlap each other (a possible zip bomb)", path=shown)
        if info.header_offset > position:
            what = _hidden_name(stream, position, info.header_offset)
            raise UnsafeInputError(
                f"refused: {what} between {previous} and ZIP member {quoted_name(info.filename)} is not in the central "
                "directory (a hidden local entry)",
                path=shown,
            )
        stream.seek(position)
        header = stream.read(_LOCAL_SIZE)
        if len(header) < _LOCAL_SIZE or header[:4] != _LOCAL:
            raise UnsafeInputError(f"refused: ZIP member {quoted_name(info.filename)} has no local header", path=shown)
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        if stream.read(name_length) != raw:
            raise UnsafeInputError(
                f"refused: ZIP member {quoted_name(info.filename)} has another name in its local header", path=shown
            )
        position += _LOCAL_SIZE + name_length + extra_length + info.compress_size
        if info.flag_bits & _DATA_DESCRIPTOR_FLAG:
            position += _descriptor_size(stream, position, info)
        previous = f"ZIP member {quoted_name(info.filename)}"
    if position != cd_start:
        what = _hidden_name(stream, position, cd_start)
        raise UnsafeInputError(
            f"refused: {what} after {previous} is not in the central directory (a hidden local entry)", path=shown
        )


def _descriptor_size(stream: IO[bytes], at: int, info: zipfile.ZipInfo) -> int:
    """The size of the data descriptor at ``at``: CRC and two sizes, 4 or 8 bytes each, optionally signed."""
    stream.seek(at)
    signed = stream.read(4) == _DESCRIPTOR
    wide = info.compress_size >= 0xFFFFFFFF or info.file_size >= 0xFFFFFFFF
    return (4 if signed else 0) + (20 if wide else 12)


def _hidden_name(stream: IO[bytes], start: int, stop: int) -> str:
    """How to name the unlisted bytes in ``[start, stop)``: the local entry they hold, if they begin with one."""
    stream.seek(start)
    header = stream.read(_LOCAL_SIZE)
    if len(header) == _LOCAL_SIZE and header[:4] == _LOCAL and stop > start:
        name_length = struct.unpack("<H", header[26:28])[0]
        name = stream.read(min(name_length, max(stop - start - _LOCAL_SIZE, 0)))
        return f"the local entry {quoted_name(name.decode('utf-8', 'replace'))}"
    return f"{abs(stop - start)} bytes"


__all__ = ["quoted_name", "refuse_ambiguous_layout"]
