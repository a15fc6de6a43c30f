"""The verdict never depends on the order of the entities in ``@graph``: profile resolution and the RO-Crate
1.2 base layer (orphans, names, dates, URI references) judge the graph, not its order."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unit._crates import GRANT, PERSON, entity, request_document

from fivesafes_crate.issues import Report
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.validation.engine import validate

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _flawed() -> dict[str, Any]:
    """The base request with one defect per base-layer check and a second 5s-crate declaration."""
    document = request_document()
    root = entity(document, "./")
    root.pop("description")
    root["conformsTo"] = [{"@id": "https://w3id.org/5s-crate/1.0"}, root["conformsTo"]]
    root["datePublished"] = "soon"
    entity(document, GRANT)["dateModified"] = "2024-02-30"
    entity(document, PERSON).pop("name")
    document["@graph"].append({"@id": "#place", "@type": "Place", "name": "Manchester"})
    document["@graph"].append({"@id": "#note", "@type": "Comment", "name": "n", "author": {"@id": "a b"}})
    root["comment"] = {"@id": "#note"}
    return document


def _verdict(report: Report) -> tuple[object, ...]:
    return report.valid, report.profile, report.declared, report.phase, report.issues


BASELINE = _verdict(validate(Crate(_flawed())))


@SETTINGS
@given(st.permutations(range(len(_flawed()["@graph"]))))
def test_the_verdict_does_not_depend_on_entity_order(order: list[int]) -> None:
    document = _flawed()
    document["@graph"] = [document["@graph"][i] for i in order]
    assert _verdict(validate(Crate(document))) == BASELINE
