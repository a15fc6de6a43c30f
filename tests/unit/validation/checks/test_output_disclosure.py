"""The disclosure-phase Python checks and the credential scan of the metadata: what they judge, and what not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from fivesafes_crate.issues import Severity
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.validation.checks.credentials import secret_shape
from fivesafes_crate.validation.checks.output_disclosure import stated_status
from fivesafes_crate.validation.engine import validate

from ..._crates import QUERY, REPO, entity, request_document

EXAMPLES = REPO / "examples"


@pytest.mark.parametrize(("name", "status"), [
    ("Disclosure check of workflow results: approved", "CompletedActionStatus"),
    ("Disclosure check of workflow results: pending (estimate: 1 week)", "PotentialActionStatus"),
    ("Disclosure check of workflow results: rejected (a count failed the threshold)", "FailedActionStatus"),
    ("Disclosure check of workflow results: in review", "ActiveActionStatus"),
    ("Disclosure check: not approved", None),  # a negation is not judged
    ("Disclosure check", None),
    ("Disclosure check: approved, then rejected", None),  # two outcomes: not judged
])
def test_the_outcome_a_name_states(name: str, status: str | None) -> None:
    assert stated_status(name) == status


@pytest.mark.parametrize(("text", "shape"), [
    ("postgresql://postgres:example@db:5432/cohort", "a URL with a password"),
    ("hutch --db-password=example42 --db-user postgres", "a credential assignment"),
    ("https://store.example.org/cohort.csv?token=4f9a8b7c6d", "a credential assignment"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "a private key or access token"),
    ("hutch --db-password=${DB_PASSWORD}", None),
    ("password=<your password>", None),
    ("The database password: supplied by the TRE at run time", None),
    ("https://orcid.org/0000-0002-1825-0097", None),
])
def test_secret_shaped_values(text: str, shape: str | None) -> None:
    assert secret_shape(text) == shape


def _secret_issues(document: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    report = validate(Crate(document))
    return [(issue.focus, issue.path) for issue in report.issues if issue.check == "security.secret-in-metadata"]


def test_a_parameter_named_by_its_formal_parameter_is_a_credential() -> None:
    document = request_document()
    document["@graph"] += [
        {"@id": "#input-7", "@type": "PropertyValue", "name": "input 7", "value": "example",
         "exampleOfWork": {"@id": "#hutch-inputs-db_password"}},
        {"@id": "#hutch-inputs-db_password", "@type": "FormalParameter", "name": "db_password"},
    ]
    entity(document, QUERY)["object"].append({"@id": "#input-7"})
    assert _secret_issues(document) == [("#input-7", "value")]
    entity(document, "#input-7")["value"] = ""
    entity(document, QUERY)["description"] = "connects to postgresql://hutch:example@db/omop"
    assert _secret_issues(document) == [(QUERY, "description")]


def _published_with(tmp_path: Path, review: dict[str, Any]) -> list[str]:
    crate = shutil.copytree(EXAMPLES / "published", tmp_path / "published")
    document = json.loads((crate / "ro-crate-metadata.json").read_text("utf-8"))
    check = next(e for e in document["@graph"] if e["@id"].startswith("#disclosure-"))
    check["result"] = {"@id": review["@id"]}
    document["@graph"].append(review)
    (crate / "ro-crate-metadata.json").write_text(json.dumps(document), "utf-8")
    report = validate(crate, threshold=Severity.SHOULD)
    return [f"{issue.check} {issue.focus}" for issue in report.at_threshold()]


def test_released_outputs_need_a_verdict_once_the_check_records_verdicts(tmp_path: Path) -> None:
    note = {"@id": "#note", "@type": "Review", "itemReviewed": {"@id": "outputs/summary.csv"},
            "reviewBody": "looked at it"}
    assert _published_with(tmp_path / "a", note) == []  # a plain review: the check approves the crate as a whole
    verdict = {**note, "additionalType": {"@id": "https://w3id.org/shp#FailedDisclosureCheck"}}
    assert _published_with(tmp_path / "b", verdict) == [
        "disclosure.rejected-output-absent #note", "disclosure.released-approved outputs/summary.csv"]
