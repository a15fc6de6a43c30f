"""``fivesafes tre run start|finish|fail`` (the workflow run's state) and ``fivesafes tre publish``.

Each command prints one line (``--format json``: one object) and exits 0, 1 when the run was recorded as
failed, or 2 when the step was refused or the input is unusable.
"""

from __future__ import annotations

from typing import Annotated

import typer

import fivesafes_crate

from ._app import OneLineErrors, finish
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
from .tre import tre_app

"""The crate a lifecycle step works on (shared by the step commands outside ``tre.py``)."""

run_app = typer.Typer(
    cls=OneLineErrors,
    name="run",
    help="The workflow run's state: queued → running → completed or failed (needs an approved sign-off).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
tre_app.add_typer(run_app, name="run")


@run_app.command("start")
def start(
    path: StepTargetArg,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Record that the approved run started: the CreateAction becomes active, with a startTime.

    Example: [bold]fivesafes tre run start request.bagit.zip[/]
    """

    sign = step_signer(key, key_passphrase_file, signer)
    finish(lambda: fivesafes_crate.start_run(path, sign=sign()), render_step(fmt))


@run_app.command("finish")
def finish_(
    path: StepTargetArg,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Record that the running run completed, with an endTime (attach its outputs with 'fivesafes result add').

    Example: [bold]fivesafes tre run finish request.bagit.zip[/]
    """

    sign = step_signer(key, key_passphrase_file, signer)
    finish(lambda: fivesafes_crate.finish_run(path, sign=sign()), render_step(fmt))


@run_app.command("fail")
def fail(
    path: StepTargetArg,
    reason: Annotated[str, typer.Option("--reason", help="Why the run failed (the action's error).")],
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Record that the queued or running run failed (exit 1: the lifecycle ends here).

    Example: [bold]fivesafes tre run fail request.bagit.zip --reason "out of memory"[/]
    """

    sign = step_signer(key, key_passphrase_file, signer)
    finish(lambda: fivesafes_crate.fail_run(path, reason=reason, sign=sign()), render_step(fmt))


@tre_app.command("publish")
def publish(
    path: StepTargetArg,
    publisher: Annotated[str, typer.Option("--publisher", help="@id (URI) of the publishing TRE organisation.")],
    publisher_name: Annotated[str, typer.Option("--publisher-name", help="Name of the publishing TRE.")],
    license_id: Annotated[str, typer.Option("--license", help="URI of the output data's licence.")],
    agent: AgentOpt,
    agent_name: AgentNameOpt,
    license_name: Annotated[
        str | None, typer.Option("--license-name", help="The licence's name (default: the URI's last segment).")
    ] = None,
    agent_type: AgentTypeOpt = AgentType.organization,
    provider: ProviderOpt = None,
    provider_name: ProviderNameOpt = None,
    key: KeyOpt = None,
    key_passphrase_file: KeyPassphraseOpt = None,
    signer: SignerOpt = None,
    fmt: StepFormatOpt = Format.text,
) -> None:
    """Publish a disclosure-approved bag: datePublished, publisher, licence, mentions, parts, new manifests.

    Example (the agent from FIVESAFES_AGENT and FIVESAFES_AGENT_NAME):
    [bold]fivesafes tre publish result.bagit.zip --publisher https://tre.example.org/ --publisher-name "TRE" \\
      --license https://spdx.org/licenses/CC-BY-4.0[/]
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import Agent, License, StepResult

    def job() -> StepResult:
        who = make_agent(agent, agent_name, agent_type, provider, provider_name)
        return fivesafes_crate.publish(
            path,
            publisher=Agent(publisher, publisher_name),
            license=License(license_id, license_name),
            agent=who,
            sign=step_signer(key, key_passphrase_file, signer or publisher, who)(),
        )

    finish(job, render_step(fmt))
