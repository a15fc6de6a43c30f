"""What every lifecycle step shares when it writes: agents, the clock, refusals and the recorded action.

A TRE records each review step as an action mentioned from the root data entity (profile section "Review
process"): ``additionalType`` an SHP term, ``actionStatus``, ``agent``, ``object`` (the root first, then what
was assessed), ``startTime``/``endTime`` in RFC 3339 with an offset, and a ``name`` that states the outcome.
This module builds those entities (:func:`record_action`), reuses agent entities instead of duplicating
them (:func:`ensure_agent`), and runs a step on a working copy (:func:`apply_step`). Where a crate stands
(:func:`~fivesafes_crate.model.lifecycle.lifecycle_state`) is read in :mod:`fivesafes_crate.model.lifecycle`,
the read side this module mirrors on purpose (same name: that one reads, this one writes); every step
consults it to refuse being run out of order (:class:`StepRefused`).

Which actions are the TRE's: :func:`apply_step` hands every step the state this TRE recorded since intake
(:func:`~fivesafes_crate.model.lifecycle.provenance`), never a review action a client put in the crate.
"""

from __future__ import annotations

import copy
import enum
import os
import re
import shlex
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CrateStateError, UsageError
from ..model.crate import Crate, CrateEditor
from ..model.entities import JSON, Entity
from ..model.lifecycle import LifecycleState, Status, Step, provenance
from ..model.source import DEFAULT_LIMITS, Limits
from ..model.vocab import uri_scheme
from .workspace import Workspace, workspace

if TYPE_CHECKING:
    from ..signing.writer import SignHook

Clock = Callable[[], datetime]
"""Returns the current time; injected so that golden files are byte-identical."""

IdFactory = Callable[[], str]
"""Returns a fresh unique string (default: a UUID 4) from which action ids are made."""


class StepRefused(CrateStateError):
    """A step cannot be applied to the crate in its current state (out of order, repeated, or ended).

    Raised before anything is written: the crate is left byte-identical. ``path`` is the input as given;
    ``command``, when the step lacks an earlier one, is the command that records it
    (``fivesafes tre check fresh.zip``), which the message suggests running first.
    """

    def __init__(
        self, message: str, *, path: str | None = None, entity_id: str | None = None, command: str | None = None
    ) -> None:
        super().__init__(message, path=path, entity_id=entity_id)
        self.command = command


def system_clock() -> datetime:
    """The current time in the local time zone, with its offset (RFC 3339 needs one)."""
    return datetime.now(UTC).astimezone()


def new_uuid() -> str:
    """A random UUID 4 as text: the default id factory."""
    return str(uuid.uuid4())


