"""Hostile input beyond the metadata file (issue 18): ZIP layouts readers disagree on, deep names and files.

Each case is given to every command that reads it (``validate``, ``verify``, ``unpack``, ``status``,
``tre check``; ``new`` for spec files, ``verify``/``receive --trust`` for trust stores) and must end in one
clear line (exit 2, a typed error naming the input and the member) or an issue naming the member (exit 1),
never a traceback, an internal error or a temporary left in the output folder.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket as socket_module
import struct
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fivesafes_crate.authoring.spec import SpecError, load_request_spec
from fivesafes_crate.cli import app
from fivesafes_crate.errors import UnsafeInputError
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging.unpacking import unpack
from fivesafes_crate.signing.trust import TrustStoreError, load_trust_store
from fivesafes_crate.validation.engine import validate

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "request"
AGENT = {
    "FIVESAFES_AGENT": "https://safehaven.example.org/#crate-validator",
    "FIVESAFES_AGENT_NAME": "Crate validator of the Example Safe Haven",
    "FIVESAFES_AGENT_TYPE": "software",
    "FIVESAFES_PROVIDER": "https://safehaven.example.org/",
    "FIVESAFES_PROVIDER_NAME": "Example Safe Haven",
}
READERS = ("validate", "verify", "unpack", "status", "tre check")


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], env=AGENT)


def assert_one_error_line(result: Any, *fragments: str) -> None:
    """Exit 2, nothing on stdout, one ``error:`` line on stderr holding every fragment, no internal error."""
    assert result.exit_code == 2, (result.exit_code, result.stdout[-2000:], result.stderr[-2000:])
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    assert "internal error" not in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def no_temporaries(folder: Path) -> None:
    left = [p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]
    assert not left, f"temporaries left behind: {left}"


def run_reader(command: str, archive: Path, tmp_path: Path) -> Any:
    if command == "unpack":
        return invoke("unpack", archive, "-o", tmp_path / "unpacked")
    if command == "tre check":
        return invoke("tre", "check", archive)
    return invoke(command, archive)


# --------------------------------------------------------------------------------------------------------------
# Building ZIPs byte by byte from a valid bag ZIP.


@pytest.fixture
def bag(tmp_path: Path, bag_zip: Callable[..., Path]) -> Path:
    """The example request as a valid bag ZIP (one top-level folder ``bag/``)."""
    return bag_zip(EXAMPLE, tmp_path / "request.zip")


def end_record(data: bytes) -> int:
    return data.rindex(b"PK\x05\x06")


def central_entries(data: bytes) -> list[int]:
    """Offsets of every central directory entry."""
    end = end_record(data)
    size, offset = struct.unpack("<II", data[end + 12 : end + 20])
    found, at = [], offset
    while at < offset + size:
        found.append(at)
        name, extra, comment = struct.unpack("<HHH", data[at + 28 : at + 34])
        at += 46 + name + extra + comment
    return found


def with_extra_member(archive: Path, target: Path, name: str, data: bytes = b"x") -> Path:
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        out.writestr(zipfile.ZipInfo(name, date_time=(2024, 3, 6, 12, 0, 0)), data)
    return target


def with_nul_in_name(archive: Path, target: Path) -> Path:
    """A member ``bag/data/evil.txt`` renamed ``bag/data/ev\\0l.txt`` in both headers (zipfile cuts at the NUL)."""
    with_extra_member(archive, target, "bag/data/evil.txt")
    target.write_bytes(target.read_bytes().replace(b"bag/data/evil.txt", b"bag/data/ev\x00l.txt"))
    return target


def with_hidden_local_entry(archive: Path, target: Path) -> Path:
    """A local entry ``bag/data/hidden.txt`` placed before the first member, listed in no central directory."""
    hidden = target.with_suffix(".hidden")
    with zipfile.ZipFile(hidden, "w") as out:
        out.writestr("bag/data/hidden.txt", b"not in the central directory")
    raw = hidden.read_bytes()
    local = raw[: struct.unpack("<I", raw[end_record(raw) + 16 : end_record(raw) + 20])[0]]
    data = bytearray(archive.read_bytes())
    for at in central_entries(bytes(data)):
        (offset,) = struct.unpack("<I", data[at + 42 : at + 46])
        data[at + 42 : at + 46] = struct.pack("<I", offset + len(local))
    end = end_record(bytes(data))
    (offset,) = struct.unpack("<I", data[end + 16 : end + 20])
    data[end + 16 : end + 20] = struct.pack("<I", offset + len(local))
    target.write_bytes(local + bytes(data))
    return target


def with_hidden_entry_between(archive: Path, target: Path) -> Path:
    """Bytes of another local entry slipped in after the last member, before the central directory."""
    data = bytearray(archive.read_bytes())
    end = end_record(bytes(data))
    (offset,) = struct.unpack("<I", data[end + 16 : end + 20])
    slipped = b"PK\x03\x04" + bytes(22) + struct.pack("<HH", 10, 0) + b"hidden.txt"
    data[end + 16 : end + 20] = struct.pack("<I", offset + len(slipped))
    target.write_bytes(bytes(data[:offset]) + slipped + bytes(data[offset:]))
    return target


def on_several_disks(archive: Path, target: Path) -> Path:
    data = bytearray(archive.read_bytes())
    end = end_record(bytes(data))
    data[end + 4 : end + 8] = struct.pack("<HH", 1, 1)
    target.write_bytes(bytes(data))
    return target


def member_on_another_disk(archive: Path, target: Path) -> Path:
    data = bytearray(archive.read_bytes())
    at = central_entries(bytes(data))[-1]
    data[at + 34 : at + 36] = struct.pack("<H", 3)
    target.write_bytes(bytes(data))
    return target


def with_zip64_records(archive: Path, target: Path, *, entries_delta: int = 0, second: bool = False) -> Path:
    """The archive with a zip64 end record and locator before its end record, as large archives have.

    ``entries_delta`` makes the zip64 record's member count disagree with the classic record's; ``second``
    adds a second zip64 end record, in the archive comment, where the locator points (zipfile reads the one
    before the locator, other tools the one the locator points at).
    """
    data = archive.read_bytes()
    end = end_record(data)
    _, _, _, total, size, offset, _ = struct.unpack("<HHHHIIH", data[end + 4 : end + 22])

    def record(entries: int) -> bytes:
        return b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, entries, entries, size, offset)

    first = record(total + entries_delta)
    decoy = record(total - 1) if second else b""
    end_at = end + len(first) + 20
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, end_at + 22 if second else end, 1)
    classic = data[end : end + 20] + struct.pack("<H", len(decoy))
    target.write_bytes(data[:end] + first + locator + classic + decoy)
    return target


def with_bad_crc(archive: Path, target: Path, member: str) -> Path:
    """``member``'s CRC-32 changed in both its local header and its central directory entry."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as source:
        info = source.getinfo(member)
    data[info.header_offset + 14 : info.header_offset + 18] = struct.pack("<I", info.CRC ^ 1)
    for at in central_entries(bytes(data)):
        length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + length] == member.encode():
            data[at + 16 : at + 20] = struct.pack("<I", info.CRC ^ 1)
    target.write_bytes(bytes(data))
    return target


