"""Per-output reviews of the disclosure check: their vocabulary, the outputs they cover, reading and writing them.

The crate's one ``DisclosureCheck`` (:mod:`.disclosure`) lists a schema.org ``Review`` per output as its
``result``. Each names the output as ``itemReviewed``, its ``author``, ``dateCreated``, a ``name`` stating the
outcome, and, for a file, the ``sha256`` of the exact bytes reviewed. Its ``additionalType`` says what it is:

* a **screening** (automated: :func:`~.screening.record_screening`, or imported from ACRO:
  :func:`~.screening.import_acro`) carries one of our ``DefinedTerm``\\ s ``ScreeningPass``,
  ``ScreeningReview``, ``ScreeningFail`` or ``ScreeningNotChecked`` (namespace :data:`TERMS`), and
  ``isBasedOn`` the report or results it comes from;
* a **verdict** (the output checker's, or the screening software's when it decides) carries the SHP term
  ``PassedDisclosureCheck`` or ``FailedDisclosureCheck``; its ``reviewBody`` is the checker's comment.

A withheld output is replaced by a placeholder ``CreativeWork`` (``additionalType`` ``WithheldOutput``) that
its reviews point to instead, so that the reviews of what was not released stay readable.

The outputs in scope are what would leave the TRE with the crate: every file of the run's results and
everything under ``outputs/`` (:func:`~fivesafes_crate.disclosure_control.outputs_in_scope`), and every value
(``PropertyValue``) result, which travels in the metadata. References by URI are not in the crate, and
sensitive references stay in the TRE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from ..authoring.builder import media_type
from ..disclosure_control import outputs_in_scope
from ..errors import CrateReadError, UsageError
from ..issues import ScreeningOutcome
from ..model.crate import Crate, CrateEditor
from ..model.entities import JSON, Entity, additional_types, has_type, local_path, ref_ids
from ..model.safe_files import NotRegularFile, hash_file
from ..model.source import Entry
from ..model.vocab import SHP
from .lifecycle import IdFactory, ensure_entity, step_of, timestamp
from .workspace import Workspace

TERMS = "https://w3id.org/fivesafes-crate/terms#"
"""The namespace of our own terms (the same as the validator's shapes use)."""

SCREENING_TERMS: dict[ScreeningOutcome, str] = {
    ScreeningOutcome.PASS: TERMS + "ScreeningPass",
    ScreeningOutcome.REVIEW: TERMS + "ScreeningReview",
    ScreeningOutcome.FAIL: TERMS + "ScreeningFail",
    ScreeningOutcome.NOT_CHECKED: TERMS + "ScreeningNotChecked",
}
"""The ``additionalType`` of a screening review, by outcome."""

PASSED_DISCLOSURE_CHECK = SHP + "PassedDisclosureCheck"
FAILED_DISCLOSURE_CHECK = SHP + "FailedDisclosureCheck"
WITHHELD_OUTPUT = TERMS + "WithheldOutput"

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
_OUTCOMES = {iri.rsplit("#", 1)[1]: outcome for outcome, iri in SCREENING_TERMS.items()}
_VERDICTS = {"PassedDisclosureCheck": True, "FailedDisclosureCheck": False}


def term_entity(iri: str) -> Entity:
    """The ``DefinedTerm`` entity describing one of our terms (SHP terms need none: they are a vocabulary)."""
    code, description = _DESCRIPTIONS[iri]
    return {"@id": iri, "@type": "DefinedTerm", "name": iri.rsplit("#", 1)[1], "termCode": code,
            "description": description}


# --- the outputs in scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopedOutput:
    """An output that leaves the TRE with the crate: a file (``key`` its crate-relative name) or a value
    (``key`` its ``@id``). ``entity_id`` is the entity describing it (None for a file nobody described)."""

    key: str
    entity_id: str | None
    file: bool


def output_scope(crate: Crate, entries: Mapping[str, Entry]) -> list[ScopedOutput]:
    """The outputs in scope (see the module docstring): files in name order, then value results."""
    described: dict[str, str] = {}
    for entity in crate.entities:
        entity_id = entity.get("@id")
        path = local_path(entity_id) if isinstance(entity_id, str) and has_type(entity, "File") else None
        if path is not None:
            described.setdefault(path, str(entity_id))
    found = [ScopedOutput(name, described.get(name), True) for name in outputs_in_scope(crate, entries)]
    for run in (entity for entity in crate.entities if has_type(entity, "CreateAction")):
        for result_id in ref_ids(run.get("result")):
            result = crate.get(result_id)
            if result is not None and has_type(result, "PropertyValue"):
                found.append(ScopedOutput(result_id, result_id, False))
    return list({output.key: output for output in found}.values())


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



# --- reading -----------------------------------------------------------------------------------------------


def disclosure_checks(crate: Crate) -> list[Entity]:
    """Every ``DisclosureCheck`` action of the crate, in document order."""
    return [entity for entity in crate.entities if step_of(entity) is not None and
            "DisclosureCheck" in additional_types(entity)]


def reviews_of(crate: Crate, check: Entity | None) -> list[Entity]:
    """The ``Review``\\ s a disclosure check lists as its ``result``, in that order."""
    found = [crate.get(review_id) for review_id in ref_ids(check.get("result"))] if check is not None else []
    return [review for review in found if review is not None and has_type(review, "Review")]


def verdict_of(review: Entity) -> bool | None:
    """True for a ``PassedDisclosureCheck`` verdict, False for ``FailedDisclosureCheck``, None otherwise."""
    found = {_VERDICTS[name] for name in additional_types(review) if name in _VERDICTS}
    return found.pop() if len(found) == 1 else None


def screening_of(review: Entity) -> ScreeningOutcome | None:
    """The outcome of a screening review (None for anything else)."""
    found = [_OUTCOMES[name] for name in additional_types(review) if name in _OUTCOMES]
    return max(found) if found else None


def reviewed(review: Entity) -> str | None:
    """The ``@id`` of the item a review is about."""
    items = ref_ids(review.get("itemReviewed"))
    return items[0] if items else None


def is_withheld(entity: Entity | None) -> bool:
    """True for the placeholder of a withheld output."""
    return entity is not None and "WithheldOutput" in additional_types(entity)


@dataclass(frozen=True)
class RecordedVerdict:
    """A per-output verdict as the crate records it: the output (its ``@id``, or its placeholder's when it was
    withheld), what it is called (``name``: the file name, or the placeholder's name), approved or rejected,
    the comment, the author's name and when."""

    output: str
    name: str
    approved: bool
    withheld: bool
    comment: str | None
    author: str | None
    date: str | None


def recorded_verdicts(crate: Crate) -> tuple[RecordedVerdict, ...]:
    """The verdicts the (last) disclosure check lists, in its order."""
    checks = disclosure_checks(crate)
    found = []
    for review in reviews_of(crate, checks[-1] if checks else None):
        approved, item_id = verdict_of(review), reviewed(review)
        if approved is None or item_id is None:
            continue
        item = crate.get(item_id)
        path = local_path(item_id)
        name = _text(item.get("name")) if is_withheld(item) and item is not None else (path or item_id)
        author = crate.get(ref_ids(review.get("author"))[0]) if ref_ids(review.get("author")) else None
        found.append(RecordedVerdict(item_id, name or item_id, approved, is_withheld(item),
                                     _text(review.get("reviewBody")), _text(author.get("name")) if author else None,
                                     _text(review.get("dateCreated"))))
    return tuple(found)


def _text(value: JSON) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


# --- writing -----------------------------------------------------------------------------------------------


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


__all__ = [
    "FAILED_DISCLOSURE_CHECK",
    "PASSED_DISCLOSURE_CHECK",
    "SCREENING_TERMS",
    "TERMS",
    "WITHHELD_OUTPUT",
    "RecordedVerdict",
    "ScopedOutput",
    "add_terms",
    "describe_file",
    "disclosure_checks",
    "file_sha256",
    "fresh_id",
    "is_withheld",
    "output_scope",
    "recorded_verdicts",
    "review_entity",
    "reviewed",
    "reviews_of",
    "screening_of",
    "term_entity",
    "verdict_of",
]
