"""The Profile Crates: built from the shapes at package time, valid RO-Crate 1.2 Profile Crates, shipped, listed."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tarfile
import zipfile
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
PACKAGED = "fivesafes_crate/profile-crates/"
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


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_only_the_hand_written_metadata_is_committed() -> None:
    assert sorted(_files(ROOT / "profiles")) == ["metadata.toml"]


def test_installed_profile_crates_are_what_the_generator_writes_now() -> None:
    present = _files(profile_crates_dir())
    assert present == _generator().outputs(), "stale Profile Crates: rerun pip install -e . or scripts/gen_profiles.py"


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.version)
def test_profile_crate_files_are_byte_copies_of_their_sources(profile: Profile) -> None:
    files = _files(profile.profile_crate)
    sources = {f"shapes/{p.name}": p for p in sorted(shapes_dir().glob("*.ttl"))} | {
        f"schemas/{name}": ROOT / "docs" / "reference" / name
        for name in ("report.schema.json", "request-spec.schema.json")
    }
    assert set(files) == {"ro-crate-metadata.json", *sources}
    assert all(files[name] == path.read_bytes() for name, path in sources.items())
    listed = {e["@id"]: e for e in _document(profile)["@graph"]}
    assert all(listed[name]["contentSize"] == str(len(files[name])) for name in sources)


def test_generator_refuses_to_replace_a_folder_that_holds_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"holds more than Profile Crates \(notes.txt\)"):
        _generator().write(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_generator_replaces_its_earlier_output(tmp_path: Path) -> None:
    generator = _generator()
    (tmp_path / "0.3").mkdir()
    (tmp_path / "0.3" / "ro-crate-metadata.json").write_text("{}", encoding="utf-8")
    assert generator.write(tmp_path) == len(generator.outputs())
    assert _files(tmp_path) == generator.outputs()


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


_LOOKUP = ("import sys; sys.path.insert(0, sys.argv[1]); "
           "from fivesafes_crate import profiles; print(profiles.profile_crates_dir())")
"""Where the package imported from the folder given finds its Profile Crates (run in a child process)."""


def test_the_wheel_built_from_the_sdist_carries_the_profile_crates(tmp_path: Path) -> None:
    """``python -m build`` as a release does it (the sdist, then the wheel from the unpacked sdist), offline."""
    dist, site = tmp_path / "dist", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    (sdist,), (wheel,) = dist.glob("*.tar.gz"), dist.glob("*.whl")
    with tarfile.open(sdist) as archive:
        sdist_names = {name.split("/", 1)[-1] for name in archive.getnames()}
    assert {"hatch_build.py", "scripts/gen_profiles.py", "profiles/metadata.toml"} <= sdist_names
    assert not any("profile-crates" in name for name in sdist_names)
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n[len(PACKAGED):]: archive.read(n) for n in archive.namelist() if n.startswith(PACKAGED)}
        archive.extractall(site)
    assert shipped == _generator().outputs()
    shapes = {p.name: p.read_bytes() for p in shapes_dir().glob("*.ttl")}
    assert all(shipped[f"{p.version}/shapes/{name}"] == data for p in PROFILES for name, data in shapes.items())
    found = subprocess.run([sys.executable, "-c", _LOOKUP, str(site)], check=True, capture_output=True, text=True)
    assert Path(found.stdout.strip()) == site / PACKAGED


def test_profiles_json_lists_the_profile_crates() -> None:
    result = CliRunner().invoke(app, ["profiles", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [Path(row["profile_crate"]) for row in rows] == [profile_crates_dir() / p.version for p in PROFILES]
    assert all((Path(row["profile_crate"]) / "ro-crate-metadata.json").is_file() for row in rows)