def with_data_after_end(archive: Path, target: Path) -> Path:
    target.write_bytes(archive.read_bytes() + b"trailing bytes another reader may take for an archive")
    return target


# --------------------------------------------------------------------------------------------------------------
# ZIP layouts that readers disagree on: refused by every reader, one line naming the archive and the member.

LAYOUTS: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "NUL in a member name": (with_nul_in_name, "'bag/data/ev\\x00l.txt' holds a NUL byte"),
    "local entry before the first member": (with_hidden_local_entry, "'bag/data/hidden.txt'"),
    "local entry after the last member": (with_hidden_entry_between, "'hidden.txt'"),
    "several disks": (on_several_disks, "several disks"),
    "a member on another disk": (member_on_another_disk, "lies on another disk"),
    "disagreeing zip64 end record": (
        lambda a, t: with_zip64_records(a, t, entries_delta=1), "zip64 end record disagrees"),
    "a second zip64 end record": (
        lambda a, t: with_zip64_records(a, t, second=True), "another zip64 end record"),
    "data after the end record": (with_data_after_end, "does not end the file"),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_an_ambiguous_zip_layout_is_refused_by_the_library(layout: str, bag: Path, tmp_path: Path) -> None:
    build, fragment = LAYOUTS[layout]
    archive = build(bag, tmp_path / "hostile.zip")
    with zipfile.ZipFile(archive) as lenient:  # Python's zipfile alone accepts every one of them
        assert lenient.namelist()
    with pytest.raises(UnsafeInputError) as caught:
        open_source(archive)
    assert fragment in str(caught.value) and caught.value.path == str(archive)
    with pytest.raises(UnsafeInputError):
        validate(archive)


