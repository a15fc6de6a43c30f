"""Workflow execution phase: start, finish and fail the run's ``CreateAction``; refusals leave the crate alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import fivesafes_crate as api
from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.lifecycle import Status, Step
from fivesafes_crate.phases.lifecycle import StepRefused, StepResult
from fivesafes_crate.phases.results import OutputFile

from .conftest import (
    RUN_04,
    FixedClock,
    assert_golden,
    crate_files,
    metadata_of,
    output_files,
    reviewed_crate,
    running_crate,
)


def _run(target: Path) -> dict[str, object]:
    graph = json.loads(metadata_of(target))["@graph"]
    return next(entity for entity in graph if entity["@id"] == RUN_04)


def _valid_at_should(target: Path, stage: Stage) -> None:
    report = api.validate(target, threshold=Severity.SHOULD)
    assert report.stage is stage
    assert report.valid, [(issue.check, issue.focus, issue.message) for issue in report.at_threshold()]


def test_start_makes_the_run_active_with_a_start_time(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    result = api.start_run(bag, clock=FixedClock())
    assert result.status is Status.ACTIVE
    assert result.summary == "execution: running"
    run = _run(bag)
    assert run["actionStatus"] == "http://schema.org/ActiveActionStatus"
    assert run["startTime"] == "2024-03-04T09:01:00+00:00" and "endTime" not in run
    assert run["name"] == "Execute age-banded cohort counts for project 81: running"
    assert run["agent"] == {"@id": "https://orcid.org/0000-0002-1825-0097"}  # still the requesting person
    assert_golden("execution/started.json", metadata_of(bag))
    _valid_at_should(bag, Stage.EXECUTING)


@pytest.mark.parametrize("form", ["bag", "crate"])
def test_every_form_of_crate_records_the_same_metadata(tmp_path: Path, form: str) -> None:
    target = reviewed_crate(tmp_path, form=form)
    api.start_run(target, clock=FixedClock())
    assert metadata_of(target) == (Path(__file__).parent / "golden/execution/started.json").read_bytes()


def test_finish_completes_the_run_and_replaces_running_in_its_name(tmp_path: Path) -> None:
    bag = running_crate(tmp_path, results=True)
    result = api.finish_run(bag, clock=FixedClock())
    assert result.status is Status.COMPLETED
    run = _run(bag)
    assert run["name"] == "Execute age-banded cohort counts for project 81: completed"
    assert run["endTime"] == "2024-03-04T09:01:00+00:00"
    assert_golden("execution/finished.json", metadata_of(bag))
    _valid_at_should(bag, Stage.EXECUTED)


@pytest.mark.parametrize(("started", "golden"), [(True, "failed-running.json"), (False, "failed-queued.json")])
def test_fail_records_the_reason_as_error_from_queued_or_running(tmp_path: Path, started: bool, golden: str) -> None:
    bag = running_crate(tmp_path) if started else reviewed_crate(tmp_path)
    result = api.fail_run(bag, reason="out of\nmemory", clock=FixedClock())
    assert result.status is Status.FAILED
    run = _run(bag)
    assert run["error"] == "out of memory"
    assert run["name"] == "Execute age-banded cohort counts for project 81: failed (out of memory)"
    assert run["startTime"] and run["endTime"]
    assert_golden(f"execution/{golden}", metadata_of(bag))
    _valid_at_should(bag, Stage.EXECUTED)


def test_a_bag_is_signed_for_the_execution_step(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    calls: list[tuple[str, Step, str | None]] = []
    api.start_run(bag, clock=FixedClock(), sign=lambda folder, step, action: calls.append((folder.name, step, action)))
    assert calls == [("bag", Step.EXECUTION, RUN_04)]


# --- refusals: out of order, repeated, after the end; the crate is byte-identical ------------------------------


def _refused(target: Path, step: Callable[[Path], StepResult], message: str) -> None:
    before = crate_files(target)
    with pytest.raises(StepRefused, match=message) as raised:
        step(target)
    assert raised.value.path == str(target)  # the input as given
    assert crate_files(target) == before


@pytest.mark.parametrize(
    ("signoff", "message"),
    [(None, "no sign-off is recorded"), (Status.POTENTIAL, "the sign-off is queued"),
     (Status.FAILED, "the sign-off failed .* which ends the lifecycle")],
)
def test_running_without_an_approved_signoff_is_refused(tmp_path: Path, signoff: Status | None, message: str) -> None:
    bag = reviewed_crate(tmp_path, signoff=signoff)
    _refused(bag, lambda target: api.start_run(target, clock=FixedClock()), message)
    _refused(bag, lambda target: api.fail_run(target, reason="x", clock=FixedClock()), message)


def test_starting_twice_is_refused(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    _refused(bag, lambda target: api.start_run(target, clock=FixedClock()),
             "cannot start the workflow run: the workflow run is running .active. since 2024-03-02T09:01:00")


def test_finishing_a_queued_a_resultless_or_a_finished_run_is_refused(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    _refused(bag, lambda target: api.finish_run(target, clock=FixedClock()), "the workflow run is queued")
    api.start_run(bag, clock=FixedClock())
    _refused(bag, lambda target: api.finish_run(target, clock=FixedClock()), "it has no results")
    table, _figures = output_files(tmp_path)
    api.add_results(bag, [OutputFile(table)], clock=FixedClock())
    api.finish_run(bag, clock=FixedClock())
    _refused(bag, lambda target: api.finish_run(target, clock=FixedClock()), "the workflow run is completed")
    _refused(bag, lambda target: api.fail_run(target, reason="x", clock=FixedClock()), "is completed")


def test_nothing_runs_after_a_failed_run(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    api.fail_run(bag, reason="engine unavailable", clock=FixedClock())
    for step in (api.start_run, api.finish_run):
        _refused(bag, lambda target, step=step: step(target, clock=FixedClock()),
                 "the execution failed .* which ends the lifecycle")


def test_a_failure_needs_a_reason(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    before = crate_files(bag)
    with pytest.raises(UsageError, match="needs a reason"):
        api.fail_run(bag, reason=" \n", clock=FixedClock())
    assert crate_files(bag) == before
