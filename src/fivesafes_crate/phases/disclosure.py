"""Disclosure phase: the crate-level ``DisclosureCheck`` of the workflow results, and withholding rejected results.

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

Its ``object`` is the root followed by the run's results (what was assessed). The check needs a completed
workflow run; approved and rejected are final, except that attaching new results
(:func:`~.results.add_results`) puts an approved check back to pending (:func:`reset_disclosure`).

A rejected crate may still be handed back to the researcher, but nothing un-approved may leave the TRE: the
rejection deletes the result payload (the files of the run's result entities and everything under
``outputs/``), the output entities (with their ``hasPart`` contents and their ``DigitalDocumentPermission``\\ s)
and every link to them (``result``, ``hasPart``, ``object``). The ``CreateAction`` stays by default, since the
profile requires one in every crate; ``remove_run`` also removes it, as the profile's SHOULD describes (the
validator then no longer asks for one). Inputs, the workflow and the root are never removed.

Per-output verdicts and automated screening plug in through ``reviews`` (entities such as schema.org
``Review``\\ s, written to the crate and listed as the check's ``result``) and ``instruments`` (the rule sets or
screening tools used, described as contextual entities and listed as its ``instrument``).
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from ..errors import FiveSafesError, UsageError
from ..model.crate import Crate
from ..model.entities import Entity, has_type, local_path, ref_ids
from ..model.source import DEFAULT_LIMITS, METADATA_FILE, EntryKind, Limits, open_source
from .lifecycle import (
    Agent,
    Clock,
    IdFactory,
    LifecycleState,
    SignHook,
    Status,
    Step,
    StepResult,
    action_id,
    apply_step,
    ensure_entity,
    main_action,
    new_uuid,
    record_action,
    refuse,
    require_open,
    system_clock,
)
from .workspace import Workspace

log = logging.getLogger(__name__)

CHECK_NAME = "Disclosure check of workflow results"
"""The start of every disclosure check's ``name``; the decision (and reason) follow it."""

