"""The screening report as JSON (a contract: ``report.schema.json`` beside this module) and as text.

Both are safe to release with the outputs: they hold output names, hashes, rule ids, outcomes, counts, labels
and messages, and never a cell value, a contribution or a matched identifier (those never reach a
:class:`~.outcomes.RuleFinding` in the first place). Keys are spelled here and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .outcomes import OutputScreening, RuleFinding, ScreeningOutcome, ScreeningReport

FORMAT = "fivesafes-sdc-report/1"
"""The ``format`` value of the JSON report; it changes only when a key is renamed or removed."""

Style = Callable[[str, str], str]
"""``style(text, role)`` decorates text for a role: an outcome label (``fail``, ``review``, ``pass``,
``not-checked``), ``output``, ``rule``, ``muted`` or ``text`` (messages and labels). Every piece of the report
passes through it, so a hook can also escape markup. The default returns the text unchanged."""


def _plain(text: str, role: str) -> str:
    return text


def finding_json(finding: RuleFinding) -> dict[str, Any]:
    """One rule's finding as a JSON object."""
    return {
        "rule": finding.rule,
        "outcome": finding.outcome.label,
        "message": finding.message,
        "flagged": finding.flagged,
        "checked": finding.checked,
        "locations": list(finding.locations),
    }


def output_json(output: OutputScreening) -> dict[str, Any]:
    """One output's screening as a JSON object (archive members nested in ``parts``)."""
    return {
        "name": output.name,
        "kind": output.kind.value,
        "outcome": output.outcome.label,
        "sha256": output.sha256,
        "size": output.size,
        "findings": [finding_json(finding) for finding in output.findings],
        "parts": [output_json(part) for part in output.parts],
    }


def report_json(report: ScreeningReport) -> dict[str, Any]:
    """The whole screening as the JSON object that ``report.schema.json`` describes."""
    policy = report.policy
    return {
        "format": FORMAT,
        "outcome": report.outcome.label,
        "policy": {"id": policy.id, "name": policy.name, "source": policy.source, "sha256": policy.digest},
        "evidence": report.evidence,
        "counts": {outcome.label: count for outcome, count in report.counts().items()},
        "outputs": [output_json(output) for output in report.outputs],
    }


def render_json(report: ScreeningReport) -> str:
    """The JSON report as one indented document."""
    return json.dumps(report_json(report), indent=2, ensure_ascii=False)


_WIDTH = max(len(outcome.label) for outcome in ScreeningOutcome)


def _where(finding: RuleFinding) -> str:
    if not finding.locations:
        return ""
    more = finding.flagged - len(finding.locations)
    return ": " + ", ".join(finding.locations) + (f" and {more} more" if more > 0 else "")


def _output_lines(output: OutputScreening, style: Style, indent: str) -> list[str]:
    outcome = output.outcome.label
    what = f"{output.kind.value}, {output.size} bytes"
    lines = [f"{indent}{style(outcome.upper().ljust(_WIDTH), outcome)} {style(output.name, 'output')} "
             f"{style(f'({what})', 'muted')}"]
    rule_width = max((len(f.rule) for f in output.findings), default=0)
    for finding in output.findings:
        label = finding.outcome.label
        lines.append(f"{indent}  {style(label.ljust(_WIDTH), label)} {style(finding.rule.ljust(rule_width), 'rule')} "
                     f"{style(finding.message + _where(finding), 'text')}")
    if output.sha256:
        lines.append(f"{indent}  {style('sha256 ' + output.sha256, 'muted')}")
    for part in output.parts:
        lines.extend(_output_lines(part, style, indent + "    "))
    return lines


def render_text(report: ScreeningReport, style: Style = _plain) -> str:
    """The report for people: each output with its rules, then the policy and a one-line verdict."""
    lines: list[str] = []
    for output in report.outputs:
        lines.extend(_output_lines(output, style, ""))
        lines.append("")
    if not report.outputs:
        lines.extend([style("no outputs found", "text"), ""])
    policy = report.policy
    lines.append(style(f"policy {policy.id} ({policy.name}, sha256 {policy.digest[:12]}); evidence: "
                       f"{report.evidence or 'none'}", "muted"))
    counts = ", ".join(f"{count} {outcome.label}" for outcome, count in report.counts().items())
    outcome = report.outcome.label
    noun = "output" if len(report.outputs) == 1 else "outputs"
    lines.append(style(f"{outcome.upper()} — {len(report.outputs)} {noun}: {counts}", outcome))
    return "\n".join(lines)
