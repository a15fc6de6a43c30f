"""``fivesafes disclosure import-acro`` through CliRunner: the summary, exit codes and one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from unit.phases.conftest import completed_crate, crate_files, metadata_of

from fivesafes_crate.cli import app

runner = CliRunner()
TRE = {"FIVESAFES_PROVIDER": "https://safehaven.example.org/", "FIVESAFES_PROVIDER_NAME": "Example Safe Haven"}


@pytest.fixture
def standalone(reference_dir: Path) -> Path:
    return reference_dir / "acro-sample-1.0.2" / "standalone"


def invoke(*args: str | Path) -> Any:
    return runner.invoke(app, ["disclosure", "import-acro", *(str(a) for a in args)], env=TRE)


def test_import_records_acro_reviews(tmp_path: Path, standalone: Path) -> None:
    bag = completed_crate(tmp_path, {"output_0_0.csv": (standalone / "output_0_0.csv").read_bytes()})
    result = invoke(bag, standalone, "--timezone", "Europe/London")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ACRO results imported: 1 ACRO output(s) matched 1 file(s) (1 fail, 0 review")
    graph = {e["@id"]: e for e in json.loads(metadata_of(bag))["@graph"]}
    acro = graph["https://safehaven.example.org/#acro"]
    assert (acro["name"], acro["softwareVersion"]) == ("ACRO", "1.0.2")


def test_errors_are_one_line_and_leave_the_crate(tmp_path: Path, standalone: Path) -> None:
    bag = completed_crate(tmp_path, {"output_0_0.csv": (standalone / "output_0_0.csv").read_bytes()})
    before = crate_files(bag)
    broken = shutil.copytree(standalone, tmp_path / "acro")
    (broken / "checksums" / "results.json.txt").unlink()
    for arguments, fragment in [((standalone,), "--timezone"),
                                ((broken, "--timezone", "UTC"), "no checksum for results.json"),
                                ((standalone, "--timezone", "UTC", "--agent", "not a uri"), "must be an absolute URI")]:
        result = invoke(bag, *arguments)
        assert result.exit_code == 2 and result.stdout == "", result.stdout
        assert len(result.stderr.splitlines()) == 1 and fragment in result.stderr, result.stderr
    assert crate_files(bag) == before
