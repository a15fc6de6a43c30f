"""``fivesafes pack``, ``unpack`` and ``verify`` through CliRunner: exit codes, stdout and stderr checked apart."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner
from unit._crates import write_crate

from fivesafes_crate.cli import app
from fivesafes_crate.cli._progress import PROGRESS_MIN_BYTES, ProgressBar

runner = CliRunner()
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/reference/verify.schema.json").read_text())
URN = "urn:uuid:9796155a-fe44-4614-89b8-71945f718ffb"


def invoke(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def assert_one_error_line(result: Any) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return str(lines[0])


@pytest.fixture
def crate(tmp_path: Path) -> Path:
    return write_crate(tmp_path / "request")


@pytest.fixture
def archive(crate: Path, tmp_path: Path) -> Path:
    result = invoke("pack", crate, "-o", tmp_path / "request.bagit.zip", "--external-identifier", URN,
                    "--date", "2024-03-06")
    assert result.exit_code == 0, result.stderr
    return tmp_path / "request.bagit.zip"


def test_pack_prints_the_default_output_path(crate: Path, tmp_path: Path) -> None:
    result = invoke("pack", crate)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == f"{tmp_path / 'request.bagit.zip'}\n"
    assert zipfile.is_zipfile(tmp_path / "request.bagit.zip")


def test_pack_options_reach_bag_info(archive: Path) -> None:
    with zipfile.ZipFile(archive) as opened:
        info = opened.read("request/bag-info.txt").decode()
    assert f"External-Identifier: {URN}\n" in info and "Bagging-Date: 2024-03-06\n" in info


def test_pack_is_deterministic_through_the_cli(archive: Path, crate: Path, tmp_path: Path) -> None:
    (tmp_path / "again").mkdir()
    again = tmp_path / "again" / "request.bagit.zip"
    result = invoke("pack", crate, "-o", again, "--external-identifier", URN, "--date", "2024-03-06")
    assert result.exit_code == 0
    assert again.read_bytes() == archive.read_bytes()


def test_pack_bag_dir(crate: Path, tmp_path: Path) -> None:
    result = invoke("pack", crate, "--bag-dir", "-o", tmp_path / "bag")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{tmp_path / 'bag'}\n"
    assert (tmp_path / "bag" / "bagit.txt").is_file()
    assert (tmp_path / "bag" / "data" / "ro-crate-metadata.json").is_file()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--date", "2024-13-01"], "--date"),
        (["--date", "yesterday"], "--date"),
        (["--external-identifier", "a\nb"], "External-Identifier"),
        (["-o", "{crate}/inside.zip"], "inside the crate folder"),
    ],
)
def test_pack_refusals_are_one_line(crate: Path, args: list[str], expected: str) -> None:
    result = invoke("pack", crate, *[a.format(crate=crate) for a in args])
    assert expected in assert_one_error_line(result)


def test_pack_refuses_a_symlink_naming_it(crate: Path, tmp_path: Path) -> None:
    (crate / "link").symlink_to(crate / "input1.txt")
    line = assert_one_error_line(invoke("pack", crate))
    assert line.startswith("error: link: is a symbolic link")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["request"]


def test_pack_refuses_an_existing_zip_unless_force(crate: Path, archive: Path) -> None:
    signed = archive.read_bytes() + b"(pretend: signed)"
    archive.write_bytes(signed)
    line = assert_one_error_line(invoke("pack", crate, "-o", archive))
    assert line == f"error: {archive}: already exists: choose another name, or replace it with --force"
    assert archive.read_bytes() == signed
    replaced = invoke("pack", crate, "-o", archive, "--force")
    assert replaced.exit_code == 0, replaced.stderr
    assert zipfile.is_zipfile(archive) and archive.read_bytes() != signed
    assert "refused unless --force" in " ".join(invoke("pack", "--help").stdout.split())


def test_pack_refuses_metadata_that_is_not_json(crate: Path, tmp_path: Path) -> None:
    (crate / "ro-crate-metadata.json").write_text("{not json\n")
    line = assert_one_error_line(invoke("pack", crate, "-o", tmp_path / "bad.zip"))
    assert line == f"error: {crate / 'ro-crate-metadata.json'}:1:2: not valid JSON: Expecting property name " \
                   "enclosed in double quotes"
    assert not (tmp_path / "bad.zip").exists()


def test_verify_says_what_it_did_not_check_in_json(archive: Path) -> None:
    result = invoke("verify", archive, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    assert any("fivesafes validate" in item for item in report["not_checked"])
    assert report["checked"]


def test_unpack_then_verify(archive: Path, tmp_path: Path) -> None:
    result = invoke("unpack", archive, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{tmp_path / 'out'}\n" and result.stderr == ""
    for target in (archive, tmp_path / "out"):
        verified = invoke("verify", target)
        assert verified.exit_code == 0, verified.stdout
        lines = verified.stdout.splitlines()
        assert lines[-1].startswith("VALID: 5 files checked, ")  # 2 payload files + 3 tag files
        assert lines[:-1] == [
            "checked: the bag's tag files (bagit.txt, bag-info.txt, manifests); every payload and tag file against "
            "every manifest",
            "not checked: the crate's metadata (its JSON and the Five Safes profile): run fivesafes validate",
            "not checked: who signed the bag: run fivesafes verify --trust",
        ]
        assert verified.stderr == ""


def test_unpack_refusals(archive: Path, tmp_path: Path) -> None:
    (tmp_path / "exists").mkdir()
    assert "already exists" in assert_one_error_line(invoke("unpack", archive, "-o", tmp_path / "exists"))
    assert "--output" in assert_one_error_line(invoke("unpack", archive))
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(hostile, "w") as opened:
        opened.writestr("bag/bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        opened.writestr("bag/../../evil", "x")
    assert "refused" in assert_one_error_line(invoke("unpack", hostile, "-o", tmp_path / "h"))
    assert not (tmp_path / "h").exists()


@pytest.fixture
def damaged(archive: Path, tmp_path: Path) -> Path:
    out = tmp_path / "damaged"
    assert invoke("unpack", archive, "-o", out).exit_code == 0
    (out / "data" / "input1.txt").write_bytes(b"changed")
    (out / "data" / "added.txt").write_bytes(b"added")
    (out / "data" / "ro-crate-metadata.json").unlink()
    return out


def test_verify_groups_missing_extra_and_changed(damaged: Path) -> None:
    result = invoke("verify", damaged)
    assert result.exit_code == 1
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("missing (1") and lines[1] == "  data/ro-crate-metadata.json"
    assert lines[2].startswith("extra (1") and lines[3] == "  data/added.txt"
    assert lines[4].startswith("changed (1") and lines[5] == "  data/input1.txt"
    assert lines[6] == "other problems" and "oxum" in lines[7]
    assert lines[-1].startswith("INVALID: ")


def test_verify_json_follows_the_schema(damaged: Path, archive: Path) -> None:
    for target, valid, code in ((archive, True, 0), (damaged, False, 1)):
        result = invoke("verify", target, "--format", "json")
        assert result.exit_code == code and result.stderr == ""
        document = json.loads(result.stdout)
        jsonschema.validate(document, SCHEMA)
        assert document["valid"] is valid
    kinds = {(p["kind"], p["file"]) for p in document["problems"]}
    assert {("missing", "data/ro-crate-metadata.json"), ("extra", "data/added.txt"),
            ("changed", "data/input1.txt")} <= kinds


def test_verify_unreadable_exits_2(crate: Path, tmp_path: Path) -> None:
    assert "not a BagIt bag" in assert_one_error_line(invoke("verify", crate))
    assert assert_one_error_line(invoke("verify", tmp_path / "missing.zip"))
    assert assert_one_error_line(invoke("verify", crate, "--format", "yaml"))


def test_progress_bar_stays_silent_off_a_terminal_and_for_small_payloads(capsys: pytest.CaptureFixture[str]) -> None:
    bar = ProgressBar("packing")
    with bar:
        bar(10, PROGRESS_MIN_BYTES * 2)  # stderr is not a terminal under pytest
        bar(10, 100)
    assert capsys.readouterr().err == ""


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("pack", "unpack", "verify"):
        assert command in result.stdout


def test_progress_bar_runs_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    bar = ProgressBar("packing")
    assert bar.run(lambda: [bar(n, PROGRESS_MIN_BYTES) for n in (0, 1000, PROGRESS_MIN_BYTES)]) is not None
    assert bar._progress is not None and bar._progress.finished
