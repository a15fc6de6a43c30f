"""Automated disclosure screening recorded in the crate, and ACRO's results imported as screening reviews.

:func:`record_screening` screens every output in scope (:func:`~fivesafes_crate.model.reviews.output_scope`)
in the working copy, so that what is recorded is bound to the exact bytes that will leave the TRE, and writes:

* the safe report (:func:`~fivesafes_crate.disclosure_control.report.screening_to_json`: names, hashes, rules, outcomes,
  counts and labels, never a value) as the data entity ``disclosure/sdc-report.json`` (``File``,
  ``encodingFormat`` ``application/json``, ``sha256``), linked from the root's ``hasPart``;
* one screening ``Review`` per output (:mod:`..reviews`): ``itemReviewed`` the output, ``additionalType`` its
  outcome term, ``reviewBody`` the rules that did not pass (messages only), ``sha256`` of the bytes screened,
  ``isBasedOn`` the report, ``author`` the screening ``SoftwareApplication`` (whose ``provider`` is the TRE);
  value outputs are not screened (``ScreeningNotChecked``);
* ``sha256`` on every output file (an output nobody described is described as a ``File``);
* the policy (``CreativeWork`` with ``identifier`` its id, ``name`` and ``sha256`` its digest) and the report as
  the disclosure check's ``instrument``, the reviews as its ``result``; the check is created pending when
  there is none. A new screening replaces the reviews of the previous one.

With ``as_decision`` the screening also decides when that is safe: when every output passed (and no checker
recorded a verdict yet), it approves the check and records a ``PassedDisclosureCheck`` verdict per output by
the screening software; otherwise the check stays as it is (pending, or in review). It never rejects:
screening is an aid, a ``fail`` may be a false positive (a structural zero, a table of rounded counts), and a
rejection withholds every result for good, so only a person decides one.

:func:`import_acro` reads an ACRO results folder, verifying its checksums first, matches ACRO's outputs to the
crate's output files by SHA-256 (the same bytes), and records ACRO's per-output status as screening reviews
based on the ACRO results entity, with ACRO's comments and the researcher's exception request as ``Comment``\\ s.
A file of the crate that ACRO did not check, or checked with other bytes, is recorded ``ScreeningNotChecked``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ...disclosure_control import (
    AcroOutput,
    AcroResults,
    DisclosurePolicy,
    Evidence,
    OutputScreening,
    ScreeningReport,
    read_acro_results,
    render_json,
    screen_outputs,
)
from ...errors import UsageError
from ...issues import ScreeningOutcome
from ...model.crate import CrateEditor
from ...model.entities import Entity, ref_ids
from ...model.lifecycle import LifecycleState, RecordedAction, Status, Step
from ...model.reviews import (
    PASSED_DISCLOSURE_CHECK,
    SCREENING_TERMS,
    ScopedOutput,
    output_scope,
    reviews_of,
    screening_of,
    verdict_of,
)
from ...model.source import DEFAULT_LIMITS, Entry, EntryKind, Limits, open_source
from ...signing.writer import SignHook
from ..lifecycle import (
    Agent,
    AgentKind,
    Clock,
    IdFactory,
    StepResult,
    apply_step,
    ensure_agent,
    ensure_entity,
    new_uuid,
    refuse,
    system_clock,
)
from ..reviews import (
    REPORT_FILE,
    add_terms,
    describe_file,
    drop_reviews,
    file_sha256,
    fresh_id,
    review_entity,
    write_report,
)
from ..workspace import Workspace
from .decision import DisclosureDecision, open_check, update_check

log = logging.getLogger(__name__)

ACRO_RESULTS = "#acro-results"
"""The ``@id`` of the imported ACRO results (``results.json``) in the crate; a new import replaces it."""

_POLICY_PREFIX = "#sdc-policy-"


@dataclass(frozen=True)
class ScreeningResult:
    """What :func:`record_screening` did: the lifecycle step (the disclosure check as written, a one-line
    summary) and the screening report that was recorded."""

    step: StepResult
    report: ScreeningReport


def record_screening(
    target: str | os.PathLike[str],
    *,
    agent: Agent,
    policy: DisclosurePolicy,
    evidence: Evidence | None = None,
    as_decision: bool = False,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ScreeningResult:
    """Screen every output in scope and record the report, one review per output and the instruments (see the
    module docstring); with ``as_decision`` approve the check when every output passed.

    ``agent`` is the screening ``SoftwareApplication`` (with its TRE as ``provider``). Refused
    (:class:`~..lifecycle.StepRefused`, crate untouched) unless the run completed, after the check was decided,
    after a failed step or publishing, and when an output's bytes differ from the ``sha256`` recorded when it
    was attached.
    """
    if agent.kind is not AgentKind.SOFTWARE:
        raise UsageError("the agent of an automated screening is a SoftwareApplication (with its TRE as provider)",
                         entity_id=agent.id)
    now = clock or system_clock
    make_id = new_id or new_uuid
    reports: list[ScreeningReport] = []

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        run, existing = open_check(crate, state, "record the screening")
        with open_source(space.folder, limits) as source:
            entries = source.crate_entries()
        scope = output_scope(crate, entries)
        report = screen_outputs(space.crate_root, [o.key for o in scope if o.file], policy, evidence, limits=limits)
        reports.append(report)
        moment = now()
        edit = crate.edit()
        reviews: list[Entity] = []
        for output in scope:
            screened = report.output(output.key) if output.file else None
            item = _item(space, edit, output, screened.sha256 if screened else None, entries)
            reviews.append(_screening_review(output, item, screened, agent, moment, make_id))
        write_report(space, (render_json(report) + "\n").encode("utf-8"))
        policy_id = _policy_entity(edit, policy)
        check = crate.get(existing.id) if existing is not None else None
        _supersede(edit, check, lambda review: REPORT_FILE in ref_ids(review.get("isBasedOn")))
        if check is not None:
            _replace_policy(edit, check, policy_id)
        outcomes = [screening_of(review) or ScreeningOutcome.NOT_CHECKED for review in reviews]
        decide = as_decision and bool(outcomes) and all(o is ScreeningOutcome.PASS for o in outcomes) and not any(
            verdict_of(review) is not None for review in reviews_of(crate, check))
        if decide:
            reviews += [_automatic_verdict(review, policy, agent, moment, make_id) for review in list(reviews)]
        for review in reviews:
            edit.add(review)
        add_terms(edit, reviews)
        ensure_agent(edit, agent)
        counts = _counts(outcomes)
        action = update_check(space, existing, run=run, decision=DisclosureDecision.APPROVED if decide else None,
                              agent=agent, moment=moment,
                              reason="automated screening: every output passed" if decide else f"screening: {counts}",
                              results=[review["@id"] for review in reviews], instruments=[policy_id, REPORT_FILE],
                              new_id=make_id)
        space.touch()
        log.info("screened %d output(s) under policy %s", len(scope), policy.id)
        outcome = "approved (every output passed)" if decide else _standing(existing)
        return action, f"screening: {len(scope)} output(s) ({counts}) recorded; disclosure check {outcome}"

    step = apply_step(target, body, clock=now, step=Step.DISCLOSURE, sign=sign, limits=limits)
    return ScreeningResult(step, reports[-1])


def _item(space: Workspace, edit: CrateEditor, output: ScopedOutput, digest: str | None,
          entries: dict[str, Entry]) -> str:
    """The ``@id`` a review of ``output`` names: its entity, given the ``sha256`` screened (a file nobody
    described is described); refused when the bytes differ from the ``sha256`` the crate records for it."""
    crate = space.crate
    if output.entity_id is None:
        return describe_file(edit, output.key, sha256=digest, size=entries[output.key].size)
    entity = crate.get(output.entity_id) or {}
    recorded = entity.get("sha256")
    if digest is not None and isinstance(recorded, str) and recorded.lower() != digest:
        raise refuse(f"the bytes of {output.key} differ from the sha256 the crate records for it", crate,
                     output.entity_id)
    if digest is not None and recorded is None:
        edit.set(output.entity_id, "sha256", digest)
    return output.entity_id


def _screening_review(output: ScopedOutput, item: str, screened: OutputScreening | None, agent: Agent,
                      moment: datetime, new_id: IdFactory) -> Entity:
    if screened is None:
        outcome, body = ScreeningOutcome.NOT_CHECKED, "a value output: values are not screened; check it by hand"
    else:
        outcome = screened.outcome
        body = "; ".join(f"{finding.rule} ({finding.outcome.label}): {finding.message}"
                         for finding in screened.findings if finding.outcome >= ScreeningOutcome.REVIEW)
        body = body or f"every rule that applies passed ({', '.join(f.rule for f in screened.findings)})"
        if screened.parts:
            body += f"; {len(screened.parts)} archive member(s) screened, see the report"
    return review_entity(fresh_id("screening", new_id), item=item, term=SCREENING_TERMS[outcome],
                         name=f"Automated disclosure screening of {output.key}: {outcome.label}", author=agent.id,
                         moment=moment, body=body, sha256=screened.sha256 if screened else None, based_on=REPORT_FILE)


def _automatic_verdict(review: Entity, policy: DisclosurePolicy, agent: Agent, moment: datetime,
                       new_id: IdFactory) -> Entity:
    name = str(review["name"]).replace("Automated disclosure screening of ", "Disclosure verdict on ")
    return review_entity(fresh_id("verdict", new_id), item=ref_ids(review["itemReviewed"])[0],
                         term=PASSED_DISCLOSURE_CHECK, name=name.rsplit(": ", 1)[0] + ": approved", author=agent.id,
                         moment=moment, body=f"released automatically: every rule passed under policy {policy.id}",
                         sha256=review.get("sha256"))


def _policy_entity(edit: CrateEditor, policy: DisclosurePolicy) -> str:
    """Describe the policy (once per digest); its ``@id``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", policy.id).strip("-") or "policy"
    policy_id = f"{_POLICY_PREFIX}{slug}-{policy.digest[:12]}"
    entity: Entity = {"@id": policy_id, "@type": "CreativeWork", "name": policy.name or policy.id,
                      "identifier": policy.id, "sha256": policy.digest}
    if policy.description:
        entity["description"] = policy.description
    ensure_entity(edit, entity)
    return policy_id


