"""Property tests of disclosure-control screening: the threshold flags exactly the counts in [1, T); N-K and
p% agree with brute force over random contribution lists; the fast CSV path agrees with the slow one; and the
report never contains a cell value of the input (tables of unique sentinel values are searched for them)."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fivesafes_crate.disclosure_control import (
    PRESETS,
    CellEvidence,
    NKRule,
    nk_dominated,
    p_ratio_fails,
    render_json,
    render_text,
    screen_target,
)
from fivesafes_crate.disclosure_control.evidence import OutputEvidence
from fivesafes_crate.disclosure_control.patterns import TextScan
from fivesafes_crate.disclosure_control.policy import DisclosurePolicy
from fivesafes_crate.disclosure_control.streams import line_blocks
from fivesafes_crate.disclosure_control.table import TableScan, scan_csv
from fivesafes_crate.issues import ScreeningOutcome

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

COUNTS = st.lists(st.lists(st.integers(0, 120), min_size=1, max_size=6), min_size=1, max_size=12).map(
    lambda rows: [row + [0] * (max(map(len, rows)) - len(row)) for row in rows])


def csv_text(rows: list[list[str]]) -> str:
    header = "g," + ",".join(f"c{j}" for j in range(len(rows[0])))
    return "\n".join([header] + [f"r{i}," + ",".join(row) for i, row in enumerate(rows)]) + "\n"


def scan(text: str, policy: DisclosurePolicy, *, fast: bool, chunk: int,
         evidence: OutputEvidence | None = None) -> TableScan:
    table = TableScan(policy, evidence, dense=fast)
    data = text.encode()
    pieces = iter([data[i:i + chunk] for i in range(0, len(data), chunk)])
    scan_csv(line_blocks(pieces, quote=b'"'), ",", table, TextScan(), fast=fast)
    return table


@SETTINGS
@given(COUNTS, st.integers(2, 60), st.sampled_from([7, 64, 1 << 20]))
def test_threshold_flags_exactly_the_counts_below_it(rows: list[list[int]], threshold: int, chunk: int) -> None:
    policy = DisclosurePolicy("t", "T", threshold=threshold)
    _kind, findings = scan(csv_text([[str(v) for v in row] for row in rows]), policy, fast=True, chunk=chunk).result()
    expected = [f"r{i} / c{j}" for i, row in enumerate(rows) for j, value in enumerate(row) if 1 <= value < threshold]
    (finding,) = [f for f in findings if f.rule == "sdc.threshold"]
    assert finding.flagged == len(expected)
    assert list(finding.locations) == expected[:20]
    assert finding.outcome is (ScreeningOutcome.FAIL if expected else ScreeningOutcome.PASS)


CELLS = st.one_of(st.integers(0, 400).map(str), st.sampled_from(["*", "c", "", "<5", "12.5", "-3", "007", "NA"]))


@SETTINGS
@given(st.lists(st.lists(CELLS, min_size=3, max_size=3), min_size=1, max_size=40), st.booleans(),
       st.sampled_from(["acro-default", "opensafely", "uk-llc"]), st.sampled_from([5, 33, 4096]))
def test_the_fast_path_agrees_with_the_slow_path(rows: list[list[str]], totals: bool, preset: str,
                                                  chunk: int) -> None:
    text = csv_text(rows)
    if totals:  # the last row becomes a totals row
        text = text.replace(f"r{len(rows) - 1},", "Total,")
    policy = PRESETS[preset]
    assert scan(text, policy, fast=True, chunk=chunk).result() == scan(text, policy, fast=False, chunk=1 << 20).result()


CONTRIBUTIONS = st.lists(st.integers(0, 10**6), min_size=0, max_size=30)


def brute_nk(values: list[int], rule: NKRule, comparison: str) -> bool | None:
    ordered = sorted(values, reverse=True)
    total = sum(ordered)
    if total <= 0:
        return None
    share = sum(ordered[:rule.n]) / total
    return share >= rule.k if comparison == ">=" else share > rule.k


def brute_p(values: list[int], p: float) -> bool | None:
    ordered = [*sorted(values, reverse=True), 0, 0]
    total = sum(ordered)
    if total <= 0 or ordered[0] <= 0:
        return None
    return (total - ordered[0] - ordered[1]) / ordered[0] < p


@SETTINGS
@given(CONTRIBUTIONS, st.integers(1, 4), st.floats(0.05, 1.0), st.floats(0.0, 1.0), st.sampled_from([">=", ">"]))
def test_dominance_agrees_with_brute_force(values: list[int], n: int, k: float, p: float, comparison: str) -> None:
    cell = CellEvidence.from_contributions(values, largest=max(n, 2))
    assert nk_dominated(cell, NKRule(n, k), comparison) == brute_nk(values, NKRule(n, k), comparison)
    assert p_ratio_fails(cell, p) == brute_p(values, p)


@SETTINGS
@given(st.lists(CONTRIBUTIONS.filter(bool), min_size=1, max_size=8), st.integers(1, 3), st.floats(0.3, 0.95))
def test_dominance_through_a_magnitude_table(cells: list[list[int]], n: int, k: float) -> None:
    rule = NKRule(n, k)
    policy = DisclosurePolicy("d", "D", nk_rules=(rule,), p_ratio=0.1)
    evidence = OutputEvidence("t", {(f"r{i}", "mean"): CellEvidence.from_contributions(values, largest=max(n, 2))
                                    for i, values in enumerate(cells)}, columns=("mean",))
    text = "g,mean\n" + "".join(f"r{i},{sum(values) / len(values):.2f}\n" for i, values in enumerate(cells))
    _, findings = scan(text, policy, fast=True, chunk=1 << 20, evidence=evidence).result()
    (nk,) = [f for f in findings if f.rule == "sdc.nk"]
    (p_rule,) = [f for f in findings if f.rule == "sdc.p-ratio"]
    assert nk.flagged == sum(1 for values in cells if brute_nk(values, rule, policy.nk_comparison))
    assert p_rule.flagged == sum(1 for values in cells if brute_p(values, 0.1))


SENTINEL_INTS = st.lists(st.integers(20_000_000, 99_999_999), min_size=1, max_size=60, unique=True)


@SETTINGS
@given(SENTINEL_INTS, st.integers(1, 5), st.booleans(), st.randoms(use_true_random=False))
def test_the_report_never_contains_a_cell_value(sentinels: list[int], width: int, misread: bool,
                                                random: object) -> None:
    values = [str(v) for v in sentinels]
    decimals = [f"{v}.{v % 97:02d}" for v in sentinels[: len(sentinels) // 3]]
    words = ["zq" + "".join(chr(97 + int(d)) for d in str(v)) for v in sentinels[: len(sentinels) // 4]]
    if misread:  # text in a column taken for labels is a label; keep this case to numbers
        words = []
    cells = values + decimals + words
    random.shuffle(cells)  # type: ignore[attr-defined]
    first = cells.index(values[0])
    cells[0], cells[first] = cells[first], cells[0]  # text leading the first data row would be read as a label
    rows = [cells[i:i + width] for i in range(0, len(cells), width)]
    rows[-1] += ["*"] * (width - len(rows[-1]))
    if misread:  # a missing first value makes the first value column look like labels
        rows.insert(0, ["NA"] + ["1"] * (width - 1))
    policy = DisclosurePolicy("sentinel", "Sentinel", threshold=10**9)  # every sentinel count is flagged
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "table.csv").write_text(csv_text(rows), "utf-8")
        (root / "counts.json").write_text(json.dumps({"groups": [{"id": f"g{i}", "count": v}
                                                                 for i, v in enumerate(sentinels)]}), "utf-8")
        (root / "note.txt").write_text(" ".join(cells) + "\n", "utf-8")
        report = screen_target(root, policy)
    assert report.outcome is ScreeningOutcome.FAIL
    for rendered in (render_json(report), render_text(report)):
        rendered = re.sub(r"[0-9a-f]{64}", "", rendered)  # the SHA-256 of each output
        assert not [cell for cell in cells if cell in rendered]
