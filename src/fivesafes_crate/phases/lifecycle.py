"""The vocabulary every lifecycle step shares: agents, the clock, the recorded actions and the crate's state.

A TRE records each review step as an action mentioned from the root data entity (profile section "Review
process"): ``additionalType`` an SHP term, ``actionStatus``, ``agent``, ``object`` (the root first, then what
was assessed), ``startTime``/``endTime`` in RFC 3339 with an offset, and a ``name`` that states the outcome.
This module builds those entities (:func:`record_action`), reuses agent entities instead of duplicating
them (:func:`ensure_agent`), and reads back where a crate stands (:func:`lifecycle_state`), which is what
every step consults to refuse being run out of order (:class:`StepRefused`).

Which actions are the TRE's: :func:`lifecycle_state` reads the crate as it is (what it claims), for
timelines and validation; a step counts only what this TRE recorded since intake (:func:`provenance`, the
state :func:`apply_step` hands to every step), never a review action a client put in the crate.
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

from ..errors import CrateStateError, UsageError
from ..model.crate import Crate, CrateEditor
from ..model.entities import JSON, Entity, action_status, additional_types, has_type, ref_ids
from ..model.source import DEFAULT_LIMITS, Limits
from ..model.vocab import (
    ACTIVE,
    CHECK_VALUE,
    COMPLETED,
    DISCLOSURE_CHECK,
    FAILED,
    GENERATE_CHECK_VALUE,
    POTENTIAL,
    SIGN_OFF,
    VALIDATION_CHECK,
    uri_scheme,
)
from .workspace import Workspace, workspace

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


# --- steps, actions and state ------------------------------------------------------------------------------


class Step(enum.Enum):
    """The recorded steps of the review process, in lifecycle order; the value is the action id prefix."""

    CHECK = "check"
    VALIDATION = "validate"
    RETRIEVAL = "download"
    SIGN_OFF = "signoff"
    EXECUTION = "query"
    DISCLOSURE = "disclosure"
    PUBLISHING = "bagit"

    @property
    def term(self) -> str | None:
        """The SHP ``additionalType`` of the step's action (None for retrieval and execution)."""
        return _TERMS.get(self)

    @property
    def action_type(self) -> str:
        """The schema.org type of the step's action."""
        return _ACTION_TYPES[self]

    @property
    def label(self) -> str:
        """How the step is called in summaries and timelines."""
        return _LABELS[self]


_TERMS = {
    Step.CHECK: CHECK_VALUE,
    Step.VALIDATION: VALIDATION_CHECK,
    Step.SIGN_OFF: SIGN_OFF,
    Step.DISCLOSURE: DISCLOSURE_CHECK,
    Step.PUBLISHING: GENERATE_CHECK_VALUE,
}
_ACTION_TYPES = {
    Step.CHECK: "AssessAction",
    Step.VALIDATION: "AssessAction",
    Step.RETRIEVAL: "DownloadAction",
    Step.SIGN_OFF: "AssessAction",
    Step.EXECUTION: "CreateAction",
    Step.DISCLOSURE: "AssessAction",
    Step.PUBLISHING: "UpdateAction",
}
_LABELS = {
    Step.CHECK: "check",
    Step.VALIDATION: "validation",
    Step.RETRIEVAL: "workflow retrieval",
    Step.SIGN_OFF: "sign-off",
    Step.EXECUTION: "execution",
    Step.DISCLOSURE: "disclosure check",
    Step.PUBLISHING: "publishing",
}
_TERM_STEPS = {term.rsplit("#", 1)[1]: step for step, term in _TERMS.items()}


class Status(enum.Enum):
    """An action's ``actionStatus``."""

    POTENTIAL = POTENTIAL
    ACTIVE = ACTIVE
    COMPLETED = COMPLETED
    FAILED = FAILED

    @property
    def label(self) -> str:
        """``potential``, ``active``, ``completed`` or ``failed``."""
        return self.name.lower()

    @classmethod
    def of(cls, entity: Entity) -> Status | None:
        """The entity's status (IRI or plain string, as the profile's examples write it), or None."""
        local = action_status(entity)
        return next((status for status in cls if status.value.rsplit("/", 1)[1] == local), None)


