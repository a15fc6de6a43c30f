"""``fivesafes preview`` through CliRunner: the path written on stdout, errors as one line, the crate untouched."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fivesafes_crate.cli import app
from fivesafes_crate.model.source import WEBSITE_FILE
from fivesafes_crate.reporting.preview import preview

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def crate(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "published", tmp_path / "published"))


@pytest.fixture
def elsewhere(tmp_path: Path) -> Iterator[Path]:
    """A working directory that is neither the crate nor its parent."""
    folder = tmp_path / "work"
    folder.mkdir()
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(before)


def test_default_output_is_beside_the_crate(crate: Path, elsewhere: Path) -> None:
    result = runner.invoke(app, ["preview", str(crate)])
    assert result.exit_code == 0, result.stderr
    written = crate.parent / "published.preview.html"
    assert result.stdout == f"{written}\n"
    assert result.stderr == ""
    assert written.read_text(encoding="utf-8") == preview(crate)
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in crate.iterdir()) == ["cohort.json", "outputs", "ro-crate-metadata.json"]


def test_output_option_and_severity(crate: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["preview", str(crate), "-o", str(tmp_path / "p.html"), "--severity", "may"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "p.html")
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "invalid</span> at severity may" in html  # the example has MAY findings; the exit code is still 0


def test_a_crate_folders_own_preview_can_be_written(crate: Path) -> None:
    for _ in range(2):  # the crate's own generated page is rewritten without --force
        result = runner.invoke(app, ["preview", str(crate), "--output", str(crate / WEBSITE_FILE)])
        assert result.exit_code == 0, result.stderr
    assert (crate / WEBSITE_FILE).read_text(encoding="utf-8") == preview(crate)


def test_an_existing_file_is_never_overwritten_without_force(crate: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["preview", str(crate), "-o", str(data)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"error: {data}: already exists: choose another name, or replace it with --force\n"
    assert data.read_text() == "a,b\n1,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "published"]  # no temporary left
    replaced = runner.invoke(app, ["preview", str(crate), "-o", str(data), "--force"])
    assert replaced.exit_code == 0, replaced.stderr
    assert data.read_text(encoding="utf-8") == preview(crate)


def test_force_is_in_the_help() -> None:
    result = runner.invoke(app, ["preview", "--help"])
    assert "--force" in result.stdout and "refused unless --force" in " ".join(result.stdout.split())


@pytest.mark.parametrize("args", [
    ["--output", "{crate}/ro-crate-metadata.json"],
    ["--output", "{tmp}/missing/p.html"],
    ["--profile", "9.9"],
])
def test_refusals_are_one_error_line(crate: Path, tmp_path: Path, args: list[str]) -> None:
    before = (crate / "ro-crate-metadata.json").read_bytes()
    filled = [a.format(crate=crate, tmp=tmp_path) for a in args]
    result = runner.invoke(app, ["preview", str(crate), *filled])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")
    assert (crate / "ro-crate-metadata.json").read_bytes() == before
    assert not (tmp_path / "published.preview.html").exists()


def test_unreadable_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["preview", str(tmp_path / "nothing"), "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert result.stdout == "" and result.stderr.startswith("error: ")
    assert not (tmp_path / "x.html").exists()
