"""The disclosure-control rules: their stable ids, the pure predicates they apply, and how findings are worded.

Predicates take numbers and per-cell evidence and return booleans or ratios; they know nothing of files.
The finding builders turn tallies (counts and labels of flagged cells) into :class:`RuleFinding` values whose
messages quote only counts and policy parameters, never a cell value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .evidence import CellEvidence
from .outcomes import MAX_LOCATIONS, RuleFinding, ScreeningOutcome
from .policy import DisclosurePolicy, NKRule

RULES: dict[str, str] = {
    "sdc.threshold": "frequency counts (and contributor counts of magnitude cells) in [1, threshold) fail",
    "sdc.zeros": "zero counts: the policy's outcome (review by default)",
    "sdc.full-cells": "a row or column whose whole count lies in one cell (class disclosure)",
    "sdc.secondary": "a single suppressed cell in a row or column with a total can be recovered: fail",
    "sdc.rounding": "counts must be multiples of the rounding base, when the policy requires rounding",
    "sdc.magnitude": "magnitude tables (means, sums, percentages) need per-cell evidence; without it: review",
    "sdc.nk": "N-K dominance: the n largest contributions must not exceed the share k of a cell",
    "sdc.p-ratio": "p% rule: the rest of a cell, after its two largest contributions, must be at least p of the "
                   "largest",
    "sdc.dof": "models need at least the threshold of residual degrees of freedom",
    "sdc.identifiers": "NHS numbers with a valid check digit fail; full postcodes and e-mail addresses: review",
    "sdc.secrets": "private keys, passwords and access tokens fail",
    "sdc.identifier-columns": "columns named like record identifiers (patient_id, dob, postcode): review",
    "sdc.labels": "numbers below the threshold in row-label columns (a layout the rules may have misread): review",
    "sdc.image-metadata": "PNG text chunks, EXIF, XMP and JPEG comments: review",
    "sdc.blocked-format": "formats that can embed exact data points (.svg, .gph by default) fail",
    "sdc.record-level": "record-level data formats (.dta, .sav, .parquet, .sqlite...) fail",
    "sdc.model-file": "saved models are never deserialised: review",
    "sdc.archive": "archives: every member is screened with the bag-reading limits; refused members fail",
    "sdc.size": "files above the policy's size guard are hashed but not screened: review",
    "sdc.unreadable": "a file that cannot be parsed as its format claims: review",
    "sdc.manual": "no automatic rule can judge the output (images, free text, unknown binary files): review",
}
"""Every rule id with a one-line description. Ids never change once released."""


def below_threshold(count: float, threshold: int) -> bool:
    """The threshold rule: a count in ``[1, threshold)`` is disclosive (0 is the zeros rule's concern)."""
    return 0 < count < threshold


def full_line(counts: Sequence[float]) -> bool:
    """Class disclosure: a line of at least two counts whose whole total lies in one cell."""
    return len(counts) >= 2 and sum(1 for count in counts if count != 0) == 1


def recoverable_line(suppressed: int, total_known: bool) -> bool:
    """Secondary suppression: one suppressed cell in a line whose total is shown can be computed back."""
    return suppressed == 1 and total_known


def unrounded(count: float, base: int) -> bool:
    """True when a count is not a multiple of the rounding base."""
    return count % base != 0


def nk_share(cell: CellEvidence, n: int) -> float | None:
    """The share of a cell held by its ``n`` largest contributions (None when unknown or the total is not
    positive)."""
    top = cell.top(n)
    if top is None or cell.total is None or cell.total <= 0:
        return None
    return top / cell.total


def nk_dominated(cell: CellEvidence, rule: NKRule) -> bool | None:
    """True when the ``n`` largest contributions exceed the share ``k`` (None when it cannot be judged)."""
    share = nk_share(cell, rule.n)
    return None if share is None else share > rule.k


def p_ratio(cell: CellEvidence) -> float | None:
    """ACRO's p-ratio: what is left of a cell after its two largest contributions, over the largest one.

    A cell of one contributor has ratio 0 (it discloses that value); None when unknown or not positive.
    """
    largest, two = cell.top(1), cell.top(2)
    if largest is None or two is None or cell.total is None or cell.total <= 0 or largest <= 0:
        return None
    return (cell.total - two) / largest


def p_ratio_fails(cell: CellEvidence, p: float) -> bool | None:
    """The p% rule: the second-largest contributor could estimate the largest to within ``p``."""
    ratio = p_ratio(cell)
    return None if ratio is None else ratio < p


@dataclass
class Tally:
    """Flagged cells of one rule: an exact count and the first labels."""

    count: int = 0
    locations: list[str] = field(default_factory=list)

    def add(self, location: str | Callable[[], str]) -> None:
        """Flag one more cell or line; a callable location is only computed while labels are still kept."""
        self.count += 1
        if len(self.locations) < MAX_LOCATIONS:
            self.locations.append(location if isinstance(location, str) else location())

    def merge(self, other: Tally) -> None:
        """Add another tally's flags."""
        self.count += other.count
        self.locations.extend(other.locations[: MAX_LOCATIONS - len(self.locations)])


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _finding(rule: str, outcome: ScreeningOutcome, message: str, tally: Tally | None = None,
             checked: int = 0) -> RuleFinding:
    return RuleFinding(rule, outcome, message, flagged=tally.count if tally else 0, checked=checked,
                       locations=tuple(tally.locations) if tally else ())


def threshold_finding(tally: Tally, checked: int, policy: DisclosurePolicy) -> RuleFinding:
    """``sdc.threshold`` over frequency counts."""
    if tally.count:
        return _finding("sdc.threshold", ScreeningOutcome.FAIL,
                        f"{tally.count} of {_plural(checked, 'count')} below the threshold of {policy.threshold}",
                        tally, checked)
    return _finding("sdc.threshold", ScreeningOutcome.PASS,
                    f"no count below the threshold of {policy.threshold} ({_plural(checked, 'count')})",
                    checked=checked)


def zeros_finding(tally: Tally, checked: int, policy: DisclosurePolicy) -> RuleFinding:
    """``sdc.zeros``: zero counts take the policy's outcome."""
    if not tally.count:
        return _finding("sdc.zeros", ScreeningOutcome.PASS, "no zero counts", checked=checked)
    allowed = " (allowed by the policy)" if policy.zeros is ScreeningOutcome.PASS else ""
    return _finding("sdc.zeros", policy.zeros, f"{_plural(tally.count, 'zero count')}{allowed}", tally, checked)


def full_cells_finding(tally: Tally, checked: int, policy: DisclosurePolicy) -> RuleFinding:
    """``sdc.full-cells``: rows or columns whose whole count lies in one cell."""
    if not tally.count:
        return _finding("sdc.full-cells", ScreeningOutcome.PASS, "no row or column holds its whole count in one cell",
                        checked=checked)
    return _finding("sdc.full-cells", policy.full_cells,
                    f"{_plural(tally.count, 'row or column', 'rows or columns')} hold their whole count in one cell "
                    "(class disclosure)", tally, checked)


def secondary_finding(tally: Tally, suppressed: int, totals: bool, checked: int) -> RuleFinding:
    """``sdc.secondary``: single suppressed cells next to a total."""
    if not suppressed:
        return _finding("sdc.secondary", ScreeningOutcome.NOT_CHECKED, "no suppressed cells")
    if not totals:
        return _finding("sdc.secondary", ScreeningOutcome.NOT_CHECKED,
                        f"{_plural(suppressed, 'suppressed cell')} but no totals row or column detected")
    if tally.count:
        return _finding("sdc.secondary", ScreeningOutcome.FAIL,
                        f"{_plural(tally.count, 'row or column', 'rows or columns')} with a total have a single "
                        "suppressed cell, which the total reveals", tally, checked)
    return _finding("sdc.secondary", ScreeningOutcome.PASS, "no suppressed cell can be recovered from a total",
                    checked=checked)


def rounding_finding(tally: Tally, checked: int, policy: DisclosurePolicy) -> RuleFinding:
    """``sdc.rounding``, when the policy requires it."""
    if not policy.rounding:
        return _finding("sdc.rounding", ScreeningOutcome.NOT_CHECKED, "the policy does not require rounding")
    if tally.count:
        return _finding("sdc.rounding", ScreeningOutcome.FAIL,
                        f"{tally.count} of {_plural(checked, 'count')} not a multiple of {policy.round_base}",
                        tally, checked)
    return _finding("sdc.rounding", ScreeningOutcome.PASS, f"every count is a multiple of {policy.round_base}",
                    checked=checked)


@dataclass
class DominanceTally:
    """What the evidence said about the cells of a magnitude table."""

    cells: int = 0
    unmatched: Tally = field(default_factory=Tally)
    counted: int = 0
    few: Tally = field(default_factory=Tally)
    nk: list[Tally] = field(default_factory=list)
    nk_unknown: list[int] = field(default_factory=list)
    p_fail: Tally = field(default_factory=Tally)
    p_unknown: int = 0
    negative: Tally = field(default_factory=Tally)

    def judge(self, cell: CellEvidence | None, location: Callable[[], str], policy: DisclosurePolicy) -> None:
        """Apply the threshold, N-K and p% rules to one cell's evidence."""
        if not self.nk:
            self.nk = [Tally() for _ in policy.nk_rules]
            self.nk_unknown = [0 for _ in policy.nk_rules]
        self.cells += 1
        if cell is None:
            self.unmatched.add(location)
            return
        if cell.count is not None:
            self.counted += 1
            if below_threshold(cell.count, policy.threshold):
                self.few.add(location)
        if cell.negatives:
            self.negative.add(location)
            return
        for index, rule in enumerate(policy.nk_rules):
            dominated = nk_dominated(cell, rule)
            if dominated is None:
                self.nk_unknown[index] += 1
            elif dominated:
                self.nk[index].add(location)
        if policy.p_ratio > 0:
            fails = p_ratio_fails(cell, policy.p_ratio)
            if fails is None:
                self.p_unknown += 1
            elif fails:
                self.p_fail.add(location)


def magnitude_findings(tally: DominanceTally | None, cells: int, policy: DisclosurePolicy) -> list[RuleFinding]:
    """``sdc.magnitude``, ``sdc.threshold``, ``sdc.nk`` (one per rule) and ``sdc.p-ratio`` of a magnitude table."""
    if tally is None:
        absent = "needs per-cell evidence; none was supplied"
        return [
            _finding("sdc.magnitude", ScreeningOutcome.REVIEW,
                     f"magnitude table ({_plural(cells, 'cell')}): the contributor threshold and dominance rules "
                     "need per-cell evidence; none was supplied", checked=cells),
            _finding("sdc.threshold", ScreeningOutcome.NOT_CHECKED, f"contributor counts: {absent}"),
            *[_finding("sdc.nk", ScreeningOutcome.NOT_CHECKED, f"N-K {rule.label}: {absent}")
              for rule in policy.nk_rules],
            _p_ratio_off(policy) or _finding("sdc.p-ratio", ScreeningOutcome.NOT_CHECKED, f"p% rule: {absent}"),
        ]
    if not tally.nk:  # the table had no numeric cell to judge
        tally.nk, tally.nk_unknown = [Tally() for _ in policy.nk_rules], [0 for _ in policy.nk_rules]
    matched = tally.cells - tally.unmatched.count
    found = [
        _finding("sdc.magnitude", ScreeningOutcome.REVIEW,
                 f"{tally.unmatched.count} of {_plural(tally.cells, 'cell')} have no evidence", tally.unmatched,
                 tally.cells)
        if tally.unmatched.count else
        _finding("sdc.magnitude", ScreeningOutcome.PASS, f"evidence found for all {_plural(tally.cells, 'cell')}",
                 checked=tally.cells),
    ]
    if not tally.counted:
        found.append(_finding("sdc.threshold", ScreeningOutcome.NOT_CHECKED,
                              "the evidence gives no contributor counts"))
    elif tally.few.count:
        found.append(_finding("sdc.threshold", ScreeningOutcome.FAIL,
                              f"{tally.few.count} of {_plural(tally.counted, 'cell')} have fewer than "
                              f"{policy.threshold} contributors", tally.few, tally.counted))
    else:
        found.append(_finding("sdc.threshold", ScreeningOutcome.PASS,
                              f"every cell has at least {policy.threshold} contributors "
                              f"({_plural(tally.counted, 'cell')})",
                              checked=tally.counted))
    judged = matched - tally.negative.count
    for rule, flagged, unknown in zip(policy.nk_rules, tally.nk, tally.nk_unknown, strict=True):
        found.append(_dominance("sdc.nk", f"N-K {rule.label}", flagged, judged - unknown, unknown, tally.negative))
    found.append(_p_ratio_off(policy) or _dominance(
        "sdc.p-ratio", f"p% rule (p = {policy.p_ratio * 100:g}%)", tally.p_fail, judged - tally.p_unknown,
        tally.p_unknown, tally.negative))
    return found


def _p_ratio_off(policy: DisclosurePolicy) -> RuleFinding | None:
    if policy.p_ratio > 0:
        return None
    return _finding("sdc.p-ratio", ScreeningOutcome.NOT_CHECKED, "the policy does not use the p% rule")


def _dominance(rule: str, name: str, flagged: Tally, judged: int, unknown: int, negative: Tally) -> RuleFinding:
    if flagged.count:
        return _finding(rule, ScreeningOutcome.FAIL, f"{name}: {flagged.count} of {_plural(judged, 'cell')} dominated",
                        flagged, judged)
    if unknown or negative.count:
        reasons = [f"{_plural(negative.count, 'cell')} with negative contributions"] if negative.count else []
        if unknown:
            reasons.append(f"{_plural(unknown, 'cell')} without the largest contributions or a positive total")
        return _finding(rule, ScreeningOutcome.REVIEW, f"{name}: cannot be judged for {' and '.join(reasons)}",
                        negative, judged)
    if not judged:
        return _finding(rule, ScreeningOutcome.NOT_CHECKED, f"{name}: no cell with evidence")
    return _finding(rule, ScreeningOutcome.PASS, f"{name}: no dominated cell ({_plural(judged, 'cell')})",
                    checked=judged)
