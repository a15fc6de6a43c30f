"""Generate the Profile Crates: one RO-Crate 1.2 Profile Crate per supported version of the Five Safes profile.

The one generator of the Profile Crates; nothing it writes is committed. Its inputs are the SHACL shapes
(``shapes/*.ttl``), the JSON Schemas in ``docs/reference/``, the hand-written metadata in
``profiles/metadata.toml`` and the versions in ``fivesafes_crate.profiles``. Each crate (no
ro-crate-preview.html) holds the specification, a byte copy of every shapes file with the validation role, the
JSON-LD context crates use, the Safe Haven Provenance (SHP) terms the profile uses, and byte copies of the JSON
Schemas of the validation report and the request spec. The output is the same bytes on every run.

The build runs it (``hatch_build.py``): a wheel gets the crates as ``fivesafes_crate/profile-crates/``, an
editable install (``pip install -e .``) in ``src/fivesafes_crate/profile-crates/`` (git-ignored). After changing
a shape, a schema or the metadata in a checkout, rerun the install or this script:

    .venv/bin/python scripts/gen_profiles.py [DEST]      (DEST: src/fivesafes_crate/profile-crates by default)
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import SH

from fivesafes_crate.model import vocab
from fivesafes_crate.profiles import PROFILES, Profile
from fivesafes_crate.validation.shacl import CHECK_NS, TERMS, load_library

ROOT = Path(__file__).resolve().parents[1]
METADATA = ROOT / "profiles" / "metadata.toml"
SHAPES_DIR = ROOT / "shapes"
SCHEMAS_DIR = ROOT / "docs" / "reference"
DEFAULT_DEST = ROOT / "src" / "fivesafes_crate" / "profile-crates"
"""Where an editable install's package finds its Profile Crates (git-ignored)."""

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

_SHP_IN_SHAPES = re.compile(r"(?:shp:|https://w3id\.org/shp#)([A-Za-z]+)")


@cache
def metadata() -> dict[str, Any]:
    """The hand-written metadata of profiles/metadata.toml."""
    with METADATA.open("rb") as file:
        return tomllib.load(file)


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
    unknown = sorted(used - set(metadata()["shp-terms"]))
    if unknown:
        raise SystemExit(f"describe these SHP terms in [shp-terms] of {METADATA.relative_to(ROOT)}: {unknown}")
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
    about = metadata()
    page = description_page(profile)
    shapes = [_shapes_entity(path, profile) for path in shapes_files()]
    schemas = about["schemas"]
    terms = shp_terms()
    parts = [page, *(s["@id"] for s in shapes), *(f"schemas/{name}" for name in schemas), CONTEXT, SHP_SET]
    resources = [
        _descriptor("hasSpecification", "has specification: the profile text", "specification", [page]),
        _descriptor("hasValidation", "has validation: the SHACL shapes of fivesafes-crate", "validation",
                    [s["@id"] for s in shapes]),
        _descriptor("hasContext", "has JSON-LD context: RO-Crate 1.2", "vocabulary", [CONTEXT]),
        _descriptor("usesSHP", "uses vocabulary: Safe Haven Provenance (SHP)", "vocabulary", [SHP_SET]),
        *(
            _descriptor(schema["resource"]["id"], schema["resource"]["name"], "schema", [f"schemas/{name}"])
            for name, schema in schemas.items()
        ),
    ]
    graph: list[dict[str, Any]] = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "conformsTo": _reference(RO_CRATE),
         "about": _reference(profile.id)},
        {
            "@id": profile.id,
            "@type": ["Dataset", "Profile"],
            "name": profile.name,
            "description": about["description"].format(name=profile.name, status=profile.status),
            "version": profile.version,
            "identifier": profile.id,
            "datePublished": about["date-published"],
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
            {"@id": f"schemas/{name}", "@type": "File", "name": schema["name"], "description": schema["description"],
             "encodingFormat": ["application/schema+json", {"@id": JSON_SCHEMA}],
             "contentSize": str((SCHEMAS_DIR / name).stat().st_size)}
            for name, schema in schemas.items()
        ),
        {"@id": CONTEXT, "@type": "CreativeWork", "name": "RO-Crate 1.2 JSON-LD context",
         "description": "The JSON-LD context of RO-Crate 1.2, which Five Safes crates use as their @context.",
         "encodingFormat": "application/ld+json", "conformsTo": _reference(JSONLD_CONTEXT), "version": "1.2.0"},
        {"@id": SHP_SET, "@type": "DefinedTermSet", "name": "Safe Haven Provenance (SHP) terms",
         "description": "The namespace of the additionalType values that name the review steps of a TRE.",
         "hasDefinedTerm": [_reference(vocab.SHP + term) for term in terms]},
        *(
            {"@id": vocab.SHP + term, "@type": "DefinedTerm", "name": term, "termCode": term,
             "description": about["shp-terms"][term], "inDefinedTermSet": _reference(SHP_SET)}
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


def outputs() -> dict[str, bytes]:
    """Every file of the Profile Crates (path relative to their common folder, ``<version>/...``) and its bytes."""
    files: dict[str, bytes] = {}
    for profile in PROFILES:
        document = json.dumps(profile_crate(profile), indent=2, ensure_ascii=False) + "\n"
        files[f"{profile.version}/ro-crate-metadata.json"] = document.encode("utf-8")
        for path in shapes_files():
            files[f"{profile.version}/shapes/{path.name}"] = path.read_bytes()
        for name in metadata()["schemas"]:
            files[f"{profile.version}/schemas/{name}"] = (SCHEMAS_DIR / name).read_bytes()
    return files


def write(dest: Path) -> int:
    """Write the Profile Crates afresh into ``dest`` (replacing an earlier run's); the number of files written."""
    if dest.exists():
        strangers = sorted(p.name for p in dest.iterdir() if not (p / "ro-crate-metadata.json").is_file())
        if strangers:
            raise SystemExit(f"{dest} holds more than Profile Crates ({', '.join(strangers)}): not replacing it")
        shutil.rmtree(dest)
    files = outputs()
    for name, data in files.items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return len(files)


def main(argv: list[str]) -> None:
    """Write the Profile Crates into the folder given, or where an editable install finds them."""
    dest = Path(argv[0]).resolve() if argv else DEFAULT_DEST
    count = write(dest)
    print(f"{dest}: {count} files, {len(PROFILES)} Profile Crates")


if __name__ == "__main__":
    main(sys.argv[1:])
