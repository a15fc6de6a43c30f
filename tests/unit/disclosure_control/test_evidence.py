"""Evidence files: ACRO's federated evidence.json and its interim tables, matched to output files and cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fivesafes_crate.disclosure_control import EvidenceError, load_evidence


def test_acro_federated_evidence(reference_dir: Path) -> None:
    evidence = load_evidence(reference_dir / "acro-sample-1.0.2" / "federated" / "evidence.json")
    assert evidence.source == "evidence.json" and set(evidence.outputs) == {"output_0", "output_1"}
    assert evidence.for_output("outputs/output_1_0.csv") is evidence.outputs["output_1"]
    assert evidence.for_output("output_9_0.csv") is None
    crosstab = evidence.outputs["output_0"]
    west_a = crosstab.lookup("West", "A")
    assert west_a is not None and west_a.count == 2 and west_a.total is None
    pivot = evidence.outputs["output_1"]
    assert pivot.columns == ("income",) and pivot.lookup("North", "mean / income") is not None
    assert pivot.lookup("Nowhere", "income") is None


def _write(folder: Path, outputs: object, **tables: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in tables.items():
        (folder / name).write_text(text, "utf-8")
    file = folder / "evidence.json"
    file.write_text(json.dumps({"outputs": outputs}), "utf-8")
    return file


def test_evidence_keyed_by_output_file_name(tmp_path: Path) -> None:
    file = _write(tmp_path / "e", {"tables/income.csv": {"interim_tables": {"count_table": "n.csv", "sum": "s.csv",
                                                                            "max": "m.csv"}, "dof": 40}},
                  **{"n.csv": "g,v\na,12\n", "s.csv": "g,v\na,120.5\n", "m.csv": "g,v\na,100\n"})
    output = load_evidence(file).for_output("tables/income.csv")
    assert output is not None and output.dof == 40
    cell = output.lookup("a", "mean v")
    assert cell is not None and (cell.count, cell.total, cell.top(1), cell.top(2)) == (12, 120.5, 100.0, None)


@pytest.mark.parametrize(("outputs", "tables", "message"), [
    ({"o": {"interim_tables": {"sum": "absent.csv"}}}, {}, "missing"),
    ({"o": {"interim_tables": ["sum"]}}, {}, "interim_tables"),
    ({"o": {"interim_tables": {}, "dof": 1.5}}, {}, "'dof'"),
    ({"o": {"interim_tables": {}, "dof": "absent.csv"}}, {}, "missing"),
    ([], {}, "'outputs' object"),
    ({"o": {"interim_tables": {"sum": "words.csv"}}}, {"words.csv": "a,b\nc,d\n"}, "holds no numbers"),
])
def test_bad_evidence_is_refused(tmp_path: Path, outputs: object, tables: dict[str, str], message: str) -> None:
    file = _write(tmp_path / "e", outputs, **tables)
    with pytest.raises(EvidenceError, match=message):
        load_evidence(file)


def test_evidence_must_be_a_json_file(tmp_path: Path) -> None:
    file = tmp_path / "evidence.json"
    file.write_text("{not json", "utf-8")
    with pytest.raises(EvidenceError, match="not valid JSON") as caught:
        load_evidence(file)
    assert caught.value.path == "evidence.json"


def test_a_per_cell_table_of_degrees_of_freedom_is_read(tmp_path: Path) -> None:
    """ACRO writes ``"dof": "<file>.csv"`` for standard deviations and survival tables (issue 15, class 5)."""
    file = _write(tmp_path / "e", {"output_2": {"analysis_names": ["StandardDeviation"],
                                                "variable_types": {"independent": ["region", "grade"]},
                                                "dof": "output_2_dof.csv", "interim_tables": {}}},
                  **{"output_2_dof.csv": "region,A,B\nEast,5,40\nWest,0,25\n"})
    output = load_evidence(file).for_output("output_2_0.csv")
    assert output is not None and output.dof is None and output.analyses == ("StandardDeviation",)
    assert (output.cell_dof("East", "A"), output.cell_dof("West", "B"), output.cell_dof("North", "A")) == (5, 25, None)
    assert "dof" in output.statistics


def test_variable_names_keep_integer_levels_as_labels_and_duplicates_are_refused(tmp_path: Path) -> None:
    """An integer level of a MultiIndex must not make one row's evidence overwrite another's (class 6)."""
    table = "region,year,income\nWest,2019,12\nWest,2020,4\n"
    named = _write(tmp_path / "named", {"o": {"variable_types": {"independent": ["region", "year"]},
                                              "interim_tables": {"count_table": "n.csv"}}}, **{"n.csv": table})
    output = load_evidence(named).outputs["o"]
    counts = {row: cell.count for (row, _), cell in output.cells.items()}
    assert counts == {"West / 2019": 12, "West / 2020": 4}
    hinted = _write(tmp_path / "hinted", {"o": {"label_columns": 2, "interim_tables": {"count_table": "n.csv"}}},
                    **{"n.csv": table})
    assert set(load_evidence(hinted).outputs["o"].cells) == set(output.cells)
    guessed = _write(tmp_path / "guessed", {"o": {"interim_tables": {"count_table": "n.csv"}}}, **{"n.csv": table})
    with pytest.raises(EvidenceError, match="gives the cell West / year twice: its row-label columns") as caught:
        load_evidence(guessed)
    assert caught.value.path == "n.csv"


def test_fractional_counts_and_missing_values(tmp_path: Path) -> None:
    """A count table of proportions gives no contributor counts (flagged, never truncated); ACRO's missing table
    is read (class 7)."""
    file = _write(tmp_path / "e", {"o": {"interim_tables": {"count_table": "n.csv", "missing": "m.csv"}}},
                  **{"n.csv": "g,v\na,9.5\nb,12\n", "m.csv": "g,v\na,True\nb,False\n"})
    output = load_evidence(file).outputs["o"]
    a, b = output.lookup("a", "v"), output.lookup("b", "v")
    assert a is not None and b is not None and (a.count, b.count) == (None, 12) and (a.missing, b.missing) == (
        True, False)
    assert len(output.problems) == 1 and "1 fractional count" in output.problems[0]


@pytest.mark.parametrize(("entry", "message"), [
    ({"interim_tables": {}, "analysis_names": "Mean"}, "'analysis_names' must be a list of strings"),
    ({"interim_tables": {}, "variable_types": ["region"]}, "'variable_types' must be an object"),
    ({"interim_tables": {}, "variable_types": {"independent": [1]}}, "'independent' must be a list of strings"),
    ({"interim_tables": {}, "label_columns": 0}, "'label_columns' must be a positive integer"),
])
def test_malformed_analysis_names_variables_and_hints(tmp_path: Path, entry: dict[str, object],
                                                      message: str) -> None:
    with pytest.raises(EvidenceError, match=message) as caught:
        load_evidence(_write(tmp_path / "e", {"o": entry}))
    assert caught.value.entity_id == "o"
