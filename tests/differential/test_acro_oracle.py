"""ACRO 1.0.2 as a differential test oracle for the screening rules (issue 15).

The fixture runs :mod:`acro_sessions` (ACRO on synthetic microdata, fixed seeds: every table, statistic, model
and plot ACRO makes, and its options: missing values, zeros allowed, stricter thresholds, suppression)
standalone and federated, in a temporary folder; nothing generated is committed. :mod:`oracle` pairs ACRO's
verdicts with the screening of the same files, once with ACRO's federated evidence and once from the file alone.

It needs the ``acro-oracle`` extra (``pip install -e '.[acro-oracle]'``), which ``.ci/run`` installs; without it
these tests skip, and in CI (``FIVESAFES_NO_SKIPS=1``, :mod:`no_skips`) a skip fails the run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fivesafes_crate.disclosure_control.rules import ANALYSES
from fivesafes_crate.issues import ScreeningOutcome

from .oracle import Cell, Table, compare

HERE = Path(__file__).resolve().parent
DOCS = HERE.parents[1] / "docs" / "disclosure-control.md"
PASS, FAIL = ScreeningOutcome.PASS, ScreeningOutcome.FAIL
MINIMUM_AGREEMENT = 0.95

Comparison = tuple[list[Table], list[Cell]]


@pytest.fixture(scope="module")
def acro_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ACRO wrote for every session (standalone, federated, cells.json)."""
    if importlib.util.find_spec("acro") is None:
        pytest.skip("ACRO is not installed (pip install -e '.[acro-oracle]'); CI installs it and runs these tests")
    out = tmp_path_factory.mktemp("acro")
    environment = {**os.environ, "MPLCONFIGDIR": str(out / ".matplotlib"), "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, str(HERE / "acro_sessions.py"), str(out)], check=True, capture_output=True,
                   timeout=600, env=environment)
    return out


@pytest.fixture(scope="module")
def compared(acro_out: Path) -> Comparison:
    return compare(acro_out)


def test_the_sessions_cover_every_analysis_and_option(acro_out: Path, compared: Comparison) -> None:
    analyses: set[str] = set()
    for evidence in acro_out.glob("*/federated/evidence.json"):
        for entry in json.loads(evidence.read_text(encoding="utf-8"))["outputs"].values():
            analyses.update(entry["analysis_names"])
    assert analyses == set(ANALYSES) - {"SurvivalTables", "HazardTables"}  # ACRO 1.0.2 makes no others
    tables, _ = compared
    assert {t.session for t in tables} == {"default", "missing-values", "zeros-allowed", "strict", "suppressed"}
    assert {t.acro for t in tables} == {PASS, ScreeningOutcome.REVIEW, FAIL} and len(tables) >= 100
    assert {t.file.rsplit(".", 1)[1] for t in tables} == {"csv", "png", "txt"}


def test_with_evidence_nothing_acro_fails_is_passed(compared: Comparison) -> None:
    tables, cells = compared
    assert [t.name for t in tables if t.acro is FAIL and t.with_evidence is PASS] == []
    assert [(c.file, c.label) for c in cells if c.acro is FAIL and c.ours is PASS] == []
    assert len(cells) >= 500 and any(c.acro is FAIL for c in cells)


def test_with_evidence_tables_agree_with_acro(compared: Comparison) -> None:
    tables, _ = compared
    agreeing = sum(t.acro is t.with_evidence for t in tables)
    assert agreeing / len(tables) >= MINIMUM_AGREEMENT, f"{agreeing} of {len(tables)} agree"


def test_from_the_file_alone_nothing_acro_fails_is_passed(compared: Comparison) -> None:
    tables, _ = compared
    assert [t.name for t in tables if t.acro is FAIL and t.alone is PASS] == []


def documented_disagreements() -> set[tuple[str, str, str]]:
    """``(session/file, ACRO's outcome, ours)`` from the table of disagreements in the docs."""
    section = DOCS.read_text(encoding="utf-8").split("### Every disagreement", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| [^|]+ \| (pass|review|fail) \| (pass|review|fail) \| \w", section, re.M)
    return set(rows)


def test_every_disagreement_is_documented_with_its_reason(compared: Comparison) -> None:
    tables, _ = compared
    found = {(t.name, t.acro.label, t.with_evidence.label) for t in tables if t.acro is not t.with_evidence}
    assert found == documented_disagreements()
