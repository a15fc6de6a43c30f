"""Regenerate the Profile Crates in profiles/<version>/ from the SHACL shapes and fivesafes_crate.profiles.

Each folder is an RO-Crate 1.2 Profile Crate (no ro-crate-preview.html) describing one supported version of the
Five Safes RO-Crate profile: the specification, a copy of every shapes/*.ttl file with the validation role, the
JSON-LD context crates use, the Safe Haven Provenance (SHP) terms the profile uses, and copies of the JSON
Schemas of the validation report and the request spec.

Run: .venv/bin/python scripts/gen_profiles.py   (tests/test_profile_crates.py fails when profiles/ is stale)
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import SH

from fivesafes_crate.model import vocab
from fivesafes_crate.profiles import PROFILES, Profile
from fivesafes_crate.validation.shacl import CHECK_NS, TERMS, load_library

ROOT = Path(__file__).resolve().parents[1]
PROFILES_DIR = ROOT / "profiles"
SHAPES_DIR = ROOT / "shapes"
SCHEMAS = {
    "report.schema.json": ("JSON Schema of the fivesafes-crate validation report",
                           "The report of `fivesafes validate --format json`: validity, profile, phase and issues."),
    "request-spec.schema.json": ("JSON Schema of the fivesafes-crate request spec",
                                 "The YAML or JSON file `fivesafes new --spec` builds a request crate from."),
}
SCHEMAS_DIR = ROOT / "docs" / "reference"

DATE_PUBLISHED = "2026-11-28"
"""When the Profile Crates were first published with fivesafes-crate; change it when their content changes."""

RO_CRATE = "https://w3id.org/ro/crate/1.2"
CONTEXT = RO_CRATE + "/context"
ROLE = "http://www.w3.org/ns/dx/prof/role/"
ROLES = {
    "specification": ("Specification", "Defining the profile in human-readable form"),
    "validation": ("Validation", "Supplies instructions about how to verify conformance of data to the profile"),
    "vocabulary": ("Vocabulary", "Defines terms used in the profile specification"),
    "schema": ("Schema", "Machine-readable structural descriptions of data defined by the profile"),
}
TURTLE = "https://www.nationalarchives.gov.uk/PRONOM/fmt/874"
SHACL = "https://www.w3.org/TR/shacl/"
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
JSONLD_CONTEXT = "http://www.w3.org/ns/json-ld#Context"
LICENSE = "https://spdx.org/licenses/MIT"
SHP_SET = vocab.SHP
SHP_TERMS = {
    "CheckValue": "The integrity check of a submitted crate against its BagIt manifests (an AssessAction).",
    "ValidationCheck": "The validation of a crate against RO-Crate and the Five Safes profile (an AssessAction).",
    "SignOff": "The TRE's approval that the agent may run the workflow for the project (an AssessAction).",
    "DisclosureCheck": "The disclosure control check of the workflow outputs before release (an AssessAction).",
    "GenerateCheckValue": "The regeneration of the BagIt checksums of the final crate (an UpdateAction).",
}
"""Every SHP term the profile uses, with a one-line description; each must be in the model's vocabulary."""

_SHP_IN_SHAPES = re.compile(r"(?:shp:|https://w3id\.org/shp#)([A-Za-z]+)")


def description_page(profile: Profile) -> str:
    """The human-readable profile text, where the profile IRI (https://w3id.org/5s-crate/...) redirects to."""
    return f"https://trefx.uk/5s-crate/{profile.version}/index.html"


def shapes_files() -> list[Path]:
    """The shapes files, in name order."""
    return sorted(SHAPES_DIR.glob("*.ttl"))


def shp_terms() -> list[str]:
    """The SHP terms the profile uses: the model's vocabulary and every term a shape names (sorted)."""
    used = {iri[len(vocab.SHP):] for iri in vocab.SHP_TERMS}
    for path in shapes_files():
        used.update(_SHP_IN_SHAPES.findall(path.read_text(encoding="utf-8")))
    unknown = sorted(used - set(SHP_TERMS))
    if unknown:
        raise SystemExit(f"describe these SHP terms in SHP_TERMS of scripts/gen_profiles.py: {unknown}")
    return sorted(used)


def _shapes_entity(path: Path, profile: Profile) -> dict[str, Any]:
    graph = Graph(bind_namespaces="none").parse(path, format="turtle")
    infos = load_library().infos
    named = {str(s)[len(CHECK_NS):] for s in graph.subjects(SH.severity, None) if str(s).startswith(CHECK_NS)}
    checks = sorted(c for c in named if not infos[c].profiles or profile.version in infos[c].profiles)
    sections = sorted({str(o) for o in graph.objects(None, TERMS.section)})
    header = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    return {
        "@id": f"shapes/{path.name}",
        "@type": "File",
        "name": f"SHACL shapes: {'; '.join(sections)}",
        "description": f"{header} Checks: {', '.join(checks)}.",
        "encodingFormat": ["text/turtle", {"@id": TURTLE}],
        "conformsTo": {"@id": SHACL},
        "contentSize": str(path.stat().st_size),
    }


def _reference(entity_id: str) -> dict[str, str]:
    return {"@id": entity_id}


def _descriptor(fragment: str, name: str, role: str, artifacts: list[str]) -> dict[str, Any]:
    artifact: Any = [_reference(a) for a in artifacts] if len(artifacts) > 1 else _reference(artifacts[0])
    return {"@id": f"#{fragment}", "@type": "ResourceDescriptor", "name": name,
            "hasRole": _reference(ROLE + role), "hasArtifact": artifact}


