"""Check phase: the bag as given is verified (SHA-512 payload and tag manifests) and the outcome recorded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import fivesafes_crate as api
from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import Severity, Stage
from fivesafes_crate.model.lifecycle import Status
from fivesafes_crate.model.source import DirectoryStorage
from fivesafes_crate.model.vocab import SHA512_TERM
from fivesafes_crate.phases.check import MAX_REASONS, describe_reasons
from fivesafes_crate.phases.lifecycle import StepRefused

from .conftest import (
    EXAMPLE_REQUEST_DIR,
    REVIEWER,
    VALIDATOR,
    FixedClock,
    FixedIds,
    assert_golden,
    checked_bag,
    crate_files,
    metadata_of,
    request_bag,
)


def _entity(target: Path, entity_id: str) -> dict[str, object]:
    return next(e for e in json.loads(metadata_of(target))["@graph"] if e["@id"] == entity_id)


def _valid_at_should(target: Path) -> None:
    report = api.validate(target, threshold=Severity.SHOULD)
    assert report.stage is Stage.UNDER_REVIEW
    assert report.valid, [(issue.check, issue.focus, issue.message) for issue in report.at_threshold()]
    assert api.verify_bag(target).valid


def _flip_byte(bag: Path, name: str = "data/cohort.json") -> None:
    path = bag / name
    data = bytearray(path.read_bytes())
    data[0] ^= 1
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("form", ["bag", "zip"])
def test_an_intact_bag_is_checked_ok(tmp_path: Path, form: str) -> None:
    bag = request_bag(tmp_path, form=form)
    result = api.record_check(bag, agent=VALIDATOR, clock=FixedClock(), new_id=FixedIds())
    assert result.status is Status.COMPLETED
    assert result.summary.startswith("check: BagIt checksum of Crate: OK (")
    assert result.action is not None and result.action["@id"] == "#check-5afe0000-0000-4000-8000-000000000001"
    assert result.action["instrument"] == {"@id": SHA512_TERM}
    assert _entity(bag, SHA512_TERM) == {"@id": SHA512_TERM, "@type": "DefinedTerm", "name": "sha-512 algorithm"}
    assert_golden("check/completed.json", metadata_of(bag))
    _valid_at_should(bag)


def test_a_flipped_payload_byte_fails_the_check_and_ends_the_lifecycle(tmp_path: Path) -> None:
    bag = request_bag(tmp_path)
    _flip_byte(bag)
    result = api.record_check(bag, agent=VALIDATOR, clock=FixedClock(), new_id=FixedIds())
    assert result.status is Status.FAILED
    assert result.action is not None
    assert result.action["name"] == "BagIt checksum of Crate: failed (1 problem(s))"
    assert result.action["description"] == "data/cohort.json does not match its sha512 checksum in manifest-sha512.txt"
    assert "data/cohort.json" in result.summary
    assert_golden("check/failed.json", metadata_of(bag))
    _valid_at_should(bag)  # the record says the submission failed; the crate handed back is consistent
    with pytest.raises(StepRefused, match="the check failed"):
        api.record_validation(bag, agent=VALIDATOR)


def test_every_problem_is_a_reason_and_missing_sha512_manifests_fail(tmp_path: Path) -> None:
    bag = request_bag(tmp_path)
    (bag / "tagmanifest-sha512.txt").unlink()
    (bag / "data" / "extra.txt").write_bytes(b"not in the manifest\n")
    result = api.record_check(bag, agent=VALIDATOR)
    assert result.status is Status.FAILED
    assert result.action is not None
    reasons = result.action["description"].splitlines()
    assert reasons[0].startswith("no tagmanifest-sha512.txt")
    assert any(line.startswith("data/extra.txt is in the payload but not listed") for line in reasons)


def test_long_reason_lists_are_cut() -> None:
    lines = describe_reasons([f"file {n}" for n in range(MAX_REASONS + 3)]).splitlines()
    assert len(lines) == MAX_REASONS + 1 and lines[-1] == "... and 3 more"


def test_the_agent_is_reused_not_duplicated(tmp_path: Path) -> None:
    bag = checked_bag(tmp_path)
    api.record_validation(bag, agent=VALIDATOR)
    graph = json.loads(metadata_of(bag))["@graph"]
    ids = [entity["@id"] for entity in graph]
    assert ids.count(VALIDATOR.id) == 1 and ids.count("https://safehaven.example.org/") == 1
    assert ids.count(SHA512_TERM) == 1


def test_a_crate_folder_is_refused_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "request"
    shutil.copytree(EXAMPLE_REQUEST_DIR, folder)
    before = crate_files(folder)
    with pytest.raises(UsageError, match="needs a bag"):
        api.record_check(folder, agent=VALIDATOR)
    assert crate_files(folder) == before


@pytest.mark.parametrize("form", ["bag", "zip"])
def test_a_second_check_is_refused_untouched(tmp_path: Path, form: str) -> None:
    bag = checked_bag(tmp_path, form=form)
    before = crate_files(bag)
    with pytest.raises(StepRefused, match="checked already") as raised:
        api.record_check(bag, agent=REVIEWER)
    assert raised.value.entity_id == "#check-5afe0000-0000-4000-8000-000000000001"
    assert crate_files(bag) == before


def test_a_published_crate_is_not_checked(tmp_path: Path) -> None:
    source = tmp_path / "dated"
    shutil.copytree(EXAMPLE_REQUEST_DIR, source)
    document = json.loads((source / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    root = next(e for e in document["@graph"] if e["@id"] == "./")
    root["datePublished"] = "2024-03-01T10:00:00Z"
    document["@graph"].append({"@id": "#bagit-1", "@type": "UpdateAction", "name": "BagIt manifests of Crate updated",
                               "additionalType": {"@id": "https://w3id.org/shp#GenerateCheckValue"},
                               "actionStatus": "http://schema.org/CompletedActionStatus"})
    root["mentions"] = [*root["mentions"], {"@id": "#bagit-1"}]
    (source / "ro-crate-metadata.json").write_text(json.dumps(document), encoding="utf-8")
    bag = request_bag(tmp_path, source=source)
    before = crate_files(bag)
    with pytest.raises(StepRefused, match="published"):
        api.record_check(bag, agent=VALIDATOR)
    assert crate_files(bag) == before


_KILLED_STEP = """
import os, signal, sys
import fivesafes_crate as api
from fivesafes_crate.phases.lifecycle import Agent

