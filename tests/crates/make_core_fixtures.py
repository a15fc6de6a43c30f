"""Generate the invalid fixtures of the core Python checks (JSON, JSON-LD, metadata, references, data entities).

Run ``python tests/crates/make_core_fixtures.py`` (then ``python tests/crates/make_readme.py``). Every fixture
starts from the profile's 0.4 example request (``5s-crate/0.4/example-request/data/``: its metadata file and
``input1.txt``) with the one reference it leaves dangling removed, and breaks exactly one thing. The example
itself, unchanged, is the ``ref.dangling`` fixture. The output is committed; the example is read from its copy
in ``tests/data/``.
"""

from __future__ import annotations

import copy
import json
import shutil
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

CRATES = Path(__file__).resolve().parent
INVALID = CRATES / "invalid"
REFERENCE = CRATES.parent / "data" / "5s-crate" / "0.4" / "example-request" / "data"
ORIGIN = "Based on the 0.4 example request (5s-crate/0.4/example-request/data/, without its dangling member)."
DANGLING = "https://ror.org/01ee9ar58"
METADATA = "ro-crate-metadata.json"

JSON = Any


def load_example() -> tuple[JSON, bytes]:
    """The example request's metadata (parsed) and the bytes of ``input1.txt``."""
    document = json.loads((REFERENCE / METADATA).read_text(encoding="utf-8"))
    return document, (REFERENCE / "input1.txt").read_bytes()


def base_document(example: JSON) -> JSON:
    """The example without the Project ``member`` reference that no entity describes."""
    document = copy.deepcopy(example)
    for entity in document["@graph"]:
        if isinstance(entity.get("member"), list):
            entity["member"] = [m for m in entity["member"] if m.get("@id") != DANGLING]
    return document


def entity(document: JSON, entity_id: str) -> dict[str, JSON]:
    """The entity with this ``@id`` in a document."""
    return next(e for e in document["@graph"] if e.get("@id") == entity_id)


def dump(document: JSON) -> str:
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


Edit = Callable[[JSON], None]


def _remove_descriptor(doc: JSON) -> None:
    doc["@graph"] = [e for e in doc["@graph"] if e.get("@id") != METADATA]


def _root_not_dot(doc: JSON) -> None:
    entity(doc, METADATA)["about"] = {"@id": "#root"}
    entity(doc, "./")["@id"] = "#root"


def _nest_person(doc: JSON) -> None:
    person = entity(doc, "https://orcid.org/0000-0001-9842-9718")
    doc["@graph"].remove(person)
    entity(doc, "#query-37252371-c937-43bd-a0a7-3680b48c0538")["agent"] = person


def _drop_profile_id(doc: JSON) -> None:
    del entity(doc, "https://w3id.org/5s-crate/0.4")["@id"]


def _drop_grant_type(doc: JSON) -> None:
    del entity(doc, "https://gtr.ukri.org/projects?ref=10038961")["@type"]


def _grant_type_key(doc: JSON) -> None:
    grant = entity(doc, "https://gtr.ukri.org/projects?ref=10038961")
    grant["type"] = grant.pop("@type")


def _duplicate_grant(doc: JSON) -> None:
    doc["@graph"].append({"@id": "https://gtr.ukri.org/projects?ref=10038961", "@type": "Grant", "name": "EOSC"})


def _undefined_term(doc: JSON) -> None:
    entity(doc, "./")["trePriority"] = "high"


def _remote_context(doc: JSON) -> None:
    doc["@context"] = [doc["@context"], "https://example.org/tre72/context.jsonld"]


def _bad_local_context(doc: JSON) -> None:
    doc["@context"] = [doc["@context"], {"treProject": {"@id": 72}}]


def _parent_path(doc: JSON) -> None:
    entity(doc, "./")["subjectOf"] = {"@id": "../fetch.txt"}
    doc["@graph"].append({"@id": "../fetch.txt", "@type": "CreativeWork", "name": "BagIt fetch file"})


def _absolute_path(doc: JSON) -> None:
    entity(doc, "./")["subjectOf"] = {"@id": "/etc/passwd"}
    doc["@graph"].append({"@id": "/etc/passwd", "@type": "CreativeWork", "name": "A file of the TRE host"})


def _unlink_input(doc: JSON) -> None:
    root = entity(doc, "./")
    root["hasPart"] = [part for part in root["hasPart"] if part["@id"] != "input1.txt"]


