"""The crate's metadata as written: parsing with guards, and a faithful, tolerant JSON model.

:func:`parse_metadata` turns bytes into JSON while refusing oversized or absurdly nested documents, and
reports syntax errors with line and column. :class:`Crate` keeps the document exactly as parsed: entity
order, ``@id`` strings and the ``@context`` are never rewritten, so that saving writes back what was read.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CrateError, CrateReadError, UsageError
from ..issues import Stage
from .entities import JSON, Entity, as_list, infer_stage, iter_entities, ref_ids
from .folders import sync_folder
from .safe_files import replace_with, write_temporary, writing
from .source import DEFAULT_LIMITS, METADATA_FILE, CrateSource, Limits


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


def _shape_problem(value: JSON, max_depth: int, max_items: int, max_values: int) -> str | None:
    """What makes ``value`` exceed a limit (nesting, one array's length, the count of all values), or None.

    Walked with an explicit stack, never recursion, and stopped at the first limit passed.
    """
    if not isinstance(value, dict | list):
        return None
    stack: list[tuple[dict[str, JSON] | list[JSON], int]] = [(value, 1)]
    values = 1
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return f"JSON nested deeper than {max_depth} levels"
        if isinstance(item, list) and len(item) > max_items:
            return f"a JSON array of {len(item)} elements, more than the limit of {max_items}"
        children = item.values() if isinstance(item, dict) else item
        values += len(children)
        if values > max_values:
            return f"more than {max_values} JSON values"
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return None


def nested_deeper_than(value: JSON, limit: int) -> bool:
    """True when ``value`` nests objects and arrays more than ``limit`` levels deep (found without recursion)."""
    unlimited = sys.maxsize
    return _shape_problem(value, limit, unlimited, unlimited) is not None


class _DuplicateKey(ValueError):
    """A JSON object holds a key twice (internal: :func:`parse_metadata` raises :class:`MetadataSyntaxError`)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return found


def _duplicate_place(text: str, key: str) -> tuple[int, int] | None:
    """Line and column (1-based) of the second ``key`` in one object of ``text``, found by a second parse.

    Only run once a duplicate is known (it uses the slower pure-Python scanner, which reports where each object
    starts and ends). The key is searched as :func:`json.dumps` writes it, outside the object's own objects;
    None when it is spelled otherwise (with escapes) or the text cannot be parsed again.
    """
    spans: list[tuple[int, int]] = []
    place: list[int] = []
    pattern = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:")

    def parse_object(state: tuple[str, int], *args: Any) -> tuple[dict[str, JSON], int]:
        start, mark = state[1] - 1, len(spans)
        pairs: list[tuple[str, JSON]] = []

        def keep(found: list[tuple[str, JSON]]) -> dict[str, JSON]:
            pairs.extend(found)
            return dict(found)

        strict, scan_once, _object_hook, _pairs_hook, *memo = args
        obj, end = json.decoder.JSONObject(state, strict, scan_once, None, keep, *memo)  # type: ignore[attr-defined]
        inner, spans[mark:] = spans[mark:], [(start, end)]
        if not place and [k for k, _ in pairs].count(key) > 1:
            hits = [m.start() for m in pattern.finditer(text, start, end)
                    if not any(a <= m.start() < b for a, b in inner)]
            if len(hits) > 1:
                place.append(hits[1])
        return obj, end

    decoder = json.JSONDecoder(parse_constant=_refuse_constant)
    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        decoder.decode(text)
    except (ValueError, RecursionError):
        return None
    if not place:
        return None
    line = text.count("\n", 0, place[0]) + 1
    return line, place[0] - (text.rfind("\n", 0, place[0]) + 1) + 1


class _NonJsonConstant(ValueError):
    """Python's json module accepts NaN and Infinity; JSON does not (internal: :func:`parse_metadata` raises
    :class:`MetadataSyntaxError` instead)."""


def _refuse_constant(name: str) -> None:
    raise _NonJsonConstant(name)


def parse_metadata(data: bytes, *, path: str = METADATA_FILE, limits: Limits = DEFAULT_LIMITS) -> JSON:
    """Parse metadata bytes as JSON (UTF-8, BOM tolerated) within ``limits``.

    A key given twice in one object is a :class:`MetadataSyntaxError` at the second one (RFC 8259 leaves
    which one counts to the reader, so two tools could read two different crates). Nesting deeper than
    ``limits.max_json_depth``, an array longer than ``limits.max_json_array_items`` or more values in all than
    ``limits.max_json_values`` is a :class:`MetadataLimitError`: such a document is not interpreted.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MetadataSyntaxError(f"not UTF-8 text (byte {exc.start})", path=path) from exc
    max_depth = limits.max_json_depth
    try:
        value = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except _NonJsonConstant as exc:
        raise MetadataSyntaxError(f"not valid JSON: {exc.args[0]} is not a JSON value (RFC 8259)", path=path) from exc
    except _DuplicateKey as exc:
        line, column = _duplicate_place(text, exc.key) or (None, None)
        raise MetadataSyntaxError(
            f"the key {exc.key!r} appears twice in one object: readers disagree on which one counts",
            path=path, line=line, column=column,
        ) from exc
    except json.JSONDecodeError as exc:
        raise MetadataSyntaxError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno) from exc
    except RecursionError as exc:
        raise MetadataLimitError(f"JSON nested deeper than {max_depth} levels", path=path) from exc
    except ValueError as exc:  # e.g. an integer literal longer than Python's int limit
        raise MetadataSyntaxError(f"not valid JSON: {exc}", path=path) from exc
    problem = _shape_problem(value, max_depth, limits.max_json_array_items, limits.max_json_values)
    if problem is not None:
        raise MetadataLimitError(problem, path=path)
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
    document = parse_metadata(data, path=source.named(METADATA_FILE), limits=source.limits)
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
