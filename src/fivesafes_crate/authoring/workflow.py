"""The workflow a request names: a WorkflowHub-style URL, or a local Workflow RO-Crate (folder or ZIP).

A local Workflow RO-Crate is read through :func:`~fivesafes_crate.model.source.open_source` (ZIPs are read in
place, with the usual guards) to learn its name and the ``FormalParameter`` inputs of its main workflow
(``mainEntity`` → ``input``); :func:`copy_workflow_crate` then copies its files into the request crate.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import CrateReadError, UnsafeInputError, UsageError
from ..model.crate import load_crate
from ..model.entities import JSON, Entity, has_type, ref_ids
from ..model.safe_files import CHUNK_SIZE, create_exclusive
from ..model.source import CrateSource, EntryKind, open_source
from ..model.vocab import WORKFLOWHUB_URL

logger = logging.getLogger(__name__)



class WorkflowCrateError(CrateReadError):
    """A local workflow is not a readable Workflow RO-Crate (no ``mainEntity``, unsafe content...)."""


class UnknownInputError(UsageError):
    """An input names no ``FormalParameter`` of the workflow; ``known`` lists the workflow's input names."""

    def __init__(self, name: str, known: tuple[str, ...], *, path: str | None = None) -> None:
        listed = ", ".join(repr(k) for k in known) if known else "none"
        super().__init__(f"input {name!r} is not an input of the workflow (its inputs: {listed})", path=path)
        self.name = name
        self.known = known


@dataclass(frozen=True, slots=True)
class FormalParameterInfo:
    """What the request copies from a workflow's ``FormalParameter``: name, media type, additional type."""

    name: str
    encoding_format: JSON = None
    additional_type: JSON = None


@dataclass(frozen=True, slots=True)
class WorkflowCrateInfo:
    """A local Workflow RO-Crate: its workflow's name and input parameters (by name, in declared order)."""

    name: str | None
    parameters: tuple[FormalParameterInfo, ...]

    def parameter(self, name: str) -> FormalParameterInfo | None:
        """The input parameter called ``name``, or None."""
        return next((p for p in self.parameters if p.name == name), None)

    def check_inputs(self, names: list[str], *, path: str | None = None) -> None:
        """Raise :class:`UnknownInputError` for the first name that is no input of the workflow.

        A Workflow RO-Crate that declares no inputs at all cannot be checked (many crates do not list them):
        every name is then accepted, with a log message.
        """
        if not self.parameters:
            if names:
                logger.warning("the Workflow RO-Crate declares no inputs: input names cannot be checked")
            return
        known = tuple(p.name for p in self.parameters)
        for name in names:
            if name not in known:
                raise UnknownInputError(name, known, path=path)


def download_url(url: str) -> str | None:
    """The Workflow RO-Crate ZIP URL of a versioned WorkflowHub workflow URL, or None for other URLs.

    ``https://workflowhub.eu/workflows/289?version=1`` → ``https://workflowhub.eu/workflows/289/ro_crate?version=1``.
    """
    match = WORKFLOWHUB_URL.match(url)
    return f"{match.group(1)}/ro_crate?version={match.group(2)}" if match else None


def folder_name(path: Path) -> str:
    """A safe folder name for a nested workflow crate: the folder name or ZIP stem, reduced to ``[A-Za-z0-9._-]``."""
    raw = path.stem if path.suffix.lower() == ".zip" else path.name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-.")
    return cleaned or "workflow"


def _text(value: JSON) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _parameter(entity: Entity) -> FormalParameterInfo | None:
    name = _text(entity.get("name"))
    if name is None or not has_type(entity, "FormalParameter"):
        return None
    return FormalParameterInfo(name, entity.get("encodingFormat"), entity.get("additionalType"))


def read_workflow_crate(path: Path) -> WorkflowCrateInfo:
    """Read a local Workflow RO-Crate (folder, ZIP or bag): its main workflow's name and input parameters.

    Raises :class:`~fivesafes_crate.errors.CrateReadError` when it cannot be read, and
    :class:`WorkflowCrateError` when its root names no ``mainEntity``.
    """
    with open_source(path) as source:
        return _describe(source, path.name)


def _describe(source: CrateSource, display: str) -> WorkflowCrateInfo:
    crate = load_crate(source)
    root = crate.root
    main_ids = ref_ids(root.get("mainEntity")) if root else []
    main = crate.get(main_ids[0]) if main_ids else None
    if root is None or main is None:
        raise WorkflowCrateError("not a Workflow RO-Crate: its root names no mainEntity workflow", path=display)
    parameters: list[FormalParameterInfo] = []
    for parameter_id in ref_ids(main.get("input")):
        entity = crate.get(parameter_id)
        info = _parameter(entity) if entity is not None else None
        if info is not None and all(p.name != info.name for p in parameters):
            parameters.append(info)
    name = _text(main.get("name")) or _text(root.get("name"))
    return WorkflowCrateInfo(name, tuple(parameters))


def copy_workflow_crate(path: Path, target: Path) -> None:
    """Copy the files of a Workflow RO-Crate (folder, ZIP or bag payload) into the new folder ``target``.

    Only regular files and folders are copied; a symbolic link, special file or refused ZIP entry makes the
    whole copy fail with :class:`~fivesafes_crate.errors.UnsafeInputError` (nothing is silently dropped).
    """
    with open_source(path) as source:
        if source.findings:
            raise UnsafeInputError(source.findings[0].message, path=path.name)
        entries = source.crate_entries()
        target.mkdir()
        for name in sorted(entries):
            entry = entries[name]
            if entry.kind in (EntryKind.SYMLINK, EntryKind.OTHER):
                what = "a symbolic link" if entry.kind is EntryKind.SYMLINK else "a special file"
                raise UnsafeInputError(f"the Workflow RO-Crate holds {what}: {name}", path=path.name)
            destination = target.joinpath(*name.split("/"))
            if entry.kind is EntryKind.DIRECTORY:
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with source.open_in_crate(name) as stream, create_exclusive(destination) as out:
                shutil.copyfileobj(stream, out, CHUNK_SIZE)


__all__ = [
    "FormalParameterInfo",
    "UnknownInputError",
    "WorkflowCrateError",
    "WorkflowCrateInfo",
    "copy_workflow_crate",
    "download_url",
    "folder_name",
    "read_workflow_crate",
]