def _nested_too_deep(doc: JSON) -> None:
    value: JSON = "deep"
    for _ in range(200):
        value = [value]
    entity(doc, "#enableFastMode")["value"] = value


def _free_text_time(doc: JSON) -> None:
    entity(doc, "#query-37252371-c937-43bd-a0a7-3680b48c0538")["startTime"] = "yesterday afternoon"


def _literal_member_of(doc: JSON) -> None:
    entity(doc, "https://orcid.org/0000-0001-9842-9718")["memberOf"] = "TRE72 project 81"


EDITS: dict[str, tuple[str, Edit]] = {
    "action.time-form": ("The CreateAction's startTime is the free text \"yesterday afternoon\", not ISO 8601.",
                         _free_text_time),
    "ref.literal": ("The requesting Person's memberOf is the text \"TRE72 project 81\" instead of a reference to "
                    "the Project.", _literal_member_of),
    "metadata.descriptor": ("The metadata descriptor entity (ro-crate-metadata.json) is removed.", _remove_descriptor),
    "metadata.root-id": ("The root data entity is named \"#root\" (by the descriptor's about and its own @id) "
                         "instead of \"./\".", _root_not_dot),
    "jsonld.flattened": ("The requesting Person is nested inside the CreateAction's agent instead of being "
                         "referenced with {\"@id\": ...}.", _nest_person),
    "jsonld.id-missing": ("The Profile entity has no @id.", _drop_profile_id),
    "jsonld.type-missing": ("The Grant entity has no @type.", _drop_grant_type),
    "jsonld.type-keyword": ("The Grant entity is typed with \"type\" instead of \"@type\".", _grant_type_key),
    "jsonld.duplicate-id": ("The Grant entity is described twice (a second object with the same @id).",
                            _duplicate_grant),
    "jsonld.undefined-term": ("The root has a property trePriority that the RO-Crate context does not define.",
                              _undefined_term),
    "jsonld.context-offline": ("The @context adds a remote context URL that is not bundled (never fetched).",
                               _remote_context),
    "jsonld.interpretable": ("The @context adds a local term definition whose @id is a number, which JSON-LD "
                             "expansion rejects.", _bad_local_context),
    "id.parent-path": ("The root's subjectOf references an entity \"../fetch.txt\" outside the crate root.",
                       _parent_path),
    "id.absolute-path": ("The root's subjectOf references an entity \"/etc/passwd\", an absolute file system path.",
                         _absolute_path),
    "data.linked-from-root": ("input1.txt is no longer listed in the root's hasPart.", _unlink_input),
    "json.limits": ("A PropertyValue's value is nested 200 arrays deep, beyond the default limit of 128.",
                    _nested_too_deep),
}


BASE_LAYER_ORIGIN = (f"{ORIGIN[:-1]}, completed with what RO-Crate 1.2 asks of it: the root's name and "
                     "description, the workflow download's name.")
WORKFLOW_DOWNLOAD = "https://workflowhub.eu/workflows/289/ro_crate?version=1"


def complete_document(example: JSON) -> JSON:
    """The base document with the RO-Crate 1.2 properties the example misses, so that a base-layer fixture
    breaks exactly one thing."""
    document = base_document(example)
    entity(document, "./").update(name="Query 12389", description="Run the protein MD tutorial on input1.txt")
    entity(document, WORKFLOW_DOWNLOAD)["name"] = "Workflow RO-Crate of the tutorial"
    return document


def _set(entity_id: str, **values: JSON) -> Edit:
    return lambda doc: entity(doc, entity_id).update(values)


def _drop_key(entity_id: str, key: str) -> Edit:
    return lambda doc: entity(doc, entity_id).pop(key)


def _add(new: dict[str, JSON]) -> Edit:
    return lambda doc: doc["@graph"].append(new)


def _text_id(doc: JSON) -> None:
    old, new = "https://ror.org/027m9bs27", "<b>University of Manchester</b>"
    text = json.dumps(doc).replace(json.dumps(old), json.dumps(new))
    doc.clear()
    doc.update(json.loads(text))


def _context_13(doc: JSON) -> None:
    doc["@context"] = "https://w3id.org/ro/crate/1.3/context"


