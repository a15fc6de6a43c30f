"""Workflows of a request: WorkflowHub download URLs, reading and copying local Workflow RO-Crates."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from fivesafes_crate.authoring.workflow import (
    FormalParameterInfo,
    UnknownInputError,
    WorkflowCrateError,
    WorkflowCrateInfo,
    copy_workflow_crate,
    download_url,
    folder_name,
    read_workflow_crate,
)
from fivesafes_crate.errors import CrateReadError, UnsafeInputError
from fivesafes_crate.model.vocab import workflow_version
from unit.authoring._specs import WORKFLOW_289, write_workflow_crate


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return target


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://workflowhub.eu/workflows/289?version=1", "https://workflowhub.eu/workflows/289/ro_crate?version=1"),
        ("https://dev.workflowhub.eu/workflows/7?version=12", "https://dev.workflowhub.eu/workflows/7/ro_crate?version=12"),
        ("https://workflowhub.eu/workflows/289", None),
        ("https://example.org/workflows/289?version=1", None),
        ("https://workflowhub.eu.evil.org/workflows/289?version=1", None),
    ],
)
def test_download_url(url: str, expected: str | None) -> None:
    assert download_url(url) == expected


def test_workflow_version() -> None:
    assert workflow_version("https://workflowhub.eu/workflows/289?version=3") == "3"
    assert workflow_version("https://example.org/w") is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [("workflow-289", "workflow-289"), ("wf 289.crate.zip", "wf-289.crate"), ("...", "workflow"), ("é", "workflow")],
)
def test_folder_name(path: str, expected: str) -> None:
    assert folder_name(Path(path)) == expected


def test_reads_the_reference_workflow_crate() -> None:
    info = read_workflow_crate(WORKFLOW_289)
    assert info.name == "CWL Protein MD Setup tutorial with mutations"
    assert info.parameters[0] == FormalParameterInfo("mutations_list")
    assert info.parameter("step0_reduce_remove_hydrogens_input_path") is not None
    assert len(info.parameters) > 10


def test_reads_a_zipped_workflow_crate_in_place(tmp_path: Path) -> None:
    archive = zip_folder(WORKFLOW_289, tmp_path / "workflow-289.crate.zip")
    assert read_workflow_crate(archive) == read_workflow_crate(WORKFLOW_289)


def test_reads_media_type_and_additional_type(tmp_path: Path) -> None:
    info = read_workflow_crate(write_workflow_crate(tmp_path / "wf"))
    assert info.name == "Age-banded counts"
    assert info.parameters == (
        FormalParameterInfo("cohort", "text/csv", "File"),
        FormalParameterInfo("age_band_width", None, "Integer"),
    )


def test_a_crate_without_main_entity_is_no_workflow_crate(tmp_path: Path) -> None:
    with pytest.raises(WorkflowCrateError, match="no mainEntity"):
        read_workflow_crate(write_workflow_crate(tmp_path / "wf", main_entity=False))


def test_a_folder_without_metadata_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CrateReadError):
        read_workflow_crate(tmp_path)


def test_unknown_input_names_the_known_ones() -> None:
    info = WorkflowCrateInfo("w", (FormalParameterInfo("cohort"), FormalParameterInfo("width")))
    info.check_inputs(["cohort", "width"])
    with pytest.raises(UnknownInputError) as caught:
        info.check_inputs(["cohort", "colour"], path="request.yaml")
    assert caught.value.name == "colour"
    assert caught.value.known == ("cohort", "width")
    assert str(caught.value) == (
        "request.yaml: input 'colour' is not an input of the workflow (its inputs: 'cohort', 'width')"
    )


def test_a_workflow_without_declared_inputs_accepts_any_name(caplog: pytest.LogCaptureFixture) -> None:
    WorkflowCrateInfo("w", ()).check_inputs(["anything"])
    assert "cannot be checked" in caplog.text


def test_copies_folder_and_zip_alike(tmp_path: Path) -> None:
    folder = write_workflow_crate(tmp_path / "wf")
    (folder / "sub").mkdir()
    (folder / "sub" / "tool.cwl").write_text("class: CommandLineTool\n", encoding="utf-8")
    copy_workflow_crate(folder, tmp_path / "from-folder")
    copy_workflow_crate(zip_folder(folder, tmp_path / "wf.zip"), tmp_path / "from-zip")
    for copy in ("from-folder", "from-zip"):
        names = sorted(p.relative_to(tmp_path / copy).as_posix() for p in (tmp_path / copy).rglob("*"))
        assert names == ["ro-crate-metadata.json", "sub", "sub/tool.cwl", "workflow.cwl"]
        assert (tmp_path / copy / "sub" / "tool.cwl").read_bytes() == (folder / "sub" / "tool.cwl").read_bytes()


def test_copy_refuses_symbolic_links(tmp_path: Path) -> None:
    folder = write_workflow_crate(tmp_path / "wf")
    (folder / "secret").symlink_to("/etc/hostname")
    with pytest.raises(UnsafeInputError, match="symbolic link: secret"):
        copy_workflow_crate(folder, tmp_path / "copy")


def test_copy_refuses_unsafe_zip_entries(tmp_path: Path) -> None:
    folder = write_workflow_crate(tmp_path / "wf")
    archive = zip_folder(folder, tmp_path / "wf.zip")
    with zipfile.ZipFile(archive, "a") as handle:
        handle.writestr("../escape.txt", "x")
    with pytest.raises(UnsafeInputError, match="escape"):
        copy_workflow_crate(archive, tmp_path / "copy")
    assert not (tmp_path / "escape.txt").exists()
