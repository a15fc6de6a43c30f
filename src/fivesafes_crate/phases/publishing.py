"""Publishing phase: the housekeeping before a disclosure-approved crate goes back to the researcher.

What the profile's "Publishing phase" asks, in one step on a bag (folder or ZIP):

* the root gets ``datePublished`` (the time the manifests are written), ``publisher`` (the TRE
  ``Organization``) and ``license`` (the licence of the output data, described as a ``CreativeWork``);
* ``mentions`` is expanded to every assessment and review action in the crate (the sanitizing step removed
  client-submitted ones), and ``hasPart`` to every ``File``/``Dataset`` result of the run not reached yet;
* a ``GenerateCheckValue`` ``UpdateAction`` (``instrument`` the sha-512 ``DefinedTerm``) is written *before*
  the manifests, so it is ``CompletedActionStatus`` with a ``startTime`` and no ``endTime``, as the profile
  notes. The commit of the working copy then regenerates the payload manifest and then the tag manifest,
  in that order (the tag manifest covers the payload manifest).

Publishing needs an approved (completed) disclosure check and happens once: a published crate must not
change any more (:func:`~.lifecycle.require_open`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..errors import UsageError
from ..model.entities import Entity, has_type, parts_closure, ref_ids
from ..model.lifecycle import LifecycleState, Status, Step, main_action, provenance, step_of
from ..model.source import DEFAULT_LIMITS, Limits
from ..model.vocab import SHA512_TERM, uri_scheme
from ..signing.writer import SignHook
from .lifecycle import (
    Agent,
    AgentKind,
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
    timestamp,
)
from .workspace import Workspace

log = logging.getLogger(__name__)

PUBLISHING_NAME = "BagIt manifests of Crate updated"
"""The ``name`` of the ``GenerateCheckValue`` action, as in the profile's example."""

SHA512_ENTITY: Entity = {"@id": SHA512_TERM, "@type": "DefinedTerm", "name": "sha-512 algorithm"}

_ASSESSMENT_TYPES = ("AssessAction", "DownloadAction")
_DISCLOSURE_STATES: dict[Status | None, str] = {Status.POTENTIAL: "pending", Status.ACTIVE: "in review"}


@dataclass(frozen=True)
class License:
    """The licence of the output data: a URI (an SPDX licence, or the TRE's conditions of access) and a name.

    Without ``name``, the last segment of the URI is used (``CC-BY-4.0``). An SPDX URI also gives the
    entity its ``identifier``.
    """

    id: str
    name: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not uri_scheme(self.id) or any(c.isspace() for c in self.id):
            raise UsageError(f"the licence {self.id!r} must be an absolute URI")
        if self.name is not None and not self.name.strip():
            raise UsageError("a licence name cannot be empty", entity_id=self.id)

    @property
    def short_id(self) -> str:
        """The last segment of the URI (``CC-BY-4.0`` for ``https://spdx.org/licenses/CC-BY-4.0``)."""
        path = urlsplit(self.id).path.rstrip("/").removesuffix(".html")
        return unquote(path.rsplit("/", 1)[-1]) or self.id

    def entity(self) -> Entity:
        """The licence's contextual entity (a ``CreativeWork``)."""
        entity: Entity = {"@id": self.id, "@type": "CreativeWork", "name": self.name or self.short_id}
        if urlsplit(self.id).hostname == "spdx.org":
            entity["identifier"] = self.short_id
        return entity


def publish(
    target: str | os.PathLike[str],
    *,
    publisher: Agent,
    license: License,
    agent: Agent,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Publishing phase: ``datePublished``, ``publisher``, ``license``, every assessment in ``mentions``, every
    result in ``hasPart``, and the ``GenerateCheckValue`` action; then the payload and tag manifests.

    ``publisher`` is the TRE ``Organization``; ``agent`` performs the step (often the TRE's software). The
    action id is ``#bagit-<new_id()>``. Works on a bag folder or bag ZIP only (a plain folder has no manifests
    to regenerate). Refused (:class:`~.lifecycle.StepRefused`, crate untouched) without an approved
    disclosure check, after a failed step, and when the crate is published already.
    """
    if publisher.kind is not AgentKind.ORGANIZATION:
        raise UsageError("the publisher is the TRE Organization", entity_id=publisher.id)
    now = clock or system_clock

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        require_open(state, crate, "publish the crate")
        check = state.last(Step.DISCLOSURE)
        if check is None or check.status is not Status.COMPLETED:
            found = "none is recorded" + provenance(crate).note(Step.DISCLOSURE) if check is None else \
                f"it is {_DISCLOSURE_STATES.get(check.status, 'open')}"
            raise refuse(f"cannot publish: the crate needs an approved disclosure check, and {found}", crate,
                         check.id if check else None,
                         first="disclosure record {path} --decision approved")
        moment = now()
        edit = crate.edit()
        root_id = crate.root_id or "./"
        edit.set(root_id, "datePublished", timestamp(moment))
        edit.set(root_id, "publisher", {"@id": publisher.id})
        edit.set(root_id, "license", {"@id": license.id})
        ensure_agent(edit, publisher)
        ensure_entity(edit, license.entity())
        for entity in crate.entities:
            entity_id = entity.get("@id")
            if isinstance(entity_id, str) and (step_of(entity) is not None
                                               or any(has_type(entity, kind) for kind in _ASSESSMENT_TYPES)):
                edit.link(root_id, "mentions", entity_id)
        run = main_action(crate)
        reached = parts_closure(crate.root, crate.get)
        for result_id in ref_ids(run.get("result")) if run is not None else []:
            result = crate.get(result_id)
            if result is not None and result_id not in reached and _is_data(result):
                edit.link(root_id, "hasPart", result_id)
        action = record_action(
            edit,
            step=Step.PUBLISHING,
            action_id=action_id(Step.PUBLISHING, new_id or new_uuid),
            name=PUBLISHING_NAME,
            status=Status.COMPLETED,
            agent=agent,
            instruments=[SHA512_TERM],
            start=moment,
        )
        ensure_entity(edit, SHA512_ENTITY)
        space.touch()
        log.info("published %s", space.target)
        return action, f"publishing: published by {publisher.name} at {timestamp(moment)}; manifests regenerated"

    return apply_step(target, body, clock=now, step=Step.PUBLISHING, require_bag=True, sign=sign, limits=limits)


def _is_data(entity: Entity) -> bool:
    return has_type(entity, "File") or has_type(entity, "Dataset")


__all__ = ["PUBLISHING_NAME", "SHA512_ENTITY", "License", "publish"]
