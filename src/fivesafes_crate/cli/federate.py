"""``fivesafes federate split|gather|pool|verify``: one request across a federation of TREs, and back."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import fivesafes_crate

from ._app import EXIT_INVALID, EXIT_VALID, OneLineErrors, app, finish
from ._options import TrustOpt
from ._steps import AgentNameOpt, AgentOpt, AgentType, AgentTypeOpt, ProviderNameOpt, ProviderOpt, make_agent

if TYPE_CHECKING:
    from fivesafes_crate import FederatedSummary, PooledOutput, Receipt, SignatureVerification

federate_app = typer.Typer(
    cls=OneLineErrors,
    name="federate",
    help="Federated analysis: split a request to several TREs, gather their results, pool and screen them.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(federate_app, name="federate")

TreOpt = Annotated[list[str], typer.Option(
    "--tre", metavar="ID=URL", help="A TRE of the federation: a short id (its folder name) and its URL. Repeat.",
    show_default=False)]


@federate_app.command("split")
def split(
    request: Annotated[Path, typer.Argument(help="The request: crate folder, bag folder or bag ZIP.",
                                            show_default=False)],
    tres: TreOpt,
    output: Annotated[Path, typer.Option("-o", "--output", help="New folder for the requests, one per TRE.",
                                         show_default=False)],
) -> None:
    """Write one packed request per TRE (OUTPUT/ID.bagit.zip), sharing one federated identifier.

    Example: [bold]fivesafes federate split my-request --tre tre-a=https://tre-a.example.org/ --tre
    tre-b=https://tre-b.example.org/ -o federated[/]
    """

    def render(written: list[Path]) -> tuple[str, int]:
        return "\n".join(str(path) for path in written), EXIT_VALID

    finish(lambda: fivesafes_crate.federate_split(request, tres, output), render)


@federate_app.command("gather")
def gather(
    results: Annotated[list[Path], typer.Argument(help="The bags the TREs returned (ZIPs or folders).",
                                                  metavar="RESULT", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="New folder for the summary crate.",
                                         show_default=False)],
    expected: Annotated[list[str] | None, typer.Option(
        "--expect", metavar="ID=URL", help="A TRE whose result is awaited: recorded as never returned if absent.",
        show_default=False)] = None,
) -> None:
    """Nest each returned bag untouched under OUTPUT/nodes/ID/ in a summary crate, one action per node.

    Prints each node's outcome: completed, failed, withheld or never returned.
    """

    def render(summary: FederatedSummary) -> tuple[str, int]:
        lines = [f"{node.node.id}: {node.outcome.value}" + (f" ({node.reason})" if node.reason else "")
                 for node in summary.nodes]
        return "\n".join([*lines, f"summary: {summary.path}"]), EXIT_VALID

    finish(lambda: fivesafes_crate.federate_gather(results, output, expected=expected or ()), render)


@federate_app.command("pool")
def pool(
    summary: Annotated[Path, typer.Argument(help="The summary crate folder (federate gather).", show_default=False)],
    agent: AgentOpt,
    agent_name: AgentNameOpt,
    agent_type: AgentTypeOpt = AgentType.organization,
    provider: ProviderOpt = None,
    provider_name: ProviderNameOpt = None,
    policy: Annotated[str, typer.Option(
        "--policy", metavar="FILE|PRESET", help="Disclosure policy of the pooled screening.")] = "acro-default",
) -> None:
    """Pool the completed nodes' tables by summation and screen each pooled output on its own.

    The screening applies the policy's rules and a differencing check: a node cell that differs from the
    pooled total by less than the threshold fails. Exit status 1 when a pooled output fails or needs review.
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import ScreeningOutcome

    def render(pooled: list[PooledOutput]) -> tuple[str, int]:
        lines = []
        for output in pooled:
            lines.append(f"{output.outcome.name} {output.name} (pooled from {', '.join(output.nodes)}): "
                         f"rules {output.screening.name.lower()}, differencing "
                         f"{'fail' if output.differencing else 'pass'}")
            lines += [f"  differencing: {f.node} {f.row} / {f.column} is within the threshold of the pooled total"
                      for f in output.differencing]
        worst = max((o.outcome for o in pooled), default=ScreeningOutcome.PASS)
        return "\n".join(lines), EXIT_VALID if worst is ScreeningOutcome.PASS else EXIT_INVALID

    who = make_agent(agent, agent_name, agent_type, provider, provider_name)
    finish(lambda: fivesafes_crate.federate_pool(summary, agent=who, policy=policy), render)


@federate_app.command("verify")
def verify(
    summary: Annotated[Path, typer.Argument(help="The summary crate folder (federate gather).", show_default=False)],
    trust: TrustOpt = None,
    policy: Annotated[str | None, typer.Option("--policy", help="A policy of the trust store every node must meet.",
                                               show_default=False)] = None,
) -> None:
    """Verify every nested node bag offline: its signatures against the trust store, and its tag manifest
    against the digest the summary recorded. Exit status 1 when a node's signatures do not verify."""
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import UsageError

    def render(found: dict[str, SignatureVerification]) -> tuple[str, int]:
        lines = [f"{'ok' if v.valid else 'INVALID'} {node}: {len(v.envelopes)} envelope(s)"
                 + (f", policy {policy}" if policy else "")
                 + "".join(f"\n    {problem.message}" for problem in v.problems) for node, v in found.items()]
        return "\n".join(lines), EXIT_VALID if all(v.valid for v in found.values()) else EXIT_INVALID

    def job() -> dict[str, SignatureVerification]:
        if trust is None:
            raise UsageError("give the trust store with --trust")
        return fivesafes_crate.verify_federation(summary, fivesafes_crate.load_trust_store(trust), policy=policy)

    finish(job, render)


@federate_app.command("receive")
def receive(
    summary: Annotated[Path, typer.Argument(help="The summary crate folder (federate gather).", show_default=False)],
    trust: TrustOpt = None,
    policy: Annotated[str | None, typer.Option("--policy", help="With --trust: a policy every node must meet.",
                                               show_default=False)] = None,
) -> None:
    """Receive every nested node as fivesafes receive does: its bag, validation, every step's status and, with
    --trust, its signatures. Exit status 1 when a node is not accepted (a withheld node never is)."""

    def render(found: dict[str, Receipt]) -> tuple[str, int]:
        lines = [f"{'ACCEPTED' if r.accepted else 'NOT ACCEPTED'} {node}"
                 + "".join(f"\n    {reason}" for reason in r.reasons) for node, r in found.items()]
        return "\n".join(lines), EXIT_VALID if all(r.accepted for r in found.values()) else EXIT_INVALID

    finish(lambda: fivesafes_crate.receive_federation(
        summary, trust=fivesafes_crate.load_trust_store(trust) if trust is not None else None, policy=policy), render)
