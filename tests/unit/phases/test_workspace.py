"""The working copy every step uses: hard links, atomic commit, untouched originals, recovery, locking."""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import date
from pathlib import Path

import pytest

import fivesafes_crate.model.folders as folders
from fivesafes_crate.errors import UnsafeInputError, UsageError
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import package, verify_bag
from fivesafes_crate.phases.workspace import TargetKind, workspace

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "request"
URN = "urn:uuid:2f0c8a3e-5b1d-4e7a-9c6f-1a2b3c4d5e6f"
DAY = date(2024, 5, 1)


def snapshot(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture(params=["bag-folder", "bag-zip", "crate-folder"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    crate = tmp_path / "crate"
    shutil.copytree(EXAMPLE, crate)
    if request.param == "crate-folder":
        return crate
    folder = request.param == "bag-folder"
    return package(crate, tmp_path / ("bag" if folder else "bag.bagit.zip"), folder=folder, external_identifier=URN,
                bagging_date=DAY)


def test_an_unchanged_workspace_leaves_the_target_byte_identical(target: Path) -> None:
    before = snapshot(target)
    with workspace(target, bagging_date=DAY) as space:
        space.crate.edit().set("./", "name", "edited but not marked changed")
    assert snapshot(target) == before
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []


def test_an_error_inside_leaves_the_target_byte_identical(target: Path) -> None:
    before = snapshot(target)
    with pytest.raises(RuntimeError), workspace(target, bagging_date=DAY) as space:
        space.crate.edit().set("./", "name", "new")
        space.touch()
        raise RuntimeError("the step failed")
    assert snapshot(target) == before


def test_a_commit_writes_metadata_and_fresh_manifests(target: Path) -> None:
    with workspace(target, bagging_date=DAY) as space:
        space.crate.edit().set("./", "name", "Renamed")
        space.touch()
        kind = space.kind
    with open_source(target) as source:
        assert b'"name": "Renamed"' in source.read_metadata()
        if kind is not TargetKind.CRATE_FOLDER:
            verification = verify_bag(source)
            assert verification.valid, verification.problems
            info = source.open_in_bag("bag-info.txt").read().decode()
            assert f"External-Identifier: {URN}" in info and "Bagging-Date: 2024-05-01" in info


def test_the_working_copy_shares_no_writes_with_the_original(tmp_path: Path) -> None:
    bag = package(EXAMPLE, tmp_path / "bag", folder=True, external_identifier=URN, bagging_date=DAY)
    original = (bag / "data" / "cohort.json").read_bytes()
    with workspace(bag, bagging_date=DAY) as space:
        copy = space.crate_root / "cohort.json"
        assert os.path.samefile(copy, bag / "data" / "cohort.json")  # hard-linked, not copied
        copy.unlink()
        copy.write_bytes(b"{}")  # a new file: the original keeps its bytes
        assert (bag / "data" / "cohort.json").read_bytes() == original
    assert (bag / "data" / "cohort.json").read_bytes() == original  # not marked changed: nothing committed


def test_links_in_the_target_are_refused(tmp_path: Path) -> None:
    crate = tmp_path / "crate"
    shutil.copytree(EXAMPLE, crate)
    (crate / "link.txt").symlink_to("/etc/passwd")
    with pytest.raises(UnsafeInputError, match="symbolic link"), workspace(crate, bagging_date=DAY):
        pass


def test_require_bag_refuses_a_crate_folder(tmp_path: Path) -> None:
    crate = tmp_path / "crate"
    shutil.copytree(EXAMPLE, crate)
    with pytest.raises(UsageError, match="needs a bag"), workspace(crate, bagging_date=DAY, require_bag=True):
        pass


def test_the_portable_swap_and_its_recovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folders, "EXCHANGE", None)  # as on a system without renameat2
    bag = package(EXAMPLE, tmp_path / "bag", folder=True, external_identifier=URN, bagging_date=DAY)
    with workspace(bag, bagging_date=DAY) as space:
        space.crate.edit().set("./", "name", "Swapped")
        space.touch()
    assert b"Swapped" in (bag / "data" / "ro-crate-metadata.json").read_bytes()
    # killed between the two renames: the original sits under its hidden name and the target is gone
    hidden = tmp_path / ".bag.fivesafes-previous"
    bag.rename(hidden)
    with workspace(bag, bagging_date=DAY):
        pass
    assert bag.is_dir() and not hidden.exists()


def test_working_copies_left_by_a_killed_step_are_removed(tmp_path: Path) -> None:
    bag = package(EXAMPLE, tmp_path / "bag", folder=True, external_identifier=URN, bagging_date=DAY)
    leftover = tmp_path / ".bag.fivesafes-step-abc123.tmp"
    (leftover / "bag").mkdir(parents=True)
    unrelated = tmp_path / ".bag.zip.xyz.tmp"  # pack's temporary files are never touched
    unrelated.write_bytes(b"")
    with workspace(bag, bagging_date=DAY):
        pass
    assert not leftover.exists() and unrelated.exists()


def test_steps_on_crates_in_one_folder_run_one_at_a_time(tmp_path: Path) -> None:
    bag = package(EXAMPLE, tmp_path / "bag", folder=True, external_identifier=URN, bagging_date=DAY)
    events: list[str] = []

    def second() -> None:
        with workspace(bag, bagging_date=DAY):
            events.append("second")

    with workspace(bag, bagging_date=DAY):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.2)
        events.append("first")
    thread.join()
    assert events == ["first", "second"]