def _replace_policy(edit: CrateEditor, check: Entity, policy_id: str) -> None:
    """Unlink the policies of earlier screenings from the check (and remove them when nothing else uses them)."""
    for instrument in ref_ids(check.get("instrument")):
        if instrument.startswith(_POLICY_PREFIX) and instrument != policy_id:
            edit.unlink(check["@id"], "instrument", instrument)
            if not any(target == instrument for entity in edit.crate.entities
                       for _key, target in edit.crate.references(entity)):
                edit.remove(instrument)


def _supersede(edit: CrateEditor, check: Entity | None, replaced: Callable[[Entity], bool]) -> None:
    """Remove the check's screening reviews for which ``replaced(review)`` holds (a new screening replaces them)."""
    crate = edit.crate
    drop_reviews(edit, [review["@id"] for review in reviews_of(crate, check)
                        if screening_of(review) is not None and replaced(review)])


def _counts(outcomes: Sequence[ScreeningOutcome]) -> str:
    order = (ScreeningOutcome.FAIL, ScreeningOutcome.REVIEW, ScreeningOutcome.PASS, ScreeningOutcome.NOT_CHECKED)
    return ", ".join(f"{sum(1 for o in outcomes if o is outcome)} {outcome.label}" for outcome in order
                     if outcome is not ScreeningOutcome.NOT_CHECKED or outcome in outcomes)


