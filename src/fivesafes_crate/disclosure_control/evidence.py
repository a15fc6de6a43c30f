"""Per-cell evidence for magnitude tables: contributor counts, totals and largest contributions.

Dominance rules (N-K, p%) cannot be judged from a published magnitude table: they need, for each cell, the
number of contributors, the cell total and its largest contributions. ACRO's federated mode writes exactly that
as ``evidence.json`` plus one *interim table* per statistic (``count_table``, ``sum``, ``max``, ``top_2_sum``,
``top_n_sum``, ``num_negative``); :func:`load_evidence` reads that format. Its ``outputs`` keys are ACRO output
ids (``output_1``, matching the file ``output_1_0.csv``) or output file names, so the same format serves
hand-made per-output evidence tables. An entry's ``analysis_names`` (ACRO's statistic: ``Mean``, ``Median``,
``StandardDeviation``...) decide which rules apply to its output; its ``variable_types.independent`` name the
row-label columns (so that integer-coded labels and years are not read as values), and so does our own
``label_columns``; its ``dof`` is a model's residual degrees of freedom or, for standard deviations and survival
tables, the file name of a per-cell table of them. Evidence is disclosive by nature (``max`` is one person's
value): it is read to judge cells and never copied into a crate or a report.
"""

from __future__ import annotations

import csv
import heapq
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import CrateReadError, SuppliedFileError
from ..model.source import DEFAULT_LIMITS, DirectoryStorage, EntryKind, Limits
from ._files import read_file, read_limited
from .cells import CellKind, column_labels, is_header_row, parse_cell, row_label, table_layout

MAX_EVIDENCE_BYTES = 64 * 1024 * 1024
"""The most bytes read for one evidence file and all the tables it names, together."""


class EvidenceError(SuppliedFileError):
    """An evidence file or one of its tables cannot be read or does not have the expected shape."""


@dataclass(frozen=True, slots=True)
class CellEvidence:
    """What is known about the contributions to one cell.

    ``top_sums`` pairs ``n`` with the sum of the ``n`` largest contributions; ``negatives`` counts negative
    contributions (dominance rules assume none); ``dof`` is the cell's residual degrees of freedom (standard
    deviations); ``missing`` says that some contributions have missing values.
    """

    count: int | None = None
    total: float | None = None
    top_sums: tuple[tuple[int, float], ...] = ()
    negatives: int = 0
    dof: float | None = None
    missing: bool = False

    def top(self, n: int) -> float | None:
        """The sum of the ``n`` largest contributions (the total when there are at most ``n``), or None."""
        if self.count is not None and self.total is not None and self.count <= n:
            return self.total
        return next((total for size, total in self.top_sums if size == n), None)

    @classmethod
    def from_contributions(cls, values: Iterable[float], largest: int = 2) -> CellEvidence:
        """Summarise a stream of contributions, keeping only the ``largest`` biggest in memory."""
        heap: list[float] = []
        count, total, negatives = 0, 0.0, 0
        for value in values:
            count += 1
            total += value
            negatives += value < 0
            if len(heap) < largest:
                heapq.heappush(heap, value)
            elif value > heap[0]:
                heapq.heapreplace(heap, value)
        ordered = sorted(heap, reverse=True)
        sums = tuple((n, sum(ordered[:n])) for n in range(1, len(ordered) + 1))
        return cls(count=count, total=total, top_sums=sums, negatives=negatives)


@dataclass(frozen=True)
class OutputEvidence:
    """The evidence for the cells of one output, keyed by ``(row label, column label)``.

    ``analyses`` are ACRO's analysis names (empty for hand-made evidence); ``statistics`` the interim tables
    given (``count_table``, ``sum``, ``max``, ``top_2_sum``, ``top_n_sum``, ``num_negative``, ``missing``, and
    ``dof`` for a per-cell table of degrees of freedom); ``labels`` the names of the variables that label rows
    and columns, and ``label_columns`` an explicit number of row-label columns. ``problems`` says what of the
    evidence could not be used (each makes the output ``review``).
    """

    key: str
    cells: Mapping[tuple[str, str], CellEvidence]
    dof: int | None = None
    columns: tuple[str, ...] = field(default=())
    analyses: tuple[str, ...] = ()
    statistics: frozenset[str] = frozenset()
    labels: tuple[str, ...] = ()
    label_columns: int | None = None
    problems: tuple[str, ...] = ()

    def lookup(self, row: str, column: str) -> CellEvidence | None:
        """The evidence of a cell; a column matches exactly, by its last or first ``/`` part (``mean / income``
        matches ``income``), or as the only column of the evidence."""
        candidates = [column, *column.split(" / ")[::-1]]
        if len(self.columns) == 1:
            candidates.append(self.columns[0])
        for candidate in candidates:
            found = self.cells.get((row, candidate))
            if found is not None:
                return found
        return None

    def cell_dof(self, row: str, column: str) -> float | None:
        """The residual degrees of freedom of a cell, from the per-cell table, or None."""
        cell = self.lookup(row, column)
        return None if cell is None else cell.dof


