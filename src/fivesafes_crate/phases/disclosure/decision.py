"""The disclosure check of the workflow results: its decision, recorded in the one ``DisclosureCheck``.

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
tools used (the screening's policy and report), its ``result`` the per-output ``Review``\\ s
(:mod:`..reviews`); instruments and reviews accumulate over the check's updates. The check needs a completed
workflow run; approved and rejected are final, except that attaching new results
(:func:`~..results.add_results`) puts an approved check back to pending (:func:`reset_disclosure`).

:func:`record_disclosure` records a decision with the checker's per-output verdicts (:mod:`.verdicts`) and,
for a rejection or a prune, withholds what is not approved (:mod:`.withholding`); the screening step
(:mod:`.screening`) opens and updates the same check (:func:`open_check`, :func:`update_check`).
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import os
from collections.abc import Sequence
from datetime import datetime

from ...errors import UsageError
from ...model.crate import Crate, EntityError
from ...model.entities import Entity, ref_ids
from ...model.lifecycle import LifecycleState, RecordedAction, Status, Step, main_action, provenance
from ...model.source import DEFAULT_LIMITS, Limits
from ...signing.writer import SignHook
from ..lifecycle import (
    Agent,
    Clock,
    IdFactory,
    StepResult,
    action_id,
    apply_step,
    ensure_entity,
    new_uuid,
    record_action,
    refuse,
    require_open,
    system_clock,
)
from ..workspace import Workspace
from .verdicts import Verdict, checked_verdicts, plan_verdicts, require_verdicts, write_verdicts
from .withholding import prune_outputs, withhold_results

log = logging.getLogger(__name__)

CHECK_NAME = "Disclosure check of workflow results"
"""The start of every disclosure check's ``name``; the decision (and reason) follow it."""

_MANAGED = frozenset({"@id", "@type", "additionalType", "name", "startTime", "endTime", "object", "instrument",
                      "result", "agent", "actionStatus", "error"})
"""Properties a recorded decision rewrites; any other property of an existing check is kept."""


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

    Refused (:class:`~..lifecycle.StepRefused`, crate untouched) unless the workflow run completed, after an
    approval or rejection (until new results reset it), after a failed step and after publishing, and when a
    guard rail of :mod:`.verdicts` holds.
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
    given = checked_verdicts(verdicts)
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
            plan = plan_verdicts(space, current, given, agent, moment, make_id)
            if decision is DisclosureDecision.APPROVED:
                require_verdicts(crate, plan, prune)
            written += write_verdicts(space, plan)
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


__all__ = [
    "CHECK_NAME",
    "DisclosureDecision",
    "open_check",
    "record_disclosure",
    "reset_disclosure",
    "update_check",
]
