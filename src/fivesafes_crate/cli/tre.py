"""``fivesafes tre ...``: the group of the TRE's review steps; its commands live in :mod:`.tre_review` and
:mod:`.tre_execution`, the options they share in :mod:`._steps`.
"""

from __future__ import annotations

import typer

from ._app import OneLineErrors, app

tre_app = typer.Typer(
    cls=OneLineErrors,
    name="tre",
    help="The TRE's review steps: sanitize, check, validate, retrieve, sign off, run, publish.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(tre_app, name="tre")
