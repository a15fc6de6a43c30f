"""``fivesafes status`` (the lifecycle timeline) and ``fivesafes receive`` (the researcher's receiving checks)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import fivesafes_crate

from ._app import EXIT_INVALID, EXIT_VALID, app, finish
from ._options import (
    Format,
    FormatOpt,
    PathArg,
    ProfileOpt,
    SeverityChoice,
    SeverityOpt,
    TrustOpt,
    TrustPolicyOpt,
)
from ._progress import ProgressBar
from .render import console_text, shown

if TYPE_CHECKING:
    from fivesafes_crate import Receipt, Timeline

_STYLES = {"completed": "green", "failed": "bold red", "active": "yellow", "potential": "cyan"}


def render_timeline(timeline: Timeline) -> str:
    """The timeline as a table: step, outcome, agent, time; then the inferred stage."""
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from rich.table import Table

    table = Table(title="Lifecycle", show_lines=False)
    for column in ("step", "outcome", "time"):
        table.add_column(column, no_wrap=True)
    table.add_column("agent", ratio=1)
    table.add_column("action", ratio=2)
    for row in timeline.rows:
        label = row.status.label if row.status is not None else "no status"
        style = _STYLES.get(label, "")
        table.add_row(row.step.label, f"[{style}]{label}[/]" if style else label, shown(row.end or row.start or ""),
                      shown(", ".join(row.agents)), shown(row.name or row.action_id))
    return console_text(table) + console_text(f"stage: [bold]{timeline.stage.value}[/]")


@app.command()
def status(path: PathArg, fmt: FormatOpt = Format.text) -> None:
    """Show the lifecycle timeline of a crate (step, outcome, agent, time) and the stage it has reached.

    Example: [bold]fivesafes status result.bagit.zip[/]
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from ..reporting.json import timeline_to_json

    def render(timeline: Timeline) -> tuple[str, int]:
        if fmt is Format.json:
            return json.dumps(timeline_to_json(timeline), indent=2, ensure_ascii=False), EXIT_VALID
        return render_timeline(timeline).rstrip("\n"), EXIT_VALID

    finish(lambda: fivesafes_crate.status(path), render)


def _signatures_line(receipt: Receipt) -> str:
    """Whether the signatures were checked, and how they stand: receiving without ``--trust`` trusts nobody."""
    found = receipt.signatures
    if found is None:
        why = "not a bag" if receipt.bag is None else "give --trust TRUST.toml (and --policy NAME) to verify them"
        return f"signatures: [yellow]not checked[/] ({why})"
    policy = f", policy {shown(found.policy)}" if found.policy else ""
    outcome = "[green]verified[/]" if found.valid else "[bold red]do not verify[/]"
    return f"signatures: {outcome} ({len(found.envelopes)} envelope(s){policy})"


@app.command()
def receive(
    path: PathArg,
    profile: ProfileOpt = None,
    severity: SeverityOpt = SeverityChoice.should,
    trust: TrustOpt = None,
    policy: TrustPolicyOpt = None,
    fmt: FormatOpt = Format.text,
) -> None:
    """Check a crate handed back by a TRE: BagIt manifests, validation, and the status of every review step.

    With [bold]--trust[/] the signatures are verified too (under [bold]--policy[/]), and each review action
    counts only when a trusted TRE signature backs it.

    Exit status: 0 accepted; 1 anything failed, pending, missing or invalid (a publishing action alone is not
    enough); 2 unreadable input.

    Example: [bold]fivesafes receive result.bagit.zip --format json[/]
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import Severity

    # deferred: start-up (the CLI loads the library only for the command that runs)
    from ..reporting.json import receipt_to_json

    def render(receipt: Receipt) -> tuple[str, int]:
        code = EXIT_VALID if receipt.accepted else EXIT_INVALID
        if fmt is Format.json:
            return json.dumps(receipt_to_json(receipt), indent=2, ensure_ascii=False), code
        lines = [render_timeline(receipt.timeline).rstrip("\n"), console_text(_signatures_line(receipt)).rstrip("\n")]
        lines.extend(console_text(f"[red]✗[/] {shown(reason)}").rstrip("\n") for reason in receipt.reasons)
        verdict = "[bold green]ACCEPTED[/]" if receipt.accepted else "[bold red]NOT ACCEPTED[/]"
        lines.append(console_text(verdict).rstrip("\n"))
        return "\n".join(lines), code

    bar = ProgressBar("verifying", enabled=fmt is not Format.json)
    finish(lambda: bar.run(lambda: fivesafes_crate.receive(
        path, profile=profile, threshold=Severity.parse(severity.value),
        trust=fivesafes_crate.load_trust_store(trust) if trust is not None else None, policy=policy, progress=bar)),
           render)
