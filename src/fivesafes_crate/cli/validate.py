"""``fivesafes validate``: validate one or more crates and print the report (one document for CI formats)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import fivesafes_crate

from ._app import EXIT_ERROR, EXIT_INVALID, EXIT_VALID, app, error_line, finish
from ._options import (
    EngineOpt,
    Format,
    OfflineOpt,
    PathsArg,
    PhaseAliasOpt,
    ProfileOpt,
    ReportFormat,
    ReportFormatOpt,
    SeverityChoice,
    SeverityOpt,
    StageOpt,
    TrustOpt,
)
from ._progress import ProgressBar
from .render import console_text, render_report, shown, styled

if TYPE_CHECKING:
    from fivesafes_crate import ReportSet


def _order(paths: list[Path], reports: ReportSet, *, nested: bool) -> list[str]:
    """The inputs as given, each followed (``nested``) by the node crates of a federated summary."""
    keys: list[str] = []
    for key in dict.fromkeys(os.fspath(path) for path in paths):
        keys.append(key)
        if nested:
            keys += [k for k in reports if k.startswith(os.path.join(key, "nodes", ""))]
    return keys


@app.command()
def validate(
    paths: PathsArg,
    profile: ProfileOpt = None,
    stage: StageOpt = None,
    severity: SeverityOpt = SeverityChoice.must,
    fmt: ReportFormatOpt = ReportFormat.text,
    trust: TrustOpt = None,
    engine: EngineOpt = None,
    offline: OfflineOpt = False,
    phase: PhaseAliasOpt = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Validate this many crates at a time (worker "
                                      "processes); the output is the same, in the order given.")] = 1,
) -> None:
    """Validate Five Safes RO-Crates offline: one, or several at once for CI.

    With --trust, a bag's signatures are verified too (issues with signature.* check ids). A federated summary
    crate (fivesafes federate gather) is followed by a report for each node crate it nests, validated with its
    own profile (text, sarif, junit; json describes the summary alone). --offline is accepted and changes
    nothing: validation never touches the network.

    A crate declaring only a Five Safes profile version that is not supported (e.g. 5s-crate/1.0) is refused
    (exit 2) unless --profile names one to validate against anyway; the report then says the versions differ.

    Several crates: a text report each, one SARIF log, or one JUnit document (json: one crate only). An input
    that cannot be read does not stop the others: it is reported beside them (an error line, a SARIF tool
    execution notification, a JUnit error) and the exit status is 2.

    Exit status: 0 every crate valid at the chosen severity, 1 any invalid, 2 unreadable input or usage error.

    Example: [bold]fivesafes validate request.zip --severity should --format json[/]
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import Severity

    # deferred: start-up (the CLI loads the library only for the command that runs)
    from ..reporting import MULTI_REPORTERS

    del offline  # accepted for users of rocrate-validator: there is nothing to switch off

    if fmt is ReportFormat.json and len(paths) > 1:
        raise typer.BadParameter("describes one crate: give one path, or use sarif or junit",
                                 param_hint="'--format json'")

    def render(reports: ReportSet) -> tuple[str, int]:
        for failure in reports.failures:
            error_line(failure.message)
        if reports.failures and len(reports) + len(reports.failures) == 1:
            return "", EXIT_ERROR  # one input, unreadable: only the error line
        code = EXIT_ERROR if reports.failures else EXIT_VALID if reports.valid else EXIT_INVALID
        if fmt.value in MULTI_REPORTERS:
            return MULTI_REPORTERS[fmt.value](reports), code
        failed = {failure.target: failure for failure in reports.failures}
        texts = [(key, render_report(reports[key], Format(fmt.value)) if key in reports
                  else console_text(styled(f"error: {failed[key].message}", "bold red")))
                 for key in _order(paths, reports, nested=fmt is not ReportFormat.json)]
        if len(texts) == 1:
            return texts[0][1], code
        return "\n\n".join(console_text(f"[bold]== {shown(path)}[/]") + "\n" + text for path, text in texts), code

    bar = ProgressBar("verifying", enabled=fmt is ReportFormat.text)
    finish(
        lambda: bar.run(lambda: fivesafes_crate.validate_all(
            paths,
            profile=profile,
            stage=stage.value if stage else None,
            phase=phase.value if phase else None,
            threshold=Severity.parse(severity.value),
            trust=fivesafes_crate.load_trust_store(trust) if trust is not None else None,
            jobs=jobs,
            engine=engine.value if engine else None,
            progress=bar,
        )),
        render,
    )