def timestamp(moment: datetime) -> str:
    """``moment`` in RFC 3339 with its offset, to the second; a naive time is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


# --- agents ------------------------------------------------------------------------------------------------


class AgentKind(enum.Enum):
    """Who performs a step, as the profile allows: a TRE organisation, a person, or software."""

    ORGANIZATION = "Organization"
    PERSON = "Person"
    SOFTWARE = "SoftwareApplication"


_FRAGMENT = re.compile(r"^#[^\s#]+$")


@dataclass(frozen=True)
class Agent:
    """The agent of a step, described in the crate as a contextual entity with at least a name.

    ``id`` is an absolute URI (an ORCID, the TRE's home page) or a ``#fragment``. A ``SoftwareApplication``
    acting for a TRE must name the TRE ``Organization`` as ``provider`` (a MUST of the profile).
    """

    id: str
    name: str
    kind: AgentKind = AgentKind.ORGANIZATION
    provider: Agent | None = None

    def __post_init__(self) -> None:
        absolute = isinstance(self.id, str) and bool(uri_scheme(self.id)) and not any(c.isspace() for c in self.id)
        if not absolute and not (isinstance(self.id, str) and _FRAGMENT.match(self.id)):
            raise UsageError(f"agent id {self.id!r} must be an absolute URI or a #fragment")
        if not isinstance(self.name, str) or not self.name.strip():
            raise UsageError("an agent needs a name", path=None, entity_id=self.id)
        if self.kind is AgentKind.SOFTWARE:
            if self.provider is None or self.provider.kind is not AgentKind.ORGANIZATION:
                raise UsageError("a SoftwareApplication agent needs its TRE Organization as provider",
                                 entity_id=self.id)
        elif self.provider is not None:
            raise UsageError("only a SoftwareApplication agent has a provider", entity_id=self.id)

    def entities(self) -> list[Entity]:
        """This agent's entity, then its provider's."""
        entity: Entity = {"@id": self.id, "@type": self.kind.value, "name": self.name}
        if self.provider is None:
            return [entity]
        entity["provider"] = {"@id": self.provider.id}
        return [entity, *self.provider.entities()]

    @property
    def organization(self) -> Agent | None:
        """The TRE organisation this agent is or acts for (None for a person)."""
        if self.kind is AgentKind.ORGANIZATION:
            return self
        return self.provider


def ensure_entity(editor: CrateEditor, entity: Entity) -> None:
    """Add a contextual entity unless one with its ``@id`` exists; an existing one gains missing properties.

    Existing values are never overwritten: the crate's own description wins, and nothing is duplicated.
    """
    current = editor.crate.get(entity["@id"])
    if current is None:
        editor.add(dict(entity))
        return
    for key, value in entity.items():
        if key not in current:
            editor.set(entity["@id"], key, value)


def ensure_agent(editor: CrateEditor, agent: Agent) -> None:
    """Describe ``agent`` (and its provider) in the crate, reusing entities that exist."""
    for entity in agent.entities():
        ensure_entity(editor, entity)


# --- refusing steps and recording actions -------------------------------------------------------------------


def refuse(message: str, crate: Crate, entity_id: str | None = None, *, first: str | None = None) -> StepRefused:
    """A :class:`StepRefused` naming the input as the user gave it (and the entity concerned).

    ``first`` is the ``fivesafes`` command that records what the step lacks, ``{path}`` standing for the input
    (``"tre check {path}"``); the message then ends ``run 'fivesafes tre check fresh.zip' first``.
    """
    command = None
    if first is not None:
        command = "fivesafes " + first.format(path=shlex.quote(crate.metadata_file))
        message = f"{message}; run {command!r} first"  # in double quotes when a quoted path needs them
    return StepRefused(message, path=crate.metadata_file, entity_id=entity_id, command=command)


def require_open(state: LifecycleState, crate: Crate, doing: str) -> None:
    """Refuse ``doing`` when a failed step ended the lifecycle or the crate was published."""
    ended = state.ended
    if ended is not None:
        raise refuse(f"cannot {doing}: the {ended.step.label} failed ({ended.name or ended.id}), which ends the "
                     "lifecycle", crate, ended.id)
    if state.published:
        raise refuse(f"cannot {doing}: the crate was published; it must not change any more", crate)


def action_id(step: Step, new_id: IdFactory) -> str:
    """A fresh action id ``#<prefix>-<id>`` (``#check-3f2b...``)."""
    value = new_id()
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise UsageError("the id factory must return a non-empty string without spaces")
    return f"#{step.value}-{value}"


def record_action(
    editor: CrateEditor,
    *,
    step: Step,
    action_id: str,
    name: str,
    status: Status,
    agent: Agent,
    objects: Sequence[str] = (),
    instruments: Sequence[str] = (),
    results: Sequence[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    extra: dict[str, JSON] | None = None,
) -> Entity:
    """Add (or replace, same ``@id``) a step's action, mention it from the root and describe its agent.

    ``object`` is the root followed by ``objects``; single references are written as objects, several as
    lists, as the profile's examples do. Returns the entity written.
    """
    root_id = editor.crate.root_id or "./"
    entity: Entity = {"@id": action_id, "@type": step.action_type}
    if step.term is not None:
        entity["additionalType"] = {"@id": step.term}
    entity["name"] = name
    if start is not None:
        entity["startTime"] = timestamp(start)
    if end is not None:
        entity["endTime"] = timestamp(end)
    entity["object"] = _references([root_id, *objects])
    if instruments:
        entity["instrument"] = _references(instruments)
    if results:
        entity["result"] = _references(results)
    entity["agent"] = {"@id": agent.id}
    entity["actionStatus"] = status.value
    entity.update(extra or {})
    editor.put(entity)
    editor.link(root_id, "mentions", action_id)
    ensure_agent(editor, agent)
    return entity


def _references(ids: Iterable[str]) -> JSON:
    unique = list(dict.fromkeys(ids))
    values = [{"@id": i} for i in unique]
    return values[0] if len(values) == 1 else values


@dataclass(frozen=True)
class StepResult:
    """What a step did: the crate as written, the action recorded (a copy), and a one-line summary."""

    path: Path
    crate: Crate
    action: Entity | None
    summary: str
    removed: tuple[str, ...] = ()

    @property
    def status(self) -> Status | None:
        """The recorded action's status (None when the step records no action)."""
        return Status.of(self.action) if self.action is not None else None


__all__ = [
    "Agent",
    "AgentKind",
    "Clock",
    "IdFactory",
    "StepBody",
    "StepRefused",
    "StepResult",
    "action_id",
    "apply_step",
    "ensure_agent",
    "ensure_entity",
    "new_uuid",
    "record_action",
    "refuse",
    "require_open",
    "system_clock",
    "timestamp",
]


StepBody = Callable[[Workspace, LifecycleState], "tuple[Entity | None, str]"]
"""A step's work on the working copy: returns the action written (or None) and a one-line summary."""


def apply_step(
    target: str | os.PathLike[str],
    body: StepBody,
    *,
    clock: Clock,
    step: Step | None = None,
    require_bag: bool = False,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Run ``body`` on a working copy of ``target`` and commit it when it marks the workspace changed.

    ``body`` gets the state this TRE recorded since intake (:attr:`Provenance.trusted
    <fivesafes_crate.model.lifecycle.Provenance.trusted>`), not the crate's claims.

    ``body`` raises :class:`StepRefused` (or any typed error) to leave ``target`` byte-identical. When ``sign``
    is given and the target is a bag, the finished bag is signed for ``step`` before it is moved into place.
    """
    with workspace(target, bagging_date=clock().date(), limits=limits, require_bag=require_bag) as space:
        action, summary = body(space, provenance(space.crate).trusted)
        if sign is not None and step is not None and space.changed and space.is_bag:
            action_ref = action.get("@id") if action is not None else None
            space.finalizers.append(lambda folder: sign(folder, step, action_ref))
    return StepResult(Path(target), space.crate, copy.deepcopy(action) if action is not None else None, summary)
