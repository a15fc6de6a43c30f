"""Withholding what the disclosure check did not approve: nothing un-approved may leave the TRE.

A rejection of the whole check (:func:`withhold_results`) deletes the result payload (the files of the run's
result entities and everything under ``outputs/``), the output entities (with their ``hasPart`` contents and
their ``DigitalDocumentPermission``\\ s) and every link to them (``result``, ``hasPart``, ``object``); the
``CreateAction`` stays by default, since the profile requires one in every crate, and ``remove_run`` also
removes it, as the profile's SHOULD describes, with the contextual entities only it linked (its agent, its
parameter values), which RO-Crate 1.2 would otherwise find linked from nowhere. Pruning (:func:`prune_outputs`)
does the same for the rejected outputs only. Either way, the reviews of a withheld output then point to a
placeholder (``WithheldOutput``) that keeps its name, or not even that (``redact_withheld_names``); they lose
their ``sha256`` (a hash of a small table can be confirmed by guessing), and so do the withheld outputs' entries
of the screening report (:func:`redact_report`). Inputs, the workflow and the root are never removed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ...model.crate import Crate
from ...model.entities import Entity, has_type, is_data_entity, local_path, ref_ids
from ...model.reviews import OUTPUTS_FOLDER, WITHHELD_OUTPUT, ScopedOutput, reviewed, screening_of
from ...model.safe_files import writing
from ...model.source import METADATA_FILE, EntryKind, open_source
from ..lifecycle import IdFactory, ensure_entity, new_uuid
from ..reviews import REPORT_FILE, fresh_id, term_entity, write_report
from ..workspace import Workspace

log = logging.getLogger(__name__)

_HIDDEN = "a withheld output"
"""What the reviews of a withheld output call it when its name is hidden."""

_WITHHELD_FINDINGS = "withheld: what the screening found in it is not released"
"""The ``reviewBody`` of a withheld output's screening reviews: their findings (counts of flagged cells, sizes
of tables, ACRO's checks) were derived from it."""


def prune_outputs(space: Workspace, outputs: Sequence[ScopedOutput], *, redact: bool = False,
                  new_id: IdFactory = new_uuid) -> list[str]:
    """Withhold some outputs: delete their files and entities (and folders left empty), point their reviews to
    placeholders, redact their report entries; return what was removed."""
    crate = space.crate
    entity_ids = [output.entity_id for output in outputs if output.entity_id is not None]
    stand_in(space, entity_ids, redact=redact, new_id=new_id)
    files = [output.key for output in outputs if output.file]
    redact_report(space, files, redact=redact)
    edit = crate.edit()
    removed: list[str] = []
    for entity_id in entity_ids:
        if entity_id in crate:
            edit.remove(entity_id)
            removed.append(entity_id)
    for name in files:
        _delete(space, name, lambda path: path.unlink())
        removed.append(name)
    removed = list(dict.fromkeys(removed))
    folders = sorted({parent for name in files for parent in _parents(name)}, key=lambda f: f.count("/"),
                     reverse=True)
    described = {local_path(entity["@id"]): entity["@id"] for entity in crate.entities
                 if isinstance(entity.get("@id"), str) and has_type(entity, "Dataset")}
    for folder in folders:
        path = space.path_of(folder)
        if path.is_dir() and not any(path.iterdir()):
            _delete(space, folder, lambda empty: empty.rmdir())
            removed.append(folder + "/")
            if described.get(folder) in crate:
                edit.remove(described[folder])
                removed.append(described[folder])
    return removed


def _parents(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]


def stand_in(space: Workspace, withheld: Sequence[str], *, redact: bool, new_id: IdFactory) -> None:
    """Point every review of the ``withheld`` entities to a placeholder (one per output), without ``sha256``;
    with ``redact`` neither the placeholder nor the reviews' names say which output it was."""
    crate = space.crate
    targets = set(withheld)
    edit = crate.edit()
    placeholders: dict[str, str] = {}
    for review in [entity for entity in crate.entities if has_type(entity, "Review") and reviewed(entity) in targets]:
        item = str(reviewed(review))
        shown = local_path(item) or item
        if item not in placeholders:
            placeholders[item] = fresh_id("withheld", new_id)
            ensure_entity(edit, term_entity(WITHHELD_OUTPUT))
            edit.add({"@id": placeholders[item], "@type": "CreativeWork", "additionalType": {"@id": WITHHELD_OUTPUT},
                      "name": "Withheld output" + ("" if redact else f" {shown}"),
                      "description": "Not released: withheld by the disclosure check"})
        edit.set(review["@id"], "itemReviewed", {"@id": placeholders[item]})
        edit.set(review["@id"], "sha256", None)
        if screening_of(review) is not None:
            edit.set(review["@id"], "reviewBody", _WITHHELD_FINDINGS)
        name = review.get("name")
        if redact and isinstance(name, str):
            edit.set(review["@id"], "name", name.replace(shown, _HIDDEN).replace(item, _HIDDEN))


def redact_report(space: Workspace, names: Sequence[str], *, redact: bool) -> None:
    """In the recorded screening report, the entries of withheld outputs keep only their kind and the outcome of
    each rule: they lose their hash, size, archive members, and each finding's message, counts and cell labels,
    all derived from the output (and with ``redact`` their names); the report's entity gets the new size and
    hash."""
    path = space.path_of(REPORT_FILE)
    if not names or not path.is_file() or path.is_symlink():
        return
    try:
        document: Any = json.loads(path.read_bytes())
    except (OSError, ValueError):
        log.warning("%s is not a readable report; left as it is", REPORT_FILE)
        return
    withheld = set(names)
    hidden = 0
    for entry in document.get("outputs", []) if isinstance(document, dict) else []:
        if isinstance(entry, dict) and entry.get("name") in withheld:
            hidden += 1
            entry.update(sha256=None, size=0, parts=[])
            for finding in entry.get("findings") or []:
                if isinstance(finding, dict):
                    finding.update(message=_WITHHELD_FINDINGS, flagged=0, checked=0, locations=[])
            if redact:
                entry["name"] = f"withheld output {hidden}"
    data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    write_report(space, data)


