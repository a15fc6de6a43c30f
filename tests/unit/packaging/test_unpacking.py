"""``unpack``: safe extraction of bag ZIPs, refusing whatever could escape the output or exhaust the disk."""

from __future__ import annotations

import contextlib
import stat
import zipfile
from pathlib import Path

import pytest

from fivesafes_crate.errors import CrateReadError, UnsafeInputError, UsageError
from fivesafes_crate.model.source import Limits
from fivesafes_crate.packaging import unpack
from unit.packaging._bags import FILE, tree


def test_unpack_writes_the_bag_contents_into_output(archive: Path, crate: Path, tmp_path: Path) -> None:
    out = unpack(archive, tmp_path / "unpacked")
    assert out == tmp_path / "unpacked"
    assert sorted(p.name for p in out.iterdir()) == [
        "bag-info.txt", "bagit.txt", "data", "manifest-sha512.txt", "tagmanifest-sha512.txt",
    ]
    assert tree(out / "data") == tree(crate)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    for path in out.rglob("*"):
        assert not path.is_symlink()
        assert stat.S_IMODE(path.stat().st_mode) == (0o755 if path.is_dir() else 0o644)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


# --- refusals ----------------------------------------------------------------------------------------------


def hostile(tmp_path: Path, members: list[tuple[str, bytes, int]], name: str = "hostile.zip") -> Path:
    """A ZIP whose members are (name, data, Unix mode): modes with S_IFLNK or S_IFCHR make special members."""
    target = tmp_path / name
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as opened:
        for member, data, mode in members:
            info = zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = mode << 16
            info.create_system = 3
            with pytest.warns(UserWarning) if any(m == member for m in opened.namelist()) else contextlib.nullcontext():
                opened.writestr(info, data, zipfile.ZIP_DEFLATED)
    return target


BAG = [
    ("bag/bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", stat.S_IFREG | 0o644),
    ("bag/data/ro-crate-metadata.json", b"{}", stat.S_IFREG | 0o644),
]


CASES: dict[str, list[tuple[str, bytes, int]]] = {
    "dot-dot": [*BAG, ("bag/../evil.txt", b"x", FILE)],
    "dot-dot-top": [*BAG, ("../evil.txt", b"x", FILE)],
    "absolute": [*BAG, ("/tmp/evil.txt", b"x", FILE)],
    "backslash": [*BAG, ("bag\\..\\evil.txt", b"x", FILE)],
    "symlink": [*BAG, ("bag/data/link", b"/etc/passwd", stat.S_IFLNK | 0o777)],
    "device": [*BAG, ("bag/data/dev", b"", stat.S_IFCHR | 0o644)],
    "duplicate": [*BAG, ("bag/data/a.txt", b"1", FILE), ("bag/data/a.txt", b"2", FILE)],
    "case-collision": [*BAG, ("bag/data/A.txt", b"1", FILE), ("bag/data/a.txt", b"2", FILE)],
    "two-top-level": [*BAG, ("other/x.txt", b"x", FILE)],
    "top-level-file": [*BAG, ("README", b"x", FILE)],
    "bag-at-root": [("bagit.txt", BAG[0][1], FILE), ("data/ro-crate-metadata.json", b"{}", FILE)],
    "bomb": [*BAG, ("bag/data/zeros.bin", bytes(20 * 1024 * 1024), FILE)],
    "no-bag": [("crate/ro-crate-metadata.json", b"{}", FILE)],
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_archives_are_refused_leaving_nothing(case: str, tmp_path: Path) -> None:
    box = tmp_path / "box"
    box.mkdir()
    archive = hostile(tmp_path, CASES[case])
    with pytest.raises(CrateReadError):
        unpack(archive, box / "out")
    assert list(box.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["box", "hostile.zip"]
    assert not Path("/tmp/evil.txt").exists()


def test_unsafe_members_raise_unsafe_input_error(tmp_path: Path) -> None:
    for case in ("dot-dot", "symlink", "device", "duplicate", "two-top-level", "bag-at-root", "bomb"):
        with pytest.raises(UnsafeInputError):
            unpack(hostile(tmp_path, CASES[case], f"{case}.zip"), tmp_path / f"{case}-out")


def test_a_member_larger_than_it_declares_is_refused(tmp_path: Path) -> None:
    """The central directory and local header claim 10 bytes; the data holds 4000."""
    archive = hostile(tmp_path, [*BAG, ("bag/data/liar.txt", b"a" * 4000, FILE)])
    raw = bytearray(archive.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := raw.find(signature, start)) >= 0:
            name_length = int.from_bytes(raw[start + offset + 4 : start + offset + 6], "little")
            header = 30 if signature == b"PK\x03\x04" else 46
            if raw[start + header : start + header + name_length] == b"bag/data/liar.txt":
                raw[start + offset : start + offset + 4] = (10).to_bytes(4, "little")
            start += 4
    archive.write_bytes(bytes(raw))
    with pytest.raises(CrateReadError):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["hostile.zip"]


def test_total_size_limit_applies(archive: Path, tmp_path: Path) -> None:
    with pytest.raises(CrateReadError):
        unpack(archive, tmp_path / "out", limits=Limits(max_total_bytes=100))
    assert not (tmp_path / "out").exists()


def test_output_must_be_new_and_input_a_zip(archive: Path, crate: Path, tmp_path: Path) -> None:
    (tmp_path / "exists").mkdir()
    with pytest.raises(UsageError, match="already exists"):
        unpack(archive, tmp_path / "exists")
    with pytest.raises(UsageError):
        unpack(archive, tmp_path / "missing" / "out")
    with pytest.raises(CrateReadError):
        unpack(crate, tmp_path / "a")
    with pytest.raises(CrateReadError):
        unpack(crate / "ro-crate-metadata.json", tmp_path / "b")
    with pytest.raises(CrateReadError):
        unpack(tmp_path / "nothing.zip", tmp_path / "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists", "request", "request.bagit.zip"]
