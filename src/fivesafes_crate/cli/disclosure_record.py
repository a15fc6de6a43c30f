"""``fivesafes disclosure record``: record the crate's disclosure check (pending, in review, approved, rejected)
and the checker's per-output verdicts (``--approve``, ``--reject``, ``--comment``, ``--prune``).

Prints one line (``--format json``: one object) and exits 0, 1 when the check was rejected (the results were
withheld), or 2 when the step was refused or the input is unusable.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

import fivesafes_crate

from ._app import finish
from ._options import Format
from ._steps import (
    AgentNameOpt,
    AgentOpt,
    AgentType,
    AgentTypeOpt,
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
from .disclosure import disclosure_app

if TYPE_CHECKING:
    from fivesafes_crate import StepResult, Verdict


class DecisionChoice(enum.StrEnum):
    """Where the disclosure check stands."""

    pending = "pending"
    in_review = "in-review"
    approved = "approved"
    rejected = "rejected"


@disclosure_app.command("record")
def record(
    path: StepTargetArg,
    decision: Annotated[DecisionChoice, typer.Option("--decision", help="The state of the disclosure check.")],
    agent: AgentOpt,
    agent_name: AgentNameOpt,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (required to reject): ends the name; a rejection's error.")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--start", metavar="ISO8601",
                     help="Pending: the predicted start; otherwise when the review started (default: now)."),
    ] = None,
    remove_run: Annotated[
        bool, typer.Option("--remove-run", help="On rejection, also remove the workflow run's CreateAction.")
    ] = False,
    approve: Annotated[
        list[str] | None,
        typer.Option("--approve", metavar="REL", help="Approve this output: a file of the crate (a folder: every "
                     "file below it) or a value's @id (repeatable)."),
    ] = None,
    reject: Annotated[
        list[str] | None, typer.Option("--reject", metavar="REL", help="Reject this output (repeatable).")
    ] = None,
    comment: Annotated[
        list[str] | None,
        typer.Option("--comment", metavar="REL=TEXT", help="The comment of the verdict on REL; needed to approve an "
                     "output the screening failed (repeatable)."),
    ] = None,
    prune: Annotated[
        bool, typer.Option("--prune", help="Withhold the rejected outputs: delete their files and descriptions, "
                                           "leave a placeholder (needed to approve with rejected outputs).")
    ] = False,
    redact_withheld_names: Annotated[
        bool, typer.Option("--redact-withheld-names", help="Withheld outputs' placeholders and reviews do not even "
                                                           "name them.")
    ] = False,
    agent_type: AgentTypeOpt = AgentType.organization,
    provider: ProviderOpt = None,
    provider_name: ProviderNameOpt = None,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Record the disclosure check of the completed run's results, and per-output verdicts; a rejection withholds
    them all (exit 1).

    Example: [bold]fivesafes disclosure record result.bagit.zip --decision rejected --reason "small cells"[/]

    Example: [bold]fivesafes disclosure record result.zip --decision approved --approve outputs/a.csv \\
      --reject outputs/b.svg --comment "outputs/b.svg=exact points" --prune[/]
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import DisclosureDecision

    started = _moment(start) if start is not None else None
    verdicts = _verdicts(approve or [], reject or [], comment or [])

    def job() -> StepResult:
        who = make_agent(agent, agent_name, agent_type, provider, provider_name)
        return fivesafes_crate.record_disclosure(path, DisclosureDecision(decision.value), agent=who, reason=reason,
                                     start=started, remove_run=remove_run, verdicts=verdicts, prune=prune,
                                     redact_withheld_names=redact_withheld_names,
                                     sign=step_signer(key, key_passphrase_file, signer, who)())

    finish(job, render_step(fmt))


def _verdicts(approve: list[str], reject: list[str], comments: list[str]) -> list[Verdict]:
    """The verdicts the options give: each output approved or rejected once, with its comment."""
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import Verdict

    texts: dict[str, str] = {}
    for item in comments:
        name, equals, text = item.partition("=")
        if not equals or not name.strip() or not text.strip():
            raise typer.BadParameter(f"expected REL=TEXT, got {item!r}", param_hint="--comment")
        if name.strip() in texts:
            raise typer.BadParameter(f"two comments for {name.strip()!r}", param_hint="--comment")
        texts[name.strip()] = text
    both = sorted(set(approve) & set(reject))
    if both:
        raise typer.BadParameter(f"{both[0]!r} is both approved and rejected", param_hint="--reject")
    verdicts = [Verdict(name, approved, texts.pop(name, None)) for approved, names in ((True, approve), (False, reject))
                for name in names]
    if texts:
        raise typer.BadParameter(f"a comment for {next(iter(texts))!r}, which has no --approve or --reject",
                                 param_hint="--comment")
    return verdicts


def _moment(text: str) -> datetime:
    """An RFC 3339 time with its offset (``2024-03-11T09:00:00+01:00`` or ``...Z``)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 time: {text!r}", param_hint="--start") from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"give the time zone (an offset or Z): {text!r}", param_hint="--start")
    return moment
