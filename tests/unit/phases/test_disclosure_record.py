"""Disclosure phase: the one DisclosureCheck updated in place; a rejection withholds every result."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fivesafes_crate import DisclosureDecision, License, OutputFile, api
from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import verify_bag
from fivesafes_crate.phases.lifecycle import Status, StepRefused, StepResult

from .conftest import (
    OUTPUT_CHECKER,
    RUN_04,
    TRE,
    FixedClock,
    FixedIds,
    assert_golden,
    crate_files,
    executed_crate,
    metadata_of,
    running_crate,
)

CHECK = "#disclosure-5afe0000-0000-4000-8000-000000000001"


def _graph(target: Path) -> dict[str, dict[str, Any]]:
    return {entity["@id"]: entity for entity in json.loads(metadata_of(target))["@graph"]}


def _record(target: Path, decision: DisclosureDecision, clock: FixedClock | None = None, **options: Any) -> StepResult:
    return api.record_disclosure(target, decision, agent=OUTPUT_CHECKER, clock=clock or FixedClock(),
                                 new_id=FixedIds(), **options)


def _issues(target: Path) -> list[str]:
    report = api.validate(target, threshold=Severity.SHOULD)
    assert report.phase is Stage.DISCLOSURE_CHECKED or report.phase is Stage.EXECUTED
    return sorted(issue.check for issue in report.at_threshold())


def test_pending_in_review_and_approved_update_one_check_in_place(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    clock = FixedClock()
    pending = _record(bag, DisclosureDecision.PENDING, clock, reason="estimate: 1 week",
                      start=datetime(2024, 3, 11, 9, 0, tzinfo=UTC))
    assert pending.status is Status.POTENTIAL and pending.action is not None
    assert pending.action["@id"] == CHECK
    assert pending.action["name"] == "Disclosure check of workflow results: pending (estimate: 1 week)"
    assert pending.action["startTime"] == "2024-03-11T09:00:00+00:00" and "endTime" not in pending.action
    assert_golden("disclosure/pending.json", metadata_of(bag))
    assert _issues(bag) == []

    review = _record(bag, DisclosureDecision.IN_REVIEW, clock)
    assert review.status is Status.ACTIVE and review.action is not None
    assert review.action["startTime"] == "2024-03-04T09:03:00+00:00"
    approved = _record(bag, DisclosureDecision.APPROVED, clock)
    assert approved.summary == "disclosure check: approved"
    graph = _graph(bag)
    check = graph[CHECK]
    assert check["startTime"] == "2024-03-04T09:03:00+00:00"  # when the review started
    assert check["endTime"] == "2024-03-04T09:05:00+00:00"
    assert check["object"][0] == {"@id": "./"} and {"@id": "outputs/summary.csv"} in check["object"]
    assert [e for e in graph if e.startswith("#disclosure-")] == [CHECK]
    assert list(graph).count(OUTPUT_CHECKER.id) == 1  # the agent is described once
    assert_golden("disclosure/approved.json", metadata_of(bag))
    assert _issues(bag) == []


def test_a_rejection_withholds_every_result_but_keeps_the_run(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    result = _record(bag, DisclosureDecision.REJECTED, reason="counts below 10 in some age bands")
    assert result.status is Status.FAILED and result.action is not None
    assert result.action["error"] == "counts below 10 in some age bands"
    assert result.action["object"] == {"@id": "./"}
    assert "outputs/summary.csv" in result.removed and "outputs/figures/by-region/north.png" in result.removed
    graph = _graph(bag)
    assert RUN_04 in graph and "result" not in graph[RUN_04]
    leftovers = [i for i in graph if i.startswith(("outputs/", "urn:uuid:", "#permissions-", "https://data."))]
    assert leftovers == []
    assert all(part["@id"] in ("cohort.json", "https://workflowhub.eu/workflows/1042?version=3")
               for part in graph["./"]["hasPart"])
    with open_source(bag) as source:
        assert not [name for name in source.crate_entries() if name.startswith("outputs")]
        assert "cohort.json" in source.crate_entries()
        assert verify_bag(source).valid
    assert_golden("disclosure/rejected.json", metadata_of(bag))
    report = api.validate(bag)
    assert report.valid and report.phase is Stage.DISCLOSURE_CHECKED
    assert _issues(bag) == ["disclosure.failed-remove-action"]  # the SHOULD that remove_run follows


def test_a_rejection_can_remove_the_run_too(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    result = _record(bag, DisclosureDecision.REJECTED, reason="small cells", remove_run=True)
    assert RUN_04 in result.removed
    graph = _graph(bag)
    assert RUN_04 not in graph and {"@id": RUN_04} not in graph["./"]["mentions"]
    assert "cohort.json" in graph  # inputs stay
    assert_golden("disclosure/rejected-run-removed.json", metadata_of(bag))
    assert _issues(bag) == []


def test_reviews_and_instruments_are_recorded(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    rules = {"@id": "https://safehaven.example.org/output-rules/v2", "@type": "CreativeWork",
             "name": "Output checking rules, version 2"}
    review = {"@id": "#review-summary", "@type": "Review", "itemReviewed": {"@id": "outputs/summary.csv"},
              "reviewBody": "no cell below 10"}
    result = _record(bag, DisclosureDecision.APPROVED, reviews=[review], instruments=[rules])
    assert result.action is not None
    assert result.action["instrument"] == {"@id": rules["@id"]}
    assert result.action["result"] == {"@id": "#review-summary"}
    graph = _graph(bag)
    assert graph["#review-summary"] == review and graph[rules["@id"]] == rules


# --- refusals: the crate is byte-identical afterwards ---------------------------------------------------------


def _refused(target: Path, step: Callable[[Path], object], error: type[Exception], message: str) -> None:
    before = crate_files(target)
    with pytest.raises(error, match=message):
        step(target)
    assert crate_files(target) == before


def test_the_check_needs_a_completed_run(tmp_path: Path) -> None:
    bag = running_crate(tmp_path, results=True)
    _refused(bag, lambda t: _record(t, DisclosureDecision.PENDING), StepRefused,
             "needs a completed workflow run, and it is active")


def test_a_decision_is_final(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    _record(bag, DisclosureDecision.APPROVED)
    for decision in DisclosureDecision:
        _refused(bag, lambda t, d=decision: _record(t, d, reason="again"), StepRefused, "already decided")


def test_nothing_but_handing_back_follows_a_rejection(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    _record(bag, DisclosureDecision.REJECTED, reason="small cells")
    extra = tmp_path / "late.csv"
    extra.write_bytes(b"x\n")
    ended = "the disclosure check failed .* which ends the lifecycle"
    _refused(bag, lambda t: api.add_results(t, [OutputFile(extra)], clock=FixedClock()), StepRefused, ended)
    _refused(bag, lambda t: _record(t, DisclosureDecision.PENDING), StepRefused, ended)
    _refused(bag, lambda t: api.publish(t, publisher=TRE, license=License("https://spdx.org/licenses/CC0-1.0"),
                                        agent=TRE, clock=FixedClock()), StepRefused, ended)


def test_bad_arguments_are_refused_before_anything_is_read(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    _refused(bag, lambda t: _record(t, DisclosureDecision.REJECTED), UsageError, "needs a reason")
    _refused(bag, lambda t: _record(t, DisclosureDecision.APPROVED, remove_run=True), UsageError,
             "only be removed when the disclosure check is rejected")
    _refused(bag, lambda t: _record(t, DisclosureDecision.APPROVED, reviews=[{"name": "x"}]), UsageError,
             "string @id")
