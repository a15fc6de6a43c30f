"""The Data Use Register export: the mapping from a published crate, the config file, roll-up, refusals, dates.

Every payload built here is validated against our JSON Schema of the Gateway payload.
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fivesafes_crate import DurConfigError, ExportRefused, OutputExistsError, UsageError, export_dur
from fivesafes_crate.interop.dur import GATEWAY_JSON, config_keys, gateway_time, payload_schema

from .._crates import entity
from ..phases.conftest import assert_golden

GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
PUBLISHED = EXAMPLES / "published"
SIGNOFF = "#signoff-626e2b82-c65e-42a1-9d7f-5391f40a6bc5"
DISCLOSURE = "#disclosure-c438057e-c03b-431e-8440-a49c1acc99fe"
RUN = "#query-5e61ded6-4135-4225-8de2-e96d5532e6fb"
BAGIT = "#bagit-0e17e706-00e2-4689-b715-2298f99e260a"
CONFIG = """\
[dur]
organisation_sector = "Academia"
data_sensitivity_level = "De-Personalised"
legal_basis_for_data_article6 = "Article 6(1)(e): public task"
legal_basis_for_data_article9 = "Article 9(2)(j): research"
duty_of_confidentiality = "Not applicable: de-personalised data"
national_data_optout = "Applied"
project_start_date = 2024-01-01
project_end_date = 2025-12-31T17:00:00+01:00
public_benefit_statement = "Better care for people with type 2 diabetes."
lay_summary = "How age relates to type 2 diabetes in primary care."
"""


def valid(payload: dict[str, Any]) -> dict[str, Any]:
    jsonschema.Draft202012Validator(payload_schema(), format_checker=jsonschema.FormatChecker()).validate(payload)
    return payload


def published_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((PUBLISHED / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    return document


def crate(folder: Path, document: dict[str, Any]) -> Path:
    shutil.copytree(PUBLISHED, folder)
    (folder / "ro-crate-metadata.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    return folder


def drop(document: dict[str, Any], entity_id: str) -> None:
    document["@graph"] = [e for e in document["@graph"] if e.get("@id") != entity_id]
    root = entity(document, "./")
    root["mentions"] = [m for m in root["mentions"] if m["@id"] != entity_id]


def test_the_schema_is_a_valid_draft_2020_12_schema_naming_every_field() -> None:
    schema = payload_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert sorted(schema["required"]) == sorted(schema["properties"]) == sorted(f.name for f in GATEWAY_JSON)


def test_the_schema_refuses_what_the_gateway_refuses() -> None:
    payload = valid(export_dur([PUBLISHED]))
    for field, bad in [("latest_approval_date", "2024-03-04T14:20:31Z"), ("organisation_sector", "University"),
                       ("datasets", ["42"]), ("extra", 1), ("lay_summary", "x" * 3001)]:
        broken = {**payload, field: bad}
        with pytest.raises(jsonschema.ValidationError):
            valid(broken)


def test_the_published_example_maps_as_the_table_says(tmp_path: Path) -> None:
    config = tmp_path / "dur.toml"
    config.write_text(CONFIG, encoding="utf-8")
    payload = valid(export_dur([PUBLISHED], config=config))
    assert payload["project_title"] == "Diabetes outcomes in primary care (Safe Haven project 81)"
    assert payload["project_id_text"] == "safehaven:project-81"
    assert payload["organisation_name"] == "The University of Manchester"
    assert payload["organisation_id"] == "https://ror.org/027m9bs27"
    assert payload["non_gateway_applicants"] == ["Josiah Carberry"]
    assert payload["applicant_id"] == "https://orcid.org/0000-0002-1825-0097"
    assert payload["funders_and_sponsors"] == ["Diabetes outcomes in primary care"]
    assert payload["latest_approval_date"] == "2024-03-04T14:20:31"
    assert payload["access_date"] == "2024-03-05T10:00:03"
    assert payload["project_start_date"] == "2024-01-01T00:00:00"
    assert payload["project_end_date"] == "2025-12-31T16:00:00"
    assert payload["lay_summary"] == "How age relates to type 2 diabetes in primary care."
    assert payload["technical_summary"].startswith("Request to run the age-banded cohort counts workflow")
    assert (payload["request_frequency"], payload["access_type"], payload["status"]) == (
        "One-off", "Trusted Research Environment", "ACTIVE")
    assert payload["organisation_sector"] == "Academia" and payload["sublicence_arrangements"] is None
    assert_golden("dur-published.json", json.dumps(payload, indent=2).encode() + b"\n", GOLDEN)


def test_without_config_nothing_is_invented() -> None:
    payload = valid(export_dur([PUBLISHED]))
    for key in config_keys() - {"lay_summary", "technical_summary"}:
        assert payload[key] is None, key
    assert payload["lay_summary"] is None  # the example's Project has no description


def test_an_offset_time_becomes_utc_without_a_zone(tmp_path: Path) -> None:
    document = published_document()
    entity(document, SIGNOFF)["endTime"] = "2024-03-04T15:20:31+01:00"
    entity(document, RUN)["startTime"] = "2024-03-05T00:30:00+01:00"
    payload = valid(export_dur([crate(tmp_path / "c", document)]))
    assert payload["latest_approval_date"] == "2024-03-04T14:20:31"
    assert payload["access_date"] == "2024-03-04T23:30:00"


OFFSETS = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-9, minutes=-30))]


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30),
                    timezones=st.sampled_from(OFFSETS)))
def test_gateway_time_is_the_same_instant_in_utc_without_a_zone(moment: datetime) -> None:
    shown = gateway_time(moment.isoformat())
    assert len(shown) == 19 and "+" not in shown and not shown.endswith("Z")
    assert datetime.fromisoformat(shown).replace(tzinfo=UTC) == moment.replace(microsecond=0)


def test_withheld_and_rejected_outputs_never_appear(tmp_path: Path) -> None:
    document = published_document()
    approved, rejected, withheld = ("https://data.example.org/81/approved.csv",
                                    "https://data.example.org/81/rejected.csv", "#withheld-1")
    run = entity(document, RUN)
    run["result"] += [{"@id": approved}, {"@id": rejected}, {"@id": withheld}]
    document["@graph"] += [
        {"@id": approved, "@type": "File", "name": "approved"},
        {"@id": rejected, "@type": "File", "name": "rejected"},
        {"@id": withheld, "@type": "CreativeWork", "name": "withheld output",
         "additionalType": {"@id": "https://w3id.org/fivesafes-crate/terms#WithheldOutput"}},
        {"@id": "#review-1", "@type": "Review", "itemReviewed": {"@id": rejected},
         "additionalType": {"@id": "https://w3id.org/shp#FailedDisclosureCheck"}},
        {"@id": "#review-2", "@type": "Review", "itemReviewed": {"@id": approved},
         "additionalType": {"@id": "https://w3id.org/shp#PassedDisclosureCheck"}},
    ]
    entity(document, DISCLOSURE)["result"] = [{"@id": "#review-1"}, {"@id": "#review-2"}]
    entity(document, "./")["identifier"] = "https://doi.org/10.1234/crate-81"
    payload = valid(export_dur([crate(tmp_path / "c", document)]))
    assert payload["non_gateway_outputs"] == [approved, "https://doi.org/10.1234/crate-81"]


def test_input_datasets_give_names_and_gateway_ids(tmp_path: Path) -> None:
    document = published_document()
    gateway, other = "https://web.www.healthdatagateway.org/dataset/1234", "https://data.example.org/primary-care"
    entity(document, RUN)["object"] += [{"@id": gateway}, {"@id": other}]
    document["@graph"] += [{"@id": gateway, "@type": "Dataset", "name": "GP extract"},
                           {"@id": other, "@type": "Dataset", "name": "Primary care registry"}]
    payload = valid(export_dur([crate(tmp_path / "c", document)]))
    assert payload["datasets"] == [1234]
    assert payload["non_gateway_datasets"] == ["GP extract", "Primary care registry"]


def test_crates_of_one_project_roll_up(tmp_path: Path) -> None:
    first, second = published_document(), published_document()
    entity(second, SIGNOFF)["endTime"] = "2024-05-01T10:00:00+00:00"
    entity(second, RUN)["startTime"] = "2024-05-02T10:00:00Z"
    entity(first, "./")["keywords"] = "diabetes, primary care"
    entity(second, "./")["keywords"] = ["diabetes", "age bands"]
    for document, url in ((first, "https://data.example.org/a"), (second, "https://data.example.org/b")):
        entity(document, RUN)["result"].append({"@id": url})
        document["@graph"].append({"@id": url, "@type": "File", "name": url})
    later, earlier = crate(tmp_path / "later", second), crate(tmp_path / "earlier", first)
    payload = valid(export_dur([later, earlier]))
    assert payload["latest_approval_date"] == "2024-05-01T10:00:00"
    assert payload["access_date"] == "2024-03-05T10:00:03"
    assert payload["keywords"] == ["diabetes", "primary care", "age bands"]
    assert payload["non_gateway_outputs"] == ["https://data.example.org/a", "https://data.example.org/b"]


def test_crates_of_different_projects_are_refused(tmp_path: Path) -> None:
    other = published_document()
    project = entity(other, "#project-feb3de78-b1d6-423a-a038-cfce426603f2")
    project["@id"] = "#project-other"
    entity(other, "./")["sourceOrganization"] = {"@id": "#project-other"}
    with pytest.raises(ExportRefused, match="different projects"):
        export_dur([PUBLISHED, crate(tmp_path / "other", other)])


def _without_signoff(document: dict[str, Any]) -> None:
    drop(document, SIGNOFF)


def _failed_signoff(document: dict[str, Any]) -> None:
    entity(document, SIGNOFF)["actionStatus"] = "http://schema.org/FailedActionStatus"


def _rejected_disclosure(document: dict[str, Any]) -> None:
    entity(document, DISCLOSURE)["actionStatus"] = "http://schema.org/FailedActionStatus"


def _pending_disclosure(document: dict[str, Any]) -> None:
    entity(document, DISCLOSURE)["actionStatus"] = "http://schema.org/ActiveActionStatus"


def _unpublished(document: dict[str, Any]) -> None:
    drop(document, BAGIT)


@pytest.mark.parametrize(("change", "words", "focus"), [
    (_without_signoff, "no completed sign-off", None),
    (_failed_signoff, "no completed sign-off", SIGNOFF),
    (_pending_disclosure, "no completed disclosure check", DISCLOSURE),
    (_rejected_disclosure, "the disclosure check rejected the outputs", DISCLOSURE),
    (_unpublished, "not published", "./"),
])
def test_export_is_refused_before_approval_and_publication(tmp_path: Path, change: Any, words: str,
                                                           focus: str | None) -> None:
    document = copy.deepcopy(published_document())
    change(document)
    target = crate(tmp_path / "c", document)
    with pytest.raises(ExportRefused, match=words) as caught:
        export_dur([target])
    assert caught.value.path == str(target) and caught.value.entity_id == focus


@pytest.mark.parametrize(("text", "words"), [
    ("[dur]\nsector = 'x'\n", "unknown key dur.sector"),
    ("[dur]\norganisation_sector = 'University'\n", "must be one of NHS"),
    ("[dur]\nproject_start_date = 'soon'\n", "must be a TOML date"),
    ("[dur]\ngateway_outputs_papers = 'x'\n", "must be a list of strings"),
    ("[dur]\npublic_benefit_statement = 3\n", "must be a string"),
    ("dur = 1\n", r"expected one \[dur\] table"),
    ("[other]\n", r"expected one \[dur\] table"),
    ("[dur\n", "not valid TOML"),
])
def test_a_bad_config_file_is_named(tmp_path: Path, text: str, words: str) -> None:
    config = tmp_path / "dur.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(DurConfigError, match=words) as caught:
        export_dur([PUBLISHED], config=config)
    assert caught.value.path == str(config)


def test_a_missing_or_linked_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DurConfigError, match="cannot read"):
        export_dur([PUBLISHED], config=tmp_path / "missing.toml")
    (tmp_path / "real.toml").write_text("[dur]\n", encoding="utf-8")
    (tmp_path / "link.toml").symlink_to(tmp_path / "real.toml")
    with pytest.raises(DurConfigError):
        export_dur([PUBLISHED], config=tmp_path / "link.toml")


def test_the_output_file_is_written_once_unless_overwrite(tmp_path: Path) -> None:
    output = tmp_path / "dur.json"
    payload = export_dur([PUBLISHED], output=output)
    assert json.loads(output.read_text(encoding="utf-8")) == payload
    with pytest.raises(OutputExistsError):
        export_dur([PUBLISHED], output=output)
    output.write_text("old", encoding="utf-8")
    export_dur([PUBLISHED], output=output, overwrite=True)
    assert json.loads(output.read_text(encoding="utf-8")) == payload


def test_no_crate_or_an_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        export_dur([])
    with pytest.raises(UsageError, match="unknown register format"):
        export_dur([PUBLISHED], fmt="csv")
