"""``pack``: layout, determinism, re-packing, refusals and atomicity of the bags written here.

Differential checks: every bag written here also validates with the ``bagit`` package, and the payloads of
the BagIt conformance suite's valid bags survive pack and unpack byte for byte.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import unicodedata
import uuid
import zipfile
from datetime import date
from pathlib import Path

import bagit  # type: ignore[import-untyped]
import pytest

from fivesafes_crate.errors import CrateReadError, FiveSafesError, OutputExistsError, UnsafeInputError, UsageError
from fivesafes_crate.model.crate import MetadataSyntaxError
from fivesafes_crate.model.source import Limits, open_source
from fivesafes_crate.packaging import PayloadCopier, package, read_bag, unpack, verify_bag
from unit.packaging._bags import DAY, METADATA, SUITE, URN, listing, make_crate

# --- the ZIP -----------------------------------------------------------------------------------------------


def test_zip_layout_is_one_sorted_folder_with_fixed_metadata(tmp_path: Path) -> None:
    crate = make_crate(
        tmp_path / "request",
        {"input1.txt": b"text " * 100, ".hidden": b"h", "sub/deep/x.txt": b"x", "random.bin": os.urandom(40_000)},
    )
    (crate / "empty").mkdir()
    archive = package(crate, external_identifier=URN, bagging_date=DAY)
    assert archive == tmp_path / "request.bagit.zip"
    with zipfile.ZipFile(archive) as opened:
        infos = opened.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert {name.split("/", 1)[0] for name in names} == {"request"}
        assert names == [
            "request/", "request/bag-info.txt", "request/bagit.txt", "request/data/", "request/data/.hidden",
            "request/data/empty/", "request/data/input1.txt", "request/data/random.bin",
            "request/data/ro-crate-metadata.json", "request/data/sub/", "request/data/sub/deep/",
            "request/data/sub/deep/x.txt", "request/manifest-sha512.txt", "request/tagmanifest-sha512.txt",
        ]
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.create_system == 3
            assert info.extra == b"" and info.comment == b""
            mode = info.external_attr >> 16
            if info.is_dir():
                assert mode == stat.S_IFDIR | 0o755 and info.compress_type == zipfile.ZIP_STORED
            else:
                assert mode == stat.S_IFREG | 0o644
        types = {info.filename: info.compress_type for info in infos}
        assert types["request/data/input1.txt"] == zipfile.ZIP_DEFLATED
        assert types["request/data/random.bin"] == zipfile.ZIP_STORED  # incompressible: stored
        assert opened.comment == b""
        info_text = opened.read("request/bag-info.txt").decode()
        assert opened.testzip() is None
    octets = sum(p.stat().st_size for p in crate.rglob("*") if p.is_file())
    assert info_text == f"External-Identifier: {URN}\nBagging-Date: 2024-03-06\nPayload-Oxum: {octets}.5\n"
    with open_source(archive) as source:
        result = verify_bag(source)
    assert result.valid and not result.problems and result.files_checked == 8


def test_packing_twice_gives_identical_bytes(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c", {"a.txt": b"a" * 5000, "é/ü.bin": os.urandom(70_000)})
    (tmp_path / "again").mkdir()
    one = package(crate, tmp_path / "one.zip", external_identifier=URN, bagging_date=DAY).read_bytes()
    two = package(crate, tmp_path / "again" / "one.zip", external_identifier=URN, bagging_date=DAY).read_bytes()
    assert two == one
    other = package(crate, tmp_path / "other.zip", external_identifier=URN, bagging_date=date(2024, 3, 7))
    assert other.read_bytes() != one


def test_identifier_and_date_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crate = make_crate(tmp_path / "c")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    today = package(crate, tmp_path / "today.zip")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    epoch = package(crate, tmp_path / "epoch.zip")
    values = {}
    for archive in (today, epoch):
        with open_source(archive) as source:
            info = read_bag(source)
        values[archive.name] = (info.values("External-Identifier")[0], info.values("Bagging-Date")[0])
    identifier, day = values["today.zip"]
    assert identifier.startswith("urn:uuid:") and uuid.UUID(identifier[9:]).version == 4
    assert day == date.today().isoformat()
    assert values["epoch.zip"][1] == "2023-11-14"
    assert values["epoch.zip"][0] != identifier  # freshly generated for each request
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError):
        package(crate, tmp_path / "bad.zip")
    assert not (tmp_path / "bad.zip").exists()


def test_top_level_folder_is_named_after_the_output(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c")
    for name, top in (("query-12389.bagit.zip", "query-12389"), ("x.zip", "x"), ("plain", "plain")):
        archive = package(crate, tmp_path / name, external_identifier=URN, bagging_date=DAY)
        with zipfile.ZipFile(archive) as opened:
            assert {n.split("/", 1)[0] for n in opened.namelist()} == {top}


def test_existing_zip_output_is_refused_unless_overwrite(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c")
    target = tmp_path / "c.zip"
    target.write_bytes(b"a signed bag")
    with pytest.raises(OutputExistsError, match="already exists") as caught:
        package(crate, target, external_identifier=URN, bagging_date=DAY)
    assert caught.value.path == str(target)
    assert target.read_bytes() == b"a signed bag"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "c.zip"]  # no temporary left
    assert package(crate, target, external_identifier=URN, bagging_date=DAY, overwrite=True) == target
    assert zipfile.is_zipfile(target)


def test_an_output_that_appears_while_packing_is_not_replaced(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c", {"big.bin": b"x" * 100_000})
    target = tmp_path / "c.zip"

    def someone_else_writes(done: int, total: int) -> None:
        if not target.exists():
            target.write_bytes(b"theirs")

    with pytest.raises(OutputExistsError, match="appeared"):
        package(crate, target, external_identifier=URN, bagging_date=DAY, progress=someone_else_writes)
    assert target.read_bytes() == b"theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "c.zip"]


def test_an_existing_bag_folder_is_refused_even_with_overwrite(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c")
    (tmp_path / "c.bagit").mkdir()
    with pytest.raises(OutputExistsError, match="never replaced"):
        package(crate, folder=True, overwrite=True)


def test_metadata_that_is_not_json_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c")
    (crate / "ro-crate-metadata.json").write_text('{\n  "@graph": [,]\n}\n')
    with pytest.raises(MetadataSyntaxError) as caught:
        package(crate, tmp_path / "c.zip", external_identifier=URN, bagging_date=DAY)
    assert (caught.value.line, caught.value.column) == (2, 14)
    assert not (tmp_path / "c.zip").exists()


# --- bag folders, re-packing and the bagit package ---------------------------------------------------------


def test_bag_folder_output_validates_with_the_bagit_package(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c", {"a b.txt": b"1", "ü/x.csv": b"2,3\n", ".dot": b""})
    folder = package(crate, folder=True, external_identifier=URN, bagging_date=DAY)
    assert folder == tmp_path / "c.bagit"
    bagit.Bag(str(folder)).validate()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert all(stat.S_IMODE(p.stat().st_mode) == (0o755 if p.is_dir() else 0o644) for p in folder.rglob("*"))
    unpacked = unpack(package(crate, tmp_path / "c.zip", external_identifier=URN, bagging_date=DAY), tmp_path / "u")
    bagit.Bag(str(unpacked)).validate()
    for name in ("bagit.txt", "bag-info.txt", "manifest-sha512.txt", "tagmanifest-sha512.txt"):
        assert (folder / name).read_bytes() == (unpacked / name).read_bytes()


def test_bagit_package_bags_repack_keeping_their_identifier(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "made")
    bagit.make_bag(str(crate), {"External-Identifier": URN}, checksums=["sha256"])
    archive = package(crate, tmp_path / "made.zip", bagging_date=DAY)
    with open_source(archive) as source:
        info = read_bag(source)
        assert verify_bag(source).valid
    assert info.values("External-Identifier") == [URN]
    assert [m.name for m in info.manifests] == ["manifest-sha512.txt", "tagmanifest-sha512.txt"]


def test_repacking_our_own_bag_gives_the_same_bytes(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c", {"x/y.txt": b"y"})
    archive = package(crate, tmp_path / "c.zip", external_identifier=URN, bagging_date=DAY)
    bag = unpack(archive, tmp_path / "c-bag")
    (tmp_path / "again").mkdir()
    again = package(bag, tmp_path / "again" / "c.zip", bagging_date=DAY)
    assert again.read_bytes() == archive.read_bytes()
    with pytest.raises(UsageError, match="re-packing keeps"):
        package(bag, tmp_path / "d.zip", external_identifier="urn:uuid:other", bagging_date=DAY)
    package(bag, tmp_path / "e.zip", external_identifier=URN, bagging_date=DAY)  # the same one is fine


def test_repacking_refuses_tag_files_it_would_drop(tmp_path: Path) -> None:
    bag = unpack(package(make_crate(tmp_path / "c"), tmp_path / "c.zip"), tmp_path / "bag")
    (bag / "fetch.txt").write_text("https://example.org/x 1 data/x\n")
    with pytest.raises(UsageError) as caught:
        package(bag, tmp_path / "d.zip")
    assert caught.value.path == "fetch.txt"
    assert not (tmp_path / "d.zip").exists()


def _suite_valid_cases() -> list[Path]:
    return sorted(p for p in SUITE.glob("v*/valid/*") if p.is_dir())


@pytest.mark.parametrize("case", _suite_valid_cases(), ids=lambda p: p.relative_to(SUITE).as_posix())
def test_conformance_suite_payloads_round_trip(case: Path, tmp_path: Path) -> None:
    """A valid suite bag's payload, given a metadata file, packs into a bag that both verifiers accept."""
    crate = tmp_path / "crate"
    shutil.copytree(case / "data", crate, symlinks=True)
    (crate / "ro-crate-metadata.json").write_bytes(METADATA)
    archive = package(crate, tmp_path / "case.zip", external_identifier=URN, bagging_date=DAY)
    with open_source(archive) as source:
        assert verify_bag(source).valid
    out = unpack(archive, tmp_path / "out")
    assert listing(out / "data") == listing(crate)
    for path in crate.rglob("*"):
        if path.is_file():
            assert (out / "data" / path.relative_to(crate)).read_bytes() == path.read_bytes()
    if not any("%" in p.name for p in crate.rglob("*")):  # bagit-python does not decode %25 (RFC 8493 2.1.3)
        bagit.Bag(str(out)).validate()


