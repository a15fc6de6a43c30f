"""Reading the disclosure check's per-output reviews: their terms, the outputs in scope, recorded verdicts.

The crate's one ``DisclosureCheck`` lists a schema.org ``Review`` per output as its ``result``. Each names the
output as ``itemReviewed``, its ``author``, ``dateCreated``, a ``name`` stating the outcome, and, for a file,
the ``sha256`` of the exact bytes reviewed. Its ``additionalType`` says what it is:

* a **screening** (automated, or imported from ACRO) carries one of our ``DefinedTerm``\\ s ``ScreeningPass``,
  ``ScreeningReview``, ``ScreeningFail`` or ``ScreeningNotChecked`` (namespace :data:`TERMS`), and
  ``isBasedOn`` the report or results it comes from;
* a **verdict** (the output checker's, or the screening software's when it decides) carries the SHP term
  ``PassedDisclosureCheck`` or ``FailedDisclosureCheck``; its ``reviewBody`` is the checker's comment.

A withheld output is replaced by a placeholder ``CreativeWork`` (``additionalType`` ``WithheldOutput``) that
its reviews point to instead, so that the reviews of what was not released stay readable.

The outputs in scope are what would leave the TRE with the crate: every file of the run's results and
everything under ``outputs/`` (:func:`outputs_in_scope`), and every value (``PropertyValue``) result, which
travels in the metadata. References by URI are not in the crate, and sensitive references stay in the TRE.

Validation, screening, receiving and the disclosure step read these; the review entities the disclosure
steps write are built in :mod:`fivesafes_crate.phases.reviews`, which mirrors this module on purpose (same
name: this one reads, that one writes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..issues import ScreeningOutcome
from .entities import JSON, Entity, additional_types, has_type, local_path, ref_ids
from .lifecycle import step_of
from .source import METADATA_FILE, Entry, EntryKind
from .vocab import SHP

if TYPE_CHECKING:  # only the type: reading the metadata is the caller's business
    from .crate import Crate

OUTPUTS_FOLDER = "outputs"
"""The folder the profile recommends for outputs: everything under it is in scope (and withheld on rejection)."""

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

_OUTCOMES = {iri.rsplit("#", 1)[1]: outcome for outcome, iri in SCREENING_TERMS.items()}
_VERDICTS = {"PassedDisclosureCheck": True, "FailedDisclosureCheck": False}


# --- the outputs in scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopedOutput:
    """An output that leaves the TRE with the crate: a file (``key`` its crate-relative name) or a value
    (``key`` its ``@id``). ``entity_id`` is the entity describing it (None for a file nobody described)."""

    key: str
    entity_id: str | None
    file: bool


def outputs_in_scope(crate: Crate, entries: Mapping[str, Entry]) -> list[str]:
    """The crate-relative names to screen: the files of every run's ``result`` (folders expanded) and every
    name under ``outputs/`` (links included, so that they are reported). Declared results that are absent are
    left to the validator."""
    found: set[str] = set()
    for entity in crate.entities:
        if not has_type(entity, "CreateAction"):
            continue
        for result in ref_ids(entity.get("result")):
            path = local_path(result)
            if path is not None and path in entries:
                found.update(files_below(entries, path) if entries[path].kind is EntryKind.DIRECTORY else [path])
    found.update(files_below(entries, OUTPUTS_FOLDER))
    found.discard(METADATA_FILE)
    return sorted(found)


def files_below(entries: Mapping[str, Entry], folder: str) -> list[str]:
    """The names of ``entries`` below ``folder`` that are not folders (in ``entries``' order)."""
    prefix = folder.rstrip("/") + "/"
    return [name for name, entry in entries.items()
            if name.startswith(prefix) and entry.kind is not EntryKind.DIRECTORY]


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


__all__ = [
    "FAILED_DISCLOSURE_CHECK",
    "OUTPUTS_FOLDER",
    "PASSED_DISCLOSURE_CHECK",
    "SCREENING_TERMS",
    "TERMS",
    "WITHHELD_OUTPUT",
    "RecordedVerdict",
    "ScopedOutput",
    "disclosure_checks",
    "files_below",
    "is_withheld",
    "output_scope",
    "outputs_in_scope",
    "recorded_verdicts",
    "reviewed",
    "reviews_of",
    "screening_of",
    "verdict_of",
]
