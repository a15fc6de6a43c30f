"""``unpack``: safe extraction of bag ZIPs; and the round trip pack -> unpack -> validate, with damage caught."""

from __future__ import annotations

import contextlib
import os
import stat
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from fivesafes_crate import validate
from fivesafes_crate.errors import CrateReadError, UnsafeInputError, UsageError
from fivesafes_crate.model.source import Limits, open_source
from fivesafes_crate.packaging import ProblemKind, pack, unpack, verify_bag
from unit._crates import write_crate

URN = "urn:uuid:9796155a-fe44-4614-89b8-71945f718ffb"
DAY = date(2024, 3, 6)


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) below ``folder``."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def crate(tmp_path: Path) -> Path:
    """The example request crate (valid at MUST) with a nested file added."""
    folder = write_crate(tmp_path / "request")
    (folder / "extra").mkdir()
    (folder / "extra" / "notes.md").write_bytes(b"# notes\n")
    return folder


@pytest.fixture
def archive(crate: Path, tmp_path: Path) -> Path:
    return pack(crate, tmp_path / "request.bagit.zip", external_identifier=URN, bagging_date=DAY)


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


def test_round_trip_validates_with_the_same_metadata_bytes(archive: Path, crate: Path, tmp_path: Path) -> None:
    original = validate(crate)
    zipped = validate(archive)
    out = unpack(archive, tmp_path / "out")
    unpacked = validate(out)
    assert original.valid and zipped.valid and unpacked.valid, (zipped.issues, unpacked.issues)
    assert not [i for i in zipped.issues if i.check.startswith(("bagit.", "zip.", "archive."))]
    assert (out / "data" / "ro-crate-metadata.json").read_bytes() == (crate / "ro-crate-metadata.json").read_bytes()
    with open_source(out) as source:
        assert verify_bag(source).valid


def _mutations() -> dict[str, tuple[Callable[[Path], None], ProblemKind, str]]:
    def flip(data: Path) -> None:
        path = data / "input1.txt"
        raw = bytearray(path.read_bytes())
        raw[3] ^= 0x01
        path.write_bytes(bytes(raw))

    def add(data: Path) -> None:
        (data / "extra" / "added.txt").write_bytes(b"new")

    def remove(data: Path) -> None:
        (data / "extra" / "notes.md").unlink()

    return {
        "flipped-byte": (flip, ProblemKind.CHANGED, "data/input1.txt"),
        "added-file": (add, ProblemKind.EXTRA, "data/extra/added.txt"),
        "removed-file": (remove, ProblemKind.MISSING, "data/extra/notes.md"),
    }


def _rezip(folder: Path, target: Path) -> Path:
    """Zip a bag folder again, as ``bag/...``, without going through pack (which would re-hash it)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as opened:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                opened.write(path, "bag/" + path.relative_to(folder).as_posix())
    return target


@pytest.mark.parametrize("mutation", list(_mutations()))
def test_damage_is_caught_by_verify_and_validate(mutation: str, archive: Path, tmp_path: Path) -> None:
    damage, kind, file = _mutations()[mutation]
    out = unpack(archive, tmp_path / "out")
    damage(out / "data")
    with open_source(out) as source:
        result = verify_bag(source)
    assert not result.valid
    assert [p.file for p in result.of(kind)] == [file]
    damaged = _rezip(out, tmp_path / "damaged.zip")
    with open_source(damaged) as source:
        assert [p.file for p in verify_bag(source).of(kind)] == [file]
    report = validate(damaged)
    assert not report.valid
    assert any(i.check == "bagit.payload-integrity" and i.file == file for i in report.issues), report.issues


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
FILE = stat.S_IFREG | 0o644

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


# --- what verify says of the container ---------------------------------------------------------------------

APPENDED: dict[str, list[tuple[str, bytes, int]]] = {
    "dot-dot": [("request/data/../../evil.txt", b"x", FILE)],
    "second-top-level": [("other/x.txt", b"x", FILE)],
    "case-collision": [("request/data/Extra/notes.md", b"x", FILE)],
    "bomb": [("request/data/zeros.bin", bytes(20 * 1024 * 1024), FILE)],
}


@pytest.mark.parametrize("case", list(APPENDED))
def test_verify_reports_what_the_zip_around_an_intact_bag_breaks(case: str, archive: Path, tmp_path: Path) -> None:
    """The bag inside is intact, but unpack refuses the ZIP: verify must not call it valid."""
    with open_source(archive) as source:
        assert verify_bag(source).valid
    with zipfile.ZipFile(archive, "a") as opened:
        for member, data, mode in APPENDED[case]:
            info = zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr, info.create_system = mode << 16, 3
            opened.writestr(info, data, zipfile.ZIP_DEFLATED)
    with open_source(archive) as source:
        result = verify_bag(source)
    assert not result.valid
    assert result.of(ProblemKind.CONTAINER), result.problems
    with pytest.raises(UnsafeInputError):
        unpack(archive, tmp_path / "out")


def test_limits_reach_pack_and_exhaustion_is_unsafe_input(crate: Path, tmp_path: Path) -> None:
    few = Limits(max_entries=3)
    with pytest.raises(UnsafeInputError, match="more than 3 files and folders"):
        pack(crate, tmp_path / "few.zip", limits=few)
    archive = pack(crate, tmp_path / "all.zip", limits=Limits(max_entries=1_000))
    with pytest.raises(UnsafeInputError, match="entries, more than the limit of 3"):
        unpack(archive, tmp_path / "out", limits=few)
    with pytest.raises(UnsafeInputError, match="uncompressed bytes, more than the limit of 10"):
        unpack(archive, tmp_path / "out", limits=Limits(max_total_bytes=10))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.zip", "request"]


def test_a_packed_zip_and_its_rename_are_synced(crate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ZIP's bytes are synced before the rename, and its folder after it (so the new name is durable)."""
    synced: list[str] = []
    real_fsync = os.fsync

    def watched(handle: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{handle}"))
        real_fsync(handle)

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name the synced files")
    monkeypatch.setattr(os, "fsync", watched)
    target = pack(crate, tmp_path / "request.bagit.zip")
    temporary = [name for name in synced if Path(name).name.startswith(".request.bagit.zip.")]
    assert temporary and synced.index(temporary[-1]) < synced.index(str(tmp_path))
    assert synced[-1] == str(tmp_path) and target.is_file()