@pytest.mark.parametrize("command", READERS)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_an_ambiguous_zip_layout_is_one_line_from_every_reader(
    layout: str, command: str, bag: Path, tmp_path: Path
) -> None:
    build, fragment = LAYOUTS[layout]
    archive = build(bag, tmp_path / "hostile.zip")
    before = archive.read_bytes()
    assert_one_error_line(run_reader(command, archive, tmp_path), "hostile.zip", fragment)
    assert archive.read_bytes() == before
    assert not (tmp_path / "unpacked").exists()
    no_temporaries(tmp_path)


def test_a_zip64_archive_whose_records_agree_is_read(bag: Path, tmp_path: Path) -> None:
    archive = with_zip64_records(bag, tmp_path / "zip64.zip")
    assert validate(archive).valid


def test_overlapping_members_are_refused(bag: Path, tmp_path: Path) -> None:
    data = bytearray(bag.read_bytes())
    last = central_entries(bytes(data))[-1]
    data[last + 42 : last + 46] = struct.pack("<I", 0)  # the last member's local header is the first one's
    archive = tmp_path / "overlap.zip"
    archive.write_bytes(bytes(data))
    with pytest.raises(UnsafeInputError, match="overlap"):
        open_source(archive)


def test_a_bad_crc_on_the_metadata_member_names_the_member(bag: Path, tmp_path: Path) -> None:
    archive = with_bad_crc(bag, tmp_path / "crc.zip", "bag/data/ro-crate-metadata.json")
    report = validate(archive)
    assert not report.valid
    [unreadable] = [i for i in report.issues if i.check == "metadata.present"]
    assert "damaged" in unreadable.message and "CRC" in unreadable.message
    for command in ("status", "tre check"):
        assert_one_error_line(run_reader(command, archive, tmp_path), "crc.zip/bag/data/ro-crate-metadata.json",
                              "CRC-32")
    result = invoke("validate", archive, "--format", "json")
    assert result.exit_code == 1 and "metadata.present" in {i["check"] for i in json.loads(result.stdout)["issues"]}
    assert_one_error_line(invoke("unpack", archive, "-o", tmp_path / "out"), "ro-crate-metadata.json", "CRC-32")
    no_temporaries(tmp_path)


# --------------------------------------------------------------------------------------------------------------
# Recursion: a 10,000-level path in a ZIP, a 10,000-deep spec file or trust store.

DEEP = 10_000


def test_a_deep_member_path_is_refused_by_every_reader_without_temporaries(bag: Path, tmp_path: Path) -> None:
    archive = with_extra_member(bag, tmp_path / "deep.zip", "bag/data/" + "d/" * DEEP + "x.txt")
    report = validate(archive)
    [deep] = [i for i in report.issues if i.check == "zip.entry-name"]
    assert "nested deeper than 128 folders" in deep.message and len(deep.message) < 600
    with pytest.raises(UnsafeInputError, match="nested deeper than 128 folders"):
        unpack(archive, tmp_path / "lib-out")
    for command in ("unpack", "tre check"):
        assert_one_error_line(run_reader(command, archive, tmp_path), "deep.zip", "nested deeper than 128 folders")
    for command in ("validate", "verify"):
        result = run_reader(command, archive, tmp_path)
        assert result.exit_code == 1 and "nested deeper than 128 folders" in result.stdout
    assert not (tmp_path / "unpacked").exists() and not (tmp_path / "lib-out").exists()
    no_temporaries(tmp_path)


