"""Writing the disclosure check's per-output reviews: review entities, the terms they use, undescribed outputs.

The write side of :mod:`fivesafes_crate.model.reviews`, which it mirrors on purpose (same name, one reads and
this one writes): what a review is, which outputs are in scope and how a crate's reviews are read back is
there; this module builds the entities the disclosure steps (:mod:`.disclosure`, its screening included)
write: a ``Review`` (:func:`review_entity`), the ``DefinedTerm`` of each of our terms it uses
(:func:`add_terms`), a ``File`` for an output nobody described (:func:`describe_file`, with
:func:`file_sha256` of the bytes reviewed), the screening report file (:func:`write_report`), and the removal
of superseded reviews (:func:`drop_reviews`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from ..authoring.builder import media_type
from ..errors import CrateReadError, UsageError
from ..issues import ScreeningOutcome
from ..model.crate import CrateEditor, write_atomic
from ..model.entities import Entity, ref_ids
from ..model.reviews import SCREENING_TERMS, WITHHELD_OUTPUT
from ..model.safe_files import NotRegularFile, hash_file, writing
from .lifecycle import IdFactory, ensure_entity, timestamp
from .workspace import Workspace

REPORT_FILE = "disclosure/sdc-report.json"
"""Where the screening report is recorded in the crate (it holds no value, so it may leave the TRE)."""

_DESCRIPTIONS = {
    SCREENING_TERMS[ScreeningOutcome.PASS]: ("pass", "Automated disclosure screening: every rule that applies passed"),
    SCREENING_TERMS[ScreeningOutcome.REVIEW]: ("review", "Automated disclosure screening: the output needs a "
                                                         "checker's review"),
    SCREENING_TERMS[ScreeningOutcome.FAIL]: ("fail", "Automated disclosure screening: a rule failed"),
    SCREENING_TERMS[ScreeningOutcome.NOT_CHECKED]: ("not-checked", "Automated disclosure screening: the output "
                                                                   "was not screened"),
    WITHHELD_OUTPUT: ("withheld", "An output withheld by the disclosure check: neither its file nor its "
                                  "description is released"),
}


def term_entity(iri: str) -> Entity:
    """The ``DefinedTerm`` entity describing one of our terms (SHP terms need none: they are a vocabulary)."""
    code, description = _DESCRIPTIONS[iri]
    return {"@id": iri, "@type": "DefinedTerm", "name": iri.rsplit("#", 1)[1], "termCode": code,
            "description": description}


def file_sha256(space: Workspace, name: str) -> str:
    """SHA-256 of a crate file of the working copy (never through a symbolic link)."""
    try:
        return hash_file(space.path_of(name))
    except NotRegularFile:
        raise CrateReadError("not a regular file", path=name) from None
    except OSError as exc:
        raise CrateReadError(f"cannot read the output: {exc.strerror or exc}", path=name) from exc


def describe_file(editor: CrateEditor, name: str, *, sha256: str | None, size: int) -> str:
    """Describe an output file nobody described (a ``File`` linked from the root's ``hasPart``); its ``@id``.

    ``sha256`` is None for a name that is not a regular file (never read through a link)."""
    entity_id = quote(name)
    entity: Entity = {"@id": entity_id, "@type": "File", "name": name.rsplit("/", 1)[-1],
                      "encodingFormat": media_type(Path(name)), "contentSize": str(size)}
    if sha256 is not None:
        entity["sha256"] = sha256
    editor.add(entity)
    editor.link(editor.crate.root_id or "./", "hasPart", entity_id)
    return entity_id


def fresh_id(prefix: str, new_id: IdFactory) -> str:
    """A new ``#<prefix>-<id>``."""
    value = new_id()
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise UsageError("the id factory must return a non-empty string without spaces")
    return f"#{prefix}-{value}"


def review_entity(
    review_id: str,
    *,
    item: str,
    term: str,
    name: str,
    author: str,
    moment: datetime,
    body: str | None = None,
    sha256: str | None = None,
    based_on: str | None = None,
) -> Entity:
    """A ``Review`` of ``item`` with outcome ``term`` (see the module docstring)."""
    entity: Entity = {"@id": review_id, "@type": "Review", "additionalType": {"@id": term}, "name": name,
                      "itemReviewed": {"@id": item}, "author": {"@id": author}, "dateCreated": timestamp(moment)}
    if body:
        entity["reviewBody"] = body
    if sha256:
        entity["sha256"] = sha256
    if based_on:
        entity["isBasedOn"] = {"@id": based_on}
    return entity


def add_terms(editor: CrateEditor, reviews: Sequence[Entity]) -> None:
    """Describe the terms of ours that ``reviews`` use (once each)."""
    for review in reviews:
        for term in ref_ids(review.get("additionalType")):
            if term in _DESCRIPTIONS:
                ensure_entity(editor, term_entity(term))


def drop_reviews(editor: CrateEditor, review_ids: Sequence[str]) -> None:
    """Remove superseded reviews, and the ``Comment``\\ s only they held."""
    for review_id in review_ids:
        review = editor.crate.get(review_id)
        if review is None:
            continue
        editor.remove(review_id)
        for comment_id in ref_ids(review.get("comment")):
            if comment_id in editor.crate:
                editor.remove(comment_id)


def write_report(space: Workspace, data: bytes) -> None:
    """Write the screening report file (a new file: the working copy's originals are never modified) and describe
    it as a ``File`` linked from the root's ``hasPart``."""
    path = space.path_of(REPORT_FILE)
    with writing(REPORT_FILE):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    edit = space.crate.edit()
    current = space.crate.get(REPORT_FILE) or {}
    entity = {**current, "@id": REPORT_FILE, "@type": "File", "name": "Disclosure-control screening report",
              "encodingFormat": "application/json", "contentSize": str(len(data)),
              "sha256": hashlib.sha256(data).hexdigest()}
    entity.setdefault("description", "What the automated disclosure screening found, per output: rules, outcomes "
                                     "and counts; it holds no value of the outputs")
    edit.put(entity)
    edit.link(space.crate.root_id or "./", "hasPart", REPORT_FILE)


__all__ = [
    "REPORT_FILE",
    "add_terms",
    "describe_file",
    "drop_reviews",
    "file_sha256",
    "fresh_id",
    "review_entity",
    "term_entity",
    "write_report",
]
