"""Workflow execution phase: the requested run's ``CreateAction`` moves Potential → Active → Completed or Failed.

The profile (section "Workflow execution phase", "Execution states") records the run on the request's own
``CreateAction``: it acquires ``actionStatus``, ``startTime`` and ``endTime``. The action keeps its ``@id``,
its ``agent`` (the requesting ``Person``, a MUST of the "Requesting Agent" section, so the TRE is not written
there), ``instrument`` and ``object``; its ``name`` gains the outcome (``…: running``, ``…: completed``,
``…: failed (reason)``), and a failed run names its reason with ``error``.

Every transition needs an approved (completed) sign-off recorded by this TRE and refuses repeats: a run starts
once, from Potential; only a running run finishes; a run fails from Potential or Active. A failed run ends the
lifecycle (:func:`~.lifecycle.require_open`). Each transition moves the ``CreateAction`` to the end of
``@graph``, after the intake check: a status the crate held as received (a run claimed running or completed
before the TRE started it) is a claim, and every transition refuses it (:class:`~.lifecycle.Provenance`).
"""

from __future__ import annotations

import logging
import os

from ..errors import UsageError
from ..model.crate import Crate
from ..model.entities import Entity
from ..model.lifecycle import LifecycleState, Status, Step, main_action, provenance
from ..model.source import DEFAULT_LIMITS, Limits
from ..signing.writer import SignHook
from .lifecycle import Clock, StepResult, apply_step, refuse, require_open, system_clock, timestamp
from .workspace import Workspace

log = logging.getLogger(__name__)

RUNNING_SUFFIX = ": running"
"""What :func:`start_run` appends to the run's ``name``; finishing or failing replaces it."""


def _require_run(space: Workspace, state: LifecycleState, doing: str, allowed: tuple[Status | None, ...]) -> Entity:
    """The main ``CreateAction``, after refusing ``doing`` out of order (see the module docstring)."""
    crate = space.crate
    require_open(state, crate, doing)
    signoff = state.last(Step.SIGN_OFF)
    found = provenance(crate)
    if signoff is None or signoff.status is not Status.COMPLETED:
        claimed = found.untrusted(Step.SIGN_OFF) if signoff is None else None
        what = "no sign-off is recorded" + found.note(Step.SIGN_OFF) if signoff is None else \
            f"the sign-off is {_label(signoff.status)}"
        named = claimed or signoff
        raise refuse(f"cannot {doing}: execution needs an approved (completed) sign-off, and {what}", crate,
                     named.id if named else None,
                     first="tre signoff {path} --approve --policy POLICY-URI" if signoff is None else None)
    run = main_action(crate)
    if run is None:
        raise refuse(f"cannot {doing}: the crate has no CreateAction (the requested workflow run)", crate)
    status = Status.of(run)
    if status not in allowed or found.run_received:
        raise refuse(f"cannot {doing}: the workflow run is {_label(status)}{_since(run)}{found.run_note(run['@id'])}",
                     crate, run["@id"])
    return run


def _label(status: Status | None) -> str:
    return {None: "without a status", Status.POTENTIAL: "queued (potential)", Status.ACTIVE: "running (active)",
            Status.COMPLETED: "completed", Status.FAILED: "failed"}[status]


def _since(run: Entity) -> str:
    end, start = run.get("endTime"), run.get("startTime")
    if isinstance(end, str):
        return f" since {end}"
    return f" since {start}" if isinstance(start, str) else ""


def _base_name(run: Entity) -> str:
    name = run.get("name")
    text = name if isinstance(name, str) and name.strip() else f"Workflow run {run['@id']}"
    return text.removesuffix(RUNNING_SUFFIX)


def _update(crate: Crate, run: Entity, status: Status, name: str, values: dict[str, str | None]) -> None:
    edit = crate.edit()
    graph = crate.graph  # the run's status becomes this TRE's record: after the intake, where steps count it
    graph[:] = [*(item for item in graph if item is not run), run]
    crate.reindex()
    edit.set(run["@id"], "name", name)
    edit.set(run["@id"], "actionStatus", status.value)
    for key, value in values.items():
        edit.set(run["@id"], key, value)


def start_run(
    target: str | os.PathLike[str],
    *,
    clock: Clock | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Workflow execution phase: the approved run started (its ``CreateAction`` becomes Active, ``startTime``).

    ``target`` is a crate folder, bag folder or bag ZIP, replaced atomically. Refused (:class:`~.lifecycle.StepRefused`,
    crate untouched) without an approved sign-off, after a failed step or publishing, and unless the run is queued
    (Potential, or without a status).
    """
    now = clock or system_clock

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        run = _require_run(space, state, "start the workflow run", (Status.POTENTIAL, None))
        _update(space.crate, run, Status.ACTIVE, _base_name(run) + RUNNING_SUFFIX,
                {"startTime": timestamp(now()), "endTime": None, "error": None})
        space.touch()
        log.info("workflow run %s started", run["@id"])
        return run, "execution: running"

    return apply_step(target, body, clock=now, step=Step.EXECUTION, sign=sign, limits=limits)


def finish_run(
    target: str | os.PathLike[str],
    *,
    clock: Clock | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Workflow execution phase: the running run completed (``CompletedActionStatus``, ``endTime``).

    Refused unless the run is Active (started with :func:`start_run` and not finished yet) and has results:
    attach its outputs with :func:`~.results.add_results` first, since a completed run SHOULD reference them
    (a run that produced nothing usable has failed: :func:`fail_run`).
    """
    now = clock or system_clock

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        run = _require_run(space, state, "finish the workflow run", (Status.ACTIVE,))
        if not run.get("result"):
            raise refuse("cannot finish the workflow run: it has no results, and a completed run SHOULD reference "
                         "them", space.crate, run["@id"], first="result add {path} OUTPUT...")
        _update(space.crate, run, Status.COMPLETED, _base_name(run) + ": completed",
                {"endTime": timestamp(now())})
        space.touch()
        log.info("workflow run %s completed", run["@id"])
        return run, "execution: completed"

    return apply_step(target, body, clock=now, step=Step.EXECUTION, sign=sign, limits=limits)


def fail_run(
    target: str | os.PathLike[str],
    *,
    reason: str,
    clock: Clock | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Workflow execution phase: the queued or running run failed, ``reason`` being its ``error``.

    ``reason`` (required, one line is best) becomes the action's ``error`` and ends its ``name``. A run that
    fails before it started gets ``startTime`` = ``endTime``. A failed run ends the lifecycle: later steps are
    refused.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError("a failed run needs a reason")
    now = clock or system_clock
    text = " ".join(reason.split())

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        run = _require_run(space, state, "record the workflow run as failed", (Status.POTENTIAL, None, Status.ACTIVE))
        moment = timestamp(now())
        start = run.get("startTime") if Status.of(run) is Status.ACTIVE else None
        _update(space.crate, run, Status.FAILED, f"{_base_name(run)}: failed ({text})",
                {"startTime": start if isinstance(start, str) else moment, "endTime": moment, "error": text})
        space.touch()
        log.info("workflow run %s failed: %s", run["@id"], text)
        return run, f"execution: failed ({text})"

    return apply_step(target, body, clock=now, step=Step.EXECUTION, sign=sign, limits=limits)


__all__ = ["RUNNING_SUFFIX", "fail_run", "finish_run", "start_run"]
