"""ro-crate-py adapters: our examples survive both ways, ro-crate-py's rewrites are undone or refused, offline."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rocrate.model import ContextEntity
from rocrate.rocrate import ROCrate

from fivesafes_crate import ConversionError, Crate, UsageError, from_rocrate, open_crate, to_rocrate, validate
from fivesafes_crate.issues import Issue

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "ro-crate-metadata.json").is_file())
WORKFLOW = "https://workflowhub.eu/workflows/1042?version=3"


def _issues(target: str | Path | Crate) -> set[Issue]:
    return set(validate(target).issues)


def _by_id(crate: Crate) -> dict[str, Any]:
    return {entity["@id"]: entity for entity in crate.entities}


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_keeps_every_entity_and_the_issues(name: str) -> None:
    crate = open_crate(EXAMPLES / name)
    try:
        back = from_rocrate(to_rocrate(crate))
    finally:
        crate.source.close()  # type: ignore[union-attr]
    assert _by_id(back) == _by_id(crate)
    assert back.context == crate.context
    assert _issues(back) == _issues(EXAMPLES / name)


@pytest.mark.parametrize("name", ["request", "published"])
def test_a_crate_written_by_ro_crate_py_validates_the_same(name: str, tmp_path: Path) -> None:
    crate = open_crate(EXAMPLES / name)
    try:
        to_rocrate(crate).write(tmp_path / "out")
    finally:
        crate.source.close()  # type: ignore[union-attr]
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*"))
    original = sorted(p.relative_to(EXAMPLES / name).as_posix() for p in (EXAMPLES / name).rglob("*"))
    assert written == original
    assert _issues(tmp_path / "out") == _issues(EXAMPLES / name)


def test_ro_crate_py_reader_rewrites_what_to_rocrate_restores() -> None:
    """The limits docs/interop.md describes, observed on ro-crate-py's own reader (rocrate 0.16)."""
    raw = from_rocrate(ROCrate(EXAMPLES / "executed"))
    root = raw.get("./")
    assert root is not None
    assert "datePublished" in root  # stamped with the current time
    assert WORKFLOW not in raw and WORKFLOW + "/" in raw  # a web Dataset's @id gains a "/" ...
    assert root["mainEntity"] == {"@id": WORKFLOW}  # ... and mainEntity still names the old one
    assert {"@id": "outputs/summary.csv"} in root["hasPart"]  # a nested part lifted into the root
    assert "workflow.main-entity-dataset" in {issue.check for issue in validate(raw).issues}
    crate = open_crate(EXAMPLES / "executed")
    try:
        restored = from_rocrate(to_rocrate(crate))
    finally:
        crate.source.close()  # type: ignore[union-attr]
    assert restored.get("./") == crate.get("./")
    assert [e["@id"] for e in restored.entities][:2] == ["./", "ro-crate-metadata.json"]  # order is ro-crate-py's


def _crate(edit: Any = None) -> Crate:
    document = json.loads((EXAMPLES / "request" / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    if edit is not None:
        edit(document)
    return Crate(document)


def _entity(document: dict[str, Any], entity_id: str) -> dict[str, Any]:
    return next(e for e in document["@graph"] if e["@id"] == entity_id)


def test_values_and_contexts_ro_crate_py_would_drop_are_kept() -> None:
    def edit(document: dict[str, Any]) -> None:
        document["@context"] = ["https://w3id.org/ro/crate/1.2/context", {"local": "https://example.org/local"}]
        _entity(document, "./")["name"] = {"@value": "Kohortenzählung", "@language": "de"}

    crate = _crate(edit)
    back = from_rocrate(to_rocrate(crate))
    assert back.context == crate.context
    assert back.get("./") == crate.get("./")


def test_type_quirk_is_refused_with_the_entity() -> None:
    def edit(document: dict[str, Any]) -> None:
        entity = _entity(document, "cohort.json")
        entity["type"] = entity.pop("@type")

    with pytest.raises(ConversionError, match='"type"') as caught:
        to_rocrate(_crate(edit))
    assert caught.value.entity_id == "cohort.json" and caught.value.path == "ro-crate-metadata.json"


@pytest.mark.parametrize("duplicate", ["#extra", "#extra/"])
def test_entities_ro_crate_py_would_merge_are_refused(duplicate: str) -> None:
    def edit(document: dict[str, Any]) -> None:
        document["@graph"] += [{"@id": "#extra", "@type": "Thing"}, {"@id": duplicate, "@type": "Thing"}]

    with pytest.raises(ConversionError, match="one entity per identifier") as caught:
        to_rocrate(_crate(edit))
    assert caught.value.entity_id == duplicate


def test_ro_crate_py_refusals_become_conversion_errors() -> None:
    def edit(document: dict[str, Any]) -> None:
        _entity(document, "ro-crate-metadata.json")["@type"] = ["CreativeWork"]

    with pytest.raises(ConversionError, match="CreativeWork"):
        to_rocrate(_crate(edit))
    with pytest.raises(ConversionError, match="root data entity"):
        to_rocrate(Crate({"@context": "https://w3id.org/ro/crate/1.2/context", "@graph": [{"@id": "x"}]}))


def test_files_become_sources_only_inside_a_folder_crate(tmp_path: Path) -> None:
    folder = tmp_path / "crate"
    shutil.copytree(EXAMPLES / "executed", folder)
    (folder / "cohort.json").unlink()
    os.symlink(folder / "outputs" / "summary.csv", folder / "cohort.json")
    crate = open_crate(folder)
    try:
        ro = to_rocrate(crate)
    finally:
        crate.source.close()  # type: ignore[union-attr]
    sources = {e.id: e.source for e in ro.data_entities if hasattr(e, "source")}
    assert sources["cohort.json"] is None  # a link is never handed to ro-crate-py's writer
    assert sources["outputs/summary.csv"] == folder / "outputs" / "summary.csv"
    assert sources["outputs/"] == folder / "outputs"
    assert all(source is None for source in {e.id: e.source for e in to_rocrate(_crate()).data_entities
                                             if hasattr(e, "source")}.values())


def test_from_rocrate_of_a_crate_built_with_ro_crate_py() -> None:
    ro = ROCrate()
    ro.add(ContextEntity(ro, "#note", {"@type": "Comment", "text": "built with ro-crate-py"}))
    crate = from_rocrate(ro)
    assert crate.root_id == "./" and crate.get("#note") == {"@id": "#note", "@type": "Comment",
                                                            "text": "built with ro-crate-py"}
    ro.root_dataset["size"] = float("nan")
    with pytest.raises(ConversionError, match="not JSON"):
        from_rocrate(ro)
    with pytest.raises(UsageError, match="ROCrate"):
        from_rocrate(copy.deepcopy({"@graph": []}))  # type: ignore[arg-type]


def test_ro_crate_py_is_imported_only_when_converting() -> None:
    """The front door loads the adapter (and with it ro-crate-py) on first use of to_rocrate or from_rocrate."""
    code = ("import sys, fivesafes_crate, fivesafes_crate.cli; fivesafes_crate.validate; "
            "assert 'rocrate' not in sys.modules, 'rocrate imported eagerly'; "
            "fivesafes_crate.to_rocrate; assert 'rocrate' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
