"""``fivesafes disclosure ...``: disclosure control of a crate's results; ``check`` screens them (a dry run, or
recorded with ``--write``), ``import-acro`` records ACRO's results.

The group is shared: other modules add their commands to :data:`disclosure_app`.

``check`` prints a report that never echoes a cell value, a contribution or a matched identifier, so that the
report itself can be released: for people, one table per output (outcome, rule, where, message); with
``--format json``, one JSON object. Exit status: 0 nothing reached ``--fail-on``; 1 an output did; 2 the
input, policy or evidence could not be read, or recording was refused.

Recording (``check --write``, ``import-acro``) names the software as a ``SoftwareApplication`` whose provider
is the TRE: ``--provider`` and ``--provider-name`` (or ``FIVESAFES_PROVIDER`` and ``FIVESAFES_PROVIDER_NAME``),
and optionally ``--agent`` and ``--agent-name`` (by default ``<provider>#fivesafes-screening`` or
``<provider>#acro``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import fivesafes_crate

from ._app import EXIT_INVALID, EXIT_VALID, OneLineErrors, app, finish
from ._options import Format, FormatOpt
from ._steps import (
    AgentType,
    KeyOpt,
    KeyPassphraseOpt,
    ProviderNameOpt,
    ProviderOpt,
    SignerOpt,
    StepFormatOpt,
    StepTargetArg,
    make_agent,
    render_step,
    step_signer,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

    from fivesafes_crate import Agent, OutputScreening, ScreeningReport, ScreeningResult, StepResult

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
SoftwareOpt = Annotated[
    str | None,
    typer.Option("--agent", metavar="URI",
                 help="@id of the software recorded as author (default: the provider's URI with a fragment)."),
]
SoftwareNameOpt = Annotated[str | None, typer.Option("--agent-name", help="Name of the software recorded as author.")]


def screening_tables(report: ScreeningReport) -> RenderableType:
    """The report for people: per output a heading and a table of its rules (outcome, rule, where, message),
    archive members after their archive, then the policy and the verdict. Every text is already printable and
    goes in as :class:`~rich.text.Text`, never as markup."""
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    # deferred: start-up (the CLI loads the library only for the command that runs)
    from ..disclosure_control import finding_rows, output_heading, report_footer

    def output(screening: OutputScreening, indent: str) -> list[RenderableType]:
        label = screening.outcome.label
        heading = Text(indent)
        heading.append(label.upper(), _STYLES[label]).append(" ").append(output_heading(screening), "bold")
        table = Table(box=None, padding=(0, 1), show_header=False, pad_edge=False)
        table.add_column("outcome", no_wrap=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("where", ratio=2)
        table.add_column("message", ratio=3)
        for row in finding_rows(screening):
            table.add_row(Text(row.outcome, _STYLES[row.outcome]), Text(row.rule, _STYLES["rule"]), Text(row.where),
                          Text(row.message))
        parts: list[RenderableType] = [heading, Padding(table, (0, 0, 0, len(indent) + 2))]
        if screening.sha256:
            parts.append(Text(f"{indent}  sha256 {screening.sha256}", "dim"))
        for part in screening.parts:
            parts.extend(output(part, indent + "    "))
        return parts

    shown: list[RenderableType] = []
    for screening in report.outputs:
        shown.extend([*output(screening, ""), Text("")])
    if not report.outputs:
        shown.extend([Text("no outputs found"), Text("")])
    used, verdict = report_footer(report)
    shown.extend([Text(used, "dim"), Text(verdict, _STYLES[report.outcome.label])])
    return Group(*shown)


def software_agent(agent: str | None, name: str | None, provider: str | None, provider_name: str | None, *,
                   fragment: str, default_name: str) -> Callable[[], Agent]:
    """Makes the ``SoftwareApplication`` the options describe (inside the command's job, so that a bad id is an
    error line); its ``@id`` defaults to ``<provider>#<fragment>``."""
    if provider is None:
        raise typer.BadParameter("give the TRE that runs the software (or set FIVESAFES_PROVIDER)",
                                 param_hint="--provider")
    chosen = agent or f"{provider.split('#', 1)[0]}#{fragment}"
    return lambda: make_agent(chosen, name or default_name, AgentType.software, provider, provider_name)


