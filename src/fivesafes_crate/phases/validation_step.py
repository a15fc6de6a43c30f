"""Validation phase: validate the checked crate against RO-Crate and the profile, and record the outcome.

:func:`record_validation` runs :func:`~..validation.engine.validate` on the working copy (the crate and, for
a bag, its BagIt files, at the stage the crate has reached) and records a ``ValidationCheck``
``AssessAction`` whose ``instrument`` is the profile (described as a ``Profile`` contextual entity):

* **Threshold.** The crate fails when an issue reaches ``threshold``, by default :attr:`Severity.MUST
  <fivesafes_crate.issues.Severity.MUST>`: the profile's MUSTs are what conformance means, and a failed
  validation ends the lifecycle, so a missing recommendation (a SHOULD) does not reject a request. The
  issues below the threshold are still listed in the action's ``description``. A TRE that wants stricter
  requests passes ``Severity.SHOULD``.
* **Outcome.** Passed: ``CompletedActionStatus``, named "...: approved". Failed: ``FailedActionStatus``,
  named "...: rejected (N issues at must level)", the issues in ``description`` (one per line); the
  lifecycle ends there.
* **TRE checks.** ``extra_checks`` are the validator's :data:`~..validation.engine.ExtraCheck` callables
  (context in, issues out), run with the built-in checks and counted the same way. A check that compares the
  request with what the TRE expects, such as :class:`ExpectedInputs`, also implements
  :class:`ComparingCheck`: what it checked is added to the action's ``object`` and what it expected to its
  ``instrument`` (the expected entities are described in the crate), as the profile's Validation phase says.

The step needs a completed check phase and refuses to repeat; it is refused after a failed step or publishing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..errors import UsageError
from ..issues import Issue, Report, Severity
from ..model.crate import Crate
from ..model.entities import Entity, has_type, ref_ids
from ..model.lifecycle import LifecycleState, Status, Step, main_action
from ..model.source import DEFAULT_LIMITS, Limits
from ..model.vocab import uri_scheme
from ..profiles import Profile, get_profile
from ..signing.writer import SignHook
from ..validation.engine import ExtraCheck, validate
from ..validation.registry import CheckContext
from .check import describe_reasons
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

DEFAULT_THRESHOLD = Severity.MUST
"""The lowest severity that fails the validation phase (see the module documentation)."""


@dataclass(frozen=True)
class Comparison:
    """What a comparing TRE check compared: crate entities it checked, and the entities it expected.

    ``checked`` are ``@id``\\ s of the crate (the action's ``object``); ``expected`` are entities with an
    ``@id`` (the action's ``instrument``), added to the crate as contextual entities unless present.
    """

    checked: tuple[str, ...] = ()
    expected: tuple[Entity, ...] = ()


@runtime_checkable
class ComparingCheck(Protocol):
    """A TRE extra check (context in, issues out) that also says what it compared the crate with.

    :func:`record_validation` adds the ``checked`` entities of its :class:`Comparison` to
    the ``ValidationCheck``'s ``object`` and the ``expected`` ones to its ``instrument``.
    """

    def __call__(self, context: CheckContext) -> Iterable[Issue]:
        """The issues found, as for any extra check."""
        ...

    def compared(self, crate: Crate) -> Comparison:
        """What this check compares in ``crate`` (checked entities) and against what (expected entities)."""
        ...


def _valid_id(value: object) -> bool:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return False
    return bool(uri_scheme(value)) or (value.startswith("#") and len(value) > 1)


@dataclass(frozen=True)
class ExpectedInputs:
    """A TRE check that the run's inputs are exactly the workflow's expected input parameters.

    ``parameters`` are ``FormalParameter`` entities the TRE expects for the workflow (each with an ``@id``, an
    absolute URI or ``#fragment``, and a ``name``); one with ``"valueRequired": false`` may be left out. An
    input of the ``CreateAction`` is matched by the ``name`` of its ``exampleOfWork`` parameter, or by its own
    ``name``. Each unexpected input and each missing required parameter is an issue ``check_id`` at
    ``severity``. The inputs are the checked entities, the parameters the expected ones.
    """

    parameters: Sequence[Entity]
    check_id: str = "tre.expected-inputs"
    severity: Severity = Severity.MUST

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", tuple(self.parameters))
        for parameter in self.parameters:
            if not isinstance(parameter, dict) or not _valid_id(parameter.get("@id")):
                raise UsageError("an expected parameter needs an @id: an absolute URI or a #fragment")
            if not isinstance(parameter.get("name"), str) or not parameter["name"].strip():
                raise UsageError("an expected parameter needs a name", entity_id=parameter["@id"])

    def _inputs(self, crate: Crate) -> tuple[Entity | None, list[str]]:
        run = main_action(crate)
        return run, ref_ids(run.get("object")) if run is not None else []

    def compared(self, crate: Crate) -> Comparison:
        """The run's inputs (those described in the crate) against the expected parameters."""
        _run, inputs = self._inputs(crate)
        return Comparison(tuple(i for i in inputs if i in crate), tuple(self.parameters))

    def __call__(self, context: CheckContext) -> list[Issue]:
        """An issue per unexpected input and per missing required parameter."""
        crate = context.crate
        if crate is None:
            return []
        run, inputs = self._inputs(crate)
        if run is None:
            return []
        expected = {p["name"]: p for p in self.parameters}
        listed = ", ".join(repr(name) for name in expected) or "none"
        issues = []
        given = set()
        for input_id in inputs:
            name = _parameter_name(crate, input_id)
            given.add(name)
            if name not in expected:
                issues.append(Issue(self.severity, self.check_id, f"input for parameter {name!r} is not an "
                                    f"expected input of the workflow (expected: {listed})", focus=input_id,
                                    path="exampleOfWork"))
        for name, parameter in expected.items():
            if name not in given and parameter.get("valueRequired") is not False:
                issues.append(Issue(self.severity, self.check_id, f"the workflow's input {name!r} "
                                    f"({parameter['@id']}) is not given", focus=run.get("@id"), path="object"))
        return issues


def _parameter_name(crate: Crate, input_id: str) -> str | None:
    """The parameter an input is for: its ``exampleOfWork`` ``FormalParameter``'s name, else its own name."""
    entity = crate.get(input_id)
    if entity is None:
        return None
    for parameter_id in ref_ids(entity.get("exampleOfWork")):
        parameter = crate.get(parameter_id)
        if parameter is not None and has_type(parameter, "FormalParameter") and isinstance(parameter.get("name"), str):
            return str(parameter["name"])
    name = entity.get("name")
    return name if isinstance(name, str) else None


def _issue_line(issue: Issue) -> str:
    where = " ".join(part for part in (issue.focus, issue.path, issue.file) if part)
    return f"{issue.severity.label} {issue.check}" + (f" ({where})" if where else "") + f": {issue.message}"


def _describe(report: Report) -> str:
    failing = report.at_threshold()
    below = [issue for issue in report.issues if issue.severity < report.threshold]
    lines = []
    if failing:
        lines.append(f"{len(failing)} issue(s) at {report.threshold.label} level or above:")
        lines.extend(_issue_line(issue) for issue in failing)
    if below:
        lines.append(f"{len(below)} issue(s) below the {report.threshold.label} threshold:")
        lines.extend(_issue_line(issue) for issue in below)
    return describe_reasons(lines) if lines else f"no issue at any level (threshold: {report.threshold.label})"


def record_validation(
    target: str | os.PathLike[str],
    *,
    agent: Agent,
    threshold: Severity = DEFAULT_THRESHOLD,
    profile: str | Profile | None = None,
    extra_checks: Sequence[ExtraCheck] = (),
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Validation phase: validate the crate and record the ``ValidationCheck`` assessment (instrument: the profile).

    Fails when an issue reaches ``threshold`` (default MUST: a missing recommendation does not reject a request); a
    failure names the issue count and ends the lifecycle. ``extra_checks`` are the TRE's own checks; a
    :class:`~fivesafes_crate.ComparingCheck` such as :class:`~fivesafes_crate.ExpectedInputs` also adds what it checked
    to ``object`` and what it expected to ``instrument``. The profile is the root's ``conformsTo`` unless ``profile`` is
    given. Refused (:class:`~.lifecycle.StepRefused`, crate untouched) without a completed check, when validated
    already, after a failed step and after publishing. A failed validation is not an error: the returned action is
    failed and names the issue count.
    """
    now = clock or system_clock
    ids = new_id or new_uuid

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        require_open(state, crate, "validate the crate")
        check = state.last(Step.CHECK)
        if check is None or check.status is not Status.COMPLETED:
            found = "no check is recorded" if check is None else "the check failed or is not finished"
            raise refuse(f"cannot validate the crate: the check phase must be completed first, and {found}", crate,
                         check.id if check else None, first="tre check {path}" if check is None else None)
        previous = state.last(Step.VALIDATION)
        if previous is not None:
            raise refuse(f"cannot validate the crate: it was validated already ({previous.name or previous.id})",
                         crate, previous.id)
        start = now()
        report = validate(space.folder, profile=profile, threshold=threshold, limits=limits,
                          extra_checks=tuple(extra_checks))
        end = now()
        editor = crate.edit()
        assert report.profile is not None  # the working copy's metadata parsed a moment ago: a profile was used
        used = get_profile(report.profile)
        ensure_entity(editor, {"@id": used.id, "@type": "Profile", "name": used.name})
        checked: list[str] = []
        expected: list[str] = []
        for extra in extra_checks:
            if isinstance(extra, ComparingCheck):
                comparison = extra.compared(crate)
                checked.extend(comparison.checked)
                for entity in comparison.expected:
                    if not _valid_id(entity.get("@id")):
                        raise UsageError("an expected entity of a comparing check needs an @id: an absolute URI or "
                                         "a #fragment")
                    ensure_entity(editor, entity)
                    expected.append(entity["@id"])
        failing = report.at_threshold()
        if failing:
            status = Status.FAILED
            outcome = f"rejected ({len(failing)} issue(s) at {threshold.label} level)"
        else:
            status, outcome = Status.COMPLETED, "approved"
        action = record_action(
            editor, step=Step.VALIDATION, action_id=action_id(Step.VALIDATION, ids),
            name=f"Validation against {used.name}: {outcome}", status=status, agent=agent, objects=checked,
            instruments=[used.id, *expected], start=start, end=end, extra={"description": _describe(report)},
        )
        space.touch()
        log.info("validation of %s: %s", os.fspath(target), outcome)
        first = f": {_issue_line(failing[0])}" if failing else ""
        return action, f"validation: {outcome}{first}"

    return apply_step(target, body, clock=now, step=Step.VALIDATION, sign=sign, limits=limits)


__all__ = ["DEFAULT_THRESHOLD", "ComparingCheck", "Comparison", "ExpectedInputs", "record_validation"]
