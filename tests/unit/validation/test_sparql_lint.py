"""Every SPARQL target and constraint left in the shapes is listed, with its reason, in docs/engines.md.

pySHACL prepares SPARQL again per focus node (issue 16), so SPARQL is kept only where SHACL Core cannot say the
same; this lint fails when one is added or removed without the table of reasons changing.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH

from fivesafes_crate.profiles import shapes_dir

DOC = Path(__file__).resolve().parents[3] / "docs" / "engines.md"
ROW = re.compile(r"^\| `(?P<name>[^`]+)` \| (?P<kind>target|constraint) \| (?P<reason>[^|]+) \|$")


def _local(node: URIRef | BNode) -> str:
    return str(node).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def sparql_in_shapes() -> set[tuple[str, str]]:
    """(name, kind) of each ``sh:select``: a target by its node's name, a constraint by its shape's id."""
    graph = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        graph.parse(path)
    found: set[tuple[str, str]] = set()
    for node in graph.subjects(SH.select, None):
        owners = sorted(_local(shape) for shape in graph.subjects(SH.sparql, node))  # type: ignore[arg-type]
        if owners:
            found.update((owner, "constraint") for owner in owners)
            continue
        assert isinstance(node, URIRef), "a SPARQL target must be a named node, so that the table can name it"
        assert any(True for _ in graph.subjects(SH.target, node)), f"{_local(node)} targets nothing: remove it"
        found.add((_local(node), "target"))
    return found


def documented() -> dict[tuple[str, str], str]:
    section = DOC.read_text(encoding="utf-8").split("## SPARQL still in the shapes", 1)[1]
    rows = {}
    for line in section.splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[(match["name"], match["kind"])] = match["reason"].strip()
    return rows


def test_every_remaining_sparql_target_and_constraint_is_listed_with_its_reason() -> None:
    found, listed = sparql_in_shapes(), documented()
    assert found == set(listed), {"undocumented": sorted(found - set(listed)), "gone": sorted(set(listed) - found)}
    assert all(len(reason) > 20 for reason in listed.values())
