"""Checks of the disclosure phase that need the files or the per-output reviews, which SHACL cannot see.

The per-output reviews are those of :mod:`fivesafes_crate.phases.reviews`: verdicts (``Review`` with the SHP
terms ``PassedDisclosureCheck`` / ``FailedDisclosureCheck``), screenings (our ``Screening…`` terms) and the
placeholders of withheld outputs (``WithheldOutput``). Messages name outputs and entities, never a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...issues import ScreeningOutcome, Severity, Stage
from ...model.entities import Entity, action_status, has_type, iri_values, local_path
from ...model.reviews import (
    ScopedOutput,
    disclosure_checks,
    is_withheld,
    output_scope,
    reviewed,
    reviews_of,
    screening_of,
    verdict_of,
)
from ...model.safe_files import hash_stream
from ...model.source import EntryKind
from ...model.vocab import ACTION_STATUSES
from ..registry import CheckContext, Finding, check

_SECTION = "Disclosure phase"


def _failed(entity: Entity) -> bool:
    return action_status(entity) == "FailedActionStatus"


def _scope(context: CheckContext) -> list[ScopedOutput]:
    """The outputs in scope of the crate (files only when the crate's files can be read)."""
    crate, source = context.crate, context.source
    assert crate is not None

    def compute() -> list[ScopedOutput]:
        return output_scope(crate, source.crate_entries() if source is not None else {})

    found = context.memo("disclosure.scope", compute)
    assert isinstance(found, list)
    return found


def _reviews(context: CheckContext) -> list[Entity]:
    assert context.crate is not None
    return [entity for entity in context.crate.entities if has_type(entity, "Review")]


@check(
    "disclosure.rejected-no-outputs",
    Severity.MUST,
    section=_SECTION,
    stage=Stage.DISCLOSURE_CHECKED,
    description="A crate that failed the disclosure phase MUST NOT include workflow results: no file of the run's "
    "results and nothing under outputs/ may remain in the crate",
)
def rejected_no_outputs(context: CheckContext) -> Iterator[Finding]:
    """Report output files left in a crate whose disclosure check failed."""
    assert context.crate is not None
    failed = [entity for entity in disclosure_checks(context.crate) if _failed(entity)]
    if not failed or context.source is None:
        return
    for output in _scope(context):
        if output.file:
            yield Finding(f"{output.key!r} is still in the crate, although the disclosure check failed",
                          focus=failed[-1]["@id"], file=output.key)


@check(
    "disclosure.rejected-output-absent",
    Severity.MUST,
    section=_SECTION,
    stage=Stage.DISCLOSURE_CHECKED,
    description="An output rejected by a per-output verdict (FailedDisclosureCheck) MUST NOT be included: neither "
    "its file nor its description may remain once the check is decided (its reviews name a placeholder)",
)
def rejected_output_absent(context: CheckContext) -> Iterator[Finding]:
    """Report rejected outputs whose entity or file is still in the crate."""
    crate, source = context.crate, context.source
    assert crate is not None
    for review in _reviews(context):
        item = reviewed(review)
        if verdict_of(review) is not False or item is None:
            continue
        entity = crate.get(item)
        path = local_path(item)
        present = entity is not None and not is_withheld(entity)
        if source is not None and path is not None and source.crate_entry(path) is not None:
            present = True
        if present:
            yield Finding(f"the rejected output {path or item!r} is still in the crate; withhold it (prune)",
                          focus=review["@id"], path="itemReviewed", file=path)


@check(
    "disclosure.released-approved",
    Severity.SHOULD,
    section=_SECTION,
    stage=Stage.PUBLISHED,
    description="Outputs released with a published crate SHOULD have an approved disclosure check and, when the "
    "check records per-output reviews, an approving verdict (PassedDisclosureCheck) each",
)
def released_approved(context: CheckContext) -> Iterator[Finding]:
    """Report released outputs without an approved check, or without an approving verdict in force."""
    crate = context.crate
    assert crate is not None
    checks = disclosure_checks(crate)
    outputs = _scope(context)
    if not checks or not outputs:
        return  # no check at all is disclosure.recorded's finding
    approved = [entity for entity in checks if action_status(entity) == "CompletedActionStatus"]
    if not approved and any(not set(iri_values(entity.get("actionStatus"))) <= set(ACTION_STATUSES)
                            for entity in checks):
        return  # a status that is none of the four values is action.status-value's finding: not restated here
    if not approved:
        yield Finding(f"{len(outputs)} output(s) are released, but the disclosure check is not approved",
                      focus=checks[-1]["@id"], path="actionStatus")
        return
    reviews = reviews_of(crate, approved[-1])
    if not any(screening_of(review) is not None or verdict_of(review) is not None for review in reviews):
        return  # approved as a whole
    in_force: dict[str, bool] = {}
    for review in reviews:
        item, verdict = reviewed(review), verdict_of(review)
        if item is not None and verdict is not None:
            in_force[item] = verdict
    for output in outputs:
        if output.entity_id is None or in_force.get(output.entity_id) is not True:
            what = "rejected" if output.entity_id and in_force.get(output.entity_id) is False else "has no verdict"
            yield Finding(f"the released output {output.key!r} {what}: the disclosure check approves it by a "
                          "PassedDisclosureCheck review", focus=output.entity_id or approved[-1]["@id"],
                          file=output.key if output.file else None)


@check(
    "disclosure.verdict-sha256",
    Severity.SHOULD,
    section=_SECTION,
    stage=Stage.EXECUTED,
    description="A per-output review (a verdict or a screening) SHOULD judge the bytes the crate holds: its sha256 "
    "matches the file it reviews",
)
def verdict_sha256(context: CheckContext) -> Iterator[Finding]:
    """Hash each reviewed output file once and compare it with the ``sha256`` of every review of it."""
    source = context.source
    if source is None:
        return
    for review in _reviews(context):
        recorded, item = review.get("sha256"), reviewed(review)
        path = local_path(item) if item is not None else None
        entry = source.crate_entry(path) if path is not None else None
        if not isinstance(recorded, str) or path is None or entry is None or entry.kind is not EntryKind.FILE:
            continue
        if recorded.lower() != _digest(context, path):
            yield Finding(f"the sha256 of this review differs from the bytes of {path!r}: they changed after it was "
                          "judged", focus=review["@id"], path="sha256", file=path)


def _digest(context: CheckContext, path: str) -> str:
    source = context.source
    assert source is not None

    def compute() -> str:
        with source.open_in_crate(path) as stream:
            return hash_stream(stream, ("sha256",))["sha256"]

    found = context.memo(f"disclosure.sha256:{path}", compute)
    assert isinstance(found, str)
    return found


@check(
    "disclosure.approved-failed-justified",
    Severity.SHOULD,
    section=_SECTION,
    stage=Stage.EXECUTED,
    description="An output approved although the screening failed it SHOULD carry the checker's justification "
    "(the verdict's reviewBody)",
)
def approved_failed_justified(context: CheckContext) -> Iterator[Finding]:
    """Report approving verdicts without ``reviewBody`` on outputs a screening review failed."""
    reviews = _reviews(context)
    failed = {reviewed(review) for review in reviews if screening_of(review) is ScreeningOutcome.FAIL}
    for review in reviews:
        body = review.get("reviewBody")
        if verdict_of(review) is True and reviewed(review) in failed and not (isinstance(body, str) and body.strip()):
            yield Finding("the output was approved although the screening failed it, without a justification",
                          focus=review["@id"], path="reviewBody")


@check(
    "disclosure.single-check",
    Severity.SHOULD,
    section=_SECTION,
    stage=Stage.EXECUTED,
    description="A crate SHOULD record one disclosure check (one AssessAction with additionalType DisclosureCheck, "
    "updated as it progresses), so that its outcome is unambiguous",
)
def single_check(context: CheckContext) -> Iterator[Finding]:
    """Report every disclosure check after the first."""
    assert context.crate is not None
    checks = disclosure_checks(context.crate)
    for extra in checks[1:]:
        yield Finding(f"a second disclosure check (the first is {checks[0]['@id']})", focus=extra["@id"])


_OUTCOME_WORDS = {
    "CompletedActionStatus": ("approved", "passed", "ok", "released", "completed", "accepted"),
    "FailedActionStatus": ("rejected", "failed", "withheld", "declined", "refused"),
    "PotentialActionStatus": ("pending", "queued", "waiting", "scheduled"),
    "ActiveActionStatus": ("in review", "in-review", "in progress", "reviewing", "started"),
}
_WORDS = re.compile(r"\b(" + "|".join(re.escape(w) for words in _OUTCOME_WORDS.values() for w in words) + r")\b")
_STATUS_OF = {word: status for status, words in _OUTCOME_WORDS.items() for word in words}
_NEGATION = re.compile(r"\b(not|never|no|un)\b")


def stated_status(name: str) -> str | None:
    """The action status a check's ``name`` states (``…: approved`` → ``CompletedActionStatus``), judged on the part
    after its last colon with bracketed remarks removed; None when it states none, several, or a negation."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", name).rsplit(":", 1)[-1].lower()
    if _NEGATION.search(text):
        return None
    stated = {_STATUS_OF[match] for match in _WORDS.findall(text)}
    return stated.pop() if len(stated) == 1 else None


@check(
    "disclosure.name-status",
    Severity.MUST,
    section=_SECTION,
    stage=Stage.EXECUTED,
    description="The name of the disclosure check MUST state its outcome: the outcome it names (approved, rejected, "
    "pending, in review) agrees with its actionStatus",
)
def name_status(context: CheckContext) -> Iterator[Finding]:
    """Report disclosure checks whose name states another outcome than their ``actionStatus``."""
    assert context.crate is not None
    for entity in disclosure_checks(context.crate):
        name, status = entity.get("name"), action_status(entity)
        stated = stated_status(name) if isinstance(name, str) else None
        if stated is not None and status is not None and stated != status:
            yield Finding(f"the name states {stated}, the actionStatus is {status}", focus=entity["@id"], path="name")
