"""Differential test: the fast SHACL engine finds exactly what pySHACL, the reference, finds.

Both engines run the same selected shapes over the same crate graph, for every fixture under ``tests/crates/``,
every example, every spec example and hypothesis mutations of the examples, and must report the same set of
(check id, severity, focus, path), and the same messages (which name or quote the value at fault). A shape
that only one engine runs would show here as a difference on its own invalid fixture (every check id has one:
``tests/test_fixtures.py``); :func:`test_every_shape_fires_in_both_engines` also asserts, over all inputs,
that every shape of the library was reported by each engine at least once.

The fast engine is a test dependency (the ``test`` extra installs ``shacl``), so this module never skips.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fivesafes_crate.errors import FiveSafesError
from fivesafes_crate.issues import Stage
from fivesafes_crate.model.crate import Crate, load_crate
from fivesafes_crate.model.graph import CrateGraph, build_graph
from fivesafes_crate.model.source import open_source
from fivesafes_crate.profiles import resolve_profile
from fivesafes_crate.validation.shacl import load_library, run_shapes
from fivesafes_crate.validation.shacl_engines import FAST, REFERENCE, fast_engine_installed

REPO = Path(__file__).resolve().parents[2]
CRATES = REPO / "tests" / "crates"
EXAMPLES = REPO / "examples"
SPEC = REPO / "tests" / "data" / "5s-crate"

Finding = tuple[str, str, str | None, str | None, str]


def _inputs() -> list[tuple[str, Path, str | None, str | None]]:
    """(label, input path, profile, phase) of every fixture, example and spec example."""
    found = []
    for kind in ("invalid", "valid"):
        for folder in sorted(p for p in (CRATES / kind).iterdir() if (p / "expected.json").is_file()):
            expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
            found.append((f"{kind}/{folder.name}", folder / expected.get("input", "crate"), expected.get("profile"),
                          expected.get("phase")))
    for folder in sorted(p for p in EXAMPLES.iterdir() if (p / "ro-crate-metadata.json").is_file()):
        found.append((f"examples/{folder.name}", folder, None, None))
    for path in sorted(SPEC.glob("*/example-*")):
        found.append((f"spec/{path.parent.name}/{path.name}", path, None, None))
    return found


INPUTS = _inputs()


def _findings(graph: CrateGraph, version: str, stage: Stage, engine: str) -> set[Finding]:
    return {(i.check, i.severity.label, i.focus, i.path, i.message) for i in run_shapes(graph, version, stage, engine)}


def _prepared(crate: Crate, profile: str | None, phase: str | None) -> tuple[CrateGraph, str, Stage] | None:
    """The crate's graph, profile version and stage, or None when the shapes never run on it."""
    try:
        graph = build_graph(crate)
    except FiveSafesError:
        return None
    try:
        chosen = resolve_profile(crate, profile).profile
    except FiveSafesError:  # an unsupported declared version: nothing to run the shapes against
        return None
    return graph, chosen.version, Stage.parse(phase) if phase else crate.stage()


@cache
def _both(index: int) -> tuple[set[Finding], set[Finding]] | None:
    """The findings of the reference and of the fast engine on input ``index`` (None: no graph to validate)."""
    _label, path, profile, phase = INPUTS[index]
    try:
        source = open_source(path)
    except FiveSafesError:
        return None
    with source:
        try:
            crate = load_crate(source)
        except FiveSafesError:
            return None
        prepared = _prepared(crate, profile, phase)
        if prepared is None:
            return None
        return _findings(*prepared, REFERENCE), _findings(*prepared, FAST)


def test_the_fast_engine_is_installed() -> None:
    assert fast_engine_installed(), "the test extra installs the fast engine ('shacl'): the comparison needs it"


@pytest.mark.parametrize("index", range(len(INPUTS)), ids=[label for label, *_ in INPUTS])
def test_same_findings(index: int) -> None:
    both = _both(index)
    if both is None:
        return  # the input stops before the shapes (unreadable, or no graph): neither engine runs
    reference, fast = both
    assert fast == reference, f"only pyshacl: {sorted(reference - fast)}; only {FAST}: {sorted(fast - reference)}"


def test_every_shape_fires_in_both_engines() -> None:
    reported: dict[str, set[str]] = {REFERENCE: set(), FAST: set()}
    for index in range(len(INPUTS)):
        both = _both(index)
        if both is not None:
            reported[REFERENCE] |= {check for check, *_ in both[0]}
            reported[FAST] |= {check for check, *_ in both[1]}
    shapes = set(load_library().infos)
    for engine, checks in reported.items():
        assert not shapes - checks, f"{engine} never reported {sorted(shapes - checks)} on any input"


# Hypothesis: mutations of the examples that keep the document interpretable as JSON-LD, aimed at what the
# shapes see (entities, properties, references, types) and at what the fast engine's N-Triples writer must
# carry over exactly (odd @ids: spaces, quotes, non-ASCII, blank-node labels with colons).
ODD_IDS = st.sampled_from(["my file.csv", 'q"uote', "outputs/ü.csv", "_:a:b:c", "#x y", "<angle>", "a\\b",
                           "http://example.org/with space", "outputs/", "urn:x", "../escape", "%", "100%25", "a%zz"])
SCALARS = st.one_of(st.text(max_size=8), st.integers(-5, 5), st.booleans(), ODD_IDS)
EXAMPLE_DOCS = {p.name: json.loads((p / "ro-crate-metadata.json").read_text(encoding="utf-8"))
                for p in sorted(EXAMPLES.iterdir()) if (p / "ro-crate-metadata.json").is_file()}


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(EXAMPLE_DOCS[draw(st.sampled_from(sorted(EXAMPLE_DOCS)))])
    entities = [e for e in doc["@graph"] if isinstance(e, dict)]
    for _ in range(draw(st.integers(1, 4))):
        entity = entities[draw(st.integers(0, len(entities) - 1))]
        keys = sorted(k for k in entity if k != "@id")
        action = draw(st.sampled_from(["delete-entity", "delete-property", "value", "reference", "odd-id"]))
        if action == "delete-entity" and len(entities) > 2 and entity.get("@id") != "ro-crate-metadata.json":
            doc["@graph"].remove(entity)
            entities.remove(entity)
        elif action == "delete-property" and keys:
            del entity[draw(st.sampled_from(keys))]
        elif action == "value" and keys:
            entity[draw(st.sampled_from(keys))] = draw(SCALARS)
        elif action == "reference" and keys:
            entity[draw(st.sampled_from(keys))] = {"@id": draw(ODD_IDS)}
        elif action == "odd-id" and entity.get("@id") not in ("ro-crate-metadata.json", "./"):
            entity["@id"] = draw(ODD_IDS)
    return doc


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=mutated(), phase=st.sampled_from([None, *[stage.value for stage in Stage]]))
def test_same_findings_on_mutated_examples(doc: dict[str, Any], phase: str | None) -> None:
    prepared = _prepared(Crate(doc), None, phase)
    if prepared is None:
        return
    reference, fast = _findings(*prepared, REFERENCE), _findings(*prepared, FAST)
    assert fast == reference, f"only pyshacl: {sorted(reference - fast)}; only {FAST}: {sorted(fast - reference)}"
