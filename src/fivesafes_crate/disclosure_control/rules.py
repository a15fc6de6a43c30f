"""The disclosure-control rules: their stable ids, the pure predicates they apply, and how findings are worded.

Predicates take numbers and per-cell evidence and return booleans or ratios; they know nothing of files.
The finding builders turn tallies (counts and labels of flagged cells) into :class:`RuleFinding` values whose
messages quote only counts and policy parameters, never a cell value.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from ..issues import ScreeningOutcome
from .evidence import CellEvidence, OutputEvidence
from .outcomes import MAX_LOCATIONS, RuleFinding
from .policy import DisclosurePolicy, NKRule

RULES: dict[str, str] = {
    "sdc.threshold": "frequency counts in [1, threshold) fail, and so do magnitude cells with fewer contributors "
                     "(a cell without any included)",
    "sdc.zeros": "zero counts: the policy's outcome (fail under acro-default, as ACRO)",
    "sdc.full-cells": "a row or column whose whole count lies in one cell (class disclosure)",
    "sdc.secondary": "a single suppressed cell in a row or column with a total can be recovered: fail; blank "
                     "cells beside totals, and tables ACRO suppressed itself: review",
    "sdc.rounding": "counts must be multiples of the rounding base, when the policy requires rounding",
    "sdc.kind": "whole numbers under headers that do not say they are counts may be sums, medians or modes: "
                "without evidence of the statistic, review",
    "sdc.magnitude": "magnitude tables (means, sums, medians, standard deviations) need per-cell evidence; "
                     "without it: review",
    "sdc.nk": "N-K dominance: the n largest contributions must stay below the share k of a cell (ACRO: a share "
              "of exactly k fails)",
    "sdc.p-ratio": "p% rule: the rest of a cell, after its two largest contributions, must be at least p of the "
                   "largest",
    "sdc.dof": "models and standard deviations need at least the threshold of residual degrees of freedom",
    "sdc.missing": "cells whose contributions have missing values (ACRO's check_missing_values): review",
    "sdc.evidence": "evidence that cannot be used as it is (fractional counts, an unknown ACRO analysis): review",
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


def nk_dominated(cell: CellEvidence, rule: NKRule, comparison: str = ">=") -> bool | None:
    """True when the ``n`` largest contributions reach the share ``k`` (``comparison`` ``>=``, as ACRO) or exceed
    it (``>``); None when it cannot be judged."""
    share = nk_share(cell, rule.n)
    if share is None:
        return None
    return share >= rule.k if comparison == ">=" else share > rule.k


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


def _is(count: int) -> str:
    return "is" if count == 1 else "are"


def _has(count: int) -> str:
    return "has" if count == 1 else "have"


def _finding(rule: str, outcome: ScreeningOutcome, message: str, tally: Tally | None = None,
             checked: int = 0) -> RuleFinding:
    return RuleFinding(rule, outcome, message, flagged=tally.count if tally else 0, checked=checked,
                       locations=tuple(tally.locations) if tally else ())


def threshold_finding(tally: Tally, checked: int, policy: DisclosurePolicy) -> RuleFinding:
    """``sdc.threshold`` over frequency counts."""
    if tally.count:
        return _finding("sdc.threshold", ScreeningOutcome.FAIL,
                        f"{tally.count} of {_plural(checked, 'count')} {_is(tally.count)} below the threshold of "
                        f"{policy.threshold}", tally, checked)
    return _finding("sdc.threshold", ScreeningOutcome.PASS,
                    f"no count below the threshold of {policy.threshold} ({_plural(checked, 'count')})",
                    checked=checked)


ZERO_ADVICE = ("ACRO fails zero counts (its threshold and zeros checks); a structural zero (a combination that "
               "cannot occur) may be released, any other tells that nobody in the group has the attribute")


def zeros_finding(tally: Tally, checked: int, policy: DisclosurePolicy, what: str = "zero count") -> RuleFinding:
    """``sdc.zeros``: zero counts (or cells without contributors, ``what``) take the policy's outcome."""
    if not tally.count:
        return _finding("sdc.zeros", ScreeningOutcome.PASS, f"no {what}s", checked=checked)
    allowed = " (the policy allows them)" if policy.zeros is ScreeningOutcome.PASS else ""
    return _finding("sdc.zeros", policy.zeros, f"{_plural(tally.count, what)}{allowed}: {ZERO_ADVICE}", tally,
                    checked)


