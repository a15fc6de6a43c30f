"""``fivesafes new`` through CliRunner: from a spec file, from options, prompts, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fivesafes_crate.cli import app
from fivesafes_crate.cli import new as new_command

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "examples" / "request-spec" / "request.yaml"
WORKFLOW = "https://workflowhub.eu/workflows/1042?version=3"

runner = CliRunner()


def invoke(*args: str | Path, stdin: str | None = None) -> Any:
    return runner.invoke(app, ["new", *[str(a) for a in args]], input=stdin)


def options(tmp_path: Path) -> list[str]:
    data = tmp_path / "cohort.csv"
    data.write_text("age_band\n40-49\n", encoding="utf-8")
    return [
        "--workflow", WORKFLOW, "--workflow-name", "Age-banded cohort counts",
        "--input", f"cohort={data}", "--param", "age_band_width=10",
        "--agent", "https://orcid.org/0000-0002-1825-0097", "--agent-name", "Josiah Carberry",
        "--affiliation", "https://ror.org/027m9bs27", "--affiliation-name", "The University of Manchester",
        "--project", "Diabetes outcomes", "--project-id", "safehaven=project-81",
        "--funding", "https://gtr.ukri.org/projects?ref=MR%2FX012345%2F1=Diabetes outcomes",
        "--name", "Cohort counts by age band",
    ]


def metadata(folder: Path) -> dict[str, dict[str, Any]]:
    document = json.loads((folder / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    return {entity["@id"]: entity for entity in document["@graph"]}


def test_help_shows_a_complete_example_and_a_spec_file() -> None:
    result = runner.invoke(app, ["new", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "fivesafes new my-request --profile 0.4" in result.stdout
    for option in ("--workflow", "--input cohort=input.csv", "--param age_band_width=10", "--agent ",
                   "--affiliation ", "--project ", "--project-id safehaven=project-81", "--funding", "--name"):
        assert option in result.stdout
    assert "identifiers:" in result.stdout and "--spec request.yaml" in result.stdout


def test_from_spec_file(tmp_path: Path) -> None:
    result = invoke(tmp_path / "crate", "--spec", SPEC)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"created {tmp_path / 'crate'}"
    assert lines[1].startswith("valid at should")
    assert "stage request" in lines[1]
    assert result.stderr == ""
    assert (tmp_path / "crate" / "input.csv").is_file()


def test_from_options(tmp_path: Path) -> None:
    result = invoke(tmp_path / "crate", *options(tmp_path), "--profile", "0.5-DRAFT")
    assert result.exit_code == 0, result.stderr
    assert "valid at should" in result.stdout and "0.5-DRAFT" in result.stdout
    found = metadata(tmp_path / "crate")
    assert found["./"]["name"] == "Cohort counts by age band"
    assert found["#input-age_band_width"]["value"] == "10"
    assert found["https://ror.org/027m9bs27"]["name"] == "The University of Manchester"
    assert found["https://gtr.ukri.org/projects?ref=MR%2FX012345%2F1"]["name"] == "Diabetes outcomes"


def test_missing_value_without_a_terminal_is_a_usage_error(tmp_path: Path) -> None:
    args = options(tmp_path)
    index = args.index("--agent")
    del args[index:index + 2]
    result = invoke(tmp_path / "crate", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "missing --agent" in result.stderr
    assert not (tmp_path / "crate").exists()


def test_missing_values_are_asked_for_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(new_command, "_interactive", lambda: True)
    args = options(tmp_path)
    for option in ("--agent-name", "--project-id"):
        index = args.index(option)
        del args[index:index + 2]
    result = invoke(tmp_path / "crate", *args, stdin="Josiah Carberry\nsafehaven=project-81\n")
    assert result.exit_code == 0, result.stderr
    found = metadata(tmp_path / "crate")
    assert found["https://orcid.org/0000-0002-1825-0097"]["name"] == "Josiah Carberry"
    assert "_:localid:safehaven:project-81" in found


def test_spec_cannot_be_combined_with_options(tmp_path: Path) -> None:
    result = invoke(tmp_path / "crate", "--spec", SPEC, "--name", "Other")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--spec cannot be combined with --name" in result.stderr


def test_spec_error_is_one_line_with_key_path_and_line(tmp_path: Path) -> None:
    spec = tmp_path / "request.yaml"
    spec.write_text(SPEC.read_text(encoding="utf-8").replace("file: input.csv", "file: [input.csv]"),
                    encoding="utf-8")
    result = invoke(tmp_path / "crate", "--spec", spec)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {spec}:19:5: inputs[0].file: ['input.csv'] is not of type 'string'\n"
    assert not (tmp_path / "crate").exists()


def test_every_problem_of_a_spec_file_is_a_line_with_its_location(tmp_path: Path) -> None:
    spec = tmp_path / "request.yaml"
    text = SPEC.read_text(encoding="utf-8").replace("file: input.csv", "file: [input.csv]")
    spec.write_text(text.replace("name: Josiah Carberry", "name: 7") + "colour: blue\n", encoding="utf-8")
    result = invoke(tmp_path / "crate", "--spec", spec)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert [line.split(": ")[2] for line in lines] == ["inputs[0].file", "agent.name", "colour"]  # in file order
    assert all(line.startswith(f"error: {spec}:") for line in lines) and len(lines) == 3
    assert not (tmp_path / "crate").exists()


def test_existing_output_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "crate").mkdir()
    result = invoke(tmp_path / "crate", "--spec", SPEC)
    assert result.exit_code == 2
    assert "already exists" in result.stderr


def test_bad_assignment_is_an_error(tmp_path: Path) -> None:
    args = options(tmp_path)
    args[args.index("--param") + 1] = "age_band_width"
    result = invoke(tmp_path / "crate", *args)
    assert result.exit_code == 2
    assert "expected --param in the form NAME=VALUE" in result.stderr


def test_missing_input_file_is_an_error(tmp_path: Path) -> None:
    args = options(tmp_path)
    args[args.index("--input") + 1] = f"cohort={tmp_path / 'absent.csv'}"
    result = invoke(tmp_path / "crate", *args)
    assert result.exit_code == 2
    assert "no such input file" in result.stderr


def test_local_workflow_needs_no_name(tmp_path: Path) -> None:
    folder = tmp_path / "wf"
    folder.mkdir()
    (folder / "ro-crate-metadata.json").write_text(json.dumps({
        "@context": "https://w3id.org/ro/crate/1.1/context",
        "@graph": [
            {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": {"@id": "./"}},
            {"@id": "./", "@type": "Dataset", "mainEntity": {"@id": "main.cwl"}},
            {"@id": "main.cwl", "@type": ["File", "ComputationalWorkflow"], "name": "Counts",
             "input": [{"@id": "#cohort"}, {"@id": "#width"}]},
            {"@id": "#cohort", "@type": "FormalParameter", "name": "cohort"},
            {"@id": "#width", "@type": "FormalParameter", "name": "age_band_width"},
        ],
    }), encoding="utf-8")
    args = options(tmp_path)
    args[args.index("--workflow") + 1] = str(folder)
    index = args.index("--workflow-name")
    del args[index:index + 2]
    result = invoke(tmp_path / "crate", *args)
    assert result.exit_code == 0, result.stderr
    assert metadata(tmp_path / "crate")["workflow/wf/"]["name"] == "Counts"
    args[args.index("--param") + 1] = "colour=blue"
    result = invoke(tmp_path / "crate2", *args)
    assert result.exit_code == 2
    assert "input 'colour' is not an input of the workflow (its inputs: 'cohort', 'age_band_width')" in result.stderr
