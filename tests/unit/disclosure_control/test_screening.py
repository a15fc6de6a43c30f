"""What gets screened: one file, named files in a folder, or a crate's results and outputs/ in any form."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fivesafes_crate.disclosure_control import PRESETS, OutputKind, screen_output, screen_outputs, screen_target
from fivesafes_crate.errors import CrateReadError
from fivesafes_crate.issues import ScreeningOutcome
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.model.reviews import outputs_in_scope

ACRO = PRESETS["acro-default"]


def make_crate(folder: Path) -> Path:
    """A crate whose run declares ``results/`` and ``summary.json``, with more files under ``outputs/``."""
    graph = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": {"@id": "./"}},
        {"@id": "./", "@type": "Dataset", "mentions": {"@id": "#run"}},
        {"@id": "#run", "@type": "CreateAction", "result": [{"@id": "results/"}, {"@id": "summary.json"},
                                                             {"@id": "https://example.org/remote.csv"},
                                                             {"@id": "missing.csv"}]},
    ]
    folder.mkdir()
    (folder / "ro-crate-metadata.json").write_text(json.dumps({"@context": {}, "@graph": graph}), "utf-8")
    (folder / "results").mkdir()
    (folder / "results" / "table.csv").write_text("g,a,b\nr1,3,40\nr2,50,60\n", "utf-8")
    (folder / "summary.json").write_text('{"n": 1520}', "utf-8")
    (folder / "outputs").mkdir()
    (folder / "outputs" / "undeclared.csv").write_text("g,n\nr1,40\nr2,50\n", "utf-8")
    (folder / "inputs.csv").write_text("not an output\n", "utf-8")
    return folder


def test_scope_is_the_results_and_everything_under_outputs(tmp_path: Path) -> None:
    crate_folder = make_crate(tmp_path / "crate")
    (crate_folder / "outputs" / "link.csv").symlink_to(crate_folder / "inputs.csv")
    report = screen_target(crate_folder, ACRO)
    names = [output.name for output in report.outputs]
    assert names == ["outputs/link.csv", "outputs/undeclared.csv", "results/table.csv", "summary.json"]
    link = report.output("outputs/link.csv")
    assert link is not None and link.kind is OutputKind.NOT_A_FILE and link.sha256 is None
    table = report.output("results/table.csv")
    assert table is not None and table.outcome is ScreeningOutcome.FAIL
    data = (crate_folder / "results" / "table.csv").read_bytes()
    assert (table.sha256, table.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert report.outcome is ScreeningOutcome.FAIL and report.counts()[ScreeningOutcome.PASS] == 2


def test_a_bag_zip_is_screened_in_place(tmp_path: Path, bag_zip: Callable[..., Path]) -> None:
    bag = bag_zip(make_crate(tmp_path / "crate"), tmp_path / "crate.bagit.zip")
    report = screen_target(bag, ACRO)
    assert [o.name for o in report.outputs] == ["outputs/undeclared.csv", "results/table.csv", "summary.json"]
    folder_report = screen_target(tmp_path / "crate", ACRO)
    assert [(o.name, o.sha256) for o in report.outputs] == [(o.name, o.sha256) for o in folder_report.outputs]


def test_plain_folders_and_single_files(tmp_path: Path) -> None:
    folder = tmp_path / "outputs"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.csv").write_text("g,count\nr1,40\nr2,50\n", "utf-8")
    (folder / "b.txt").write_text("free text\n", "utf-8")
    report = screen_target(folder, ACRO)
    assert [o.name for o in report.outputs] == ["b.txt", "sub/a.csv"]
    single = screen_target(folder / "sub" / "a.csv", ACRO)
    assert [o.name for o in single.outputs] == ["a.csv"] and single.outcome is ScreeningOutcome.PASS
    assert screen_output(folder / "b.txt", "outputs/b.txt").name == "outputs/b.txt"


def test_named_outputs_below_a_root(tmp_path: Path) -> None:
    crate_folder = make_crate(tmp_path / "crate")
    report = screen_outputs(crate_folder, ["results", "summary.json"], ACRO)
    assert [o.name for o in report.outputs] == ["results/table.csv", "summary.json"]
    with pytest.raises(CrateReadError) as caught:
        screen_outputs(crate_folder, ["nothing.csv"], ACRO)
    assert caught.value.path == "nothing.csv"
    with pytest.raises(CrateReadError):
        screen_outputs(crate_folder, ["../crate/summary.json"], ACRO)


def test_unreadable_targets_raise(tmp_path: Path) -> None:
    with pytest.raises(CrateReadError, match="no such file"):
        screen_target(tmp_path / "absent", ACRO)
    (tmp_path / "real.csv").write_text("g,a\nr,40\n", "utf-8")
    (tmp_path / "alias.csv").symlink_to(tmp_path / "real.csv")
    with pytest.raises(CrateReadError, match="symbolic link"):
        screen_target(tmp_path / "alias.csv", ACRO)
    with pytest.raises(CrateReadError, match="symbolic link"):
        screen_output(tmp_path / "alias.csv")


def test_outputs_in_scope_reads_results_from_the_metadata() -> None:
    from fivesafes_crate.model.source import Entry, EntryKind

    crate = Crate({"@graph": [{"@id": "#run", "@type": "CreateAction", "result": {"@id": "./out%20put.csv"}}]})
    entries = {"out put.csv": Entry("out put.csv", EntryKind.FILE, 3),
               "outputs/x": Entry("outputs/x", EntryKind.DIRECTORY)}
    assert outputs_in_scope(crate, entries) == ["out put.csv"]


def test_a_zip_with_entries_beside_the_bag_is_refused(tmp_path: Path, bag_zip: Callable[..., Path]) -> None:
    import zipfile

    from fivesafes_crate.errors import UnsafeInputError

    bag = bag_zip(make_crate(tmp_path / "crate"), tmp_path / "crate.bagit.zip")
    with zipfile.ZipFile(bag, "a") as archive:
        archive.writestr("smuggled.csv", "g,a\nr,1\n")
    with pytest.raises(UnsafeInputError, match="cannot screen every output"):
        screen_target(bag, ACRO)
