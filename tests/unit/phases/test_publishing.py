"""Publishing phase: root properties, mentions and parts, GenerateCheckValue written before the manifests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import fivesafes_crate as api
from fivesafes_crate import DisclosureDecision, License
from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.lifecycle import Status, Step
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import verify_bag
from fivesafes_crate.phases.lifecycle import Agent, AgentKind, StepRefused, StepResult, apply_step

from .conftest import (
    OUTPUT_CHECKER,
    TRE,
    VALIDATOR,
    FixedClock,
    FixedIds,
    approved_crate,
    assert_golden,
    crate_files,
    executed_crate,
    metadata_of,
)

CC_BY = License("https://spdx.org/licenses/CC-BY-4.0", "Creative Commons Attribution 4.0 International")
ACTION = "#bagit-5afe0000-0000-4000-8000-000000000001"


def _publish(target: Path, **options: Any) -> StepResult:
    arguments: dict[str, Any] = {"publisher": TRE, "license": CC_BY, "agent": VALIDATOR, "clock": FixedClock(),
                                 "new_id": FixedIds(), **options}
    return api.publish(target, **arguments)


def _graph(target: Path) -> dict[str, dict[str, Any]]:
    return {entity["@id"]: entity for entity in json.loads(metadata_of(target))["@graph"]}


def test_publishing_an_approved_bag(tmp_path: Path) -> None:
    bag = approved_crate(tmp_path)
    result = _publish(bag)
    assert result.status is Status.COMPLETED
    assert result.summary == ("publishing: published by Example Safe Haven trusted research environment at "
                              "2024-03-04T09:01:00+00:00; manifests regenerated")
    graph = _graph(bag)
    root = graph["./"]
    assert root["datePublished"] == "2024-03-04T09:01:00+00:00"
    assert root["publisher"] == {"@id": TRE.id} and root["license"] == {"@id": CC_BY.id}
    assert graph[CC_BY.id] == {"@id": CC_BY.id, "@type": "CreativeWork", "name": CC_BY.name,
                               "identifier": "CC-BY-4.0"}
    action = graph[ACTION]
    assert action["@type"] == "UpdateAction"
    assert action["additionalType"] == {"@id": "https://w3id.org/shp#GenerateCheckValue"}
    assert action["actionStatus"] == "http://schema.org/CompletedActionStatus"
    assert action["startTime"] == "2024-03-04T09:01:00+00:00" and "endTime" not in action  # written before
    assert action["instrument"] == {"@id": "https://www.iana.org/assignments/named-information#sha-512"}
    assert {"@id": ACTION} in root["mentions"]
    assert_golden("publishing/published.json", metadata_of(bag))
    report = api.validate(bag, threshold=Severity.SHOULD)
    assert report.stage is Stage.PUBLISHED
    assert report.valid, [(issue.check, issue.focus) for issue in report.at_threshold()]
    with open_source(bag) as source:
        assert verify_bag(source).valid


def test_mentions_and_has_part_are_expanded(tmp_path: Path) -> None:
    bag = approved_crate(tmp_path)

    def forget(space: Any, state: Any) -> tuple[None, str]:  # what a crate edited by other tools may look like
        edit = space.crate.edit()
        edit.unlink("./", "mentions", "#validate-5afe0000-0000-4000-8000-000000000c02")
        edit.unlink("./", "hasPart", "outputs/summary.csv")
        space.touch()
        return None, "edited"

    apply_step(bag, forget, clock=FixedClock())
    _publish(bag)
    root = _graph(bag)["./"]
    assert {"@id": "#validate-5afe0000-0000-4000-8000-000000000c02"} in root["mentions"]
    assert {"@id": "outputs/summary.csv"} in root["hasPart"]


def test_the_payload_manifest_then_the_tag_manifest_are_regenerated_before_signing(tmp_path: Path) -> None:
    bag = approved_crate(tmp_path, form="bag")
    seen: list[tuple[Step, str | None, bool]] = []

    def sign(folder: Path, step: Step, action: str | None) -> None:
        manifest = (folder / "manifest-sha512.txt").read_bytes()
        metadata = (folder / "data" / "ro-crate-metadata.json").read_bytes()
        tags = (folder / "tagmanifest-sha512.txt").read_text()
        current = (f"{hashlib.sha512(metadata).hexdigest()}  data/ro-crate-metadata.json" in manifest.decode()
                   and f"{hashlib.sha512(manifest).hexdigest()}  manifest-sha512.txt" in tags)
        seen.append((step, action, current))

    _publish(bag, sign=sign)
    assert seen == [(Step.PUBLISHING, ACTION, True)]


# --- refusals: the crate is byte-identical afterwards ---------------------------------------------------------


def _refused(target: Path, step: Callable[[Path], object], error: type[Exception], message: str) -> None:
    before = crate_files(target)
    with pytest.raises(error, match=message):
        step(target)
    assert crate_files(target) == before


def test_publishing_needs_an_approved_disclosure_check(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    _refused(bag, _publish, StepRefused, "needs an approved disclosure check, and none is recorded")
    api.record_disclosure(bag, DisclosureDecision.PENDING, agent=OUTPUT_CHECKER, clock=FixedClock())
    _refused(bag, _publish, StepRefused, "needs an approved disclosure check, and it is pending")


def test_publishing_twice_is_refused(tmp_path: Path) -> None:
    bag = approved_crate(tmp_path)
    _publish(bag)
    _refused(bag, _publish, StepRefused, "the crate was published; it must not change any more")
    _refused(bag, lambda t: api.record_disclosure(t, DisclosureDecision.PENDING, agent=OUTPUT_CHECKER),
             StepRefused, "was published")


def test_a_plain_crate_folder_cannot_be_published(tmp_path: Path) -> None:
    folder = approved_crate(tmp_path, form="crate")
    _refused(folder, _publish, UsageError, "needs a bag")


def test_the_publisher_is_an_organization(tmp_path: Path) -> None:
    bag = approved_crate(tmp_path)
    person = Agent("https://orcid.org/0000-0003-1234-5674", "Alex Reviewer", AgentKind.PERSON)
    _refused(bag, lambda t: _publish(t, publisher=person), UsageError, "publisher is the TRE Organization")
    with pytest.raises(UsageError, match="absolute URI"):
        License("CC-BY-4.0")
