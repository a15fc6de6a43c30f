"""The table rules, streamed: one pass over the rows of a table keeps counts and labels of flagged cells.

:class:`TableScan` takes rows of cell text (:meth:`TableScan.add_row`) and decides at the end whether the
table holds frequencies (threshold, zeros, full cells, secondary suppression, rounding) or magnitudes (N-K and
p% with evidence, review without). Its memory depends on the number of columns, never on the number of rows.

:func:`scan_csv` feeds a CSV file to it block by block. Most lines of a large table are plain counts at or
above the threshold; a block-level fast path recognises them with byte translations and substring searches
(C speed) and only hands the other lines, those that may matter, to :mod:`csv` and :meth:`TableScan.add_row`.
The fast path is sound: a line it accounts for in bulk has, in every value cell, an integer without a leading
zero and with more digits than the threshold has minus one, so no rule could flag it.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial

from ..issues import ScreeningOutcome
from .cells import (
    CellKind,
    Layout,
    column_labels,
    display_label,
    is_count_label,
    is_header_row,
    is_identifier_column,
    is_magnitude_label,
    is_number,
    is_total_label,
    parse_cell,
    row_label,
    table_layout,
)
from .evidence import OutputEvidence
from .outcomes import MAX_LOCATIONS, OutputKind, RuleFinding
from .patterns import TextScan
from .policy import DisclosurePolicy
from .rules import (
    EvidenceTally,
    Statistic,
    Tally,
    below_threshold,
    evidence_findings,
    full_cells_finding,
    full_line,
    recoverable_line,
    rounding_finding,
    secondary_finding,
    statistics_of,
    threshold_finding,
    unjudged_magnitude_findings,
    unrounded,
    zeros_finding,
)

MAX_HEADER_ROWS = 50
MAX_COLUMNS = 16_384


@dataclass
class TableScan:
    """The table rules over a stream of rows; ``where`` prefixes every location (a spreadsheet's sheet name).

    ``evidence`` is this output's evidence: its statistic decides the rules, its variable names the row-label
    columns, and every value cell (blank ones included) is judged against it. ``evidence_source`` names the
    evidence file of the screening, also when it has nothing for this output (so that the report can say so).
    ``dense`` lets rows made only of counts skip the cell-by-cell walk (their column statistics are kept per row
    width); turning it off gives the same findings, more slowly.
    """

    policy: DisclosurePolicy
    evidence: OutputEvidence | None = None
    where: str = ""
    evidence_source: str | None = None
    header: list[list[str]] = field(default_factory=list)
    labels: int | None = None
    layout: Layout | None = None
    columns: list[str] = field(default_factory=list)
    total_columns: set[int] = field(default_factory=set)
    rows: int = 0
    kinds: list[int] = field(default_factory=lambda: [0] * len(CellKind))
    threshold: Tally = field(default_factory=Tally)
    zeros: Tally = field(default_factory=Tally)
    rounding: Tally = field(default_factory=Tally)
    full: Tally = field(default_factory=Tally)
    secondary: Tally = field(default_factory=Tally)
    blanks: Tally = field(default_factory=Tally)
    label_numbers: Tally = field(default_factory=Tally)
    col_numeric: list[int] = field(default_factory=list)
    col_nonzero: list[int] = field(default_factory=list)
    col_suppressed: list[int] = field(default_factory=list)
    total_rows: int = 0
    total_row_values: set[int] = field(default_factory=set)
    too_wide: bool = False
    no_data: bool = False
    judged: EvidenceTally | None = None
    dense: bool = True
    dense_rows: dict[int, int] = field(default_factory=dict)
    dense_zeros: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.evidence is not None:
            self.judged = EvidenceTally(self.policy)

    def _label(self, text: str, fallback: str) -> str:
        return f"{self.where}: {display_label(text, fallback)}" if self.where else display_label(text, fallback)

    def _column(self, index: int) -> str:
        return display_label(self.columns[index], f"column {(self.labels or 0) + index + 1}")

    def _grow(self, width: int) -> None:
        self.columns.extend([""] * (width - len(self.columns)))
        extra = width - len(self.col_numeric)
        if extra > 0:
            for counts in (self.col_numeric, self.col_nonzero, self.col_suppressed, self.dense_zeros):
                counts.extend([0] * extra)

    def _start(self, first: Sequence[str]) -> None:
        evidence = self.evidence
        self.layout = table_layout(self.header, first, evidence.labels if evidence else (),
                                   evidence.label_columns if evidence else None)
        self.labels = self.layout.labels
        width = min(max(len(row) for row in [first, *self.header]) - self.labels, MAX_COLUMNS)
        self.columns = column_labels(self.header, self.labels, max(width, 0))
        self._grow(width)
        self.total_columns = {index for index, label in enumerate(self.columns) if is_total_label(label)}

    @property
    def _guessed(self) -> bool:
        """True when the label columns were guessed from the first data row (numbers in them may be values)."""
        return self.layout is None or not self.layout.confirmed

    def add_row(self, cells: Sequence[str]) -> None:
        """Take one row of a table (header rows first)."""
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            return
        if self.labels is None:
            if self.no_data:
                return
            if is_header_row(cells, self.evidence.labels if self.evidence else ()):
                if len(self.header) >= MAX_HEADER_ROWS:
                    self.no_data = True
                else:
                    self.header.append([cell[:1024] for cell in cells[: MAX_COLUMNS + 64]])
                return
            self._start(cells)
        labels = self.labels or 0
        self.rows += 1
        values = cells[labels:]
        if len(values) > MAX_COLUMNS:
            self.too_wide, values = True, values[:MAX_COLUMNS]
        if len(values) > len(self.col_numeric):
            self._grow(len(values))
        total_row = any(is_total_label(cell) for cell in cells[:labels])
        self.total_rows += total_row
        row_number = self.rows
        if self._guessed:
            for index, text in enumerate(cells[:labels]):
                # A count in a row-label column: the first data row had no number there, so the column was taken
                # for labels. Its position is reported, never its text.
                if text.isdigit() and text.isascii() and len(text) < 16 and int(text) < self.policy.threshold:
                    self.label_numbers.add(f"{self.where + ': ' if self.where else ''}row {row_number}, "
                                           f"column {index + 1}")
        if (self.dense and not total_row and not self.total_columns and self.judged is None and values
                and "" not in values):
            digits = "".join(values)
            if digits.isdigit() and digits.isascii() and max(map(len, values)) < 16:
                self._add_dense(list(map(int, values)), cells, row_number)
                return
        policy = self.policy
        threshold, rounding, base = policy.threshold, policy.rounding, policy.round_base
        kinds, total_columns = self.kinds, self.total_columns
        col_numeric, col_nonzero = self.col_numeric, self.col_nonzero
        judged, evidence = self.judged, self.evidence
        key = row_label(cells, labels) if evidence is not None else ""
        line: list[float] = []
        suppressed = 0
        total_known = False
        for index, text in enumerate(values):
            interior = not total_row and index not in total_columns
            if text.isdigit() and text.isascii() and len(text) < 16:
                kind, value = CellKind.COUNT, float(text)
            else:
                cell = parse_cell(text)
                kind = cell.kind
                if cell.value is None:
                    kinds[kind] += 1
                    if kind is CellKind.SUPPRESSED and interior:
                        suppressed += 1
                        self.col_suppressed[index] += 1
                    elif kind is CellKind.MISSING and interior:
                        self.blanks.add(partial(self._cell_label, cells, row_number, index))
                    if judged is not None and evidence is not None and kind is not CellKind.TEXT:
                        judged.judge(evidence.lookup(key, self.columns[index]), None, False, not interior,
                                     partial(self._cell_label, cells, row_number, index))
                    continue
                value = cell.value
            kinds[kind] += 1
            if kind is CellKind.COUNT:
                if below_threshold(value, threshold):
                    self._flag(self.threshold, cells, row_number, index)
                elif value == 0:
                    self._flag(self.zeros, cells, row_number, index)
                if rounding and unrounded(value, base):
                    self._flag(self.rounding, cells, row_number, index)
            if index in total_columns:
                total_known = True
            elif total_row:
                self.total_row_values.add(index)
            else:
                line.append(value)
                col_numeric[index] += 1
                col_nonzero[index] += value != 0
            if judged is not None and evidence is not None:
                judged.judge(evidence.lookup(key, self.columns[index]), value, kind is CellKind.COUNT, not interior,
                             partial(self._cell_label, cells, row_number, index))
        if not total_row:
            if not suppressed and full_line(line):
                self.full.add(partial(self._row_label, cells, row_number))
            if total_columns and recoverable_line(suppressed, total_known):
                self.secondary.add(partial(self._row_label, cells, row_number))

    def _row_label(self, cells: Sequence[str], row_number: int) -> str:
        """A row's label for the report; where the label columns were guessed, a number in them (a value the
        layout may have misread) shows as ``#``."""
        labels = self.labels or 0
        shown = ["#" if self._guessed and is_number(cell) else cell for cell in cells[:labels]]
        return self._label(row_label(shown, len(shown)), f"row {row_number}")

    def _cell_label(self, cells: Sequence[str], row_number: int, index: int) -> str:
        return f"{self._row_label(cells, row_number)} / {self._column(index)}"

    def _flag(self, tally: Tally, cells: Sequence[str], row_number: int, index: int) -> None:
        """Flag a cell; its label is only built while the tally still keeps labels."""
        tally.count += 1
        if len(tally.locations) < MAX_LOCATIONS:
            tally.locations.append(self._cell_label(cells, row_number, index))

    def _add_dense(self, counts: list[int], cells: Sequence[str], row_number: int) -> None:
        """A row of counts only, outside totals: the same rules as :meth:`add_row`, with the column statistics
        kept per row width and settled by :meth:`result` (a row is not walked cell by cell unless it has a
        count below the threshold, or rounding is required)."""
        width = len(counts)
        self.kinds[CellKind.COUNT] += width
        self.dense_rows[width] = self.dense_rows.get(width, 0) + 1
        policy = self.policy
        if min(counts) < policy.threshold:
            zeros = 0
            for index, value in enumerate(counts):
                if below_threshold(value, policy.threshold):
                    self._flag(self.threshold, cells, row_number, index)
                elif value == 0:
                    zeros += 1
                    self.dense_zeros[index] += 1
                    self._flag(self.zeros, cells, row_number, index)
            if zeros and full_line([1.0] * (width - zeros) + [0.0] * zeros):
                self.full.add(partial(self._row_label, cells, row_number))
        if policy.rounding:
            for index, value in enumerate(counts):
                if unrounded(value, policy.round_base):
                    self._flag(self.rounding, cells, row_number, index)

    def add_clean_lines(self, lines: int, width: int) -> None:
        """Account for ``lines`` rows of ``width`` counts, each at or above the threshold (the fast path)."""
        self.rows += lines
        self.kinds[CellKind.COUNT] += lines * width
        self.dense_rows[width] = self.dense_rows.get(width, 0) + lines

    def _settle_dense_rows(self) -> None:
        for width, rows in self.dense_rows.items():
            for index in range(width):
                if index not in self.total_columns:
                    self.col_numeric[index] += rows
                    self.col_nonzero[index] += rows
        for index, zeros in enumerate(self.dense_zeros):
            self.col_nonzero[index] -= zeros
        self.dense_rows.clear()
        self.dense_zeros = [0] * len(self.dense_zeros)

    def _layout_findings(self, header_cells: Sequence[str]) -> list[RuleFinding]:
        findings: list[RuleFinding] = []
        identifiers = Tally()
        for cell in header_cells:
            if is_identifier_column(cell):
                identifiers.add(self._label(cell, "column"))
        if identifiers.count:
            findings.append(RuleFinding("sdc.identifier-columns", ScreeningOutcome.REVIEW,
                                        f"{identifiers.count} column(s) named like record identifiers: "
                                        "is this record-level data?", flagged=identifiers.count,
                                        locations=tuple(identifiers.locations)))
        if self.label_numbers.count:
            findings.append(RuleFinding(
                "sdc.labels", ScreeningOutcome.REVIEW,
                f"{self.label_numbers.count} number(s) below the threshold of {self.policy.threshold} in row-label "
                "columns were not checked as counts: check the table's layout, or give the evidence (ACRO's "
                "variable names) or label_columns", flagged=self.label_numbers.count,
                locations=tuple(self.label_numbers.locations)))
        elif self.labels == 0 and self._guessed and len(self.columns) >= 2 and self.rows:
            findings.append(RuleFinding(
                "sdc.labels", ScreeningOutcome.REVIEW,
                "no row-label column (the first column holds numbers): cells are named by position, and if the "
                "first column holds codes or years (sex 1 and 2) they were screened as counts; give the evidence "
                "(ACRO's variable names) or label_columns"))
        return findings

    def _statistics(self, looks_magnitude: bool) -> tuple[set[Statistic], list[str]]:
        """What the cells are: as the evidence's analyses say, else from the evidence's tables or the looks."""
        if self.evidence is None:
            return {Statistic.LINEAR if looks_magnitude else Statistic.COUNT}, []
        statistics, unknown = statistics_of(self.evidence)
        if not statistics:
            dominance = bool(self.evidence.statistics & {"sum", "max", "top_2_sum", "top_n_sum"})
            statistics = {Statistic.LINEAR if looks_magnitude or dominance else Statistic.COUNT}
        return statistics, unknown

    def result(self) -> tuple[OutputKind, list[RuleFinding]]:
        """The kind of table and the findings of every rule that applies to it."""
        self._settle_dense_rows()
        findings: list[RuleFinding] = []
        if self.too_wide:
            findings.append(RuleFinding("sdc.unreadable", ScreeningOutcome.REVIEW,
                                        f"rows wider than {MAX_COLUMNS} value columns: the rest was not analysed"))
        header_cells = [cell for row in self.header for cell in row]
        findings += self._layout_findings(header_cells)
        numeric = self.kinds[CellKind.COUNT] + self.kinds[CellKind.NUMBER]
        judged = self.judged
        if self.labels is None or numeric + self.kinds[CellKind.SUPPRESSED] + (judged.cells if judged else 0) == 0:
            findings.append(RuleFinding("sdc.manual", ScreeningOutcome.REVIEW,
                                        "a table without numbers: no automatic rule applies"))
            return OutputKind.TABLE, findings
        looks_magnitude = bool(self.kinds[CellKind.NUMBER]) or any(is_magnitude_label(cell) for cell in header_cells)
        statistics, unknown = self._statistics(looks_magnitude)
        if judged is None or self.evidence is None:
            if looks_magnitude:
                findings += unjudged_magnitude_findings(numeric, self.policy, self.evidence_source, self.labels == 0)
                findings += self._missing_findings()
                if self.policy.suppress:
                    findings.append(secondary_finding(Tally(), 0, False, 0, self.blanks, self.policy))
                return OutputKind.MAGNITUDE_TABLE, findings
            return OutputKind.FREQUENCY_TABLE, [*findings, *self._kind_findings(header_cells),
                                                *self._frequency_findings(None), *self._missing_findings()]
        evidence = self.evidence
        if statistics == {Statistic.COUNT}:
            return OutputKind.FREQUENCY_TABLE, [*findings, *evidence_findings(judged, evidence, statistics, unknown),
                                                *self._frequency_findings(judged.low)]
        if Statistic.COUNT in statistics:  # counts beside other statistics: their cells are not all counts
            statistics = (statistics - {Statistic.COUNT}) | {Statistic.POSITION}
        findings += evidence_findings(judged, evidence, statistics, unknown)
        if self.policy.suppress:
            findings.append(secondary_finding(Tally(), 0, False, 0, self.blanks, self.policy))
        kind = OutputKind.MODEL_OUTPUT if statistics == {Statistic.MODEL} else OutputKind.MAGNITUDE_TABLE
        return kind, findings

    def _kind_findings(self, header_cells: Sequence[str]) -> list[RuleFinding]:
        """``sdc.kind``: whole numbers are counts only when a header says so; otherwise they may be sums,
        medians, maxima or modes that happen to be whole, and only the evidence can tell."""
        if any(is_count_label(cell) for cell in header_cells):
            return []
        given = (f"evidence was given ({self.evidence_source}) but has nothing for this output; check its key (the "
                 "output's name or ACRO id)" if self.evidence_source else
                 "give ACRO's evidence (--evidence evidence.json, from ACRO(federated=True)), whose analysis names "
                 "the statistic")
        return [RuleFinding("sdc.kind", ScreeningOutcome.REVIEW,
                            "whole numbers, but no header says they are counts: if they are sums, medians, maxima "
                            f"or modes, the frequency rules do not protect them; {given}")]

    def _missing_findings(self) -> list[RuleFinding]:
        """``sdc.missing`` without evidence: blank cells, when the policy checks missing values (ACRO's key)."""
        if not self.policy.check_missing_values or not self.blanks.count:
            return []
        return [RuleFinding("sdc.missing", ScreeningOutcome.REVIEW,
                            f"{self.blanks.count} blank cell(s): the policy checks missing values "
                            "(check_missing_values); give the evidence (ACRO's missing table) or check by hand",
                            flagged=self.blanks.count, locations=tuple(self.blanks.locations))]

    def _frequency_findings(self, disagreeing: Tally | None) -> list[RuleFinding]:
        """The rules of a frequency table; ``disagreeing`` adds the cells whose evidence count is below the
        threshold although the table shows another value (a normalised or rounded table)."""
        for index in range(len(self.columns)):
            if index in self.total_columns or self.col_suppressed[index]:
                continue
            if self.col_numeric[index] >= 2 and self.col_nonzero[index] == 1:
                self.full.add(self._label(self.columns[index], f"column {(self.labels or 0) + index + 1}"))
        if self.total_rows:
            for index in range(len(self.columns)):
                if index not in self.total_columns and recoverable_line(self.col_suppressed[index],
                                                                        index in self.total_row_values):
                    self.secondary.add(self._label(self.columns[index], f"column {(self.labels or 0) + index + 1}"))
        counts = self.kinds[CellKind.COUNT]
        low = self.threshold
        if disagreeing is not None and disagreeing.count:
            low = Tally()
            low.merge(self.threshold)
            low.merge(disagreeing)
        lines = self.rows + len(self.columns)
        totals = bool(self.total_columns) or self.total_rows > 0
        return [
            threshold_finding(low, counts + (disagreeing.count if disagreeing else 0), self.policy),
            zeros_finding(self.zeros, counts, self.policy),
            full_cells_finding(self.full, lines, self.policy),
            secondary_finding(self.secondary, self.kinds[CellKind.SUPPRESSED], totals, lines, self.blanks,
                              self.policy),
            rounding_finding(self.rounding, counts, self.policy),
        ]


