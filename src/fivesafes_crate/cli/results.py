"""``fivesafes result add``: attach the workflow run's outputs (files, folders, URIs, values) to the crate."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated

import typer

import fivesafes_crate

from ._app import OneLineErrors, app, finish
from ._options import Format
from ._steps import (
    KeyOpt,
    KeyPassphraseOpt,
    SignerOpt,
    StepFormatOpt,
    StepTargetArg,
    render_step,
    step_signer,
)

result_app = typer.Typer(
    cls=OneLineErrors,
    name="result",
    help="The workflow run's outputs: copied under outputs/, referenced by URI, or given as values.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(result_app, name="result")


@result_app.command("add")
def add(
    path: StepTargetArg,
    files: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders to copy under outputs/.", show_default=False)
    ] = None,
    uris: Annotated[
        list[str] | None, typer.Option("--uri", help="An output referenced by absolute URI, not copied (repeatable).")
    ] = None,
    values: Annotated[
        list[str] | None,
        typer.Option("--value", help="An output value NAME=VALUE; a JSON number or boolean stays one (repeatable)."),
    ] = None,
    sensitive: Annotated[
        bool, typer.Option("--sensitive", help="The --uri outputs stay in the TRE: hashed ids, project-only access.")
    ] = False,
    namespace: Annotated[
        str | None,
        typer.Option("--namespace", envvar="FIVESAFES_SENSITIVE_NAMESPACE",
                     help="The TRE's secret UUID that --sensitive identifiers are hashed in (UUID v5)."),
    ] = None,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Attach outputs to the running or completed workflow run (a decided disclosure check becomes pending).

    Example: [bold]fivesafes result add result.bagit.zip counts.csv figures/ --value total=1234[/]
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import OutputFile, OutputReference, OutputValue

    if sensitive and (files or not uris):
        raise typer.BadParameter("sensitive outputs are referenced with --uri, never copied", param_hint="--sensitive")
    try:
        space = uuid.UUID(namespace) if namespace is not None else None
    except ValueError:
        raise typer.BadParameter(f"not a UUID: {namespace!r}", param_hint="--namespace") from None
    outputs: list[OutputFile | OutputReference | OutputValue] = [OutputFile(file) for file in files or []]
    outputs += [OutputReference(uri, sensitive=sensitive) for uri in uris or []]
    for item in values or []:
        name, equals, text = item.partition("=")
        if not equals or not name.strip():
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--value")
        outputs.append(OutputValue(name.strip(), _value(text)))
    sign = step_signer(key, key_passphrase_file, signer)
    finish(lambda: fivesafes_crate.add_results(path, outputs, namespace=space, sign=sign()), render_step(fmt))


def _value(text: str) -> str | int | float | bool:
    """``text`` as a JSON number or boolean when it is one, else as it is."""
    try:
        parsed = json.loads(text, parse_constant=str)  # NaN and Infinity stay text
    except ValueError:
        return text
    return parsed if isinstance(parsed, int | float | bool) else text
