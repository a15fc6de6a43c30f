"""``fivesafes preview``: write a crate's self-contained HTML preview page (see ``docs/preview.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import fivesafes_crate
from fivesafes_crate import printable

from ._app import EXIT_VALID, app, finish
from ._options import ForceOpt, PathArg, ProfileOpt, SeverityChoice, SeverityOpt


@app.command()
def preview(
    path: PathArg,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="HTML file to write (default: <name>.preview.html beside the crate).")] = None,
    profile: ProfileOpt = None,
    severity: SeverityOpt = SeverityChoice.should,
    force: ForceOpt = False,
) -> None:
    """Write a crate's preview: one HTML page with the request, the lifecycle, the results and the validation.

    The page is self-contained (inline styles, no script, loads nothing) and escapes everything the crate says.
    The crate is never modified: the default output is [bold]<name>.preview.html[/] beside it, and an output
    inside it is refused except a crate folder's own ro-crate-preview.html (lifecycle steps rewrite a bag's).
    An existing file is refused unless --force replaces it (a crate folder's own preview is always rewritten).
    Prints the path written. Exit status: 0 written (whatever the validation found), 2 refused or unreadable.

    Example: [bold]fivesafes preview result.bagit.zip -o result.html[/]
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import Severity

    finish(
        lambda: fivesafes_crate.write_preview(path, output, profile=profile, threshold=Severity.parse(severity.value),
                                  overwrite=force),
        lambda written: (printable(str(written)), EXIT_VALID),
    )