def _translation(mapping: dict[bytes, bytes], default: bytes) -> bytes:
    table = bytearray(default * 256)
    for characters, target in mapping.items():
        for character in characters:
            table[character] = target[0]
    return bytes(table)


_DIGITS = b"0123456789"


class FastPath:
    """Finds, in a block of CSV lines without quotes, the lines that need the full rules.

    The block is translated (digits -> ``N``, the delimiter -> ``,``, line ends -> ``E``, any other byte ->
    ``x``) and searched for what can make a value cell matter: a delimiter not followed by a digit (an empty
    cell or one that is not a count; found by marking every ``,N`` and looking for the delimiters left), a
    non-digit after a digit (``Nx``); a second translation, where line ends are delimiters too, finds cells of at
    most as many digits as ``threshold - 1`` has (``,N,``...); the raw block is searched for a zero or a leading
    zero (``,0``) and, lower-cased, for the words of a totals label; with rounding, a third translation finds
    counts ending in a digit the base does not allow. The searches are C-speed substring searches. Patterns that
    also match inside row labels only send more lines to the slow path, never fewer.
    """

    def __init__(self, delimiter: str, labels: int, width: int, policy: DisclosurePolicy) -> None:
        self.delimiter = delimiter.encode("ascii")
        self.labels, self.width = labels, width
        self.fields = labels + width
        ends = {self.delimiter: b",", b"\n\r": b"E"}
        self.shape = _translation({_DIGITS: b"N", **ends}, b"x")
        # Cells: line ends count as delimiters, so that a cell of ``size`` digits is always ``,N...N,``.
        self.cells = _translation({_DIGITS: b"N", self.delimiter: b",", b"\n\r": b","}, b"x")
        short = len(str(policy.threshold - 1)) if policy.threshold > 1 else 0
        self.short = [b"," + b"N" * size + b"," for size in range(1, short + 1)]
        self.zeros = [self.delimiter + b"0", b"\n0"]  # a zero in the first column, value or label
        self.rounding: bytes | None = None
        if policy.rounding:
            allowed = bytes(d for d in _DIGITS if (d - 48) % policy.round_base == 0)
            self.rounding = _translation({allowed: b"F", bytes(set(_DIGITS) - set(allowed)): b"D", **ends}, b"x")

    @staticmethod
    def usable(policy: DisclosurePolicy, delimiter: str) -> bool:
        """The fast path covers thresholds up to a million and rounding to 2, 5 or 10."""
        return (policy.threshold <= 1_000_000 and (not policy.rounding or policy.round_base in (2, 5, 10))
                and len(delimiter) == 1 and delimiter.isascii() and delimiter not in "\r\n\"")

    def bad_lines(self, block: bytes) -> list[int] | None:
        """Sorted start offsets of the lines that need the full rules; None when the whole block does."""
        if b'"' in block or (b"\r" in block and (self.labels == 0 or block.count(b"\r") != block.count(b"\r\n"))):
            return None
        closed = block.endswith(b"\n")
        lines = block.count(b"\n") + (0 if closed else 1)
        shape = b"E" + block.translate(self.shape) + (b"" if closed else b"E")
        delimiters = shape.count(b",")
        if delimiters != lines * (self.fields - 1):
            return None
        found: set[int] = set()
        # A value cell starts after a delimiter (or a line end, without label columns): mark the good starts,
        # a digit; what is left of the start markers begins an empty cell or one that is not a count.
        if self.labels == 0 or shape.count(b",N") != delimiters:
            marked = shape.replace(b",N", b"GN")
            _collect(marked, [b",", b"EE", b"Ex", b"EG"] if self.labels == 0 else [b","], block, found, shift=-1)
        _collect(shape, [b"Nx"], block, found, shift=-1)
        if self.short:
            cells = b"," + block.translate(self.cells) + (b"" if closed else b",")
            _collect(cells, self.short, block, found, shift=-1)
        _collect(block, self.zeros, block, found, shift=0)
        if block.startswith(b"0"):
            found.add(0)
        if self.rounding is not None:
            rounded = block.translate(self.rounding) + (b"" if closed else b"E")
            _collect(rounded, [b"D,", b"DE"], block, found, shift=0)
        _collect(block.lower(), [b"total", b"all", b"sum"], block, found, shift=0)
        return sorted(found)


