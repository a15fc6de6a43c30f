"""The checks that compare the metadata with the crate's files: present, not linked, reachable from the root."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest

from fivesafes_crate.issues import Issue, Report
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.model.entities import local_path
from fivesafes_crate.validation.checks.crate_files import data_entities
from fivesafes_crate.validation.engine import validate

from ..._crates import EXAMPLE_REQUEST, INPUT_TEXT, entity, request_document, write_crate

FILE_CHECKS = {"data.file-missing", "data.link", "data.linked-from-root"}

needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks")


def found(report: Report, check_id: str) -> list[Issue]:
    return [issue for issue in report.issues if issue.check == check_id]


def with_parts(*parts: dict[str, Any]) -> dict[str, Any]:
    """The base request with extra data entities, each listed in the root's hasPart."""
    document = request_document()
    for part in parts:
        document["@graph"].append(part)
        entity(document, "./")["hasPart"].append({"@id": part["@id"]})
    return document


@pytest.mark.parametrize(
    ("written", "path"),
    [
        ("input1.txt", "input1.txt"),
        ("./input1.txt", "input1.txt"),
        ("a%20b.txt", "a b.txt"),
        ("sub/dir/", "sub/dir"),
        ("data.csv#row=2", "data.csv"),
        ("x.txt?download", "x.txt"),
        ("#local", None),
        ("_:b0", None),
        ("./", None),
        ("ro-crate-metadata.json", None),
        ("https://example.org/x.txt", None),
        ("/etc/passwd", None),
        ("../fetch.txt", None),
        ("a/../../x", None),
    ],
)
def test_local_path(written: str, path: str | None) -> None:
    assert local_path(written) == path


def test_data_entities_are_local_files_and_datasets() -> None:
    document = with_parts({"@id": "sub/", "@type": "Dataset"}, {"@id": "#notfile", "@type": "File"},
                          {"@id": "typed.txt", "type": "File"})
    found_entities = [(e["@id"], path, folder) for e, path, folder in data_entities(Crate(document))]
    assert found_entities == [("input1.txt", "input1.txt", False), ("sub/", "sub", True)]


def test_base_crate_is_clean(tmp_path: Path) -> None:
    report = validate(write_crate(tmp_path / "c"))
    assert not report.checks() & FILE_CHECKS


def test_example_request_is_clean() -> None:
    assert not validate(EXAMPLE_REQUEST).checks() & FILE_CHECKS


def test_in_memory_crate_skips_file_presence() -> None:
    report = validate(Crate(request_document()))
    assert not found(report, "data.file-missing") and not found(report, "data.link")


# --- data.file-missing ------------------------------------------------------------------------------------------


def test_file_missing(tmp_path: Path) -> None:
    report = validate(write_crate(tmp_path / "c", files={}))
    [issue] = found(report, "data.file-missing")
    assert (issue.focus, issue.file) == ("input1.txt", "input1.txt")
    assert "no file 'input1.txt'" in issue.message


def test_folder_missing(tmp_path: Path) -> None:
    report = validate(write_crate(tmp_path / "c", with_parts({"@id": "results/", "@type": "Dataset"})))
    [issue] = found(report, "data.file-missing")
    assert (issue.focus, issue.file) == ("results/", "results")
    assert "no folder" in issue.message


def test_folder_typed_file_and_file_typed_dataset(tmp_path: Path) -> None:
    document = with_parts({"@id": "results", "@type": "File"}, {"@id": "notes.txt/", "@type": "Dataset"})
    folder = write_crate(tmp_path / "c", document, files={"input1.txt": INPUT_TEXT, "results/r.csv": b"1",
                                                          "notes.txt": b"n"})
    issues = found(validate(folder), "data.file-missing")
    assert {(i.focus, i.file) for i in issues} == {("results", "results"), ("notes.txt/", "notes.txt")}
    assert any("is a folder, but the entity is typed File" in i.message for i in issues)
    assert any("is a file, but the entity is typed Dataset" in i.message for i in issues)


def test_percent_encoded_id_names_the_decoded_file(tmp_path: Path) -> None:
    document = with_parts({"@id": "a%20b.txt", "@type": "File"})
    report = validate(write_crate(tmp_path / "c", document, files={"input1.txt": INPUT_TEXT, "a b.txt": b"x"}))
    assert not report.checks() & FILE_CHECKS
    report = validate(write_crate(tmp_path / "d", document))
    [issue] = found(report, "data.file-missing")
    assert (issue.focus, issue.file) == ("a%20b.txt", "a b.txt")


