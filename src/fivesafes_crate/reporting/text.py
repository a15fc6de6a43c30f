"""The human-readable report: issues grouped by severity and entity, ending with a one-line verdict.

Plain text by default; the CLI passes a ``style`` hook to colour parts (this module never imports rich).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from ..issues import Issue, Report, Severity

Style = Callable[[str, str], str]
"""``style(text, role)`` returns ``text`` decorated for a role: ``must``, ``should``, ``may``, ``entity``,
``check``, ``valid``, ``invalid`` or ``muted``. The default returns the text unchanged."""

_HEADINGS = {Severity.MUST: "MUST", Severity.SHOULD: "SHOULD", Severity.MAY: "MAY"}


def _plain(text: str, role: str) -> str:
    return text


def group_issues(issues: tuple[Issue, ...]) -> list[tuple[Severity, list[tuple[str, list[Issue]]]]]:
    """Issues grouped by severity (most severe first), then by entity (``(crate)`` when none)."""
    grouped: list[tuple[Severity, list[tuple[str, list[Issue]]]]] = []
    for severity, by_severity in groupby(issues, key=lambda issue: issue.severity):
        entities: dict[str, list[Issue]] = {}
        for issue in by_severity:
            entities.setdefault(issue.focus or issue.file or "(crate)", []).append(issue)
        grouped.append((severity, sorted(entities.items())))
    return grouped


def verdict(report: Report) -> str:
    """One line: valid or not, at which threshold, for which profile and phase, with counts."""
    counts = {level: sum(1 for issue in report.issues if issue.severity is level) for level in Severity}
    summary = ", ".join(f"{counts[level]} {level.label}" for level in sorted(Severity, reverse=True))
    state = "VALID" if report.valid else "INVALID"
    return (
        f"{state} at severity {report.threshold.label} — profile {report.profile}, phase {report.phase.value} "
        f"({summary})"
    )


def render_text(report: Report, style: Style = _plain) -> str:
    """The report as text: a section per severity, entities with their issues, then the verdict line."""
    lines: list[str] = []
    for severity, entities in group_issues(report.at_threshold()):
        role = severity.label
        lines.append(style(f"{_HEADINGS[severity]} ({sum(len(items) for _, items in entities)})", role))
        for entity, items in entities:
            lines.append("  " + style(entity, "entity"))
            for issue in items:
                where = " ".join(
                    part for part in (f"[{issue.path}]" if issue.path else "", issue.file if issue.file
                                      and issue.file != entity else "") if part
                )
                suffix = f" {style(where, 'muted')}" if where else ""
                lines.append(f"    {style(issue.check, 'check')}: {issue.message}{suffix}")
        lines.append("")
    lines.append(style(verdict(report), "valid" if report.valid else "invalid"))
    return "\n".join(lines)
