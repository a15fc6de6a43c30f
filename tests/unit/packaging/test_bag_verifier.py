"""The BagIt verifier: the Library of Congress conformance suite, the bagit package, ZIPs, links and damage."""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import bagit  # type: ignore[import-untyped]
import pytest

from fivesafes_crate import validate
from fivesafes_crate.errors import UnsafeInputError
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import ProblemKind, package, unpack, verify_bag
from unit.packaging._bags import (
    DAY,
    EXAMPLES,
    FILE,
    SUITE,
    URN,
    make_bag,
    make_crate,
    must,
    should,
    verify_folder,
    zip_folder,
)


def _cases() -> list[Path]:
    return sorted(p for p in SUITE.glob("v*/*/*") if p.is_dir())


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.relative_to(SUITE).as_posix())
def test_conformance_suite(case: Path) -> None:
    """valid: no MUST problem; invalid, linux-only and windows-only: some; warning: no MUST but a SHOULD.

    windows-only cases name files such as ``C:\\Windows\\...``: this reader refuses such paths on every
    platform (a crate checked on Linux may be unpacked on Windows), so they are invalid here too.
    """
    category = case.parent.name
    result = verify_folder(case)
    if category == "valid":
        assert not must(result), must(result)
        assert result.valid
    elif category in ("invalid", "linux-only", "windows-only"):
        assert must(result)
        assert not result.valid
    elif category == "warning":
        assert not must(result), must(result)
        assert should(result)
    else:  # pragma: no cover - a new category in the suite
        pytest.fail(f"unknown suite category {category}")


def test_suite_cases_give_the_expected_problem_kinds() -> None:
    """A sample of invalid and warning cases fails for the reason the case is about (not by accident)."""
    expected = {
        "v0.97/invalid/bom-in-bagit.txt": ProblemKind.DECLARATION,
        "v0.97/invalid/baginfo-missing-encoding": ProblemKind.DECLARATION,
        "v0.97/invalid/invalid-version-number": ProblemKind.DECLARATION,
        "v0.97/invalid/corrupt-data-file": ProblemKind.CHANGED,
        "v0.97/invalid/corrupt-tag-file": ProblemKind.CHANGED,
        "v0.97/invalid/extra-file-in-bag": ProblemKind.EXTRA,
        "v0.97/invalid/missing-baginfo": ProblemKind.MISSING,
        "v0.97/invalid/out-of-scope-file-paths-using-dot-notation": ProblemKind.UNSAFE_PATH,
        "v0.97/invalid/out-of-scope-file-paths-using-dot-notation-for-fetch": ProblemKind.UNSAFE_PATH,
        "v0.97/invalid/same-filename-listed-twice-with-different-hashes": ProblemKind.DUPLICATE,
        "v0.97/linux-only/out-of-scope-file-paths-using-shortcut": ProblemKind.UNSAFE_PATH,
        "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path-for-fetch": ProblemKind.UNSAFE_PATH,
        "v0.97/warning/made-with-md5sum-tools": ProblemKind.PORTABILITY,
        "v0.97/warning/relative-path": ProblemKind.PORTABILITY,
        "v0.97/warning/special-system-files": ProblemKind.SYSTEM_FILE,
        "v1.0/invalid/bagit-with-invalid-whitespace": ProblemKind.DECLARATION,
        "v1.0/invalid/notAllManifestsListAllFiles": ProblemKind.EXTRA,
        "v1.0/invalid/same-filename-listed-twice-with-the-same-hash": ProblemKind.DUPLICATE,
    }
    for case, kind in expected.items():
        assert verify_folder(SUITE / case).of(kind), case


# --- bags built here ---------------------------------------------------------------------------------------