# --- refusals ----------------------------------------------------------------------------------------------


def assert_refused(crate: Path, error: type[FiveSafesError], path: str, tmp_path: Path) -> None:
    before = listing(tmp_path)
    with pytest.raises(error) as caught:
        package(crate, tmp_path / "out.zip", external_identifier=URN, bagging_date=DAY)
    assert caught.value.path == path, caught.value
    with pytest.raises(error):
        package(crate, tmp_path / "out", folder=True, external_identifier=URN, bagging_date=DAY)
    assert listing(tmp_path) == before  # nothing written, no temporary left


def test_symlinks_are_refused(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c")
    (crate / "link.txt").symlink_to(crate / "input1.txt")
    assert_refused(crate, UnsafeInputError, "link.txt", tmp_path)
    (crate / "link.txt").unlink()
    (crate / "sub").mkdir()
    (crate / "sub" / "outside").symlink_to(tmp_path, target_is_directory=True)
    assert_refused(crate, UnsafeInputError, "sub/outside", tmp_path)


def test_special_files_are_refused(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c")
    os.mkfifo(crate / "pipe")
    assert_refused(crate, UnsafeInputError, "pipe", tmp_path)
    (crate / "pipe").unlink()
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(crate / "sock"))
        assert_refused(crate, UnsafeInputError, "sock", tmp_path)


def test_missing_or_linked_metadata_is_refused(tmp_path: Path) -> None:
    crate = tmp_path / "c"
    crate.mkdir()
    (crate / "input1.txt").write_bytes(b"x")
    with pytest.raises(CrateReadError):  # open_source: neither a crate nor a bag folder
        package(crate, tmp_path / "o.zip")
    bag = unpack(package(make_crate(tmp_path / "d"), tmp_path / "d.zip"), tmp_path / "bag")
    (bag / "data" / "ro-crate-metadata.json").unlink()
    assert_refused(bag, CrateReadError, "data/ro-crate-metadata.json", tmp_path)
    real = make_crate(tmp_path / "e")
    (real / "ro-crate-metadata.json").unlink()
    (real / "ro-crate-metadata.json").symlink_to(tmp_path / "d" / "ro-crate-metadata.json")
    assert_refused(real, UnsafeInputError, "ro-crate-metadata.json", tmp_path)


@pytest.mark.parametrize(
    ("names", "path"),
    [
        (["back\\slash.txt"], "back\\slash.txt"),
        (["tab\there.txt"], "tab\there.txt"),
        (["escape\x1b[31m.txt"], "escape\x1b[31m.txt"),
        (["Input.TXT", "input.txt"], "input.txt"),
        ([unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")],
         unicodedata.normalize("NFC", "café")),  # reported: the second in sorted order
        (["Dir/a", "dir/b"], "dir"),
    ],
    ids=["backslash", "tab", "escape", "case", "unicode-normalisation", "case-folder"],
)
def test_unsafe_and_colliding_names_are_refused(names: list[str], path: str, tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c", {name: b"x" for name in names})
    assert_refused(crate, UnsafeInputError, path, tmp_path)


def test_line_breaks_in_names_are_packed_percent_encoded_and_unpacked_byte_exact(tmp_path: Path) -> None:
    """POSIX allows LF and CR in names and RFC 8493 percent-encodes them: they round-trip through a bag."""
    files = {"new\nline.txt": b"one", "carriage\rreturn/in folder.csv": b"two", "100%\r\n.txt": b"three"}
    crate = make_crate(tmp_path / "c", files)
    archive = package(crate, tmp_path / "c.zip", external_identifier=URN, bagging_date=DAY)
    with zipfile.ZipFile(archive) as opened:
        manifest = opened.read("c/manifest-sha512.txt").decode()
        assert "c/data/new\nline.txt" in opened.namelist()
    assert "data/new%0Aline.txt" in manifest and "data/carriage%0Dreturn/in folder.csv" in manifest
    assert "data/100%25%0D%0A.txt" in manifest and "\r" not in manifest
    for bag in (unpack(archive, tmp_path / "zip-out"), package(crate, tmp_path / "folder-out", folder=True)):
        for name, data in files.items():
            assert (bag / "data" / name).read_bytes() == data
        with open_source(bag) as source:
            assert verify_bag(source).valid
    with open_source(archive) as source:
        assert verify_bag(source).valid


def test_names_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c")
    try:
        with open(os.path.join(os.fsencode(crate), b"latin1-\xe9.txt"), "wb") as stream:
            stream.write(b"x")
    except OSError:
        pytest.skip("this file system only stores UTF-8 names")
    with pytest.raises(UnsafeInputError, match="not valid UTF-8"):
        package(crate, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def test_output_inside_the_crate_or_unusable_is_refused(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c")
    for output, folder in (
        (crate / "self.zip", False), (crate / "sub" / "x", True), (crate, False), (tmp_path / "no" / "x.zip", False),
        (tmp_path / ".zip", False),
    ):
        with pytest.raises(UsageError):
            package(crate, output, folder=folder)
    (tmp_path / "exists").mkdir()
    with pytest.raises(UsageError, match="already exists"):
        package(crate, tmp_path / "exists", folder=True)
    with pytest.raises(UsageError, match="is a folder"):
        package(crate, tmp_path / "exists")
    assert listing(crate) == {"ro-crate-metadata.json", "input1.txt"}


def test_input_must_be_a_folder(tmp_path: Path) -> None:
    archive = package(make_crate(tmp_path / "c"), tmp_path / "c.zip")
    with pytest.raises(UsageError):
        package(archive, tmp_path / "d.zip")
    with pytest.raises(UsageError):
        package(tmp_path / "c" / "ro-crate-metadata.json", tmp_path / "e.zip")
    with pytest.raises(CrateReadError):
        package(tmp_path / "missing", tmp_path / "f.zip")


def test_limits_reach_pack_and_exhaustion_is_unsafe_input(crate: Path, tmp_path: Path) -> None:
    few = Limits(max_entries=3)
    with pytest.raises(UnsafeInputError, match="more than 3 files and folders"):
        package(crate, tmp_path / "few.zip", limits=few)
    archive = package(crate, tmp_path / "all.zip", limits=Limits(max_entries=1_000))
    with pytest.raises(UnsafeInputError, match="entries, more than the limit of 3"):
        unpack(archive, tmp_path / "out", limits=few)
    with pytest.raises(UnsafeInputError, match="uncompressed bytes, more than the limit of 10"):
        unpack(archive, tmp_path / "out", limits=Limits(max_total_bytes=10))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.zip", "request"]


# --- atomicity ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", [False, True], ids=["zip", "folder"])
def test_an_interrupted_pack_leaves_nothing_behind(
    tmp_path: Path, folder: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    crate = make_crate(tmp_path / "c", {f"f{i}.txt": b"x" * 1000 for i in range(5)})
    target = tmp_path / ("bag" if folder else "c.zip")
    if not folder:
        target.write_bytes(b"previous")
    before = listing(tmp_path)
    calls = 0
    original = PayloadCopier.copy

    def interrupted(self: PayloadCopier, *args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PayloadCopier, "copy", interrupted)
    with pytest.raises(KeyboardInterrupt):
        package(crate, target, folder=folder, overwrite=True)  # replacing a ZIP: the old one survives the interruption
    assert listing(tmp_path) == before
    if not folder:
        assert target.read_bytes() == b"previous"


def test_a_file_growing_while_packing_is_an_error(tmp_path: Path) -> None:
    crate = make_crate(tmp_path / "c", {"a.bin": b"a" * 2_000_000, "z.txt": b"z"})

    def grow(done: int, total: int) -> None:
        with (crate / "z.txt").open("ab") as stream:
            stream.write(b"more")

    with pytest.raises(CrateReadError, match="changed while being packed") as caught:
        package(crate, tmp_path / "c.zip", progress=grow)
    assert caught.value.path == "z.txt"
    assert listing(tmp_path) == {"c", *(f"c/{n}" for n in listing(crate))}
