"""``fivesafes disclosure record``: record the crate's disclosure check (pending, in review, approved, rejected).

Prints one line (``--format json``: one object) and exits 0, 1 when the check was rejected (the results were
withheld), or 2 when the step was refused or the input is unusable.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from . import finish
from ._options import Format
from .disclosure import disclosure_app
from .tre import (
    AgentNameOpt,
    AgentOpt,
    AgentType,
    AgentTypeOpt,
    ProviderNameOpt,
    ProviderOpt,
    StepFormatOpt,
    StepTargetArg,
    make_agent,
    render_step,
)

if TYPE_CHECKING:
    from ..phases.lifecycle import StepResult


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
    agent_type: AgentTypeOpt = AgentType.organization,
    provider: ProviderOpt = None,
    provider_name: ProviderNameOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Record the disclosure check of the completed run's results; a rejection withholds them all (exit 1).

    Example: [bold]fivesafes disclosure record result.bagit.zip --decision rejected --reason "small cells"[/]
    """
    from .. import api
    from ..phases.disclosure import DisclosureDecision

    started = _moment(start) if start is not None else None

    def job() -> StepResult:
        who = make_agent(agent, agent_name, agent_type, provider, provider_name)
        return api.record_disclosure(path, DisclosureDecision(decision.value), agent=who, reason=reason,
                                     start=started, remove_run=remove_run)

    finish(job, render_step(fmt))


def _moment(text: str) -> datetime:
    """An RFC 3339 time with its offset (``2024-03-11T09:00:00+01:00`` or ``...Z``)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 time: {text!r}", param_hint="--start") from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"give the time zone (an offset or Z): {text!r}", param_hint="--start")
    return moment
