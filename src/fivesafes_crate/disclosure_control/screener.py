"""Screening outputs: one file, named files below a folder, or everything that would leave the TRE in a crate.

A crate's outputs in scope are the files of its run's results (the ``result`` of every ``CreateAction``,
folders expanded) and everything under ``outputs/``, declared or not: everything in the bag leaves the TRE.
Files are read through the guarded storage of :mod:`~fivesafes_crate.model.source` (no link followed, no name
outside the container, ZIP members read in place with the bag-reading limits).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..errors import CrateReadError, UnsafeInputError
from ..model.reviews import files_below, outputs_in_scope
from ..model.source import (
    BAG_DECLARATION,
    DEFAULT_LIMITS,
    METADATA_FILE,
    DirectoryStorage,
    Entry,
    EntryKind,
    Limits,
    open_source,
)
from ._files import open_regular
from .evidence import Evidence
from .formats import Context, not_a_file, screen_stream
from .outcomes import OutputScreening, ScreeningReport
from .policy import DEFAULT_PRESET, PRESETS, DisclosurePolicy

if TYPE_CHECKING:
    pass

_Lookup = Callable[[str], Entry | None]
_Opener = Callable[[str], IO[bytes]]
_Listing = Callable[[], Mapping[str, Entry]]


def screen_output(path: str | os.PathLike[str], name: str | None = None, policy: DisclosurePolicy | None = None,
                  evidence: Evidence | None = None, *, limits: Limits = DEFAULT_LIMITS) -> OutputScreening:
    """Screen one output file on disk (never through a symbolic link); ``name`` is how the report calls it
    (default: the file name), ``policy`` defaults to ``acro-default``. Raises
    :class:`~fivesafes_crate.errors.CrateReadError` when it cannot be read."""
    file = Path(path)
    with open_regular(file, CrateReadError) as stream:
        size = os.fstat(stream.fileno()).st_size
        context = Context(policy or PRESETS[DEFAULT_PRESET], evidence, limits)
        return screen_stream(stream, name or file.name, size, context)


def screen_outputs(root: str | os.PathLike[str], names: Iterable[str], policy: DisclosurePolicy,
                   evidence: Evidence | None = None, *, limits: Limits = DEFAULT_LIMITS) -> ScreeningReport:
    """Screen the files called ``names`` (POSIX paths relative to ``root``, e.g. crate-relative names in a crate
    folder); a folder name stands for every file below it. Raises
    :class:`~fivesafes_crate.errors.CrateReadError` for a name that does not exist."""
    storage = DirectoryStorage(Path(root), limits)
    context = Context(policy, evidence, limits)
    return _report(_Files(storage.lookup, storage.open, storage.entries), _expand(storage.lookup, storage.entries,
                                                                                names), context)


def screen_target(path: str | os.PathLike[str], policy: DisclosurePolicy, evidence: Evidence | None = None, *,
                  limits: Limits = DEFAULT_LIMITS) -> ScreeningReport:
    """Screen what ``path`` holds: a crate folder, bag folder or bag ZIP (its results and ``outputs/``), a plain
    folder of outputs (every file in it), or a single output file."""
    given = Path(path)
    if given.is_symlink():
        raise CrateReadError("is a symbolic link; give the real path", path=given.name or str(given))
    if not given.exists():
        raise CrateReadError("no such file or folder", path=str(given))
    context = Context(policy, evidence, limits)
    if _is_crate(given):
        from ..model.crate import load_crate  # deferred: start-up (the metadata parser only for crates)

        with open_source(given, limits) as source:
            # Refused ZIP members, or entries beside the bag folder, would leave the TRE unscreened. A bag at the
            # ZIP root is only a matter of form.
            blocking = [f for f in source.findings if f.check != "zip.single-top-level" or source.bag_prefix]
            if blocking:
                raise UnsafeInputError(f"cannot screen every output: {blocking[0].message}", path=given.name)
            crate = load_crate(source)
            entries = source.crate_entries()
            files = _Files(source.crate_entry, source.open_in_crate, lambda: entries)
            return _report(files, outputs_in_scope(crate, entries), context)
    if given.is_dir():
        storage = DirectoryStorage(given, limits)
        names = sorted(name for name, entry in storage.entries().items() if entry.kind is not EntryKind.DIRECTORY)
        return _report(_Files(storage.lookup, storage.open, storage.entries), names, context)
    return ScreeningReport(policy, (screen_output(given, None, policy, evidence, limits=limits),),
                           evidence.source if evidence else None)


def _is_crate(path: Path) -> bool:
    """A crate folder, bag folder, crate metadata file, or a ZIP holding a bag or a crate."""
    if path.is_dir():
        return (path / BAG_DECLARATION).exists() or (path / METADATA_FILE).exists()
    if path.name == METADATA_FILE:
        return True
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return any(name in (BAG_DECLARATION, METADATA_FILE) or (name.count("/") == 1 and name.endswith(
        "/" + BAG_DECLARATION)) for name in names)


class _Files:
    """Lookup, open and listing over one container (a folder, or the crate inside a source)."""

    def __init__(self, lookup: _Lookup, opener: _Opener, listing: _Listing) -> None:
        self.lookup, self.open, self.entries = lookup, opener, listing


def _expand(lookup: _Lookup, listing: _Listing, names: Iterable[str]) -> list[str]:
    found: set[str] = set()
    for name in names:
        entry = lookup(name.rstrip("/"))
        if entry is None:
            raise CrateReadError("no such output file", path=name)
        found.update(files_below(listing(), name) if entry.kind is EntryKind.DIRECTORY else [name.rstrip("/")])
    return sorted(found)


def _report(files: _Files, names: Iterable[str], context: Context) -> ScreeningReport:
    outputs = []
    for name in names:
        entry = files.lookup(name)
        if entry is None:
            raise CrateReadError("no such output file", path=name)
        if entry.kind is not EntryKind.FILE:
            outputs.append(not_a_file(name))
            continue
        with files.open(name) as stream:
            outputs.append(screen_stream(stream, name, entry.size, context))
    evidence = context.evidence.source if context.evidence is not None else None
    return ScreeningReport(context.policy, tuple(outputs), evidence)
