"""Progress of the library's long jobs on the terminal: hashing or copying a payload of many megabytes.

The library reports ``progress(done, total)`` in bytes through a callback (``progress=`` of
:func:`~fivesafes_crate.package`, :func:`~fivesafes_crate.validate`, :func:`~fivesafes_crate.record_check`,
:func:`~fivesafes_crate.sanitize`, :func:`~fivesafes_crate.receive`...); :class:`ProgressBar` is that callback
for the CLI. It draws on stderr, and only on a terminal: never into a pipe, a file or a machine-readable report.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

T = TypeVar("T")

PROGRESS_MIN_BYTES = 8 * 1000 * 1000
"""Payloads smaller than this finish too quickly for a progress bar to help."""

class ProgressBar:
    """``progress(done, total)`` for the library: a rich bar on stderr, only on a terminal and for big payloads.

    The bar starts at the first call whose total reaches :data:`PROGRESS_MIN_BYTES`; the library may call from
    a hashing thread (rich serialises updates). :meth:`run` stops the bar before the result is printed.
    ``enabled`` False (a command printing JSON, SARIF or JUnit) never draws it.
    """

    def __init__(self, label: str, *, enabled: bool = True) -> None:
        self._label = label
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._enabled = enabled and sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self._progress is None:
            if not self._enabled or total < PROGRESS_MIN_BYTES:
                return
            # deferred: start-up (rich.progress costs ~10 ms; most commands never draw a bar)
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

            self._progress = Progress(
                TextColumn(self._label), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                console=Console(file=sys.stderr), transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self._label, total=total)
        assert self._task is not None
        self._progress.update(self._task, completed=done, total=total)

    def run(self, job: Callable[[], T]) -> T:
        """Run ``job`` and remove the bar afterwards, whatever happens."""
        with self:
            return job()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
