"""Renderers that turn a :class:`~fivesafes_crate.issues.Report` into text for people, JSON for machines, or
SARIF and JUnit XML for CI systems.

``REPORTERS`` maps a format name to a function ``(report) -> str``; ``MULTI_REPORTERS`` maps the CI formats
(SARIF, JUnit XML) to functions ``(reports) -> str`` that render several crates' reports, keyed by the path each
crate was validated from, as one document. Renderers never print; the CLI decides where output goes (and adds
colour to text through the ``style`` hook of :func:`.text.render_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..issues import Report
from .json import render_json
from .junit import render_junit
from .sarif import render_sarif
from .text import render_text

Reporter = Callable[[Report], str]
MultiReporter = Callable[[Mapping[str, Report]], str]

REPORTERS: dict[str, Reporter] = {"text": render_text, "json": render_json}
MULTI_REPORTERS: dict[str, MultiReporter] = {"sarif": render_sarif, "junit": render_junit}
