"""Rendering library results for the terminal: colour for people, exact JSON for machines.

Crate-derived text goes into rich markup only through :func:`shown`: its control characters become visible
escapes and its square brackets stay text, so a crate can neither break the markup nor drive the terminal.
"""

from __future__ import annotations

import io
import sys

from rich.console import Console, RenderableType
from rich.markup import escape

from fivesafes_crate import Report, printable

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
    "message": "",
}


PIPE_WIDTH = 120
"""Width of tables written to a pipe or file (a terminal uses its own width)."""


_BACKSLASH_GUARD = "[bold][/bold]"
"""An empty span: after doubled trailing backslashes it keeps them from escaping whatever markup follows."""


def shown(text: str) -> str:
    """``text`` (from a crate, a file or the library) ready to put into rich markup, showing what it says.

    Control and bidi characters become escapes (:func:`~fivesafes_crate.untrusted.printable`) and markup
    is escaped. Trailing backslashes are doubled and closed off, because rich's ``escape`` leaves a backslash
    before the next tag (``a\\\\\\`` then ``[/]`` would escape the closing tag).
    """
    body = printable(text)
    head = body.rstrip("\\")
    trailing = len(body) - len(head)
    return escape(head) + ("\\" * (2 * trailing) + _BACKSLASH_GUARD if trailing else "")


def styled(text: str, style: str) -> str:
    """``text`` :func:`shown` in a rich style (``bold red``...); no style: only shown."""
    return f"[{style}]{shown(text)}[/]" if style else shown(text)


def console_text(markup: str | RenderableType) -> str:
    """Render rich markup (or a rich renderable such as a table) to a string: coloured on a terminal (without
    colour, bold and dim kept, when ``NO_COLOR`` is set), plain otherwise.

    A safety net for markup: any control character but the newlines that separate its lines is shown as an
    escape before rich sees it (rich passes ESC through). Text in a table's cells must be :func:`shown`.
    ``:name:`` stays text (no emoji codes).
    """
    if isinstance(markup, str):
        markup = "\n".join(map(printable, markup.split("\n")))
    buffer = io.StringIO()
    terminal = sys.stdout.isatty()
    no_color = True if not terminal else None  # None: rich honours NO_COLOR (https://no-color.org) on a terminal
    console = Console(file=buffer, force_terminal=terminal, no_color=no_color, highlight=False, emoji=False,
                      soft_wrap=True, width=None if terminal else PIPE_WIDTH)
    console.print(markup, end="")
    return buffer.getvalue()


def render_report(report: Report, fmt: Format) -> str:
    """The report in the requested format; text is grouped, coloured and ends with the verdict."""
    if fmt is Format.text:
        return console_text(render_text(report, lambda text, role: styled(text, _STYLES[role])))
    return REPORTERS[fmt.value](report)
