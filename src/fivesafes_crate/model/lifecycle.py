"""Reading where a crate stands in its review: the lifecycle steps, their recorded actions, state and timeline.

A TRE records each review step as an action mentioned from the root data entity (profile section "Review
process"): ``additionalType`` an SHP term, ``actionStatus``, ``agent``, ``object``, ``startTime``/``endTime``
and a ``name`` that states the outcome. This module names the steps (:class:`Step`, in lifecycle order, with
their SHP terms) and the statuses (:class:`Status`), finds the action a crate records for each step
(:func:`step_of`), and reads back where the crate stands (:func:`lifecycle_state`) and its timeline
(:func:`timeline_of`). Validation, signing, the preview page and every step read these; the steps that record
actions live in :mod:`fivesafes_crate.phases`, and what they share when they write in
:mod:`fivesafes_crate.phases.lifecycle`, which mirrors this module on purpose (same name: this one reads, that
one writes).

:func:`lifecycle_state` reads the crate as it is: what it claims, for timelines and validation. A step counts
only what this TRE recorded since intake (:func:`provenance`): never a review action a client put in the crate.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..issues import Stage
from .entities import Entity, action_status, additional_types, has_type, ref_ids
from .vocab import (
    ACTIVE,
    CHECK_VALUE,
    COMPLETED,
    DISCLOSURE_CHECK,
    FAILED,
    GENERATE_CHECK_VALUE,
    POTENTIAL,
    SIGN_OFF,
    VALIDATION_CHECK,
)

if TYPE_CHECKING:  # only the type: reading the metadata is the caller's business
    from .crate import Crate


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

    The intake is the check phase (:func:`~fivesafes_crate.phases.check.record_check`), the first step a TRE
    records and the one that counts nothing the crate claims. Everything a client can put in a crate is in it
    before intake, so the TRE's own records are the intake check and what follows it in ``@graph``: every step
    appends its action after the ones already there, and starting the run moves the run's ``CreateAction`` there
    too. The intake is the *last* check of the crate; the check step refuses a crate that holds one already, so
    a forged check can only ever stop the intake, never stand behind one. What precedes the intake
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


@dataclass(frozen=True)
class TimelineRow:
    """One recorded action: its step, outcome, agents (by name where the crate names them) and times."""

    step: Step
    action_id: str
    status: Status | None
    name: str
    agents: tuple[str, ...]
    start: str | None
    end: str | None


@dataclass(frozen=True)
class Timeline:
    """The crate's lifecycle as recorded: the inferred stage and one row per action, in lifecycle order."""

    stage: Stage
    rows: tuple[TimelineRow, ...]


def timeline_of(crate: Crate) -> Timeline:
    """The crate's timeline: its recorded actions in lifecycle order (``fivesafes status``, receiving, previews)."""
    state = lifecycle_state(crate)
    order = {step: index for index, step in enumerate(Step)}
    actions = sorted(
        [*state.actions, *([state.execution] if state.execution else [])],
        key=lambda action: order[action.step],  # stable: same-step actions keep document order
    )
    return Timeline(crate.stage(), tuple(_row(crate, action) for action in actions))


def _row(crate: Crate, action: RecordedAction) -> TimelineRow:
    names = []
    for agent_id in action.agents:
        agent = crate.get(agent_id)
        name = agent.get("name") if agent is not None else None
        names.append(name if isinstance(name, str) and name.strip() else agent_id)
    return TimelineRow(action.step, action.id, action.status, action.name, tuple(names), action.start, action.end)


__all__ = [
    "LifecycleState",
    "Provenance",
    "RecordedAction",
    "Status",
    "Step",
    "Timeline",
    "TimelineRow",
    "lifecycle_state",
    "main_action",
    "provenance",
    "step_of",
    "timeline_of",
]
