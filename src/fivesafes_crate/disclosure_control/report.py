"""The screening report as text, and as JSON (a contract: ``report.schema.json`` beside this module; its keys are
spelled here and nowhere else, since a step also writes the document into the crate as
``disclosure/sdc-report.json``).

Both are safe to release with the outputs: they hold output names, hashes, rule ids, outcomes, counts, labels
and messages, and never a cell value, a contribution or a matched identifier (those never reach a
:class:`~.outcomes.RuleFinding` in the first place). The text shows control characters in output names, labels
and the policy's words as escapes (:func:`~fivesafes_crate.untrusted.printable`), so it cannot drive a
terminal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..issues import ScreeningOutcome
from ..untrusted import printable
from .outcomes import OutputScreening, RuleFinding, ScreeningReport

Style = Callable[[str, str], str]
"""``style(text, role)`` decorates text for a role: an outcome label (``fail``, ``review``, ``pass``,
``not-checked``), ``output``, ``rule``, ``muted`` or ``text`` (messages and labels). Every piece of the report
passes through it (already printable), so a hook can also escape markup. The default returns the text unchanged."""


def _plain(text: str, role: str) -> str:
    return text


SCREENING_FORMAT = "fivesafes-sdc-report/1"
"""The ``format`` value of the JSON report; it changes only when a key is renamed or removed."""


def screening_finding_to_json(finding: RuleFinding) -> dict[str, Any]:
    """One rule's finding as a JSON object."""
    return {
        "rule": finding.rule,
        "outcome": finding.outcome.label,
        "message": finding.message,
        "flagged": finding.flagged,
        "checked": finding.checked,
        "locations": list(finding.locations),
    }


def screening_output_to_json(output: OutputScreening) -> dict[str, Any]:
    """One output's screening as a JSON object (archive members nested in ``parts``)."""
    return {
        "name": output.name,
        "kind": output.kind.value,
        "outcome": output.outcome.label,
        "sha256": output.sha256,
        "size": output.size,
        "findings": [screening_finding_to_json(finding) for finding in output.findings],
        "parts": [screening_output_to_json(part) for part in output.parts],
    }


def screening_to_json(report: ScreeningReport) -> dict[str, Any]:
    """A disclosure-control screening (``fivesafes disclosure check --format json``, and ``disclosure/sdc-report.json``
    in a crate) as the object ``disclosure_control/report.schema.json`` describes: never a cell value."""
    policy = report.policy
    return {
        "format": SCREENING_FORMAT,
        "outcome": report.outcome.label,
        "policy": {"id": policy.id, "name": policy.name, "source": policy.source, "sha256": policy.digest},
        "evidence": report.evidence,
        "counts": {outcome.label: count for outcome, count in report.counts().items()},
        "outputs": [screening_output_to_json(output) for output in report.outputs],
    }


def render_json(report: ScreeningReport) -> str:
    """The JSON report (:func:`screening_to_json`) as one indented document."""
    return json.dumps(screening_to_json(report), indent=2, ensure_ascii=False)


_WIDTH = max(len(outcome.label) for outcome in ScreeningOutcome)


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One line of an output's table in the report for people: the rule's outcome (``fail``...), its id, where
    it flagged (the labels of the flagged cells, ``and N more``; empty when it flagged none) and its message.
    Every field is printable: control characters are shown as escapes."""

    outcome: str
    rule: str
    where: str
    message: str


def finding_rows(output: OutputScreening) -> list[FindingRow]:
    """The findings of one output as table rows, worst outcome first (in the order found within an outcome)."""
    ordered = sorted(output.findings, key=lambda finding: -finding.outcome)
    return [FindingRow(finding.outcome.label, finding.rule, printable(_where(finding)), printable(finding.message))
            for finding in ordered]


def output_heading(output: OutputScreening) -> str:
    """An output's name, kind and size (printable)."""
    return f"{printable(output.name)} ({output.kind.value}, {output.size} bytes)"


def report_footer(report: ScreeningReport) -> tuple[str, str]:
    """The policy line and the one-line verdict that end the report (printable)."""
    policy = report.policy
    used = printable(f"policy {policy.id} ({policy.name}, sha256 {policy.digest[:12]}); evidence: "
                     f"{report.evidence or 'none'}")
    counts = ", ".join(f"{count} {outcome.label}" for outcome, count in report.counts().items())
    noun = "output" if len(report.outputs) == 1 else "outputs"
    if not report.outputs:  # nothing to screen is not a pass
        return used, f"{report.outcome.label.upper()} — 0 outputs: nothing to screen, so nothing passed"
    return used, f"{report.outcome.label.upper()} — {len(report.outputs)} {noun}: {counts}"


def _where(finding: RuleFinding) -> str:
    if not finding.locations:
        return ""
    more = finding.flagged - len(finding.locations)
    return ", ".join(finding.locations) + (f" and {more} more" if more > 0 else "")


def _output_lines(output: OutputScreening, style: Style, indent: str) -> list[str]:
    outcome = output.outcome.label
    lines = [f"{indent}{style(outcome.upper().ljust(_WIDTH), outcome)} {style(printable(output.name), 'output')} "
             f"{style(f'({output.kind.value}, {output.size} bytes)', 'muted')}"]
    rows = finding_rows(output)
    rule_width = max((len(row.rule) for row in rows), default=0)
    for row in rows:
        where = f": {row.where}" if row.where else ""
        lines.append(f"{indent}  {style(row.outcome.ljust(_WIDTH), row.outcome)} "
                     f"{style(row.rule.ljust(rule_width), 'rule')} {style(row.message + where, 'text')}")
    if output.sha256:
        lines.append(f"{indent}  {style('sha256 ' + output.sha256, 'muted')}")
    for part in output.parts:
        lines.extend(_output_lines(part, style, indent + "    "))
    return lines


def render_text(report: ScreeningReport, style: Style = _plain) -> str:
    """The report for people: each output with its rules (worst first), then the policy and a one-line verdict."""
    lines: list[str] = []
    for output in report.outputs:
        lines.extend(_output_lines(output, style, ""))
        lines.append("")
    if not report.outputs:
        lines.extend([style("no outputs found", "text"), ""])
    used, verdict = report_footer(report)
    lines.append(style(used, "muted"))
    lines.append(style(verdict, report.outcome.label))
    return "\n".join(lines)
