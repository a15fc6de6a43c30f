"""``fivesafes disclosure ...``: disclosure control of a crate's results; ``check`` screens them (a dry run).

The group is shared: other modules add their commands to :data:`disclosure_app`.

``check`` prints a report that never echoes a cell value, a contribution or a matched identifier, so that the
report itself can be released. Exit status: 0 nothing reached ``--fail-on``; 1 an output did; 2 the input,
policy or evidence could not be read.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import EXIT_INVALID, EXIT_VALID, OneLineErrors, app, finish
from ._options import Format, FormatOpt

if TYPE_CHECKING:
    from ..disclosure_control import ScreeningReport

disclosure_app = typer.Typer(
    cls=OneLineErrors,
    name="disclosure",
    help="Disclosure control of a crate's results: automated screening of every output, the checker's decisions.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(disclosure_app, name="disclosure")


class FailOn(enum.StrEnum):
    """The lowest screening outcome that makes ``check`` exit 1."""

    fail = "fail"
    review = "review"
    never = "never"


_STYLES = {"fail": "bold red", "review": "bold yellow", "pass": "green", "not-checked": "dim", "output": "bold",
           "rule": "cyan", "muted": "dim", "text": "default"}

TargetArg = Annotated[
    Path,
    typer.Argument(help="Crate folder, bag folder or bag ZIP (its results and outputs/), or a folder or file of "
                        "outputs.", show_default=False),
]
PolicyOpt = Annotated[
    str,
    typer.Option("--policy", metavar="FILE|PRESET",
                 help="A preset (acro-default, abs-datalab, opensafely, uk-llc) or a TOML/JSON policy file "
                      "(ACRO's config.json keys accepted)."),
]
EvidenceOpt = Annotated[
    Path | None,
    typer.Option("--evidence", metavar="FILE",
                 help="Per-cell evidence for magnitude tables: ACRO's evidence.json (federated mode) and the "
                      "interim tables beside it. Read only; never copied."),
]
FailOnOpt = Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when an output reaches this outcome.")]


@disclosure_app.command()
def check(
    path: TargetArg,
    policy: PolicyOpt = "acro-default",
    evidence: EvidenceOpt = None,
    fmt: FormatOpt = Format.text,
    fail_on: FailOnOpt = FailOn.fail,
) -> None:
    """Screen every output (threshold, dominance, degrees of freedom, identifiers...); nothing is written.

    Exit status: 0 no output reached --fail-on; 1 one did; 2 unreadable input, policy or evidence.

    Example: [bold]fivesafes disclosure check result.bagit.zip --policy uk-llc --fail-on review[/]
    """
    from rich.markup import escape

    from .. import api
    from ..disclosure_control import ScreeningOutcome, render_json, render_text
    from .render import console_text

    def render(report: ScreeningReport) -> tuple[str, int]:
        limit = {FailOn.fail: ScreeningOutcome.FAIL, FailOn.review: ScreeningOutcome.REVIEW}.get(fail_on)
        code = EXIT_INVALID if limit is not None and report.outcome >= limit else EXIT_VALID
        if fmt is Format.json:
            return render_json(report), code
        text = render_text(report, lambda text, role: f"[{_STYLES[role]}]{escape(text)}[/]")
        return console_text(text).rstrip("\n"), code

    finish(lambda: api.screen_outputs(path, policy=policy, evidence=evidence), render)
