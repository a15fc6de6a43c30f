"""A working copy for one lifecycle step: the crate is edited in a copy and moved into place only on success.

Every TRE step reads a crate (a crate folder, a bag folder or a bag ZIP), edits its metadata and perhaps its
files, and must either leave the new state or the old one, byte for byte, whatever happens in between (an
error, a refused step, ``kill -9``). :func:`workspace` provides that:

* **Working copy.** A folder is copied into a hidden temporary sibling with *hard links* (no payload bytes are
  copied, so a 1 GiB bag costs nothing); a ZIP is unpacked there with :func:`~..packaging.unpack` and its
  guards. Steps never modify a file in place: they write new files (:func:`~..model.crate.write_atomic`) or
  delete them, so the linked originals keep their bytes. Links and special files are refused, as by ``pack``.
* **Commit.** When the step marked the workspace changed: the metadata is serialised, the crate's preview
  ``ro-crate-preview.html`` is rewritten from it (:func:`~fivesafes_crate.website.render_preview`; always, so that it
  never shows a stale state; never listed in ``hasPart``), the bag's manifests are regenerated
  (:func:`~..packaging.refresh_bag`: payload manifest, then tag manifest), the ``finalizers`` run on the finished
  folder (signing hooks), and the result replaces the original: a folder by an atomic exchange of the two
  directories (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames with recovery of an interrupted swap
  on the next step), a ZIP by :func:`~..packaging.archive_bag` and an atomic ``os.replace``. A step that changes
  nothing leaves the original untouched, manifests included.
* **Nowhere to write.** Every write of a step happens beside the target (the working copy, the new ZIP), so a
  read-only folder, a missing permission or a full disk is a :class:`~fivesafes_crate.errors.StorageError`
  naming the target, raised before the original is touched.
* **One step at a time.** The parent folder is locked (``flock``) for the duration of a step, so two TRE
  workers never interleave steps on crates in the same folder and lose one of the records.
"""

from __future__ import annotations

import contextlib
import enum
import glob
import logging
import os
import shlex
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import CrateError, UnsafeInputError, UsageError
from ..model.crate import Crate, load_crate, serialise, write_atomic
from ..model.folders import folder_lock, link_tree, recover_swap, swap_folder
from ..model.safe_files import naming, writing
from ..model.source import DEFAULT_LIMITS, METADATA_FILE, WEBSITE_FILE, CrateSource, Limits, SourceKind, open_source
from ..packaging import PAYLOAD_PREFIX, KnownDigests, archive_bag, refresh_bag, unpack
from ..signing.listing import claimed_signatures
from ..website import render_preview

log = logging.getLogger(__name__)

class TargetKind(enum.Enum):
    """The forms a lifecycle step works on."""

    CRATE_FOLDER = "crate folder"
    BAG_FOLDER = "bag folder"
    BAG_ZIP = "bag ZIP"


Finalizer = Callable[[Path], None]
"""Called with the finished working folder (manifests current) before it replaces the original."""


@dataclass
class Workspace:
    """The working copy of one crate during one step.

    ``folder`` is the working bag folder (or crate folder), ``crate`` its parsed metadata. Set ``changed``
    (or call :meth:`touch`) after editing, otherwise nothing is written.
    """

    target: Path
    kind: TargetKind
    folder: Path
    crate: Crate
    changed: bool = False
    finalizers: list[Finalizer] = field(default_factory=list)
    known: KnownDigests | None = None
    """Digests of the working copy's files already computed by the step (the check phase's verification): the
    commit's manifests reuse them for the files unchanged since (:func:`~..packaging.refresh_bag`)."""

    @property
    def is_bag(self) -> bool:
        """True when the crate travels as a bag (folder or ZIP), whose manifests each step regenerates."""
        return self.kind is not TargetKind.CRATE_FOLDER

    @property
    def crate_root(self) -> Path:
        """The folder holding ``ro-crate-metadata.json`` in the working copy."""
        return self.folder / PAYLOAD_PREFIX.rstrip("/") if self.is_bag else self.folder

    def touch(self) -> None:
        """Mark the crate as changed: the commit writes the metadata and regenerates the manifests."""
        self.changed = True

    def path_of(self, name: str) -> Path:
        """The working-copy path of a crate-relative name (``outputs/table.csv``); never outside the crate."""
        parts = [part for part in name.split("/") if part]
        if not parts or any(part in (".", "..") or "\\" in part for part in parts):
            raise UnsafeInputError("not a safe crate-relative name", path=name)
        return self.crate_root.joinpath(*parts)


