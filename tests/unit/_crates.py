"""Small crates for unit tests, written to a temporary folder.

``request_document()`` is the profile's 0.4 example request (``5s-crate/0.4/example-request/data``) with the
Project member it leaves undescribed removed, embedded here so that unit tests do not need the reference
material. Tests edit a copy and write it with :func:`write_crate`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO / "tests" / "data"  # copies of the reference material: tests/data/README.md
EXAMPLE_REQUEST = REFERENCE_DIR / "5s-crate" / "0.4" / "example-request"
SCHEMA_PATH = REPO / "docs" / "reference" / "report.schema.json"

CONTEXT = "https://w3id.org/ro/crate/1.2-DRAFT/context"
ROOT = "./"
QUERY = "#query-37252371-c937-43bd-a0a7-3680b48c0538"
PROJECT = "#project-be6ffb55-4f5a-4c14-b60e-47e0951090c70"
PERSON = "https://orcid.org/0000-0001-9842-9718"
GRANT = "https://gtr.ukri.org/projects?ref=10038961"
WORKFLOW = "https://workflowhub.eu/workflows/289?version=1"
INPUT_TEXT = b"    A:Gly4Lys\n    A:Leu8Met\n    A:Tyr20Gln"  # like input1.txt of the example request

_REQUEST: dict[str, Any] = {
    "@context": CONTEXT,
    "@graph": [
        {
            "@type": "CreativeWork",
            "@id": "ro-crate-metadata.json",
            "about": {"@id": "./"},
            "conformsTo": {"@id": "https://w3id.org/ro/crate/1.2-DRAFT"},
        },
        {
            "@id": "./",
            "@type": "Dataset",
            "name": "Query 12389",  # name and description: RO-Crate 1.2 MUSTs that the example misses
            "description": "Run the CWL Protein MD Setup tutorial on input1.txt",
            "conformsTo": {"@id": "https://w3id.org/5s-crate/0.4"},
            "hasPart": [{"@id": WORKFLOW}, {"@id": "input1.txt"}],
            "mainEntity": {"@id": WORKFLOW},
            "mentions": {"@id": QUERY},
            "sourceOrganization": {"@id": PROJECT},
        },
        {"@id": "https://w3id.org/5s-crate/0.4", "@type": "Profile", "name": "Five Safes RO-Crate profile"},
        {
            "@id": WORKFLOW,
            "@type": "Dataset",
            "name": "CWL Protein MD Setup tutorial with mutations",
            "conformsTo": {"@id": "https://w3id.org/workflowhub/workflow-ro-crate/1.0"},
            "distribution": {"@id": "https://workflowhub.eu/workflows/289/ro_crate?version=1"},
        },
        {
            "@id": "https://workflowhub.eu/workflows/289/ro_crate?version=1",
            "@type": "DataDownload",
            "name": "Workflow RO-Crate of the tutorial",  # RO-Crate 1.2: contextual entities SHOULD have a name
            "conformsTo": {"@id": "https://w3id.org/ro/crate"},
            "encodingFormat": "application/zip",
        },
        {
            "@id": QUERY,
            "@type": "CreateAction",
            "actionStatus": "http://schema.org/PotentialActionStatus",
            "agent": {"@id": PERSON},
            "instrument": {"@id": WORKFLOW},
            "name": "Execute query 12389 on workflow ",
            "object": [{"@id": "input1.txt"}, {"@id": "#enableFastMode"}],
        },
        {
            "@id": PERSON,
            "@type": "Person",
            "name": "Stian Soiland-Reyes",
            "affiliation": {"@id": "https://ror.org/027m9bs27"},
            "memberOf": [{"@id": PROJECT}],
        },
        {"@id": "https://ror.org/027m9bs27", "@type": "Organization", "name": "The University of Manchester"},
        {
            "@id": PROJECT,
            "@type": "Project",
            "name": "Investigation of cancer (TRE72 project 81)",
            "identifier": [{"@id": "_:localid:tre72:project81"}],
            "funding": {"@id": GRANT},
            "member": [{"@id": "https://ror.org/027m9bs27"}],
        },
        {"@id": "_:localid:tre72:project81", "@type": "PropertyValue", "name": "tre72", "value": "project81"},
        {"@id": GRANT, "@type": "Grant", "name": "EOSC4Cancer"},
        {"@id": "input1.txt", "@type": "File", "name": "input1", "exampleOfWork": {"@id": "#sequence"}},
        {
            "@id": "#enableFastMode",
            "@type": "PropertyValue",
            "name": "--fast-mode",
            "value": "True",
            "exampleOfWork": {"@id": "#fast"},
        },
        {"@id": "#sequence", "@type": "FormalParameter", "name": "input-sequence"},
        {"@id": "#fast", "@type": "FormalParameter", "name": "fast-mode"},
    ],
}


def request_document() -> dict[str, Any]:
    """A fresh copy of the example request's metadata (without its dangling Project member, with the root's name
    and description and the download's name that RO-Crate 1.2 asks for)."""
    return copy.deepcopy(_REQUEST)


def entity(document: dict[str, Any], entity_id: str) -> dict[str, Any]:
    """The entity with this ``@id`` in a document (to edit it in place)."""
    return next(e for e in document["@graph"] if e.get("@id") == entity_id)


def write_crate(
    folder: Path,
    document: Any = None,
    *,
    files: dict[str, bytes] | None = None,
    raw: bytes | None = None,
) -> Path:
    """Write a crate folder: the metadata (a document, or ``raw`` bytes) and payload files (default input1.txt)."""
    folder.mkdir(parents=True, exist_ok=True)
    if raw is None:
        raw = json.dumps(request_document() if document is None else document, indent=2).encode()
    (folder / "ro-crate-metadata.json").write_bytes(raw)
    for name, data in ({"input1.txt": INPUT_TEXT} if files is None else files).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the machine-readable report."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema
