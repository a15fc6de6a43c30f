"""The BagIt reader and verifier: the Library of Congress conformance suite, the bagit package, ZIPs and links."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
from pathlib import Path

import bagit  # type: ignore[import-untyped]
import pytest

from fivesafes_crate.errors import CrateReadError
from fivesafes_crate.issues import Severity
from fivesafes_crate.model.source import DEFAULT_LIMITS, CrateSource, DirectoryStorage, SourceKind, open_source
from fivesafes_crate.packaging import BagVerification, ProblemKind, read_bag, verify_bag
from unit._crates import REFERENCE_DIR

SUITE = REFERENCE_DIR / "bagit-conformance-suite"
EXAMPLES = REFERENCE_DIR / "5s-crate"


def _cases() -> list[Path]:
    return sorted(p for p in SUITE.glob("v*/*/*") if p.is_dir())


def verify_folder(path: Path) -> BagVerification:
    """Verify a folder as a bag even when it lacks bagit.txt (the suite's missing-bagit.txt case)."""
    source = CrateSource(
        path, SourceKind.BAG_DIRECTORY, DirectoryStorage(path, DEFAULT_LIMITS), "data/", "", DEFAULT_LIMITS
    )
    return verify_bag(source)


def must(result: BagVerification) -> list[str]:
    return [f"{p.kind.value}: {p.message}" for p in result.problems if p.severity >= Severity.MUST]


def should(result: BagVerification) -> list[str]:
    return [f"{p.kind.value}: {p.message}" for p in result.problems if p.severity < Severity.MUST]


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


def test_holey_bag_is_parsed_and_never_fetched() -> None:
    result = verify_folder(SUITE / "v0.97/valid/holey-bag")
    assert [f.path for f in result.info.fetch][3] == "data/test 1.txt"
    assert result.info.fetch[0].url.startswith("http://localhost")
    assert not result.of(ProblemKind.FETCH_PENDING)  # every fetched file is already present


def test_encoded_names_are_literal_except_the_three_rfc_escapes() -> None:
    result = verify_folder(SUITE / "v0.97/valid/bag-with-encoded-names")
    paths = {e.path for m in result.info.payload_manifests for e in m.entries}
    assert "data/%7Etest1.txt" in paths
    assert "data/%test2.txt" in paths


def test_tag_file_encodings() -> None:
    utf16 = verify_folder(SUITE / "v0.97/valid/UTF-16-encoded-tag-files")
    assert utf16.info.declaration.encoding == "UTF-16"
    assert utf16.info.values("Payload-Oxum") == ["58.2"]
    latin = verify_folder(SUITE / "v0.97/valid/ISO-8859-1-encoded-tag-files")
    assert latin.valid and latin.files_checked == 5


def test_bag_info_continuations_and_repeats() -> None:
    info = verify_folder(SUITE / "v0.96/valid/basic-bag").info
    assert info.values("External-Description") == [
        "Uncompressed greyscale TIFF images from the Yoshimuri papers collection."
    ]
    repeated = verify_folder(SUITE / "v0.96/valid/duplicate-metadata-entries").info
    assert len(repeated.values("Source-Organization")) == 2


def test_lower_case_version_label_is_a_warning_not_a_crash() -> None:
    with open_source(EXAMPLES / "0.4" / "example-request") as source:
        result = verify_bag(source)
    assert result.valid
    assert result.info.declaration.version == "1.0"
    (problem,) = result.of(ProblemKind.DECLARATION_CASE)
    assert problem.severity is Severity.SHOULD and problem.file == "bagit.txt"


def test_read_bag_refuses_a_crate_that_is_not_a_bag(tmp_path: Path) -> None:
    (tmp_path / "ro-crate-metadata.json").write_text("{}")
    with open_source(tmp_path) as source, pytest.raises(CrateReadError):
        read_bag(source)


# --- bags built here -----------------------------------------------------------------------------------------


def make_bag(folder: Path, payload: dict[str, bytes], *, version: str = "1.0") -> Path:
    """A consistent bag with sha512 and md5 payload manifests and a sha512 tag manifest."""
    for name, content in payload.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    tags = {"bagit.txt": f"BagIt-Version: {version}\nTag-File-Character-Encoding: UTF-8\n".encode()}
    octets = sum(len(c) for c in payload.values())
    tags["bag-info.txt"] = f"Payload-Oxum: {octets}.{len(payload)}\n".encode()
    for algorithm in ("sha512", "md5"):
        lines = "".join(
            f"{hashlib.new(algorithm, c).hexdigest()}  {n.replace('%', '%25')}\n" for n, c in sorted(payload.items())
        )
        tags[f"manifest-{algorithm}.txt"] = lines.encode()
    tags["tagmanifest-sha512.txt"] = "".join(
        f"{hashlib.sha512(c).hexdigest()}  {n}\n" for n, c in tags.items()
    ).encode()
    for name, content in tags.items():
        (folder / name).write_bytes(content)
    return folder


def zip_folder(folder: Path, target: Path, top: str = "bag") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return target


def test_multi_chunk_files_in_folder_and_zip_with_any_worker_count(tmp_path: Path) -> None:
    payload = {f"data/f{i:03}.bin": os.urandom(i * 37_000) for i in range(40)}
    payload["data/big.bin"] = os.urandom(3 * 1024 * 1024 + 5)  # several 1 MiB chunks
    folder = make_bag(tmp_path / "bag", payload)
    archive = zip_folder(folder, tmp_path / "bag.zip")
    total = sum(len(c) for c in payload.values())
    for target in (folder, archive):
        for workers in (1, 4):
            with open_source(target) as source:
                result = verify_bag(source, workers=workers)
            assert result.valid, must(result)
            assert result.payload_files == len(payload) and result.payload_bytes == total
            assert result.files_checked == len(payload) + 4  # payload and the four tag files listed
            assert result.bytes_hashed > total


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


def test_percent_encoded_names(tmp_path: Path) -> None:
    folder = make_bag(tmp_path / "bag", {"data/100%.txt": b"full"})
    with open_source(folder) as source:
        result = verify_bag(source)
    assert result.valid, must(result)
    assert result.info.payload_manifests[0].entries[0].written == "data/100%25.txt"


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


# --- differential testing against the bagit package ----------------------------------------------------------


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


def test_zip_members_are_opened_under_a_lock_and_stay_consistent(tmp_path: Path) -> None:
    """Many small ZIP members hashed by 8 threads give the same result as one thread."""
    payload = {f"data/d{i % 7}/f{i}.txt": f"file {i}\n".encode() * (i % 50 + 1) for i in range(400)}
    archive = zip_folder(make_bag(tmp_path / "bag", payload), tmp_path / "bag.zip")
    with open_source(archive) as source:
        one = verify_bag(source, workers=1)
        many = verify_bag(source, workers=8)
    assert one.valid and many.valid
    assert (one.files_checked, one.bytes_hashed) == (many.files_checked, many.bytes_hashed)


def test_zip_member_modes_are_regular_files(tmp_path: Path) -> None:
    """Sanity check of the helper: members written by zipfile.write carry regular-file modes."""
    folder = make_bag(tmp_path / "bag", {"data/a.txt": b"a"})
    with zipfile.ZipFile(zip_folder(folder, tmp_path / "b.zip")) as archive:
        assert stat.S_ISREG(archive.getinfo("bag/data/a.txt").external_attr >> 16)
