"""Sign-off phase: one decision under the agreement policy; a rejection ends the lifecycle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import fivesafes_crate as api
from fivesafes_crate import Agent, AgentKind, Crate
from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.lifecycle import Status, lifecycle_state
from fivesafes_crate.phases.lifecycle import StepRefused

from .conftest import (
    POLICY,
    PROJECT_04,
    PROXY,
    REVIEWER,
    WORKFLOW_04,
    FixedClock,
    FixedIds,
    assert_golden,
    checked_bag,
    crate_files,
    metadata_of,
    validated_bag,
    workflow_crate,
)

RESEARCHER = "https://orcid.org/0000-0002-1825-0097"


def _graph(target: Path) -> dict[str, dict[str, Any]]:
    return {entity["@id"]: entity for entity in json.loads(metadata_of(target))["@graph"]}


def _valid_at_should(target: Path) -> None:
    report = api.validate(target, threshold=Severity.SHOULD)
    assert report.stage is Stage.UNDER_REVIEW
    assert report.valid, [(issue.check, issue.focus, issue.message) for issue in report.at_threshold()]
    assert api.verify_bag(target).valid


def test_an_approval_names_the_policy_workflow_and_project(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    api.record_retrieval(bag, workflow_crate(tmp_path), agent=PROXY, clock=FixedClock(), new_id=FixedIds())  # optional
    result = api.record_signoff(bag, agent=REVIEWER, approved=True, policy=POLICY,
                                policy_name="Agreement policy of the Example Safe Haven for project 81",
                                clock=FixedClock(), new_id=FixedIds())
    assert result.status is Status.COMPLETED
    assert result.summary == f"sign-off: approved under {POLICY}"
    action = result.action
    assert action is not None and action["@id"] == "#signoff-5afe0000-0000-4000-8000-000000000001"
    assert action["name"] == "Sign-off of execution according to Agreement policy: approved"
    assert action["object"] == [{"@id": "./"}, {"@id": WORKFLOW_04}, {"@id": PROJECT_04}]
    assert action["instrument"] == {"@id": POLICY} and "description" not in action
    assert _graph(bag)[POLICY] == {"@id": POLICY, "@type": "CreativeWork",
                                   "name": "Agreement policy of the Example Safe Haven for project 81"}
    assert_golden("signoff/approved.json", metadata_of(bag))
    _valid_at_should(bag)


def test_a_rejection_is_failed_and_ends_the_lifecycle(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path, form="zip")
    result = api.record_signoff(bag, agent=REVIEWER, approved=False, policy=POLICY,
                                reason="Project 81 may not use the primary care extract.", clock=FixedClock(),
                                new_id=FixedIds())
    assert result.status is Status.FAILED
    assert result.summary == f"sign-off: rejected under {POLICY}: Project 81 may not use the primary care extract."
    assert result.action is not None and result.action["name"].endswith(": rejected")
    assert result.action["description"] == "Project 81 may not use the primary care extract."
    assert _graph(bag)[POLICY]["name"] == f"Agreement policy {POLICY}"
    assert_golden("signoff/rejected.json", metadata_of(bag))
    _valid_at_should(bag)
    ended = lifecycle_state(Crate(json.loads(metadata_of(bag)))).ended
    assert ended is not None and ended.id == result.action["@id"]
    before = crate_files(bag)
    with pytest.raises(StepRefused, match="the sign-off failed"):
        api.record_signoff(bag, agent=REVIEWER, approved=True, policy=POLICY)
    assert crate_files(bag) == before


def test_a_second_sign_off_is_refused_even_after_an_approval(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    api.record_signoff(bag, agent=REVIEWER, approved=True, policy=POLICY)
    before = crate_files(bag)
    with pytest.raises(StepRefused, match="recorded already"):
        api.record_signoff(bag, agent=REVIEWER, approved=False, policy=POLICY)
    assert crate_files(bag) == before


def test_sign_off_needs_a_completed_validation(tmp_path: Path) -> None:
    bag = checked_bag(tmp_path)
    before = crate_files(bag)
    with pytest.raises(StepRefused, match="needs a completed validation"):
        api.record_signoff(bag, agent=REVIEWER, approved=True, policy=POLICY)
    assert crate_files(bag) == before


def test_an_agent_described_in_the_crate_is_reused(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    api.record_signoff(bag, agent=Agent(RESEARCHER, "Another name", AgentKind.PERSON), approved=True, policy=POLICY)
    ids = [entity["@id"] for entity in json.loads(metadata_of(bag))["@graph"]]
    assert ids.count(RESEARCHER) == 1
    assert _graph(bag)[RESEARCHER]["name"] == "Josiah Carberry"  # the crate's own description wins


@pytest.mark.parametrize("policy", ["agreement-policy/81", "https://tre.example.org/policy 81", "#", ""])
def test_the_policy_must_be_an_absolute_uri_or_fragment(tmp_path: Path, policy: str) -> None:
    with pytest.raises(UsageError, match="agreement policy"):
        api.record_signoff(tmp_path / "never-opened", agent=REVIEWER, approved=True, policy=policy)
