"""``fivesafes export-profile``: our SHACL shapes as a profile for another validator."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import fivesafes_crate

from ._app import EXIT_VALID, app, finish

if TYPE_CHECKING:
    from fivesafes_crate import ExportedProfile


class ExportTarget(enum.StrEnum):
    """The validator to write a profile for."""

    rocrate_validator = "rocrate-validator"


@app.command("export-profile")
def export_profile(
    directory: Annotated[Path, typer.Argument(help="Folder to write the profile folders into (created if missing).",
                                              show_default=False)],
    target: Annotated[ExportTarget, typer.Option("--for", help="The validator that will load the profile.",
                                                 show_default=False)],
    profile: Annotated[str | None, typer.Option(
        "--profile", help="Profile version to export (0.4, 0.5-DRAFT); default: every supported version.")] = None,
) -> None:
    """Write the SHACL shapes as a profile folder for another validator, one per profile version.

    For rocrate-validator (PyPI: roc-validator), run the result with
    [bold]rocrate-validator validate --extra-profiles-path DIRECTORY -p five-safes-crate-0.4 CRATE[/]
    (five-safes-crate-0.5 for 0.5-DRAFT). Only the SHACL checks are exported; see docs/interop.md.
    """

    def render(exported: list[ExportedProfile]) -> tuple[str, int]:
        lines = [f"{e.identifier}  {e.path}  ({len(e.checks)} checks of {e.profile.id})" for e in exported]
        return "\n".join(lines), EXIT_VALID

    finish(lambda: fivesafes_crate.export_profile(directory, target=target.value, profile=profile), render)
