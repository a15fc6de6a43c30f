"""Reading entities as written: references, types, and the lifecycle stage a crate has reached.

These helpers work on the JSON as written (no JSON-LD processing) and so are tolerant: a property may be a
single value or a list, a reference may be ``{"@id": ...}`` or, for the profile's IRI-valued properties, a
plain string. Stage inference also honours the ``"type"`` key that some real crates use instead of
``"@type"`` (the validator reports that quirk separately), so that a quirk never hides the phase checks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote

from ..issues import Stage
from .source import METADATA_FILE
from .vocab import uri_scheme

JSON = Any
Entity = dict[str, JSON]


def as_list(value: JSON) -> list[JSON]:
    """``value`` as a list: lists as they are, None as empty, anything else wrapped."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def ref_ids(value: JSON) -> list[str]:
    """The ``@id`` strings of the references in a property value (``{"@id": ...}`` objects only)."""
    return [item["@id"] for item in as_list(value) if isinstance(item, dict) and isinstance(item.get("@id"), str)]


def iri_values(value: JSON) -> list[str]:
    """IRIs in a property value, accepting references and plain strings (for IRI-valued properties)."""
    found: list[str] = []
    for item in as_list(value):
        if isinstance(item, dict) and isinstance(item.get("@id"), str):
            found.append(item["@id"])
        elif isinstance(item, str):
            found.append(item)
    return found


def declared_types(entity: Entity, *, tolerate_type_key: bool = False) -> list[str]:
    """The type names of an entity from ``@type`` (and from ``type`` when asked to tolerate it)."""
    raw = entity.get("@type")
    if raw is None and tolerate_type_key:
        raw = entity.get("type")
    return [t for t in as_list(raw) if isinstance(t, str)]


def _local(term: str) -> str:
    for sep in ("#", "/", ":"):
        if sep in term:
            term = term.rsplit(sep, 1)[1]
    return term


def has_type(entity: Entity, name: str, *, tolerate_type_key: bool = True) -> bool:
    """True when the entity is typed ``name`` (compact term, prefixed or full schema.org IRI)."""
    return any(_local(t) == name for t in declared_types(entity, tolerate_type_key=tolerate_type_key))


DATA_ENTITY_TYPES = ("File", "MediaObject", "Dataset")
"""The types of data entities (``File`` is ``schema:MediaObject`` in the RO-Crate context); any other entity
but the metadata descriptor is a contextual entity."""


def is_data_entity(entity: Entity) -> bool:
    """True for a data entity: typed ``File`` (``MediaObject``) or ``Dataset``."""
    return any(has_type(entity, name) for name in DATA_ENTITY_TYPES)


def additional_types(entity: Entity) -> set[str]:
    """Local names of the entity's ``additionalType`` values (``CheckValue``, ``SignOff``...)."""
    return {_local(iri) for iri in iri_values(entity.get("additionalType"))}


def action_status(entity: Entity) -> str | None:
    """The entity's action status as a local name (``CompletedActionStatus``), or None."""
    values = iri_values(entity.get("actionStatus"))
    return _local(values[0]) if values else None


def iter_entities(graph: Iterable[JSON]) -> Iterator[Entity]:
    """The JSON objects of a ``@graph`` list, skipping anything else."""
    return (item for item in graph if isinstance(item, dict))


_REVIEW_TERMS = {"CheckValue", "ValidationCheck", "SignOff"}
_DONE = {"CompletedActionStatus", "FailedActionStatus"}


def infer_stage(entities: Iterable[Entity], root: Entity | None) -> Stage:
    """The latest lifecycle stage the crate's actions show it has reached.

    published: a ``GenerateCheckValue`` action exists (a root ``datePublished`` alone proves nothing: RO-Crate
    itself asks every crate for one, and generic tools add it to requests); disclosure-checked:
    a ``DisclosureCheck`` is completed or failed; executed: the ``CreateAction`` is completed or failed, or a
    disclosure check is pending; executing: it is active; under review: any review action (check, validation,
    sign-off, workflow download) exists; request: none of these.
    """
    stage = Stage.REQUEST

    def reach(candidate: Stage) -> None:
        nonlocal stage
        if candidate.rank > stage.rank:
            stage = candidate

    for entity in entities:
        extra = additional_types(entity)
        status = action_status(entity)
        if "GenerateCheckValue" in extra:
            reach(Stage.PUBLISHED)
        elif "DisclosureCheck" in extra:
            reach(Stage.DISCLOSURE_CHECKED if status in _DONE else Stage.EXECUTED)
        elif extra & _REVIEW_TERMS or has_type(entity, "AssessAction") or has_type(entity, "DownloadAction"):
            reach(Stage.UNDER_REVIEW)
        elif has_type(entity, "CreateAction"):
            if status in _DONE:
                reach(Stage.EXECUTED)
            elif status == "ActiveActionStatus":
                reach(Stage.EXECUTING)
    return stage


def escapes_root(entity_id: str) -> bool:
    """True when a relative reference climbs out of the crate root (``../fetch.txt``, ``a/../../x``).

    Judged on the ``..`` segments of the path as written (percent-decoded), not on the resolved IRI, so that
    climbing out and back in (``../root/x``) is still an escape. Absolute URIs, absolute paths, fragments and
    blank nodes never escape (absolute paths have their own check).
    """
    if entity_id.startswith(("_:", "#", "/", "\\")) or uri_scheme(entity_id):
        return False
    depth = 0
    for segment in unquote(entity_id.split("#", 1)[0].split("?", 1)[0]).split("/"):
        if segment == "..":
            depth -= 1
            if depth < 0:
                return True
        elif segment not in ("", "."):
            depth += 1
    return False


def local_path(entity_id: str) -> str | None:
    """The crate-relative path a data entity ``@id`` names, or None when it is not a path inside the crate."""
    if not entity_id or entity_id.startswith(("#", "_:", "/", "\\")) or entity_id in ("./", METADATA_FILE):
        return None
    if uri_scheme(entity_id) or escapes_root(entity_id):
        return None
    path = unquote(entity_id.split("#", 1)[0].split("?", 1)[0])
    if path.startswith("./"):
        path = path[2:]
    return path.rstrip("/") or None


def parts_closure(root: Entity | None, lookup: Callable[[str], Entity | None]) -> set[str]:
    """Every ``@id`` reachable from the root through ``hasPart``, directly or through nested entities."""
    reached: set[str] = set()
    queue: deque[str] = deque(ref_ids(root.get("hasPart")) if root else [])
    while queue:
        entity_id = queue.popleft()
        if entity_id in reached:
            continue
        reached.add(entity_id)
        entity = lookup(entity_id)
        if entity is not None:
            queue.extend(ref_ids(entity.get("hasPart")))
    return reached
