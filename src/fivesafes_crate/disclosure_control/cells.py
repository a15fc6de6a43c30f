"""The small table model: cells as written and parsed, suppression markers, labels and table layout.

A table is rows of cell text (as :mod:`csv` gives them). The first rows without a number are header rows; the
leading cells of the first row with a number are row labels (:func:`table_layout`: named by the evidence or a
hint, by the header's row of index names, or else the cells before the first value); the rest are value cells.
A value cell is a non-negative integer (a count), another number, a suppression marker (``*``, ``c``, ``x``,
``..``, ``<10``, ``[REDACTED]``...), missing (empty, ``NA``) or text.
"""

from __future__ import annotations

import enum
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .patterns import contains_sensitive


class CellKind(enum.IntEnum):
    """What a value cell holds (an ``IntEnum`` so that per-kind counters can be a list)."""

    MISSING = 0
    SUPPRESSED = 1
    COUNT = 2
    NUMBER = 3
    TEXT = 4


@dataclass(frozen=True, slots=True)
class Cell:
    """A value cell: its text as written, its kind, and its number for counts and other numbers."""

    text: str
    kind: CellKind
    value: float | None = None


_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "\u2013", "\u2014", "."})
_MARKERS = frozenset({"*", "**", "***", "c", "x", "s", "..", "...", "supp", "suppressed", "redacted", "[c]", "[x]",
                      "[z]", "[low]", "[redacted]", "[suppressed]", "<low", "low", "small"})
_LESS_THAN = re.compile(r"(?:<|<=|\u2264)\s*[0-9]+(?:\.[0-9]+)?")
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")


def parse_cell(text: str) -> Cell:
    """Classify one value cell. Integers (``12``, ``1,234``, ``12.0``) of at least 0 are counts; other finite
    numbers (``12.5``, ``1,5``), percentages and negative numbers are numbers."""
    stripped = text.strip()
    folded = stripped.lower()
    if folded in _MISSING:
        return Cell(text, CellKind.MISSING)
    if folded in _MARKERS or _LESS_THAN.fullmatch(folded):
        return Cell(text, CellKind.SUPPRESSED)
    percent = stripped.endswith("%")
    number = stripped[:-1].rstrip() if percent else stripped
    if _THOUSANDS.fullmatch(number):
        number = number.replace(",", "")
    elif _DECIMAL_COMMA.fullmatch(number):  # 1,5 (a decimal comma, as in semicolon-separated files)
        number = number.replace(",", ".")
    if not _PLAIN.fullmatch(number):
        return Cell(text, CellKind.TEXT)
    value = float(number)
    if not math.isfinite(value):
        return Cell(text, CellKind.TEXT)
    if not percent and value >= 0 and value.is_integer():
        return Cell(text, CellKind.COUNT, value)
    return Cell(text, CellKind.NUMBER, value)


def is_number(text: str) -> bool:
    """True for a count or another number."""
    return parse_cell(text).kind in (CellKind.COUNT, CellKind.NUMBER)


def is_value(text: str) -> bool:
    """True for a number or a symbolic suppression marker (``*``, ``..``, ``<10``). Lettered markers (``c``,
    ``x``) also name categories, so they do not decide a table's layout; they still count as suppressed in value
    cells."""
    cell = parse_cell(text)
    return cell.kind in (CellKind.COUNT, CellKind.NUMBER) or (
        cell.kind is CellKind.SUPPRESSED and not text.strip().isalpha())


_TOTAL = re.compile(r"(?:grand\s+)?(?:total|totals|all|overall|sum)(?:\s*\(.*\))?", re.IGNORECASE)
_TOTAL_INITIALS = frozenset("gGtTaAoOsS")


def is_total_label(label: str) -> bool:
    """True for the label of a totals row or column (``Total``, ``All``, ``Sum``, ``Grand total``...)."""
    text = label.strip()
    return text[:1] in _TOTAL_INITIALS and _TOTAL.fullmatch(text) is not None


_WORDS = re.compile(r"[a-z]+|%")
MAGNITUDE_WORDS = frozenset({"mean", "average", "avg", "median", "max", "maximum", "min", "minimum", "std", "sd",
                             "stdev", "variance", "income", "amount", "cost", "salary", "price", "percent",
                             "percentage", "pct", "proportion", "score", "%"})
IDENTIFIER_COLUMNS = frozenset({
    "id", "patient_id", "person_id", "subject_id", "participant_id", "nhs_number", "nhs_no", "nhsnumber", "chi",
    "chi_number", "dob", "date_of_birth", "birth_date", "name", "full_name", "first_name", "forename", "surname",
    "last_name", "address", "postcode", "post_code", "email", "e_mail", "phone", "telephone", "mobile", "ssn",
    "ni_number", "national_insurance_number",
})


COUNT_WORDS = frozenset({"count", "counts", "n", "freq", "frequency", "frequencies", "number", "numbers", "num",
                         "cases", "patients", "people", "persons", "individuals", "participants", "respondents",
                         "records", "births", "deaths", "admissions"})


def is_count_label(label: str) -> bool:
    """True when a header label says that the values below it are counts (``count``, ``n``, ``number of
    patients``...)."""
    return not COUNT_WORDS.isdisjoint(_WORDS.findall(label.lower()))


