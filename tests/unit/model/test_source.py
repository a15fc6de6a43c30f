"""Opening a crate safely: every source form, symbolic links never followed, ZIP names refused, limits."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from fivesafes_crate.errors import CrateReadError
from fivesafes_crate.model.source import (
    METADATA_FILE,
    DirectoryStorage,
    EntryKind,
    Limits,
    SourceKind,
    TooLargeError,
    iter_files,
    open_source,
    unsafe_name_reason,
)
from fivesafes_crate.packaging import package

from .._crates import write_crate

METADATA = b'{"@context": "https://w3id.org/ro/crate/1.2/context", "@graph": []}'

needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks")


def make_zip(path: Path, members: dict[str, bytes], *, links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def make_bag(folder: Path) -> Path:
    write_crate(folder / "data", raw=METADATA)
    (folder / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    return folder


# --- the five forms -------------------------------------------------------------------------------------------


def test_crate_folder(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "crate", raw=METADATA)
    with open_source(folder) as source:
        assert (source.kind, source.crate_prefix, source.bag_prefix) == (SourceKind.DIRECTORY, "", None)
        assert not source.is_bag and not source.is_zip
        assert source.read_metadata() == METADATA
        assert source.crate_entry("input1.txt").kind is EntryKind.FILE  # type: ignore[union-attr]


def test_metadata_file(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "crate", raw=METADATA)
    with open_source(folder / METADATA_FILE) as source:
        assert (source.kind, source.crate_prefix, source.bag_prefix) == (SourceKind.METADATA_FILE, "", None)
        assert source.path == folder
        assert source.read_metadata() == METADATA
        assert source.crate_entry("input1.txt") is not None


def test_metadata_file_under_another_name_is_served_as_the_metadata_file(tmp_path: Path) -> None:
    (tmp_path / "request.json").write_bytes(METADATA)
    with open_source(tmp_path / "request.json") as source:
        assert source.kind is SourceKind.METADATA_FILE
        assert source.read_metadata() == METADATA
        assert source.crate_entry(METADATA_FILE).kind is EntryKind.FILE  # type: ignore[union-attr]
        assert METADATA_FILE in source.crate_entries()


def test_bag_folder(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "bag")
    with open_source(bag) as source:
        assert (source.kind, source.crate_prefix, source.bag_prefix) == (SourceKind.BAG_DIRECTORY, "data/", "")
        assert source.is_bag and not source.is_zip
        assert source.read_metadata() == METADATA
        assert set(source.crate_entries()) == {METADATA_FILE, "input1.txt"}
        assert {"bagit.txt", "data", "data/input1.txt"} <= set(source.bag_entries())
        assert source.read_in_bag("bagit.txt", 1000).startswith(b"BagIt-Version")


def test_zip_member_without_file_type_bits_is_a_file(tmp_path: Path) -> None:
    """BUG: ``ZipFile.writestr("name", data)`` stores Unix permissions without file-type bits
    (``external_attr = 0o600 << 16``). ZipStorage reads any non-zero mode that is not S_ISREG as a special file
    (EntryKind.OTHER), so a crate zipped this way cannot be read ("ro-crate-metadata.json is missing or not a
    regular file") and its payload files look like special files. A mode with ``S_IFMT(mode) == 0`` says
    nothing about the type and should count as a regular file, as a mode of 0 already does."""
    path = tmp_path / "c.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(METADATA_FILE, METADATA)
        archive.writestr("input1.txt", b"x")
    with open_source(path) as source:
        assert source.crate_entry("input1.txt").kind is EntryKind.FILE  # type: ignore[union-attr]
        assert source.read_metadata() == METADATA


def test_bag_zip_with_one_top_level_folder(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "r.zip", {"bag/bagit.txt": b"BagIt-Version: 1.0\n",
                                            "bag/data/ro-crate-metadata.json": METADATA, "bag/data/input1.txt": b"x"})
    with open_source(archive) as source:
        assert (source.kind, source.crate_prefix, source.bag_prefix) == (SourceKind.BAG_ZIP, "bag/data/", "bag/")
        assert source.is_bag and source.is_zip
        assert source.findings == []
        assert source.read_metadata() == METADATA
        assert set(source.crate_entries()) == {METADATA_FILE, "input1.txt"}
        assert set(source.bag_entries()) == {"bagit.txt", "data", "data/ro-crate-metadata.json", "data/input1.txt"}


def test_bag_zip_with_extra_top_level_entry_is_a_finding(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "r.zip", {"bag/bagit.txt": b"BagIt-Version: 1.0\n",
                                            "bag/data/ro-crate-metadata.json": METADATA, "README": b"hi"})
    with open_source(archive) as source:
        assert source.crate_prefix == "bag/data/"
        assert [f.check for f in source.findings] == ["zip.single-top-level"]


def test_bag_at_zip_root_is_a_finding(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "r.zip", {"bagit.txt": b"BagIt-Version: 1.0\n",
                                            "data/ro-crate-metadata.json": METADATA})
    with open_source(archive) as source:
        assert (source.kind, source.crate_prefix, source.bag_prefix) == (SourceKind.BAG_ZIP, "data/", "")
        assert [f.check for f in source.findings] == ["zip.single-top-level"]


def test_crate_zip(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "c.zip", {METADATA_FILE: METADATA, "input1.txt": b"x"})
    with open_source(archive) as source:
        assert (source.kind, source.crate_prefix, source.bag_prefix) == (SourceKind.CRATE_ZIP, "", None)
        assert source.is_zip and not source.is_bag
        assert source.read_metadata() == METADATA
        with source.open_in_crate("input1.txt") as stream:
            assert stream.read() == b"x"


# --- what cannot be opened --------------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CrateReadError, match="no such file or folder"):
        open_source(tmp_path / "nope")


def test_folder_without_metadata(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(CrateReadError, match=r"neither bagit\.txt nor ro-crate-metadata\.json") as info:
        open_source(tmp_path / "empty")
    assert info.value.path == str(tmp_path / "empty")  # the input as given


def test_other_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CrateReadError, match="neither a ZIP archive"):
        open_source(tmp_path / "notes.txt")


def test_zip_without_crate_or_bag(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "x.zip", {"other/file.txt": b"x"})
    with pytest.raises(CrateReadError, match="no bag folder"):
        open_source(archive)


def test_zip_without_crate_or_bag_lists_its_top_level_entries(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "x.zip", {"one/file.txt": b"x", "two/file.txt": b"x", "notes.txt": b"x"})
    with pytest.raises(CrateReadError) as info:
        open_source(archive)
    assert "top-level entries: 'notes.txt', 'one', 'two'" in info.value.message


def test_bag_zip_with_several_extra_top_level_entries_lists_them(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "r.zip", {"bag/bagit.txt": b"BagIt-Version: 1.0\n",
                                            "bag/data/ro-crate-metadata.json": METADATA, "README": b"hi",
                                            "other/bagit.txt": b"BagIt-Version: 1.0\n"})
    with open_source(archive) as source:
        (finding,) = source.findings
    assert finding.check == "zip.single-top-level"
    assert "'bag'" in finding.message and "'README', 'other'" in finding.message


@needs_symlinks
def test_symlink_given_as_the_input_is_refused(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "crate", raw=METADATA)
    (tmp_path / "link").symlink_to(folder, target_is_directory=True)
    with pytest.raises(CrateReadError, match="symbolic link"):
        open_source(tmp_path / "link")


# --- symbolic links inside a folder ----------------------------------------------------------------------------


@pytest.fixture
def linked_crate(tmp_path: Path) -> Path:
    """A crate with ``link.txt`` -> a secret outside and ``linked/`` -> a folder outside."""
    if not hasattr(os, "symlink") or os.name == "nt":
        pytest.skip("needs POSIX symlinks")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    folder = write_crate(tmp_path / "crate", raw=METADATA)
    (folder / "link.txt").symlink_to(outside / "secret.txt")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    return folder


def test_symlinked_file_and_folder_are_symlink_entries(linked_crate: Path) -> None:
    with open_source(linked_crate) as source:
        assert source.crate_entry("link.txt").kind is EntryKind.SYMLINK  # type: ignore[union-attr]
        assert source.crate_entry("linked").kind is EntryKind.SYMLINK  # type: ignore[union-attr]
        behind = source.crate_entry("linked/secret.txt")
        assert behind is not None and behind.kind is EntryKind.SYMLINK and behind.name == "linked"


@pytest.mark.parametrize("name", ["link.txt", "linked/secret.txt"])
def test_symlinks_are_never_read(linked_crate: Path, name: str) -> None:
    with open_source(linked_crate) as source, pytest.raises(CrateReadError) as info:
        source.open_in_crate(name)
    assert info.value.path == name


def test_walk_lists_links_without_following_them(linked_crate: Path) -> None:
    with open_source(linked_crate) as source:
        entries = source.crate_entries()
    assert entries["link.txt"].kind is EntryKind.SYMLINK
    assert entries["linked"].kind is EntryKind.SYMLINK
    assert not any(name.startswith("linked/") for name in entries)
    assert [e.name for e in iter_files(entries)] == ["input1.txt", METADATA_FILE]


def test_lookup_sees_a_linked_folder_even_after_the_walk(linked_crate: Path) -> None:
    """BUG: once ``entries()`` has been walked, ``lookup`` answers from the cached walk, which never descends
    into a linked folder, so ``linked/secret.txt`` becomes None (absent) instead of a SYMLINK entry. The
    ``data.link`` check then stays silent and ``data.file-missing`` fires instead, depending on whether an
    earlier check (e.g. a BagIt check listing the payload) happened to walk the folder."""
    storage = DirectoryStorage(linked_crate, Limits())
    before = storage.lookup("linked/secret.txt")
    storage.entries()
    after = storage.lookup("linked/secret.txt")
    assert before is not None and before.kind is EntryKind.SYMLINK
    assert after == before


@needs_symlinks
def test_symlinked_metadata_file_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.json").write_bytes(METADATA)
    folder = tmp_path / "crate"
    folder.mkdir()
    (folder / METADATA_FILE).symlink_to(tmp_path / "elsewhere.json")
    with open_source(folder) as source, pytest.raises(CrateReadError, match="not a regular file"):
        source.read_metadata()


@pytest.mark.parametrize("name", ["../x", "/abs", "a/../../b", "C:/x", "a\\b", "./x", "a//b", "a\x00b", ""])
def test_unsafe_names(name: str) -> None:
    assert unsafe_name_reason(name) is not None
    storage = DirectoryStorage(Path("."), Limits())
    assert storage.lookup(name) is None if name else True


@pytest.mark.parametrize("name", ["a", "data/input1.txt", "a b/ç.txt", "dir/"])
def test_safe_names(name: str) -> None:
    assert unsafe_name_reason(name) is None


# --- ZIP member names ------------------------------------------------------------------------------------------


def test_unsafe_zip_names_are_findings_and_not_entries(tmp_path: Path) -> None:
    path = tmp_path / "c.zip"

    def member(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name)
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        return info

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member(METADATA_FILE), METADATA)
        for name in ["../x", "/abs", "a\\b", "Case.txt", "case.txt", "dup.txt"]:
            archive.writestr(member(name), b"d")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr(member("dup.txt"), b"second")
    with open_source(path) as source:
        names = set(source.storage.entries())
        messages = [f.message for f in source.findings if f.check == "zip.entry-name"]
        assert names == {METADATA_FILE, "Case.txt", "dup.txt"}
        assert len(messages) == 5
        for raw in ["'../x'", "'/abs'", "'a\\\\b'", "'case.txt'", "'dup.txt'"]:
            assert any(raw in m for m in messages), raw
        assert all(f.focus is None and f.path is None for f in source.findings)
        for name in ["../x", "/abs", "a\\b", "case.txt", "x"]:
            assert source.storage.lookup(name) is None
            with pytest.raises(CrateReadError):
                source.storage.open(name)
        with source.storage.open("dup.txt") as stream:
            assert stream.read() == b"d"  # the first of two duplicates, never the second


def test_zip_symlink_member_is_a_symlink_entry_and_never_read(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "c.zip", {METADATA_FILE: METADATA}, links={"input1.txt": "../../etc/passwd"})
    with open_source(archive) as source:
        assert source.crate_entry("input1.txt").kind is EntryKind.SYMLINK  # type: ignore[union-attr]
        with pytest.raises(CrateReadError):
            source.open_in_crate("input1.txt")


def test_zip_parent_folders_are_implied(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "c.zip", {METADATA_FILE: METADATA, "a/b/c.txt": b"x"})
    with open_source(archive) as source:
        assert source.crate_entry("a").kind is EntryKind.DIRECTORY  # type: ignore[union-attr]
        assert source.crate_entry("a/b/").kind is EntryKind.DIRECTORY  # type: ignore[union-attr]


# --- limits ----------------------------------------------------------------------------------------------------


def test_metadata_size_limit(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "crate", raw=METADATA)
    with open_source(folder, Limits(max_metadata_bytes=10)) as source, pytest.raises(TooLargeError) as info:
        source.read_metadata()
    assert info.value.path == str(folder / METADATA_FILE)  # where the user finds it


def test_folder_entry_limit(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "crate", raw=METADATA, files={f"f{i}": b"" for i in range(5)})
    with open_source(folder, Limits(max_entries=3)) as source, pytest.raises(CrateReadError, match="more than 3"):
        source.crate_entries()


def test_zip_entry_limit(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "c.zip", {METADATA_FILE: METADATA, **{f"f{i}": b"" for i in range(5)}})
    with pytest.raises(CrateReadError, match="more than the limit of 3"):
        open_source(archive, Limits(max_entries=3))


def test_zip_bomb_member_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "c.zip", {METADATA_FILE: METADATA, "zeros.bin": bytes(2 * 1024 * 1024)})
    with open_source(archive) as source:
        assert [f.check for f in source.findings] == ["zip.limits"]
        assert source.crate_entry("zeros.bin") is None


def test_zip_total_size_limit(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "c.zip", {METADATA_FILE: METADATA, "big.bin": b"x" * 5000})
    with pytest.raises(CrateReadError, match="uncompressed bytes"):
        open_source(archive, Limits(max_total_bytes=1000))


def test_not_a_zip_with_zip_suffix(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(CrateReadError):
        open_source(tmp_path / "bad.zip")


def test_files_are_named_as_the_user_finds_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_crate(tmp_path / "req")
    shutil.copy(tmp_path / "req" / METADATA_FILE, tmp_path / "notcrate.json")
    bag = package(tmp_path / "req", tmp_path / "bag", folder=True)
    archive = package(tmp_path / "req", tmp_path / "bag.zip")
    for given, metadata, other in (
        ("req", os.path.join("req", METADATA_FILE), os.path.join("req", "input1.txt")),
        ("notcrate.json", "notcrate.json", "input1.txt"),
        ("./bag", os.path.join("./bag", "data", METADATA_FILE), os.path.join("./bag", "data", "input1.txt")),
        ("bag.zip", f"bag.zip/bag/data/{METADATA_FILE}", "bag.zip/bag/data/input1.txt"),
    ):
        with open_source(given) as source:
            assert source.label == given
            assert (source.named(METADATA_FILE), source.named("input1.txt")) == (metadata, other)
    assert bag.is_dir() and archive.is_file()


def test_open_errors_name_the_input_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "junk.zip").write_text("not a zip")
    for given in ("sub/../junk.zip", "sub/../missing"):
        with pytest.raises(CrateReadError) as caught:
            open_source(given)
        assert caught.value.path == given