def withhold_results(space: Workspace, run: Entity, *, remove_run: bool = False, redact: bool = False,
                     new_id: IdFactory = new_uuid) -> list[str]:
    """Remove the run's results from the working copy: files, entities and links; return what was removed.

    Removed: the ``result`` entities of ``run`` and what they contain through ``hasPart``, every data entity
    under ``outputs/``, the ``DigitalDocumentPermission``\\ s only they used, and the files and folders of all
    of them (everything under ``outputs/`` included). Inputs, the workflow, the root and the metadata file are
    never removed. With ``remove_run`` the ``CreateAction`` goes too, with the contextual entities that only it
    linked. Reviews of what is removed point to placeholders instead (names hidden with ``redact``).
    """
    crate = space.crate
    root = crate.root
    protected = {METADATA_FILE, crate.root_id or "./", run["@id"], *ref_ids(run.get("object")),
                 *(ref_ids(root.get("mainEntity")) if root else [])}
    withheld = _withheld_entities(crate, run, protected)
    stand_in(space, withheld, redact=redact, new_id=new_id)
    permissions = {permission for entity_id in withheld
                   for permission in ref_ids((crate.get(entity_id) or {}).get("hasDigitalDocumentPermission"))}
    edit = crate.edit()
    for entity_id in withheld:
        edit.remove(entity_id)
    for permission_id in sorted(permissions - protected):
        if permission_id in crate and not _referenced(crate, permission_id):
            edit.remove(permission_id)
            withheld.append(permission_id)
    files = _delete_payload(space, withheld, protected)
    redact_report(space, files, redact=redact)
    if remove_run:
        linked = [target for _key, target in crate.references(run)]
        edit.remove(run["@id"])
        withheld.append(run["@id"])
        kept = protected - set(ref_ids(run.get("object")))  # its parameter values go when nothing else links them
        withheld.extend(_drop_unlinked(crate, linked, kept))
    return [*withheld, *(name for name in files if name not in withheld)]


def _drop_unlinked(crate: Crate, candidates: list[str], protected: set[str]) -> list[str]:
    """Remove the contextual entities among ``candidates`` that nothing links to any more, and in turn what only
    they linked (the removed run's agent and parameter values): RO-Crate 1.2 asks that every contextual entity
    be linked from another. Data entities (the input files) and ``protected`` ones stay; return what went."""
    dropped: list[str] = []
    queue = list(candidates)
    while queue:
        entity_id = queue.pop(0)
        entity = crate.get(entity_id)
        if entity is None or entity_id in protected or _referenced(crate, entity_id) or is_data_entity(entity):
            continue
        queue.extend(target for _key, target in crate.references(entity) if target != entity_id)
        crate.edit().remove(entity_id)
        dropped.append(entity_id)
    return dropped


def _withheld_entities(crate: Crate, run: Entity, protected: set[str]) -> list[str]:
    """The result entities and their ``hasPart`` contents, and every data entity under ``outputs/``."""
    queue = list(ref_ids(run.get("result")))
    for entity_id in crate.ids():
        path = local_path(entity_id)
        if path is not None and _under_outputs(path):
            queue.append(entity_id)
    found: list[str] = []
    while queue:
        entity_id = queue.pop(0)
        entity = crate.get(entity_id)
        if entity is None or entity_id in protected or entity_id in found:
            continue
        found.append(entity_id)
        if has_type(entity, "Dataset"):
            queue.extend(ref_ids(entity.get("hasPart")))
    return found


def _under_outputs(path: str) -> bool:
    return path == OUTPUTS_FOLDER or path.startswith(OUTPUTS_FOLDER + "/")


def _referenced(crate: Crate, entity_id: str) -> bool:
    return any(target == entity_id for entity in crate.entities for _key, target in crate.references(entity))


def _delete_payload(space: Workspace, withheld: list[str], protected: set[str]) -> list[str]:
    """Delete the files of withheld data entities and everything under ``outputs/``; return the names deleted."""
    prefixes = [path for path in (local_path(entity_id) for entity_id in withheld) if path is not None]
    prefixes.append(OUTPUTS_FOLDER)
    kept = [path for path in (local_path(entity_id) for entity_id in protected) if path is not None]
    with open_source(space.folder) as source:
        entries = source.crate_entries()

    def covered(name: str, paths: list[str]) -> bool:
        return any(name == path or name.startswith(path + "/") for path in paths)

    deleted: list[str] = []
    for name in sorted(entries):
        if entries[name].kind is not EntryKind.DIRECTORY and covered(name, prefixes) and not covered(name, kept):
            _delete(space, name, lambda path: path.unlink())
            deleted.append(name)
    folders = [name for name, entry in entries.items() if entry.kind is EntryKind.DIRECTORY and covered(name, prefixes)]
    for name in sorted(folders, key=lambda folder: folder.count("/"), reverse=True):
        if not any(space.path_of(name).iterdir()):
            _delete(space, name, lambda path: path.rmdir())
            deleted.append(name + "/")
    return deleted


def _delete(space: Workspace, name: str, delete: Callable[[Path], None]) -> None:
    with writing(name):
        delete(space.path_of(name))


__all__ = [
    "prune_outputs",
    "redact_report",
    "stand_in",
    "withhold_results",
]
