"""The table rules over whole tables: kinds, threshold, zeros, full cells, secondary suppression, rounding,
magnitude tables with and without evidence, and the CSV reader's fast path."""

from __future__ import annotations

from pathlib import Path

import pytest

from fivesafes_crate.disclosure_control import (
    PRESETS,
    CellEvidence,
    OutputKind,
    RuleFinding,
    ScreeningOutcome,
    screen_output,
)
from fivesafes_crate.disclosure_control.evidence import OutputEvidence
from fivesafes_crate.disclosure_control.patterns import TextScan
from fivesafes_crate.disclosure_control.policy import DisclosurePolicy
from fivesafes_crate.disclosure_control.streams import line_blocks
from fivesafes_crate.disclosure_control.table import TableScan, scan_csv

ACRO = PRESETS["acro-default"]
FAIL, REVIEW, PASS, NOT_CHECKED = (ScreeningOutcome.FAIL, ScreeningOutcome.REVIEW, ScreeningOutcome.PASS,
                                   ScreeningOutcome.NOT_CHECKED)


def table(text: str, policy: DisclosurePolicy = ACRO, evidence: OutputEvidence | None = None,
          *, fast: bool = True, chunk: int = 1 << 20) -> tuple[OutputKind, dict[str, RuleFinding]]:
    """Scan CSV text (cut into ``chunk``-byte reads) and index the findings by rule (the first of each)."""
    scan = TableScan(policy, evidence, dense=fast)
    data = text.encode("utf-8")
    chunks = iter([data[i:i + chunk] for i in range(0, len(data), chunk)])
    status = scan_csv(line_blocks(chunks, quote=b'"'), ";" if ";" in text.split("\n", 1)[0] else ",", scan,
                      TextScan(), fast=fast)
    assert status.problem is None
    kind, findings = scan.result()
    found: dict[str, RuleFinding] = {}
    for finding in findings:
        found.setdefault(finding.rule, finding)
    return kind, found


def test_frequency_table_threshold_and_labels() -> None:
    kind, found = table("region,A,B,C\nEast,6,11,7\nNorth,50,58,34\nSouth,42,44,44\nWest,2,1,1\n")
    assert kind is OutputKind.FREQUENCY_TABLE
    threshold = found["sdc.threshold"]
    assert (threshold.outcome, threshold.flagged, threshold.checked) == (FAIL, 5, 12)
    assert threshold.locations == ("East / A", "East / C", "West / A", "West / B", "West / C")
    assert "6" not in threshold.message.replace("12 counts", "") and found["sdc.zeros"].outcome is PASS
    assert found["sdc.rounding"].outcome is NOT_CHECKED and found["sdc.secondary"].outcome is NOT_CHECKED


@pytest.mark.parametrize(("preset", "outcome"), [("acro-default", REVIEW), ("uk-llc", FAIL)])
def test_zeros_take_the_policy_outcome(preset: str, outcome: ScreeningOutcome) -> None:
    _, found = table("g,a,b\nx1,0,20\nx2,30,40\n", PRESETS[preset])
    assert (found["sdc.zeros"].outcome, found["sdc.zeros"].locations) == (outcome, ("x1 / a",))


def test_full_cells_in_rows_and_columns() -> None:
    _, found = table("g,a,b,c\nr1,0,0,25\nr2,30,0,12\nr3,40,0,11\n")
    full = found["sdc.full-cells"]
    assert full.outcome is REVIEW and full.flagged == 1 and full.locations == ("r1",)
    _, found = table("g,a,b\nr1,0,20\nr2,0,30\nr3,15,40\n")
    assert found["sdc.full-cells"].locations == ("r1", "r2", "a")  # everyone in r1 and r2 is in b; all of a in r3


def test_secondary_suppression_against_totals() -> None:
    _, found = table("g,a,b,c,Total\nr1,*,20,30,62\nr2,15,*,*,70\nr3,12,13,14,39\nTotal,39,50,60,171\n")
    secondary = found["sdc.secondary"]
    assert secondary.outcome is FAIL
    # r2 has two suppressed cells, but columns a, b and c have one each, and the totals row shows them all
    assert set(secondary.locations) == {"r1", "a", "b", "c"}
    _, found = table("g,a,b\nr1,*,20\nr2,<10,30\n")
    assert found["sdc.secondary"].outcome is NOT_CHECKED and "no totals" in found["sdc.secondary"].message
    _, found = table("g,a,b,All\nr1,*,*,62\nr2,15,12,27\n")
    assert found["sdc.secondary"].outcome is PASS


