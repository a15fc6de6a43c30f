"""Parsing metadata with guards, and the crate kept exactly as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fivesafes_crate.issues import Stage
from fivesafes_crate.model.crate import (
    Crate,
    MetadataLimitError,
    MetadataSyntaxError,
    load_crate,
    parse_metadata,
)
from fivesafes_crate.model.source import Limits, open_source

from .._crates import QUERY, entity, request_document, write_crate


def test_parse_plain_and_with_bom() -> None:
    assert parse_metadata(b'{"a": 1}') == {"a": 1}
    assert parse_metadata(b'\xef\xbb\xbf{"a": [1, 2]}') == {"a": [1, 2]}


def test_syntax_error_carries_line_and_column() -> None:
    data = b'{\n  "@context": "x",\n  "@graph": [,]\n}'
    with pytest.raises(MetadataSyntaxError) as info:
        parse_metadata(data)
    error = info.value
    assert (error.line, error.column) == (3, 14)
    assert error.path == "ro-crate-metadata.json"
    assert error.message == "not valid JSON: Expecting value"
    assert str(error) == "ro-crate-metadata.json:3:14: not valid JSON: Expecting value"  # as compilers say it


def test_syntax_error_names_the_given_path() -> None:
    with pytest.raises(MetadataSyntaxError) as info:
        parse_metadata(b"{", path="data/ro-crate-metadata.json")
    assert info.value.path == "data/ro-crate-metadata.json"
    assert info.value.line == 1


def test_not_utf8() -> None:
    with pytest.raises(MetadataSyntaxError, match="not UTF-8"):
        parse_metadata(b'{"name": "\xff"}')


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_200_deep_nesting_is_refused() -> None:
    with pytest.raises(MetadataLimitError, match="deeper than 128"):
        parse_metadata(nested(200))


def test_depth_limit_boundary() -> None:
    assert parse_metadata(nested(128)) is not None
    with pytest.raises(MetadataLimitError):
        parse_metadata(nested(129))
    with pytest.raises(MetadataLimitError, match="deeper than 5"):
        parse_metadata(b'{"a": {"b": {"c": {"d": {"e": {}}}}}}', limits=Limits(max_json_depth=5))


def test_absurd_nesting_does_not_crash() -> None:
    with pytest.raises(MetadataLimitError):
        parse_metadata(nested(100_000))


def test_crate_keeps_document_order_and_ids_as_written() -> None:
    document = request_document()
    document["@graph"].insert(2, {"@id": "./a%20b.txt", "@type": "File"})
    snapshot = json.dumps(document)
    crate = Crate(document)
    assert crate.document is document
    assert json.dumps(crate.document) == snapshot  # nothing rewritten
    assert [e["@id"] for e in crate.entities] == [e["@id"] for e in document["@graph"]]
    assert list(crate.ids()) == [e["@id"] for e in document["@graph"]]
    assert crate.get("./a%20b.txt") is document["@graph"][2]
    assert crate.get("a b.txt") is None and crate.get("a%20b.txt") is None
    assert crate.context == "https://w3id.org/ro/crate/1.2-DRAFT/context"


def test_descriptor_and_root() -> None:
    crate = Crate(request_document())
    assert crate.descriptor is not None and crate.descriptor["@id"] == "ro-crate-metadata.json"
    assert crate.root_id == "./"
    assert crate.root is crate.get("./")
    assert "./" in crate and "#nowhere" not in crate


def test_root_found_through_about() -> None:
    document = request_document()
    entity(document, "ro-crate-metadata.json")["about"] = {"@id": "#root"}
    entity(document, "./")["@id"] = "#root"
    crate = Crate(document)
    assert crate.root_id == "#root"
    assert crate.root is not None and crate.root["@id"] == "#root"


def test_duplicates_are_recorded_and_first_wins() -> None:
    first, second, third = ({"@id": "#x", "@type": "Thing", "n": i} for i in range(3))
    crate = Crate({"@graph": [first, second, third]})
    assert crate.get("#x") is first
    assert crate.duplicate_ids == ["#x", "#x"]
    assert list(crate.ids()) == ["#x"]


@pytest.mark.parametrize("document", [[], "text", {"@graph": "no"}, {"@graph": [1, None, "x", {"@id": "#a"}]}])
def test_tolerates_any_shape(document: object) -> None:
    crate = Crate(document)
    assert crate.descriptor is None and crate.root is None
    assert crate.stage() is Stage.REQUEST
    assert all(isinstance(e, dict) for e in crate.entities)


def test_references_only_single_key_objects() -> None:
    crate = Crate(request_document())
    query = crate.get(QUERY)
    assert query is not None
    assert list(crate.references(query)) == [
        ("agent", "https://orcid.org/0000-0001-9842-9718"),
        ("instrument", "https://workflowhub.eu/workflows/289?version=1"),
        ("object", "input1.txt"),
        ("object", "#enableFastMode"),
    ]


def test_reindex_after_edit() -> None:
    crate = Crate(request_document())
    crate.graph.append({"@id": "#new", "@type": "Thing"})
    assert "#new" not in crate
    crate.reindex()
    assert "#new" in crate


def test_load_crate_from_source(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "crate")
    with open_source(folder) as source:
        crate = load_crate(source)
        assert crate.source is source
        assert crate.root_id == "./"


def test_load_crate_applies_depth_limit(tmp_path: Path) -> None:
    folder = write_crate(tmp_path / "crate", raw=b'{"@graph": [[[[[]]]]]}')
    with open_source(folder, Limits(max_json_depth=4)) as source, pytest.raises(MetadataLimitError):
        load_crate(source)
