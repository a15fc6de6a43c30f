"""The table rules over whole tables: kinds, threshold, zeros, full cells, secondary suppression, rounding,
magnitude tables with and without evidence, and the CSV reader's fast path."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fivesafes_crate.disclosure_control import PRESETS, CellEvidence, OutputKind, RuleFinding, screen_output
from fivesafes_crate.disclosure_control.evidence import OutputEvidence
from fivesafes_crate.disclosure_control.patterns import TextScan
from fivesafes_crate.disclosure_control.policy import DisclosurePolicy
from fivesafes_crate.disclosure_control.streams import line_blocks
from fivesafes_crate.disclosure_control.table import TableScan, scan_csv
from fivesafes_crate.issues import ScreeningOutcome

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


@pytest.mark.parametrize(("preset", "outcome"), [("acro-default", FAIL), ("abs-datalab", REVIEW), ("uk-llc", FAIL)])
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
    _, found = table("region,A,B\nEast,North,5\nWest,3,40\n")  # text makes column A look like row labels
    labels = found["sdc.labels"]
    assert (labels.outcome, labels.locations) == (REVIEW, ("row 2, column 2",))
    assert found["sdc.threshold"].locations == ("East / North / B",)
    _, found = table("region,A,B\nEast,North,5\nWest,3,4\n")
    assert found["sdc.threshold"].locations == ("East / North / B", "West / # / B")


def test_absurdly_long_numbers_do_not_break_the_rules() -> None:
    kind, found = table("g,a,b\nr1,12,40\nr2," + "9" * 5000 + ",3\n")
    assert kind is OutputKind.FREQUENCY_TABLE and found["sdc.threshold"].locations == ("r2 / b",)


# --- the table's statistic comes from the evidence (issue 15, class 1) ------------------------------------

WHOLE_SUMS = "region,A,B\nEast,470424,12000\nWest,5000,1200\n"  # whole numbers, no header says "count"


def evidence_for(analysis: str, counts: dict[tuple[str, str], int], **extra: object) -> OutputEvidence:
    """Evidence of one ACRO analysis: contributor counts (and dominance-free sums) per cell."""
    cells = {key: CellEvidence(count=count, total=1000.0 * count, top_sums=((1, 10.0), (2, 20.0)))
             for key, count in counts.items()}
    return OutputEvidence("t", cells, analyses=(analysis,), statistics=frozenset({"count_table", "sum", "max"}),
                          labels=("region", "grade"), **extra)  # type: ignore[arg-type]


SMALL_WEST = {("East", "A"): 40, ("East", "B"): 30, ("West", "A"): 4, ("West", "B"): 25}


@pytest.mark.parametrize(("analysis", "kind", "failing"), [
    ("Sum", OutputKind.MAGNITUDE_TABLE, "sdc.threshold"),
    ("Mean", OutputKind.MAGNITUDE_TABLE, "sdc.threshold"),
    ("Median", OutputKind.MAGNITUDE_TABLE, "sdc.threshold"),
    ("Minimum", OutputKind.MAGNITUDE_TABLE, "sdc.threshold"),
    ("Maximum", OutputKind.MAGNITUDE_TABLE, "sdc.threshold"),
    ("StandardDeviation", OutputKind.MAGNITUDE_TABLE, "sdc.dof"),
    ("FrequencyTable", OutputKind.FREQUENCY_TABLE, "sdc.threshold"),
])
def test_the_evidence_analysis_decides_the_rules_of_whole_numbers(analysis: str, kind: OutputKind,
                                                                  failing: str) -> None:
    found_kind, found = table(WHOLE_SUMS, evidence=evidence_for(analysis, SMALL_WEST))
    assert found_kind is kind and found[failing].outcome is FAIL
    assert "West / A" in found[failing].locations


def test_which_rules_each_statistic_brings() -> None:
    _, mean = table(WHOLE_SUMS, evidence=evidence_for("Mean", SMALL_WEST))
    _, median = table(WHOLE_SUMS, evidence=evidence_for("Median", SMALL_WEST))
    _, mode = table(WHOLE_SUMS, evidence=evidence_for("ModeCalculation", SMALL_WEST))
    assert {"sdc.nk", "sdc.p-ratio", "sdc.threshold"} <= set(mean) and "sdc.full-cells" not in mean
    assert "sdc.threshold" in median and "sdc.nk" not in median
    # a mode is checked for cells without contributors only, as ACRO checks it
    assert mode["sdc.zeros"].outcome is PASS and "sdc.threshold" not in mode and "sdc.nk" not in mode
    _, empty = table("region,A,B\nEast,47,\nWest,50,12\n",
                     evidence=evidence_for("ModeCalculation", {**SMALL_WEST, ("East", "B"): 0}))
    assert (empty["sdc.zeros"].outcome, empty["sdc.zeros"].locations) == (FAIL, ("East / B",))


def test_a_mean_acro_passes_is_not_failed_for_looking_like_small_counts() -> None:
    counts = {("East", "A"): 30, ("East", "B"): 40, ("West", "A"): 35, ("West", "B"): 25}
    assert screened_outcome("region,A,B\nEast,7,8\nWest,6,5\n", evidence_for("Mean", counts)) is PASS


def screened_outcome(text: str, evidence: OutputEvidence | None = None,
                     policy: DisclosurePolicy = ACRO) -> ScreeningOutcome:
    _, found = table(text, policy, evidence)
    worst = max((f.outcome for f in found.values()), default=NOT_CHECKED)
    return REVIEW if worst is NOT_CHECKED else worst


@pytest.mark.parametrize("text", [WHOLE_SUMS, "region,A,B\nEast,4700,12000\nWest,5000,1200\n",
                                  "region;total\nEast;4700\nWest;5000\n"])
def test_without_evidence_whole_numbers_pass_only_under_a_count_header(text: str) -> None:
    kind, found = table(text)
    assert kind is OutputKind.FREQUENCY_TABLE and found["sdc.kind"].outcome is REVIEW
    assert "--evidence" in found["sdc.kind"].message
    for header in ("region,count", "region,n", "region,number of patients"):
        _, counted = table(header + "\nEast,4700\nWest,5000\n")
        assert "sdc.kind" not in counted and screened_outcome(header + "\nEast,4700\nWest,5000\n") is PASS


def test_evidence_given_but_not_matched_says_so() -> None:
    scan = TableScan(ACRO, None, evidence_source="evidence.json")
    for row in (["region", "mean"], ["East", "12.5"], ["West", "14.5"]):
        scan.add_row(row)
    _, findings = scan.result()
    magnitude = next(f for f in findings if f.rule == "sdc.magnitude")
    assert "evidence was given (evidence.json) but has nothing for this output" in magnitude.message
    _, alone = table("region,mean\nEast,12.5\n")
    assert "ACRO(federated=True)" in alone["sdc.magnitude"].message


# --- empty cells of magnitude tables are judged from the evidence (class 2) -------------------------------

def test_an_empty_magnitude_cell_with_no_contributors_fails() -> None:
    counts = {("East", "A"): 40, ("East", "B"): 0, ("West", "A"): 35, ("West", "B"): 25}
    text = "region,A,B\nEast,12.5,\nWest,13.5,14.5\n"
    for analysis in ("Mean", "Median", "Sum"):
        _, found = table(text, evidence=evidence_for(analysis, counts))
        threshold = found["sdc.threshold"]
        assert (threshold.outcome, threshold.locations) == (FAIL, ("East / B",)), analysis
        assert "blank" in threshold.message
    _, std = table(text, evidence=evidence_for("StandardDeviation", counts))
    assert std["sdc.dof"].outcome is FAIL and "East / B" in std["sdc.dof"].locations
    suppressed = replace(ACRO, suppress=True)
    _, found = table(text, suppressed, evidence_for("Mean", counts))
    assert found["sdc.threshold"].outcome is REVIEW and found["sdc.secondary"].outcome is REVIEW


# --- margins, blanks, missing values and R's NA (class 7) --------------------------------------------------

def test_margins_of_a_magnitude_table_without_evidence_are_explained_not_unmatched() -> None:
    counts = {("East", "income"): 40, ("West", "income"): 35}
    evidence = OutputEvidence("t", {key: CellEvidence(count=n, total=100.0 * n, top_sums=((1, 10.0), (2, 20.0)))
                                    for key, n in counts.items()}, analyses=("Mean",), columns=("income",),
                              labels=("region",))
    _, found = table(",mean\n,income\nregion,\nEast,12.5\nWest,13.5\nAll,13.0\n", evidence=evidence)
    magnitude = found["sdc.magnitude"]
    assert magnitude.outcome is PASS and "1 margin (totals) without evidence is not checked" in magnitude.message
    assert "whenever all of that row's or column's cells do" in magnitude.message
    _, found = table(",mean\n,income\nregion,\nEast,12.5\nNorth,11.0\nAll,13.0\n", evidence=evidence)
    assert (found["sdc.magnitude"].outcome, found["sdc.magnitude"].locations) == (REVIEW, ("North / mean / income",))


def test_blank_cells_beside_totals_may_be_suppressed_ones() -> None:
    _, found = table("g,a,b,Total\nr1,,20,62\nr2,15,12,27\nTotal,57,32,89\n")
    secondary = found["sdc.secondary"]
    assert (secondary.outcome, secondary.locations) == (REVIEW, ("r1 / a",))
    _, found = table("g,a,b\nr1,,20\nr2,15,12\n")  # no totals: a blank gives nothing back
    assert found["sdc.secondary"].outcome is NOT_CHECKED


def test_missing_values_are_reviewed_when_the_policy_or_the_evidence_says_so() -> None:
    checking = replace(ACRO, check_missing_values=True)
    _, found = table("region,mean\nEast,12.5\nWest,\n", checking)
    assert (found["sdc.missing"].outcome, found["sdc.missing"].locations) == (REVIEW, ("West / mean",))
    assert "sdc.missing" not in table("region,mean\nEast,12.5\nWest,\n")[1]
    cells = {("East", "income"): CellEvidence(count=40, total=400.0, top_sums=((1, 10.0), (2, 20.0)), missing=True),
             ("West", "income"): CellEvidence(count=30, total=300.0, top_sums=((1, 10.0), (2, 20.0)))}
    evidence = OutputEvidence("t", cells, analyses=("Mean",), columns=("income",), labels=("region",))
    _, found = table("region,mean\nEast,12.5\nWest,13.5\n", evidence=evidence)
    assert (found["sdc.missing"].outcome, found["sdc.missing"].locations) == (REVIEW, ("East / mean",))


def test_an_r_style_na_in_the_first_value_cell_does_not_shift_the_layout() -> None:
    for missing in ("NA", "NaN", "N/A", "null", ""):
        _, found = table(f"region,A,B\nEast,{missing},5\nWest,3,40\n")
        assert found["sdc.threshold"].locations == ("East / B", "West / A"), missing
        assert "sdc.labels" not in found


# --- row labels from the evidence, the header or a hint (class 6) ------------------------------------------

def test_integer_levels_named_by_the_evidence_are_labels_not_counts() -> None:
    cells = {(row, "income"): CellEvidence(count=40, total=1000.0, top_sums=((1, 100.0), (2, 150.0)))
             for row in ("West / 2019", "West / 2021")}
    cells[("West / 2020", "income")] = CellEvidence(count=40, total=1000.0, top_sums=((1, 950.0), (2, 960.0)))
    evidence = OutputEvidence("t", cells, analyses=("Sum",), columns=("income",), labels=("region", "year"))
    text = "region,year,income\nWest,2019,1000\nWest,2020,1000\nWest,2021,1000\n"
    _, found = table(text, evidence=evidence)
    assert found["sdc.nk"].outcome is FAIL and found["sdc.nk"].locations == ("West / 2020 / income",)
    assert "sdc.labels" not in found and found["sdc.magnitude"].outcome is PASS
    hinted = OutputEvidence("t", cells, analyses=("Sum",), columns=("income",), label_columns=2)
    assert table(text, evidence=hinted)[1]["sdc.nk"].locations == ("West / 2020 / income",)


def test_the_header_row_of_index_names_gives_the_label_columns() -> None:
    kind, found = table(",mean\n,income\nregion,year,\nEast,2019,12.5\nWest,2020,13.5\n")
    assert kind is OutputKind.MAGNITUDE_TABLE and "sdc.labels" not in found
    _, found = table("grade,A,A\nsex,1,2\nregion,,\nEast,30,4\n",
                     evidence=OutputEvidence("t", {}, analyses=("FrequencyTable",),
                                             labels=("region", "grade", "sex")))
    assert found["sdc.threshold"].locations == ("East / A / 2",)


def test_numeric_first_columns_are_flagged_as_positional_labels() -> None:
    _, found = table("sex,A,B\n1,20,30\n2,40,50\n")
    labels = found["sdc.labels"]
    assert labels.outcome is REVIEW and "named by position" in labels.message
    assert found["sdc.threshold"].outcome is FAIL  # the codes 1 and 2 were screened as counts: never passed