@disclosure_app.command()
def check(
    path: TargetArg,
    policy: PolicyOpt = "acro-default",
    evidence: EvidenceOpt = None,
    fmt: FormatOpt = Format.text,
    fail_on: FailOnOpt = FailOn.fail,
    write: Annotated[
        bool, typer.Option("--write", help="Record the screening in the crate (a crate folder, bag folder or bag ZIP).")
    ] = False,
    as_decision: Annotated[
        bool, typer.Option("--as-decision", help="With --write: approve the disclosure check when every output "
                                                 "passed (it never rejects).")
    ] = False,
    agent: SoftwareOpt = None,
    agent_name: SoftwareNameOpt = None,
    provider: ProviderOpt = None,
    provider_name: ProviderNameOpt = None,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
) -> None:
    """Screen every output (threshold, dominance, degrees of freedom, identifiers...); nothing is written unless
    --write records the report, one review per output and the instruments in the crate's disclosure check.

    Exit status: 0 no output reached --fail-on; 1 one did; 2 unreadable input, policy or evidence, refused --write.

    Example: [bold]fivesafes disclosure check result.bagit.zip --policy uk-llc --fail-on review[/]

    Example: [bold]fivesafes disclosure check result.bagit.zip --write --provider https://tre.example.org/ \\
      --provider-name "Example TRE"[/]
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import ScreeningOutcome

    # deferred: start-up (the CLI loads the library only for the command that runs)
    from ..disclosure_control import render_json
    from .render import console_text, shown

    if as_decision and not write:
        raise typer.BadParameter("only a recorded screening can decide: add --write", param_hint="--as-decision")

    def render(report: ScreeningReport, summary: str | None = None) -> tuple[str, int]:
        limit = {FailOn.fail: ScreeningOutcome.FAIL, FailOn.review: ScreeningOutcome.REVIEW}.get(fail_on)
        code = EXIT_INVALID if limit is not None and report.outcome >= limit else EXIT_VALID
        if fmt is Format.json:
            return render_json(report), code
        text = "\n".join(line.rstrip() for line in console_text(screening_tables(report)).split("\n"))
        if summary is not None:
            text += "\n" + console_text(f"[dim]recorded: {shown(summary)}[/]")
        return text.rstrip("\n"), code

    if not write:
        finish(lambda: fivesafes_crate.screen_outputs(path, policy=policy, evidence=evidence), render)
    screener = software_agent(agent, agent_name, provider, provider_name, fragment="fivesafes-screening",
                              default_name="Automated disclosure screening (fivesafes-crate)")

    def job() -> ScreeningResult:
        who = screener()
        hook = step_signer(key, key_passphrase_file, signer, who)()
        return fivesafes_crate.record_screening(path, agent=who, policy=policy, evidence=evidence,
                                                as_decision=as_decision, sign=hook)

    finish(job, lambda result: render(result.report, result.step.summary))


@disclosure_app.command("import-acro")
def import_acro(
    path: StepTargetArg,
    folder: Annotated[
        Path, typer.Argument(help="The folder ACRO's finalise wrote (results.json, checksums/, the outputs).",
                             show_default=False),
    ],
    timezone: Annotated[
        str, typer.Option("--timezone", metavar="TZ", help="The time zone of ACRO's local times: an IANA name "
                                                           "(Europe/London) or an offset (+01:00).")
    ],
    agent: SoftwareOpt = None,
    agent_name: SoftwareNameOpt = None,
    provider: ProviderOpt = None,
    provider_name: ProviderNameOpt = None,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Record ACRO's per-output status, comments and exception requests as screening reviews of the crate's
    outputs (matched by SHA-256), after verifying ACRO's checksums.

    Example: [bold]fivesafes disclosure import-acro result.bagit.zip acro-out/ --timezone Europe/London \\
      --provider https://tre.example.org/[/]
    """

    acro = software_agent(agent, agent_name, provider, provider_name, fragment="acro", default_name="ACRO")

    def job() -> StepResult:
        who = acro()
        return fivesafes_crate.import_acro(path, folder, timezone=timezone, agent=who,
                               sign=step_signer(key, key_passphrase_file, signer, who)())

    finish(job, render_step(fmt))
