"""The rule predicates and the dominance arithmetic, including the golden values of the ACRO sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from fivesafes_crate.disclosure_control import (
    RULES,
    CellEvidence,
    NKRule,
    load_evidence,
    nk_dominated,
    nk_share,
    p_ratio,
    p_ratio_fails,
)
from fivesafes_crate.disclosure_control.rules import below_threshold, full_line, recoverable_line, unrounded


def test_rule_ids_are_stable_and_namespaced() -> None:
    assert all(rule.startswith("sdc.") for rule in RULES)
    assert {"sdc.threshold", "sdc.nk", "sdc.p-ratio", "sdc.dof", "sdc.zeros"} <= set(RULES)


def test_simple_predicates() -> None:
    assert [below_threshold(v, 10) for v in (0, 1, 9, 10)] == [False, True, True, False]
    assert full_line([0, 0, 7]) and not full_line([7]) and not full_line([0, 3, 4]) and not full_line([0, 0])
    assert recoverable_line(1, True) and not recoverable_line(2, True) and not recoverable_line(1, False)
    assert unrounded(12, 5) and not unrounded(15, 5) and not unrounded(0, 5)


def test_evidence_from_contributions_keeps_the_largest() -> None:
    cell = CellEvidence.from_contributions([5, 1, 9, 3])
    assert (cell.count, cell.total, cell.top(1), cell.top(2), cell.top(4)) == (4, 18, 9, 14, 18)
    assert CellEvidence.from_contributions([7]).top(2) == 7  # one contributor: the whole cell
    assert CellEvidence.from_contributions([4, -1]).negatives == 1


def test_dominance_edge_cases() -> None:
    single = CellEvidence.from_contributions([100.0])
    assert nk_share(single, 2) == 1.0 and p_ratio(single) == 0.0 and p_ratio_fails(single, 0.1)
    empty = CellEvidence(count=0, total=0.0)
    assert nk_share(empty, 1) is None and p_ratio(empty) is None and nk_dominated(empty, NKRule(1, 0.5)) is None
    unknown = CellEvidence(count=50, total=100.0)  # no largest contributions known
    assert nk_dominated(unknown, NKRule(2, 0.9)) is None and p_ratio_fails(unknown, 0.1) is None


@pytest.fixture(scope="module")
def federated(reference_dir: Path) -> dict[str, CellEvidence]:
    evidence = load_evidence(reference_dir / "acro-sample-1.0.2" / "federated" / "evidence.json")
    output = evidence.outputs["output_1"]
    return {row: cell for (row, _), cell in output.cells.items()}


def test_golden_dominance_shares_and_p_ratios(federated: dict[str, CellEvidence]) -> None:
    north, west = federated["North"], federated["West"]
    assert (round(nk_share(north, 1) or 0, 3), round(nk_share(north, 2) or 0, 3)) == (0.649, 0.657)
    assert round(p_ratio(north) or 0, 3) == 0.528
    assert (round(nk_share(west, 1) or 0, 3), round(nk_share(west, 2) or 0, 3)) == (0.567, 0.786)
    assert round(p_ratio(west) or 0, 3) == 0.377
    assert west.count == 4 and north.count == 142


def test_golden_verdicts_under_acro_and_abs_rules(federated: dict[str, CellEvidence]) -> None:
    acro = {row: nk_dominated(cell, NKRule(2, 0.9)) or p_ratio_fails(cell, 0.1) for row, cell in federated.items()}
    assert acro == {"East": False, "North": False, "South": False, "West": False}
    abs_one = {row for row, cell in federated.items() if nk_dominated(cell, NKRule(1, 0.5))}
    abs_two = {row for row, cell in federated.items() if nk_dominated(cell, NKRule(2, 0.67))}
    assert (abs_one, abs_two) == ({"North", "West"}, {"West"})


def test_nk_fails_a_share_of_exactly_k_as_acro_does() -> None:
    """45 + 45 of 100: the two largest hold exactly 90% (issue 15, class 3)."""
    cell = CellEvidence.from_contributions([45.0, 45.0] + [1.0] * 10)
    assert nk_share(cell, 2) == 0.9
    assert nk_dominated(cell, NKRule(2, 0.9)) is True and nk_dominated(cell, NKRule(2, 0.9), ">=") is True
    assert nk_dominated(cell, NKRule(2, 0.9), ">") is False
    assert nk_dominated(CellEvidence.from_contributions([44.0, 45.0] + [1.1] * 10), NKRule(2, 0.9)) is False