def test_file_missing_in_a_crate_zip(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "c")
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        info = zipfile.ZipInfo("ro-crate-metadata.json")
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        zipped.writestr(info, (folder / "ro-crate-metadata.json").read_bytes())
    assert [i.file for i in found(validate(archive), "data.file-missing")] == ["input1.txt"]


# --- data.link --------------------------------------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(b"secret")
    return folder


@needs_symlinks
def test_link_to_a_file(tmp_path: Path, outside: Path) -> None:
    folder = write_crate(tmp_path / "c", files={})
    (folder / "input1.txt").symlink_to(outside / "secret.txt")
    report = validate(folder)
    [issue] = found(report, "data.link")
    assert (issue.focus, issue.file) == ("input1.txt", "input1.txt")
    assert "symbolic link" in issue.message
    assert not found(report, "data.file-missing")


@needs_symlinks
def test_file_behind_a_linked_folder(tmp_path: Path, outside: Path) -> None:
    document = with_parts({"@id": "linked/secret.txt", "@type": "File"})
    folder = write_crate(tmp_path / "c", document)
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    [issue] = found(validate(folder), "data.link")
    assert (issue.focus, issue.file) == ("linked/secret.txt", "linked/secret.txt")
    assert "'linked' is a symbolic link" in issue.message


@needs_symlinks
def test_file_behind_a_linked_folder_in_a_bag(tmp_path: Path, outside: Path) -> None:
    """BUG: same crate as above, as a bag folder. The BagIt checks walk the payload before the data checks run;
    after that walk ``DirectoryStorage.lookup`` answers from its cache, which has no entry below a linked
    folder, so ``data.link`` stays silent and ``data.file-missing`` reports the file as absent instead (see
    test_lookup_sees_a_linked_folder_even_after_the_walk in tests/unit/model/test_source.py)."""
    document = with_parts({"@id": "linked/secret.txt", "@type": "File"})
    bag = tmp_path / "bag"
    write_crate(bag / "data", document)
    (bag / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "data" / "linked").symlink_to(outside, target_is_directory=True)
    report = validate(bag)
    assert found(report, "data.link")
    assert not found(report, "data.file-missing")


def test_symlink_member_in_a_zip(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "c")
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        info = zipfile.ZipInfo("ro-crate-metadata.json")
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        zipped.writestr(info, (folder / "ro-crate-metadata.json").read_bytes())
        link = zipfile.ZipInfo("input1.txt")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zipped.writestr(link, "../../etc/passwd")
    [issue] = found(validate(archive), "data.link")
    assert (issue.focus, issue.file) == ("input1.txt", "input1.txt")


# --- data.linked-from-root --------------------------------------------------------------------------------------


def test_not_linked_from_root() -> None:
    document = request_document()
    entity(document, "./")["hasPart"] = [p for p in entity(document, "./")["hasPart"] if p["@id"] != "input1.txt"]
    [issue] = found(validate(Crate(document)), "data.linked-from-root")
    assert (issue.focus, issue.path) == ("input1.txt", "hasPart")


def test_linked_through_nested_datasets(tmp_path: Path) -> None:
    document = with_parts({"@id": "results/", "@type": "Dataset", "hasPart": [{"@id": "results/deep/"}]},
                          )
    document["@graph"] += [
        {"@id": "results/deep/", "@type": "Dataset", "hasPart": [{"@id": "results/deep/r.csv"}]},
        {"@id": "results/deep/r.csv", "@type": "File"},
    ]
    folder = write_crate(tmp_path / "c", document, files={"input1.txt": INPUT_TEXT, "results/deep/r.csv": b"1"})
    assert not validate(folder).checks() & FILE_CHECKS


def test_hasPart_cycle_terminates() -> None:
    document = with_parts({"@id": "a/", "@type": "Dataset", "hasPart": [{"@id": "b/"}]})
    document["@graph"].append({"@id": "b/", "@type": "Dataset", "hasPart": [{"@id": "a/"}]})
    assert not found(validate(Crate(document)), "data.linked-from-root")


def test_the_ro_crate_website_is_kept_out_of_hasPart() -> None:
    """RO-Crate 1.2: the website SHOULD NOT be in hasPart, so describing it as a File or Dataset is no issue."""
    document = request_document()
    document["@graph"] += [
        {"@id": "ro-crate-preview.html", "@type": "File", "about": {"@id": "./"}},
        {"@id": "ro-crate-preview_files/", "@type": "Dataset"},
        {"@id": "ro-crate-preview_files/style.css", "@type": "File"},
        {"@id": "elsewhere/ro-crate-preview.html", "@type": "File"},
    ]
    assert [i.focus for i in found(validate(Crate(document)), "data.linked-from-root")] == [
        "elsewhere/ro-crate-preview.html"]