def _collect(translated: bytes, patterns: list[bytes], block: bytes, found: set[int], shift: int) -> None:
    """Add the start of the line of every pattern occurrence; ``shift`` maps translated offsets to ``block``."""
    find, line_start, add = translated.find, block.rfind, found.add
    for pattern in patterns:
        end = len(pattern) - 1 + shift  # from an occurrence to the offset in ``block`` of its last character
        position = find(pattern)
        while position >= 0:
            add(line_start(b"\n", 0, max(position + end, 0)) + 1)
            position = find(pattern, position + 1)


@dataclass
class CsvStatus:
    """How far the CSV could be read: ``problem`` says why table analysis stopped early, if it did."""

    problem: str | None = None


def _rows(block: bytes, delimiter: str, decoder: codecs.IncrementalDecoder) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(decoder.decode(block), newline=""), delimiter=delimiter, strict=False)


def scan_csv(blocks: Iterator[tuple[bytes, int]], delimiter: str, table: TableScan, text: TextScan,
             *, fast: bool = True) -> CsvStatus:
    """Feed CSV blocks (from :func:`~.streams.line_blocks`) to ``table`` and ``text``; with ``fast`` the
    fast path accounts for plain lines in bulk. A malformed CSV stops the table analysis but not the scan."""
    status = CsvStatus()
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    fast_path: FastPath | None = None
    fast = fast and FastPath.usable(table.policy, delimiter) and table.evidence is None
    for block, first_line in blocks:
        text.feed(block, first_line)
        if status.problem is not None:
            continue
        try:
            if fast_path is None and fast and table.labels is not None and not table.too_wide:
                fast_path = FastPath(delimiter, table.labels, len(table.columns), table.policy)
            bad = fast_path.bad_lines(block) if fast_path is not None else None
            if bad is None or fast_path is None:
                for row in _rows(block, delimiter, decoder):
                    table.add_row(row)
                continue
            # Each line of a block without quotes is one record: parse the bad lines together, then replay them
            # in order between the runs of clean lines.
            spans = []
            previous = 0
            for start in bad:
                stop = block.find(b"\n", start)
                spans.append((block.count(b"\n", previous, start), start, len(block) if stop < 0 else stop + 1))
                previous = spans[-1][2]
            joined = decoder.decode(b"".join(block[start:stop].rstrip(b"\r\n") + b"\n" for _, start, stop in spans))
            for (clean, _, _), line in zip(spans, joined.split("\n"), strict=False):
                table.add_clean_lines(clean, fast_path.width)
                table.add_row(line.split(delimiter))
            rest = block.count(b"\n", previous) + (0 if block.endswith(b"\n") or previous >= len(block) else 1)
            table.add_clean_lines(rest, fast_path.width)
        except csv.Error as exc:
            status.problem = f"not a well-formed CSV table near line {first_line} ({exc})"
    return status