def full_cells_finding(tally: Tally, checked: int, policy: DisclosurePolicy) -> RuleFinding:
    """``sdc.full-cells``: rows or columns whose whole count lies in one cell."""
    if not tally.count:
        return _finding("sdc.full-cells", ScreeningOutcome.PASS, "no row or column holds its whole count in one cell",
                        checked=checked)
    return _finding("sdc.full-cells", policy.full_cells,
                    f"{_plural(tally.count, 'row or column', 'rows or columns')} {_has(tally.count)} its whole "
                    "count in one cell (class disclosure)", tally, checked)


def secondary_finding(tally: Tally, suppressed: int, totals: bool, checked: int, blanks: Tally | None = None,
                      policy: DisclosurePolicy | None = None) -> RuleFinding:
    """``sdc.secondary``: single suppressed cells next to a total (fail); blank cells in a table with totals,
    which may be suppressed ones, and any table of a session that ACRO suppressed itself (review)."""
    if tally.count:
        return _finding("sdc.secondary", ScreeningOutcome.FAIL,
                        f"{_plural(tally.count, 'row or column', 'rows or columns')} with a total {_has(tally.count)} "
                        "a single suppressed cell, which the total reveals", tally, checked)
    if policy is not None and policy.suppress:
        blank = f" ({_plural(blanks.count, 'blank cell')})" if blanks is not None and blanks.count else ""
        return _finding("sdc.secondary", ScreeningOutcome.REVIEW,
                        f"the policy says ACRO suppressed the cells of its tables itself (suppress){blank}: check "
                        "that no total or other output gives a suppressed cell back", blanks, checked)
    if blanks is not None and blanks.count and totals:
        return _finding("sdc.secondary", ScreeningOutcome.REVIEW,
                        f"{_plural(blanks.count, 'blank cell')} in a table with totals: if "
                        f"{'it was' if blanks.count == 1 else 'they were'} suppressed, check that the totals do not "
                        "give them back", blanks, checked)
    if not suppressed:
        return _finding("sdc.secondary", ScreeningOutcome.NOT_CHECKED, "no suppressed cells")
    if not totals:
        return _finding("sdc.secondary", ScreeningOutcome.NOT_CHECKED,
                        f"{_plural(suppressed, 'suppressed cell')} but no totals row or column detected")
    return _finding("sdc.secondary", ScreeningOutcome.PASS, "no suppressed cell can be recovered from a total",
                    checked=checked)


def rounding_finding(tally: Tally, checked: int, policy: DisclosurePolicy) -> RuleFinding:
    """``sdc.rounding``, when the policy requires it."""
    if not policy.rounding:
        return _finding("sdc.rounding", ScreeningOutcome.NOT_CHECKED, "the policy does not require rounding")
    if tally.count:
        return _finding("sdc.rounding", ScreeningOutcome.FAIL,
                        f"{tally.count} of {_plural(checked, 'count')} {_is(tally.count)} not a multiple of "
                        f"{policy.round_base}", tally, checked)
    return _finding("sdc.rounding", ScreeningOutcome.PASS, f"every count is a multiple of {policy.round_base}",
                    checked=checked)


class Statistic(enum.Enum):
    """What the cells of a table are, which decides the rules that apply to them (as ACRO decides them from its
    analysis)."""

    COUNT = "count"  # frequencies: threshold and zeros on the counts
    LINEAR = "linear"  # means, sums: contributor threshold, N-K and p%
    POSITION = "position"  # medians, minima, maxima: contributor threshold (no contributor at all included)
    MODE = "mode"  # modes: cells without contributors only (zeros)
    SPREAD = "spread"  # standard deviations: residual degrees of freedom per cell
    SURVIVAL = "survival"  # survival tables: review, and the degrees of freedom of the evidence
    MODEL = "model"  # regressions: residual degrees of freedom


