"""Request spec files: schema (shipped = published), YAML and JSON reading, errors with key path and line."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from fivesafes_crate.authoring.spec import (
    InputFileError,
    InputSpec,
    RequestSpec,
    SpecError,
    check_spec,
    from_json,
    load_request_spec,
    looks_like_id,
    options_spec,
    schema,
    split_assignment,
    to_json,
)
from unit.authoring._specs import EXAMPLE_SPEC, REPO, make_spec

SHIPPED = REPO / "src" / "fivesafes_crate" / "authoring" / "request-spec.schema.json"
PUBLISHED = REPO / "docs" / "reference" / "request-spec.schema.json"

GOOD = """\
profile: "0.5-DRAFT"
name: Cohort counts
workflow:
  url: https://workflowhub.eu/workflows/1042?version=3
  name: Age-banded cohort counts
inputs:
  - name: cohort
    file: data/cohort.csv
  - name: width
    value: 10
agent:
  id: 0000-0002-1825-0097
  name: Josiah Carberry
  affiliation:
    id: 027m9bs27
    name: The University of Manchester
project:
  name: Diabetes outcomes
  identifiers:
    - tre: safehaven
      id: project-81
"""


def write(folder: Path, text: str, name: str = "request.yaml") -> Path:
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "cohort.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_request_spec(path)
    return caught.value


def test_published_schema_is_the_shipped_one() -> None:
    assert PUBLISHED.read_bytes() == SHIPPED.read_bytes()


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_example_spec_loads() -> None:
    spec = load_request_spec(EXAMPLE_SPEC)
    assert spec.profile == "0.4"
    assert spec.workflow.url == "https://workflowhub.eu/workflows/1042?version=3"
    assert [i.name for i in spec.inputs] == ["cohort", "age_band_width", "suppress_below"]
    assert spec.inputs[0].file == EXAMPLE_SPEC.parent / "input.csv"
    assert spec.inputs[1].value == 10
    assert spec.source == str(EXAMPLE_SPEC)  # the spec file as given, for messages


def test_yaml_spec_values_and_normalised_ids(tmp_path: Path) -> None:
    spec = load_request_spec(write(tmp_path, GOOD))
    assert spec.profile == "0.5-DRAFT"
    assert spec.agent.id == "https://orcid.org/0000-0002-1825-0097"
    assert spec.agent.affiliation.id == "https://ror.org/027m9bs27"
    assert spec.project.identifiers[0].tre == "safehaven"


def test_file_paths_are_relative_to_the_spec_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, GOOD)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    spec = load_request_spec(Path(os.path.relpath(path, elsewhere)))
    assert spec.inputs[0].file is not None and spec.inputs[0].file.resolve() == tmp_path / "data" / "cohort.csv"


def test_json_spec_gives_the_same_values(tmp_path: Path) -> None:
    yaml_spec = load_request_spec(write(tmp_path, GOOD))
    json_path = write(tmp_path, json.dumps(yaml.safe_load(GOOD), indent=2), "request.json")
    assert load_request_spec(json_path) == yaml_spec


def test_unquoted_yaml_version_is_the_version(tmp_path: Path) -> None:
    spec = load_request_spec(write(tmp_path, GOOD.replace('profile: "0.5-DRAFT"', "profile: 0.4")))
    assert spec.profile == "0.4"


def test_type_error_names_key_path_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("file: data/cohort.csv", "file: 5"))
    error = error_of(path)
    assert str(error) == f"{path}:8:5: inputs[0].file: 5 is not of type 'string'"
    assert (error.key_path, error.line, error.column, error.path) == ("inputs[0].file", 8, 5, str(path))
    assert error.problems[0].pointer == "/inputs/0/file"


def test_every_problem_of_a_spec_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (GOOD.replace("file: data/cohort.csv", "file: data/missing.csv")
            .replace("name: width", "name: cohort")
            .replace("id: 0000-0002-1825-0097", "id: Josiah")
            .replace("  name: Diabetes outcomes", "  name: D\n  colour: blue")) + "name: Again\n"
    path = write(tmp_path, text)
    error = error_of(path)
    assert [(p.key_path, p.pointer, p.line) for p in error.problems] == [
        ("inputs[0].file", "/inputs/0/file", 8),
        ("inputs[1].name", "/inputs/1/name", 9),
        ("agent.id", "/agent/id", 12),
        ("project.colour", "/project/colour", 19),
        ("name", "/name", 23),
    ]
    assert all(p.column is not None for p in error.problems)
    assert error.message.endswith("(and 4 more problems)")
    lines = error.lines()
    assert len(lines) == 5 and all(line.startswith(f"{path}:") for line in lines)
    assert lines[3] == f"{path}:19:3: project.colour: unknown key (allowed: funding, id, identifiers, members, name)"
    assert lines[4] == f"{path}:23:1: name: key given twice"


def test_check_spec_reports_every_problem_with_its_pointer(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    broken = dataclasses.replace(spec, name="", inputs=(*spec.inputs, spec.inputs[0]))
    with pytest.raises(SpecError) as caught:
        check_spec(broken)
    assert {(p.key_path, p.pointer) for p in caught.value.problems} >= {
        ("name", "/name"), (f"inputs[{len(spec.inputs)}].name", f"/inputs/{len(spec.inputs)}/name")}


def test_unknown_key_is_refused_with_its_line(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, GOOD.replace("  name: Diabetes outcomes", "  name: D\n  colour: blue")))
    assert error.key_path == "project.colour"
    assert error.line == 19
    assert "unknown key" in error.message and "identifiers" in error.message


def test_missing_required_key(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, GOOD.replace("name: Cohort counts\n", "")))
    assert error.message.startswith("'name' is required")
    assert error.line == 1


def test_file_and_value_together_are_refused(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, GOOD.replace("    value: 10", "    value: 10\n    file: data/cohort.csv")))
    assert error.key_path == "inputs[1]"
    assert "either file" in error.message
    assert error.line == 9


def test_url_workflow_needs_a_name(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, GOOD.replace("  name: Age-banded cohort counts\n", "")))
    assert error.key_path == "workflow"
    assert "url (with name" in error.message


def test_agent_id_must_be_a_uri(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, GOOD.replace("id: 0000-0002-1825-0097", "id: Josiah")))
    assert error.key_path == "agent.id"
    assert "ORCID" in error.message


def test_json_errors_have_lines_too(tmp_path: Path) -> None:
    document = yaml.safe_load(GOOD)
    document["inputs"][1]["value"] = [1]
    error = error_of(write(tmp_path, json.dumps(document, indent=2), "request.json"))
    assert error.key_path == "inputs[1].value"
    assert error.line is not None
    text = (tmp_path / "request.json").read_text().splitlines()
    assert '"value"' in text[error.line - 1]


def test_minified_json_error_is_on_line_1(tmp_path: Path) -> None:
    document = yaml.safe_load(GOOD)
    document["name"] = 3
    error = error_of(write(tmp_path, json.dumps(document), "request.json"))
    assert (error.key_path, error.line) == ("name", 1)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, GOOD.replace("  name: Age-banded cohort counts", "  name: [unclosed")))
    assert error.message.startswith("not valid YAML")
    assert error.line is not None


def test_json_syntax_error_has_a_line(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, '{\n  "name": "x",\n  oops\n}', "request.json"))
    assert error.message.startswith("not valid JSON")
    assert error.line == 3


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, GOOD + "name: Again\n"))
    assert (error.key_path, error.line) == ("name", 22)


def test_duplicate_input_names_are_refused(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, GOOD.replace("name: width", "name: cohort")))
    assert error.key_path == "inputs[1].name"
    assert "twice" in error.message


def test_several_problems_are_counted(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, GOOD.replace("name: Cohort counts", "name: 1").replace("  name: Josiah Carberry",
                                                                                              "  name: 2")))
    assert "(and 1 more problem)" in error.message


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        ("missing", "no such input file"),
        ("folder", "not a regular file"),
        ("link", "symbolic link"),
    ],
)
def test_bad_input_files_are_refused(tmp_path: Path, setup: str, fragment: str) -> None:
    path = write(tmp_path, GOOD.replace("file: data/cohort.csv", "file: data/other.csv"))
    other = tmp_path / "data" / "other.csv"
    if setup == "folder":
        other.mkdir()
    elif setup == "link":
        other.symlink_to(tmp_path / "data" / "cohort.csv")
    with pytest.raises(InputFileError) as caught:
        load_request_spec(path)
    assert fragment in caught.value.message
    assert (caught.value.key_path, caught.value.line) == ("inputs[0].file", 8)


def test_missing_local_workflow_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("  url: https://workflowhub.eu/workflows/1042?version=3\n", "  path: nowhere/\n")
    error = error_of(write(tmp_path, text))
    assert error.key_path == "workflow.path"
    assert "no such folder" in error.message


def test_missing_or_unreadable_spec_file(tmp_path: Path) -> None:
    assert "no such spec file" in error_of(tmp_path / "absent.yaml").message
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    assert "not UTF-8" in error_of(tmp_path / "latin1.yaml").message


def test_to_json_round_trips(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    assert from_json(to_json(spec)) == spec


def test_check_spec_applies_the_schema_to_python_specs(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    bad = RequestSpec(name=spec.name, workflow=spec.workflow, agent=spec.agent, project=spec.project,
                      profile="0.3")
    with pytest.raises(SpecError) as caught:
        check_spec(bad)
    assert caught.value.key_path == "profile"
    twice = RequestSpec(name=spec.name, workflow=spec.workflow, agent=spec.agent, project=spec.project,
                        inputs=(InputSpec("a", value=1), InputSpec("a", value=2)))
    with pytest.raises(SpecError, match="given twice"):
        check_spec(twice)


def test_split_assignment() -> None:
    assert split_assignment("cohort=data/x=y.csv", option="--input") == ("cohort", "data/x=y.csv")
    assert split_assignment("https://g.org/p?ref=1=Grant name", option="--funding", last=True) == (
        "https://g.org/p?ref=1", "Grant name")
    with pytest.raises(SpecError, match="--param in the form NAME=VALUE"):
        split_assignment("novalue", option="--param")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("https://ror.org/027m9bs27", True), ("027m9bs27", True), ("0000-0002-1825-0097", True),
     ("urn:uuid:1", True), ("The University of Manchester", False), ("Dept: Biology", False)],
)
def test_looks_like_id(value: str, expected: bool) -> None:
    assert looks_like_id(value) is expected


def test_options_spec(tmp_path: Path) -> None:
    data = tmp_path / "cohort.csv"
    data.write_text("a\n", encoding="utf-8")
    spec = options_spec(
        workflow="https://workflowhub.eu/workflows/1042?version=3", workflow_name="Counts",
        inputs=[f"cohort={data}"], params=["width=10"], agent="0000-0002-1825-0097", agent_name="J",
        affiliation="University of Somewhere", project="https://example.org/projects/7", project_name="P7",
        project_ids=["safehaven=81"], funding="https://g.org/p?ref=1=Grant", name="Request",
    )
    assert spec.inputs == (InputSpec("cohort", file=data), InputSpec("width", value="10"))
    assert spec.agent.id == "https://orcid.org/0000-0002-1825-0097"
    assert spec.agent.affiliation.id is None and spec.agent.affiliation.name == "University of Somewhere"
    assert (spec.project.id, spec.project.name) == ("https://example.org/projects/7", "P7")
    assert spec.project.funding is not None and spec.project.funding.id == "https://g.org/p?ref=1"


def test_options_spec_reports_missing_values(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        options_spec(workflow="https://workflowhub.eu/workflows/1?version=1", workflow_name="W",
                     agent="0000-0002-1825-0097", agent_name="J", affiliation="https://ror.org/027m9bs27",
                     project="P", project_ids=["t=1"], name="R")
    assert caught.value.key_path == "agent.affiliation.name"
