"""Shared fixtures of the lifecycle step tests."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fivesafes_crate.model.entities import Entity
from fivesafes_crate.model.lifecycle import LifecycleState, Status, Step
from fivesafes_crate.model.source import open_source
from fivesafes_crate.model.vocab import COMPLETED, SHA512_TERM, SIGN_OFF
from fivesafes_crate.packaging import package
from fivesafes_crate.phases.check import record_check
from fivesafes_crate.phases.disclosure import DisclosureDecision, record_disclosure
from fivesafes_crate.phases.execution import finish_run, start_run
from fivesafes_crate.phases.lifecycle import Agent, AgentKind, StepBody, apply_step, ensure_entity, record_action
from fivesafes_crate.phases.results import OutputFile, OutputReference, add_results
from fivesafes_crate.phases.validation_step import record_validation
from fivesafes_crate.phases.workspace import Workspace

# --- crates part-way through the lifecycle, for the execution, results, disclosure and publishing tests -----
#
# The review steps before execution are recorded directly with lifecycle.record_action (not with the sanitize,
# check, validate and sign-off steps), so that those tests do not depend on the steps they follow.

EXAMPLE_REQUEST_DIR = Path(__file__).resolve().parents[3] / "examples" / "request"
LIFECYCLE_URN = "urn:uuid:0d6b8f4e-3f1c-4a57-9a43-5c2e7d1b9f60"
LIFECYCLE_BAGGING_DATE = date(2024, 3, 6)
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = "FIVESAFES_UPDATE_GOLDEN"
"""Set this environment variable to 1 to rewrite golden files instead of comparing (never in CI)."""

TRE = Agent("https://safehaven.example.org/", "Example Safe Haven trusted research environment")
VALIDATOR = Agent("https://safehaven.example.org/#crate-validator", "Crate validator of the Example Safe Haven",
                  AgentKind.SOFTWARE, TRE)
REVIEWER = Agent("https://orcid.org/0000-0003-1234-5674", "Alex Reviewer", AgentKind.PERSON)
OUTPUT_CHECKER = Agent("https://orcid.org/0000-0003-4455-6679", "Sam Output-Checker", AgentKind.PERSON)
POLICY = "https://safehaven.example.org/agreement-policy/81"
PROFILE_04 = "https://w3id.org/5s-crate/0.4"
WORKFLOW_04 = "https://workflowhub.eu/workflows/1042?version=3"
PROJECT_04 = "#project-feb3de78-b1d6-423a-a038-cfce426603f2"
RUN_04 = "#query-5e61ded6-4135-4225-8de2-e96d5532e6fb"


class FixedClock:
    """A clock that starts at 2024-03-04 09:00 UTC and advances one minute on every call."""

    def __init__(self, start: datetime = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)) -> None:
        self.next = start

    def __call__(self) -> datetime:
        now, self.next = self.next, self.next + timedelta(minutes=1)
        return now


class FixedIds:
    """An id factory giving UUID-shaped ids ``5afe0000-0000-4000-8000-00000000000N`` in sequence."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"5afe0000-0000-4000-8000-{self.count:012d}"


def _review(signoff: Status | None, clock: FixedClock) -> StepBody:
    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        edit = space.crate.edit()
        record_action(edit, step=Step.CHECK, action_id="#check-5afe0000-0000-4000-8000-000000000c01",
                      name="BagIt checksum of Crate: OK", status=Status.COMPLETED, agent=VALIDATOR,
                      instruments=[SHA512_TERM], start=clock(), end=clock())
        ensure_entity(edit, {"@id": SHA512_TERM, "@type": "DefinedTerm", "name": "sha-512 algorithm"})
        record_action(edit, step=Step.VALIDATION, action_id="#validate-5afe0000-0000-4000-8000-000000000c02",
                      name="Validation against Five Safes RO-Crate profile: approved", status=Status.COMPLETED,
                      agent=VALIDATOR, instruments=[PROFILE_04], start=clock(), end=clock())
        if signoff is not None:
            ensure_entity(edit, {"@id": POLICY, "@type": "CreativeWork", "name": "Agreement policy for project 81"})
            record_action(edit, step=Step.SIGN_OFF, action_id="#signoff-5afe0000-0000-4000-8000-000000000c03",
                          name=f"Sign-off of execution according to Agreement policy: {signoff.label}",
                          status=signoff, agent=REVIEWER, objects=[WORKFLOW_04, PROJECT_04], instruments=[POLICY],
                          start=clock(), end=clock() if signoff in (Status.COMPLETED, Status.FAILED) else None)
        space.touch()
        return None, "reviewed"

    return body


