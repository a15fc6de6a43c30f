"""Disclosure phase: the crate-level ``DisclosureCheck`` of the workflow results, per-output verdicts, and
withholding what is not approved.

One ``AssessAction`` with ``additionalType`` ``shp:DisclosureCheck`` records the check and is updated in place
(same ``@id``) as it progresses (profile section "Disclosure phase"):

========================  ============================  =========================================
decision                  ``actionStatus``              times
========================  ============================  =========================================
``pending``               ``PotentialActionStatus``     ``startTime`` = the predicted start, if given
``in-review``             ``ActiveActionStatus``        ``startTime`` (now, or the time given)
``approved``              ``CompletedActionStatus``     ``startTime`` (kept from the review), ``endTime``
``rejected``              ``FailedActionStatus``        as approved, and ``error`` giving the reason
========================  ============================  =========================================

Its ``object`` is the root followed by the run's results (what was assessed), its ``instrument`` the rules and
tools used (the screening's policy and report), its ``result`` the per-output ``Review``\\ s (:mod:`.reviews`);
instruments and reviews accumulate over the check's updates. The check needs a completed workflow run; approved
and rejected are final, except that attaching new results (:func:`~.results.add_results`) puts an approved check
back to pending (:func:`reset_disclosure`).

**Per-output verdicts** (:class:`Verdict`) are ``Review``\\ s with the SHP terms ``PassedDisclosureCheck`` or
``FailedDisclosureCheck``, bound to the exact bytes judged (``sha256``). Guard rails, each a
:class:`~.lifecycle.StepRefused` that leaves the crate untouched:

* once the check has per-output reviews (a screening or verdicts), an approval needs a verdict for every output
  in scope (:func:`~.reviews.output_scope`); without any, the approval covers the crate as a whole;
* an output the screening failed is approved only explicitly, with a comment that justifies it;
* rejected outputs must be pruned before the check is approved (``prune``);
* a verdict is refused when the output's bytes changed since it was screened, attached or judged.

**Withholding.** Nothing un-approved may leave the TRE. A rejection of the whole check deletes the result payload
(the files of the run's result entities and everything under ``outputs/``), the output entities (with their
``hasPart`` contents and their ``DigitalDocumentPermission``\\ s) and every link to them (``result``, ``hasPart``,
``object``); the ``CreateAction`` stays by default, since the profile requires one in every crate, and
``remove_run`` also removes it, as the profile's SHOULD describes, with the contextual entities only it linked (its
agent, its parameter values), which RO-Crate 1.2 would otherwise find linked from nowhere. Pruning does the same
for the rejected outputs only. Either way, the reviews of a withheld output then point to a placeholder
(``WithheldOutput``) that keeps its name, or not even that (``redact_withheld_names``); they lose their ``sha256``
(a hash of a small table can be confirmed by guessing), and so do the withheld outputs' entries of the screening
report. Inputs, the workflow and the root are never removed.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..issues import ScreeningOutcome
from ..model.crate import Crate, CrateEditor, EntityError, write_atomic
from ..model.entities import Entity, has_type, is_data_entity, local_path, ref_ids
from ..model.lifecycle import LifecycleState, RecordedAction, Status, Step, main_action, provenance
from ..model.reviews import (
    FAILED_DISCLOSURE_CHECK,
    OUTPUTS_FOLDER,
    PASSED_DISCLOSURE_CHECK,
    WITHHELD_OUTPUT,
    ScopedOutput,
    output_scope,
    reviewed,
    reviews_of,
    screening_of,
    verdict_of,
)
from ..model.safe_files import writing
from ..model.source import DEFAULT_LIMITS, METADATA_FILE, EntryKind, Limits, open_source
from ..signing.writer import SignHook
from .lifecycle import (
    Agent,
    Clock,
    IdFactory,
    StepResult,
    action_id,
    apply_step,
    ensure_agent,
    ensure_entity,
    new_uuid,
    record_action,
    refuse,
    require_open,
    system_clock,
)
from .reviews import describe_file, file_sha256, fresh_id, review_entity, term_entity
from .workspace import Workspace

log = logging.getLogger(__name__)

CHECK_NAME = "Disclosure check of workflow results"
"""The start of every disclosure check's ``name``; the decision (and reason) follow it."""

