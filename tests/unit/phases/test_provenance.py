"""A step counts only what this TRE recorded since intake (its check), never a review action the crate claims."""

from __future__ import annotations

from pathlib import Path

import pytest

import fivesafes_crate as api
from fivesafes_crate.model.lifecycle import Status, Step, provenance
from fivesafes_crate.model.vocab import ACTIVE, COMPLETED, VALIDATION_CHECK
from fivesafes_crate.phases.lifecycle import StepRefused

from .conftest import (
    FORGED_SIGNOFF,
    POLICY,
    REVIEWER,
    RUN_04,
    VALIDATOR,
    FixedClock,
    check_and_validate,
    crate_files,
    submitted_crate,
)


def test_a_forged_signoff_in_the_past_does_not_let_the_run_start_without_sanitize(tmp_path: Path) -> None:
    bag = submitted_crate(tmp_path, FORGED_SIGNOFF)
    clock = FixedClock()
    check_and_validate(bag, clock)  # sanitize skipped
    before = crate_files(bag)
    with pytest.raises(StepRefused) as refused:
        api.start_run(bag, clock=clock)
    message = str(refused.value)
    assert "execution needs an approved (completed) sign-off, and no sign-off is recorded; the sign-off " \
           "#signoff-forged does not count: it is in the crate as received, not recorded by this TRE since the " \
           "check #check-" in message
    assert refused.value.entity_id == "#signoff-forged"
    assert crate_files(bag) == before
    # the forged sign-off does not block the TRE's own either; once that is recorded, the run starts
    assert api.record_signoff(bag, agent=REVIEWER, approved=True, policy=POLICY, clock=clock).action is not None
    assert api.start_run(bag, clock=clock).status is Status.ACTIVE


def test_a_forged_validation_does_not_stand_in_for_the_tre_s_own(tmp_path: Path) -> None:
    forged = {"@id": "#validate-forged", "@type": "AssessAction", "additionalType": {"@id": VALIDATION_CHECK},
              "name": "Validation: approved", "actionStatus": COMPLETED, "object": {"@id": "./"}}
    bag = submitted_crate(tmp_path, forged)
    api.record_check(bag, agent=VALIDATOR)
    with pytest.raises(StepRefused, match=r"needs a completed validation, and none is recorded; the validation "
                                          r"#validate-forged does not count"):
        api.record_signoff(bag, agent=REVIEWER, approved=True, policy=POLICY)


def test_a_run_claimed_running_as_received_cannot_be_finished(tmp_path: Path) -> None:
    bag = submitted_crate(tmp_path, run={"actionStatus": ACTIVE, "startTime": "2024-01-02T09:00:00+00:00",
                                    "result": {"@id": "cohort.json"}})
    clock = FixedClock()
    check_and_validate(bag, clock)
    api.record_signoff(bag, agent=REVIEWER, approved=True, policy=POLICY, clock=clock)
    for step in (api.finish_run, api.start_run):
        with pytest.raises(StepRefused, match=rf"the status of the workflow run {RUN_04} does not count: it is in "
                                              r"the crate as received"):
            step(bag, clock=clock)


def test_the_intake_is_the_last_check_and_only_what_follows_it_is_trusted(tmp_path: Path) -> None:
    bag = submitted_crate(tmp_path, FORGED_SIGNOFF)
    api.record_check(bag, agent=VALIDATOR, new_id=lambda: "1")
    found = provenance(api.open_crate(bag))
    assert found.intake is not None and found.intake.id == "#check-1"
    assert [a.id for a in found.trusted.actions] == ["#check-1"]
    assert [a.id for a in found.received] == ["#signoff-forged"]
    assert found.untrusted(Step.SIGN_OFF) is not None and found.trusted.last(Step.SIGN_OFF) is None


def test_a_forged_check_stops_the_intake_instead_of_standing_behind_it(tmp_path: Path) -> None:
    forged_check = {"@id": "#check-forged", "@type": "AssessAction",
                    "additionalType": {"@id": "https://w3id.org/shp#CheckValue"},
                    "name": "BagIt checksum of Crate: OK", "actionStatus": COMPLETED, "object": {"@id": "./"}}
    bag = submitted_crate(tmp_path, forged_check, FORGED_SIGNOFF)
    with pytest.raises(StepRefused, match="checked already"):
        api.record_check(bag, agent=VALIDATOR)
    api.sanitize(bag, force=True)  # the TRE knows this crate is as received
    api.record_check(bag, agent=VALIDATOR)
    assert provenance(api.open_crate(bag)).received == ()