OUTPUTS_FOLDER = "outputs"
"""The folder the profile recommends for outputs; everything under it is withheld on rejection."""

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
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Record the disclosure check's ``decision`` by ``agent`` (see the module docstring for what is written).

    ``reason`` ends the ``name`` in brackets (``pending (estimate: 1 week)``) and, for a rejection, where it
    is required, is also the ``error``. ``start`` is the predicted start of a pending check, or when the
    review started. A rejection withholds the results, and with ``remove_run`` the ``CreateAction`` too;
    ``StepResult.removed`` lists the entities and files removed. ``reviews`` and ``instruments`` are
    entities (each with an ``@id`` and ``@type``) recorded as the check's ``result`` and ``instrument``.

    Refused (:class:`~.lifecycle.StepRefused`, crate untouched) unless the workflow run completed, after an
    approval or rejection (until new results reset it), after a failed step and after publishing.
    """
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if decision is DisclosureDecision.REJECTED and not text:
        raise UsageError("a rejected disclosure check needs a reason")
    if remove_run and decision is not DisclosureDecision.REJECTED:
        raise UsageError("the workflow run can only be removed when the disclosure check is rejected")
    for entity in (*reviews, *instruments):
        _check_entity(entity)
    now = clock or system_clock
    removed: list[str] = []

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        require_open(state, crate, "record the disclosure check")
        run = main_action(crate)
        if run is None or Status.of(run) is not Status.COMPLETED:
            what = "there is none" if run is None else f"it is {(Status.of(run) or Status.POTENTIAL).label}"
            raise refuse(f"cannot record the disclosure check: it needs a completed workflow run, and {what}",
                         crate, run["@id"] if run else None)
        existing = state.last(Step.DISCLOSURE)
        if existing is not None and existing.status in (Status.COMPLETED, Status.FAILED):
            raise refuse("cannot record the disclosure check: it is already decided "
                         f"({existing.name or existing.id}); only new results put it back to pending",
                         crate, existing.id)
        current = crate.get(existing.id) if existing is not None else None
        moment = now()
        begun = _started(decision, start, current, moment)
        edit = crate.edit()
        for entity in instruments:
            ensure_entity(edit, entity)  # a rule set or tool may be described already: reused, not duplicated
        for entity in reviews:
            edit.put(dict(entity))
        kept = {key: value for key, value in (current or {}).items() if key not in _MANAGED}
        if decision is DisclosureDecision.REJECTED:
            kept["error"] = text
        action = record_action(
            edit,
            step=Step.DISCLOSURE,
            action_id=existing.id if existing is not None else action_id(Step.DISCLOSURE, new_id or new_uuid),
            name=f"{CHECK_NAME}: {decision.label}" + (f" ({text})" if text else ""),
            status=decision.status,
            agent=agent,
            objects=[] if decision is DisclosureDecision.REJECTED else ref_ids(run.get("result")),
            instruments=[entity["@id"] for entity in instruments],
            results=[entity["@id"] for entity in reviews],
            start=begun,
            end=moment if decision.final else None,
            extra=kept,
        )
        if decision is DisclosureDecision.REJECTED:
            removed.extend(withhold_results(space, run, remove_run=remove_run))
        space.touch()
        log.info("disclosure check %s: %s", action["@id"], decision.value)
        summary = f"disclosure check: {decision.label}" + (f" ({text})" if text else "")
        if removed:
            summary += f"; results withheld ({len(removed)} entities and files removed)"
        return action, summary

    result = apply_step(target, body, clock=now, step=Step.DISCLOSURE, sign=sign, limits=limits)
    return dataclasses.replace(result, removed=tuple(removed))


def _check_entity(entity: Entity) -> None:
    if not isinstance(entity, dict) or not isinstance(entity.get("@id"), str) or not entity["@id"]:
        raise UsageError("a review or instrument must be an entity with a string @id")
    if not entity.get("@type"):
        raise UsageError("a review or instrument needs an @type", entity_id=entity["@id"])


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
        raise FiveSafesError("no such disclosure check", path=crate.metadata_file, entity_id=check_id)
    if Status.of(check) in (Status.ACTIVE, Status.COMPLETED):
        edit.set(check_id, "name", f"{CHECK_NAME}: {DisclosureDecision.PENDING.label} (new results attached)")
        for key in ("startTime", "endTime", "error"):
            edit.set(check_id, key, None)
        edit.set(check_id, "actionStatus", Status.POTENTIAL.value)
    for result_id in results:
        edit.link(check_id, "object", result_id)


def withhold_results(space: Workspace, run: Entity, *, remove_run: bool = False) -> list[str]:
    """Remove the run's results from the working copy: files, entities and links; return what was removed.

    Removed: the ``result`` entities of ``run`` and what they contain through ``hasPart``, every data entity
    under ``outputs/``, the ``DigitalDocumentPermission``\\ s only they used, and the files and folders of all
    of them (everything under ``outputs/`` included). Inputs, the workflow, the root and the metadata file are
    never removed. With ``remove_run`` the ``CreateAction`` goes too.
    """
    crate = space.crate
    root = crate.root
    protected = {METADATA_FILE, crate.root_id or "./", run["@id"], *ref_ids(run.get("object")),
                 *(ref_ids(root.get("mainEntity")) if root else [])}
    withheld = _withheld_entities(crate, run, protected)
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
    if remove_run:
        edit.remove(run["@id"])
        withheld.append(run["@id"])
    return [*withheld, *(name for name in files if name not in withheld)]


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
    try:
        delete(space.path_of(name))
    except OSError as exc:
        raise FiveSafesError(f"cannot delete a withheld result: {exc.strerror or exc}", path=name) from exc


__all__ = [
    "CHECK_NAME",
    "OUTPUTS_FOLDER",
    "DisclosureDecision",
    "record_disclosure",
    "reset_disclosure",
    "withhold_results",
]