def test_changed_missing_and_extra_files_are_reported_one_per_file(tmp_path: Path) -> None:
    folder = make_bag(tmp_path / "bag", {"data/a.txt": b"a", "data/b.txt": b"b", "data/c.txt": b"c"})
    (folder / "data/a.txt").write_bytes(b"A")
    (folder / "data/b.txt").unlink()
    (folder / "data/new.txt").write_bytes(b"new")
    with open_source(folder) as source:
        result = verify_bag(source)
    changed = result.of(ProblemKind.CHANGED)
    assert {(p.file, p.algorithm) for p in changed} == {("data/a.txt", "sha512"), ("data/a.txt", "md5")}
    assert {p.file for p in result.of(ProblemKind.MISSING)} == {"data/b.txt"}
    (extra,) = result.of(ProblemKind.EXTRA)
    assert extra.file == "data/new.txt" and "manifest-md5.txt, manifest-sha512.txt" in extra.message
    assert result.of(ProblemKind.OXUM)


def test_duplicate_listing_same_hash_is_a_warning_before_1_0_and_invalid_from_1_0(tmp_path: Path) -> None:
    for version, valid in (("0.97", True), ("1.0", False)):
        folder = make_bag(tmp_path / version, {"data/a.txt": b"a"}, version=version)
        manifest = folder / "manifest-md5.txt"
        manifest.write_bytes(manifest.read_bytes() * 2)
        with open_source(folder) as source:
            result = verify_bag(source)
        assert not result.of(ProblemKind.CHANGED, area="payload")
        assert bool(result.of(ProblemKind.DUPLICATE)) is not valid  # (the tag manifest is stale: not asserted)
        assert bool(result.of(ProblemKind.PORTABILITY)) is valid


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this platform")
def test_symlinks_in_a_folder_bag_are_reported_and_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"outside the bag")
    folder = make_bag(tmp_path / "bag", {"data/a.txt": b"a", "data/link.txt": b"outside the bag"})
    (folder / "data/link.txt").unlink()
    (folder / "data/link.txt").symlink_to(secret)
    with open_source(folder) as source:
        result = verify_bag(source)
    (special,) = result.of(ProblemKind.SPECIAL_FILE)
    assert special.file == "data/link.txt" and special.area == "payload"
    assert not result.valid
    assert result.files_checked == 5  # data/a.txt and 4 tag files: the link was not read


def test_damaged_zip_member_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    folder = make_bag(tmp_path / "bag", {"data/a.txt": b"x" * 5000})
    archive = zip_folder(folder, tmp_path / "bag.zip")
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("bag/data/a.txt")
        offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw = bytearray(archive.read_bytes())
    raw[offset + 2] ^= 0xFF  # corrupt the deflate stream of the member
    archive.write_bytes(bytes(raw))
    with open_source(archive) as source:
        result = verify_bag(source)
    (problem,) = result.of(ProblemKind.UNREADABLE, ProblemKind.CHANGED)
    assert problem.file == "data/a.txt" and problem.area == "payload"


def test_zip_read_in_place(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "0.4" / "example-result.bagit.zip", tmp_path / "r.zip")
    with open_source(tmp_path / "r.zip") as source:
        result = verify_bag(source)
    assert result.valid and result.files_checked == 19
    assert [p.name for p in tmp_path.iterdir()] == ["r.zip"]  # nothing extracted


def test_zip_member_modes_are_regular_files(tmp_path: Path) -> None:
    """Sanity check of the helper: members written by zipfile.write carry regular-file modes."""
    folder = make_bag(tmp_path / "bag", {"data/a.txt": b"a"})
    with zipfile.ZipFile(zip_folder(folder, tmp_path / "b.zip")) as archive:
        assert stat.S_ISREG(archive.getinfo("bag/data/a.txt").external_attr >> 16)


