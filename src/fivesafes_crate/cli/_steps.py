"""What the lifecycle step commands share: the options naming the agent, the crate and the signing key, the
agent they describe, the signing hook, and the rendering of a step's result.

Every step command names its agent with ``--agent`` (an absolute URI or ``#fragment``), ``--agent-name`` and
``--agent-type``; a ``software`` agent also needs ``--provider`` and ``--provider-name`` (the TRE
organisation). All five can come from ``FIVESAFES_AGENT``, ``FIVESAFES_AGENT_NAME``, ``FIVESAFES_AGENT_TYPE``,
``FIVESAFES_PROVIDER`` and ``FIVESAFES_PROVIDER_NAME`` so that TRE scripts set them once. A step prints one
line (``--format json``: one object, see :func:`~fivesafes_crate.reporting.json.step_to_json`) and exits 0,
or 1 when the action it recorded says the crate failed the step, or 2 when the step was refused.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import fivesafes_crate

from ._app import EXIT_INVALID, EXIT_VALID
from ._options import Format

if TYPE_CHECKING:
    from fivesafes_crate import Agent, Step, StepResult

    SignHook = Callable[[Path, Step, str | None], None]  # what fivesafes_crate.sign_hook returns


class AgentType(enum.StrEnum):
    """What kind of agent performs a step."""

    organization = "organization"
    person = "person"
    software = "software"


AgentOpt = Annotated[
    str, typer.Option("--agent", envvar="FIVESAFES_AGENT", help="@id of the agent: an absolute URI or #fragment.")
]
AgentNameOpt = Annotated[str, typer.Option("--agent-name", envvar="FIVESAFES_AGENT_NAME", help="Agent's name.")]
AgentTypeOpt = Annotated[
    AgentType, typer.Option("--agent-type", envvar="FIVESAFES_AGENT_TYPE", help="Kind of agent.")
]
ProviderOpt = Annotated[
    str | None,
    typer.Option("--provider", envvar="FIVESAFES_PROVIDER", help="For software agents: @id of the TRE organisation."),
]
ProviderNameOpt = Annotated[
    str | None,
    typer.Option("--provider-name", envvar="FIVESAFES_PROVIDER_NAME", help="For software agents: the TRE's name."),
]
StepFormatOpt = Annotated[Format, typer.Option("--format", help="Output format: one line, or one JSON object.")]
StepTargetArg = Annotated[
    Path, typer.Argument(help="Crate folder, bag folder or bag ZIP; replaced atomically.", show_default=False)
]
KeyOpt = Annotated[
    Path | None,
    typer.Option("--key", envvar="FIVESAFES_TRE_KEY", metavar="PEM", show_default=False,
                 help="Sign the bag after the step with this TRE private key, in the step's role (docs/signing.md). "
                 "Passphrase: --key-passphrase-file or $FIVESAFES_KEY_PASSPHRASE."),
]
KeyPassphraseOpt = Annotated[
    Path | None,
    typer.Option("--key-passphrase-file", envvar="FIVESAFES_KEY_PASSPHRASE_FILE", metavar="FILE", show_default=False,
                 help="With --key: read the key's passphrase from FILE (first line)."),
]
SignerOpt = Annotated[
    str | None,
    typer.Option("--signer", envvar="FIVESAFES_SIGNER", metavar="URI", show_default=False,
                 help="With --key: URI of the TRE that signs (default: the agent's organisation)."),
]


def make_agent(
    agent: str, name: str, kind: AgentType, provider: str | None, provider_name: str | None
) -> Agent:
    """The library :class:`~fivesafes_crate.phases.lifecycle.Agent` the options describe (validated there)."""
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import Agent, AgentKind

    owner = Agent(provider, provider_name or provider) if provider is not None else None
    kinds = {AgentType.organization: AgentKind.ORGANIZATION, AgentType.person: AgentKind.PERSON,
             AgentType.software: AgentKind.SOFTWARE}
    return Agent(agent, name, kinds[kind], owner)


def step_signer(
    key: Path | None, passphrase_file: Path | None, signer: str | None, agent: Agent | None = None
) -> Callable[[], SignHook | None]:
    """The ``sign=`` hook the ``--key`` options describe, made inside the command's job (errors exit 2).

    A passphrase prompt (on a terminal, without a file or ``$FIVESAFES_KEY_PASSPHRASE``) happens here.
    """
    if key is None:
        return lambda: None
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import UsageError

    # deferred: start-up (the CLI loads the library only for the command that runs)
    from .signing import passphrase_source

    secret = passphrase_source(passphrase_file, False, confirm=False)

    def make() -> SignHook:
        owner = agent.organization if agent is not None else None
        principal = signer or (owner.id if owner is not None else None)
        if principal is None:
            raise UsageError("--key needs --signer: the URI of the TRE the signature is by")
        return fivesafes_crate.sign_hook(fivesafes_crate.load_signer(key, secret()), principal=principal)

    return make


def render_step(fmt: Format) -> Callable[[StepResult], tuple[str, int]]:
    """A renderer for :func:`~fivesafes_crate.cli._app.finish`: one line or one JSON object, and the exit code."""

    def render(result: StepResult) -> tuple[str, int]:
        # deferred: start-up (the CLI loads the library only for the command that runs)
        from fivesafes_crate import Status, printable

        # deferred: start-up (the CLI loads the library only for the command that runs)
        from ..reporting.json import step_to_json

        code = EXIT_INVALID if result.status is Status.FAILED else EXIT_VALID
        if fmt is Format.json:
            return json.dumps(step_to_json(result), indent=2, ensure_ascii=False), code
        return printable(result.summary), code

    return render