def test_a_member_path_at_the_depth_limit_is_unpacked(bag: Path, tmp_path: Path) -> None:
    name = "bag/" + "d/" * 126 + "x.txt"  # 127 folders above the file
    archive = with_extra_member(bag, tmp_path / "ok.zip", name)
    unpack(archive, tmp_path / "out")
    assert (tmp_path / "out").joinpath(*name.split("/")[1:]).read_bytes() == b"x"


def spec(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


DEEP_SPECS = {
    "deep.json": '{"title": ' + "[" * DEEP + "]" * DEEP + "}",
    "deep.yaml": "title: " + "[" * DEEP + "]" * DEEP + "\n",
    "deep-block.yaml": "".join(f"{' ' * i}k:\n" for i in range(200)),
}


@pytest.mark.parametrize("name", sorted(DEEP_SPECS))
def test_a_deep_spec_file_is_refused(name: str, tmp_path: Path) -> None:
    path = spec(tmp_path, name, DEEP_SPECS[name])
    with pytest.raises(SpecError, match="nested deeper than 64 levels"):
        load_request_spec(path)
    assert_one_error_line(invoke("new", tmp_path / "out", "--spec", path), name, "nested deeper than 64 levels")
    assert not (tmp_path / "out").exists()
    no_temporaries(tmp_path)


def laughs(levels: int) -> str:
    text = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for level in range(1, levels):
        text += f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]\n"
    return text + f"title: *a{levels - 1}\n"


ALIAS_SPECS = {
    "laughs.yaml": laughs(12),  # 9**12 "lol"s once expanded
    "recursive.yaml": "title: &x [*x]\n",
    "anchor-only.yaml": "title: &t A request\n",
}


@pytest.mark.parametrize("name", sorted(ALIAS_SPECS))
def test_yaml_aliases_in_a_spec_file_are_refused_before_anything_is_built(name: str, tmp_path: Path) -> None:
    path = spec(tmp_path, name, ALIAS_SPECS[name])
    with pytest.raises(SpecError, match="anchors and aliases") as caught:
        load_request_spec(path)
    assert caught.value.line == 1 and caught.value.column is not None
    assert_one_error_line(invoke("new", tmp_path / "out", "--spec", path), f"{name}:1:", "anchors and aliases")
    assert not (tmp_path / "out").exists()


def test_a_deep_trust_store_is_refused(bag: Path, tmp_path: Path) -> None:
    store = tmp_path / "trust.toml"
    store.write_text("x = " + "[" * DEEP + "]" * DEEP + "\n")
    with pytest.raises(TrustStoreError, match="nested deeper than 16 levels"):
        load_trust_store(store)
    assert_one_error_line(invoke("verify", bag, "--trust", store), "trust.toml", "nested deeper than 16 levels")
    assert_one_error_line(invoke("receive", bag, "--trust", store), "trust.toml", "nested deeper than 16 levels")


def test_a_bad_crc_on_a_tag_file_is_an_issue_naming_it(bag: Path, tmp_path: Path) -> None:
    archive = with_bad_crc(bag, tmp_path / "crc-tag.zip", "bag/bag-info.txt")
    report = validate(archive)
    [unreadable] = [i for i in report.issues if i.check == "bagit.bag-info"]
    assert unreadable.file == "bag-info.txt" and "damaged or unreadable (Bad CRC-32" in unreadable.message


# --------------------------------------------------------------------------------------------------------------
# BagIt: a Tag-File-Character-Encoding that is a codec, but not of text.