@dataclass(frozen=True)
class Evidence:
    """Evidence for several outputs, read from one file (``source`` is its name)."""

    source: str
    outputs: Mapping[str, OutputEvidence]

    def for_output(self, name: str) -> OutputEvidence | None:
        """The evidence of an output file: by its name, base name, stem, or ACRO id (``output_1_0.csv`` ->
        ``output_1``)."""
        base = PurePosixPath(name)
        stem = base.name.split(".", 1)[0]
        for key in (name, base.name, stem, re.sub(r"_[0-9]+$", "", stem)):
            if key in self.outputs:
                return self.outputs[key]
        return None


_STATISTICS = ("count_table", "sum", "max", "top_2_sum", "top_n_sum", "num_negative", "missing")
_TRUTH = {"true": 1.0, "false": 0.0}


def load_evidence(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Evidence:
    """Read an ACRO-style ``evidence.json`` and the interim tables it names (from the same folder).

    ``top_n_sum`` is used when the folder's ACRO ``config.json`` says which ``n`` (``safe_nk_n``).
    Raises :class:`EvidenceError` when a file is missing, too large or malformed, or when a table gives one
    cell twice (its label columns were not recognised: give ``label_columns``).
    """
    file = Path(path)
    document = _json(read_file(file, MAX_EVIDENCE_BYTES, EvidenceError), file.name, limits)
    outputs = document.get("outputs") if isinstance(document, dict) else None
    if not isinstance(outputs, dict):
        raise EvidenceError("expected an object with an 'outputs' object (ACRO evidence.json)", path=file.name)
    storage = DirectoryStorage(file.parent, limits)
    top_n = _config_nk_n(storage, limits)
    budget = [MAX_EVIDENCE_BYTES]
    found: dict[str, OutputEvidence] = {}
    for key, entry in outputs.items():
        found[str(key)] = _entry(storage, file.name, str(key), entry, top_n, budget)
    return Evidence(source=file.name, outputs=found)


def _strings(entry: Mapping[str, Any], key: str, source: str, output: str) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise EvidenceError(f"'{key}' must be a list of strings", path=source, entity_id=output)
    return tuple(value)


def _entry(storage: DirectoryStorage, source: str, key: str, entry: Any, top_n: int | None,
           budget: list[int]) -> OutputEvidence:
    tables = entry.get("interim_tables") if isinstance(entry, dict) else None
    if not isinstance(entry, dict) or not isinstance(tables, dict) or not all(
            isinstance(v, str) for v in tables.values()):
        raise EvidenceError("'interim_tables' must map statistic names to file names", path=source, entity_id=key)
    dof = entry.get("dof")
    if dof is not None and (isinstance(dof, bool) or not isinstance(dof, int | str)):
        raise EvidenceError("'dof' must be an integer, the file name of a table of them, or null", path=source,
                            entity_id=key)
    variables = entry.get("variable_types", {})
    if not isinstance(variables, dict):
        raise EvidenceError("'variable_types' must be an object", path=source, entity_id=key)
    hint = entry.get("label_columns")
    if hint is not None and (isinstance(hint, bool) or not isinstance(hint, int) or hint < 1):
        raise EvidenceError("'label_columns' must be a positive integer", path=source, entity_id=key)
    labels = _strings(variables, "independent", source, key)
    named = {name: table for name, table in tables.items() if name in _STATISTICS}
    if isinstance(dof, str):
        named["dof"] = dof
    statistics = {name: _table(storage, table, budget, labels, hint) for name, table in named.items()}
    return _combine(key, statistics, dof if isinstance(dof, int) else None, top_n,
                    analyses=_strings(entry, "analysis_names", source, key), labels=labels, hint=hint)


def _json(data: bytes, name: str, limits: Limits) -> Any:
    from ..model.crate import parse_metadata  # deferred: start-up (screening alone should start fast)

    try:
        return parse_metadata(data, path=name, limits=limits)
    except CrateReadError as exc:
        raise EvidenceError(exc.message, path=name) from exc


def _read(storage: DirectoryStorage, name: str, limit: int) -> bytes:
    entry = storage.lookup(name)
    if entry is None or entry.kind is not EntryKind.FILE:
        raise EvidenceError("missing, or not a regular file", path=name)
    try:
        with storage.open(name) as stream:
            return read_limited(stream, limit, name, EvidenceError)
    except CrateReadError as exc:
        raise EvidenceError(exc.message, path=name) from exc


def _config_nk_n(storage: DirectoryStorage, limits: Limits) -> int | None:
    if storage.lookup("config.json") is None:
        return None
    config = _json(_read(storage, "config.json", 1024 * 1024), "config.json", limits)
    value = config.get("safe_nk_n") if isinstance(config, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _number(text: str) -> float | None:
    truth = _TRUTH.get(text.strip().lower())
    if truth is not None:
        return truth
    cell = parse_cell(text)
    return cell.value if cell.kind in (CellKind.COUNT, CellKind.NUMBER) else None


def _table(storage: DirectoryStorage, name: str, budget: list[int], labels: tuple[str, ...],
           hint: int | None) -> dict[tuple[str, str], float]:
    """An interim table as ``{(row label, column label): number}``; ``budget`` holds the bytes still allowed.
    Its label columns are found as an output's are (:func:`~.cells.table_layout`)."""
    data = _read(storage, name, budget[0])
    budget[0] -= len(data)
    text = data.decode("utf-8-sig", errors="replace")
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    except csv.Error as exc:
        raise EvidenceError(f"not a readable CSV table ({exc})", path=name) from exc
    first = next((i for i, row in enumerate(rows) if not is_header_row(row, labels) or any(
        cell.strip().lower() in _TRUTH for cell in row[1:])), None)
    if first is None:
        raise EvidenceError("holds no numbers", path=name)
    shape = [str(_TRUTH[cell.strip().lower()]) if cell.strip().lower() in _TRUTH else cell for cell in rows[first]]
    layout = table_layout(rows[:first], shape, labels, hint)
    width = max(len(row) for row in rows[first:]) - layout.labels
    columns = column_labels(rows[:first], layout.labels, width)
    values: dict[tuple[str, str], float] = {}
    for row in rows[first:]:
        key = row_label(row, layout.labels)
        for index, text_value in enumerate(row[layout.labels:]):
            value = _number(text_value)
            if value is None:
                continue
            cell = (key, columns[index])
            if cell in values:
                raise EvidenceError(f"gives the cell {' / '.join(part for part in cell if part)} twice: its "
                                    "row-label columns were not recognised (give label_columns, or ACRO's "
                                    "variable_types)", path=name)
            values[cell] = value
    return values


def _combine(key: str, statistics: Mapping[str, Mapping[tuple[str, str], float]], dof: int | None,
             top_n: int | None, *, analyses: tuple[str, ...], labels: tuple[str, ...],
             hint: int | None) -> OutputEvidence:
    cells: dict[tuple[str, str], CellEvidence] = {}
    keys = sorted({cell for table in statistics.values() for cell in table})
    fractional = 0
    for cell in keys:
        count = statistics.get("count_table", {}).get(cell)
        if count is not None and not count.is_integer():
            fractional += 1
            count = None
        sums: list[tuple[int, float]] = []
        for size, name in ((1, "max"), (2, "top_2_sum"), (top_n, "top_n_sum")):
            value = statistics.get(name, {}).get(cell)
            if size is not None and value is not None and all(size != known for known, _ in sums):
                sums.append((size, value))
        negatives = statistics.get("num_negative", {}).get(cell)
        cells[cell] = CellEvidence(count=None if count is None else int(count),
                                   total=statistics.get("sum", {}).get(cell), top_sums=tuple(sorted(sums)),
                                   negatives=0 if negatives is None else int(negatives),
                                   dof=statistics.get("dof", {}).get(cell),
                                   missing=bool(statistics.get("missing", {}).get(cell)))
    problems = []
    if fractional:
        problems.append(f"the count table holds {fractional} fractional count(s), so contributor counts are "
                        "unknown (ACRO writes a normalised crosstab's count table normalised too)")
    columns = tuple(sorted({column for _, column in keys}))
    return OutputEvidence(key=key, cells=cells, dof=dof, columns=columns, analyses=analyses,
                          statistics=frozenset(statistics), labels=labels, label_columns=hint,
                          problems=tuple(problems))
