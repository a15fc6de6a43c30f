"""Sign-off phase: record whether the requesting agent may run the workflow for the responsible project.

The profile (section "Sign-off phase") has the TRE check the request against its Agreement policy before
execution, manually or automatically, as the ``agent`` shows. :func:`record_signoff` records that decision as
a ``SignOff`` ``AssessAction``:

* ``instrument`` the agreement policy, described as a ``CreativeWork`` (its name given, or made from its
  ``@id``);
* ``object`` the root, the workflow (the root's ``mainEntity``) and the responsible project (the root's
  ``sourceOrganization``), as far as the crate names them;
* approved: ``CompletedActionStatus``, named "...: approved"; rejected: ``FailedActionStatus``, named
  "...: rejected", which ends the lifecycle (no run, no publishing). An optional ``reason`` becomes the
  action's ``description``.

The step needs a completed validation (a workflow retrieval is optional) and happens once: a second sign-off is
refused, whatever the first decided. It is refused after a failed step and after publishing.
"""

from __future__ import annotations

import logging
import os

from ..errors import UsageError
from ..model.entities import Entity, ref_ids
from ..model.lifecycle import LifecycleState, Status, Step, provenance
from ..model.source import DEFAULT_LIMITS, Limits
from ..model.vocab import uri_scheme
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

SIGNOFF_NAME = "Sign-off of execution according to Agreement policy"
"""The start of the action's ``name``; ``: approved`` or ``: rejected`` follows."""


def _check_policy(policy: str) -> None:
    spaced = not isinstance(policy, str) or any(c.isspace() for c in policy)
    if spaced or not (uri_scheme(policy) or (policy.startswith("#") and len(policy) > 1)):
        raise UsageError(f"the agreement policy {policy!r} must be an absolute URI or a #fragment")


def record_signoff(
    target: str | os.PathLike[str],
    *,
    agent: Agent,
    approved: bool,
    policy: str,
    policy_name: str | None = None,
    reason: str | None = None,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Sign-off phase: record the ``SignOff`` assessment under the agreement ``policy`` (a ``CreativeWork``).

    ``object`` is the root, the workflow and the responsible project. A rejection (``approved=False``) is
    ``FailedActionStatus`` and ends the lifecycle. Refused
    (:class:`~.lifecycle.StepRefused`, crate untouched) without a completed validation, when a sign-off is
    recorded already, after a failed step and after publishing.
    """
    _check_policy(policy)
    if reason is not None and not reason.strip():
        raise UsageError("a sign-off reason, when given, must not be empty")
    now = clock or system_clock
    ids = new_id or new_uuid
    decision = "approved" if approved else "rejected"

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        require_open(state, crate, "record the sign-off")
        validation = state.last(Step.VALIDATION)
        if validation is None or validation.status is not Status.COMPLETED:
            found = "none is recorded" + provenance(crate).note(Step.VALIDATION) if validation is None else \
                "it failed or is not finished"
            raise refuse(f"cannot record the sign-off: it needs a completed validation, and {found}", crate,
                         validation.id if validation else None,
                         first="tre validate {path}" if validation is None else None)
        previous = state.last(Step.SIGN_OFF)
        if previous is not None:
            raise refuse(f"cannot record the sign-off: it was recorded already ({previous.name or previous.id}); a "
                         "request is signed off once", crate, previous.id)
        start = now()
        root = crate.root or {}
        assessed = [*ref_ids(root.get("mainEntity"))[:1], *ref_ids(root.get("sourceOrganization"))[:1]]
        editor = crate.edit()
        described = policy_name or f"Agreement policy {policy}"
        ensure_entity(editor, {"@id": policy, "@type": "CreativeWork", "name": described})
        end = now()
        action = record_action(
            editor, step=Step.SIGN_OFF, action_id=action_id(Step.SIGN_OFF, ids), name=f"{SIGNOFF_NAME}: {decision}",
            status=Status.COMPLETED if approved else Status.FAILED, agent=agent, objects=assessed,
            instruments=[policy], start=start, end=end, extra={"description": reason} if reason else None,
        )
        space.touch()
        log.info("sign-off of %s: %s", os.fspath(target), decision)
        because = f": {' '.join(reason.split())}" if reason else ""
        return action, f"sign-off: {decision} under {policy}{because}"

    return apply_step(target, body, clock=now, step=Step.SIGN_OFF, sign=sign, limits=limits)


__all__ = ["SIGNOFF_NAME", "record_signoff"]