ANALYSES: dict[str, Statistic] = {
    "FrequencyTable": Statistic.COUNT, "Histogram": Statistic.COUNT, "PieChart": Statistic.COUNT,
    "Mean": Statistic.LINEAR, "Sum": Statistic.LINEAR,
    "Median": Statistic.POSITION, "Minimum": Statistic.POSITION, "Maximum": Statistic.POSITION,
    "ModeCalculation": Statistic.MODE,
    "StandardDeviation": Statistic.SPREAD,
    "KaplanMeier": Statistic.SURVIVAL, "SurvivalTables": Statistic.SURVIVAL, "HazardTables": Statistic.SURVIVAL,
    "GeneralLinearModel": Statistic.MODEL, "Logit": Statistic.MODEL, "Probit": Statistic.MODEL,
}
"""The ACRO 1.0.2 analysis names (``analysis_names`` of its evidence) that its tables, models and plots carry."""

_CONTRIBUTORS = frozenset({Statistic.LINEAR, Statistic.POSITION})
_DOF = frozenset({Statistic.SPREAD, Statistic.SURVIVAL})


@dataclass
class EvidenceTally:
    """What the evidence says about the cells of one table, cell by cell: counts and labels of the cells each
    rule would flag, gathered whatever the statistic, so that the statistic can decide at the end which apply."""

    policy: DisclosurePolicy
    cells: int = 0
    unmatched: Tally = field(default_factory=Tally)
    margins: Tally = field(default_factory=Tally)
    counted: int = 0
    uncounted: Tally = field(default_factory=Tally)
    few: Tally = field(default_factory=Tally)
    blank_few: Tally = field(default_factory=Tally)
    low: Tally = field(default_factory=Tally)
    empty: Tally = field(default_factory=Tally)
    nk: list[Tally] = field(default_factory=list)
    nk_unknown: list[int] = field(default_factory=list)
    dominance: int = 0
    p_fail: Tally = field(default_factory=Tally)
    p_unknown: int = 0
    negative: Tally = field(default_factory=Tally)
    dof_checked: int = 0
    dof_low: Tally = field(default_factory=Tally)
    missing: Tally = field(default_factory=Tally)
    seen: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.nk = [Tally() for _ in self.policy.nk_rules]
        self.nk_unknown = [0 for _ in self.policy.nk_rules]

    def judge(self, cell: CellEvidence | None, shown: float | None, count_shown: bool, margin: bool,
              location: Callable[[], str]) -> None:
        """One value cell: its evidence (None when there is none), the number it shows (None for a blank or
        suppressed cell; ``count_shown`` when that number is a count), whether it is a margin (a total)."""
        policy = self.policy
        self.cells += 1
        if cell is None:
            (self.margins if margin else self.unmatched).add(location)
            return
        self.seen.add(id(cell))
        if cell.missing:
            self.missing.add(location)
        dof = cell.dof
        if cell.count is None:
            self.uncounted.add(location)
        else:
            self.counted += 1
            if cell.count == 0 and (shown is not None or not policy.suppress):
                self.empty.add(location)
            if cell.count < policy.threshold:
                (self.few if shown is not None else self.blank_few).add(location)
                if shown is not None and (not count_shown or shown != cell.count):
                    self.low.add(location)
            dof = cell.count - 1 if dof is None else dof
        if dof is not None:
            self.dof_checked += 1
            if dof < policy.dof_threshold:
                self.dof_low.add(location)
        if shown is None:
            return
        if cell.negatives:
            self.negative.add(location)
            return
        self.dominance += 1
        for index, rule in enumerate(policy.nk_rules):
            dominated = nk_dominated(cell, rule, policy.nk_comparison)
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


def statistics_of(evidence: OutputEvidence) -> tuple[set[Statistic], list[str]]:
    """The statistics ACRO's analysis names give (and the names this screening does not know)."""
    known = {ANALYSES[name] for name in evidence.analyses if name in ANALYSES}
    return known, [name for name in evidence.analyses if name not in ANALYSES]


