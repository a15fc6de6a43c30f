"""The crate's metadata as written: parsing with guards, and a faithful, tolerant JSON model.

:func:`parse_metadata` turns bytes into JSON while refusing oversized or absurdly nested documents, and
reports syntax errors with line and column. :class:`Crate` keeps the document exactly as parsed: entity
order, ``@id`` strings and the ``@context`` are never rewritten, so that saving writes back what was read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import CrateReadError
from ..issues import Stage
from .entities import JSON, Entity, as_list, infer_stage, iter_entities, ref_ids
from .source import METADATA_FILE, CrateSource


class MetadataSyntaxError(CrateReadError):
    """The metadata file is not JSON; ``line`` and ``column`` locate the first error (1-based)."""

    def __init__(self, message: str, *, path: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message, path=path)
        self.line = line
        self.column = column


class MetadataLimitError(CrateReadError):
    """The metadata file exceeds a size or nesting limit and was not interpreted."""


def _depth_exceeds(value: JSON, limit: int) -> bool:
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
    """Python's json module accepts NaN and Infinity; JSON does not."""


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
        raise MetadataSyntaxError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            path=path,
            line=exc.lineno,
            column=exc.colno,
        ) from exc
    except RecursionError as exc:
        raise MetadataLimitError(f"JSON nested deeper than {max_depth} levels", path=path) from exc
    except ValueError as exc:  # e.g. an integer literal longer than Python's int limit
        raise MetadataSyntaxError(f"not valid JSON: {exc}", path=path) from exc
    if _depth_exceeds(value, max_depth):
        raise MetadataLimitError(f"JSON nested deeper than {max_depth} levels", path=path)
    return value


@dataclass
class Crate:
    """A crate's metadata document and where it came from.

    ``document`` is the parsed top-level JSON value, untouched. The accessors below tolerate any shape
    (a missing ``@graph``, non-object entities); the validator reports such problems as issues.
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

    def references(self, entity: Entity) -> Iterator[tuple[str, str]]:
        """``(property, @id)`` for each reference an entity makes, in document order."""
        for key, value in entity.items():
            if key.startswith("@"):
                continue
            for item in as_list(value):
                if isinstance(item, dict) and isinstance(item.get("@id"), str) and len(item) == 1:
                    yield key, item["@id"]


def load_crate(source: CrateSource) -> Crate:
    """Read and parse the metadata file of an opened source (raises on unreadable or non-JSON metadata)."""
    data = source.read_metadata()
    return Crate(parse_metadata(data, max_depth=source.limits.max_json_depth), source=source)


__all__ = ["Crate", "MetadataLimitError", "MetadataSyntaxError", "load_crate", "parse_metadata"]
