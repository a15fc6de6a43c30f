"""Adapters between a :class:`~fivesafes_crate.model.crate.Crate` and ro-crate-py's ``rocrate.rocrate.ROCrate``.

ro-crate-py (the ``rocrate`` package) is imported inside :func:`to_rocrate` and :func:`from_rocrate` only, so
that importing this library stays fast. Neither function touches the network: ro-crate-py is given the
metadata as a dictionary (never a URL), no context is fetched, and no remote file is validated or downloaded.

ro-crate-py's own reader rewrites a crate in several ways (observed with rocrate 0.16; see ``docs/interop.md``).
:func:`to_rocrate` reads through that reader, so that every entity gets ro-crate-py's class (``File``,
``Dataset``, ``Person``...), and then puts back what the reader changed: each entity's properties exactly as
written (the reader adds a ``datePublished`` to the root, lifts nested parts into the root's ``hasPart`` and
drops the language of ``{"@value", "@language"}`` values), the ``@id`` of Datasets (the reader appends ``/``,
also to web Datasets such as ``https://workflowhub.eu/workflows/1042?version=3``, leaving references to the old
``@id`` dangling) and the extra contexts. What remains different is the entity order (root first, then the
descriptor, data entities in ``hasPart`` order, then contextual entities) and the first ``@context`` URL, which
ro-crate-py derives from the descriptor's ``conformsTo``.
"""

from __future__ import annotations

import copy
import json
import logging
import warnings
from pathlib import Path
from urllib.parse import urljoin

from rocrate.model import DataEntity, FileOrDir
from rocrate.rocrate import ROCrate

from ..errors import ConversionError, UsageError
from ..model.crate import Crate
from ..model.entities import JSON, local_path
from ..model.source import METADATA_FILE, EntryKind
from ..model.vocab import uri_scheme

log = logging.getLogger(__name__)

_KEY_BASE = "arcp://uuid,00000000-0000-0000-0000-000000000000/"
"""A base like ro-crate-py's own, to compute the keys it files entities under."""


def _rocrate_key(entity_id: str) -> str:
    """The key ro-crate-py files an entity under: relative ids resolved and normalised, trailing ``/`` dropped."""
    resolved = entity_id if uri_scheme(entity_id) else urljoin(_KEY_BASE, entity_id)
    return resolved.rstrip("/")


def _check_representable(crate: Crate) -> None:
    """Refuse what ro-crate-py would lose silently or fail on with an unclear error."""
    if not isinstance(crate.document, dict) or not crate.graph:
        raise ConversionError("the metadata has no @graph", path=crate.metadata_file)
    if crate.root is None:
        raise ConversionError("the metadata descriptor names no root data entity with about",
                              path=crate.metadata_file)
    seen: dict[str, str] = {}
    for item in crate.graph:
        entity_id = item.get("@id") if isinstance(item, dict) else None
        if not isinstance(entity_id, str):
            raise ConversionError("every entity needs a string @id for ro-crate-py", path=crate.metadata_file)
        if "@type" not in item:
            quirk = ' (it uses "type", which is not the JSON-LD keyword)' if "type" in item else ""
            raise ConversionError(f"ro-crate-py needs an @type on every entity{quirk}", path=crate.metadata_file,
                                  entity_id=entity_id)
        key = _rocrate_key(entity_id)
        if key in seen:
            raise ConversionError(f"ro-crate-py keeps one entity per identifier: this one and {seen[key]!r} would "
                                  "become one", path=crate.metadata_file, entity_id=entity_id)
        seen[key] = entity_id


def _local_source(crate: Crate, entity_id: str) -> Path | None:
    """The file or folder of a data entity inside a crate read from a folder; None when there is none to copy."""
    source = crate.source
    path = local_path(entity_id)
    if source is None or source.is_zip or path is None:
        return None
    entry = source.crate_entry(path)
    if entry is None or entry.kind not in (EntryKind.FILE, EntryKind.DIRECTORY):
        return None  # absent, or a link or special file: never handed to a writer
    return Path(source.path) / source.crate_prefix / path


def to_rocrate(crate: Crate) -> ROCrate:
    """The crate as an ro-crate-py ``rocrate.rocrate.ROCrate`` with every entity as written (order aside).

    See ``docs/interop.md`` for what it rewrites.

    Data entities of a crate read from a folder (or bag folder) get their file or folder as ``source``, so that
    ``ROCrate.write()`` copies the payload; files that are absent, links, outside the crate or inside a ZIP get
    no source. Raises :class:`ConversionError` when ro-crate-py cannot hold the crate: an entity without
    ``@type`` (such as one written with ``"type"``), two entities ro-crate-py would merge (the same ``@id``,
    or ``@id``\\ s differing only by a trailing ``/``), or a structure its reader refuses (the descriptor's
    ``@type`` not exactly ``CreativeWork``, a data entity missing from ``hasPart``, a nested object without
    ``@id``).
    """
    _check_representable(crate)

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ro = ROCrate(copy.deepcopy(crate.document))  # the reader pops keys from what it is given
    except (KeyError, TypeError, ValueError) as exc:
        raise ConversionError(f"ro-crate-py cannot read this crate: {exc}", path=crate.metadata_file) from exc
    for warning in caught:
        log.info("ro-crate-py: %s", warning.message)
    for original in crate.entities:
        entity_id: str = original["@id"]
        current = ro.get(entity_id)
        if current is None:
            raise ConversionError("ro-crate-py dropped this entity", path=crate.metadata_file, entity_id=entity_id)
        if current.id != entity_id:  # a Dataset whose @id ro-crate-py rewrote: keep the crate's own @id
            current = DataEntity(ro, entity_id)
            ro.add(current)  # filed under the same key, so it takes the rewritten entity's place
        properties: dict[str, JSON] = current.properties()
        properties.clear()
        properties.update(copy.deepcopy(original))
        if isinstance(current, FileOrDir):
            current.source = _local_source(crate, entity_id)
    _restore_context(ro, crate.context)
    return ro


def _restore_context(ro: ROCrate, context: JSON) -> None:
    """Give ro-crate-py the context URLs and local term definitions it would drop (it writes its own first)."""
    parts = context if isinstance(context, list) else [context]
    main = f"{ro.metadata.profile}/context"
    ro.metadata.extra_contexts = [p for p in parts[1:] if isinstance(p, str) and p != main]
    terms: dict[str, JSON] = {}
    for part in parts:
        if isinstance(part, dict):
            terms.update(copy.deepcopy(part))
    ro.metadata.extra_terms = terms


def from_rocrate(ro: ROCrate) -> Crate:
    """A :class:`Crate` of the metadata ro-crate-py would write for ``ro``.

    The crate has no source: validating it checks the metadata only (write the crate with ``ro.write(folder)``
    and validate the folder to check its files too). Raises :class:`ConversionError` when an entity holds a
    value that is not JSON (a Python object, NaN).
    """

    if not isinstance(ro, ROCrate):
        raise UsageError(f"expected an ro-crate-py ROCrate, got {type(ro).__name__}")
    try:
        text = json.dumps(ro.metadata.generate(), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConversionError(f"the ro-crate-py crate holds a value that is not JSON: {exc}",
                              path=METADATA_FILE) from exc
    document: dict[str, JSON] = json.loads(text)
    return Crate(document)