def profile_crate(profile: Profile) -> dict[str, Any]:
    """The Profile Crate's metadata document for one profile version."""
    page = description_page(profile)
    shapes = [_shapes_entity(path, profile) for path in shapes_files()]
    schemas = [f"schemas/{name}" for name in SCHEMAS]
    terms = shp_terms()
    parts = [page, *(s["@id"] for s in shapes), *schemas, CONTEXT, SHP_SET]
    resources = [
        _descriptor("hasSpecification", "has specification: the profile text", "specification", [page]),
        _descriptor("hasValidation", "has validation: the SHACL shapes of fivesafes-crate", "validation",
                    [s["@id"] for s in shapes]),
        _descriptor("hasContext", "has JSON-LD context: RO-Crate 1.2", "vocabulary", [CONTEXT]),
        _descriptor("usesSHP", "uses vocabulary: Safe Haven Provenance (SHP)", "vocabulary", [SHP_SET]),
        _descriptor("hasReportSchema", "has schema: fivesafes-crate validation report", "schema", [schemas[0]]),
        _descriptor("hasRequestSpecSchema", "has schema: fivesafes-crate request spec", "schema", [schemas[1]]),
    ]
    graph: list[dict[str, Any]] = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "conformsTo": _reference(RO_CRATE),
         "about": _reference(profile.id)},
        {
            "@id": profile.id,
            "@type": ["Dataset", "Profile"],
            "name": profile.name,
            "description": (
                f"Machine-readable Profile Crate of the {profile.name} ({profile.status}), generated by "
                "fivesafes-crate: the profile text, the SHACL shapes fivesafes-crate validates with, the JSON-LD "
                "context conforming crates use, the Safe Haven Provenance terms the profile uses, and the JSON "
                "Schemas of the fivesafes-crate validation report and request spec."
            ),
            "version": profile.version,
            "identifier": profile.id,
            "datePublished": DATE_PUBLISHED,
            "license": _reference(LICENSE),
            "isProfileOf": _reference(RO_CRATE),
            "hasPart": [_reference(p) for p in parts],
            "hasResource": [_reference(r["@id"]) for r in resources],
        },
        {"@id": page, "@type": "File", "name": f"{profile.name} (specification)",
         "description": "The human-readable profile text, whose MUST, SHOULD and MAY statements the shapes check.",
         "encodingFormat": "text/html", "about": _reference(profile.id)},
        *shapes,
        *(
            {"@id": f"schemas/{name}", "@type": "File", "name": title, "description": description,
             "encodingFormat": ["application/schema+json", {"@id": JSON_SCHEMA}],
             "contentSize": str((SCHEMAS_DIR / name).stat().st_size)}
            for name, (title, description) in SCHEMAS.items()
        ),
        {"@id": CONTEXT, "@type": "CreativeWork", "name": "RO-Crate 1.2 JSON-LD context",
         "description": "The JSON-LD context of RO-Crate 1.2, which Five Safes crates use as their @context.",
         "encodingFormat": "application/ld+json", "conformsTo": _reference(JSONLD_CONTEXT), "version": "1.2.0"},
        {"@id": SHP_SET, "@type": "DefinedTermSet", "name": "Safe Haven Provenance (SHP) terms",
         "description": "The namespace of the additionalType values that name the review steps of a TRE.",
         "hasDefinedTerm": [_reference(vocab.SHP + term) for term in terms]},
        *(
            {"@id": vocab.SHP + term, "@type": "DefinedTerm", "name": term, "termCode": term,
             "description": SHP_TERMS[term], "inDefinedTermSet": _reference(SHP_SET)}
            for term in terms
        ),
        *resources,
        *(
            {"@id": ROLE + role, "@type": ["DefinedTerm", "ResourceRole"], "name": name, "description": text}
            for role, (name, text) in ROLES.items()
        ),
        {"@id": RO_CRATE, "@type": ["CreativeWork", "Profile"], "name": "RO-Crate Metadata Specification 1.2",
         "version": "1.2.0"},
        {"@id": SHACL, "@type": ["CreativeWork", "Profile"], "name": "Shapes Constraint Language (SHACL)"},
        {"@id": TURTLE, "@type": ["WebPage", "Standard"], "name": "Turtle (Terse RDF Triple Language)"},
        {"@id": JSON_SCHEMA, "@type": ["WebPage", "Standard"], "name": "JSON Schema 2020-12"},
        {"@id": JSONLD_CONTEXT, "@type": "DefinedTerm", "name": "JSON-LD Context", "url": "https://www.w3.org/TR/json-ld/"},
        {"@id": LICENSE, "@type": "CreativeWork", "name": "MIT License", "identifier": "MIT",
         "description": "A permissive licence: use, copy, modify and distribute with the copyright notice kept."},
    ]
    return {"@context": CONTEXT, "@graph": graph}


def outputs() -> dict[Path, bytes]:
    """Every file under profiles/ and its expected bytes."""
    files: dict[Path, bytes] = {}
    for profile in PROFILES:
        folder = PROFILES_DIR / profile.version
        document = json.dumps(profile_crate(profile), indent=2, ensure_ascii=False) + "\n"
        files[folder / "ro-crate-metadata.json"] = document.encode("utf-8")
        for path in shapes_files():
            files[folder / "shapes" / path.name] = path.read_bytes()
        for name in SCHEMAS:
            files[folder / "schemas" / name] = (SCHEMAS_DIR / name).read_bytes()
    return files


def main() -> None:
    """Write profiles/ afresh."""
    if PROFILES_DIR.exists():
        shutil.rmtree(PROFILES_DIR)
    for path, data in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