def test_rounding_when_the_policy_requires_it() -> None:
    _, found = table("g,a,b\nr1,10,15\nr2,12,20\n", PRESETS["opensafely"])
    rounding = found["sdc.rounding"]
    assert (rounding.outcome, rounding.locations) == (FAIL, ("r2 / a",))


def test_magnitude_tables_need_evidence() -> None:
    kind, found = table(",mean\n,income\nregion,\nEast,16941.79\nWest,15661.32\n")
    assert kind is OutputKind.MAGNITUDE_TABLE
    assert found["sdc.magnitude"].outcome is REVIEW and found["sdc.nk"].outcome is NOT_CHECKED
    kind, _ = table("region,mean income\nEast,16941\nWest,15661\n")
    assert kind is OutputKind.MAGNITUDE_TABLE  # integers, but the header names a magnitude


def test_magnitude_table_with_evidence() -> None:
    cells = {("East", "income"): CellEvidence.from_contributions([10.0] * 30),
             ("West", "income"): CellEvidence.from_contributions([1000.0, 10.0, 10.0, 5.0])}
    evidence = OutputEvidence("t", cells, columns=("income",))
    _, found = table("region,mean income\nEast,10.0\nWest,256.2\nSouth,17.5\n", evidence=evidence)
    assert found["sdc.magnitude"].outcome is REVIEW and found["sdc.magnitude"].locations == (
        "South / mean income",)
    assert found["sdc.threshold"].locations == ("West / mean income",)
    assert (found["sdc.nk"].outcome, found["sdc.nk"].locations) == (FAIL, ("West / mean income",))
    assert found["sdc.p-ratio"].outcome is FAIL


def test_header_years_identifier_columns_and_text_tables() -> None:
    kind, found = table("sex,2019,2020\nF,120,130\nM,110,3\n")
    assert kind is OutputKind.FREQUENCY_TABLE and found["sdc.threshold"].locations == ("M / 2020",)
    _, found = table("patient_id,age,score\nr1,34,12\n")
    assert found["sdc.identifier-columns"].outcome is REVIEW
    kind, found = table("name,colour\nwhatever,blue\n")
    assert kind is OutputKind.TABLE and found["sdc.manual"].outcome is REVIEW


def test_semicolon_tables_with_decimal_commas_and_quoted_labels() -> None:
    kind, found = table("region;value\nEast;1,5\nWest;2,5\n")
    assert kind is OutputKind.MAGNITUDE_TABLE
    kind, found = table('"region","A","B"\n"East",6,11\n"North, upper",50,58\n')
    assert kind is OutputKind.FREQUENCY_TABLE and found["sdc.threshold"].locations == ("East / A",)


def test_fast_path_agrees_with_the_slow_path() -> None:
    rows = ["g,a,b,c,Total"] + [f"r{i},{(i * 37) % 500},{(i * 11) % 23},{(i * 7) % 300},{i}" for i in range(3000)]
    rows += ["r-x,*,12,c,5", "r-y,,40,70,5", "Total,100,200,300,600", "r-z,5.5,40,70,5", "r-w,007,100,100,0"]
    text = "\n".join(rows) + "\n"
    for policy in (ACRO, PRESETS["opensafely"], PRESETS["uk-llc"]):
        assert table(text, policy, chunk=4096) == table(text, policy, fast=False)


def test_a_malformed_csv_is_a_finding_not_an_error(tmp_path: Path) -> None:
    file = tmp_path / "broken.csv"
    file.write_bytes(b'g,a\nr1,"' + b"x" * 200_000 + b'"\nr2,5\n')
    screening = screen_output(file, policy=ACRO)
    assert screening.outcome is REVIEW
    assert next(f.rule for f in screening.findings if f.outcome is REVIEW) == "sdc.unreadable"


def test_a_misread_layout_is_flagged_and_its_numbers_hidden() -> None:
    _, found = table("region,A,B\nEast,NA,5\nWest,3,40\n")  # NA makes column A look like row labels
    labels = found["sdc.labels"]
    assert (labels.outcome, labels.locations) == (REVIEW, ("row 2, column 2",))
    assert found["sdc.threshold"].locations == ("East / NA / B",)
    _, found = table("region,A,B\nEast,NA,5\nWest,3,4\n")
    assert found["sdc.threshold"].locations == ("East / NA / B", "West / # / B")


def test_absurdly_long_numbers_do_not_break_the_rules() -> None:
    kind, found = table("g,a,b\nr1,12,40\nr2," + "9" * 5000 + ",3\n")
    assert kind is OutputKind.FREQUENCY_TABLE and found["sdc.threshold"].locations == ("r2 / b",)
