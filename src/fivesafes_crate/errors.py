"""The exceptions a user of the library can cause.

Every error carries the crate-relative ``path`` (file) and the ``entity_id`` (``@id`` as written) it concerns,
so that the CLI and TRE software can say *where* in one line. Findings about a crate are never exceptions:
they are :class:`~fivesafes_crate.issues.Issue` objects in a report. An exception means the job could not be
done at all (the input cannot be opened, an argument is wrong).

This module imports nothing from the package.
"""

from __future__ import annotations


class FiveSafesError(Exception):
    """Base class of every error the library raises on purpose."""

    def __init__(self, message: str, *, path: str | None = None, entity_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.entity_id = entity_id

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.path, self.entity_id) if part)
        return f"{where}: {self.message}" if where else self.message

    def lines(self) -> list[str]:
        """The error as lines to show, one per problem: ``[str(self)]``, unless the error collects several
        problems (every problem of a request spec file, each with its location)."""
        return [str(self)]


class CrateReadError(FiveSafesError):
    """The input cannot be opened as a crate at all (missing path, not a ZIP, no metadata file...)."""


class UnsafeInputError(CrateReadError):
    """The input tries to escape its container or exhaust resources (links, ``..`` names, ZIP bombs)."""


class ContextUnavailable(FiveSafesError):
    """A JSON-LD context URL is not bundled with the package; it is never fetched from the network."""

    def __init__(self, url: str, *, path: str | None = None) -> None:
        super().__init__(f"JSON-LD context {url!r} is not bundled and is never fetched", path=path)
        self.url = url


class UsageError(FiveSafesError):
    """An argument given to a library function or command is not acceptable (unknown profile, phase...)."""


class OutputExistsError(UsageError):
    """The output named already exists and is never replaced unless asked (``overwrite=True``, ``--force``)."""
