"""The Profile Crates in profiles/: up to date with the shapes, valid RO-Crate 1.2 Profile Crates, shipped, listed."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fivesafes_crate.cli import app
from fivesafes_crate.issues import Severity
from fivesafes_crate.model import vocab
from fivesafes_crate.profiles import PROFILES, Profile, profile_crates_dir, shapes_dir
from fivesafes_crate.validation.engine import catalogue, validate

ROOT = Path(__file__).resolve().parents[1]
PROFILES_DIR = ROOT / "profiles"
ROLE = "http://www.w3.org/ns/dx/prof/role/"

GENERIC_SECTIONS = {"RO-Crate 1.2", "JSON-LD 1.1"}
GENERIC_CHECKS = {
    "json.syntax", "json.limits", "jsonld.context-offline", "id.absolute-path", "id.parent-path", "data.link",
    "security.secret-in-metadata", "metadata.descriptor", "metadata.descriptor-type", "metadata.descriptor-about",
    "metadata.conforms-to", "metadata.conforms-to-draft", "metadata.root-dataset",
}
"""Our checks that any RO-Crate 1.2 must pass (the others are about Five Safes crates, not Profile Crates)."""


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_profiles", ROOT / "scripts" / "gen_profiles.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_profile_crates_are_up_to_date() -> None:
    expected = _generator().outputs()
    present = {p for p in PROFILES_DIR.rglob("*") if p.is_file()}
    assert present == set(expected), "profiles/ is stale: run scripts/gen_profiles.py"
    for path, data in expected.items():
        assert path.read_bytes() == data, f"{path.relative_to(ROOT)} is stale: run scripts/gen_profiles.py"


def _document(profile: Profile) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((profile.profile_crate / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    return data


def _ids(value: Any) -> list[str]:
    return [v["@id"] for v in (value if isinstance(value, list) else [value])]


def _types(entity: dict[str, Any]) -> set[str]:
    value = entity["@type"]
    return set(value) if isinstance(value, list) else {value}


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.version)
def test_profile_crate_passes_our_generic_ro_crate_checks(profile: Profile) -> None:
    known = catalogue()
    assert set(known) >= GENERIC_CHECKS
    generic = GENERIC_CHECKS | {c for c, info in known.items() if info.section in GENERIC_SECTIONS}
    report = validate(profile.profile_crate, threshold=Severity.MAY)
    assert [i for i in report.issues if i.check in generic] == []


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.version)
def test_profile_crate_follows_the_ro_crate_1_2_profile_crate_rules(profile: Profile) -> None:
    entities = {e["@id"]: e for e in _document(profile)["@graph"]}
    descriptor = entities["ro-crate-metadata.json"]
    assert _ids(descriptor["conformsTo"]) == ["https://w3id.org/ro/crate/1.2"]
    assert _ids(descriptor["about"]) == [profile.id]
    root = entities[profile.id]
    assert _types(root) == {"Dataset", "Profile"}
    assert root["name"] and root["description"] and root["license"] and root["version"] == profile.version
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", root["datePublished"])
    assert _ids(root["isProfileOf"]) == ["https://w3id.org/ro/crate/1.2"]
    parts = _ids(root["hasPart"])
    roles: dict[str, list[str]] = {}
    for descriptor_id in _ids(root["hasResource"]):
        resource = entities[descriptor_id]
        assert _types(resource) == {"ResourceDescriptor"}
        role = _ids(resource["hasRole"])[0]
        assert role.startswith(ROLE) and role in entities
        roles.setdefault(role[len(ROLE):], []).extend(_ids(resource["hasArtifact"]))
    for artifacts in roles.values():
        for artifact in artifacts:
            assert artifact in parts and artifact in entities
            assert "encodingFormat" in entities[artifact] or _types(entities[artifact]) == {"DefinedTermSet"}
    assert set(roles) == {"specification", "validation", "vocabulary", "schema"}
    page = entities[roles["specification"][0]]
    assert page["encodingFormat"] == "text/html" and _ids(page["about"]) == [profile.id]
    shapes = sorted(f"shapes/{p.name}" for p in shapes_dir().glob("*.ttl"))
    assert sorted(roles["validation"]) == shapes
    for shape_file in shapes:
        assert entities[shape_file]["encodingFormat"][0] == "text/turtle"
        assert _ids(entities[shape_file]["conformsTo"]) == ["https://www.w3.org/TR/shacl/"]
    assert "https://w3id.org/ro/crate/1.2/context" in roles["vocabulary"]
    assert sorted(roles["schema"]) == ["schemas/report.schema.json", "schemas/request-spec.schema.json"]
    terms = {e["@id"] for e in entities.values() if _types(e) == {"DefinedTerm"} and e["@id"].startswith(vocab.SHP)}
    assert terms == set(vocab.SHP_TERMS)
    assert not (profile.profile_crate / "ro-crate-preview.html").exists()


def test_profile_crates_ship_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    force = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["profiles"] == "fivesafes_crate/profile-crates"
    assert profile_crates_dir() == PROFILES_DIR


def test_profiles_json_lists_the_profile_crates() -> None:
    result = CliRunner().invoke(app, ["profiles", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [Path(row["profile_crate"]) for row in rows] == [PROFILES_DIR / p.version for p in PROFILES]
    assert all((Path(row["profile_crate"]) / "ro-crate-metadata.json").is_file() for row in rows)