def is_magnitude_label(label: str) -> bool:
    """True when a header label names a magnitude statistic or variable (mean, income, %...)."""
    return not MAGNITUDE_WORDS.isdisjoint(_WORDS.findall(label.lower()))


def is_identifier_column(label: str) -> bool:
    """True when a column label names a record identifier (``patient_id``, ``dob``, ``postcode``...)."""
    return re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_") in IDENTIFIER_COLUMNS


MAX_LABEL = 80


def display_label(label: str, fallback: str) -> str:
    """A label fit for a report: shortened, and replaced by ``fallback`` when it holds an identifier or secret."""
    text = " ".join(label.split())
    if not text or contains_sensitive(text):
        return fallback
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "\u2026"


def is_data_row(cells: Sequence[str]) -> bool:
    """A row with a number after its first cell (or a single number on its own); header rows have none."""
    if len(cells) == 1:
        return is_number(cells[0])
    return any(is_number(cell) for cell in cells[1:])


def is_year_header(cells: Sequence[str]) -> bool:
    """A first row of increasing years after a label (``sex,2019,2020,2021``): a header, not counts."""
    years = [cell.strip() for cell in cells[1:]]
    if len(years) < 2 or not all(y.isdigit() and len(y) == 4 and 1800 <= int(y) <= 2100 for y in years):
        return False
    return all(int(a) < int(b) for a, b in itertools.pairwise(years)) and not is_value(cells[0])


def is_header_row(cells: Sequence[str], names: Sequence[str] = ()) -> bool:
    """A row of a table's header (read before the first data row): no number after its first cell, increasing
    years after a label (``year,2019,2020``), or a row of column-level values under one of the evidence's
    variable ``names`` (pandas writes ``sex,1,2,1,2`` above the cells of a crosstab by sex)."""
    if not is_data_row(cells) or is_year_header(cells):
        return True
    first = cells[0].strip().lower() if cells else ""
    return bool(first) and first in {name.strip().lower() for name in names}


def label_columns(first_data_row: Sequence[str]) -> int:
    """How many leading cells of the first data row are row labels: those before the first value (after the
    first cell, an empty cell or a missing marker such as R's ``NA`` counts as a missing value, not a label)."""
    for index, cell in enumerate(first_data_row):
        if is_value(cell) or (index > 0 and cell.strip().lower() in _MISSING_VALUES):
            return index
    return len(first_data_row)


_MISSING_VALUES = _MISSING - {"none"}  # "None" also names a category (no qualification)


class LabelSource(enum.Enum):
    """Where a table's row-label columns come from: a hint given with the evidence, the evidence's variable
    names, the header's row of index names (``region,year,,``), or the first data row alone (``data``)."""

    HINT = "hint"
    EVIDENCE = "evidence"
    HEADER = "header"
    DATA = "data"


@dataclass(frozen=True, slots=True)
class Layout:
    """How many leading columns of a table are row labels, and where that was learnt. Only a ``DATA`` layout is
    a guess: it takes integer-coded labels (``1`` for male) for values."""

    labels: int
    source: LabelSource

    @property
    def confirmed(self) -> bool:
        """True unless the label columns were guessed from the first data row."""
        return self.source is not LabelSource.DATA


def _named_labels(header: Sequence[Sequence[str]], names: Sequence[str]) -> int:
    """The most leading cells of a header row that spell the variable names in order (``region,year,A,B``)."""
    wanted = [name.strip().lower() for name in names]
    best = 0
    for row in header:
        count = 0
        while count < min(len(row), len(wanted)) and row[count].strip().lower() == wanted[count] and wanted[count]:
            count += 1
        best = max(best, count)
    return best


def _index_names(header: Sequence[Sequence[str]]) -> int:
    """The number of index names in the header's last row when it is a row of index names only (pandas writes
    ``region,year,,`` under multi-level columns): leading names, then nothing but empty cells."""
    if not header:
        return 0
    row = [cell.strip() for cell in header[-1]]
    named = next((index for index, cell in enumerate(row) if not cell), len(row))
    return named if 0 < named < len(row) and not any(row[named:]) else 0


def table_layout(header: Sequence[Sequence[str]], first: Sequence[str], names: Sequence[str] = (),
                 hint: int | None = None) -> Layout:
    """The label columns of a table from its header rows and first data row: ``hint`` if given, else as many as
    the leading header cells that spell ``names`` (the evidence's variables, e.g. ACRO's
    ``variable_types.independent``), else the header's row of index names, else :func:`label_columns`. At least
    one value column is always left."""
    width = len(first)
    for count, source in ((hint or 0, LabelSource.HINT), (_named_labels(header, names), LabelSource.EVIDENCE),
                          (_index_names(header), LabelSource.HEADER)):
        if 0 < count < width:
            return Layout(count, source)
    return Layout(label_columns(first), LabelSource.DATA)


def row_label(cells: Sequence[str], labels: int) -> str:
    """The label of a data row: its label cells joined with `` / ``."""
    return " / ".join(cell.strip() for cell in cells[:labels] if cell.strip())


def column_labels(header: Sequence[Sequence[str]], labels: int, width: int) -> list[str]:
    """The label of each value column: the header cells above it joined with `` / `` (``mean / income``)."""
    found = []
    for column in range(labels, labels + width):
        parts = [row[column].strip() for row in header if column < len(row) and row[column].strip()]
        found.append(" / ".join(parts))
    return found
