"""Outputs of the run: copies under outputs/, references, sensitive references, values; refusals leave no trace."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

import fivesafes_crate as api
from fivesafes_crate import License, OutputFile, OutputReference, OutputValue
from fivesafes_crate.errors import UnsafeInputError, UsageError
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.lifecycle import Status
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import verify_bag
from fivesafes_crate.phases.disclosure import DisclosureDecision
from fivesafes_crate.phases.lifecycle import StepRefused

from .conftest import (
    OUTPUT_CHECKER,
    PROJECT_04,
    RUN_04,
    SENSITIVE_NAMESPACE,
    SENSITIVE_URI,
    TRE,
    FixedClock,
    FixedIds,
    approved_crate,
    assert_golden,
    crate_files,
    executed_crate,
    metadata_of,
    output_files,
    reviewed_crate,
    running_crate,
)


def _graph(target: Path) -> dict[str, dict[str, Any]]:
    return {entity["@id"]: entity for entity in json.loads(metadata_of(target))["@graph"]}


def _payload(target: Path, name: str) -> bytes:
    with open_source(target) as source, source.open_in_crate(name) as stream:
        return stream.read()


def test_every_kind_of_output_is_described_and_linked(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    assert_golden("results/executed.json", metadata_of(bag))
    graph = _graph(bag)
    table = graph["outputs/summary.csv"]
    data = (tmp_path / "summary.csv").read_bytes()
    assert table == {"@id": "outputs/summary.csv", "@type": "File", "name": "Counts by age band",
                     "encodingFormat": "text/csv", "contentSize": str(len(data)),
                     "sha256": hashlib.sha256(data).hexdigest()}
    assert _payload(bag, "outputs/summary.csv") == data
    assert graph["outputs/figures/"]["hasPart"] == [{"@id": "outputs/figures/ages.svg"},
                                                    {"@id": "outputs/figures/by-region/"}]
    assert graph["outputs/figures/by-region/"]["hasPart"] == [{"@id": "outputs/figures/by-region/north.png"}]
    assert graph["outputs/figures/by-region/north.png"]["encodingFormat"] == "image/png"
    hashed = f"urn:uuid:{uuid.uuid5(SENSITIVE_NAMESPACE, SENSITIVE_URI)}"
    web = "https://data.example.org/project-81/cohort-curves.nc"
    assert graph[RUN_04]["result"] == [{"@id": i} for i in ("outputs/summary.csv", "outputs/figures/", web, hashed)]
    parts = graph["./"]["hasPart"]
    assert {"@id": "outputs/summary.csv"} in parts and {"@id": "outputs/figures/"} in parts and {"@id": web} in parts
    assert {"@id": hashed} not in parts and {"@id": "outputs/figures/ages.svg"} not in parts  # reached via figures/
    report = api.validate(bag, threshold=Severity.SHOULD)
    assert report.stage is Stage.EXECUTED
    assert report.valid, [(issue.check, issue.focus) for issue in report.at_threshold()]
    assert verify_bag(open_source(bag)).valid


def test_a_sensitive_reference_is_hashed_and_readable_by_the_project_only(tmp_path: Path) -> None:
    bag = executed_crate(tmp_path)
    hashed = uuid.uuid5(SENSITIVE_NAMESPACE, SENSITIVE_URI)
    graph = _graph(bag)
    document = graph[f"urn:uuid:{hashed}"]
    assert document["@type"] == "DigitalDocument"
    assert document["name"] == f"Sensitive output {hashed}"
    assert graph[document["hasDigitalDocumentPermission"]["@id"]] == {
        "@id": f"#permissions-{hashed}", "@type": "DigitalDocumentPermission",
        "permissionType": "http://schema.org/ReadPermission", "grantee": {"@id": PROJECT_04}}
    metadata = metadata_of(bag)
    assert b"safehaven-internal" not in metadata and b"patient-level-extract" not in metadata


def test_a_sensitive_reference_needs_the_namespace(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    before = crate_files(bag)
    with pytest.raises(UsageError, match="secret namespace"):
        api.add_results(bag, [OutputReference(SENSITIVE_URI, sensitive=True)], clock=FixedClock())
    assert crate_files(bag) == before


def test_values_are_property_values(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    result = api.add_results(bag, [OutputValue("total", 1234), OutputValue("note", "no small cells")],
                             clock=FixedClock(), new_id=FixedIds())
    assert result.status is Status.ACTIVE and result.action is not None
    first, second = "#output-5afe0000-0000-4000-8000-000000000001", "#output-5afe0000-0000-4000-8000-000000000002"
    assert result.action["result"] == [{"@id": first}, {"@id": second}]
    graph = _graph(bag)
    assert graph[first] == {"@id": first, "@type": "PropertyValue", "name": "total", "value": 1234}
    assert {"@id": first} not in graph["./"]["hasPart"]
    assert_golden("results/values.json", metadata_of(bag))


def test_a_uri_ending_with_a_slash_is_a_dataset(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    api.add_results(bag, [OutputReference("https://data.example.org/run-42/", name="All run files")],
                    clock=FixedClock())
    assert _graph(bag)["https://data.example.org/run-42/"] == {
        "@id": "https://data.example.org/run-42/", "@type": "Dataset", "name": "All run files"}
    with open_source(bag) as source:
        assert not [name for name in source.crate_entries() if "data.example.org" in name or "https" in name]


def test_results_can_follow_the_end_of_the_run(tmp_path: Path) -> None:
    bag = running_crate(tmp_path, results=True)
    api.finish_run(bag, clock=FixedClock())
    late = tmp_path / "late.csv"
    late.write_bytes(b"a,b\n")
    result = api.add_results(bag, [OutputFile(late)], clock=FixedClock())
    assert result.status is Status.COMPLETED
    assert result.summary == "results: 1 attached to the workflow run (outputs/late.csv)"


def test_new_results_put_an_approved_disclosure_check_back_to_pending(tmp_path: Path) -> None:
    bag = approved_crate(tmp_path)
    extra = tmp_path / "late.csv"
    extra.write_bytes(b"a,b\n")
    result = api.add_results(bag, [OutputFile(extra)], clock=FixedClock())
    assert result.summary.endswith("is pending again")
    check = next(e for e in _graph(bag).values() if e["@id"].startswith("#disclosure-"))
    assert check["actionStatus"] == "http://schema.org/PotentialActionStatus"
    assert check["name"] == "Disclosure check of workflow results: pending (new results attached)"
    assert "startTime" not in check and "endTime" not in check
    assert {"@id": "outputs/late.csv"} in check["object"]
    assert_golden("results/reset-disclosure.json", metadata_of(bag))
    with pytest.raises(StepRefused, match="needs an approved disclosure check"):
        api.publish(bag, publisher=TRE, license=License("https://spdx.org/licenses/CC-BY-4.0"), agent=TRE)
    api.record_disclosure(bag, DisclosureDecision.APPROVED, agent=OUTPUT_CHECKER, clock=FixedClock())


# --- refusals: the crate is byte-identical afterwards ---------------------------------------------------------


def _refused(target: Path, outputs: list[Any], error: type[Exception], message: str) -> None:
    before = crate_files(target)
    with pytest.raises(error, match=message):
        api.add_results(target, outputs, namespace=SENSITIVE_NAMESPACE, clock=FixedClock())
    assert crate_files(target) == before


def test_results_need_a_started_run(tmp_path: Path) -> None:
    bag = reviewed_crate(tmp_path)
    table, _figures = output_files(tmp_path)
    _refused(bag, [OutputFile(table)], StepRefused, "need a running or completed workflow run, and it is potential")


def test_results_on_a_failed_run_are_refused(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    api.fail_run(bag, reason="killed", clock=FixedClock())
    table, _figures = output_files(tmp_path)
    _refused(bag, [OutputFile(table)], StepRefused, "the execution failed")


def test_name_clashes_are_refused(tmp_path: Path) -> None:
    bag = running_crate(tmp_path, results=True)  # holds outputs/summary.csv
    other = tmp_path / "other"
    other.mkdir()
    (other / "SUMMARY.csv").write_bytes(b"x")
    (other / "b.csv").write_bytes(b"x")
    _refused(bag, [OutputFile(other / "SUMMARY.csv")], UsageError, "exists in the crate already")
    _refused(bag, [OutputFile(other / "b.csv"), OutputFile(other / "b.csv")], UsageError, "exists in the crate")
    _refused(bag, [OutputReference("https://x.example/a"), OutputReference("https://x.example/a")], UsageError,
             "given twice")


def test_links_special_files_and_unsafe_names_are_refused(tmp_path: Path) -> None:
    bag = running_crate(tmp_path)
    table, figures = output_files(tmp_path)
    (tmp_path / "link.csv").symlink_to(table)
    (figures / "inner-link").symlink_to(table)
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "bad\nname.csv").write_bytes(b"x")
    _refused(bag, [OutputFile(tmp_path / "link.csv")], UnsafeInputError, "symbolic link")
    _refused(bag, [OutputFile(figures)], UnsafeInputError, "symbolic link")
    _refused(bag, [OutputFile(tmp_path / "pipe")], UnsafeInputError, "special file")
    _refused(bag, [OutputFile(tmp_path / "bad\nname.csv")], UnsafeInputError, "control character")
    _refused(bag, [OutputFile(tmp_path / "missing.csv")], UsageError, "cannot read the output")
    _refused(bag, [OutputReference("relative/path.csv")], UsageError, "absolute URI")
    _refused(bag, [OutputValue("x", float("nan"))], UsageError, "finite number")
    _refused(bag, [], UsageError, "at least one output")


def test_the_originals_keep_their_bytes(tmp_path: Path) -> None:
    """The working copy shares the original's files through hard links: adding results must not write into them."""
    folder = running_crate(tmp_path, form="bag", results=True)
    copied = folder / "data" / "outputs" / "summary.csv"
    linked = tmp_path / "old-summary.csv"
    os.link(copied, linked)
    old_metadata = folder / "data" / "ro-crate-metadata.json"
    old_metadata_link = tmp_path / "old-metadata.json"
    os.link(old_metadata, old_metadata_link)
    before = old_metadata_link.read_bytes()
    extra = tmp_path / "more.csv"
    extra.write_bytes(b"more\n")
    api.add_results(folder, [OutputFile(extra)], clock=FixedClock())
    assert old_metadata_link.read_bytes() == before
    assert linked.read_bytes() == copied.read_bytes()
    assert (folder / "data" / "outputs" / "more.csv").read_bytes() == b"more\n"
