"""Request specs and Workflow RO-Crates for the authoring tests."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fivesafes_crate.authoring.spec import (
    AgentSpec,
    GrantSpec,
    InputSpec,
    OrganizationSpec,
    ProjectIdentifier,
    ProjectSpec,
    RequestSpec,
    WorkflowSpec,
)
from unit._crates import REFERENCE_DIR

REPO = Path(__file__).resolve().parents[3]
EXAMPLE_SPEC = REPO / "examples" / "request-spec" / "request.yaml"
WORKFLOW_289 = REFERENCE_DIR / "5s-crate" / "0.4" / "example-result" / "data" / "workflow" / "289"
NOW = datetime(2024, 3, 6, 9, 30, tzinfo=UTC)
WORKFLOW_URL = "https://workflowhub.eu/workflows/1042?version=3"


def fixed_ids() -> Callable[[], str]:
    """A new_id giving 00000000-0000-4000-8000-000000000001, ...002, ... in order."""
    counter = itertools.count(1)
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


def make_spec(tmp: Path, *, profile: str = "0.4", workflow: WorkflowSpec | None = None,
              inputs: tuple[InputSpec, ...] | None = None) -> RequestSpec:
    """A complete spec; its input file ``cohort.csv`` is written into ``tmp``."""
    data = tmp / "cohort.csv"
    if not data.exists():
        data.write_text("age_band,count\n40-49,12\n", encoding="utf-8")
    return RequestSpec(
        name="Cohort counts",
        profile=profile,
        workflow=workflow or WorkflowSpec(url=WORKFLOW_URL, name="Age-banded cohort counts"),
        inputs=inputs if inputs is not None else (
            InputSpec("cohort", file=data, title="Cohort definition"),
            InputSpec("age_band_width", value=10),
        ),
        agent=AgentSpec("https://orcid.org/0000-0002-1825-0097", "Josiah Carberry",
                        OrganizationSpec("The University of Manchester", "https://ror.org/027m9bs27")),
        project=ProjectSpec(
            name="Diabetes outcomes",
            identifiers=(ProjectIdentifier("safehaven", "project-81"),),
            funding=GrantSpec("https://gtr.ukri.org/projects?ref=10038961", "EOSC4Cancer"),
            members=(OrganizationSpec("University of Nottingham", "https://ror.org/01ee9ar58"),),
        ),
    )


def write_workflow_crate(folder: Path, parameters: list[dict[str, Any]] | None = None, *,
                         main_entity: bool = True) -> Path:
    """A small Workflow RO-Crate folder whose main workflow declares ``parameters`` as inputs."""
    parameters = parameters if parameters is not None else [
        {"@id": "#in-cohort", "@type": "FormalParameter", "name": "cohort", "encodingFormat": "text/csv",
         "additionalType": "File"},
        {"@id": "#in-width", "@type": "FormalParameter", "name": "age_band_width", "additionalType": "Integer"},
    ]
    folder.mkdir(parents=True)
    (folder / "workflow.cwl").write_text("cwlVersion: v1.2\nclass: Workflow\n", encoding="utf-8")
    root: dict[str, Any] = {"@id": "./", "@type": "Dataset", "name": "Crate of counts",
                            "hasPart": [{"@id": "workflow.cwl"}]}
    if main_entity:
        root["mainEntity"] = {"@id": "workflow.cwl"}
    document = {
        "@context": "https://w3id.org/ro/crate/1.1/context",
        "@graph": [
            {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": {"@id": "./"},
             "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"}},
            root,
            {"@id": "workflow.cwl", "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow"],
             "name": "Age-banded counts", "input": [{"@id": p["@id"]} for p in parameters]},
            *parameters,
        ],
    }
    (folder / "ro-crate-metadata.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    return folder
