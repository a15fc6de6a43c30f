"""Rendering library results for the terminal: colour for people, exact JSON for machines."""

from __future__ import annotations

import io
import sys

from rich.console import Console, RenderableType
from rich.markup import escape

from ..issues import Report
from ..reporting import REPORTERS
from ..reporting.text import render_text
from ._options import Format

_STYLES = {
    "must": "bold red",
    "should": "bold yellow",
    "may": "bold blue",
    "entity": "bold",
    "check": "cyan",
    "valid": "bold green",
    "invalid": "bold red",
    "muted": "dim",
}


PIPE_WIDTH = 120
"""Width of tables written to a pipe or file (a terminal uses its own width)."""


def console_text(markup: str | RenderableType) -> str:
    """Render rich markup (or a rich renderable such as a table) to a string: coloured on a terminal, plain
    otherwise (and with NO_COLOR)."""
    buffer = io.StringIO()
    terminal = sys.stdout.isatty()
    console = Console(file=buffer, force_terminal=terminal, no_color=not terminal, highlight=False,
                      soft_wrap=True, width=None if terminal else PIPE_WIDTH)
    console.print(markup, end="")
    return buffer.getvalue()


def render_report(report: Report, fmt: Format) -> str:
    """The report in the requested format; text is grouped, coloured and ends with the verdict."""
    if fmt is Format.text:
        return console_text(render_text(report, lambda text, role: f"[{_STYLES[role]}]{escape(text)}[/]"))
    return REPORTERS[fmt.value](report)
