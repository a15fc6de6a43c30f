"""``status`` and ``receive``: the timeline in lifecycle order and the receiving phase's verdict and reasons."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

import fivesafes_crate as api
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.lifecycle import Status, Step
from fivesafes_crate.packaging import package

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
URN = "urn:uuid:5b7d1c55-2a8e-4a55-9b53-0c6d4b2f7a10"


def bag_of(example: str, tmp_path: Path) -> Path:
    return package(EXAMPLES / example, tmp_path / f"{example}.bagit.zip", external_identifier=URN,
                bagging_date=date(2024, 3, 6))


def test_status_lists_every_action_in_lifecycle_order_with_agent_names() -> None:
    timeline = api.status(EXAMPLES / "published")
    assert timeline.stage is Stage.PUBLISHED
    assert [row.step for row in timeline.rows] == [
        Step.CHECK, Step.VALIDATION, Step.RETRIEVAL, Step.SIGN_OFF, Step.EXECUTION, Step.DISCLOSURE, Step.PUBLISHING
    ]
    assert all(row.status is Status.COMPLETED for row in timeline.rows)
    signoff = next(row for row in timeline.rows if row.step is Step.SIGN_OFF)
    assert signoff.agents == ("Alex Reviewer",)  # the agent's name, not its @id
    assert signoff.end is not None and signoff.name.endswith("approved")


def test_status_of_a_request_shows_the_queued_run_only() -> None:
    timeline = api.status(EXAMPLES / "request")
    assert timeline.stage is Stage.REQUEST
    assert [(row.step, row.status) for row in timeline.rows] == [(Step.EXECUTION, Status.POTENTIAL)]


def test_a_published_bag_is_accepted(tmp_path: Path) -> None:
    receipt = api.receive(bag_of("published", tmp_path))
    assert receipt.accepted, receipt.reasons
    assert receipt.reasons == ()
    assert receipt.bag is not None and receipt.bag.valid
    assert receipt.report.valid and receipt.report.threshold is Severity.SHOULD


def test_a_crate_folder_is_not_accepted_because_its_manifests_cannot_be_checked() -> None:
    receipt = api.receive(EXAMPLES / "published")
    assert not receipt.accepted
    assert receipt.reasons == ("not a bag: the BagIt manifests cannot be checked",)


def test_a_changed_byte_is_a_reason(tmp_path: Path) -> None:
    folder = tmp_path / "published"
    shutil.copytree(EXAMPLES / "published", folder)
    bag = package(folder, tmp_path / "bag", folder=True, external_identifier=URN, bagging_date=date(2024, 3, 6))
    output = bag / "data" / "outputs" / "summary.csv"
    data = bytearray(output.read_bytes())
    data[0] ^= 1
    output.write_bytes(bytes(data))
    receipt = api.receive(bag)
    assert not receipt.accepted
    assert receipt.reasons[0].startswith("the bag's manifests do not verify (1 problem(s)")


def test_a_rejected_disclosure_is_reported_and_the_withdrawn_run_is_not_called_missing(tmp_path: Path) -> None:
    receipt = api.receive(bag_of("disclosure-rejected", tmp_path))
    assert not receipt.accepted
    assert receipt.reasons == (
        "disclosure check failed: Disclosure check of workflow results: rejected (counts below 10 in some age bands)",
        "no publishing recorded",
    )


@pytest.mark.parametrize(
    ("example", "reasons"),
    [
        ("request", ["no check recorded", "no validation recorded", "no sign-off recorded",
                     "execution potential: Execute age-banded cohort counts for project 81",
                     "no disclosure check recorded", "no publishing recorded"]),
        ("executed", ["disclosure check potential: Disclosure check of workflow results: pending "
                      "(estimate: 3 working days)", "no publishing recorded"]),
    ],
)
def test_unfinished_crates_list_every_missing_or_pending_step(tmp_path: Path, example: str, reasons: list[str]) -> None:
    receipt = api.receive(bag_of(example, tmp_path))
    assert not receipt.accepted
    assert list(receipt.reasons) == reasons