@pytest.mark.parametrize("codec", ["bz2_codec", "zlib", "base64", "rot13", "undefined"])
def test_a_non_text_tag_file_encoding_is_an_issue(codec: str, bag: Path, tmp_path: Path) -> None:
    folder = unpack(bag, tmp_path / "bag")
    (folder / "bagit.txt").write_text(f"BagIt-Version: 1.0\nTag-File-Character-Encoding: {codec}\n")
    report = validate(folder)
    [declared] = [i for i in report.issues if f"{codec!r}, which is not a character encoding" in i.message]
    assert declared.check == "bagit.declaration" and declared.file == "bagit.txt"
    result = invoke("validate", folder)
    assert result.exit_code == 1 and "not a character encoding" in result.stdout and result.stderr == ""


def test_a_text_tag_file_encoding_other_than_utf8_is_read(bag: Path, tmp_path: Path) -> None:
    folder = unpack(bag, tmp_path / "bag")
    (folder / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: ISO-8859-1\n")
    report = validate(folder)
    assert not [i for i in report.issues if i.check == "bagit.declaration"]


# --------------------------------------------------------------------------------------------------------------
# Special files as outputs: never replaced by a rename.


def special_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    listening = tmp_path / "sock"
    server = socket_module.socket(socket_module.AF_UNIX)  # a socket file (the suite allows Unix sockets only)
    server.bind(str(listening))
    server.close()
    link = tmp_path / "link.zip"
    link.symlink_to(tmp_path / "elsewhere.zip")
    return {
        "fifo": (fifo, "a FIFO (named pipe)"),
        "socket": (listening, "a socket"),
        "link": (link, "a symbolic link"),
        "device": (Path(os.devnull), "a character device"),
    }


@pytest.fixture
def specials(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    return special_files(tmp_path)


OUTPUT_WRITERS = {
    "pack": lambda crate, bag, out: ("pack", crate, "-o", out),
    "pack --force": lambda crate, bag, out: ("pack", crate, "-o", out, "--force"),
    "preview": lambda crate, bag, out: ("preview", bag, "-o", out),
    "preview --force": lambda crate, bag, out: ("preview", bag, "-o", out, "--force"),
}


@pytest.mark.parametrize("writer", sorted(OUTPUT_WRITERS))
@pytest.mark.parametrize("special", ["fifo", "socket", "link", "device"])
def test_an_output_that_is_not_a_regular_file_is_never_replaced(
    writer: str, special: str, specials: dict[str, tuple[Path, str]], bag: Path, tmp_path: Path
) -> None:
    path, kind = specials[special]
    before = os.lstat(path)
    result = invoke(*OUTPUT_WRITERS[writer](EXAMPLE, bag, path))
    assert_one_error_line(result, str(path), f"the output is {kind}, never replaced")
    after = os.lstat(path)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)
    assert not (tmp_path / "elsewhere.zip").exists()
    no_temporaries(tmp_path)


def test_replacing_a_special_file_is_refused_by_the_primitive(specials: dict[str, tuple[Path, str]],
                                                              tmp_path: Path) -> None:
    from fivesafes_crate.errors import UsageError
    from fivesafes_crate.model.crate import write_atomic

    for path, kind in specials.values():
        with pytest.raises(UsageError, match=re.escape(f"the output is {kind}")):
            write_atomic(path, b"data")
    write_atomic(tmp_path / "regular.txt", b"old")
    write_atomic(tmp_path / "regular.txt", b"new")
    assert (tmp_path / "regular.txt").read_bytes() == b"new"
    no_temporaries(tmp_path)


# --------------------------------------------------------------------------------------------------------------
# No socket at all: pyld's uuid1() (MAC address lookup, the uuidd daemon) is never called.


def test_validate_creates_no_socket_and_never_asks_for_the_mac_address(
    bag: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[tuple[Any, ...]] = []

    class NoSocket(socket_module.socket):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            created.append(args)
            raise AssertionError("a socket was created")

    def no_node_identifier(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("uuid1/getnode called: finding the MAC address opens sockets")

    monkeypatch.setattr(socket_module, "socket", NoSocket)
    monkeypatch.setattr(uuid, "uuid1", no_node_identifier)
    monkeypatch.setattr(uuid, "getnode", no_node_identifier)
    report = validate(bag)
    assert report.valid and created == []
    assert invoke("validate", bag).exit_code == 0 and created == []


# --------------------------------------------------------------------------------------------------------------
# JSON: duplicate keys (readers disagree on which counts), huge arrays (time and memory).


def metadata_text() -> str:
    return (EXAMPLE / "ro-crate-metadata.json").read_text()


def duplicated(key: str) -> tuple[str, int, int]:
    """The example metadata with ``key`` given twice, and the line and column of the second one."""
    text = metadata_text()
    if key == "@graph":
        body = text.rstrip().removesuffix("}").rstrip()
        text = body + ',\n  "@graph": []\n}\n'
        return text, text.count("\n", 0, text.rindex('"@graph"')) + 1, 3
    first = text.index('"conformsTo"')
    line_start = text.rindex("\n", 0, first) + 1
    text = text[:first] + '"conformsTo": {"@id": "https://w3id.org/5s-crate/0.5-DRAFT"}, ' + text[first:]
    column = first - line_start + len('"conformsTo": {"@id": "https://w3id.org/5s-crate/0.5-DRAFT"}, ') + 1
    return text, text.count("\n", 0, first) + 1, column


@pytest.mark.parametrize("key", ["conformsTo", "@graph"])
def test_a_duplicate_key_is_a_must_issue_with_its_line(key: str, tmp_path: Path,
                                                       bag_zip: Callable[..., Path]) -> None:
    text, line, column = duplicated(key)
    crate = tmp_path / "crate"
    crate.mkdir()
    (crate / "ro-crate-metadata.json").write_text(text)
    (crate / "cohort.json").write_bytes((EXAMPLE / "cohort.json").read_bytes())
    report = validate(crate)
    [issue] = [i for i in report.issues if i.check == "json.syntax"]
    assert issue.severity.name == "MUST" and f"{key!r} appears twice" in issue.message
    assert (issue.line, issue.column) == (line, column)
    result = invoke("validate", crate, "--format", "json")
    assert result.exit_code == 1
    [shown] = [i for i in json.loads(result.stdout)["issues"] if i["check"] == "json.syntax"]
    assert (shown["line"], shown["column"]) == (line, column)
    where = f"ro-crate-metadata.json:{line}:{column}: the key {key!r} appears twice"
    for args in (("pack", crate, "-o", tmp_path / "out.zip"), ("status", crate)):
        assert_one_error_line(invoke(*args), where)
    archive = bag_zip(crate, tmp_path / "dup.zip")
    assert_one_error_line(invoke("tre", "check", archive), f"dup.zip/bag/data/{where}")
    assert not (tmp_path / "out.zip").exists()


def test_a_duplicate_key_spelled_with_escapes_is_still_refused(tmp_path: Path) -> None:
    from fivesafes_crate.model.crate import MetadataSyntaxError, parse_metadata

    with pytest.raises(MetadataSyntaxError, match="'a' appears twice"):
        parse_metadata(b'{"a": 1, "\\u0061": 2}')


def test_the_same_key_in_different_objects_is_fine() -> None:
    from fivesafes_crate.model.crate import parse_metadata

    assert parse_metadata(b'{"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]}') == {"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]}


@pytest.mark.parametrize("element", ['"x"', '{"@id": "#q"}'])
def test_a_million_element_array_is_refused_quickly_in_bounded_memory(element: str, tmp_path: Path) -> None:
    import tracemalloc

    crate = tmp_path / "crate"
    crate.mkdir()
    document = json.loads(metadata_text())
    document["@graph"][1]["keywords"] = "__ARRAY__"
    text = json.dumps(document).replace('"__ARRAY__"', "[" + ",".join([element] * 1_000_000) + "]")
    (crate / "ro-crate-metadata.json").write_text(text)
    tracemalloc.start()
    try:
        report = validate(crate)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    [issue] = [i for i in report.issues if i.check == "json.limits"]
    assert "array of 1000000 elements, more than the limit of 200000" in issue.message
    assert peak < 1024**3


def test_the_count_of_all_values_is_capped(tmp_path: Path) -> None:
    from fivesafes_crate.model.crate import MetadataLimitError, parse_metadata
    from fivesafes_crate.model.source import Limits

    document = json.dumps({"a": [[1, 2, 3]] * 10}).encode()
    assert parse_metadata(document, limits=Limits(max_json_values=42))
    with pytest.raises(MetadataLimitError, match="more than 41 JSON values"):
        parse_metadata(document, limits=Limits(max_json_values=41))
    with pytest.raises(MetadataLimitError, match="array of 10 elements, more than the limit of 9"):
        parse_metadata(document, limits=Limits(max_json_array_items=9))


# --------------------------------------------------------------------------------------------------------------
# kill -9 mid pack or unpack: the next run removes the dead run's temporaries, never a live writer's.

HOLDER = """
import sys, time
from pathlib import Path
from fivesafes_crate.model.safe_files import new_temporary_file, new_temporary_folder
target = Path(sys.argv[2])
if sys.argv[1] == "folder":
    temporary = new_temporary_folder(target).path
    (temporary / "data").mkdir()
    (temporary / "data" / "half-written").write_bytes(b"x" * 1000)
else:
    handle, claimed = new_temporary_file(target)
    temporary = claimed.path
    import os
    os.write(handle, b"PK half a zip")
print(temporary, flush=True)
time.sleep(600)
"""


def holding_a_temporary(kind: str, target: Path) -> tuple[subprocess.Popen[str], Path]:
    """A process that made (and locked) a temporary of ``target`` the library's way, and keeps running."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, kind, str(target)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line, "the holder process did not start"
    return process, Path(line)


WRITERS = {
    "unpack": ("folder", lambda bag, out: ("unpack", bag, "-o", out), "received"),
    "pack": ("file", lambda bag, out: ("pack", EXAMPLE, "-o", out), "request.bagit.zip"),
    "new": ("folder", lambda bag, out: ("new", out, "--spec", REPO / "examples" / "request-spec" / "request.yaml"),
            "new-request"),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_rerun_after_kill_9_removes_the_dead_runs_temporary(writer: str, bag: Path, tmp_path: Path) -> None:
    kind, command, name = WRITERS[writer]
    output = tmp_path / "out" / name
    output.parent.mkdir()
    process, temporary = holding_a_temporary(kind, output)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert temporary.exists()  # what a killed run leaves behind
    result = invoke(*command(bag, output))
    assert result.exit_code == 0, result.stderr
    assert output.exists() and not temporary.exists()
    no_temporaries(output.parent)


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_concurrent_writers_temporary_is_left_alone(writer: str, bag: Path, tmp_path: Path) -> None:
    kind, command, name = WRITERS[writer]
    output = tmp_path / "out" / name
    output.parent.mkdir()
    process, temporary = holding_a_temporary(kind, output)
    try:
        result = invoke(*command(bag, output))
        assert result.exit_code == 0, result.stderr
        assert output.exists() and temporary.exists()  # still in use by the live process
    finally:
        process.kill()
        process.wait()


def test_only_this_tools_naming_pattern_is_cleaned(tmp_path: Path) -> None:
    from fivesafes_crate.model.safe_files import remove_stale_temporaries

    target = tmp_path / "out.zip"
    kept = [tmp_path / n for n in (".out.zip.keep.tmp", ".out.zip.ABCDEFGH.tmp", "out.zip.abcdefgh.tmp",
                                   ".other.zip.abcdefgh.tmp", ".out.zip.abcdefgh.tmp.bak")]
    for path in kept:
        path.write_bytes(b"not ours")
    stale = tmp_path / ".out.zip.abcd_123.tmp"
    stale.write_bytes(b"ours, dead")
    link = tmp_path / ".out.zip.zzzzzzzz.tmp"
    link.symlink_to(kept[0])
    assert remove_stale_temporaries(target) == [stale]
    assert all(path.exists() for path in kept) and link.is_symlink()


# --------------------------------------------------------------------------------------------------------------
# Slip names, links, colliding names and bombs, given to every reader: refused or reported, nothing written.


def with_members(archive: Path, target: Path, members: dict[str, tuple[bytes, int]]) -> Path:
    """``archive`` plus ``members`` (name: data and Unix mode), written as they are (no name is cleaned)."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        for name, (data, mode) in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 3, 6, 12, 0, 0))
            info.create_system = 3
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)
    return target


FILE_MODE = 0o100644
SLIPS: dict[str, tuple[dict[str, tuple[bytes, int]], str]] = {
    "dot-dot": ({"bag/../evil.txt": (b"x", FILE_MODE)}, "'..' segment"),
    "absolute": ({"/tmp/evil.txt": (b"x", FILE_MODE)}, "absolute path"),
    "drive letter": ({"C:/evil.txt": (b"x", FILE_MODE)}, "absolute path"),
    "backslash": ({"bag\\..\\evil.txt": (b"x", FILE_MODE)}, "backslash in name"),
    "symbolic link": ({"bag/data/link": (b"/etc/passwd", 0o120777)}, "is a symbolic link"),
    "device": ({"bag/data/null": (b"", 0o020666)}, "is a device or other special file"),
    "case collision": ({"bag/data/Cohort.json": (b"x", FILE_MODE)}, "duplicates or collides"),
    "normalisation collision": (
        {"bag/data/cafe\u0301.txt": (b"x", FILE_MODE), "bag/data/caf\u00e9.txt": (b"y", FILE_MODE)},
        "duplicates or collides",
    ),
    "ratio bomb": ({"bag/data/zeros.bin": (bytes(20 * 1024 * 1024), FILE_MODE)}, "zip bomb"),
}


@pytest.mark.parametrize("slip", sorted(SLIPS))
def test_slips_links_collisions_and_bombs_from_every_reader(slip: str, bag: Path, tmp_path: Path) -> None:
    members, fragment = SLIPS[slip]
    archive = with_members(bag, tmp_path / "hostile.zip", members)
    before = archive.read_bytes()
    for command in ("unpack", "tre check"):  # readers that extract: refused, one line naming the member
        assert_one_error_line(run_reader(command, archive, tmp_path), "hostile.zip", fragment)
    for command in ("validate", "verify"):  # readers that report: the member is an issue, never read
        result = run_reader(command, archive, tmp_path)
        assert result.exit_code == 1 and result.stderr == "", (result.stdout, result.stderr)
    result = invoke("validate", archive, "--format", "json")
    messages = " ".join(i["message"] for i in json.loads(result.stdout)["issues"])
    assert fragment in messages
    assert invoke("status", archive).exit_code == 0  # the timeline reads the metadata only
    assert archive.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.zip", "request.zip"]
    assert not Path("/tmp/evil.txt").exists()


def test_a_zip_of_too_many_entries_is_refused_by_every_reader(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("bag/bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        for index in range(100_001):
            out.writestr(f"bag/data/{index}", b"")
    for command in READERS:
        assert_one_error_line(run_reader(command, archive, tmp_path), "many.zip",
                              "entries, more than the limit of 100000")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.zip"]


def test_concurrent_writers_of_one_output_never_leave_a_mixed_or_partial_file(tmp_path: Path) -> None:
    """Two ``pack`` processes race for one output: one writes it, the other is refused; nothing else is left."""
    script = Path(sys.executable).parent / "fivesafes"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fivesafes_crate"]
    output = tmp_path / "out.zip"
    racers = [subprocess.Popen([*command, "pack", str(EXAMPLE), "-o", str(output)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    finished = [(p.wait(timeout=120), *p.communicate()) for p in racers]
    assert sorted(code for code, _, _ in finished) == [0, 2], finished
    for code, _, stderr in finished:
        if code == 2:
            assert stderr.count("\n") == 1 and ("already exists" in stderr or "appeared while" in stderr), stderr
    assert validate(output).valid
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.zip"]
