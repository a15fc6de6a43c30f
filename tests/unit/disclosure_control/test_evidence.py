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
    ({"o": {"interim_tables": {}, "dof": "many"}}, {}, "'dof'"),
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
