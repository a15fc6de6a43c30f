"""The differential comparison with ACRO: its verdicts against our screening, with its evidence and without.

:func:`compare` reads what :mod:`acro_sessions` wrote (``OUT/<session>/standalone``, ``federated``,
``cells.json``), screens every released ACRO output file with the session's own ``config.json`` as the policy,
once with the session's federated ``evidence.json`` and once with the file alone, and pairs each outcome with
ACRO's, table by table and cell by cell. Run it as a script to print the figures::

    python tests/differential/oracle.py OUT        # OUT written by acro_sessions.py
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fivesafes_crate.disclosure_control import (
    DisclosurePolicy,
    Evidence,
    OutputScreening,
    load_disclosure_policy,
    load_evidence,
    read_acro_results,
    screen_output,
)
from fivesafes_crate.issues import ScreeningOutcome

PASS, REVIEW, FAIL = ScreeningOutcome.PASS, ScreeningOutcome.REVIEW, ScreeningOutcome.FAIL
_FLAGS = re.compile(r"MinimumThresholdCheck|NKCheck|PPercentCheck|PresenceOfZeroCheck|MinimumDoFCheck"
                    r"|AllSameValuesCheck|MissingCheck|negative|missing")


@dataclass(frozen=True)
class Table:
    """One ACRO output file: ACRO's status and our outcome with the evidence and with the file alone."""

    session: str
    uid: str
    file: str
    acro: ScreeningOutcome
    with_evidence: ScreeningOutcome
    alone: ScreeningOutcome
    screening: OutputScreening

    @property
    def name(self) -> str:
        """``session/file``."""
        return f"{self.session}/{self.file}"


@dataclass(frozen=True)
class Cell:
    """One cell of an ACRO table: ACRO's verdict and ours (with the evidence), by label."""

    session: str
    file: str
    label: str
    acro: ScreeningOutcome
    ours: ScreeningOutcome


def _cell_outcomes(screening: OutputScreening) -> dict[str, ScreeningOutcome]:
    """The worst outcome of the findings that flag each cell label (a finding's labels must be complete)."""
    found: dict[str, ScreeningOutcome] = {}
    for finding in screening.findings:
        if finding.outcome < REVIEW or not finding.locations:
            continue
        assert finding.flagged <= len(finding.locations), f"{screening.name}: {finding.rule} labels truncated"
        for location in finding.locations:
            found[location] = max(found.get(location, PASS), finding.outcome)
    return found


def _acro_cell(flags: str, checks: dict[str, str], dof: int | None, policy: DisclosurePolicy) -> ScreeningOutcome:
    """ACRO's verdict on one cell from the checks its outcome names. ACRO's cell outcome for MinimumDoFCheck is
    the dof table cast to booleans (every cell whose dof is not 0); its verdict compares the dof with the
    threshold, and so does this, for every cell of a table that ran the check."""
    worst = FAIL if "MinimumDoFCheck" in checks and dof is not None and dof < policy.dof_threshold else PASS
    for flag in set(_FLAGS.findall(flags)) - {"MinimumDoFCheck"}:
        worst = max(worst, REVIEW if flag in ("negative", "missing") or checks.get(flag) == "review" else FAIL)
    return worst


def sessions(out: Path) -> Iterator[Path]:
    """The session folders below ``out``, in name order."""
    return iter(sorted(path for path in out.iterdir() if (path / "standalone").is_dir()))


def compare(out: Path) -> tuple[list[Table], list[Cell]]:
    """Every released ACRO output file and every table cell, with ACRO's verdicts and ours."""
    tables: list[Table] = []
    cells: list[Cell] = []
    for folder in sessions(out):
        standalone = folder / "standalone"
        results = read_acro_results(standalone, timezone="UTC")
        policy = load_disclosure_policy(standalone / "config.json")
        evidence: Evidence = load_evidence(folder / "federated" / "evidence.json")
        acro_cells = json.loads((folder / "cells.json").read_text(encoding="utf-8"))
        for output in results.outputs:
            if not output.release:
                continue
            for file in output.files:
                path = standalone / file.name
                screened = screen_output(path, policy=policy, evidence=evidence)
                alone = screen_output(path, policy=policy)
                tables.append(Table(folder.name, output.uid, file.name, output.status, screened.outcome,
                                    alone.outcome, screened))
                table = acro_cells.get(output.uid)
                if table is None:
                    continue
                ours = _cell_outcomes(screened)
                given = evidence.for_output(file.name)
                for row, column, flags in table["cells"]:
                    label = f"{row} / {column}"
                    dof = given.cell_dof(row, column) if given is not None else None
                    cells.append(Cell(folder.name, file.name, label, _acro_cell(flags, table["checks"], dof, policy),
                                      ours.get(label, PASS)))
    return tables, cells


def figures(tables: list[Table], cells: list[Cell]) -> str:
    """The figures the closing note quotes: agreement, confusion counts and every disagreement."""
    def share(count: int) -> str:
        return f"{count}/{len(tables)} ({100 * count / len(tables):.1f}%)"

    agree = sum(t.acro is t.with_evidence for t in tables)
    agree_alone = sum(t.acro is t.alone for t in tables)
    csv = [t for t in tables if t.file.endswith(".csv")]
    lines = [f"outputs: {len(tables)}; agreement with evidence {share(agree)}, without {share(agree_alone)}; "
             f"CSV tables only: {sum(t.acro is t.with_evidence for t in csv)}/{len(csv)} with evidence"]
    picks = (("with evidence", lambda t: t.with_evidence), ("file alone", lambda t: t.alone))
    for title, pick in picks:
        counts = Counter((t.acro.label, pick(t).label) for t in tables)
        lines.append(f"outputs, {title} (ACRO -> ours): "
                     + ", ".join(f"{a}->{o} {n}" for (a, o), n in sorted(counts.items())))
    counts = Counter((c.acro.label, c.ours.label) for c in cells)
    lines.append(f"cells: {len(cells)} (ACRO -> ours): " + ", ".join(f"{a}->{o} {n}" for (a, o), n in
                                                                    sorted(counts.items())))
    lines.append("disagreements with evidence:")
    for table in tables:
        if table.acro is not table.with_evidence:
            reasons = "; ".join(f"{f.rule} {f.outcome.label}" for f in table.screening.findings
                                if f.outcome >= REVIEW)
            lines.append(f"  {table.name} ({table.uid}): ACRO {table.acro.label}, ours {table.with_evidence.label}"
                         f" [{reasons}]")
    return "\n".join(lines)


if __name__ == "__main__":
    print(figures(*compare(Path(sys.argv[1]))))
