"""Building request crates: valid at should for both profiles and both kinds of workflow, deterministic, atomic."""

from __future__ import annotations

import errno
import json
import runpy
import shutil
import string
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fivesafes_crate as api
from fivesafes_crate.authoring import create_request
from fivesafes_crate.authoring.builder import media_type
from fivesafes_crate.authoring.spec import (
    AgentSpec,
    InputFileError,
    InputSpec,
    OrganizationSpec,
    ProjectIdentifier,
    ProjectSpec,
    RequestSpec,
    SpecError,
    WorkflowSpec,
)
from fivesafes_crate.authoring.workflow import UnknownInputError
from fivesafes_crate.errors import StorageError, UsageError
from fivesafes_crate.issues import Issue, Severity, Stage
from fivesafes_crate.validation.checks.credentials import SECRET_NAME
from fivesafes_crate.validation.engine import validate
from unit.authoring._specs import NOW, REPO, WORKFLOW_289, WORKFLOW_URL, fixed_ids, make_spec, write_workflow_crate

PROFILES = ("0.4", "0.5-DRAFT")


def build(spec: RequestSpec, output: Path) -> dict[str, Any]:
    create_request(spec, output, now=lambda: NOW, new_id=fixed_ids())
    document: dict[str, Any] = json.loads((output / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    return document


def entities(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entity["@id"]: entity for entity in document["@graph"]}


def describe(issues: tuple[Issue, ...]) -> str:
    return "\n".join(f"{i.severity.label} {i.check} {i.focus}: {i.message}" for i in issues)


def assert_valid_request(crate: Path, profile: str) -> None:
    report = validate(crate, threshold=Severity.SHOULD)
    assert report.valid, describe(report.at_threshold())
    assert not [issue for issue in report.issues if issue.severity >= Severity.SHOULD]
    assert report.phase is Stage.REQUEST
    assert report.profile == f"https://w3id.org/5s-crate/{profile}"


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return target


@pytest.mark.parametrize("profile", PROFILES)
def test_url_workflow_request_is_valid_at_should(tmp_path: Path, profile: str) -> None:
    build(make_spec(tmp_path, profile=profile), tmp_path / "crate")
    assert_valid_request(tmp_path / "crate", profile)


@pytest.mark.parametrize("profile", PROFILES)
def test_reference_workflow_crate_request_is_valid_at_should(tmp_path: Path, profile: str) -> None:
    inputs = (InputSpec("mutations_list", value="A:Gly4Lys"),)
    spec = make_spec(tmp_path, profile=profile, workflow=WorkflowSpec(path=WORKFLOW_289), inputs=inputs)
    document = build(spec, tmp_path / "crate")
    assert_valid_request(tmp_path / "crate", profile)
    workflow = entities(document)["workflow/289/"]
    assert workflow["name"] == "CWL Protein MD Setup tutorial with mutations"
    assert (tmp_path / "crate" / "workflow" / "289" / "workflow.cwl").is_file()


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
def test_local_workflow_request_is_valid_at_should(tmp_path: Path, profile: str, zipped: bool) -> None:
    folder = write_workflow_crate(tmp_path / "counts-wf")
    source = zip_folder(folder, tmp_path / "counts-wf.zip") if zipped else folder
    document = build(make_spec(tmp_path, profile=profile, workflow=WorkflowSpec(path=source)), tmp_path / "crate")
    assert_valid_request(tmp_path / "crate", profile)
    found = entities(document)
    root = found["./"]
    assert root["mainEntity"] == {"@id": "workflow/counts-wf/"}
    assert {"@id": "workflow/counts-wf/"} in root["hasPart"]
    assert found["workflow/counts-wf/"]["conformsTo"] == {"@id": "https://w3id.org/workflowhub/workflow-ro-crate/1.0"}
    assert found["workflow/counts-wf/"]["name"] == "Age-banded counts"
    assert "distribution" not in found["workflow/counts-wf/"]
    assert (tmp_path / "crate" / "workflow" / "counts-wf" / "ro-crate-metadata.json").is_file()
    # the FormalParameters take name, encodingFormat and additionalType from the Workflow RO-Crate
    assert found["#param-cohort"] == {"@id": "#param-cohort", "@type": "FormalParameter", "name": "cohort",
                                      "encodingFormat": "text/csv", "additionalType": "File"}
    assert found["#param-age_band_width"]["additionalType"] == "Integer"


def test_unknown_input_of_a_local_workflow_is_refused(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, workflow=WorkflowSpec(path=write_workflow_crate(tmp_path / "wf")),
                     inputs=(InputSpec("colour", value="blue"),))
    with pytest.raises(UnknownInputError) as caught:
        create_request(spec, tmp_path / "crate")
    assert caught.value.known == ("cohort", "age_band_width")
    assert not (tmp_path / "crate").exists()


def test_request_structure(tmp_path: Path) -> None:
    document = build(make_spec(tmp_path), tmp_path / "crate")
    assert document["@context"] == "https://w3id.org/ro/crate/1.2/context"
    found = entities(document)
    assert found["ro-crate-metadata.json"]["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.2"}
    root = found["./"]
    assert "datePublished" not in root
    assert root["dateCreated"] == "2024-03-06T09:30:00+00:00"
    assert root["conformsTo"] == {"@id": "https://w3id.org/5s-crate/0.4"}
    assert found["https://w3id.org/5s-crate/0.4"]["@type"] == "Profile"
    assert root["mainEntity"] == {"@id": WORKFLOW_URL}
    request_id = "#request-00000000-0000-4000-8000-000000000001"
    assert root["mentions"] == [{"@id": request_id}]
    action = found[request_id]
    assert action["@type"] == "CreateAction"
    assert action["actionStatus"] == {"@id": "http://schema.org/PotentialActionStatus"}
    assert action["instrument"] == {"@id": WORKFLOW_URL}
    assert action["agent"] == {"@id": "https://orcid.org/0000-0002-1825-0097"}
    assert action["object"] == [{"@id": "cohort.csv"}, {"@id": "#input-age_band_width"}]
    assert found[WORKFLOW_URL]["distribution"] == {"@id": "https://workflowhub.eu/workflows/1042/ro_crate?version=3"}
    download = found["https://workflowhub.eu/workflows/1042/ro_crate?version=3"]
    assert download["encodingFormat"] == "application/zip"
    assert download["conformsTo"] == {"@id": "https://w3id.org/ro/crate"}
    data = found["cohort.csv"]
    assert data == {"@id": "cohort.csv", "@type": "File", "name": "Cohort definition", "encodingFormat": "text/csv",
                    "contentSize": str((tmp_path / "cohort.csv").stat().st_size),
                    "exampleOfWork": {"@id": "#param-cohort"}}
    assert {"@id": "cohort.csv"} in root["hasPart"]
    assert (tmp_path / "crate" / "cohort.csv").read_bytes() == (tmp_path / "cohort.csv").read_bytes()
    assert found["#input-age_band_width"]["value"] == 10
    project_id = "#project-00000000-0000-4000-8000-000000000002"
    assert root["sourceOrganization"] == {"@id": project_id}
    project = found[project_id]
    assert project["identifier"] == [{"@id": "_:localid:safehaven:project-81"}]
    assert found["_:localid:safehaven:project-81"] == {"@id": "_:localid:safehaven:project-81",
                                                       "@type": "PropertyValue", "name": "safehaven",
                                                       "value": "project-81"}
    assert project["funding"] == [{"@id": "https://gtr.ukri.org/projects?ref=10038961"}]
    assert project["member"] == [{"@id": "https://ror.org/027m9bs27"}, {"@id": "https://ror.org/01ee9ar58"}]
    person = found["https://orcid.org/0000-0002-1825-0097"]
    assert person["affiliation"] == {"@id": "https://ror.org/027m9bs27"}
    assert person["memberOf"] == [{"@id": project_id}]


def test_generated_ids_for_unnamed_organisations_and_projects(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    spec = RequestSpec(name="R", workflow=spec.workflow, inputs=spec.inputs,
                       agent=AgentSpec("0000-0002-1825-0097", "J", OrganizationSpec("Uni")),
                       project=ProjectSpec("P", (ProjectIdentifier("tre 72", "a/b"),),
                                           members=(OrganizationSpec("Other"),)),
                       request_id="#query-37252371-c937-43bd-a0a7-3680b48c0538")
    found = entities(build(spec, tmp_path / "crate"))
    assert "#query-37252371-c937-43bd-a0a7-3680b48c0538" in found
    assert "#project-00000000-0000-4000-8000-000000000001" in found
    assert found["#org-00000000-0000-4000-8000-000000000002"]["name"] == "Uni"
    assert found["#org-00000000-0000-4000-8000-000000000003"]["name"] == "Other"
    assert found["https://orcid.org/0000-0002-1825-0097"]["name"] == "J"
    assert "_:localid:tre%2072:a%2Fb" in found
    assert_valid_request(tmp_path / "crate", "0.4")


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, workflow=WorkflowSpec(path=write_workflow_crate(tmp_path / "wf")))
    build(spec, tmp_path / "one")
    build(spec, tmp_path / "two")
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*") if p.is_file())
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_committed_example_is_rebuilt_byte_for_byte(tmp_path: Path) -> None:
    script = runpy.run_path(str(REPO / "scripts" / "build_example_request.py"))
    built = script["build"](tmp_path / "request-from-spec")
    committed = REPO / "examples" / "request-from-spec"
    names = sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*"))
    assert names == sorted(p.relative_to(built).as_posix() for p in built.rglob("*"))
    for name in names:
        assert (built / name).read_bytes() == (committed / name).read_bytes(), name
    assert_valid_request(committed, "0.4")


def test_the_facade_builds_from_a_spec_file(tmp_path: Path) -> None:
    spec = api.load_request_spec(REPO / "examples" / "request-spec" / "request.yaml")
    crate = api.create_request(spec, tmp_path / "crate", now=lambda: NOW, new_id=fixed_ids())
    assert crate.root is not None and crate.root["name"] == spec.name
    assert crate.source is not None and crate.source.path == tmp_path / "crate"


def test_existing_output_is_refused_and_kept(tmp_path: Path) -> None:
    (tmp_path / "crate").mkdir()
    (tmp_path / "crate" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="already exists"):
        create_request(make_spec(tmp_path), tmp_path / "crate")
    assert [p.name for p in (tmp_path / "crate").iterdir()] == ["keep.txt"]


def test_missing_parent_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        create_request(make_spec(tmp_path), tmp_path / "no" / "crate")


def test_a_failed_build_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec(tmp_path, workflow=WorkflowSpec(path=write_workflow_crate(tmp_path / "wf")))
    before = sorted(p.name for p in tmp_path.iterdir())

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", broken)
    with pytest.raises(StorageError) as caught:
        create_request(spec, tmp_path / "crate")
    assert str(caught.value) == f"{tmp_path / 'crate'}: cannot write here (no space left on device)"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_input_file_problems_are_typed(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, inputs=(InputSpec("cohort", file=tmp_path / "absent.csv"),))
    with pytest.raises(InputFileError) as caught:
        create_request(spec, tmp_path / "crate")
    assert caught.value.key_path == "inputs[0].file"
    assert "absent.csv" in caught.value.message


def test_clashing_input_file_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "cohort.csv").write_text("x\n", encoding="utf-8")
    make_spec(tmp_path)
    inputs = (InputSpec("one", file=tmp_path / "cohort.csv"), InputSpec("two", file=tmp_path / "a" / "cohort.csv"))
    with pytest.raises(SpecError, match=r"both called 'cohort\.csv'"):
        create_request(make_spec(tmp_path, inputs=inputs), tmp_path / "crate")
    (tmp_path / "ro-crate-metadata.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SpecError, match="a name the crate uses itself"):
        create_request(make_spec(tmp_path, inputs=(InputSpec("one", file=tmp_path / "ro-crate-metadata.json"),)),
                      tmp_path / "crate")


def test_other_urls_need_a_download(tmp_path: Path) -> None:
    url = "https://example.org/workflows/counts/v2"
    with pytest.raises(SpecError, match=r"give workflow\.download"):
        create_request(make_spec(tmp_path, workflow=WorkflowSpec(url=url, name="Counts")), tmp_path / "crate")
    download = "https://example.org/workflows/counts/v2.crate.zip"
    spec = make_spec(tmp_path, workflow=WorkflowSpec(url=url, name="Counts", download=download))
    assert entities(build(spec, tmp_path / "crate"))[url]["distribution"] == {"@id": download}
    assert_valid_request(tmp_path / "crate", "0.4")


def test_media_types_do_not_depend_on_the_machine() -> None:
    assert media_type(Path("a.csv")) == "text/csv"
    assert media_type(Path("a.json")) == "application/json"
    assert media_type(Path("a.unknown-extension")) == "application/octet-stream"


# --- Property: any valid spec builds a crate valid at should --------------------------------------------------

SAFE = string.ascii_letters + string.digits + "_-"
safe_names = st.text(SAFE, min_size=1, max_size=12).filter(lambda name: not SECRET_NAME.search(name))
texts = st.text(string.ascii_letters + string.digits + " .,-()", min_size=1, max_size=30).filter(str.strip)
values = st.one_of(texts, st.integers(-10**6, 10**6), st.booleans(),
                   st.floats(allow_nan=False, allow_infinity=False, width=32))


@st.composite
def request_specs(draw: st.DrawFn) -> tuple[RequestSpec, dict[str, bytes]]:
    names = draw(st.lists(safe_names, min_size=0, max_size=5, unique=True))
    inputs: list[InputSpec] = []
    files: dict[str, bytes] = {}
    for index, name in enumerate(names):
        if draw(st.booleans()):
            file_name = f"in{index}-{draw(safe_names)}.{draw(st.sampled_from(['csv', 'txt', 'json', 'dat']))}"
            files[file_name] = draw(st.binary(max_size=64))
            inputs.append(InputSpec(name, file=Path(file_name), title=draw(st.none() | texts)))
        else:
            inputs.append(InputSpec(name, value=draw(values)))
    with_id = draw(st.booleans())
    spec = RequestSpec(
        name=draw(texts),
        profile=draw(st.sampled_from(PROFILES)),
        description=draw(st.none() | texts),
        workflow=WorkflowSpec(url=f"https://workflowhub.eu/workflows/{draw(st.integers(1, 9999))}"
                                  f"?version={draw(st.integers(1, 99))}", name=draw(texts)),
        inputs=tuple(inputs),
        agent=AgentSpec(f"https://orcid.org/0000-000{draw(st.integers(1, 9))}-1825-0097", draw(texts),
                        OrganizationSpec(draw(texts), "https://ror.org/027m9bs27" if with_id else None)),
        project=ProjectSpec(draw(texts), tuple(ProjectIdentifier(tre, draw(texts)) for tre in
                                               draw(st.lists(safe_names, min_size=1, max_size=3, unique=True))),
                            members=tuple(OrganizationSpec(n) for n in draw(st.lists(texts, max_size=2)))),
    )
    return spec, files


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=request_specs())
def test_any_valid_spec_builds_a_crate_valid_at_should(tmp_path: Path, case: tuple[RequestSpec, dict[str, bytes]]
                                                       ) -> None:
    spec, files = case
    work = tmp_path / f"case-{len(list(tmp_path.iterdir()))}"
    work.mkdir()
    for name, data in files.items():
        (work / name).write_bytes(data)
    spec = RequestSpec(
        name=spec.name, profile=spec.profile, description=spec.description, workflow=spec.workflow,
        agent=spec.agent, project=spec.project,
        inputs=tuple(InputSpec(i.name, file=work / i.file, title=i.title) if i.file else i for i in spec.inputs),
    )
    create_request(spec, work / "crate")
    assert_valid_request(work / "crate", spec.profile)
