"""Check phase: verify a submitted bag against its BagIt payload and tag manifests, and record the outcome.

The profile (section "Check phase") asks that, before any further processing, the crate is checked for
integrity and completeness against the BagIt payload manifest and tag manifest, considering at least SHA-512.
:func:`record_check` verifies the bag *as it was given* (:func:`~..packaging.verify_bag` on the original
folder or ZIP, before the working copy's manifests are regenerated) and records a ``CheckValue``
``AssessAction`` whose ``instrument`` is the sha-512 ``DefinedTerm``:

* it passes when no problem reaches MUST level (RFC 8493 validity: nothing missing, changed, extra or
  unreadable, a consistent ``Payload-Oxum``...) **and** the bag has both ``manifest-sha512.txt`` and
  ``tagmanifest-sha512.txt`` (other algorithms are verified too, but do not replace SHA-512);
* otherwise the action is ``FailedActionStatus``, its ``description`` lists the reasons, one per line and per
  file (at most :data:`MAX_REASONS`), and the lifecycle ends there.

The step needs a bag (a plain crate folder has no manifests to check) and a crate not checked yet; it is
refused after a failed step or publishing, even when only the crate claims them. The check is the TRE's
*intake*: the steps after it count only the actions recorded from it on (:class:`~.lifecycle.Provenance`), so
a review action a client put in the crate never counts, whether or not it was sanitized first.
A failed check is still written with fresh manifests, so the crate handed back is internally consistent
while its metadata says that the submission was not.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..issues import Severity
from ..model.entities import Entity
from ..model.lifecycle import LifecycleState, Status, Step, lifecycle_state
from ..model.source import DEFAULT_LIMITS, Limits, open_source
from ..model.vocab import SHA512_TERM
from ..packaging import BagVerification, ProgressCallback, verify_bag
from ..signing.writer import SignHook
from .lifecycle import (
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
from .workspace import Workspace

log = logging.getLogger(__name__)

ALGORITHM = "sha512"
"""The algorithm the check phase requires in both the payload and the tag manifests."""

SHA512_ENTITY: Entity = {"@id": SHA512_TERM, "@type": "DefinedTerm", "name": "sha-512 algorithm"}
"""The contextual entity of the check's ``instrument``, as in the profile's example."""

MAX_REASONS = 50
"""At most this many reasons are written to a failed action's ``description``; a last line counts the rest."""


def integrity_problems(verification: BagVerification) -> list[str]:
    """Why a verified bag fails the check phase, one line per problem and file; empty when it passes."""
    reasons = []
    if not any(m.algorithm == ALGORITHM for m in verification.info.payload_manifests):
        reasons.append(f"no manifest-{ALGORITHM}.txt: the payload is not covered by SHA-512 checksums")
    if not any(m.algorithm == ALGORITHM for m in verification.info.tag_manifests):
        reasons.append(f"no tagmanifest-{ALGORITHM}.txt: the tag files are not covered by SHA-512 checksums")
    reasons.extend(p.message for p in verification.problems if p.severity >= Severity.MUST)
    return reasons


def verify_original(
    space: Workspace, limits: Limits = DEFAULT_LIMITS, progress: ProgressCallback | None = None
) -> tuple[BagVerification, list[str]]:
    """Verify the bag a step was given (not its working copy) and say why it fails the check phase, if it does;
    ``progress(done, total)`` follows the bytes hashed."""
    with open_source(space.target, limits) as source:
        verification = verify_bag(source, progress=progress)
    return verification, integrity_problems(verification)


def describe_reasons(reasons: list[str]) -> str:
    """The reasons as lines for an action's ``description``, cut after :data:`MAX_REASONS`."""
    shown = reasons[:MAX_REASONS]
    if len(reasons) > MAX_REASONS:
        shown.append(f"... and {len(reasons) - MAX_REASONS} more")
    return "\n".join(shown)


def record_check(
    target: str | os.PathLike[str],
    *,
    agent: Agent,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback | None = None,
) -> StepResult:
    """Check phase: verify the bag's SHA-512 payload and tag manifests and record the ``CheckValue`` assessment.

    A bag that fails is recorded as failed (``FailedActionStatus``, per-file reasons in ``description``),
    which ends the lifecycle: a bag that fails is not an error.

    ``target`` is a bag folder or bag ZIP (a crate folder is refused with
    :class:`~fivesafes_crate.errors.UsageError`). Refused (:class:`~.lifecycle.StepRefused`, crate untouched)
    when a check is recorded already, after a failed step, and after publishing. ``progress(done, total)`` follows
    the bytes hashed (the payload and tag files of a large bag take seconds).
    """
    now = clock or system_clock
    ids = new_id or new_uuid

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        require_open(lifecycle_state(crate), crate, "check the bag")  # the intake refuses on claims too
        previous = state.last(Step.CHECK)
        if previous is not None:
            raise refuse(f"cannot check the bag: it was checked already ({previous.name or previous.id}); the check "
                         "phase verifies the bag as submitted, once", crate, previous.id)
        start = now()
        verification, reasons = verify_original(space, limits, progress)
        space.known = verification.known  # a bag folder's working copy links the files just hashed: hash once
        end = now()
        editor = crate.edit()
        ensure_entity(editor, SHA512_ENTITY)
        checked = f"{verification.files_checked} file(s) verified against the {ALGORITHM} payload and tag manifests"
        if reasons:
            status, outcome = Status.FAILED, f"failed ({len(reasons)} problem(s))"
            description = describe_reasons(reasons)
        else:
            status, outcome, description = Status.COMPLETED, "OK", checked
        action = record_action(
            editor, step=Step.CHECK, action_id=action_id(Step.CHECK, ids), name=f"BagIt checksum of Crate: {outcome}",
            status=status, agent=agent, instruments=[SHA512_TERM], start=start, end=end,
            extra={"description": description},
        )
        space.touch()
        log.info("check of %s: %s", Path(target).name, outcome)
        summary = f"check: BagIt checksum of Crate: {outcome}" + (f": {reasons[0]}" if reasons else f" ({checked})")
        return action, summary

    return apply_step(target, body, clock=now, step=Step.CHECK, require_bag=True, sign=sign, limits=limits)


__all__ = ["ALGORITHM", "MAX_REASONS", "SHA512_ENTITY", "describe_reasons", "integrity_problems", "record_check",
           "verify_original"]
