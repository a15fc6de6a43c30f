"""``fivesafes export dur``: published crates as a register entry (the HDR UK Data Use Register)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import fivesafes_crate

from ._app import EXIT_VALID, OneLineErrors, app, finish
from ._options import ForceOpt

if TYPE_CHECKING:
    from ..model.entities import JSON

export_app = typer.Typer(
    cls=OneLineErrors,
    name="export",
    help="Export published crates to a register: the HDR UK Data Use Register.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(export_app, name="export")


class RegisterFormat(enum.StrEnum):
    """The register format to write."""

    gateway_json = "gateway-json"


@export_app.command("dur")
def dur(
    crates: Annotated[list[Path], typer.Argument(
        help="Published crates of one project (crate folder, bag folder or bag ZIP; a federated summary stands for "
        "its completed nodes); several roll up into one entry.",
        metavar="CRATE", show_default=False)],
    config: Annotated[Path | None, typer.Option(
        "--config", help="The TRE's TOML file: a [dur] table with what a crate cannot hold (sector, sensitivity, "
        "legal bases, duty of confidentiality, opt-out, project dates, public benefit).", show_default=False)] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Write the entry to this file (default: stdout).", show_default=False)] = None,
    fmt: Annotated[RegisterFormat, typer.Option("--format", help="Register format.")] = RegisterFormat.gateway_json,
    force: ForceOpt = False,
) -> None:
    """Turn published crates of one project into the body of an HDR UK Gateway DUR create request (JSON).

    Only approved outputs appear; a crate that is not published, or has no completed sign-off or disclosure
    check, is refused. Values that neither the crate nor --config holds are null. Sending the entry to the
    Gateway (a team id and a token) is the TRE's business. Schema and mapping: docs/interop.md.
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from ..interop.dur import dumps

    def render(entry: dict[str, JSON]) -> tuple[str, int]:
        return (str(output) if output is not None else dumps(entry).rstrip("\n")), EXIT_VALID

    finish(lambda: fivesafes_crate.export_dur(crates, config=config, fmt=fmt.value, output=output, overwrite=force),
           render)
