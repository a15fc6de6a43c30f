"""The crate's metadata as written: parsing with guards, and a faithful, tolerant JSON model.

:func:`parse_metadata` turns bytes into JSON while refusing oversized or absurdly nested documents, and
reports syntax errors with line and column. :class:`Crate` keeps the document exactly as parsed: entity
order, ``@id`` strings and the ``@context`` are never rewritten, so that saving writes back what was read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CrateError, CrateReadError, UsageError
from ..issues import Stage
from .entities import JSON, Entity, as_list, infer_stage, iter_entities, ref_ids
from .folders import sync_folder
from .safe_files import replace_with, write_temporary, writing
from .source import METADATA_FILE, CrateSource


class MetadataSyntaxError(CrateReadError):
    """The metadata file is not JSON; ``line`` and ``column`` locate the first error (1-based).

    Shown as compilers show an error, ``path:line:column: message`` (``notcrate.json:2:1: not valid JSON: ...``).
    """

    def __init__(self, message: str, *, path: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message, path=path)
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.path, self.line, self.column) if part is not None)
        return f"{where}: {self.message}"


class MetadataLimitError(CrateReadError):
    """The metadata file exceeds a size or nesting limit and was not interpreted."""


class EntityError(CrateError):
    """An edit names an entity that is missing (or already present), or a value that is not an entity."""


def nested_deeper_than(value: JSON, limit: int) -> bool:
    """True when ``value`` nests objects and arrays more than ``limit`` levels deep (found without recursion)."""
    stack: list[tuple[JSON, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values() if isinstance(child, dict | list))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return False


class _NonJsonConstant(ValueError):
    """Python's json module accepts NaN and Infinity; JSON does not (internal: :func:`parse_metadata` raises
    :class:`MetadataSyntaxError` instead)."""


def _refuse_constant(name: str) -> None:
    raise _NonJsonConstant(name)


def parse_metadata(data: bytes, *, path: str = METADATA_FILE, max_depth: int = 128) -> JSON:
    """Parse metadata bytes as JSON (UTF-8, BOM tolerated), refusing nesting deeper than ``max_depth``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MetadataSyntaxError(f"not UTF-8 text (byte {exc.start})", path=path) from exc
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except _NonJsonConstant as exc:
        raise MetadataSyntaxError(f"not valid JSON: {exc.args[0]} is not a JSON value (RFC 8259)", path=path) from exc
    except json.JSONDecodeError as exc:
        raise MetadataSyntaxError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno) from exc
    except RecursionError as exc:
        raise MetadataLimitError(f"JSON nested deeper than {max_depth} levels", path=path) from exc
    except ValueError as exc:  # e.g. an integer literal longer than Python's int limit
        raise MetadataSyntaxError(f"not valid JSON: {exc}", path=path) from exc
    if nested_deeper_than(value, max_depth):
        raise MetadataLimitError(f"JSON nested deeper than {max_depth} levels", path=path)
    return value


