"""The human-readable report: issues grouped by severity and entity, ending with a one-line verdict.

Plain text by default; the CLI passes a ``style`` hook to colour parts (this module never imports rich). Every
piece a crate supplies (``@id``, message, property, file name) goes through :func:`printable` first, so a report
shows control characters instead of obeying them.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from ..issues import Issue, Report, Severity
from ..model.source import METADATA_FILE
from ..untrusted import printable

Style = Callable[[str, str], str]
"""``style(text, role)`` returns ``text`` decorated for a role: ``must``, ``should``, ``may``, ``entity``,
``check``, ``message``, ``valid``, ``invalid`` or ``muted``. Every piece of the report passes through it (already
:func:`printable`), so a hook can also escape markup. The default returns the text unchanged."""

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


def _declared(report: Report) -> str:
    """What the root declares, when it is not just the profile validated against (``--profile`` asked for
    another, or the root declares none or several): `` (the root declares ...)``, else empty."""
    if report.declared == (report.profile,):
        return ""
    if not report.declared:
        return " (the root declares no 5s-crate profile)"
    return f" (the root declares {', '.join(printable(iri) for iri in report.declared)})"


def verdict(report: Report) -> str:
    """One line: valid or not, at which threshold, for which profile and stage, with counts (printable).

    The profile is followed by what the root declares when that differs from it (:attr:`Report.declared`). A
    report about metadata that could not be read says so: no profile, stage unknown.
    """
    counts = {level: sum(1 for issue in report.issues if issue.severity is level) for level in Severity}
    summary = ", ".join(f"{counts[level]} {level.label}" for level in sorted(Severity, reverse=True))
    state = "VALID" if report.valid else "INVALID"
    profile = f"profile {printable(report.profile)}{_declared(report)}" if report.profile is not None else \
        "no profile (the metadata could not be read)"
    return f"{state} at severity {report.threshold.label} — {profile}, stage {report.stage_label} ({summary})"


def location(report: Report, issue: Issue) -> str | None:
    """``file:line:column`` of an issue that has a line, as compilers write it; None for the others.

    The metadata file is named as the user knows it (:attr:`Report.metadata_file`: ``notcrate.json``, not the
    ``ro-crate-metadata.json`` it stands for).
    """
    if issue.line is None or issue.file is None:
        return None
    file = report.metadata_file if issue.file == METADATA_FILE and report.metadata_file else issue.file
    return ":".join(str(part) for part in (file, issue.line, issue.column) if part is not None)


def render_text(report: Report, style: Style = _plain) -> str:
    """The report as text: a section per severity, entities with their issues, then the verdict line.

    An issue with a line is shown as compilers show one, ``file:line:column: check: message``. What the crate
    supplies (entity, message, property, file) is :func:`printable`, so each issue is one line.
    """
    lines: list[str] = []
    for severity, entities in group_issues(report.at_threshold()):
        role = severity.label
        lines.append(style(f"{_HEADINGS[severity]} ({sum(len(items) for _, items in entities)})", role))
        for entity, all_items in entities:
            items = [issue for issue in all_items if location(report, issue) is None]
            for issue in all_items:
                where = location(report, issue)
                if where is not None:
                    lines.append(f"  {style(printable(where), 'entity')}: {style(issue.check, 'check')}: "
                                 f"{style(printable(issue.message), 'message')}")
            if not items:
                continue
            lines.append("  " + style(printable(entity), "entity"))
            for issue in items:
                where = " ".join(
                    printable(part) for part in (f"[{issue.path}]" if issue.path else "", issue.file if issue.file
                                                 and issue.file != entity else "") if part
                )
                suffix = f" {style(where, 'muted')}" if where else ""
                message = style(printable(issue.message), "message")
                lines.append(f"    {style(issue.check, 'check')}: {message}{suffix}")
        lines.append("")
    lines.append(style(verdict(report), "valid" if report.valid else "invalid"))
    return "\n".join(lines)
