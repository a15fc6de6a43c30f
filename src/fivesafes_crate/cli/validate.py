"""``fivesafes validate``: validate a crate and print the report."""

from __future__ import annotations

from . import EXIT_INVALID, EXIT_VALID, app, finish
from ._options import Format, FormatOpt, PathArg, PhaseOpt, ProfileOpt, SeverityChoice, SeverityOpt
from .render import render_report


@app.command()
def validate(
    path: PathArg,
    profile: ProfileOpt = None,
    phase: PhaseOpt = None,
    severity: SeverityOpt = SeverityChoice.must,
    fmt: FormatOpt = Format.text,
) -> None:
    """Validate a Five Safes RO-Crate offline.

    Exit status: 0 valid at the chosen severity, 1 invalid, 2 unreadable input or usage error.

    Example: [bold]fivesafes validate request.zip --severity should --format json[/]
    """
    from .. import api
    from ..issues import Report, Severity

    def render(report: Report) -> tuple[str, int]:
        return render_report(report, fmt), EXIT_VALID if report.valid else EXIT_INVALID

    finish(
        lambda: api.validate(
            path,
            profile=profile,
            phase=phase.value if phase else None,
            threshold=Severity.parse(severity.value),
        ),
        render,
    )
