"""BagIt and archive checks on the spec's example bags and on hostile ZIPs built here."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from fivesafes_crate.issues import Issue, Report, Severity
from fivesafes_crate.validation.engine import catalogue, validate
from unit._crates import REFERENCE_DIR

REPO = Path(__file__).resolve().parents[4]
EXAMPLES = REFERENCE_DIR / "5s-crate"
OURS = ("bagit.", "zip.", "archive.")


def _generator() -> ModuleType:
    """``tests/crates/make_bag_fixtures.py``, whose helpers build consistent bags."""
    spec = importlib.util.spec_from_file_location("make_bag_fixtures", REPO / "tests/crates/make_bag_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(report: Report, check: str | None = None) -> list[Issue]:
    return [i for i in report.issues if i.check.startswith(OURS) and (check is None or i.check == check)]


@pytest.mark.parametrize("version", ["0.4", "0.5-DRAFT"])
@pytest.mark.parametrize("example", ["request", "result"])
def test_example_zips_are_internally_consistent(version: str, example: str) -> None:
    report = validate(EXAMPLES / version / f"example-{example}.bagit.zip")
    assert not ours(report, "bagit.payload-integrity")
    assert not ours(report, "bagit.tag-integrity")
    assert [i.check for i in ours(report)] == ["bagit.declaration-case"]


@pytest.mark.parametrize(
    ("folder", "changed", "missing", "extra"),
    [
        ("0.4/example-request", 0, 0, 0),
        ("0.4/example-result", 3, 0, 0),
        ("0.5-DRAFT/example-request", 1, 0, 0),
        ("0.5-DRAFT/example-result", 1, 0, 0),
        ("0.4/example-hutch", 1, 8, 9),
        ("0.5-DRAFT/example-hutch", 1, 8, 9),
    ],
)
def test_stale_example_folders_fail_per_file(folder: str, changed: int, missing: int, extra: int) -> None:
    """The README's counts (0, 3, 1, 1, 9, 9) are the manifest entries that fail: changed plus missing."""
    issues = ours(validate(EXAMPLES / folder), "bagit.payload-integrity")
    kinds = Counter(
        "changed" if "does not match" in i.message else "missing" if "is listed in" in i.message else "extra"
        for i in issues
    )
    assert (kinds["changed"], kinds["missing"], kinds["extra"]) == (changed, missing, extra)
    assert len({i.file for i in issues}) == len(issues)  # one issue per file
    assert all(i.file and i.file.startswith("data/") and i.severity is Severity.MUST for i in issues)


def test_hutch_reports_name_the_files() -> None:
    issues = ours(validate(EXAMPLES / "0.4/example-hutch"), "bagit.payload-integrity")
    files = {i.file for i in issues}
    assert "data/ro-crate-metadata.json" in files  # changed
    assert "data/results/containers/docker.io_node:slim.img" in files  # listed, absent
    assert "data/outputs/containers/docker.io_node:slim.img" in files  # present, unlisted


@pytest.mark.parametrize("folder", ["0.4/example-request", "0.5-DRAFT/example-hutch"])
def test_lower_case_version_label_is_a_should_issue(folder: str) -> None:
    (issue,) = ours(validate(EXAMPLES / folder), "bagit.declaration-case")
    assert issue.severity is Severity.SHOULD and issue.file == "bagit.txt"
    assert "BagIt-version" in issue.message


def test_every_bagit_and_archive_id_is_registered_with_a_known_section() -> None:
    ids = {i for i in catalogue() if i.startswith(OURS)}
    assert {"bagit.payload-integrity", "zip.single-top-level", "zip.symlink", "archive.bagit-zip"} <= ids
    fixtures = {p.name for p in (REPO / "tests/crates/invalid").iterdir() if p.name.startswith(OURS)}
    assert ids == fixtures


# --- hostile ZIPs ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def make() -> ModuleType:
    return _generator()


def test_dot_dot_and_absolute_names_are_refused_and_never_written(tmp_path: Path, make: ModuleType) -> None:
    files = make.in_folder(make.bag())
    files["bag/../../outside.txt"] = b"escape"
    files["/etc/evil.txt"] = b"absolute"
    make.write_zip(tmp_path / "c.zip", files)
    report = validate(tmp_path / "c.zip")
    names = [i.message for i in ours(report, "zip.entry-name")]
    assert len(names) == 2 and any("'..'" in m for m in names) and any("absolute" in m for m in names)
    assert not ours(report, "zip.single-top-level")  # refused names are not top-level entries
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.zip"]
    assert not (tmp_path.parent / "outside.txt").exists()


def test_manifest_naming_a_file_outside_the_bag_is_never_read(tmp_path: Path, make: ModuleType) -> None:
    data = make.payload()
    manifest = make.manifest(data) + b"0" * 128 + b"  ../../../../etc/passwd\n"
    make.write_zip(tmp_path / "c.zip", make.in_folder(make.bag(data, manifests={"manifest-sha512.txt": manifest})))
    report = validate(tmp_path / "c.zip")
    (issue,) = ours(report, "bagit.manifest-path")
    assert issue.file == "manifest-sha512.txt" and "'..'" in issue.message
    assert not ours(report, "bagit.payload-integrity")


def test_symlink_members_are_reported_and_not_read(tmp_path: Path, make: ModuleType) -> None:
    data = {**make.payload(), "data/passwd": b"root:x:0:0"}
    files = make.in_folder(make.bag(data))
    del files["bag/data/passwd"]
    make.write_zip(tmp_path / "c.zip", files, links={"bag/data/passwd": "/etc/passwd"})
    report = validate(tmp_path / "c.zip")
    (issue,) = ours(report, "zip.symlink")
    assert issue.file == "bag/data/passwd" and issue.severity is Severity.MUST
    assert not ours(report, "bagit.payload-integrity")  # the link is listed but left to zip.symlink


def test_two_top_level_folders(tmp_path: Path, make: ModuleType) -> None:
    files = {**make.in_folder(make.bag()), **make.in_folder(make.bag(), "other/")}
    make.write_zip(tmp_path / "c.zip", files)
    (issue,) = ours(validate(tmp_path / "c.zip"), "zip.single-top-level")
    assert "'other'" in issue.message


def test_high_ratio_member_is_refused_as_a_zip_bomb(tmp_path: Path, make: ModuleType) -> None:
    data = {**make.payload(), "data/zeros.bin": bytes(8 * 1024 * 1024)}
    make.write_zip(tmp_path / "c.zip", make.in_folder(make.bag(data)))
    report = validate(tmp_path / "c.zip")
    assert len(ours(report, "zip.limits")) == 1
    (missing,) = ours(report, "bagit.payload-integrity")  # refused, so never decompressed
    assert missing.file == "data/zeros.bin"


def test_crate_zip_without_a_bag(tmp_path: Path, make: ModuleType) -> None:
    make.write_zip(tmp_path / "c.zip", {n.removeprefix("data/"): c for n, c in make.payload().items()})
    report = validate(tmp_path / "c.zip")
    assert [i.check for i in ours(report)] == ["archive.bagit-zip"]


def test_consistent_bag_zip_has_no_bag_issues(tmp_path: Path, make: ModuleType) -> None:
    make.write_zip(tmp_path / "c.zip", make.in_folder(make.bag()))
    assert not ours(validate(tmp_path / "c.zip"))
