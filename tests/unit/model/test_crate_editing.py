"""The editing API keeps crates faithful: order, unknown properties and @ids survive every edit and save."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fivesafes_crate import open_crate
from fivesafes_crate.errors import FiveSafesError
from fivesafes_crate.model.crate import Crate, EntityError, save_crate, serialise


def _crate() -> Crate:
    return Crate(
        {
            "@context": ["https://w3id.org/ro/crate/1.2/context", {"myTerm": "https://example.org/myTerm"}],
            "@graph": [
                {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": {"@id": "./"}},
                {"@id": "./", "@type": "Dataset", "hasPart": {"@id": "a.txt"}, "myTerm": "kept"},
                {"@id": "a.txt", "@type": "File", "x-unknown": [1, {"deep": True}]},
                {"@id": "_:blank", "@type": "PropertyValue", "value": "v"},
            ],
        }
    )


def test_add_appends_and_refuses_duplicates() -> None:
    crate = _crate()
    crate.edit().add({"@id": "#new", "@type": "Thing"})
    assert [e["@id"] for e in crate.entities][-1] == "#new"
    with pytest.raises(EntityError) as caught:
        crate.edit().add({"@id": "a.txt", "@type": "File"})
    assert caught.value.entity_id == "a.txt"


def test_replace_keeps_position_and_put_adds_or_replaces() -> None:
    crate = _crate()
    crate.edit().replace({"@id": "a.txt", "@type": "File", "name": "A"})
    assert crate.entities[2] == {"@id": "a.txt", "@type": "File", "name": "A"}
    crate.edit().put({"@id": "b.txt", "@type": "File"})
    crate.edit().put({"@id": "b.txt", "@type": "File", "name": "B"})
    assert [e["@id"] for e in crate.entities] == ["ro-crate-metadata.json", "./", "a.txt", "_:blank", "b.txt"]
    assert crate.get("b.txt") == {"@id": "b.txt", "@type": "File", "name": "B"}


def test_link_turns_a_single_value_into_a_list_without_duplicates() -> None:
    crate = _crate()
    editor = crate.edit()
    editor.link("./", "hasPart", "b.txt")
    editor.link("./", "hasPart", "b.txt")
    editor.link("./", "mentions", "#x")
    root = crate.get("./")
    assert root is not None
    assert root["hasPart"] == [{"@id": "a.txt"}, {"@id": "b.txt"}]
    assert root["mentions"] == {"@id": "#x"}


def test_remove_unlinks_references_and_keeps_shapes_of_values() -> None:
    crate = _crate()
    crate.edit().link("./", "hasPart", "b.txt")
    crate.edit().remove("a.txt")
    root = crate.get("./")
    assert root is not None and root["hasPart"] == [{"@id": "b.txt"}]
    assert "a.txt" not in crate
    crate.edit().unlink("./", "hasPart", "b.txt")
    assert "hasPart" not in root


def test_edits_name_the_missing_entity_and_never_rewrite_ids() -> None:
    crate = _crate()
    with pytest.raises(EntityError) as caught:
        crate.edit().link("#nope", "hasPart", "a.txt")
    assert caught.value.entity_id == "#nope"
    with pytest.raises(EntityError):
        crate.edit().set("a.txt", "@id", "b.txt")


def test_save_is_faithful_and_atomic(tmp_path: Path) -> None:
    folder = tmp_path / "crate"
    folder.mkdir()
    (folder / "ro-crate-metadata.json").write_bytes(serialise(_crate()))
    (folder / "a.txt").write_text("a")
    crate = open_crate(folder)
    crate.edit().set("a.txt", "name", "A")
    path = save_crate(crate)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["@context"] == _crate().document["@context"]
    assert [e["@id"] for e in saved["@graph"]] == ["ro-crate-metadata.json", "./", "a.txt", "_:blank"]
    assert saved["@graph"][2]["x-unknown"] == [1, {"deep": True}]
    assert saved["@graph"][1]["myTerm"] == "kept"
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_crate_read_from_a_zip_needs_an_explicit_folder(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "crate.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ro-crate-metadata.json", serialise(_crate()))
    crate = open_crate(archive)
    with pytest.raises(FiveSafesError):
        save_crate(crate)
    out = tmp_path / "out"
    out.mkdir()
    assert save_crate(crate, out).read_bytes() == serialise(crate)
