"""Workflow retrieval phase: an already-downloaded Workflow RO-Crate is matched, recorded and optionally nested."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

import fivesafes_crate as api
from fivesafes_crate import WorkflowMismatchError
from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.lifecycle import Status
from fivesafes_crate.phases.lifecycle import StepRefused

from .conftest import (
    EXAMPLE_REQUEST_DIR,
    PROXY,
    VALIDATOR,
    WORKFLOW_04,
    FixedClock,
    FixedIds,
    assert_golden,
    checked_bag,
    crate_files,
    metadata_of,
    request_bag,
    validated_bag,
    workflow_crate,
)

DOWNLOAD_URL = "https://workflowhub.eu/workflows/1042/ro_crate?version=3"
WORKFLOW_RO_CRATE = "https://w3id.org/workflowhub/workflow-ro-crate/1.0"


def _graph(target: Path) -> dict[str, dict[str, Any]]:
    return {entity["@id"]: entity for entity in json.loads(metadata_of(target))["@graph"]}


def _valid_at_should(target: Path) -> None:
    report = api.validate(target, threshold=Severity.SHOULD)
    assert report.stage is Stage.UNDER_REVIEW
    assert report.valid, [(issue.check, issue.focus, issue.message) for issue in report.at_threshold()]
    assert api.verify_bag(target).valid


def test_a_nested_workflow_crate_is_the_result_of_the_download(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    result = api.record_retrieval(bag, workflow_crate(tmp_path), agent=PROXY, nest=True, clock=FixedClock(),
                                  new_id=FixedIds())
    assert result.status is Status.COMPLETED
    action = result.action
    assert action is not None and action["@id"] == "#download-5afe0000-0000-4000-8000-000000000001"
    assert action["@type"] == "DownloadAction" and "additionalType" not in action
    assert action["object"] == {"@id": DOWNLOAD_URL} and action["result"] == {"@id": "workflow/1042/"}
    assert action["name"] == "Downloaded workflow RO-Crate: matches the referenced workflow (nested as workflow/1042/)"
    graph = _graph(bag)
    assert graph["workflow/1042/"] == {
        "@id": "workflow/1042/", "@type": "Dataset", "name": "Age-banded cohort counts",
        "sameAs": {"@id": WORKFLOW_04}, "conformsTo": {"@id": WORKFLOW_RO_CRATE}, "distribution": {"@id": DOWNLOAD_URL},
    }
    assert {"@id": "workflow/1042/"} in graph["./"]["hasPart"]
    assert (bag / "data" / "workflow" / "1042" / "counts.cwl").is_file()
    assert (bag / "data" / "workflow" / "1042" / "ro-crate-metadata.json").is_file()
    assert_golden("retrieval/nested.json", metadata_of(bag))
    _valid_at_should(bag)


def test_a_zipped_workflow_crate_is_recorded_without_nesting(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path, form="zip")
    folder = workflow_crate(tmp_path)
    archive = tmp_path / "workflow.crate.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.iterdir()):
            zipped.write(path, path.name)
    result = api.record_retrieval(bag, archive, agent=PROXY)
    assert result.action is not None and "result" not in result.action
    assert result.summary == f"retrieval: Workflow RO-Crate from {DOWNLOAD_URL} matches {WORKFLOW_04}"
    _valid_at_should(bag)


def test_the_workflow_may_be_identified_by_its_versioned_url_and_downloaded_from_another_url(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    crate = workflow_crate(tmp_path, url=None, version=None, identifier=WORKFLOW_04)
    mirror = "https://mirror.example.org/workflows/1042-3.crate.zip"
    result = api.record_retrieval(bag, crate, agent=PROXY, url=mirror)
    assert result.action is not None and result.action["object"] == {"@id": mirror}


@pytest.mark.parametrize(
    ("root", "message"),
    [
        ({"url": "https://workflowhub.eu/workflows/7"}, "is not the referenced workflow"),
        ({"url": None}, "it is identified as nothing"),
        ({"version": 2}, "is not the referenced workflow"),
        ({"identifier": WORKFLOW_04, "version": "4"}, "is version 4 of the workflow, but the request references"),
        ({"name": "Something else"}, "is named 'Something else' and 'counts', but the request names the workflow"),
        ({"mainEntity": None}, "its root names no mainEntity"),
    ],
)
def test_a_different_workflow_is_refused_untouched(tmp_path: Path, root: dict[str, Any], message: str) -> None:
    bag = validated_bag(tmp_path)
    before = crate_files(bag)
    with pytest.raises(WorkflowMismatchError, match=message) as raised:
        api.record_retrieval(bag, workflow_crate(tmp_path, **root), agent=PROXY, nest=True)
    assert raised.value.path == "workflow-1042"
    assert crate_files(bag) == before


def test_a_crate_that_is_not_a_workflow_ro_crate_is_refused(tmp_path: Path) -> None:
    bag = validated_bag(tmp_path)
    crate = workflow_crate(tmp_path)
    metadata = crate / "ro-crate-metadata.json"
    metadata.write_text(metadata.read_text(encoding="utf-8").replace("workflow-ro-crate", "other-profile"),
                        encoding="utf-8")
    with pytest.raises(WorkflowMismatchError, match="not a Workflow RO-Crate"):
        api.record_retrieval(bag, crate, agent=PROXY)


def test_a_workflow_without_distribution_needs_the_url(tmp_path: Path) -> None:
    source = tmp_path / "no-distribution"
    shutil.copytree(EXAMPLE_REQUEST_DIR, source)
    document = json.loads((source / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    next(e for e in document["@graph"] if e["@id"] == WORKFLOW_04).pop("distribution")
    (source / "ro-crate-metadata.json").write_text(json.dumps(document), encoding="utf-8")
    bag = request_bag(tmp_path, source=source)
    api.record_check(bag, agent=VALIDATOR)
    api.record_validation(bag, agent=VALIDATOR)
    with pytest.raises(UsageError, match="give the URL") as raised:
        api.record_retrieval(bag, workflow_crate(tmp_path), agent=PROXY)
    assert raised.value.entity_id == WORKFLOW_04


def test_retrieval_needs_a_completed_validation_and_happens_once(tmp_path: Path) -> None:
    (tmp_path / "checked").mkdir()
    checked = checked_bag(tmp_path / "checked")
    before = crate_files(checked)
    with pytest.raises(StepRefused, match="needs a completed validation, and none is recorded"):
        api.record_retrieval(checked, tmp_path / "not-read-when-refused", agent=PROXY)
    assert crate_files(checked) == before
    bag = validated_bag(tmp_path)
    downloaded = workflow_crate(tmp_path)
    api.record_retrieval(bag, downloaded, agent=PROXY)
    before = crate_files(bag)
    with pytest.raises(StepRefused, match="recorded already"):
        api.record_retrieval(bag, downloaded, agent=PROXY, nest=True)
    assert crate_files(bag) == before
