"""The ``fivesafes`` command line: a thin layer that parses, calls one library function, renders, exits.

The application, its exit codes and its error line live in :mod:`._app`, the options several commands share in
:mod:`._options`, the options and rendering of the lifecycle steps in :mod:`._steps`, and each command group in
a module of its own, which registers its commands on the app when imported here. Heavy modules (rdflib, pyshacl,
pyld) are imported inside commands so that ``fivesafes --help`` stays fast.
"""

from __future__ import annotations

from . import tre  # noqa: F401  (first: command groups are listed in --help in the order they register)

# isort: split
from . import (  # noqa: F401  (commands register themselves on the app)
    catalogue,
    disclosure,
    disclosure_record,
    export,
    federate,
    interop,
    new,
    package,
    preview,
    receiving,
    results,
    signing,
    tre_execution,
    tre_review,
    validate,
)
from ._app import EXIT_ERROR, EXIT_INVALID, EXIT_VALID, app, finish, main

__all__ = ["EXIT_ERROR", "EXIT_INVALID", "EXIT_VALID", "app", "finish", "main"]
