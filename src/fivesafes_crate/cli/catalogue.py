"""``fivesafes profiles`` and ``fivesafes checks``: what the validator knows."""

from __future__ import annotations

import json

import fivesafes_crate

from ._app import EXIT_VALID, app, finish
from ._options import Format, FormatOpt
from .render import console_text


@app.command()
def profiles(fmt: FormatOpt = Format.text) -> None:
    """List the supported Five Safes RO-Crate profile versions."""
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import Profile

    def render(found: list[Profile]) -> tuple[str, int]:
        if fmt is Format.json:
            return json.dumps([p.as_json() for p in found], indent=2), EXIT_VALID
        lines = [f"[bold]{p.version}[/]  {p.id}  ({p.status})" for p in found]
        return console_text("\n".join(lines)), EXIT_VALID

    finish(fivesafes_crate.list_profiles, render)


@app.command()
def checks(fmt: FormatOpt = Format.text) -> None:
    """List every check id with its severity, first stage, spec section and description."""
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import CheckInfo

    def render(found: list[CheckInfo]) -> tuple[str, int]:
        if fmt is Format.json:
            rows = [
                {"check": c.id, "severity": c.severity.label, "stage": c.stage.value, "section": c.section,
                 "anchor": c.anchor, "kind": c.kind, "profiles": list(c.profiles), "description": c.description}
                for c in found
            ]
            return json.dumps(rows, indent=2), EXIT_VALID
        width = max((len(c.id) for c in found), default=0)
        lines = [
            f"{c.id:<{width}}  {c.severity.label:<6}  {c.stage.value:<18}  {c.section}" for c in found
        ]
        return "\n".join(lines), EXIT_VALID

    finish(fivesafes_crate.list_checks, render)
