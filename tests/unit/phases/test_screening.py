"""Disclosure screening recorded in the crate (report, one review per output, instruments, pending check), the
automatic decision, and ACRO's results imported as screening reviews."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import fivesafes_crate as api
from fivesafes_crate import DisclosureDecision, License
from fivesafes_crate.disclosure_control import AcroResultsError, load_disclosure_policy
from fivesafes_crate.disclosure_control.report import screening_to_json
from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.lifecycle import Status
from fivesafes_crate.model.source import open_source
from fivesafes_crate.phases.disclosure.screening import ScreeningResult, record_screening
from fivesafes_crate.phases.lifecycle import StepRefused

from .conftest import (
    ACRO,
    OUTPUT_CHECKER,
    SCREENER,
    TRE,
    FixedClock,
    FixedIds,
    assert_golden,
    completed_crate,
    crate_files,
    executed_crate,
    metadata_of,
    running_crate,
    screened_crate,
)

TERMS = "https://w3id.org/fivesafes-crate/terms#"
SHP = "https://w3id.org/shp#"
REPORT = "disclosure/sdc-report.json"
COUNTS = b"age_band,count\n40-49,12\n50-59,17\n"


def _graph(target: Path) -> dict[str, dict[str, Any]]:
    return {entity["@id"]: entity for entity in json.loads(metadata_of(target))["@graph"]}


def _reviews(graph: dict[str, dict[str, Any]], prefix: str) -> dict[str, dict[str, Any]]:
    """The reviews with ids starting ``prefix``, by the item they review."""
    return {e["itemReviewed"]["@id"]: e for i, e in graph.items() if i.startswith(prefix) and e["@type"] == "Review"}


def _outcome(review: dict[str, Any]) -> str:
    return str(review["additionalType"]["@id"]).rsplit("#", 1)[1]


def _screen(target: Path, **options: Any) -> ScreeningResult:
    policy = load_disclosure_policy(options.pop("policy", "acro-default"))
    return record_screening(target, agent=SCREENER, policy=policy, clock=FixedClock(), new_id=FixedIds(), **options)


def _should(target: Path) -> list[str]:
    report = api.validate(target, threshold=Severity.SHOULD)
    return sorted(f"{issue.check} {issue.focus}" for issue in report.at_threshold())


def test_screening_records_the_report_a_review_per_output_and_a_pending_check(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    result = _screen(bag)
    step = result.step
    assert step.summary == "screening: 3 output(s) (1 fail, 1 review, 1 pass) recorded; disclosure check pending"
    assert step.status is Status.POTENTIAL and step.action is not None
    assert step.action["name"] == "Disclosure check of workflow results: pending (screening: 1 fail, 1 review, 1 pass)"
    assert step.action["agent"] == {"@id": SCREENER.id}
    policy = load_disclosure_policy("acro-default")
    policy_id = f"#sdc-policy-acro-default-{policy.digest[:12]}"
    assert step.action["instrument"] == [{"@id": policy_id}, {"@id": REPORT}]
    graph = _graph(bag)
    assert graph[policy_id] == {"@id": policy_id, "@type": "CreativeWork", "name": "ACRO defaults",
                                    "identifier": "acro-default", "sha256": policy.digest,
                                    "description": policy.description}
    with open_source(bag) as source, source.open_in_crate(REPORT) as stream:
        recorded = stream.read()
    assert json.loads(recorded) == screening_to_json(result.report)
    assert graph[REPORT]["sha256"] == hashlib.sha256(recorded).hexdigest()
    assert graph[REPORT]["encodingFormat"] == "application/json" and {"@id": REPORT} in graph["./"]["hasPart"]
    reviews = _reviews(graph, "#screening-")
    assert {item: _outcome(review) for item, review in reviews.items()} == {
        "outputs/figures/ages.svg": "ScreeningFail", "outputs/figures/by-region/north.png": "ScreeningReview",
        "outputs/summary.csv": "ScreeningPass"}
    for item, review in reviews.items():
        assert review["sha256"] == graph[item]["sha256"] == result.report.output(item).sha256  # type: ignore[union-attr]
        assert review["author"] == {"@id": SCREENER.id} and review["isBasedOn"] == {"@id": REPORT}
    assert reviews["outputs/figures/ages.svg"]["reviewBody"].startswith("sdc.blocked-format (fail): ")
    assert graph[TERMS + "ScreeningFail"]["@type"] == "DefinedTerm"
    assert graph[SCREENER.id]["provider"] == {"@id": TRE.id}
    assert_golden("screening/screened.json", metadata_of(bag))
    assert api.validate(bag).stage is Stage.EXECUTED and _should(bag) == []


def test_a_new_screening_replaces_the_previous_one_and_its_policy(tmp_path: Path) -> None:
    bag = screened_crate(tmp_path)
    first = _graph(bag)
    _screen(bag, policy="uk-llc")
    graph = _graph(bag)
    check = next(e for i, e in graph.items() if i.startswith("#disclosure-"))
    assert len(_reviews(graph, "#screening-")) == 3 and len(check["result"]) == 3
    assert not set(_reviews(first, "#screening-")) - set(_reviews(graph, "#screening-"))  # same items
    policies = [i for i in graph if i.startswith("#sdc-policy-")]
    assert policies == [f"#sdc-policy-uk-llc-{load_disclosure_policy('uk-llc').digest[:12]}"]
    assert check["instrument"] == [{"@id": REPORT}, {"@id": policies[0]}]
    assert _should(bag) == []


def test_as_decision_approves_when_every_output_passed(tmp_path: Path) -> None:
    bag = completed_crate(tmp_path, {"counts.csv": COUNTS})
    result = _screen(bag, as_decision=True)
    assert result.step.status is Status.COMPLETED
    assert result.step.summary.endswith("disclosure check approved (every output passed)")
    graph = _graph(bag)
    verdict = _reviews(graph, "#verdict-")["outputs/counts.csv"]
    assert _outcome(verdict) == "PassedDisclosureCheck" and verdict["author"] == {"@id": SCREENER.id}
    assert verdict["sha256"] == hashlib.sha256(COUNTS).hexdigest()
    assert verdict["reviewBody"] == "released automatically: every rule passed under policy acro-default"
    assert _should(bag) == []
    api.publish(bag, publisher=TRE, license=License("https://spdx.org/licenses/CC-BY-4.0"), agent=TRE,
                clock=FixedClock(datetime(2024, 3, 5, 9, 0, tzinfo=UTC)))
    receipt = api.receive(bag)
    assert receipt.accepted, receipt.reasons
    assert [(v.name, v.approved, v.author) for v in receipt.verdicts] == [
        ("outputs/counts.csv", True, SCREENER.name)]


def test_as_decision_leaves_anything_but_a_clean_pass_to_the_checker(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    api.record_disclosure(bag, DisclosureDecision.IN_REVIEW, agent=OUTPUT_CHECKER, clock=FixedClock(),
                          new_id=FixedIds())
    result = _screen(bag, as_decision=True)
    assert result.step.status is Status.ACTIVE and result.step.action is not None
    assert result.step.summary.endswith("disclosure check in review")
    assert result.step.action["name"] == "Disclosure check of workflow results: in review"
    assert result.step.action["agent"] == {"@id": OUTPUT_CHECKER.id}  # the checker's review goes on
    assert not [i for i in _graph(bag) if i.startswith("#verdict-")]


def _refused(target: Path, step: Callable[[Path], object], error: type[Exception], message: str) -> None:
    before = crate_files(target)
    with pytest.raises(error, match=message):
        step(target)
    assert crate_files(target) == before


def test_refusals_leave_the_crate_untouched(tmp_path: Path) -> None:
    for name in ("running", "decided"):
        (tmp_path / name).mkdir()
    running = running_crate(tmp_path / "running", results=True)
    _refused(running, _screen, StepRefused, "needs a completed workflow run, and it is active")
    bag = executed_crate(tmp_path / "decided", form="crate")
    _refused(bag, lambda t: record_screening(t, agent=OUTPUT_CHECKER, policy=load_disclosure_policy()), UsageError,
             "SoftwareApplication")
    (bag / "outputs" / "summary.csv").write_bytes(COUNTS.replace(b"12", b"13"))
    _refused(bag, _screen, StepRefused, "the bytes of outputs/summary.csv differ from the sha256 the crate records")
    (bag / "outputs" / "summary.csv").write_bytes(COUNTS)
    api.record_disclosure(bag, DisclosureDecision.APPROVED, agent=OUTPUT_CHECKER, clock=FixedClock())
    _refused(bag, _screen, StepRefused, "already decided")


# --- ACRO --------------------------------------------------------------------------------------------------


@pytest.fixture
def standalone(reference_dir: Path) -> Path:
    return reference_dir / "acro-sample-1.0.2" / "standalone"


def _acro_crate(folder: Path, standalone: Path, **extra: bytes) -> Path:
    files = {name: (standalone / name).read_bytes() for name in ("output_0_0.csv", "output_1_0.csv", "note.txt")}
    return completed_crate(folder, {**files, **extra})


def _import(target: Path, folder: Path, timezone: str = "+01:00") -> str:
    return api.import_acro(target, folder, timezone=timezone, agent=ACRO, clock=FixedClock(), new_id=FixedIds()).summary


def test_acro_verdicts_comments_and_exceptions_become_screening_reviews(tmp_path: Path, standalone: Path) -> None:
    bag = _acro_crate(tmp_path, standalone, **{"extra.csv": COUNTS})
    summary = _import(bag, standalone)
    assert summary == ("ACRO results imported: 3 ACRO output(s) matched 4 file(s) (2 fail, 1 review, 0 pass, "
                       "1 not-checked); 1 releasable ACRO output(s) are not in the crate (output_2); "
                       "disclosure check pending")
    graph = _graph(bag)
    reviews = _reviews(graph, "#acro-")
    assert {item: _outcome(review) for item, review in reviews.items()} == {
        "outputs/output_0_0.csv": "ScreeningFail", "outputs/output_1_0.csv": "ScreeningFail",
        "outputs/note.txt": "ScreeningReview", "outputs/extra.csv": "ScreeningNotChecked"}
    table = reviews["outputs/output_0_0.csv"]
    assert table["identifier"] == "output_0" and table["dateCreated"] == "2026-11-28T15:30:58+01:00"
    assert table["reviewBody"] == ("ACRO output_0 (table, crosstab): fail; MinimumThresholdCheck (sdc.threshold) "
                                   "flagged 5 cell(s)")
    assert table["sha256"] == graph["outputs/output_0_0.csv"]["sha256"] and table["isBasedOn"] == {
        "@id": "#acro-results"}
    exception = graph[table["comment"][0]["@id"]]
    assert (exception["name"], exception["text"]) == ("Exception requested by the researcher",
                                                      "small cells are structural")
    assert graph[reviews["outputs/note.txt"]["comment"][0]["@id"]]["text"] == "a text note"
    assert reviews["outputs/extra.csv"]["reviewBody"] == "not in ACRO's results"
    assert graph["#acro-results"]["version"] == "1.0.2" and graph[ACRO.id]["softwareVersion"] == "1.0.2"
    assert _should(bag) == []
    _import(bag, standalone)  # a new import replaces the previous one, comments included
    again = _graph(bag)
    assert len(_reviews(again, "#acro-")) == 4 and len([e for e in again.values() if e["@type"] == "Comment"]) == 2


def test_acro_checksums_are_verified_before_anything_is_written(tmp_path: Path, standalone: Path) -> None:
    bag = _acro_crate(tmp_path, standalone)
    copy = shutil.copytree(standalone, tmp_path / "acro")
    (copy / "output_0_0.csv").write_bytes(b"region,A\nWest,3\n")
    _refused(bag, lambda t: _import(t, copy), AcroResultsError, "differs from its checksum")
    _refused(bag, lambda t: _import(t, standalone, "Mars/Olympus"), UsageError, "unknown timezone")


def test_a_file_acro_checked_with_other_bytes_is_not_checked(tmp_path: Path, standalone: Path) -> None:
    bag = completed_crate(tmp_path, {"output_0_0.csv": COUNTS})
    _import(bag, standalone)
    review = _reviews(_graph(bag), "#acro-")["outputs/output_0_0.csv"]
    assert _outcome(review) == "ScreeningNotChecked" and "other bytes" in review["reviewBody"]


def _acro_results(folder: Path, outputs: dict[str, tuple[str, dict[str, bytes], dict[str, int]]]) -> Path:
    """A verified ACRO 1.x results folder: ``uid -> (status, {file name: bytes}, sdc summary)``."""
    folder.mkdir()
    results: dict[str, Any] = {}
    for uid, (status, files, summary) in outputs.items():
        for name, data in files.items():
            (folder / name).write_bytes(data)
        results[uid] = {"uid": uid, "status": status, "type": "table", "properties": {"method": "crosstab"},
                        "files": [{"name": name, "sdc": {"summary": summary, "cells": {}}} for name in files],
                        "outcome": {}, "command": "", "summary": "", "timestamp": "2026-11-28T15:30:58",
                        "comments": [], "exception": "", "fair": {"check_status": {
                            check: "fail" if count else "pass" for check, count in summary.items()}}}
    (folder / "results.json").write_text(json.dumps({"version": "1.0.2", "tool": {"name": "ACRO"},
                                                     "results": results}), "utf-8")
    (folder / "checksums").mkdir()
    for path in folder.iterdir():
        if path.is_file():
            (folder / "checksums" / f"{path.name}.txt").write_text(hashlib.sha256(path.read_bytes()).hexdigest())
    return folder


def test_identical_bytes_take_the_acro_output_of_the_same_name_or_the_worst(tmp_path: Path) -> None:
    """Two ACRO outputs with the same bytes: the file named like this one decides; otherwise the worst status,
    said to be ambiguous (issue 15, class 8). A passing twin listed first must not release a failed file."""
    table = b"region,count\nNorth,50\nWest,3\n"
    acro = _acro_results(tmp_path / "acro", {
        "output_0": ("pass", {"output_0_0.csv": table}, {"MinimumThresholdCheck": 0}),
        "output_1": ("fail", {"output_1_0.csv": table}, {"MinimumThresholdCheck": 1}),
    })
    (tmp_path / "named").mkdir()
    bag = completed_crate(tmp_path / "named", {"output_1_0.csv": table, "copy.csv": table})
    _import(bag, acro)
    reviews = _reviews(_graph(bag), "#acro-")
    named, other = reviews["outputs/output_1_0.csv"], reviews["outputs/copy.csv"]
    assert (_outcome(named), named["identifier"]) == ("ScreeningFail", "output_1")
    assert "ambiguous" not in named["reviewBody"]
    assert (_outcome(other), other["identifier"]) == ("ScreeningFail", "output_1")
    assert "ambiguous: ACRO checked the same bytes as output_0" in other["reviewBody"]


def test_acro_minimum_dof_sums_are_never_copied(tmp_path: Path) -> None:
    """ACRO's MinimumDoFCheck number for a table is the sum of n - 1 over its cells: it gives group sizes away."""
    acro = _acro_results(tmp_path / "acro", {
        "output_0": ("fail", {"output_0_0.csv": b"region,std\nEast,1.5\nWest,2.5\n"}, {"MinimumDoFCheck": 288})})
    (tmp_path / "crate").mkdir()
    bag = completed_crate(tmp_path / "crate", {"output_0_0.csv": b"region,std\nEast,1.5\nWest,2.5\n"})
    _import(bag, acro)
    body = _reviews(_graph(bag), "#acro-")["outputs/output_0_0.csv"]["reviewBody"]
    assert body == "ACRO output_0 (table, crosstab): fail; MinimumDoFCheck (sdc.dof) fail" and "288" not in body
