"""Golden values on the ACRO 1.0.2 sample outputs (tests/data/acro-sample-1.0.2/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fivesafes_crate.disclosure_control import PRESETS, OutputKind, load_evidence, screen_outputs
from fivesafes_crate.disclosure_control.patterns import DofScan
from fivesafes_crate.issues import ScreeningOutcome


@pytest.fixture(scope="module")
def sample(reference_dir: Path) -> Path:
    return reference_dir / "acro-sample-1.0.2"


def test_threshold_flags_exactly_the_five_cells(sample: Path) -> None:
    for folder, name in (("standalone", "output_0_0.csv"), ("federated", "output_0_count_table.csv")):
        report = screen_outputs(sample / folder, [name], PRESETS["acro-default"])
        (output,) = report.outputs
        (threshold,) = output.findings_for("sdc.threshold")
        assert output.kind is OutputKind.FREQUENCY_TABLE and threshold.outcome is ScreeningOutcome.FAIL
        assert threshold.flagged == 5
        assert set(threshold.locations) == {"East / A", "East / C", "West / A", "West / B", "West / C"}


def test_pivot_table_with_federated_evidence(sample: Path) -> None:
    evidence = load_evidence(sample / "federated" / "evidence.json")
    acro = screen_outputs(sample / "standalone", ["output_1_0.csv"], PRESETS["acro-default"], evidence)
    (output,) = acro.outputs
    assert acro.evidence == "evidence.json" and output.kind is OutputKind.MAGNITUDE_TABLE
    found = {f.rule: f for f in output.findings}
    assert found["sdc.threshold"].locations == ("West / mean / income",)  # West fails on threshold only
    assert (found["sdc.nk"].outcome, found["sdc.p-ratio"].outcome) == (ScreeningOutcome.PASS, ScreeningOutcome.PASS)
    abs_report = screen_outputs(sample / "standalone", ["output_1_0.csv"], PRESETS["abs-datalab"], evidence)
    one, two = abs_report.outputs[0].findings_for("sdc.nk")
    assert "(1, 50%)" in one.message and set(one.locations) == {"North / mean / income", "West / mean / income"}
    assert "(2, 67%)" in two.message and two.locations == ("West / mean / income",)


def test_regression_degrees_of_freedom(sample: Path) -> None:
    scan = DofScan()
    scan.feed((sample / "standalone" / "output_2_0.csv").read_bytes())
    assert scan.dofs == [297]
    report = screen_outputs(sample / "standalone", ["output_2_0.csv", "output_2_1.csv"], PRESETS["acro-default"])
    summary, coefficients = report.outputs
    assert summary.kind is OutputKind.MODEL_OUTPUT and summary.outcome is ScreeningOutcome.PASS
    assert coefficients.outcome is ScreeningOutcome.REVIEW  # the coefficients alone state no degrees of freedom