REPORT_FILE = "disclosure/sdc-report.json"
"""Where the screening report is recorded in the crate (it holds no value, so it may leave the TRE)."""

_MANAGED = frozenset({"@id", "@type", "additionalType", "name", "startTime", "endTime", "object", "instrument",
                      "result", "agent", "actionStatus", "error"})
"""Properties a recorded decision rewrites; any other property of an existing check is kept."""

_HIDDEN = "a withheld output"
"""What the reviews of a withheld output call it when its name is hidden."""

_WITHHELD_FINDINGS = "withheld: what the screening found in it is not released"
"""The ``reviewBody`` of a withheld output's screening reviews: their findings (counts of flagged cells, sizes
of tables, ACRO's checks) were derived from it."""


class DisclosureDecision(enum.Enum):
    """Where the disclosure check stands: pending (Potential), in review (Active), approved (Completed) or
    rejected (Failed); the value is the CLI's spelling."""

    PENDING = "pending"
    IN_REVIEW = "in-review"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def status(self) -> Status:
        """The ``actionStatus`` recording this decision."""
        return _STATUSES[self]

    @property
    def label(self) -> str:
        """How the decision reads in the check's ``name`` (``in review``, ``approved``...)."""
        return self.value.replace("-", " ")

    @property
    def final(self) -> bool:
        """Approved or rejected: the check has ended."""
        return self in (DisclosureDecision.APPROVED, DisclosureDecision.REJECTED)


_STATUSES = {
    DisclosureDecision.PENDING: Status.POTENTIAL,
    DisclosureDecision.IN_REVIEW: Status.ACTIVE,
    DisclosureDecision.APPROVED: Status.COMPLETED,
    DisclosureDecision.REJECTED: Status.FAILED,
}


@dataclass(frozen=True)
class Verdict:
    """The output checker's verdict on one output: approved or rejected, with an optional comment.

    ``output`` is the crate-relative name of an output file (a folder stands for every file below it) or the
    ``@id`` of a value output. Approving an output that the screening failed needs a ``comment`` justifying it.
    """

    output: str
    approved: bool
    comment: str | None = None