def kill(folder, step, action_id):
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9 once the new bag is finished, before it replaces the old

api.record_check(sys.argv[1], agent=Agent("https://safehaven.example.org/", "Safe Haven"), sign=kill)
"""


@pytest.mark.parametrize("form", ["bag", "zip"])
def test_kill_9_during_a_step_leaves_the_previous_crate_intact(tmp_path: Path, form: str) -> None:
    source = tmp_path / "large"
    shutil.copytree(EXAMPLE_REQUEST_DIR, source)
    (source / "large.bin").write_bytes(os.urandom(1 << 22))  # a large-ish payload: the step has hashing to do
    bag = request_bag(tmp_path, form=form, source=source)
    before = crate_files(bag)
    done = subprocess.run([sys.executable, "-c", _KILLED_STEP, str(bag)], capture_output=True, timeout=120,
                          check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert crate_files(bag) == before
    result = api.record_check(bag, agent=VALIDATOR)  # the next step works on the previous state
    assert result.status is Status.COMPLETED


def test_checking_a_bag_folder_reads_each_payload_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The verification's digests of the hard-linked working copy are reused for the new manifests."""
    bag = request_bag(tmp_path, form="bag")
    payload = sorted(p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*") if p.is_file())
    opened: list[str] = []
    real_open = DirectoryStorage.open

    def counting(storage: DirectoryStorage, name: str) -> object:
        opened.append(name)
        return real_open(storage, name)

    monkeypatch.setattr(DirectoryStorage, "open", counting)
    result = api.record_check(bag, agent=VALIDATOR, clock=FixedClock(), new_id=FixedIds())
    monkeypatch.undo()
    assert result.status is Status.COMPLETED
    unchanged = [n for n in payload if n not in ("data/ro-crate-metadata.json", "data/ro-crate-preview.html")]
    assert unchanged and all(opened.count(name) == 1 for name in unchanged), opened
    assert api.verify_bag(bag).valid  # the manifests written from the reused digests are true
