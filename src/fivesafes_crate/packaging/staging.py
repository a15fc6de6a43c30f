"""Staged outputs: a folder is built in a hidden temporary sibling and renamed into place only when complete.

On any error the temporary folder is removed and the target is untouched, so an interrupted or failed run
leaves no partial output. Write failures (:class:`WriteFailed`, :class:`OSError`) become a
:class:`~fivesafes_crate.errors.StorageError` naming the output (:func:`write_error`); ZIP outputs are staged
the same way by :func:`~.zip_writer.new_zip`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputExistsError, StorageError
from ..model.safe_files import new_temporary_folder, writing


class WriteFailed(Exception):
    """An ``OSError`` while writing the output, carried past the read-error handling of a copy loop.

    Internal: :func:`write_error` turns it into a :class:`~fivesafes_crate.errors.StorageError`.
    """

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def write_error(exc: BaseException, target: Path) -> BaseException:
    """The error to raise for a failure while writing ``target``: write failures become a StorageError."""
    error = exc.error if isinstance(exc, WriteFailed) else exc
    if isinstance(error, OSError):
        return StorageError.from_os_error(error, target)
    return exc


@contextmanager
def new_folder(target: Path, doing: str) -> Iterator[Path]:
    """Build a folder in a temporary sibling and rename it to ``target`` only if the block succeeds.

    On any error the temporary folder is removed and ``target`` is untouched: never a half-written output. A
    temporary of ``target`` left by a killed run is removed first
    (:func:`~fivesafes_crate.model.safe_files.new_temporary_folder`).
    """
    with writing(target):
        claimed = new_temporary_folder(target)
    temporary = claimed.path
    try:
        yield temporary
        if os.path.lexists(target):
            raise OutputExistsError(f"the output appeared while {doing}; nothing was replaced", path=str(target))
        os.rename(temporary, target)
    except BaseException as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        error = write_error(exc, target)
        if error is exc:
            raise
        raise error from exc
    finally:
        claimed.release()


__all__ = ["WriteFailed", "new_folder", "write_error"]
