"""Pool the completed nodes' tables into one output, and screen the pooled output on its own.

Nodes return partial aggregates; a table of counts is pooled by summation. For every CSV output of the
completed nodes' runs, the tables of the same file name are pooled: the columns whose every value is an integer
are summed, the others are the key of a row (rows first seen first). The pooled table is written as
``pooled/<name>`` of the summary crate, the result of an aggregation ``Action`` whose ``object`` is the node
tables, and it gets its own screening, recorded as ``Review``\\ s of the pooled file (``review``):

* the disclosure rules of the policy (:func:`~fivesafes_crate.disclosure_control.screen_output`), and
* a **differencing check**: a node's cell that differs from the pooled total by less than the policy's
  threshold (``0 < total - cell < threshold``) lets whoever has that node's table and the pool recover the
  small count of the other nodes. It fails for every such cell; a pooled table with no such cell passes.

A node whose outputs were withheld or that never returned is not pooled. The summary's metadata is replaced
atomically; the pooled files are written before it, and removed if anything fails.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..disclosure_control import DisclosurePolicy
from ..disclosure_control.screener import screen_output
from ..errors import CrateStateError, UsageError
from ..issues import ScreeningOutcome
from ..model.crate import Crate, CrateEditor, load_crate, save_crate
from ..model.entities import Entity, local_path, ref_ids
from ..model.lifecycle import main_action
from ..model.reviews import SCREENING_TERMS, TERMS
from ..model.safe_files import hash_file, open_regular, write_new
from ..model.source import DEFAULT_LIMITS, Limits, open_source
from ..phases.lifecycle import Agent, Clock, ensure_agent, system_clock, timestamp
from ..phases.reviews import term_entity
from .gather import NODES_DIR, NodeOutcome
from .nodes import NODE_ID

POOLED_DIR = "pooled"
MAX_TABLE_BYTES = 50_000_000


@dataclass(frozen=True)
class DifferencingFinding:
    """One node cell too close to the pooled total: the node, the row key and column (labels, never values)."""

    node: str
    row: str
    column: str


@dataclass(frozen=True)
class PooledOutput:
    """One pooled table: its crate-relative name, the node tables pooled, and its two screenings."""

    name: str
    nodes: tuple[str, ...]
    screening: ScreeningOutcome
    differencing: tuple[DifferencingFinding, ...]

    @property
    def outcome(self) -> ScreeningOutcome:
        """The worse of the rules' outcome and the differencing check's (fail with any finding)."""
        return max(self.screening, ScreeningOutcome.FAIL if self.differencing else ScreeningOutcome.PASS)


@dataclass(frozen=True)
class Table:
    """A CSV table as read: its header and its rows of cells (text)."""

    header: list[str]
    rows: list[list[str]]


def _read_table(path: Path) -> Table:
    with open_regular(path) as stream:
        data = stream.read(MAX_TABLE_BYTES + 1)
    if len(data) > MAX_TABLE_BYTES:
        raise UsageError(f"larger than {MAX_TABLE_BYTES} bytes: not pooled", path=str(path))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    if not rows:
        raise UsageError("an empty table cannot be pooled", path=str(path))
    return Table(rows[0], [row for row in rows[1:] if row])


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


NodeRows = dict[str, dict[tuple[str, ...], list[int]]]
"""Each node's summed values by row key."""


