"""``fivesafes validate`` through CliRunner and as a real process: exit codes, stdout, stderr checked apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner
from unit._crates import EXAMPLE_REQUEST, entity, report_schema, request_document, write_crate

from fivesafes_crate.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return report_schema()


@pytest.fixture
def valid_crate(tmp_path: Path) -> Path:
    """The example request without its dangling member: valid at must."""
    return write_crate(tmp_path / "valid")


@pytest.fixture
def invalid_crate(tmp_path: Path) -> Path:
    """The example request with input1.txt missing (data.file-missing, a MUST)."""
    return write_crate(tmp_path / "invalid", files={})


def invoke(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def assert_one_error_line(result: Any) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return str(lines[0])


def test_valid_crate_exits_0(valid_crate: Path) -> None:
    result = invoke("validate", valid_crate)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().splitlines()[-1].startswith("VALID at severity must")
    assert result.stderr == ""


def test_invalid_crate_exits_1(invalid_crate: Path) -> None:
    result = invoke("validate", invalid_crate)
    assert result.exit_code == 1
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith("INVALID at severity must")
    assert "data.file-missing" in result.stdout and "input1.txt" in result.stdout
    assert result.stderr == ""


def test_example_request_at_must_and_should() -> None:
    result = invoke("validate", EXAMPLE_REQUEST, "--severity", "must", "--format", "json")
    assert result.exit_code == 1, result.stdout  # the example's root has neither name nor description (RO-Crate 1.2)
    must = {(i["check"], i["focus"]) for i in json.loads(result.stdout)["issues"]}
    assert must == {("rocrate.root-name", "./"), ("rocrate.root-description", "./")}
    result = invoke("validate", EXAMPLE_REQUEST, "--severity", "should", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert any(i["check"] == "ref.dangling" and i["focus"] == "#project-be6ffb55-4f5a-4c14-b60e-47e0951090c70"
               for i in data["issues"])


@pytest.mark.parametrize("severity", ["must", "should", "may"])
def test_json_output_follows_the_schema(valid_crate: Path, invalid_crate: Path, schema: dict[str, Any],
                                        severity: str) -> None:
    for crate, codes in ((valid_crate, (0, 1)), (invalid_crate, (1,))):
        result = invoke("validate", crate, "--format", "json", "--severity", severity)
        assert result.exit_code in codes
        data = json.loads(result.stdout)
        jsonschema.validate(data, schema)
        assert data["valid"] is (result.exit_code == 0)
        assert "\x1b[" not in result.stdout
        assert result.stderr == ""


def test_json_reports_the_crates_own_words(tmp_path: Path, schema: dict[str, Any]) -> None:
    document = request_document()
    document["@graph"].append({"@id": "a%20b.txt", "@type": "File"})
    entity(document, "./")["hasPart"].append({"@id": "a%20b.txt"})
    result = invoke("validate", write_crate(tmp_path / "c", document), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    jsonschema.validate(data, schema)
    [issue] = [i for i in data["issues"] if i["check"] == "data.file-missing"]
    assert (issue["focus"], issue["file"]) == ("a%20b.txt", "a b.txt")
    assert str(tmp_path) not in result.stdout


def test_stage_and_profile_options(valid_crate: Path, schema: dict[str, Any]) -> None:
    result = invoke("validate", valid_crate, "--format", "json", "--stage", "under-review", "--profile", "0.5-DRAFT")
    data = json.loads(result.stdout)
    jsonschema.validate(data, schema)
    assert data["stage"] == data["phase"] == "under-review"  # phase: the deprecated key, for one release
    assert data["profile"] == "https://w3id.org/5s-crate/0.5-DRAFT"


def test_phase_is_a_hidden_alias_of_stage(valid_crate: Path) -> None:
    """--phase, the old name, still works for one release; --help shows only --stage."""
    result = invoke("validate", valid_crate, "--format", "json", "--phase", "executed")
    assert result.exit_code == 0 and json.loads(result.stdout)["stage"] == "executed"
    same = invoke("validate", valid_crate, "--format", "json", "--phase", "executed", "--stage", "executed")
    assert json.loads(same.stdout)["stage"] == "executed"
    assert "disagree" in assert_one_error_line(invoke("validate", valid_crate, "--stage", "published",
                                                      "--phase", "request"))
    shown = invoke("validate", "--help").stdout
    assert "--stage" in shown and "--phase" not in shown


def test_syntax_error_is_a_report_not_an_error(tmp_path: Path, schema: dict[str, Any]) -> None:
    result = invoke("validate", write_crate(tmp_path / "c", raw=b'{"@graph": ['), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    jsonschema.validate(data, schema)
    assert [i["check"] for i in data["issues"]] == ["json.syntax"]


def test_missing_path_exits_2(tmp_path: Path) -> None:
    line = assert_one_error_line(invoke("validate", tmp_path / "nope"))
    assert "no such file or folder" in line


def test_folder_without_crate_exits_2(tmp_path: Path) -> None:
    assert "neither" in assert_one_error_line(invoke("validate", tmp_path))


def test_unknown_profile_exits_2(valid_crate: Path) -> None:
    assert "unknown profile" in assert_one_error_line(invoke("validate", valid_crate, "--profile", "9.9"))


def test_bad_format_exits_2(valid_crate: Path) -> None:
    assert "--format" in assert_one_error_line(invoke("validate", valid_crate, "--format", "xml"))


def test_bad_stage_exits_2(valid_crate: Path) -> None:
    assert "--stage" in assert_one_error_line(invoke("validate", valid_crate, "--stage", "reviewing"))
    assert "--phase" in assert_one_error_line(invoke("validate", valid_crate, "--phase", "reviewing"))


def test_bad_severity_exits_2(valid_crate: Path) -> None:
    assert "--severity" in assert_one_error_line(invoke("validate", valid_crate, "--severity", "required"))


def test_missing_argument_and_unknown_option_exit_2(valid_crate: Path) -> None:
    assert_one_error_line(invoke("validate"))
    assert_one_error_line(invoke("validate", valid_crate, "--colour"))
    assert_one_error_line(invoke("frobnicate"))


def test_internal_error_exits_2_with_one_line(valid_crate: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fivesafes_crate

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(fivesafes_crate, "validate_all", boom)
    line = assert_one_error_line(invoke("validate", valid_crate))
    assert "internal error, please report: RuntimeError: boom\\nsecond line" in line  # shown, not obeyed


def test_help_exits_0() -> None:
    result = invoke("validate", "--help")
    assert result.exit_code == 0
    assert "--severity" in result.stdout and "--format" in result.stdout


# --- a real process ---------------------------------------------------------------------------------------------


def run_module(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fivesafes_crate", *map(str, args)], capture_output=True,
                          text=True, timeout=120, check=False)


def test_exit_codes_of_a_real_process(valid_crate: Path, invalid_crate: Path, tmp_path: Path,
                                      schema: dict[str, Any]) -> None:
    ok = run_module("validate", valid_crate, "--format", "json")
    assert ok.returncode == 0, ok.stderr
    jsonschema.validate(json.loads(ok.stdout), schema)
    bad = run_module("validate", invalid_crate)
    assert bad.returncode == 1, bad.stderr
    assert bad.stdout.rstrip().splitlines()[-1].startswith("INVALID")
    missing = run_module("validate", tmp_path / "nope", "--format", "json")
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert len(missing.stderr.splitlines()) == 1 and missing.stderr.startswith("error: ")


def test_help_does_not_import_the_rdf_stack() -> None:
    code = (
        "import sys\n"
        "from fivesafes_crate.cli import main\n"
        "sys.argv = ['fivesafes', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "heavy = sorted(m for m in ('rdflib', 'pyshacl', 'pyld') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy), 'CODE=' + str(code), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert "Usage" in result.stdout and "validate" in result.stdout
    assert "HEAVY= CODE=0" in result.stderr, result.stderr


def test_unreadable_metadata_is_located_in_the_file_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         schema: dict[str, Any]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("notcrate.json").write_text('{"a": 1,\n')
    text = invoke("validate", "notcrate.json")
    assert text.exit_code == 1 and text.stderr == ""
    assert text.stdout.splitlines() == [
        "MUST (1)",
        "  notcrate.json:2:1: json.syntax: not valid JSON: Expecting property name enclosed in double quotes",
        "",
        "INVALID at severity must — no profile (the metadata could not be read), stage unknown (1 must, 0 should, "
        "0 may)",
    ]
    data = json.loads(invoke("validate", "notcrate.json", "--format", "json").stdout)
    jsonschema.validate(data, schema)
    assert (data["profile"], data["stage"], data["phase"]) == (None, "unknown", "unknown")
    assert [(i["check"], i["line"], i["column"]) for i in data["issues"]] == [("json.syntax", 2, 1)]



def _declaring(folder: Path, iri: str) -> Path:
    document = request_document()
    entity(document, "./")["conformsTo"] = {"@id": iri}
    return write_crate(folder, document)


def test_a_root_declaring_an_unsupported_profile_exits_2_with_one_line(tmp_path: Path) -> None:
    crate = _declaring(tmp_path / "c", "https://w3id.org/5s-crate/1.0")
    line = assert_one_error_line(invoke("validate", crate, "--format", "json"))
    assert line.startswith(f"error: {crate / 'ro-crate-metadata.json'}: ./: ")
    assert "https://w3id.org/5s-crate/1.0" in line and "https://w3id.org/5s-crate/0.4" in line
    assert "https://w3id.org/5s-crate/0.5-DRAFT" in line and "--profile" in line


def test_profile_option_validates_it_anyway_and_reports_the_mismatch(tmp_path: Path) -> None:
    crate = _declaring(tmp_path / "c", "https://w3id.org/5s-crate/1.0")
    result = invoke("validate", crate, "--profile", "0.4", "--severity", "should", "--format", "json")
    assert result.exit_code == 1 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["profile"] == "https://w3id.org/5s-crate/0.4" and data["declared"] == ["https://w3id.org/5s-crate/1.0"]
    [mismatch] = [i for i in data["issues"] if i["check"] == "profile.conforms-to"]
    assert mismatch["severity"] == "should" and mismatch["focus"] == "./" and mismatch["path"] == "conformsTo"
    assert '"https://w3id.org/5s-crate/1.0"' in mismatch["message"] and '"https://w3id.org/5s-crate/0.4"' in mismatch[
        "message"]
    assert invoke("validate", crate, "--profile", "0.4").exit_code == 0  # only a SHOULD


def test_the_text_verdict_names_the_declared_profile_beside_the_one_used(tmp_path: Path) -> None:
    crate = _declaring(tmp_path / "c", "https://w3id.org/5s-crate/1.0")
    result = invoke("validate", crate, "--profile", "0.4")
    assert result.exit_code == 0 and result.stderr == ""
    last = result.stdout.splitlines()[-1]
    assert "profile https://w3id.org/5s-crate/0.4 (the root declares https://w3id.org/5s-crate/1.0), stage" in last
    plain = invoke("validate", _declaring(tmp_path / "d", "https://w3id.org/5s-crate/0.4"))
    assert "profile https://w3id.org/5s-crate/0.4, stage" in plain.stdout.splitlines()[-1]


def test_offline_is_accepted_and_changes_nothing(valid_crate: Path) -> None:
    plain = invoke("validate", valid_crate, "--format", "json")
    offline = invoke("validate", valid_crate, "--offline", "--format", "json")
    assert offline.exit_code == plain.exit_code == 0 and offline.stdout == plain.stdout