def target_kind(source: CrateSource) -> TargetKind:
    """What an opened input is, for a step: a crate folder, a bag folder or a bag ZIP; anything else is refused."""
    kind = source.kind
    if kind is SourceKind.DIRECTORY:
        return TargetKind.CRATE_FOLDER
    if kind is SourceKind.BAG_DIRECTORY:
        return TargetKind.BAG_FOLDER
    if kind is SourceKind.BAG_ZIP:
        return TargetKind.BAG_ZIP
    raise UsageError("a lifecycle step works on a crate folder, a bag folder or a ZIP holding one bag folder",
                     path=source.label)


@contextlib.contextmanager
def workspace(
    target: str | os.PathLike[str],
    *,
    bagging_date: date,
    limits: Limits = DEFAULT_LIMITS,
    require_bag: bool = False,
) -> Iterator[Workspace]:
    """Open ``target`` for one step; on a normal exit commit the changes, on an exception leave it untouched.

    ``bagging_date`` goes into a regenerated ``bag-info.txt``. With ``require_bag`` a plain crate folder is
    refused (:class:`~fivesafes_crate.errors.UsageError`): the check phase verifies BagIt manifests.
    """
    given = Path(target)
    with folder_lock(given):
        recover_swap(given)
        with open_source(given, limits) as source:
            kind = target_kind(source)
            if require_bag and kind is TargetKind.CRATE_FOLDER:
                command = f"fivesafes pack {shlex.quote(source.label)}"
                raise UsageError(f"this step needs a bag (a bag folder or a bag ZIP): run {command!r} first",
                                 path=source.label)
            # Read from the input itself, so that errors and refusals name it as the user gave it (not the
            # working copy); the working copy holds the same bytes, and the commit writes this document.
            crate = load_crate(source)
        crate.source = None  # the working copy is temporary; never save into it by accident
        _remove_stale_copies(given)
        with writing(given):
            temporary = Path(tempfile.mkdtemp(prefix=_copy_prefix(given), suffix=".tmp", dir=given.parent))
        try:
            folder = temporary / "bag"
            with writing(given):
                if kind is TargetKind.BAG_ZIP:
                    unpack(given, folder, limits=limits)
                else:
                    link_tree(given, folder)
            space = Workspace(given, kind, folder, crate)
            with naming(given):  # the step and its hooks write beside the target: a failure is the target's
                yield space
                if space.changed:
                    _commit(space, bagging_date, limits)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)


def _commit(space: Workspace, bagging_date: date, limits: Limits) -> None:
    with writing(space.target):
        write_atomic(space.crate_root / METADATA_FILE, serialise(space.crate))
        signatures = None
        if space.is_bag:
            with open_source(space.folder, limits) as bag:
                signatures = claimed_signatures(bag)
        try:
            page = render_preview(space.crate, signatures=signatures)
            write_atomic(space.crate_root / WEBSITE_FILE, page.encode("utf-8"))
        except UsageError as exc:  # the crate holds a folder, link or FIFO of that name: its fault, not the disk's
            raise CrateError(f"cannot write the preview: {exc.message}", path=WEBSITE_FILE) from exc
        if space.is_bag:
            refresh_bag(space.folder, bagging_date=bagging_date, limits=limits, known=space.known)
    for finalize in space.finalizers:  # a hook's own errors are its own; only a StorageError is renamed
        finalize(space.folder)
    if space.kind is TargetKind.BAG_ZIP:
        archive_bag(space.folder, space.target, limits=limits)
    else:
        swap_folder(space.folder, space.target)
    log.info("updated %s", space.target)


# --- leftovers of interrupted steps ------------------------------------------------------------------------


def _copy_prefix(target: Path) -> str:
    """The name prefix of the hidden working copies of ``target`` (distinct from ``pack``'s temporary files)."""
    return f".{target.name}.fivesafes-step-"


def _remove_stale_copies(target: Path) -> None:
    """Remove working copies a killed step left beside ``target`` (safe: called under the step lock)."""
    prefix = _copy_prefix(target)
    parent = target.parent if str(target.parent) else Path(".")
    for leftover in parent.glob(f"{glob.escape(prefix)}*.tmp"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
            log.warning("removed %s, left by an interrupted step", leftover.name)


__all__ = ["Finalizer", "TargetKind", "Workspace", "target_kind", "workspace"]
