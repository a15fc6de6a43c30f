"""Renderers that turn a :class:`~fivesafes_crate.issues.Report` into text for people or JSON for machines.

``REPORTERS`` maps a format name to a function ``(report) -> str``. Renderers never print; the CLI decides
where output goes (and adds colour to text through the ``style`` hook of :func:`.text.render_text`).
"""

from __future__ import annotations

from collections.abc import Callable

from ..issues import Report
from .json import render_json
from .text import render_text

Reporter = Callable[[Report], str]

REPORTERS: dict[str, Reporter] = {"text": render_text, "json": render_json}