def pool_tables(tables: Sequence[tuple[str, Table]]) -> tuple[Table, list[int], NodeRows]:
    """The pooled table, the summed columns and each node's rows by key (to compare with the pool)."""
    header = tables[0][1].header
    for node, table in tables:
        if table.header != header:
            raise UsageError(f"the table of {node} has other columns ({', '.join(table.header)}) than "
                             f"{tables[0][0]}'s ({', '.join(header)})")
    summed = [i for i in range(len(header)) if all(
        len(row) == len(header) and _is_int(row[i]) for _, table in tables for row in table.rows)]
    keys = [i for i in range(len(header)) if i not in summed]
    totals: dict[tuple[str, ...], list[int]] = {}
    by_node: NodeRows = {}
    for node, table in tables:
        mine = by_node.setdefault(node, {})
        for row in table.rows:
            if len(row) != len(header):
                raise UsageError(f"a row of the table of {node} has {len(row)} cells, not {len(header)}")
            key = tuple(row[i] for i in keys)
            values = [int(row[i]) for i in summed]
            total = totals.setdefault(key, [0] * len(summed))
            own = mine.setdefault(key, [0] * len(summed))
            for index, value in enumerate(values):
                total[index] += value
                own[index] += value
    rows = []
    for key, values in totals.items():
        row = [""] * len(header)
        for i, label in zip(keys, key, strict=True):
            row[i] = label
        for i, number in zip(summed, values, strict=True):
            row[i] = str(number)
        rows.append(row)
    return Table(header, rows), summed, by_node


def differencing(pooled: Table, summed: Sequence[int], by_node: NodeRows, threshold: int) -> list[DifferencingFinding]:
    """Every node cell whose difference from the pooled total is in ``[1, threshold)``."""
    keys = [i for i in range(len(pooled.header)) if i not in summed]
    found = []
    for row in pooled.rows:
        key = tuple(row[i] for i in keys)
        for node, rows in by_node.items():
            own = rows.get(key, [0] * len(summed))
            for index, column in enumerate(summed):
                if 0 < int(row[column]) - own[index] < threshold:
                    found.append(DifferencingFinding(node, " / ".join(key), pooled.header[column]))
    return found


def _render(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.header)
    writer.writerows(table.rows)
    return out.getvalue().encode("utf-8")


def _node_tables(summary: Crate, folder: Path, limits: Limits) -> dict[str, list[tuple[str, str]]]:
    """``{file name: [(node id, summary-relative path)]}`` of the CSV results of every completed node."""
    found: dict[str, list[tuple[str, str]]] = {}
    root = summary.root or {}
    for action_id in ref_ids(root.get("mentions")):
        action = summary.get(action_id)
        if action is None or NodeOutcome.COMPLETED.term not in ref_ids(action.get("additionalType")):
            continue
        node = action_id.removeprefix("#node-")
        crate_dir = f"{NODES_DIR}/{node}/data/"
        if not NODE_ID.match(node) or crate_dir not in ref_ids(action.get("result")):
            continue  # only the nested crates gather wrote, never a path the metadata makes up
        with open_source(folder / crate_dir, limits) as source:
            node_crate = load_crate(source)
            run = main_action(node_crate)
            for output in ref_ids(run.get("result")) if run else []:
                path = local_path(output)
                if path and path.lower().endswith(".csv") and (folder / crate_dir / path).is_file():
                    found.setdefault(Path(path).name, []).append((node, f"{crate_dir}{path}"))
    return found