def evidence_findings(tally: EvidenceTally, evidence: OutputEvidence, statistics: AbstractSet[Statistic],
                      unknown: Sequence[str]) -> list[RuleFinding]:
    """The findings of the rules the statistics call for, from what the evidence said about the cells (for
    counts, only the cells whose evidence disagrees with what the table shows: the table's own counts are
    judged by the frequency rules)."""
    policy = tally.policy
    found = [_finding("sdc.evidence", ScreeningOutcome.REVIEW, f"{problem}: check these cells by hand",
                      tally.uncounted, tally.cells) for problem in evidence.problems]
    found += [_finding("sdc.evidence", ScreeningOutcome.REVIEW, f"ACRO's analysis {name} is not one this "
                                                                "screening knows: check the output by hand")
              for name in unknown]
    if set(statistics) - {Statistic.COUNT, Statistic.MODEL}:
        found.append(_coverage(tally))
    if statistics & _CONTRIBUTORS:
        found.append(_contributors(tally))
    if Statistic.MODE in statistics:
        found.append(zeros_finding(tally.empty, tally.counted, policy, "cell without contributors"))
    if Statistic.LINEAR in statistics:
        judged = tally.dominance
        for rule, flagged, unknown_cells in zip(policy.nk_rules, tally.nk, tally.nk_unknown, strict=True):
            found.append(_dominance("sdc.nk", f"N-K {rule.label}", flagged, judged - unknown_cells, unknown_cells,
                                    tally.negative))
        found.append(_p_ratio_off(policy) or _dominance(
            "sdc.p-ratio", f"p% rule (p = {policy.p_ratio * 100:g}%)", tally.p_fail, judged - tally.p_unknown,
            tally.p_unknown, tally.negative))
    if statistics & _DOF:
        found.append(_cell_dof(tally, evidence))
    if Statistic.SURVIVAL in statistics:
        found.append(_finding("sdc.manual", ScreeningOutcome.REVIEW, "a survival table: check it, and any plot "
                                                                     "made from it, by hand (ACRO asks for that too)"))
    if Statistic.MODEL in statistics:
        found.append(model_dof_finding(evidence.dof, policy))
    if tally.missing.count:
        found.append(_finding("sdc.missing", ScreeningOutcome.REVIEW,
                              f"{_plural(tally.missing.count, 'cell')} {_has(tally.missing.count)} contributions "
                              "with missing values, which the statistic leaves out: check that this is intended",
                              tally.missing, tally.cells))
    return found


def _coverage(tally: EvidenceTally) -> RuleFinding:
    margins = ""
    if tally.margins.count:
        margins = (f"; {_plural(tally.margins.count, 'margin')} (totals) without evidence {_is(tally.margins.count)} "
                   "not checked: a margin holds every contributor of its row or column, so it passes the threshold, "
                   "N-K and p% rules whenever all of that row's or column's cells do")
    if tally.unmatched.count:
        return _finding("sdc.magnitude", ScreeningOutcome.REVIEW,
                        f"{tally.unmatched.count} of {_plural(tally.cells, 'cell')} {_has(tally.unmatched.count)} no "
                        f"evidence: check the labels of the table and of the evidence{margins}", tally.unmatched,
                        tally.cells)
    return _finding("sdc.magnitude", ScreeningOutcome.PASS,
                    f"evidence found for all {_plural(tally.cells - tally.margins.count, 'cell')}{margins}",
                    checked=tally.cells)


def _contributors(tally: EvidenceTally) -> RuleFinding:
    threshold = tally.policy.threshold
    if not tally.counted:
        return _finding("sdc.threshold", ScreeningOutcome.REVIEW,
                        "the evidence gives no contributor counts: check the threshold by hand")
    blank = tally.blank_few
    if tally.few.count or (blank.count and not tally.policy.suppress):
        flagged = Tally()
        flagged.merge(tally.few)
        if not tally.policy.suppress:
            flagged.merge(blank)
        note = (f" ({_plural(blank.count, 'blank cell')} among them)" if blank.count and not tally.policy.suppress
                else "")
        return _finding("sdc.threshold", ScreeningOutcome.FAIL,
                        f"{flagged.count} of {_plural(tally.counted, 'cell')} {_has(flagged.count)} fewer than "
                        f"{threshold} contributors{note}", flagged, tally.counted)
    if blank.count:
        return _finding("sdc.threshold", ScreeningOutcome.REVIEW,
                        f"{_plural(blank.count, 'blank cell')} {_has(blank.count)} fewer than {threshold} "
                        "contributors: check that the suppression holds", blank, tally.counted)
    return _finding("sdc.threshold", ScreeningOutcome.PASS,
                    f"every cell has at least {threshold} contributors ({_plural(tally.counted, 'cell')})",
                    checked=tally.counted)


