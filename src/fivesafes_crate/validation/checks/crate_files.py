"""Checks that compare the metadata with the files of the crate: data entities present, safe and linked.

A *data entity* is a ``File`` or ``Dataset`` whose ``@id`` is a relative URI path (not ``#local``, not a
blank node, not an absolute URI), other than the root and the metadata file. RO-Crate requires its file or
folder to be present in an attached crate and to be reachable from the root through ``hasPart``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...issues import Severity
from ...model.crate import Crate
from ...model.entities import Entity, has_type, local_path, parts_closure
from ...model.source import WEBSITE_FILE, WEBSITE_FOLDER, Entry, EntryKind
from ..registry import CheckContext, Finding, check


def data_entities(crate: Crate) -> Iterator[tuple[Entity, str, bool]]:
    """``(entity, crate-relative path, is_folder)`` for every local ``File`` or ``Dataset`` entity."""
    for entity in crate.entities:
        entity_id = entity.get("@id")
        if not isinstance(entity_id, str):
            continue
        is_folder = has_type(entity, "Dataset", tolerate_type_key=False)
        if not (is_folder or has_type(entity, "File", tolerate_type_key=False)):
            continue
        path = local_path(entity_id)
        if path is not None:
            yield entity, path, is_folder


def _entries(context: CheckContext) -> list[tuple[Entity, str, bool, Entry | None]]:
    """Each data entity with its path, kind and what the crate holds at that path (looked up once)."""
    crate, source = context.crate, context.source
    assert crate is not None and source is not None

    def compute() -> list[tuple[Entity, str, bool, Entry | None]]:
        return [(entity, path, folder, source.crate_entry(path)) for entity, path, folder in data_entities(crate)]

    found = context.memo("files.data-entries", compute)
    assert isinstance(found, list)
    return found


@check(
    "data.file-missing",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="A File or Dataset with a relative @id MUST be present at that path in the crate root (a file "
    "for File, a folder for Dataset)",
)
def file_missing(context: CheckContext) -> Iterator[Finding]:
    """Report data entities whose file or folder is absent, or of the other kind."""
    if context.source is None:
        return
    for entity, path, is_folder, entry in _entries(context):
        if entry is None:
            kind = "folder" if is_folder else "file"
            yield Finding(f"no {kind} {path!r} in the crate", focus=entity["@id"], file=path)
        elif entry.kind is EntryKind.DIRECTORY and not is_folder:
            yield Finding(f"{path!r} is a folder, but the entity is typed File", focus=entity["@id"], file=path)
        elif entry.kind is EntryKind.FILE and is_folder:
            yield Finding(f"{path!r} is a file, but the entity is typed Dataset", focus=entity["@id"], file=path)


@check(
    "data.link",
    Severity.MUST,
    section="Security considerations",
    description="Data entities MUST be regular files and folders inside the crate: symbolic links and special "
    "files could escape the crate and are never followed",
)
def link(context: CheckContext) -> Iterator[Finding]:
    """Report data entities that are (or lie behind) a symbolic link or a special file."""
    source = context.source
    if source is None:
        return
    for entity, path, _is_folder, entry in _entries(context):
        if entry is not None and entry.kind in (EntryKind.SYMLINK, EntryKind.OTHER):
            what = "a symbolic link" if entry.kind is EntryKind.SYMLINK else "a special file"
            yield Finding(f"{entry.name[len(source.crate_prefix):] or path!r} is {what}; it was not followed",
                          focus=entity["@id"], file=path)


@check(
    "data.linked-from-root",
    Severity.MUST,
    section="RO-Crate 1.2",
    description="Data entities MUST be linked, directly or through nested Datasets, from the root data entity "
    "with hasPart",
)
def linked_from_root(context: CheckContext) -> Iterator[Finding]:
    """Report local data entities that ``hasPart`` does not reach from the root (the RO-Crate Website aside)."""
    crate = context.crate
    assert crate is not None
    reached = parts_closure(crate.root, crate.get)
    for entity, path, _is_folder in data_entities(crate):
        if path == WEBSITE_FILE or path.split("/", 1)[0] == WEBSITE_FOLDER:
            continue  # described as File or Dataset, the website is still kept out of hasPart
        if entity["@id"] not in reached:
            yield Finding("data entity is not reachable from the root through hasPart", focus=entity["@id"],
                          path="hasPart")