@dataclass(frozen=True)
class RecordedAction:
    """One action of the lifecycle as the crate records it."""

    id: str
    step: Step
    status: Status | None
    name: str
    agents: tuple[str, ...]
    start: str | None
    end: str | None
    mentioned: bool

    @property
    def finished(self) -> bool:
        """Completed or failed."""
        return self.status in (Status.COMPLETED, Status.FAILED)


def step_of(entity: Entity) -> Step | None:
    """The lifecycle step an action entity records, from its SHP term or its type; None for other entities."""
    for local in sorted(additional_types(entity)):
        if local in _TERM_STEPS:
            return _TERM_STEPS[local]
    if has_type(entity, "DownloadAction"):
        return Step.RETRIEVAL
    return None


@dataclass(frozen=True)
class LifecycleState:
    """Where a crate stands: its recorded actions in document order and the main ``CreateAction``."""

    actions: tuple[RecordedAction, ...]
    execution: RecordedAction | None
    published: bool

    def of(self, step: Step) -> list[RecordedAction]:
        """The recorded actions of one step, in document order."""
        if step is Step.EXECUTION:
            return [self.execution] if self.execution else []
        return [action for action in self.actions if action.step is step]

    def last(self, step: Step) -> RecordedAction | None:
        """The latest recorded action of a step, or None."""
        found = self.of(step)
        return found[-1] if found else None

    def status(self, step: Step) -> Status | None:
        """The status of the step's latest action, or None when it was not recorded."""
        action = self.last(step)
        return action.status if action else None

    @property
    def ended(self) -> RecordedAction | None:
        """The failed step that ended the lifecycle (a failed check, validation, sign-off, run or disclosure)."""
        for action in (*self.actions, *([self.execution] if self.execution else [])):
            if action.status is Status.FAILED and action.step is not Step.RETRIEVAL:
                return action
        return None


def main_action(crate: Crate) -> Entity | None:
    """The requested workflow run: the ``CreateAction`` mentioned from the root (the first one if several)."""
    root = crate.root
    candidates = [crate.get(i) for i in ref_ids(root.get("mentions"))] if root else []
    for entity in [*candidates, *crate.entities]:
        if entity is not None and has_type(entity, "CreateAction"):
            return entity
    return None


def _recorded(entity: Entity, step: Step, mentioned: set[str]) -> RecordedAction:
    name = entity.get("name")
    start, end = entity.get("startTime"), entity.get("endTime")
    return RecordedAction(
        id=str(entity.get("@id")),
        step=step,
        status=Status.of(entity),
        name=name if isinstance(name, str) else "",
        agents=tuple(ref_ids(entity.get("agent"))),
        start=start if isinstance(start, str) else None,
        end=end if isinstance(end, str) else None,
        mentioned=entity.get("@id") in mentioned,
    )


def lifecycle_state(crate: Crate) -> LifecycleState:
    """Read the crate's recorded actions (SHP-typed actions and downloads) and its main ``CreateAction``."""
    root = crate.root
    mentioned = set(ref_ids(root.get("mentions"))) if root else set()
    actions = []
    for entity in crate.entities:
        step = step_of(entity)
        if step is not None:
            actions.append(_recorded(entity, step, mentioned))
    run = main_action(crate)
    published = any(a.step is Step.PUBLISHING for a in actions)  # a root datePublished alone proves nothing
    return LifecycleState(
        actions=tuple(actions),
        execution=_recorded(run, Step.EXECUTION, mentioned) if run is not None else None,
        published=published,
    )