def test_verify_reports_progress_up_to_the_bytes_hashed(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c", {f"f{i}.bin": os.urandom(300_000 + i) for i in range(6)})
    archive = package(crate, tmp_path / "c.zip", external_identifier=URN, bagging_date=DAY)
    for target in (archive, unpack(archive, tmp_path / "out")):
        calls: list[tuple[int, int]] = []
        with open_source(target) as source:
            result = verify_bag(source, workers=3, progress=lambda d, t, calls=calls: calls.append((d, t)))
        assert result.valid
        assert calls and all(a[0] <= b[0] for a, b in itertools.pairwise(calls))
        assert calls[-1] == (result.bytes_hashed, result.bytes_hashed)


# --- packed bags, damaged and not --------------------------------------------------------------------------


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


@pytest.mark.parametrize("mutation", list(_mutations()))
def test_damage_is_caught_by_verify_and_validate(mutation: str, archive: Path, tmp_path: Path) -> None:
    damage, kind, file = _mutations()[mutation]
    out = unpack(archive, tmp_path / "out")
    damage(out / "data")
    with open_source(out) as source:
        result = verify_bag(source)
    assert not result.valid
    assert [p.file for p in result.of(kind)] == [file]
    damaged = zip_folder(out, tmp_path / "damaged.zip")
    with open_source(damaged) as source:
        assert [p.file for p in verify_bag(source).of(kind)] == [file]
    report = validate(damaged)
    assert not report.valid
    assert any(i.check == "bagit.payload-integrity" and i.file == file for i in report.issues), report.issues


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


# --- differential testing against the bagit package --------------------------------------------------------


def _fix_label_case(folder: Path) -> None:
    """Rewrite ``BagIt-version`` as ``BagIt-Version`` (and its tag-manifest line) so that bagit can read it."""
    declaration = folder / "bagit.txt"
    old = hashlib.sha512(declaration.read_bytes()).hexdigest()
    declaration.write_bytes(declaration.read_bytes().replace(b"BagIt-version", b"BagIt-Version"))
    tags = folder / "tagmanifest-sha512.txt"
    tags.write_text(tags.read_text().replace(old, hashlib.sha512(declaration.read_bytes()).hexdigest()))


def _bagit_failures(folder: Path) -> dict[str, set[str]] | None:
    """Files the bagit package finds missing, unexpected or changed; None when it finds the bag valid.

    bagit stops after a completeness failure (missing or unexpected files) without comparing checksums.
    """
    try:
        bagit.Bag(str(folder)).validate()
    except bagit.BagValidationError as exc:
        kinds = {"missing": bagit.FileMissing, "extra": bagit.UnexpectedFile, "changed": bagit.ChecksumMismatch}
        return {key: {d.path for d in exc.details if isinstance(d, cls)} for key, cls in kinds.items()}
    return None


def _our_failures(folder: Path) -> dict[str, set[str]] | None:
    with open_source(folder) as source:
        result = verify_bag(source)
    if result.valid:
        return None
    kinds = {"missing": ProblemKind.MISSING, "extra": ProblemKind.EXTRA, "changed": ProblemKind.CHANGED}
    return {key: {p.file or "" for p in result.of(kind)} for key, kind in kinds.items()}


def test_differential_basic_bag(tmp_path: Path) -> None:
    folder = shutil.copytree(SUITE / "v1.0/valid/basicBag", tmp_path / "basicBag")
    assert _bagit_failures(folder) is None and _our_failures(folder) is None
    (folder / "data/hello.txt").write_text("changed")
    assert (
        _bagit_failures(folder)
        == _our_failures(folder)
        == {"missing": set(), "extra": set(), "changed": {"data/hello.txt"}}
    )


@pytest.mark.parametrize("version", ["0.4", "0.5-DRAFT"])
@pytest.mark.parametrize("example", ["request", "result"])
def test_differential_example_zips(tmp_path: Path, version: str, example: str) -> None:
    with zipfile.ZipFile(EXAMPLES / version / f"example-{example}.bagit.zip") as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / f"example-{example}"
    _fix_label_case(folder)
    assert _bagit_failures(folder) is None
    assert _our_failures(folder) is None


@pytest.mark.parametrize("name", ["0.4/example-result", "0.5-DRAFT/example-request", "0.4/example-hutch"])
def test_differential_stale_example_folders(tmp_path: Path, name: str) -> None:
    folder = shutil.copytree(EXAMPLES / name, tmp_path / "bag")
    _fix_label_case(folder)
    theirs, ours = _bagit_failures(folder), _our_failures(folder)
    assert theirs is not None and ours is not None
    if theirs["missing"] or theirs["extra"]:  # bagit did not get to the checksums
        assert ours["changed"] and not theirs["changed"]
        ours["changed"] = set()
    assert theirs == ours
