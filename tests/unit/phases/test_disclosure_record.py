"""Disclosure phase: the one DisclosureCheck updated in place; a rejection withholds every result."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import fivesafes_crate as api
from fivesafes_crate import DisclosureDecision, License, OutputFile, OutputValue, Verdict
from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.lifecycle import Status
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import verify_bag
from fivesafes_crate.phases.lifecycle import StepRefused, StepResult

from .conftest import (
    OUTPUT_CHECKER,
    RUN_04,
    SCREENER,
    TRE,
    FixedClock,
    FixedIds,
    assert_golden,
    completed_crate,
    crate_files,
    executed_crate,
    metadata_of,
    reviewed_crate,
    running_crate,
    screened_crate,
)

CHECK = "#disclosure-5afe0000-0000-4000-8000-000000000001"


def _graph(target: Path) -> dict[str, dict[str, Any]]:
    return {entity["@id"]: entity for entity in json.loads(metadata_of(target))["@graph"]}


def _record(target: Path, decision: DisclosureDecision, clock: FixedClock | None = None, **options: Any) -> StepResult:
    return api.record_disclosure(target, decision, agent=OUTPUT_CHECKER, clock=clock or FixedClock(),
                                 new_id=FixedIds(), **options)


def _issues(target: Path) -> list[str]:
    report = api.validate(target, threshold=Severity.SHOULD)
    assert report.stage is Stage.DISCLOSURE_CHECKED or report.phase is Stage.EXECUTED
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
    assert report.valid and report.stage is Stage.DISCLOSURE_CHECKED
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


# --- per-output verdicts -------------------------------------------------------------------------------------

SVG, PNG, TABLE = "outputs/figures/ages.svg", "outputs/figures/by-region/north.png", "outputs/summary.csv"
REPORT = "disclosure/sdc-report.json"


def _verdicts(target: Path, decision: DisclosureDecision, *verdicts: Verdict, first: int = 100,
              **options: Any) -> StepResult:
    ids = FixedIds()
    ids.count = first  # after the screening's ids
    return api.record_disclosure(target, decision, agent=OUTPUT_CHECKER, verdicts=verdicts, clock=FixedClock(),
                                 new_id=ids, **options)


def _by_type(graph: dict[str, dict[str, Any]], term: str) -> dict[str, dict[str, Any]]:
    """The reviews with this SHP or screening term, by the item they review."""
    return {e["itemReviewed"]["@id"]: e for e in graph.values()
            if e.get("@type") == "Review" and e["additionalType"]["@id"].endswith("#" + term)}


def _report(target: Path) -> dict[str, Any]:
    with open_source(target) as source, source.open_in_crate(REPORT) as stream:
        return {output["name"]: output for output in json.loads(stream.read())["outputs"]}


def test_verdicts_approve_and_prune_a_rejected_output_to_a_placeholder(tmp_path: Path) -> None:
    bag = screened_crate(tmp_path)
    result = _verdicts(bag, DisclosureDecision.APPROVED, Verdict(TABLE, True), Verdict(PNG, True, "a blank map"),
                       Verdict(SVG, False, "embeds exact points"), prune=True)
    assert result.status is Status.COMPLETED and result.action is not None
    assert result.summary == ("disclosure check: approved; 3 verdict(s) recorded; rejected outputs pruned "
                              "(1 entities and files removed)")
    assert result.removed == (SVG,)
    graph = _graph(bag)
    passed, failed = _by_type(graph, "PassedDisclosureCheck"), _by_type(graph, "FailedDisclosureCheck")
    assert set(passed) == {TABLE, PNG} and passed[PNG]["reviewBody"] == "a blank map"
    assert passed[TABLE]["sha256"] == graph[TABLE]["sha256"] and passed[TABLE]["author"] == {"@id": OUTPUT_CHECKER.id}
    [placeholder] = failed
    assert graph[placeholder]["name"] == f"Withheld output {SVG}" and "sha256" not in failed[placeholder]
    assert failed[placeholder]["reviewBody"] == "embeds exact points"
    assert _by_type(graph, "ScreeningFail") == {placeholder: _by_type(graph, "ScreeningFail")[placeholder]}
    # nothing the screening derived from the withheld output survives: not its findings, counts or size
    assert _by_type(graph, "ScreeningFail")[placeholder]["reviewBody"] == (
        "withheld: what the screening found in it is not released")
    assert SVG not in graph and {"@id": SVG} not in graph["outputs/figures/"]["hasPart"]
    with open_source(bag) as source:
        assert SVG not in source.crate_entries() and PNG in source.crate_entries()
    report = _report(bag)
    assert report[SVG]["sha256"] is None and report[TABLE]["sha256"] == graph[TABLE]["sha256"]
    assert report[SVG]["size"] == 0 and report[SVG]["outcome"] == "fail"
    assert {(f["rule"], f["message"], f["flagged"], f["checked"]) for f in report[SVG]["findings"]} >= {
        ("sdc.blocked-format", "withheld: what the screening found in it is not released", 0, 0)}
    assert result.action["instrument"][1] == {"@id": REPORT} and len(result.action["result"]) == 6
    assert_golden("disclosure/verdicts-pruned.json", metadata_of(bag))
    assert _issues(bag) == []


def test_a_folder_verdict_with_hidden_names_leaves_no_trace_of_them(tmp_path: Path) -> None:
    bag = screened_crate(tmp_path)
    _verdicts(bag, DisclosureDecision.APPROVED, Verdict(TABLE, True), Verdict("outputs/figures/", False),
              prune=True, redact_withheld_names=True)
    metadata = metadata_of(bag)
    assert b"ages.svg" not in metadata and b"north.png" not in metadata and b"outputs/figures" not in metadata
    graph = _graph(bag)
    assert sorted(e["name"] for e in graph.values() if e["@id"].startswith("#withheld-")) == ["Withheld output"] * 2
    assert all("withheld output" in e["name"] for e in _by_type(graph, "FailedDisclosureCheck").values())
    assert sorted(_report(bag)) == [TABLE, "withheld output 1", "withheld output 2"]
    with open_source(bag) as source:
        assert not [name for name in source.crate_entries() if name.startswith("outputs/figures")]
    assert _issues(bag) == []


def test_verdicts_accumulate_and_a_new_one_replaces_the_old(tmp_path: Path) -> None:
    bag = screened_crate(tmp_path)
    _verdicts(bag, DisclosureDecision.IN_REVIEW, Verdict(TABLE, False), Verdict(PNG, True))
    assert _issues(bag) == []  # a rejected output may wait for the decision in review
    _verdicts(bag, DisclosureDecision.APPROVED, Verdict(TABLE, True, "checked again"), Verdict(SVG, False),
              prune=True, first=200)
    graph = _graph(bag)
    assert set(_by_type(graph, "PassedDisclosureCheck")) == {TABLE, PNG}
    assert _by_type(graph, "PassedDisclosureCheck")[TABLE]["reviewBody"] == "checked again"
    assert len(_by_type(graph, "FailedDisclosureCheck")) == 1  # the earlier rejection of the table is gone
    assert _issues(bag) == []


def test_a_value_output_needs_a_verdict_by_its_id(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    clock = FixedClock()
    api.start_run(bag, clock=clock)
    table = tmp_path / "counts.csv"
    table.write_bytes(b"age_band,count\n40-49,12\n")
    api.add_results(bag, [OutputFile(table), OutputValue("cohort size", 1234)], clock=clock, new_id=FixedIds())
    api.finish_run(bag, clock=clock)
    api.record_screening(bag, agent=SCREENER, clock=clock, new_id=FixedIds())
    value = "#output-5afe0000-0000-4000-8000-000000000001"
    assert _by_type(_graph(bag), "ScreeningNotChecked")[value]["reviewBody"].startswith("a value output")
    _refused(bag, lambda t: _verdicts(t, DisclosureDecision.APPROVED, Verdict("outputs/counts.csv", True)),
             StepRefused, r"1 output\(s\) in scope have no verdict \(#output-")
    _verdicts(bag, DisclosureDecision.APPROVED, Verdict("outputs/counts.csv", True), Verdict(value, True))
    assert _issues(bag) == []


def test_a_rejection_points_every_review_to_a_placeholder(tmp_path: Path) -> None:
    bag = screened_crate(tmp_path)
    _verdicts(bag, DisclosureDecision.REJECTED, Verdict(SVG, False), reason="figures embed exact points",
              remove_run=True)
    graph = _graph(bag)
    reviews = [e for e in graph.values() if e.get("@type") == "Review"]
    assert len(reviews) == 4
    assert all(r["itemReviewed"]["@id"].startswith("#withheld-") and "sha256" not in r for r in reviews)
    assert all(output["sha256"] is None for output in _report(bag).values())
    assert _issues(bag) == []


@pytest.mark.parametrize(
    ("verdicts", "options", "error", "message"),
    [
        ([Verdict(TABLE, True)], {}, StepRefused, r"2 output\(s\) in scope have no verdict"),
        ([Verdict(TABLE, True), Verdict(PNG, True), Verdict(SVG, True)], {}, StepRefused,
         "cannot approve outputs/figures/ages.svg: the screening failed it; approve it only with a comment"),
        ([Verdict(TABLE, True), Verdict(PNG, True), Verdict(SVG, False)], {}, StepRefused,
         "rejected outputs must be pruned first"),
        ([Verdict("outputs/other.csv", True)], {}, UsageError, "not an output in scope"),
        ([Verdict("outputs/figures", True), Verdict(SVG, False)], {}, UsageError, "two verdicts for one output"),
        ([Verdict(TABLE, True)], {"redact_withheld_names": True}, UsageError, "names can only be hidden"),
    ],
)
def test_guard_rails_refuse_and_leave_the_crate(tmp_path: Path, verdicts: list[Verdict], options: dict[str, Any],
                                                error: type[Exception], message: str) -> None:
    bag = screened_crate(tmp_path)
    _refused(bag, lambda t: _verdicts(t, DisclosureDecision.APPROVED, *verdicts, **options), error, message)


def test_a_verdict_on_bytes_changed_since_screening_is_refused(tmp_path: Path) -> None:
    folder = screened_crate(tmp_path, form="crate")
    (folder / TABLE).write_bytes(b"age_band,count\n40-49,2\n")
    _refused(folder, lambda t: _verdicts(t, DisclosureDecision.IN_REVIEW, Verdict(PNG, True)), StepRefused,
             "the bytes of outputs/summary.csv changed since it was screened")
    _refused(folder, lambda t: _verdicts(t, DisclosureDecision.REJECTED, reason="x", prune=True), UsageError,
             "prune is for the rejected outputs")


def test_end_to_end_one_output_approved_one_rejected(tmp_path: Path) -> None:
    """The whole disclosure phase: screening, verdicts, pruning, publishing, and what the researcher receives."""
    bag = completed_crate(tmp_path, {"counts.csv": b"age_band,count\n40-49,12\n50-59,17\n",
                                     "small.csv": b"age_band,count\n40-49,3\n"})
    steps = [api.record_screening(bag, agent=SCREENER, clock=FixedClock(), new_id=FixedIds()).step]
    assert _issues(bag) == []
    steps.append(_verdicts(bag, DisclosureDecision.APPROVED, Verdict("outputs/counts.csv", True),
                           Verdict("outputs/small.csv", False, "a count below 10"), prune=True))
    assert _issues(bag) == []
    steps.append(api.publish(bag, publisher=TRE, license=License("https://spdx.org/licenses/CC-BY-4.0"), agent=TRE,
                             clock=FixedClock(datetime(2024, 3, 5, 9, 0, tzinfo=UTC))))
    report = api.validate(bag, threshold=Severity.SHOULD)
    assert report.stage is Stage.PUBLISHED and report.valid, [(i.check, i.message) for i in report.at_threshold()]
    with open_source(bag) as source:
        assert sorted(name for name in source.crate_entries() if name.startswith("outputs/")) == ["outputs/counts.csv"]
    receipt = api.receive(bag)
    assert receipt.accepted, receipt.reasons
    assert [(v.name, v.approved, v.withheld, v.comment) for v in receipt.verdicts] == [
        ("outputs/counts.csv", True, False, None),
        ("Withheld output outputs/small.csv", False, True, "a count below 10"),
    ]
    assert [step.status for step in steps] == [Status.POTENTIAL, Status.COMPLETED, Status.COMPLETED]


def test_an_undeclared_output_is_described_judged_and_pruned(tmp_path: Path) -> None:
    folder = executed_crate(tmp_path, form="crate")
    (folder / "outputs" / "debug.log").write_bytes(b"run finished\n")  # in the bag, so it leaves: in scope
    _refused(folder, lambda t: _verdicts(t, DisclosureDecision.APPROVED, Verdict(TABLE, True), Verdict(SVG, True),
                                         Verdict(PNG, True)), StepRefused, r"no verdict \(outputs/debug.log\)")
    result = _verdicts(folder, DisclosureDecision.APPROVED, Verdict(TABLE, True), Verdict("outputs/figures", True),
                       Verdict("outputs/debug.log", False, "not a result"), prune=True)
    assert "outputs/debug.log" in result.removed and not (folder / "outputs" / "debug.log").exists()
    graph = _graph(folder)
    assert "outputs/debug.log" not in graph
    assert [graph[i]["name"] for i in _by_type(graph, "FailedDisclosureCheck")] == ["Withheld output outputs/debug.log"]
    assert _issues(folder) == []
