"""``fivesafes tre sanitize|check|validate|retrieve|signoff``: the review steps before a workflow runs.

Each command prints one line (``--format json``: one object) and exits 0, 1 when the action it recorded says
the crate failed the step (a failed check or validation, a rejected sign-off), or 2 when the step was refused
or the input is unusable (one line on stderr).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import fivesafes_crate

from ._app import finish
from ._options import Format, ProfileOpt, SeverityChoice
from ._progress import ProgressBar
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
from .tre import tre_app

if TYPE_CHECKING:
    from fivesafes_crate import StepResult

ThresholdOpt = Annotated[
    SeverityChoice, typer.Option("--severity", help="Lowest requirement level that fails the validation.")
]


SanitizeForceOpt = Annotated[bool, typer.Option(
    "--force", help="Sanitize a crate that holds a check or a publishing action anyway, removing those records "
    "too, and list every item removed (for a crate known to be as received).")]


@tre_app.command("sanitize")
def sanitize(path: StepTargetArg, fmt: StepFormatOpt = Format.text, force: SanitizeForceOpt = False) -> None:
    """Remove every client-submitted AssessAction and lookalike from a received crate, and say what went.

    Run it first, on the crate as received: it trusts no review record in the crate, so it refuses a crate
    that holds a check (the TRE's intake) or a publishing action unless --force. Nothing to remove: nothing is
    written.

    Example: [bold]fivesafes tre sanitize request.bagit.zip[/]
    """

    bar = ProgressBar("verifying", enabled=fmt is not Format.json)
    finish(lambda: bar.run(lambda: fivesafes_crate.sanitize(path, force=force, progress=bar)), render_step(fmt))


@tre_app.command("check")
def check(
    path: StepTargetArg,
    agent: AgentOpt,
    agent_name: AgentNameOpt,
    agent_type: AgentTypeOpt = AgentType.organization,
    provider: ProviderOpt = None,
    provider_name: ProviderNameOpt = None,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Verify the bag's SHA-512 payload and tag manifests and record the check (exit 1: it failed).

    Example (the agent from the FIVESAFES_AGENT... variables): [bold]fivesafes tre check request.bagit.zip[/]
    """

    def job() -> StepResult:
        who = make_agent(agent, agent_name, agent_type, provider, provider_name)
        hook = step_signer(key, key_passphrase_file, signer, who)()
        return bar.run(lambda: fivesafes_crate.record_check(path, agent=who, sign=hook, progress=bar))

    bar = ProgressBar("checking", enabled=fmt is not Format.json)
    finish(job, render_step(fmt))


@tre_app.command("validate")
def validate(
    path: StepTargetArg,
    agent: AgentOpt,
    agent_name: AgentNameOpt,
    severity: ThresholdOpt = SeverityChoice.must,
    profile: ProfileOpt = None,
    agent_type: AgentTypeOpt = AgentType.organization,
    provider: ProviderOpt = None,
    provider_name: ProviderNameOpt = None,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Validate the checked crate against the profile and record the outcome (exit 1: it failed).

    Example: [bold]fivesafes tre validate request.bagit.zip --severity should[/]
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import Severity

    def job() -> StepResult:
        who = make_agent(agent, agent_name, agent_type, provider, provider_name)
        hook = step_signer(key, key_passphrase_file, signer, who)()
        return fivesafes_crate.record_validation(path, agent=who, threshold=Severity.parse(severity.value),
                                                 profile=profile, sign=hook)

    finish(job, render_step(fmt))


@tre_app.command("retrieve")
def retrieve(
    path: StepTargetArg,
    workflow_crate: Annotated[
        Path, typer.Option("--workflow-crate", help="The downloaded Workflow RO-Crate (ZIP or folder).")
    ],
    agent: AgentOpt,
    agent_name: AgentNameOpt,
    nest: Annotated[bool, typer.Option("--nest", help="Copy it into the payload as workflow/<name>/.")] = False,
    url: Annotated[str | None, typer.Option("--url", help="Where it was downloaded from (default: the "
                                             "workflow's distribution).")] = None,
    agent_type: AgentTypeOpt = AgentType.organization,
    provider: ProviderOpt = None,
    provider_name: ProviderNameOpt = None,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Record the download of the referenced Workflow RO-Crate, after checking that it is that workflow.

    Nothing is downloaded: give the ZIP or folder the TRE's proxy fetched.

    Example: [bold]fivesafes tre retrieve request.bagit.zip --workflow-crate workflow.crate.zip --nest[/]
    """

    def job() -> StepResult:
        who = make_agent(agent, agent_name, agent_type, provider, provider_name)
        return fivesafes_crate.record_retrieval(path, workflow_crate, nest=nest, url=url, agent=who,
                                    sign=step_signer(key, key_passphrase_file, signer, who)())

    finish(job, render_step(fmt))


@tre_app.command("signoff")
def signoff(
    path: StepTargetArg,
    policy: Annotated[str, typer.Option("--policy", help="URI of the agreement policy checked against.")],
    agent: AgentOpt,
    agent_name: AgentNameOpt,
    decision: Annotated[bool | None, typer.Option("--approve/--reject", help="The decision (required).")] = None,
    policy_name: Annotated[str | None, typer.Option("--policy-name", help="The policy's name.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (the action's description).")] = None,
    agent_type: AgentTypeOpt = AgentType.organization,
    provider: ProviderOpt = None,
    provider_name: ProviderNameOpt = None,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Record the sign-off of the validated request under an agreement policy (exit 1: rejected, which ends it).

    Example: [bold]fivesafes tre signoff request.bagit.zip --approve --policy https://tre.example.org/policy/81[/]
    """

    if decision is None:
        raise typer.BadParameter("give --approve or --reject", param_hint="'--approve' / '--reject'")
    approved: bool = decision

    def job() -> StepResult:
        who = make_agent(agent, agent_name, agent_type, provider, provider_name)
        hook = step_signer(key, key_passphrase_file, signer, who)()
        return fivesafes_crate.record_signoff(path, approved=approved, policy=policy, policy_name=policy_name,
                                              reason=reason, agent=who, sign=hook)

    finish(job, render_step(fmt))
