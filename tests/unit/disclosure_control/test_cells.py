"""The table model: cell kinds, suppression markers, labels and layout."""

from __future__ import annotations

import pytest

from fivesafes_crate.disclosure_control.cells import (
    CellKind,
    column_labels,
    display_label,
    is_data_row,
    is_identifier_column,
    is_magnitude_label,
    is_total_label,
    is_year_header,
    label_columns,
    parse_cell,
    row_label,
)


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("12", CellKind.COUNT, 12), (" 7 ", CellKind.COUNT, 7), ("1,234", CellKind.COUNT, 1234),
    ("12.0", CellKind.COUNT, 12), ("0", CellKind.COUNT, 0), ("12.5", CellKind.NUMBER, 12.5),
    ("-3", CellKind.NUMBER, -3), ("45%", CellKind.NUMBER, 45), ("1e3", CellKind.COUNT, 1000),
    ("*", CellKind.SUPPRESSED, None), ("c", CellKind.SUPPRESSED, None), ("x", CellKind.SUPPRESSED, None),
    ("..", CellKind.SUPPRESSED, None), ("<5", CellKind.SUPPRESSED, None), ("<= 10", CellKind.SUPPRESSED, None),
    ("[REDACTED]", CellKind.SUPPRESSED, None), ("", CellKind.MISSING, None), ("NA", CellKind.MISSING, None),
    ("nan", CellKind.MISSING, None), ("inf", CellKind.TEXT, None), ("North", CellKind.TEXT, None),
])
def test_parse_cell(text: str, kind: CellKind, value: float | None) -> None:
    cell = parse_cell(text)
    assert (cell.kind, cell.value) == (kind, value) and cell.text == text


def test_labels_and_layout() -> None:
    assert all(is_total_label(label) for label in ("Total", "ALL", "Sum", "Grand total", "Total (all ages)"))
    assert not any(is_total_label(label) for label in ("Totalitarian", "small", "East"))
    assert is_magnitude_label("mean / income") and is_magnitude_label("% of cohort")
    assert not is_magnitude_label("count") and not is_magnitude_label("region")
    assert is_identifier_column("Patient ID") and is_identifier_column("date_of_birth")
    assert not is_identifier_column("region")
    assert is_data_row(["East", "6", "11"]) and not is_data_row(["region", "A", "B", "C"])
    assert not is_data_row(["region", "c", "x"])  # lettered markers also name categories
    assert is_year_header(["sex", "2019", "2020", "2021"]) and not is_year_header(["sex", "2021", "2019"])
    assert label_columns(["North", "A", "5"]) == 2 and label_columns(["East", "", "5"]) == 1
    assert label_columns(["5", "6"]) == 0 and label_columns(["West", "*", "3"]) == 1
    assert row_label(["North", " A ", "5"], 2) == "North / A"
    assert column_labels([["", "mean"], ["", "income"], ["region", ""]], 1, 1) == ["mean / income"]


def test_display_label_hides_identifiers_and_shortens() -> None:
    assert display_label("jane.doe@example.org", "row 3") == "row 3"
    assert display_label("  North \n East ", "row 1") == "North East"
    assert display_label("", "row 2") == "row 2"
    assert len(display_label("a" * 200, "row 4")) == 80