def pool(
    summary: str | os.PathLike[str],
    *,
    agent: Agent,
    policy: DisclosurePolicy,
    clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[PooledOutput]:
    """Pool the completed nodes' tables of a summary crate folder, screen each pooled table, record it all.

    Raises :class:`~fivesafes_crate.errors.CrateStateError` when the summary has nothing to pool or was pooled
    already, and :class:`~fivesafes_crate.errors.UsageError` for tables that cannot be pooled together.
    """
    folder = Path(summary)
    with open_source(folder, limits) as source:
        crate = load_crate(source)
    if (folder / POOLED_DIR).exists():
        raise CrateStateError("was pooled already", path=str(folder), entity_id=f"{POOLED_DIR}/")
    groups = _node_tables(crate, folder, limits)
    if not groups:
        raise CrateStateError("no completed node returned a CSV table to pool", path=str(folder))
    now = timestamp((clock or system_clock)())
    editor = crate.edit()
    ensure_agent(editor, agent)
    results: list[PooledOutput] = []
    (folder / POOLED_DIR).mkdir()
    try:
        for name, sources in sorted(groups.items()):
            tables = [(node, _read_table(folder / path)) for node, path in sources]
            pooled, summed, by_node = pool_tables(tables)
            target = f"{POOLED_DIR}/{name}"
            write_new(folder / target, _render(pooled))
            screened = screen_output(folder / target, target, policy, limits=limits)
            findings = differencing(pooled, summed, by_node, policy.threshold)
            result = PooledOutput(target, tuple(node for node, _ in sources), screened.outcome, tuple(findings))
            _record(editor, result, sources, agent, now, folder)
            results.append(result)
        save_crate(crate, folder)
    except BaseException:
        for path in sorted((folder / POOLED_DIR).glob("*")):
            path.unlink()
        (folder / POOLED_DIR).rmdir()
        raise
    return results


def _record(editor: CrateEditor, result: PooledOutput, sources: Sequence[tuple[str, str]], agent: Agent, now: str,
            folder: Path) -> None:
    crate = editor.crate
    root_id = crate.root_id or "./"
    action_id = f"#pool-{Path(result.name).stem}"
    for node, path in sources:
        if path not in crate:
            editor.add({"@id": path, "@type": "File", "name": f"{Path(path).name} of {node}",
                        "encodingFormat": "text/csv"})
            editor.link(f"{NODES_DIR}/{node}/data/", "hasPart", path)
    stem = Path(result.name).stem
    screening_id, differencing_id = f"#pool-screening-{stem}", f"#pool-differencing-{stem}"
    flagged = [f"{f.node}: {f.row} / {f.column}" for f in result.differencing]
    difference_outcome = ScreeningOutcome.FAIL if flagged else ScreeningOutcome.PASS
    reviews: list[Entity] = [
        {"@id": screening_id, "@type": "Review", "additionalType": {"@id": SCREENING_TERMS[result.screening]},
         "name": f"Screening of the pooled output: {result.screening.name.lower()}",
         "itemReviewed": {"@id": result.name}, "author": {"@id": agent.id}, "dateCreated": now},
        {"@id": differencing_id, "@type": "Review", "additionalType": {"@id": SCREENING_TERMS[difference_outcome]},
         "name": f"Differencing check between the node tables and the pooled total: {difference_outcome.name.lower()}",
         "reviewBody": ("Node cells within the threshold of the pooled total: " + "; ".join(flagged)) if flagged
         else "No node cell differs from the pooled total by less than the threshold",
         "itemReviewed": {"@id": result.name}, "author": {"@id": agent.id}, "dateCreated": now},
    ]
    editor.add({"@id": result.name, "@type": "File", "name": f"Pooled {Path(result.name).name}",
                "encodingFormat": "text/csv", "sha256": hash_file(folder / result.name),
                "contentSize": str((folder / result.name).stat().st_size),
                "review": [{"@id": screening_id}, {"@id": differencing_id}]})
    for review in reviews:
        editor.add(review)
    for outcome in sorted({result.screening, difference_outcome}):
        if SCREENING_TERMS[outcome] not in crate:
            editor.add(term_entity(SCREENING_TERMS[outcome]))
    editor.add({"@id": action_id, "@type": "Action", "additionalType": {"@id": TERMS + "Pooling"},
                "name": f"Pooled by summation: {Path(result.name).name}",
                "actionStatus": "http://schema.org/CompletedActionStatus", "agent": {"@id": agent.id},
                "object": [{"@id": path} for _, path in sources], "result": {"@id": result.name},
                "endTime": now})
    if TERMS + "Pooling" not in crate:
        editor.add({"@id": TERMS + "Pooling", "@type": "DefinedTerm", "name": "Pooling",
                    "description": "Node tables pooled by summation into one output of the federated analysis"})
    editor.link(root_id, "hasPart", result.name)
    editor.link(root_id, "mentions", action_id)
