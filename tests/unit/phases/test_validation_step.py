"""Validation phase: ``validate()`` on the checked crate, recorded with the profile as instrument; TRE checks."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

import fivesafes_crate as api
from fivesafes_crate import ComparingCheck, ExpectedInputs, StepResult
from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import Issue, Severity, Stage
from fivesafes_crate.model.lifecycle import Status
from fivesafes_crate.phases.lifecycle import StepRefused
from fivesafes_crate.validation.registry import CheckContext

from .conftest import (
    PROFILE_04,
    RUN_04,
    VALIDATOR,
    FixedClock,
    FixedIds,
    assert_golden,
    checked_bag,
    crate_files,
    metadata_of,
    request_bag,
    validated_bag,
)

COHORT = {"@id": "https://safehaven.example.org/workflows/1042/3#cohort", "@type": "FormalParameter", "name": "cohort"}
WIDTH = {"@id": "https://safehaven.example.org/workflows/1042/3#age_band_width", "@type": "FormalParameter",
         "name": "age_band_width"}
REGION = {"@id": "https://safehaven.example.org/workflows/1042/3#region", "@type": "FormalParameter",
          "name": "region"}
INPUTS = ["cohort.json", "#input-age-band-width"]


def _graph(target: Path) -> dict[str, dict[str, Any]]:
    return {entity["@id"]: entity for entity in json.loads(metadata_of(target))["@graph"]}


def _valid_at_should(target: Path) -> None:
    report = api.validate(target, threshold=Severity.SHOULD)
    assert report.stage is Stage.UNDER_REVIEW
    assert report.valid, [(issue.check, issue.focus, issue.message) for issue in report.at_threshold()]
    assert api.verify_bag(target).valid


def _validate(bag: Path, **options: Any) -> StepResult:
    return api.record_validation(bag, agent=VALIDATOR, clock=FixedClock(), new_id=FixedIds(), **options)


def test_a_conforming_crate_is_approved_with_the_profile_as_instrument(tmp_path: Path) -> None:
    bag = checked_bag(tmp_path)
    result = _validate(bag)
    assert result.status is Status.COMPLETED
    assert result.summary == "validation: approved"
    action = result.action
    assert action is not None and action["@id"] == "#validate-5afe0000-0000-4000-8000-000000000001"
    assert action["name"] == "Validation against Five Safes RO-Crate profile 0.4: approved"
    assert action["instrument"] == {"@id": PROFILE_04} and action["object"] == {"@id": "./"}
    assert action["description"].startswith("1 issue(s) below the must threshold:\nmay metadata.root-identifier")
    assert _graph(bag)[PROFILE_04]["@type"] == "Profile"
    assert_golden("validation/approved.json", metadata_of(bag))
    _valid_at_should(bag)


def test_the_threshold_decides_and_a_failure_names_the_issue_count(tmp_path: Path) -> None:
    bag = checked_bag(tmp_path, form="zip")
    result = _validate(bag, threshold=Severity.MAY)
    assert result.status is Status.FAILED
    assert result.action is not None
    assert result.action["name"] == ("Validation against Five Safes RO-Crate profile 0.4: rejected (1 issue(s) at may "
                                     "level)")
    assert result.action["description"].splitlines()[0] == "1 issue(s) at may level or above:"
    assert result.summary.startswith("validation: rejected (1 issue(s) at may level): may metadata.root-identifier")
    _valid_at_should(bag)
    with pytest.raises(StepRefused, match="the validation failed"):
        api.record_signoff(bag, agent=VALIDATOR, approved=True, policy="https://safehaven.example.org/policy/81")


def test_expected_inputs_add_the_checked_inputs_to_object_and_the_expected_ones_to_instrument(tmp_path: Path) -> None:
    bag = checked_bag(tmp_path)
    result = _validate(bag, extra_checks=[ExpectedInputs([COHORT, WIDTH, {**REGION, "valueRequired": False}])])
    assert result.status is Status.COMPLETED
    action = result.action
    assert action is not None
    assert action["object"] == [{"@id": "./"}, *({"@id": i} for i in INPUTS)]
    assert action["instrument"] == [{"@id": PROFILE_04}, {"@id": COHORT["@id"]}, {"@id": WIDTH["@id"]},
                                    {"@id": REGION["@id"]}]
    assert _graph(bag)[COHORT["@id"]] == COHORT
    _valid_at_should(bag)


def test_unexpected_and_missing_inputs_fail_the_validation(tmp_path: Path) -> None:
    bag = checked_bag(tmp_path)
    result = _validate(bag, extra_checks=[ExpectedInputs([COHORT, REGION])])
    assert result.status is Status.FAILED
    assert result.action is not None
    assert result.action["name"].endswith("rejected (2 issue(s) at must level)")
    lines = result.action["description"].splitlines()
    assert "must tre.expected-inputs (#input-age-band-width exampleOfWork): input for parameter 'age_band_width' " \
           "is not an expected input of the workflow (expected: 'cohort', 'region')" in lines
    assert f"must tre.expected-inputs ({RUN_04} object): the workflow's input 'region' ({REGION['@id']}) is not " \
           "given" in lines
    assert_golden("validation/rejected-inputs.json", metadata_of(bag))
    _valid_at_should(bag)  # the TRE's expectations failed, the crate itself still conforms


def test_a_plain_extra_check_counts_without_touching_object_or_instrument(tmp_path: Path) -> None:
    def forbid_large_values(context: CheckContext) -> Iterable[Issue]:
        yield Issue(Severity.SHOULD, "tre.no-large-values", "age bands wider than 5 are not allowed here",
                    focus="#input-age-band-width")

    assert not isinstance(forbid_large_values, ComparingCheck)
    bag = checked_bag(tmp_path)
    approved = _validate(bag, extra_checks=[forbid_large_values])
    assert approved.status is Status.COMPLETED  # a should-level finding does not fail at the default threshold
    assert approved.action is not None and approved.action["instrument"] == {"@id": PROFILE_04}
    assert "should tre.no-large-values (#input-age-band-width)" in approved.action["description"]


@pytest.mark.parametrize("parameter", [{"name": "cohort"}, {"@id": "cohort", "name": "cohort"},
                                       {"@id": "#", "name": "cohort"}, {"@id": "#cohort"},
                                       {"@id": "#cohort", "name": " "}])
def test_expected_parameters_need_an_id_and_a_name(parameter: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        ExpectedInputs([parameter])


def test_validation_needs_a_completed_check(tmp_path: Path) -> None:
    bag = request_bag(tmp_path)
    before = crate_files(bag)
    with pytest.raises(StepRefused, match="check phase must be completed first, and no check is recorded"):
        api.record_validation(bag, agent=VALIDATOR)
    assert crate_files(bag) == before


def test_a_second_validation_is_refused(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    before = crate_files(bag)
    with pytest.raises(StepRefused, match="validated already"):
        api.record_validation(bag, agent=VALIDATOR)
    assert crate_files(bag) == before


def test_a_refusal_names_the_input_as_given_and_the_command_to_run_first(tmp_path: Path) -> None:
    bag = request_bag(tmp_path, form="zip")
    with pytest.raises(StepRefused) as caught:
        _validate(bag)
    assert caught.value.path == str(bag)
    assert caught.value.command == f"fivesafes tre check {bag}"
    assert str(caught.value).endswith(f"; run 'fivesafes tre check {bag}' first")
    (tmp_path / "again").mkdir()
    checked = checked_bag(tmp_path / "again")
    _validate(checked)
    with pytest.raises(StepRefused) as repeated:  # nothing to run first: it was done
        _validate(checked)
    assert repeated.value.command is None and "validated already" in repeated.value.message