@dataclass
class Crate:
    """A crate's metadata document and where it came from.

    ``document`` is the parsed top-level JSON value, untouched. The accessors below tolerate any shape
    (a missing ``@graph``, non-object entities); the validator reports such problems as issues.
    ``metadata_file`` is how errors about the crate name where it came from: the input as the user gave it
    (``fresh.zip``, ``req``, ``notcrate.json``), or ``ro-crate-metadata.json`` for a crate built in memory.
    """

    document: JSON
    source: CrateSource | None = None
    metadata_file: str = METADATA_FILE
    _index: dict[str, Entity] = field(default_factory=dict, init=False, repr=False)
    _duplicates: list[str] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the ``@id`` index after the entity list changed."""
        self._index.clear()
        self._duplicates.clear()
        for entity in self.entities:
            entity_id = entity.get("@id")
            if isinstance(entity_id, str):
                if entity_id in self._index:
                    self._duplicates.append(entity_id)
                else:
                    self._index[entity_id] = entity

    @property
    def context(self) -> JSON:
        """The ``@context`` exactly as written (None when absent)."""
        return self.document.get("@context") if isinstance(self.document, dict) else None

    @property
    def graph(self) -> list[JSON]:
        """The ``@graph`` list as written (empty when absent or not a list)."""
        graph = self.document.get("@graph") if isinstance(self.document, dict) else None
        return graph if isinstance(graph, list) else []

    @property
    def entities(self) -> list[Entity]:
        """The JSON objects of ``@graph``, in document order."""
        return list(iter_entities(self.graph))

    @property
    def duplicate_ids(self) -> list[str]:
        """``@id``s that appear on more than one entity (each repeat listed once per repeat)."""
        return list(self._duplicates)

    def get(self, entity_id: str) -> Entity | None:
        """The first entity with this ``@id`` as written, or None."""
        return self._index.get(entity_id)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._index

    def ids(self) -> Iterator[str]:
        """Every distinct ``@id`` in document order."""
        return iter(self._index)

    @property
    def descriptor(self) -> Entity | None:
        """The metadata descriptor entity (``@id`` ``ro-crate-metadata.json``)."""
        return self.get(METADATA_FILE)

    @property
    def root_id(self) -> str | None:
        """The root data entity's ``@id`` as named by the descriptor's ``about`` (None when not named)."""
        about = ref_ids(self.descriptor.get("about")) if self.descriptor else []
        return about[0] if about else None

    @property
    def root(self) -> Entity | None:
        """The root data entity, found through the descriptor's ``about`` (or ``./`` by convention)."""
        root_id = self.root_id
        return self.get(root_id) if root_id else self.get("./")

    def stage(self) -> Stage:
        """The lifecycle stage the crate's actions show (see :func:`~.entities.infer_stage`)."""
        return infer_stage(self.entities, self.root)

    def edit(self) -> CrateEditor:
        """An editor for adding, replacing and removing entities and links (see :class:`CrateEditor`)."""
        return CrateEditor(self)

    def references(self, entity: Entity) -> Iterator[tuple[str, str]]:
        """``(property, @id)`` for each reference an entity makes, in document order."""
        for key, value in entity.items():
            if key.startswith("@"):
                continue
            for item in as_list(value):
                if isinstance(item, dict) and isinstance(item.get("@id"), str) and len(item) == 1:
                    yield key, item["@id"]


def _reference(target_id: str) -> dict[str, str]:
    return {"@id": target_id}


