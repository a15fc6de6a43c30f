"""Entity helpers on the JSON as written, and the lifecycle stage a crate's actions show."""

from __future__ import annotations

from typing import Any

import pytest

from fivesafes_crate.issues import Stage
from fivesafes_crate.model.entities import (
    action_status,
    additional_types,
    as_list,
    declared_types,
    has_type,
    infer_stage,
    iri_values,
    iter_entities,
    ref_ids,
)

from .._crates import entity, request_document

SCHEMA = "http://schema.org/"
SHP = "https://w3id.org/shp#"


def test_as_list() -> None:
    assert as_list(None) == []
    assert as_list("a") == ["a"]
    assert as_list(["a", "b"]) == ["a", "b"]
    assert as_list({"@id": "x"}) == [{"@id": "x"}]


def test_ref_ids_and_iri_values() -> None:
    value = [{"@id": "#a"}, "http://schema.org/x", {"name": "n"}, 3]
    assert ref_ids(value) == ["#a"]
    assert iri_values(value) == ["#a", "http://schema.org/x"]
    assert ref_ids({"@id": "./"}) == ["./"]


def test_types() -> None:
    assert declared_types({"@type": ["File", "SoftwareSourceCode"]}) == ["File", "SoftwareSourceCode"]
    assert declared_types({"type": "File"}) == []
    assert declared_types({"type": "File"}, tolerate_type_key=True) == ["File"]
    assert has_type({"@type": "http://schema.org/CreateAction"}, "CreateAction")
    assert has_type({"@type": "schema:CreateAction"}, "CreateAction")
    assert has_type({"type": "CreateAction"}, "CreateAction")
    assert not has_type({"type": "CreateAction"}, "CreateAction", tolerate_type_key=False)
    assert not has_type({"@type": "Dataset"}, "File")


def test_action_status_string_or_reference() -> None:
    assert action_status({"actionStatus": SCHEMA + "CompletedActionStatus"}) == "CompletedActionStatus"
    assert action_status({"actionStatus": {"@id": SCHEMA + "CompletedActionStatus"}}) == "CompletedActionStatus"
    assert action_status({}) is None


def test_additional_types() -> None:
    assert additional_types({"additionalType": [{"@id": SHP + "CheckValue"}, SHP + "SignOff"]}) == {
        "CheckValue", "SignOff"}


def test_iter_entities_skips_non_objects() -> None:
    assert list(iter_entities([{"@id": "a"}, 1, "x", None, {"@id": "b"}])) == [{"@id": "a"}, {"@id": "b"}]


def action(extra: str | None = None, status: str | None = None, type_: str = "AssessAction",
           key: str = "@type") -> dict[str, Any]:
    found: dict[str, Any] = {"@id": "#a", key: type_}
    if extra:
        found["additionalType"] = {"@id": SHP + extra}
    if status:
        found["actionStatus"] = SCHEMA + status
    return found


def request_with(*extra: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    document = request_document()
    document["@graph"].extend(extra)
    return document["@graph"], entity(document, "./")


@pytest.mark.parametrize(
    ("actions", "stage"),
    [
        ([], Stage.REQUEST),
        ([action("CheckValue")], Stage.UNDER_REVIEW),
        ([action("ValidationCheck")], Stage.UNDER_REVIEW),
        ([action("SignOff")], Stage.UNDER_REVIEW),
        ([action(type_="DownloadAction")], Stage.UNDER_REVIEW),
        ([action(type_="AssessAction")], Stage.UNDER_REVIEW),
        ([{"@id": "#run", "@type": "CreateAction", "actionStatus": SCHEMA + "ActiveActionStatus"}], Stage.EXECUTING),
        ([{"@id": "#run", "@type": "CreateAction", "actionStatus": SCHEMA + "CompletedActionStatus"}], Stage.EXECUTED),
        ([{"@id": "#run", "@type": "CreateAction", "actionStatus": {"@id": SCHEMA + "FailedActionStatus"}}],
         Stage.EXECUTED),
        ([action("DisclosureCheck", "PotentialActionStatus")], Stage.EXECUTED),
        ([action("DisclosureCheck", "CompletedActionStatus")], Stage.DISCLOSURE_CHECKED),
        ([action("DisclosureCheck", "FailedActionStatus")], Stage.DISCLOSURE_CHECKED),
        ([action("GenerateCheckValue", "CompletedActionStatus")], Stage.PUBLISHED),
        ([action("CheckValue", type_="AssessAction", key="type")], Stage.UNDER_REVIEW),
        ([{"@id": "#run", "type": "CreateAction", "actionStatus": SCHEMA + "ActiveActionStatus"}], Stage.EXECUTING),
    ],
)
def test_infer_stage(actions: list[dict[str, Any]], stage: Stage) -> None:
    entities, root = request_with(*actions)
    assert infer_stage(entities, root) is stage


def test_infer_stage_takes_the_latest_stage_whatever_the_order() -> None:
    done = {"@id": "#run", "@type": "CreateAction", "actionStatus": SCHEMA + "CompletedActionStatus"}
    entities, root = request_with(done, action("SignOff"))
    assert infer_stage(entities, root) is Stage.EXECUTED
    assert infer_stage(list(reversed(entities)), root) is Stage.EXECUTED


def test_the_request_query_is_potential_so_stays_a_request() -> None:
    entities, root = request_with()
    assert action_status(next(e for e in entities if has_type(e, "CreateAction"))) == "PotentialActionStatus"
    assert infer_stage(entities, root) is Stage.REQUEST


def test_date_published_on_root_alone_is_not_publishing() -> None:
    # RO-Crate asks every root for datePublished and generic tools (ro-crate-py) add one to requests
    entities, root = request_with()
    root["datePublished"] = "2024-03-06"
    assert infer_stage(entities, root) is Stage.REQUEST
