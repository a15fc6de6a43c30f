"""Property tests: however an example crate is damaged, validation reports or raises a FiveSafesError.

Each example under ``examples/`` is copied to a temporary folder, mutated (entities and properties deleted,
values retyped, references turned into literals, ``@id`` duplicated, bytes corrupted, the file truncated) and
validated: :func:`validate` must return a :class:`Report` or raise a :class:`FiveSafesError`, never anything
else. The valid examples also validate identically given as a folder, as their metadata file, or zipped as a
BagIt bag.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fivesafes_crate.errors import FiveSafesError
from fivesafes_crate.issues import Report, Severity
from fivesafes_crate.validation.engine import validate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "ro-crate-metadata.json").is_file())
METADATA = "ro-crate-metadata.json"

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

JSON = Any
Mutation = Callable[[JSON], JSON]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["./", "#", "", "../etc/passwd", "/abs", "http://schema.org/Thing", "_:b0", "@id", "@type"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["@id", "@type", "@value", "@list", "name", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)


def _entities(doc: JSON) -> list[dict[str, JSON]]:
    graph = doc.get("@graph") if isinstance(doc, dict) else None
    return [e for e in graph if isinstance(e, dict)] if isinstance(graph, list) else []


def _pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)] if items else None


def delete_entity(index: int) -> Mutation:
    def apply(doc: JSON) -> JSON:
        graph = doc.get("@graph") if isinstance(doc, dict) else None
        if isinstance(graph, list) and graph:
            del graph[index % len(graph)]
        return doc

    return apply


def delete_property(index: int, key_index: int) -> Mutation:
    def apply(doc: JSON) -> JSON:
        entity = _pick(_entities(doc), index)
        if entity:
            del entity[_pick(sorted(entity), key_index)]
        return doc

    return apply


def retype_value(index: int, key_index: int, value: JSON) -> Mutation:
    """Replace a property value by a value of any JSON type (string, number, list, object, null...)."""

    def apply(doc: JSON) -> JSON:
        entity = _pick(_entities(doc), index)
        if entity:
            entity[_pick(sorted(entity), key_index)] = value
        return doc

    return apply


def reference_to_literal(index: int) -> Mutation:
    """Replace one ``{"@id": ...}`` reference by the bare string."""

    def apply(doc: JSON) -> JSON:
        spots = [
            (entity, key, position)
            for entity in _entities(doc)
            for key, value in entity.items()
            for position, item in enumerate(value if isinstance(value, list) else [value])
            if isinstance(item, dict) and "@id" in item
        ]
        spot = _pick(spots, index)
        if spot:
            entity, key, position = spot
            if isinstance(entity[key], list):
                entity[key][position] = entity[key][position]["@id"]
            else:
                entity[key] = entity[key]["@id"]
        return doc

    return apply


def duplicate_id(source: int, target: int) -> Mutation:
    def apply(doc: JSON) -> JSON:
        entities = _entities(doc)
        if entities:
            _pick(entities, target)["@id"] = _pick(entities, source).get("@id")
        return doc

    return apply


def replace_document(value: JSON) -> Mutation:
    """Replace the whole document, or its ``@context`` or ``@graph``, by an arbitrary value."""

    def apply(doc: JSON) -> JSON:
        return value

    return apply


def replace_key(key: str, value: JSON) -> Mutation:
    def apply(doc: JSON) -> JSON:
        if isinstance(doc, dict):
            doc[key] = value
        return doc

    return apply


indices = st.integers(min_value=0, max_value=10_000)
json_mutations = st.one_of(
    st.builds(delete_entity, indices),
    st.builds(delete_property, indices, indices),
    st.builds(retype_value, indices, indices, values),
    st.builds(reference_to_literal, indices),
    st.builds(duplicate_id, indices, indices),
    st.builds(replace_key, st.sampled_from(["@context", "@graph"]), values),
    st.builds(replace_document, values),
)


def _copy_example(name: str, into: Path) -> Path:
    target = into / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def _check(target: Path) -> None:
    try:
        report = validate(target, threshold=Severity.SHOULD)
    except FiveSafesError:
        return
    assert isinstance(report, Report)
    for issue in report.issues:
        assert isinstance(issue.check, str) and issue.check
        assert isinstance(issue.message, str)


@SETTINGS
@given(name=st.sampled_from(NAMES), mutations=st.lists(json_mutations, min_size=1, max_size=3))
def test_mutated_metadata_gives_a_report_or_a_fivesafes_error(name: str, mutations: list[Mutation]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        crate = _copy_example(name, Path(tmp))
        doc = json.loads((crate / METADATA).read_text(encoding="utf-8"))
        for mutate in mutations:
            doc = mutate(copy.deepcopy(doc))
        (crate / METADATA).write_text(json.dumps(doc), encoding="utf-8")
        _check(crate)


@SETTINGS
@given(
    name=st.sampled_from(NAMES),
    edits=st.lists(st.tuples(st.floats(min_value=0, max_value=1), st.integers(0, 255)), min_size=1, max_size=4),
    keep=st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
)
def test_corrupted_or_truncated_metadata_gives_a_report_or_a_fivesafes_error(
    name: str, edits: list[tuple[float, int]], keep: float | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        crate = _copy_example(name, Path(tmp))
        data = bytearray((crate / METADATA).read_bytes())
        for where, byte in edits:
            data[min(int(where * len(data)), len(data) - 1)] = byte
        if keep is not None:
            data = data[: int(keep * len(data))]
        (crate / METADATA).write_bytes(bytes(data))
        _check(crate)


def _summary(report: Report) -> tuple[bool, set[tuple[str, str | None]], str]:
    return report.valid, {(i.check, i.focus) for i in report.issues}, report.stage_label


bag_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=20)


BagZip = Callable[..., Path]


@settings(max_examples=20, deadline=None)
@given(name=st.sampled_from(NAMES), bag_name=bag_names)
def test_valid_example_validates_identically_as_folder_file_and_bag(bag_zip: BagZip, name: str, bag_name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        crate = _copy_example(name, Path(tmp))
        as_folder = validate(crate, threshold=Severity.SHOULD)
        as_file = validate(crate / METADATA, threshold=Severity.SHOULD)
        as_bag = validate(bag_zip(crate, Path(tmp) / "crate.zip", bag_name=bag_name), threshold=Severity.SHOULD)
    assert _summary(as_file) == _summary(as_folder)
    assert _summary(as_bag) == _summary(as_folder)


def _replace_member(archive_path: Path, name: str, data: bytes, target: Path) -> Path:
    """A copy of a ZIP with the member ``name`` (anywhere below the top folder) holding ``data``."""
    with zipfile.ZipFile(archive_path) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for member in old.infolist():
            new.writestr(member, data if member.filename.endswith("/" + name) else old.read(member))
    return target


@settings(max_examples=20, deadline=None)
@given(name=st.sampled_from(NAMES), where=st.floats(min_value=0, max_value=1), flip=st.integers(1, 255))
def test_flipped_payload_byte_in_a_bag_is_caught(bag_zip: BagZip, name: str, where: float, flip: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        crate = _copy_example(name, Path(tmp))
        bag = bag_zip(crate, Path(tmp) / "crate.zip")
        victim = sorted(p for p in crate.rglob("*") if p.is_file() and p.name != METADATA)[0]
        data = bytearray(victim.read_bytes())
        data[min(int(where * len(data)), len(data) - 1)] ^= flip
        member = "data/" + victim.relative_to(crate).as_posix()
        report = validate(_replace_member(bag, member, bytes(data), Path(tmp) / "flipped.zip"))
    assert "bagit.payload-integrity" in report.checks()
    assert not report.valid