@dataclass(frozen=True)
class Provenance:
    """Which of a crate's recorded actions a TRE step may count: only those this TRE recorded since intake.

    The intake is the check phase (:func:`~.check.record_check`), the first step a TRE records and the one
    that counts nothing the crate claims. Everything a client can put in a crate is in it before intake, so
    the TRE's own records are the intake check and what follows it in ``@graph``: every step appends its
    action after the ones already there, and starting the run moves the run's ``CreateAction`` there too.
    The intake is the *last* check of the crate; the check step refuses a crate that holds one already,
    so a forged check can only ever stop the intake, never stand behind one. What precedes the intake
    (``received``) is a claim of the crate as received, and no step counts it. See ``docs/phases.md#intake``.
    """

    intake: RecordedAction | None
    trusted: LifecycleState
    received: tuple[RecordedAction, ...]
    run_received: bool

    def untrusted(self, step: Step) -> RecordedAction | None:
        """The latest action of ``step`` that the crate held before intake (a claim no step counts), or None."""
        return next((action for action in reversed(self.received) if action.step is step), None)

    def note(self, step: Step) -> str:
        """``"; <step> <@id> does not count: ..."`` when the crate claims ``step`` from before intake, else ``""``."""
        claimed = self.untrusted(step)
        if claimed is None:
            return ""
        return f"; {_claim(self, f'the {step.label} {claimed.id}')}"

    def run_note(self, run_id: str) -> str:
        """Why the run's recorded status does not count (it was so in the crate as received), or ``""``."""
        return f"; {_claim(self, f'the status of the workflow run {run_id}')}" if self.run_received else ""


def _claim(found: Provenance, what: str) -> str:
    since = f"the check {found.intake.id}" if found.intake is not None else "its check, the intake"
    return f"{what} does not count: it is in the crate as received, not recorded by this TRE since {since}"


def provenance(crate: Crate) -> Provenance:
    """Split the crate's recorded actions into this TRE's (the intake check and after) and the received claims."""
    root = crate.root
    mentioned = set(ref_ids(root.get("mentions"))) if root else set()
    entities = crate.entities
    position = {id(entity): index for index, entity in enumerate(entities)}
    recorded = [(index, entity, step) for index, entity in enumerate(entities) if (step := step_of(entity))]
    checks = [index for index, _entity, step in recorded if step is Step.CHECK]
    start = checks[-1] if checks else len(entities)
    trusted = tuple(_recorded(entity, step, mentioned) for index, entity, step in recorded if index >= start)
    received = tuple(_recorded(entity, step, mentioned) for index, entity, step in recorded if index < start)
    run = main_action(crate)
    run_trusted = run is not None and position[id(run)] > start
    state = LifecycleState(
        actions=trusted,
        execution=_recorded(run, Step.EXECUTION, mentioned) if run is not None and run_trusted else None,
        published=any(action.step is Step.PUBLISHING for action in trusted),
    )
    run_claimed = run is not None and not run_trusted and Status.of(run) not in (Status.POTENTIAL, None)
    return Provenance(trusted[0] if checks else None, state, received, run_claimed)


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


SignHook = Callable[[Path, Step, "str | None"], None]
"""Signs a finished bag folder for a step: ``hook(folder, step, action_id)``; see :mod:`fivesafes_crate.signing`."""


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
    "LifecycleState",
    "Provenance",
    "RecordedAction",
    "SignHook",
    "Status",
    "Step",
    "StepBody",
    "StepRefused",
    "StepResult",
    "action_id",
    "apply_step",
    "ensure_agent",
    "ensure_entity",
    "lifecycle_state",
    "main_action",
    "new_uuid",
    "provenance",
    "record_action",
    "refuse",
    "require_open",
    "step_of",
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

    ``body`` gets the state this TRE recorded since intake (:attr:`Provenance.trusted`), not the crate's claims.

    ``body`` raises :class:`StepRefused` (or any typed error) to leave ``target`` byte-identical. When ``sign``
    is given and the target is a bag, the finished bag is signed for ``step`` before it is moved into place.
    """
    with workspace(target, bagging_date=clock().date(), limits=limits, require_bag=require_bag) as space:
        action, summary = body(space, provenance(space.crate).trusted)
        if sign is not None and step is not None and space.changed and space.is_bag:
            action_ref = action.get("@id") if action is not None else None
            space.finalizers.append(lambda folder: sign(folder, step, action_ref))
    return StepResult(Path(target), space.crate, copy.deepcopy(action) if action is not None else None, summary)