def _standing(existing: RecordedAction | None) -> str:
    """How the check stands when a screening leaves it as it was: pending (also when just created) or in review."""
    status = existing.status if existing is not None else None
    return DisclosureDecision.IN_REVIEW.label if status is Status.ACTIVE else DisclosureDecision.PENDING.label


# --- ACRO ----------------------------------------------------------------------------------------------------


def import_acro(
    target: str | os.PathLike[str],
    folder: str | os.PathLike[str],
    *,
    timezone: tzinfo | str,
    agent: Agent,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Disclosure phase: record the results of ACRO (``folder``, as its ``finalise`` wrote them) as screening
    ``Review``\\ s of the crate's output files, after verifying every checksum ACRO wrote.

    ACRO's outputs are matched to the crate's files by SHA-256; each review records ACRO's status, its checks'
    counts, ACRO's comments and the researcher's exception request (``Comment``\\ s); a file ACRO did not
    check is ``not-checked``. ``timezone`` makes ACRO's local times aware; ``agent`` is ACRO as a
    ``SoftwareApplication`` with its TRE as ``provider``. Raises
    :class:`~fivesafes_crate.disclosure_control.AcroResultsError` when a checksum is missing or differs.

    Refused like :func:`record_screening`.
    """
    if agent.kind is not AgentKind.SOFTWARE:
        raise UsageError("ACRO is recorded as a SoftwareApplication (with its TRE as provider)", entity_id=agent.id)
    results = read_acro_results(folder, timezone=timezone, limits=limits)
    now = clock or system_clock
    make_id = new_id or new_uuid

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        run, existing = open_check(crate, state, "import ACRO's results")
        with open_source(space.folder, limits) as source:
            entries = source.crate_entries()
        moment = now()
        edit = crate.edit()
        reviews: list[Entity] = []
        comments: list[Entity] = []
        matched: set[str] = set()
        files = [output for output in output_scope(crate, entries) if output.file]
        for output in files:
            digest = file_sha256(space, output.key) if entries[output.key].kind is EntryKind.FILE else None
            item = _item(space, edit, output, digest, entries)
            found = _acro_output(results, output.key, digest)
            review, notes = _acro_review(output, item, found, digest, results, agent, moment, make_id)
            reviews.append(review)
            comments.extend(notes)
            if isinstance(found, _AcroMatch):
                matched.update((found.output.uid, *found.others))
        _acro_entity(edit, results)
        check = crate.get(existing.id) if existing is not None else None
        _supersede(edit, check, lambda review: ACRO_RESULTS in ref_ids(review.get("isBasedOn")))
        for entity in (*reviews, *comments):
            edit.add(entity)
        add_terms(edit, reviews)
        ensure_agent(edit, agent)
        if results.version:
            ensure_entity(edit, {"@id": agent.id, "softwareVersion": results.version})
        counts = _counts([screening_of(review) or ScreeningOutcome.NOT_CHECKED for review in reviews])
        action = update_check(space, existing, run=run, decision=None, agent=agent, moment=moment,
                              reason=f"ACRO: {counts}", results=[review["@id"] for review in reviews],
                              instruments=[ACRO_RESULTS], new_id=make_id)
        space.touch()
        outside = [o.uid for o in results.outputs if o.release and o.uid not in matched]
        summary = f"ACRO results imported: {len(matched)} ACRO output(s) matched {len(files)} file(s) ({counts})"
        if outside:
            summary += f"; {len(outside)} releasable ACRO output(s) are not in the crate ({', '.join(outside[:3])})"
        return action, summary + f"; disclosure check {_standing(existing)}"

    return apply_step(target, body, clock=now, step=Step.DISCLOSURE, sign=sign, limits=limits)


@dataclass(frozen=True)
class _AcroMatch:
    """ACRO's output whose verdict a file of the crate takes: the output, the file's name in ACRO, and the other
    outputs that checked the same bytes under another name (``others``: the match was ambiguous)."""

    output: AcroOutput
    file_name: str
    others: tuple[str, ...] = ()


def _release_status(output: AcroOutput) -> ScreeningOutcome:
    """ACRO's status of an output; an output ACRO marks not for release fails."""
    return output.status if output.release else ScreeningOutcome.FAIL


def _acro_output(results: AcroResults, name: str, digest: str | None) -> _AcroMatch | str:
    """ACRO's output holding these bytes, or why there is none. Bytes that ACRO checked under several outputs
    (two identical tables) take the output whose file has this file's name; failing that, the worst status of
    them all, and the match is said to be ambiguous."""
    matches = [_AcroMatch(output, file.name) for output in results.outputs for file in output.files
               if digest is not None and file.sha256 == digest]
    if not matches:
        if results.for_file(name) is not None:
            return "ACRO checked a file of this name with other bytes (sha256 differs): not these bytes"
        return "not in ACRO's results"
    base = name.rsplit("/", 1)[-1]
    named = [match for match in matches if match.file_name.rsplit("/", 1)[-1] == base]
    if named:
        return named[0]
    worst = max(matches, key=lambda match: _release_status(match.output))
    others = tuple(dict.fromkeys(match.output.uid for match in matches if match.output.uid != worst.output.uid))
    return dataclasses.replace(worst, others=others)


def _acro_review(output: ScopedOutput, item: str, found: _AcroMatch | str, digest: str | None,
                 results: AcroResults, agent: Agent, moment: datetime,
                 new_id: IdFactory) -> tuple[Entity, list[Entity]]:
    review_id = fresh_id("acro", new_id)
    if isinstance(found, str):
        outcome = ScreeningOutcome.NOT_CHECKED
        return review_entity(review_id, item=item, term=SCREENING_TERMS[outcome],
                             name=f"ACRO output check of {output.key}: {outcome.label}", author=agent.id,
                             moment=moment, body=found, based_on=ACRO_RESULTS), []
    acro = found.output
    outcome = _release_status(acro)
    checks = [check for file in acro.files if file.name == found.file_name for check in file.checks
              if check.flagged or (check.flagged is None and check.status == "fail")]
    what = f"ACRO {acro.uid} ({acro.type}{', ' + acro.method if acro.method else ''}): {acro.status.label}"
    flagged = "; ".join(f"{check.name}{f' ({check.rule})' if check.rule else ''} "
                        + (f"flagged {check.flagged} cell(s)" if check.flagged is not None else check.status or "")
                        for check in checks)
    body = what + (f"; {flagged}" if flagged else "") + ("" if acro.release else "; ACRO marks it not for release")
    if found.others:
        body += (f"; ambiguous: ACRO checked the same bytes as {', '.join(found.others)} under other names, and "
                 "the worst status is recorded")
    review = review_entity(review_id, item=item, term=SCREENING_TERMS[outcome],
                           name=f"ACRO output check of {output.key}: {outcome.label}", author=agent.id,
                           moment=acro.timestamp, body=body, sha256=digest, based_on=ACRO_RESULTS)
    review["identifier"] = acro.uid
    notes: list[Entity] = [{"@id": f"{review_id}-comment-{index}", "@type": "Comment", "name": "ACRO comment",
                            "text": comment} for index, comment in enumerate(acro.comments, start=1) if comment.strip()]
    if acro.exception.strip():
        notes.append({"@id": f"{review_id}-exception", "@type": "Comment",
                      "name": "Exception requested by the researcher", "text": acro.exception})
    if notes:
        review["comment"] = [{"@id": note["@id"]} for note in notes]
    return review, notes


def _acro_entity(edit: CrateEditor, results: AcroResults) -> None:
    entity: Entity = {"@id": ACRO_RESULTS, "@type": "CreativeWork", "name": "ACRO results (results.json)",
                      "encodingFormat": "application/json", "sha256": results.sha256,
                      "description": f"ACRO output-checking results, format generation {results.generation}; "
                                     f"{len(results.verified)} file(s) verified against ACRO's checksums"}
    if results.version:
        entity["version"] = results.version
    edit.put(entity)


__all__ = ["ACRO_RESULTS", "ScreeningResult", "import_acro", "record_screening"]