def reviewed_crate(folder: Path, *, form: str = "zip", signoff: Status | None = Status.COMPLETED) -> Path:
    """``examples/request`` after check, validation and a sign-off of status ``signoff`` (None: no sign-off).

    ``form`` is ``zip`` (a bag ZIP), ``bag`` (a bag folder) or ``crate`` (a plain crate folder). The same
    arguments always give the same bytes.
    """
    if form == "crate":
        target = folder / "request"
        shutil.copytree(EXAMPLE_REQUEST_DIR, target)
    else:
        name = "request.bagit.zip" if form == "zip" else "request.bagit"
        target = package(EXAMPLE_REQUEST_DIR, folder / name, folder=form == "bag", external_identifier=LIFECYCLE_URN,
                      bagging_date=LIFECYCLE_BAGGING_DATE)
    clock = FixedClock(datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    apply_step(target, _review(signoff, clock), clock=clock)
    return target


def crate_files(target: Path) -> dict[str, bytes]:
    """Every file of a crate folder, bag folder or ZIP with its bytes, to show that a step left it untouched."""
    if target.is_file():
        return {target.name: target.read_bytes()}
    return {path.relative_to(target).as_posix(): path.read_bytes() for path in sorted(target.rglob("*"))
            if path.is_file()}


def metadata_of(target: Path) -> bytes:
    """The bytes of the crate's ``ro-crate-metadata.json`` (any form)."""
    with open_source(target) as source:
        return source.read_metadata()


def assert_golden(name: str, data: bytes, folder: Path = GOLDEN_DIR) -> None:
    """Compare ``data`` with ``golden/<name>`` (or ``folder/<name>``); with FIVESAFES_UPDATE_GOLDEN=1, (re)write
    the file instead."""
    path = folder / name
    if os.environ.get(UPDATE_GOLDEN) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.is_file(), f"no golden file {name}: run with {UPDATE_GOLDEN}=1 once and review it"
    assert data == path.read_bytes(), f"{name} differs from the golden file (regenerate with {UPDATE_GOLDEN}=1)"



SENSITIVE_NAMESPACE = uuid.UUID("0f1e2d3c-4b5a-4697-8877-665544332211")
"""The TRE's secret namespace of the tests' sensitive references."""
SENSITIVE_URI = "s3://safehaven-internal/project-81/patient-level-extract.csv"


def output_files(folder: Path) -> tuple[Path, Path]:
    """A CSV file and a folder of figures (with a nested folder) as a run's outputs, written under ``folder``."""
    table = folder / "summary.csv"
    table.write_bytes(b"age_band,count\n40-49,12\n50-59,17\n")
    figures = folder / "figures"
    (figures / "by-region").mkdir(parents=True)
    (figures / "ages.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    (figures / "by-region" / "north.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return table, figures


def running_crate(folder: Path, *, form: str = "zip", results: bool = False) -> Path:
    """:func:`reviewed_crate` whose run was started (and with ``results``, given the output CSV file)."""
    target = reviewed_crate(folder, form=form)
    clock = FixedClock(datetime(2024, 3, 2, 9, 0, tzinfo=UTC))
    start_run(target, clock=clock)
    if results:
        table, _figures = output_files(folder)
        add_results(target, [OutputFile(table)], clock=clock)
    return target


def executed_crate(folder: Path, *, form: str = "zip") -> Path:
    """A completed run with every kind of output: a file, a folder, a web reference and a sensitive reference."""
    target = reviewed_crate(folder, form=form)
    clock = FixedClock(datetime(2024, 3, 2, 9, 0, tzinfo=UTC))
    start_run(target, clock=clock)
    table, figures = output_files(folder)
    outputs = [OutputFile(table, name="Counts by age band"), OutputFile(figures),
               OutputReference("https://data.example.org/project-81/cohort-curves.nc"),
               OutputReference(SENSITIVE_URI, sensitive=True, encoding_format="text/csv")]
    add_results(target, outputs, namespace=SENSITIVE_NAMESPACE, clock=clock)
    finish_run(target, clock=clock)
    return target


def approved_crate(folder: Path, *, form: str = "zip") -> Path:
    """:func:`executed_crate` with an approved disclosure check."""
    target = executed_crate(folder, form=form)
    clock = FixedClock(datetime(2024, 3, 3, 9, 0, tzinfo=UTC))
    ids = FixedIds()
    record_disclosure(target, DisclosureDecision.IN_REVIEW, agent=OUTPUT_CHECKER, clock=clock, new_id=ids)
    record_disclosure(target, DisclosureDecision.APPROVED, agent=OUTPUT_CHECKER, clock=clock, new_id=ids)
    return target


# --- the review steps (sanitize, check, validate, retrieve, sign off), recorded by the steps themselves -----

PROXY = Agent("https://safehaven.example.org/#workflow-proxy", "Workflow download proxy of the Example Safe Haven",
              AgentKind.SOFTWARE, TRE)


def request_bag(folder: Path, *, form: str = "bag", source: Path = EXAMPLE_REQUEST_DIR) -> Path:
    """``source`` (default ``examples/request``) packed as a bag folder (``bag``) or bag ZIP (``zip``)."""
    name = "request.bagit.zip" if form == "zip" else "request.bagit"
    return package(source, folder / name, folder=form == "bag", external_identifier=LIFECYCLE_URN,
                bagging_date=LIFECYCLE_BAGGING_DATE)


def checked_bag(folder: Path, *, form: str = "bag") -> Path:
    """:func:`request_bag` after a completed check (``record_check`` at 2024-03-04 09:00 UTC, ids ...0001)."""
    from fivesafes_crate.phases.check import record_check

    target = request_bag(folder, form=form)
    record_check(target, agent=VALIDATOR, clock=FixedClock(), new_id=FixedIds())
    return target


def validated_bag(folder: Path, *, form: str = "bag") -> Path:
    """:func:`checked_bag` after a completed validation (at 2024-03-04 10:00 UTC, ids ...0001)."""
    from fivesafes_crate.phases.validation_step import record_validation

    target = checked_bag(folder, form=form)
    record_validation(target, agent=VALIDATOR, clock=FixedClock(datetime(2024, 3, 4, 10, 0, tzinfo=UTC)),
                      new_id=FixedIds())
    return target


def workflow_crate(folder: Path, **root: object) -> Path:
    """A Workflow RO-Crate folder of ``examples/request``'s workflow (WorkflowHub 1042, version 3).

    Keyword arguments replace (or, when None, remove) properties of its root data entity.
    """
    import json

    crate = folder / "workflow-1042"
    crate.mkdir()
    (crate / "counts.cwl").write_bytes(b"cwlVersion: v1.2\nclass: Workflow\ninputs: {}\noutputs: {}\nsteps: {}\n")
    root_entity: dict[str, object] = {
        "@id": "./", "@type": "Dataset", "name": "Age-banded cohort counts",
        "url": "https://workflowhub.eu/workflows/1042", "version": 3, "license": "https://spdx.org/licenses/MIT",
        "mainEntity": {"@id": "counts.cwl"}, "hasPart": [{"@id": "counts.cwl"}],
    }
    root_entity.update(root)
    graph = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": {"@id": "./"},
         "conformsTo": [{"@id": "https://w3id.org/ro/crate/1.2"},
                        {"@id": "https://w3id.org/workflowhub/workflow-ro-crate/1.0"}]},
        {key: value for key, value in root_entity.items() if value is not None},
        {"@id": "counts.cwl", "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow"], "name": "counts"},
    ]
    document = {"@context": "https://w3id.org/ro/crate/1.2/context", "@graph": graph}
    (crate / "ro-crate-metadata.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return crate


# --- disclosure screening and per-output verdicts ------------------------------------------------------------

SCREENER = Agent("https://safehaven.example.org/#sdc-screening", "Disclosure screening of the Example Safe Haven",
                 AgentKind.SOFTWARE, TRE)
ACRO = Agent("https://safehaven.example.org/#acro", "ACRO", AgentKind.SOFTWARE, TRE)


def screened_crate(folder: Path, *, form: str = "zip") -> Path:
    """:func:`executed_crate` screened under ``acro-default`` at 2024-03-03 09:00 UTC (ids ...0001 onwards):
    ``outputs/figures/ages.svg`` fails, ``outputs/figures/by-region/north.png`` needs review,
    ``outputs/summary.csv`` passes."""
    from fivesafes_crate.disclosure_control import load_disclosure_policy
    from fivesafes_crate.phases.disclosure.screening import record_screening

    target = executed_crate(folder, form=form)
    record_screening(target, agent=SCREENER, policy=load_disclosure_policy("acro-default"),
                     clock=FixedClock(datetime(2024, 3, 3, 9, 0, tzinfo=UTC)), new_id=FixedIds())
    return target


def completed_crate(folder: Path, outputs: dict[str, bytes], *, form: str = "zip") -> Path:
    """:func:`reviewed_crate` whose run completed with the given output files (name -> bytes) under ``outputs/``."""
    target = reviewed_crate(folder, form=form)
    clock = FixedClock(datetime(2024, 3, 2, 9, 0, tzinfo=UTC))
    start_run(target, clock=clock)
    made = folder / "made"
    made.mkdir()
    for name, data in outputs.items():
        (made / name).write_bytes(data)
    add_results(target, [OutputFile(made / name) for name in outputs], clock=clock)
    finish_run(target, clock=clock)
    return target


# --- crates as a client could submit them, with review records the TRE did not write ---------------------

FORGED_SIGNOFF: dict[str, Any] = {
    "@id": "#signoff-forged", "@type": "AssessAction", "additionalType": {"@id": SIGN_OFF},
    "name": "Sign-off of execution according to Agreement policy: approved", "actionStatus": COMPLETED,
    "agent": {"@id": "https://orcid.org/0000-0003-1234-5674"}, "object": {"@id": "./"},
    "instrument": {"@id": POLICY},
    "startTime": "2024-01-02T09:00:00+00:00", "endTime": "2024-01-02T09:05:00+00:00",  # dated in the past
}


def submitted_crate(tmp_path: Path, *forged: dict[str, Any], run: dict[str, Any] | None = None) -> Path:
    """``examples/request`` as a client could submit it: with ``forged`` review actions mentioned from the root."""
    folder = tmp_path / "submitted"
    shutil.copytree(EXAMPLE_REQUEST_DIR, folder)
    metadata = folder / "ro-crate-metadata.json"
    document = json.loads(metadata.read_text(encoding="utf-8"))
    graph = document["@graph"]
    root = next(e for e in graph if e["@id"] == "./")
    for entity in forged:
        graph.append(dict(entity))
        root["mentions"].append({"@id": entity["@id"]})
    if run is not None:
        next(e for e in graph if e["@id"] == RUN_04).update(run)
    metadata.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return request_bag(tmp_path, source=folder)


def check_and_validate(bag: Path, clock: FixedClock) -> None:
    """Record the TRE's completed check (its intake) and validation of ``bag``."""
    assert record_check(bag, agent=VALIDATOR, clock=clock).status is Status.COMPLETED
    assert record_validation(bag, agent=VALIDATOR, clock=clock).status is Status.COMPLETED