def _as_values(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else [value]


class CrateEditor:
    """Edits that keep a crate faithful: entity order kept, unknown properties kept, ``@id``s never rewritten.

    Obtain one with :meth:`Crate.edit`. Every method names the entity it concerns in its errors.
    """

    def __init__(self, crate: Crate) -> None:
        self.crate = crate

    def _graph(self) -> list[JSON]:
        document = self.crate.document
        if not isinstance(document, dict) or not isinstance(document.get("@graph"), list):
            raise EntityError("the metadata has no @graph array to edit", path=self.crate.metadata_file)
        graph: list[JSON] = document["@graph"]
        return graph

    def _require(self, entity_id: str) -> Entity:
        entity = self.crate.get(entity_id)
        if entity is None:
            raise EntityError("no such entity in the crate", path=self.crate.metadata_file, entity_id=entity_id)
        return entity

    def add(self, entity: Entity) -> Entity:
        """Append a new entity; its ``@id`` must be a string not used yet."""
        entity_id = entity.get("@id")
        if not isinstance(entity_id, str) or not entity_id:
            raise EntityError("an entity needs a string @id", path=self.crate.metadata_file)
        if entity_id in self.crate:
            raise EntityError("an entity with this @id exists already", path=self.crate.metadata_file,
                              entity_id=entity_id)
        self._graph().append(entity)
        self.crate.reindex()
        return entity

    def put(self, entity: Entity) -> Entity:
        """Add the entity, or replace the one with the same ``@id`` in its position."""
        entity_id = entity.get("@id")
        if isinstance(entity_id, str) and entity_id in self.crate:
            return self.replace(entity)
        return self.add(entity)

    def replace(self, entity: Entity) -> Entity:
        """Replace the entity with the same ``@id``, keeping its position in ``@graph``."""
        entity_id = entity.get("@id")
        current = self._require(entity_id) if isinstance(entity_id, str) else None
        if current is None:
            raise EntityError("an entity needs a string @id", path=self.crate.metadata_file)
        graph = self._graph()
        graph[next(i for i, item in enumerate(graph) if item is current)] = entity
        self.crate.reindex()
        return entity

    def remove(self, entity_id: str, *, unlink: bool = True) -> Entity:
        """Remove an entity and, unless ``unlink`` is False, every reference to it from other entities."""
        current = self._require(entity_id)
        graph = self._graph()
        graph[:] = [item for item in graph if item is not current]
        if unlink:
            for entity in self.crate.entities:
                for key in [k for k in entity if not k.startswith("@")]:
                    self._drop_reference(entity, key, entity_id)
        self.crate.reindex()
        return current

    def set(self, entity_id: str, key: str, value: JSON) -> None:
        """Set a property (``None`` removes it)."""
        entity = self._require(entity_id)
        if key in ("@id",):
            raise EntityError("the @id of an entity is never rewritten", path=self.crate.metadata_file,
                              entity_id=entity_id)
        if value is None:
            entity.pop(key, None)
        else:
            entity[key] = value

    def link(self, entity_id: str, key: str, target_id: str) -> None:
        """Add a reference ``{"@id": target_id}`` to a property (a single value becomes a list; no duplicates)."""
        entity = self._require(entity_id)
        current = entity.get(key)
        if current is None:
            entity[key] = _reference(target_id)
            return
        values = _as_values(current)
        if any(isinstance(v, dict) and v.get("@id") == target_id for v in values):
            return
        entity[key] = [*values, _reference(target_id)]

    def unlink(self, entity_id: str, key: str, target_id: str) -> None:
        """Remove a reference from a property (a list left with one value keeps being a list)."""
        self._drop_reference(self._require(entity_id), key, target_id)

    @staticmethod
    def _drop_reference(entity: Entity, key: str, target_id: str) -> None:
        value = entity.get(key)
        if value is None:
            return
        kept = [v for v in _as_values(value) if not (isinstance(v, dict) and v.get("@id") == target_id and len(v) == 1)]
        if len(kept) == len(_as_values(value)):
            return
        if not kept:
            del entity[key]
        else:
            entity[key] = kept if isinstance(value, list) else kept[0]


def serialise(crate: Crate) -> bytes:
    """The metadata document as UTF-8 JSON (2-space indent, characters kept, final newline)."""
    return (json.dumps(crate.document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file through a temporary sibling and an atomic rename: readers see the old or the new bytes.

    The file gets a new inode (mode :data:`~.safe_files.FILE_MODE`), so a hard link to the old file keeps the
    old bytes. The bytes are synced before the rename and the folder after it, so a power failure leaves one
    or the other. Anything but a regular file at ``path`` (a device, FIFO, link) is refused, never replaced.
    """
    replace_with(write_temporary(path, data), path)
    sync_folder(path.parent)


def save_crate(crate: Crate, folder: str | os.PathLike[str] | None = None) -> Path:
    """Write the crate's ``ro-crate-metadata.json`` atomically into ``folder`` (default: where it was read).

    Only a crate folder (or a bag's ``data/`` folder) can be saved in place; a crate read from a ZIP must be
    saved into a folder given explicitly (else :class:`~fivesafes_crate.errors.UsageError`). Returns the path
    written; a folder that cannot be written raises :class:`~fivesafes_crate.errors.StorageError`.
    """
    if folder is None:
        source = crate.source
        if source is None or source.is_zip:
            raise UsageError("this crate was not read from a folder: give the folder to save into",
                             path=crate.metadata_file)
        target = Path(source.path) / source.crate_prefix
    else:
        target = Path(folder)
    if not target.is_dir():
        raise UsageError("not a folder", path=str(target))
    path = target / METADATA_FILE
    with writing(path):
        write_atomic(path, serialise(crate))
    return path


def load_crate(source: CrateSource) -> Crate:
    """Read and parse the metadata file of an opened source (raises on unreadable or non-JSON metadata).

    Errors name the metadata file as the user knows it (:meth:`~.source.CrateSource.named`); the crate's
    ``metadata_file`` is the input as given, which later errors about the crate name.
    """
    data = source.read_metadata()
    document = parse_metadata(data, path=source.named(METADATA_FILE), max_depth=source.limits.max_json_depth)
    return Crate(document, source=source, metadata_file=source.label)


__all__ = [
    "Crate",
    "CrateEditor",
    "EntityError",
    "MetadataLimitError",
    "MetadataSyntaxError",
    "load_crate",
    "nested_deeper_than",
    "parse_metadata",
    "save_crate",
    "serialise",
    "write_atomic",
]