BASE_LAYER_EDITS: dict[str, tuple[str, Edit]] = {
    "rocrate.root-name": ("The root's name is removed.", _drop_key("./", "name")),
    "rocrate.root-description": ("The root's description is the empty string.", _set("./", description="")),
    "rocrate.date-published": ("The root's datePublished is the free text \"last Tuesday\".",
                               _set("./", datePublished="last Tuesday")),
    "rocrate.date-format": ("The Grant has dateModified \"2024-02-30\", a day that does not exist.",
                            _set("https://gtr.ukri.org/projects?ref=10038961", dateModified="2024-02-30")),
    "rocrate.orphan-entity": ("A Place entity is added that no other entity links to.",
                              _add({"@id": "#manchester", "@type": "Place", "name": "Manchester"})),
    "rocrate.contextual-name": ("The Organization of the requester has no name.",
                                _drop_key("https://ror.org/027m9bs27", "name")),
    "rocrate.id-uri-reference": ("The requester's Organization has the @id \"<b>University of Manchester</b>\" "
                                 "(and is referenced so): HTML and spaces that a URI reference cannot hold.", _text_id),
    "rocrate.context-version": ("The @context is RO-Crate 1.3 while the descriptor declares conformsTo 1.2-DRAFT.",
                                _context_13),
}


def _write_fixture(check_id: str, description: str, files: dict[str, bytes], *, zipped: bool = False,
                   links: dict[str, str] | None = None, input_name: str | None = None) -> None:
    folder = INVALID / check_id
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if zipped:
        with zipfile.ZipFile(folder / "crate.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                member = zipfile.ZipInfo(name, date_time=(2024, 3, 6, 12, 0, 0))
                member.external_attr = (stat.S_IFREG | 0o644) << 16
                member.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(member, data)
            for name, target in (links or {}).items():
                member = zipfile.ZipInfo(name, date_time=(2024, 3, 6, 12, 0, 0))
                member.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(member, target)
    else:
        for name, data in files.items():
            path = folder / "crate" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    expected = {
        "description": description,
        "input": "crate.zip" if zipped else f"crate/{input_name}" if input_name else "crate",
        "profile": None,
        "phase": None,
        "checks": [check_id],
    }
    (folder / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    example, input1 = load_example()
    base = base_document(example)
    for check_id, (what, edit) in EDITS.items():
        document = copy.deepcopy(base)
        edit(document)
        _write_fixture(check_id, f"{ORIGIN} {what}", {METADATA: dump(document).encode(), "input1.txt": input1})
    text = dump(base)
    broken = text.replace('"name": "EOSC4Cancer"\n', '"name": "EOSC4Cancer",\n', 1)
    assert broken != text, "the Grant name line was not found"
    _write_fixture("json.syntax", f"{ORIGIN} A trailing comma after the Grant's last property makes the metadata "
                   "file invalid JSON.", {METADATA: broken.encode(), "input1.txt": input1})
    _write_fixture("metadata.present", f"{ORIGIN} The metadata file is moved into a folder named "
                   "ro-crate-metadata.json, so the crate root holds no metadata file.",
                   {f"{METADATA}/{METADATA}": text.encode(), "input1.txt": input1})
    _write_fixture("data.file-missing", f"{ORIGIN} input1.txt, described as a File, is absent.",
                   {METADATA: text.encode()})
    _write_fixture("data.link", f"{ORIGIN} Zipped as a crate ZIP in which input1.txt is a symbolic link member "
                   "pointing to ../../etc/passwd (symbolic links do not survive git, ZIP members do).",
                   {METADATA: text.encode()}, zipped=True, links={"input1.txt": "../../etc/passwd"})
    complete = complete_document(example)
    for check_id, (what, edit) in BASE_LAYER_EDITS.items():
        document = copy.deepcopy(complete)
        edit(document)
        _write_fixture(check_id, f"{BASE_LAYER_ORIGIN} {what}", {METADATA: dump(document).encode(),
                                                                 "input1.txt": input1})
    _write_fixture("rocrate.metadata-file-name", f"{BASE_LAYER_ORIGIN} The metadata file is named request.json "
                   "and given as the input.", {"request.json": dump(complete).encode(), "input1.txt": input1},
                   input_name="request.json")
    _write_fixture("ref.dangling", "The 0.4 example request (5s-crate/0.4/example-request/data/) unchanged: the "
                   f"Project's member {DANGLING} is referenced but not described.",
                   {METADATA: (REFERENCE / METADATA).read_bytes(), "input1.txt": input1})


if __name__ == "__main__":
    main()