def _cell_dof(tally: EvidenceTally, evidence: OutputEvidence) -> RuleFinding:
    """``sdc.dof`` per cell: the table's cells, then the cells of the evidence's table of degrees of freedom that
    the table does not show one by one (a survival table's)."""
    threshold = tally.policy.dof_threshold
    rest = [cell for cell in evidence.cells.values() if cell.dof is not None and id(cell) not in tally.seen]
    low = sum(1 for cell in rest if cell.dof is not None and cell.dof < threshold)
    checked = tally.dof_checked + len(rest)
    if not checked:
        return _finding("sdc.dof", ScreeningOutcome.REVIEW,
                        "the evidence gives no degrees of freedom or contributor counts: check them by hand")
    if tally.dof_low.count or low:
        more = f" and {low} more cell(s) of the evidence's table of them" if low else ""
        return RuleFinding("sdc.dof", ScreeningOutcome.FAIL,
                           f"{_plural(tally.dof_low.count, 'cell')}{more} with fewer residual degrees of freedom than "
                           f"the threshold of {threshold}", flagged=tally.dof_low.count + low, checked=checked,
                           locations=tuple(tally.dof_low.locations))
    return _finding("sdc.dof", ScreeningOutcome.PASS,
                    f"every cell has at least {threshold} residual degrees of freedom ({_plural(checked, 'cell')})",
                    checked=checked)


def model_dof_finding(dof: int | None, policy: DisclosurePolicy) -> RuleFinding:
    """``sdc.dof`` of a model from the residual degrees of freedom the evidence gives (never repeated)."""
    if dof is None:
        return _finding("sdc.dof", ScreeningOutcome.REVIEW,
                        "the evidence states no residual degrees of freedom: check them by hand")
    if dof < policy.dof_threshold:
        return RuleFinding("sdc.dof", ScreeningOutcome.FAIL, "residual degrees of freedom below the threshold of "
                                                             f"{policy.dof_threshold}", flagged=1, checked=1)
    return RuleFinding("sdc.dof", ScreeningOutcome.PASS, "residual degrees of freedom at or above the threshold of "
                                                         f"{policy.dof_threshold}", checked=1)


def unjudged_magnitude_findings(cells: int, policy: DisclosurePolicy, evidence_source: str | None,
                                positional: bool) -> list[RuleFinding]:
    """``sdc.magnitude`` and the rules it stands for, for a magnitude table without evidence: what to give."""
    if evidence_source is not None:
        why = (f"evidence was given ({evidence_source}) but has nothing for this output: check that its key is "
               "the output's name or ACRO id (output_3 for output_3_0.csv)")
    else:
        why = ("give the per-cell evidence (--evidence evidence.json, which ACRO writes in federated mode: "
               "ACRO(federated=True)) or check by hand")
    if positional:
        why += "; the table has no row labels, so cells could not be matched to evidence by label"
    absent = "not judged without evidence"
    return [
        _finding("sdc.magnitude", ScreeningOutcome.REVIEW,
                 f"magnitude table ({_plural(cells, 'cell')}): the contributor threshold and dominance rules need "
                 f"per-cell evidence: {why}", checked=cells),
        _finding("sdc.threshold", ScreeningOutcome.NOT_CHECKED, f"contributor counts: {absent}"),
        *[_finding("sdc.nk", ScreeningOutcome.NOT_CHECKED, f"N-K {rule.label}: {absent}")
          for rule in policy.nk_rules],
        _p_ratio_off(policy) or _finding("sdc.p-ratio", ScreeningOutcome.NOT_CHECKED, f"p% rule: {absent}"),
    ]


def _p_ratio_off(policy: DisclosurePolicy) -> RuleFinding | None:
    if policy.p_ratio > 0:
        return None
    return _finding("sdc.p-ratio", ScreeningOutcome.NOT_CHECKED, "the policy does not use the p% rule")


def _dominance(rule: str, name: str, flagged: Tally, judged: int, unknown: int, negative: Tally) -> RuleFinding:
    if flagged.count:
        return _finding(rule, ScreeningOutcome.FAIL,
                        f"{name}: {flagged.count} of {_plural(judged, 'cell')} {_is(flagged.count)} dominated",
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