def record_disclosure(
    target: str | os.PathLike[str],
    decision: DisclosureDecision,
    *,
    agent: Agent,
    reason: str | None = None,
    start: datetime | None = None,
    remove_run: bool = False,
    reviews: Sequence[Entity] = (),
    instruments: Sequence[Entity] = (),
    verdicts: Sequence[Verdict] = (),
    prune: bool = False,
    redact_withheld_names: bool = False,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Disclosure phase: record the crate's one ``DisclosureCheck`` as pending, in review, approved or rejected.

    Needs a completed run; approved and rejected are final (new results put an approval back to pending). A
    rejection needs a ``reason`` (the action's ``error``) and withholds the results: their files, entities and
    links are removed (``result.removed``), and the ``CreateAction`` too with ``remove_run``.

    ``verdicts`` (:class:`Verdict`) are the checker's per-output approvals and rejections, recorded as
    ``Review``\\ s with the SHP terms ``PassedDisclosureCheck`` / ``FailedDisclosureCheck`` and the ``sha256``
    of the bytes judged, listed as the check's ``result``. Refused (:class:`~fivesafes_crate.StepRefused`,
    crate untouched): an approval without a verdict for every output in scope once the check has per-output
    reviews; approving an output the screening failed without a comment; approving while rejected outputs are
    present (``prune`` withholds them, leaving a placeholder; ``redact_withheld_names`` hides even their
    names); a verdict on bytes that changed since they were screened. ``reviews`` and ``instruments`` are
    further entities recorded as the check's ``result`` and ``instrument``.

    ``reason`` ends the ``name`` in brackets (``pending (estimate: 1 week)``). ``start`` is the predicted start
    of a pending check, or when the review started. Verdicts are recorded by ``agent``; ``reviews`` and
    ``instruments`` each need an ``@id`` and ``@type``.

    Refused (:class:`~.lifecycle.StepRefused`, crate untouched) unless the workflow run completed, after an
    approval or rejection (until new results reset it), after a failed step and after publishing, and when a
    guard rail of the module docstring holds.
    """
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    rejected = decision is DisclosureDecision.REJECTED
    if rejected and not text:
        raise UsageError("a rejected disclosure check needs a reason")
    if remove_run and not rejected:
        raise UsageError("the workflow run can only be removed when the disclosure check is rejected")
    if prune and rejected:
        raise UsageError("a rejection withholds every result: prune is for the rejected outputs of a check that is "
                         "not rejected")
    if redact_withheld_names and not (prune or rejected):
        raise UsageError("names can only be hidden for withheld outputs: prune, or reject the check")
    for entity in (*reviews, *instruments):
        _check_entity(entity)
    given = _checked_verdicts(verdicts)
    now = clock or system_clock
    make_id = new_id or new_uuid
    removed: list[str] = []

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        run, existing = open_check(crate, state, "record the disclosure check")
        current = crate.get(existing.id) if existing is not None else None
        moment = now()
        edit = crate.edit()
        for entity in instruments:
            ensure_entity(edit, entity)  # a rule set or tool may be described already: reused, not duplicated
        for entity in reviews:
            edit.put(dict(entity))
        written = [entity["@id"] for entity in reviews]
        judged = 0
        if given or prune or decision is DisclosureDecision.APPROVED:
            plan = _plan_verdicts(space, current, given, agent, moment, make_id)
            if decision is DisclosureDecision.APPROVED:
                _require_verdicts(crate, plan, prune)
            written += _write_verdicts(space, plan)
            judged = len(plan.new)
            if prune and plan.rejected:
                removed.extend(prune_outputs(space, plan.rejected, redact=redact_withheld_names, new_id=make_id))
        action = update_check(space, existing, run=run, decision=decision, agent=agent, moment=moment, start=start,
                              reason=text, results=written, instruments=[entity["@id"] for entity in instruments],
                              new_id=make_id)
        if rejected:
            removed.extend(withhold_results(space, run, remove_run=remove_run, redact=redact_withheld_names,
                                            new_id=make_id))
        space.touch()
        log.info("disclosure check %s: %s", action["@id"], decision.value)
        summary = f"disclosure check: {decision.label}" + (f" ({text})" if text else "")
        if judged:
            summary += f"; {judged} verdict(s) recorded"
        if removed:
            what = "results withheld" if rejected else "rejected outputs pruned"
            summary += f"; {what} ({len(removed)} entities and files removed)"
        return action, summary

    result = apply_step(target, body, clock=now, step=Step.DISCLOSURE, sign=sign, limits=limits)
    return dataclasses.replace(result, removed=tuple(removed))


def _check_entity(entity: Entity) -> None:
    if not isinstance(entity, dict) or not isinstance(entity.get("@id"), str) or not entity["@id"]:
        raise UsageError("a review or instrument must be an entity with a string @id")
    if not entity.get("@type"):
        raise UsageError("a review or instrument needs an @type", entity_id=entity["@id"])


def _checked_verdicts(verdicts: Sequence[Verdict]) -> list[Verdict]:
    checked: dict[str, Verdict] = {}
    for verdict in verdicts:
        if not isinstance(verdict, Verdict) or not isinstance(verdict.output, str) or not verdict.output.strip():
            raise UsageError("a verdict names an output: a crate-relative file name or a value's @id")
        if verdict.output in checked:
            raise UsageError("two verdicts for one output", path=verdict.output)
        comment = " ".join(verdict.comment.split()) if isinstance(verdict.comment, str) else None
        checked[verdict.output] = dataclasses.replace(verdict, comment=comment or None)
    return list(checked.values())


# --- the check itself --------------------------------------------------------------------------------------


def open_check(crate: Crate, state: LifecycleState, doing: str) -> tuple[Entity, RecordedAction | None]:
    """The completed run and the current disclosure check (None when there is none yet), or a refusal: after a
    failed step or publishing, without a completed run, or when the check is decided already."""
    require_open(state, crate, doing)
    run = main_action(crate)
    found = provenance(crate)
    if run is None or Status.of(run) is not Status.COMPLETED or found.run_received:
        status = (Status.of(run) or Status.POTENTIAL) if run is not None else None
        what = "there is none" if run is None else f"it is {status.label if status else ''}{found.run_note(run['@id'])}"
        step = {Status.POTENTIAL: "start", Status.ACTIVE: "finish"}.get(status) if status and \
            not found.run_received else None
        raise refuse(f"cannot {doing}: it needs a completed workflow run, and {what}", crate,
                     run["@id"] if run else None, first=f"tre run {step} {{path}}" if step else None)
    existing = state.last(Step.DISCLOSURE)
    if existing is not None and existing.status in (Status.COMPLETED, Status.FAILED):
        raise refuse(f"cannot {doing}: the disclosure check is already decided ({existing.name or existing.id}); "
                     "only new results put it back to pending", crate, existing.id)
    return run, existing


def update_check(
    space: Workspace,
    existing: RecordedAction | None,
    *,
    run: Entity,
    decision: DisclosureDecision | None,
    agent: Agent,
    moment: datetime,
    start: datetime | None = None,
    reason: str = "",
    results: Sequence[str] = (),
    instruments: Sequence[str] = (),
    new_id: IdFactory,
) -> Entity:
    """Write the disclosure check: ``results`` and ``instruments`` join what it lists already.

    With a ``decision`` the check records it (name, status, times, agent); with None an existing check only
    gains the results and instruments, and a missing one is created pending (``reason`` in its name).
    """
    crate = space.crate
    edit = crate.edit()
    current = crate.get(existing.id) if existing is not None else None
    if decision is None and current is not None:
        for instrument in instruments:
            edit.link(current["@id"], "instrument", instrument)
        for review in results:
            edit.link(current["@id"], "result", review)
        return current
    chosen = decision or DisclosureDecision.PENDING
    kept = {key: value for key, value in (current or {}).items() if key not in _MANAGED}
    if chosen is DisclosureDecision.REJECTED:
        kept["error"] = reason
    present = [*ref_ids((current or {}).get("result"))]
    return record_action(
        edit,
        step=Step.DISCLOSURE,
        action_id=existing.id if existing is not None else action_id(Step.DISCLOSURE, new_id),
        name=f"{CHECK_NAME}: {chosen.label}" + (f" ({reason})" if reason else ""),
        status=chosen.status,
        agent=agent,
        objects=[] if chosen is DisclosureDecision.REJECTED else ref_ids(run.get("result")),
        instruments=[*ref_ids((current or {}).get("instrument")), *instruments],
        results=[*present, *results],
        start=_started(chosen, start, current, moment),
        end=moment if chosen.final else None,
        extra=kept,
    )


def _started(decision: DisclosureDecision, start: datetime | None, current: Entity | None,
             moment: datetime) -> datetime | None:
    """The check's ``startTime``: given, else kept from an active review, else now (none for pending)."""
    if start is not None or decision is DisclosureDecision.PENDING:
        return start
    if current is not None and Status.of(current) is Status.ACTIVE and isinstance(current.get("startTime"), str):
        try:
            return datetime.fromisoformat(current["startTime"])
        except ValueError:
            return moment
    return moment


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


def reset_disclosure(crate: Crate, check_id: str, results: Sequence[str]) -> None:
    """Put a disclosure check back to pending because new ``results`` were attached; they join its ``object``.

    A check in review or approved has not seen them: it becomes ``PotentialActionStatus`` again, without
    times, and its ``name`` says why. A pending check only gains the new objects.
    """
    edit = crate.edit()
    check = crate.get(check_id)
    if check is None:
        raise EntityError("no such disclosure check", path=crate.metadata_file, entity_id=check_id)
    if Status.of(check) in (Status.ACTIVE, Status.COMPLETED):
        edit.set(check_id, "name", f"{CHECK_NAME}: {DisclosureDecision.PENDING.label} (new results attached)")
        for key in ("startTime", "endTime", "error"):
            edit.set(check_id, key, None)
        edit.set(check_id, "actionStatus", Status.POTENTIAL.value)
    for result_id in results:
        edit.link(check_id, "object", result_id)


# --- verdicts ----------------------------------------------------------------------------------------------


@dataclass
class _VerdictPlan:
    """The verdicts of one call, checked against the crate, and the verdicts in force once they are written."""

    scope: list[ScopedOutput]
    reviews: list[Entity]  # the check's reviews before this call
    new: list[tuple[ScopedOutput, Verdict, str | None]]  # with the sha256 of the bytes judged
    agent: Agent
    moment: datetime
    new_id: IdFactory
    in_force: dict[str, bool] = dataclasses.field(default_factory=dict)  # output key -> approved

    @property
    def rejected(self) -> list[ScopedOutput]:
        """The outputs whose verdict in force is a rejection."""
        return [output for output in self.scope if self.in_force.get(output.key) is False]


def _plan_verdicts(space: Workspace, check: Entity | None, verdicts: Sequence[Verdict], agent: Agent,
                   moment: datetime, new_id: IdFactory) -> _VerdictPlan:
    crate = space.crate
    with open_source(space.folder) as source:
        entries = source.crate_entries()
    scope = output_scope(crate, entries)
    plan = _VerdictPlan(scope, reviews_of(crate, check), [], agent, moment, new_id)
    digests = {output.key: file_sha256(space, output.key) for output in scope
               if output.file and entries[output.key].kind is EntryKind.FILE}
    for output in scope:
        _require_unchanged(crate, output, digests.get(output.key), plan.reviews)
        for review in plan.reviews:
            if output.entity_id is not None and reviewed(review) == output.entity_id and verdict_of(review) is not None:
                plan.in_force[output.key] = bool(verdict_of(review))
    for output, verdict in _expand(verdicts, scope):
        screened = [screening_of(r) for r in plan.reviews if output.entity_id and reviewed(r) == output.entity_id]
        if verdict.approved and not verdict.comment and ScreeningOutcome.FAIL in screened:
            raise refuse(f"cannot approve {output.key}: the screening failed it; approve it only with a comment "
                         "that justifies it", crate, output.entity_id)
        plan.new.append((output, verdict, digests.get(output.key)))
        plan.in_force[output.key] = verdict.approved
    return plan


def _expand(verdicts: Sequence[Verdict], scope: Sequence[ScopedOutput]) -> list[tuple[ScopedOutput, Verdict]]:
    """Each verdict with the outputs it names: a file, a value, an entity ``@id``, or a folder's files."""
    chosen: dict[str, tuple[ScopedOutput, Verdict]] = {}
    for verdict in verdicts:
        name = verdict.output.strip()
        folder = name.rstrip("/") + "/"
        found = [output for output in scope
                 if name in (output.key, output.entity_id) or (output.file and output.key.startswith(folder))]
        if not found:
            raise UsageError("not an output in scope of the disclosure check (a file of the run's results or under "
                             "outputs/, or a value result)", path=name)
        for output in found:
            if output.key in chosen:
                raise UsageError("two verdicts for one output", path=output.key)
            chosen[output.key] = (output, verdict)
    return list(chosen.values())


def _require_unchanged(crate: Crate, output: ScopedOutput, digest: str | None, reviews: Sequence[Entity]) -> None:
    """Refuse when an output's bytes differ from those attached, screened or judged before."""
    if digest is None or output.entity_id is None:
        return
    for review in reviews:
        recorded = review.get("sha256")
        if reviewed(review) == output.entity_id and isinstance(recorded, str) and recorded.lower() != digest:
            when = "it was screened" if screening_of(review) is not None else "its last verdict"
            raise refuse(f"the bytes of {output.key} changed since {when} (sha256 differs): screen it again",
                         crate, output.entity_id)
    entity = crate.get(output.entity_id) or {}
    if isinstance(entity.get("sha256"), str) and entity["sha256"].lower() != digest:
        raise refuse(f"the bytes of {output.key} differ from the sha256 the crate records for it", crate,
                     output.entity_id)


def _require_verdicts(crate: Crate, plan: _VerdictPlan, prune: bool) -> None:
    """An approval: with per-output reviews, a verdict for every output in scope; rejected outputs pruned."""
    if not plan.new and not any(screening_of(r) is not None or verdict_of(r) is not None for r in plan.reviews):
        return  # the approval covers the crate as a whole, as the profile's check does
    missing = [output.key for output in plan.scope if output.key not in plan.in_force]
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise refuse(f"cannot approve: {len(missing)} output(s) in scope have no verdict ({shown}); approve or "
                     "reject each", crate)
    if plan.rejected and not prune:
        shown = ", ".join(output.key for output in plan.rejected[:3])
        raise refuse(f"cannot approve: rejected outputs must be pruned first ({shown}); give prune", crate)


def _write_verdicts(space: Workspace, plan: _VerdictPlan) -> list[str]:
    """Write the planned verdicts (replacing earlier ones on the same outputs; a file nobody described is
    described, in the plan's scope too); their ``@id``\\ s."""
    crate = space.crate
    edit = crate.edit()
    written: list[str] = []
    superseded: list[str] = []
    with open_source(space.folder) as source:
        entries = source.crate_entries()
    for output, verdict, digest in plan.new:
        item = output.entity_id
        if item is None:
            item = describe_file(edit, output.key, sha256=digest, size=entries[output.key].size)
            plan.scope[plan.scope.index(output)] = dataclasses.replace(output, entity_id=item)
        elif digest is not None and "sha256" not in (crate.get(item) or {}):
            edit.set(item, "sha256", digest)
        superseded += [r["@id"] for r in plan.reviews if reviewed(r) == item and verdict_of(r) is not None]
        review_id = fresh_id("verdict", plan.new_id)
        outcome = "approved" if verdict.approved else "rejected"
        edit.add(review_entity(review_id, item=item, term=PASSED_DISCLOSURE_CHECK if verdict.approved else
                               FAILED_DISCLOSURE_CHECK, name=f"Disclosure verdict on {output.key}: {outcome}",
                               author=plan.agent.id, moment=plan.moment, body=verdict.comment, sha256=digest))
        written.append(review_id)
    drop_reviews(edit, superseded)
    ensure_agent(edit, plan.agent)
    return written


# --- withholding -------------------------------------------------------------------------------------------


def prune_outputs(space: Workspace, outputs: Sequence[ScopedOutput], *, redact: bool = False,
                  new_id: IdFactory = new_uuid) -> list[str]:
    """Withhold some outputs: delete their files and entities (and folders left empty), point their reviews to
    placeholders, redact their report entries; return what was removed."""
    crate = space.crate
    entity_ids = [output.entity_id for output in outputs if output.entity_id is not None]
    stand_in(space, entity_ids, redact=redact, new_id=new_id)
    files = [output.key for output in outputs if output.file]
    redact_report(space, files, redact=redact)
    edit = crate.edit()
    removed: list[str] = []
    for entity_id in entity_ids:
        if entity_id in crate:
            edit.remove(entity_id)
            removed.append(entity_id)
    for name in files:
        _delete(space, name, lambda path: path.unlink())
        removed.append(name)
    removed = list(dict.fromkeys(removed))
    folders = sorted({parent for name in files for parent in _parents(name)}, key=lambda f: f.count("/"),
                     reverse=True)
    described = {local_path(entity["@id"]): entity["@id"] for entity in crate.entities
                 if isinstance(entity.get("@id"), str) and has_type(entity, "Dataset")}
    for folder in folders:
        path = space.path_of(folder)
        if path.is_dir() and not any(path.iterdir()):
            _delete(space, folder, lambda empty: empty.rmdir())
            removed.append(folder + "/")
            if described.get(folder) in crate:
                edit.remove(described[folder])
                removed.append(described[folder])
    return removed


def _parents(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]


def stand_in(space: Workspace, withheld: Sequence[str], *, redact: bool, new_id: IdFactory) -> None:
    """Point every review of the ``withheld`` entities to a placeholder (one per output), without ``sha256``;
    with ``redact`` neither the placeholder nor the reviews' names say which output it was."""
    crate = space.crate
    targets = set(withheld)
    edit = crate.edit()
    placeholders: dict[str, str] = {}
    for review in [entity for entity in crate.entities if has_type(entity, "Review") and reviewed(entity) in targets]:
        item = str(reviewed(review))
        shown = local_path(item) or item
        if item not in placeholders:
            placeholders[item] = fresh_id("withheld", new_id)
            ensure_entity(edit, term_entity(WITHHELD_OUTPUT))
            edit.add({"@id": placeholders[item], "@type": "CreativeWork", "additionalType": {"@id": WITHHELD_OUTPUT},
                      "name": "Withheld output" + ("" if redact else f" {shown}"),
                      "description": "Not released: withheld by the disclosure check"})
        edit.set(review["@id"], "itemReviewed", {"@id": placeholders[item]})
        edit.set(review["@id"], "sha256", None)
        if screening_of(review) is not None:
            edit.set(review["@id"], "reviewBody", _WITHHELD_FINDINGS)
        name = review.get("name")
        if redact and isinstance(name, str):
            edit.set(review["@id"], "name", name.replace(shown, _HIDDEN).replace(item, _HIDDEN))


def redact_report(space: Workspace, names: Sequence[str], *, redact: bool) -> None:
    """In the recorded screening report, the entries of withheld outputs keep only their kind and the outcome of
    each rule: they lose their hash, size, archive members, and each finding's message, counts and cell labels,
    all derived from the output (and with ``redact`` their names); the report's entity gets the new size and
    hash."""
    path = space.path_of(REPORT_FILE)
    if not names or not path.is_file() or path.is_symlink():
        return
    try:
        document: Any = json.loads(path.read_bytes())
    except (OSError, ValueError):
        log.warning("%s is not a readable report; left as it is", REPORT_FILE)
        return
    withheld = set(names)
    hidden = 0
    for entry in document.get("outputs", []) if isinstance(document, dict) else []:
        if isinstance(entry, dict) and entry.get("name") in withheld:
            hidden += 1
            entry.update(sha256=None, size=0, parts=[])
            for finding in entry.get("findings") or []:
                if isinstance(finding, dict):
                    finding.update(message=_WITHHELD_FINDINGS, flagged=0, checked=0, locations=[])
            if redact:
                entry["name"] = f"withheld output {hidden}"
    data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    write_report(space, data)


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


def withhold_results(space: Workspace, run: Entity, *, remove_run: bool = False, redact: bool = False,
                     new_id: IdFactory = new_uuid) -> list[str]:
    """Remove the run's results from the working copy: files, entities and links; return what was removed.

    Removed: the ``result`` entities of ``run`` and what they contain through ``hasPart``, every data entity
    under ``outputs/``, the ``DigitalDocumentPermission``\\ s only they used, and the files and folders of all
    of them (everything under ``outputs/`` included). Inputs, the workflow, the root and the metadata file are
    never removed. With ``remove_run`` the ``CreateAction`` goes too, with the contextual entities that only it
    linked. Reviews of what is removed point to
    placeholders instead (names hidden with ``redact``).
    """
    crate = space.crate
    root = crate.root
    protected = {METADATA_FILE, crate.root_id or "./", run["@id"], *ref_ids(run.get("object")),
                 *(ref_ids(root.get("mainEntity")) if root else [])}
    withheld = _withheld_entities(crate, run, protected)
    stand_in(space, withheld, redact=redact, new_id=new_id)
    permissions = {permission for entity_id in withheld
                   for permission in ref_ids((crate.get(entity_id) or {}).get("hasDigitalDocumentPermission"))}
    edit = crate.edit()
    for entity_id in withheld:
        edit.remove(entity_id)
    for permission_id in sorted(permissions - protected):
        if permission_id in crate and not _referenced(crate, permission_id):
            edit.remove(permission_id)
            withheld.append(permission_id)
    files = _delete_payload(space, withheld, protected)
    redact_report(space, files, redact=redact)
    if remove_run:
        linked = [target for _key, target in crate.references(run)]
        edit.remove(run["@id"])
        withheld.append(run["@id"])
        kept = protected - set(ref_ids(run.get("object")))  # its parameter values go when nothing else links them
        withheld.extend(_drop_unlinked(crate, linked, kept))
    return [*withheld, *(name for name in files if name not in withheld)]


def _drop_unlinked(crate: Crate, candidates: list[str], protected: set[str]) -> list[str]:
    """Remove the contextual entities among ``candidates`` that nothing links to any more, and in turn what only
    they linked (the removed run's agent and parameter values): RO-Crate 1.2 asks that every contextual entity
    be linked from another. Data entities (the input files) and ``protected`` ones stay; return what went."""
    dropped: list[str] = []
    queue = list(candidates)
    while queue:
        entity_id = queue.pop(0)
        entity = crate.get(entity_id)
        if entity is None or entity_id in protected or _referenced(crate, entity_id) or is_data_entity(entity):
            continue
        queue.extend(target for _key, target in crate.references(entity) if target != entity_id)
        crate.edit().remove(entity_id)
        dropped.append(entity_id)
    return dropped


def _withheld_entities(crate: Crate, run: Entity, protected: set[str]) -> list[str]:
    """The result entities and their ``hasPart`` contents, and every data entity under ``outputs/``."""
    queue = list(ref_ids(run.get("result")))
    for entity_id in crate.ids():
        path = local_path(entity_id)
        if path is not None and _under_outputs(path):
            queue.append(entity_id)
    found: list[str] = []
    while queue:
        entity_id = queue.pop(0)
        entity = crate.get(entity_id)
        if entity is None or entity_id in protected or entity_id in found:
            continue
        found.append(entity_id)
        if has_type(entity, "Dataset"):
            queue.extend(ref_ids(entity.get("hasPart")))
    return found


def _under_outputs(path: str) -> bool:
    return path == OUTPUTS_FOLDER or path.startswith(OUTPUTS_FOLDER + "/")


def _referenced(crate: Crate, entity_id: str) -> bool:
    return any(target == entity_id for entity in crate.entities for _key, target in crate.references(entity))


def _delete_payload(space: Workspace, withheld: list[str], protected: set[str]) -> list[str]:
    """Delete the files of withheld data entities and everything under ``outputs/``; return the names deleted."""
    prefixes = [path for path in (local_path(entity_id) for entity_id in withheld) if path is not None]
    prefixes.append(OUTPUTS_FOLDER)
    kept = [path for path in (local_path(entity_id) for entity_id in protected) if path is not None]
    with open_source(space.folder) as source:
        entries = source.crate_entries()

    def covered(name: str, paths: list[str]) -> bool:
        return any(name == path or name.startswith(path + "/") for path in paths)

    deleted: list[str] = []
    for name in sorted(entries):
        if entries[name].kind is not EntryKind.DIRECTORY and covered(name, prefixes) and not covered(name, kept):
            _delete(space, name, lambda path: path.unlink())
            deleted.append(name)
    folders = [name for name, entry in entries.items() if entry.kind is EntryKind.DIRECTORY and covered(name, prefixes)]
    for name in sorted(folders, key=lambda folder: folder.count("/"), reverse=True):
        if not any(space.path_of(name).iterdir()):
            _delete(space, name, lambda path: path.rmdir())
            deleted.append(name + "/")
    return deleted


def _delete(space: Workspace, name: str, delete: Callable[[Path], None]) -> None:
    with writing(name):
        delete(space.path_of(name))


__all__ = [
    "CHECK_NAME",
    "REPORT_FILE",
    "DisclosureDecision",
    "Verdict",
    "drop_reviews",
    "open_check",
    "prune_outputs",
    "record_disclosure",
    "redact_report",
    "reset_disclosure",
    "stand_in",
    "update_check",
    "withhold_results",
    "write_report",
]
