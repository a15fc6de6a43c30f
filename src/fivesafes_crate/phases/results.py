"""Outputs of the workflow run: copied under ``outputs/``, referenced by URI, or given as values.

Each output is described as the profile's "Outputs" section asks (types from the Workflow Run Crate profile)
and becomes a ``result`` of the run's ``CreateAction``:

* a **file** is copied to ``outputs/<name>`` and described as a ``File`` with ``name``, ``encodingFormat``,
  ``contentSize`` and ``sha256`` (of the bytes copied); a **folder** is copied whole, as a ``Dataset`` whose
  ``hasPart`` lists its files and folders, described the same way at every depth. Links, devices and other
  special files, unsafe names and names that clash (after Unicode normalisation and case folding) with what
  the crate holds are refused. Copies are new files of the working copy: nothing is modified in place.
* a **reference** by absolute URI (data too large to copy, or kept elsewhere) is a ``File`` with that ``@id``
  (a ``Dataset`` when the URI ends with ``/``); nothing is downloaded.
* a **sensitive reference**, to data that must stay inside the TRE, follows the "Sensitive data" and
  "Security considerations" sections: a ``DigitalDocument`` whose ``hasDigitalDocumentPermission`` grants
  ``ReadPermission`` to the responsible project only. Its URI is never written: the ``@id`` is
  ``urn:uuid:`` + the UUID v5 of the URI in a *namespace* UUID that the TRE keeps secret (one per TRE or
  per project, so that identifiers cannot be linked across projects). UUID v5 is a hash, not encryption:
  whoever knows the namespace can hash candidate URIs and compare, so predictable names
  (``s3://tre/patient-456.csv``) would still be found by iterating over ``patient-1``, ``patient-2``...;
  the namespace must therefore stay secret, and the URIs should themselves contain unguessable parts.
  The same URI always gives the same identifier within a namespace, so the TRE can find the data again.
* a **value** is a ``PropertyValue`` with ``name`` and ``value``.

Files, folders and plain references are also linked from the root's ``hasPart`` (data entities);
sensitive documents and values are only results, since they are not part of the crate's content.

Results need a running or completed run (a failed run ends the lifecycle). Attaching results after the
disclosure check started or approved puts it back to pending (:func:`~.disclosure.reset_disclosure`): the new
results have not been checked.
"""

from __future__ import annotations

import logging
import math
import os
import stat
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ..authoring.builder import media_type
from ..errors import CrateError, StorageError, UnsafeInputError, UsageError
from ..model.crate import Crate
from ..model.entities import Entity, ref_ids
from ..model.lifecycle import LifecycleState, Status, Step, main_action, provenance
from ..model.reviews import OUTPUTS_FOLDER
from ..model.safe_files import NotRegularFile, create_exclusive, hash_stream, open_regular, writing
from ..model.source import DEFAULT_LIMITS, Limits, open_source, unsafe_name_reason
from ..model.vocab import SCHEMA, uri_scheme
from ..signing.writer import SignHook
from .disclosure.decision import reset_disclosure
from .lifecycle import Clock, IdFactory, StepResult, apply_step, new_uuid, refuse, require_open, system_clock
from .workspace import Workspace

log = logging.getLogger(__name__)

READ_PERMISSION = SCHEMA + "ReadPermission"
_SHOWN = 5
"""How many result ids the one-line summary names."""


@dataclass(frozen=True)
class OutputFile:
    """A file or folder the run produced, copied into the crate as ``outputs/<its name>``.

    ``name`` and ``encoding_format`` default to the file's name and the media type of its extension (the
    profile's tip: take them from the workflow's ``FormalParameter`` when it declares them).
    """

    path: Path
    name: str | None = None
    encoding_format: str | None = None


@dataclass(frozen=True)
class OutputReference:
    """An output referenced by absolute URI rather than copied; ``sensitive`` when it must stay in the TRE."""

    uri: str
    name: str | None = None
    encoding_format: str | None = None
    sensitive: bool = False


@dataclass(frozen=True)
class OutputValue:
    """A value the run produced (a count, a p-value), described as a ``PropertyValue``."""

    name: str
    value: str | int | float | bool


Output = OutputFile | OutputReference | OutputValue
"""Anything :func:`add_results` attaches."""


@dataclass
class _Plan:
    """What one call attaches: entities to write, files to copy, and the ids each place links to."""

    entities: list[Entity] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)  # crate-relative folders to create
    copies: list[tuple[Path, str]] = field(default_factory=list)  # (source file, crate-relative target)
    results: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # folded target name -> target name


def add_results(
    target: str | os.PathLike[str],
    outputs: Sequence[Output],
    *,
    namespace: uuid.UUID | None = None,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Attach outputs to the running or completed run: files and folders copied under ``outputs/``, references
    by URI, values; sensitive references hashed (UUID v5 in the TRE's secret ``namespace``).

    Each output becomes a ``result`` of the ``CreateAction`` (data entities also a ``hasPart`` of the root); a
    disclosure check in review or approved goes back to pending. See :class:`OutputFile`,
    :class:`OutputReference` and :class:`OutputValue`.

    ``namespace`` is the TRE's secret UUID for sensitive references (required when there is one). Value ids
    are ``#output-<new_id()>``. Returns the step with the updated ``CreateAction`` as its action.

    Refused (:class:`~.lifecycle.StepRefused`, crate untouched) unless the run is running or completed, and
    after a failed step or publishing; bad or unsafe outputs raise :class:`~fivesafes_crate.errors.UsageError`
    or :class:`~fivesafes_crate.errors.UnsafeInputError` naming the output.
    """
    if not outputs:
        raise UsageError("give at least one output: a file or folder, a URI or a NAME=VALUE value")
    if namespace is None and any(isinstance(o, OutputReference) and o.sensitive for o in outputs):
        raise UsageError("sensitive references need the TRE's secret namespace UUID to hash their identifiers")
    now = clock or system_clock
    make_id = new_id or new_uuid

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        require_open(state, crate, "attach results")
        run = main_action(crate)
        status = Status.of(run) if run is not None else None
        found = provenance(crate)
        if run is None or status not in (Status.ACTIVE, Status.COMPLETED) or found.run_received:
            what = "there is none" if run is None else \
                f"it is {status.label if status else 'without a status'}{found.run_note(run['@id'])}"
            raise refuse(f"cannot attach results: they need a running or completed workflow run, and {what}",
                         crate, run["@id"] if run else None,
                         first="tre run start {path}" if status is Status.POTENTIAL else None)
        plan = _plan(space, outputs, namespace, make_id)
        _write(space, plan)
        edit = crate.edit()
        root_id = crate.root_id or "./"
        for result_id in plan.results:
            edit.link(run["@id"], "result", result_id)
        for part_id in plan.parts:
            edit.link(root_id, "hasPart", part_id)
        shown = ", ".join(plan.results[:_SHOWN]) + (f" and {len(plan.results) - _SHOWN} more" if
                                                      len(plan.results) > _SHOWN else "")
        summary = f"results: {len(plan.results)} attached to the workflow run ({shown})"
        check = state.last(Step.DISCLOSURE)
        if check is not None:
            reset_disclosure(crate, check.id, plan.results)
            if check.status in (Status.ACTIVE, Status.COMPLETED):
                summary += "; the disclosure check is pending again"
        space.touch()
        log.info("attached %d result(s) to %s", len(plan.results), run["@id"])
        return run, summary

    return apply_step(target, body, clock=now, step=Step.EXECUTION, sign=sign, limits=limits)


# --- planning: every output checked before anything is copied ----------------------------------------------


def _plan(space: Workspace, outputs: Sequence[Output], namespace: uuid.UUID | None, new_id: IdFactory) -> _Plan:
    crate = space.crate
    plan = _Plan()
    with open_source(space.folder) as source:
        for name in source.crate_entries():
            plan.names[_folded(name)] = name
    outputs_entry = plan.names.get(_folded(OUTPUTS_FOLDER))
    if outputs_entry is not None and (outputs_entry != OUTPUTS_FOLDER or not space.path_of(outputs_entry).is_dir()):
        raise UnsafeInputError(f"the crate holds {outputs_entry!r}, which is not the {OUTPUTS_FOLDER}/ folder",
                               path=outputs_entry)
    for output in outputs:
        if isinstance(output, OutputFile):
            top = _plan_copy(plan, Path(output.path), output)
            plan.parts.append(top)
            plan.results.append(top)
        elif isinstance(output, OutputReference):
            if output.sensitive:
                assert namespace is not None
                plan.results.append(_plan_sensitive(crate, plan, output, namespace))
            else:
                plan.results.append(_plan_reference(plan, output))
                plan.parts.append(output.uri)
        else:
            plan.results.append(_plan_value(plan, output, new_id))
    seen: set[str] = set()
    for entity in plan.entities:
        if entity["@id"] in crate or entity["@id"] in seen:
            raise UsageError("this output is described already (in the crate, or given twice)",
                             path=crate.metadata_file, entity_id=entity["@id"])
        seen.add(entity["@id"])
    return plan


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _claim(plan: _Plan, name: str, shown: str) -> None:
    """Reserve the crate-relative ``name``; refuse unsafe names and clashes with the crate or other outputs.

    Stricter than packaging: no control character at all, line breaks included (which a bag can carry), since
    an output's name is read by the disclosure checker and the researcher, and a line break only misleads.
    """
    reason = unsafe_name_reason(name)
    if reason is not None or any(unicodedata.category(c) == "Cc" for c in name):
        raise UnsafeInputError(f"name refused ({reason or 'control character in name'})", path=shown)
    key = _folded(name)
    if key in plan.names:
        raise UsageError(f"{plan.names[key]!r} exists in the crate already (names are compared after Unicode "
                         "normalisation and case folding)", path=shown)
    plan.names[key] = name


def _entity_id(name: str, folder: bool) -> str:
    return quote(name) + ("/" if folder else "")


def _plan_copy(plan: _Plan, given: Path, output: OutputFile | None, inside: str = OUTPUTS_FOLDER) -> str:
    """Plan the copy of a file or folder to ``inside/<name>``; returns the ``@id`` of its entity."""
    shown = str(given)
    try:
        info = given.lstat()
    except OSError as exc:
        raise UsageError(f"cannot read the output: {exc.strerror or exc}", path=shown) from exc
    name = Path(os.path.abspath(given)).name
    target = f"{inside}/{name}"
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeInputError("is a symbolic link; links are never followed or copied", path=shown)
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise UnsafeInputError("is a device, socket or other special file; only files and folders are copied",
                               path=shown)
    _claim(plan, target, shown)
    folder = stat.S_ISDIR(info.st_mode)
    entity: Entity = {"@id": _entity_id(target, folder), "@type": "Dataset" if folder else "File",
                      "name": (output.name if output and output.name else name)}
    plan.entities.append(entity)
    if not folder:
        entity["encodingFormat"] = output.encoding_format if output and output.encoding_format else media_type(given)
        plan.copies.append((given, target))
        return str(entity["@id"])
    plan.folders.append(target)
    try:
        children = sorted(os.listdir(given))
    except OSError as exc:
        raise UsageError(f"cannot list the output folder: {exc.strerror or exc}", path=shown) from exc
    parts = [{"@id": _plan_copy(plan, given / child, None, target)} for child in children]
    if parts:
        entity["hasPart"] = parts
    return str(entity["@id"])


def _plan_reference(plan: _Plan, output: OutputReference) -> str:
    """A web-based data entity: a ``Dataset`` when the URI ends with ``/`` (a folder), else a ``File``."""
    uri = _checked_uri(output.uri)
    entity: Entity = {"@id": uri, "@type": "Dataset" if uri.endswith("/") else "File",
                      "name": output.name or _last_segment(uri) or uri}
    if entity["@type"] == "File" or output.encoding_format:
        entity["encodingFormat"] = output.encoding_format or _uri_media_type(uri)
    plan.entities.append(entity)
    return uri


def _plan_sensitive(crate: Crate, plan: _Plan, output: OutputReference, namespace: uuid.UUID) -> str:
    uri = _checked_uri(output.uri)
    root = crate.root
    projects = ref_ids(root.get("sourceOrganization")) if root else []
    if not projects:
        raise refuse("a sensitive output is granted to the responsible project, and the root names none "
                     "(sourceOrganization)", crate, crate.root_id)
    hashed = uuid.uuid5(namespace, uri)
    permission = f"#permissions-{hashed}"
    plan.entities.append({
        "@id": f"urn:uuid:{hashed}",
        "@type": "DigitalDocument",
        "name": output.name or f"Sensitive output {hashed}",
        "encodingFormat": output.encoding_format or _uri_media_type(uri),
        "hasDigitalDocumentPermission": {"@id": permission},
    })
    plan.entities.append({"@id": permission, "@type": "DigitalDocumentPermission",
                          "permissionType": READ_PERMISSION, "grantee": {"@id": projects[0]}})
    return f"urn:uuid:{hashed}"


def _plan_value(plan: _Plan, output: OutputValue, new_id: IdFactory) -> str:
    if not isinstance(output.name, str) or not output.name.strip():
        raise UsageError("an output value needs a name")
    value = output.value
    if not isinstance(value, str | int | float | bool) or (isinstance(value, float) and not math.isfinite(value)):
        raise UsageError("an output value is text, a finite number or a boolean", entity_id=output.name)
    value_id = f"#output-{new_id()}"
    plan.entities.append({"@id": value_id, "@type": "PropertyValue", "name": output.name, "value": output.value})
    return value_id


def _checked_uri(uri: str) -> str:
    if not isinstance(uri, str) or not uri_scheme(uri) or any(c.isspace() for c in uri):
        raise UsageError("an output reference must be an absolute URI without spaces", path=str(uri))
    return uri


def _last_segment(uri: str) -> str:
    return unquote(urlsplit(uri).path.rstrip("/").rsplit("/", 1)[-1])


def _uri_media_type(uri: str) -> str:
    return media_type(Path(_last_segment(uri) or "data"))


# --- writing -----------------------------------------------------------------------------------------------


def _write(space: Workspace, plan: _Plan) -> None:
    """Create the planned folders, copy the files (hashing them), and add the entities to the crate."""
    by_id = {entity["@id"]: entity for entity in plan.entities}
    for folder in plan.folders:
        _make_folder(space, folder)
    for source, name in plan.copies:
        size, digest = _copy(source, space, name)
        entity = by_id[_entity_id(name, False)]
        entity["contentSize"] = str(size)
        entity["sha256"] = digest
    edit = space.crate.edit()
    for entity in plan.entities:
        edit.add(entity)


def _make_folder(space: Workspace, name: str) -> None:
    """Create an output folder in the working copy."""
    try:
        space.path_of(name).mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:  # a file of the crate is in the way
        raise CrateError(f"cannot create the output folder: {exc.strerror or exc}", path=name) from exc
    except OSError as exc:
        raise StorageError.from_os_error(exc, name) from exc


def _copy(source: Path, space: Workspace, name: str) -> tuple[int, str]:
    """Copy ``source`` (never followed if it became a link) to a new file ``name``; return size and sha256.

    Failing to read ``source`` is the caller's :class:`UsageError`; failing to write, a
    :class:`~fivesafes_crate.errors.StorageError`.
    """
    path = space.path_of(name)
    try:
        reader = open_regular(source)
    except NotRegularFile:
        raise UnsafeInputError("is no longer a regular file", path=str(source)) from None
    except OSError as exc:
        raise UsageError(f"cannot read the output: {exc.strerror or exc}", path=str(source)) from exc
    with reader, writing(name):
        path.parent.mkdir(parents=True, exist_ok=True)
        with create_exclusive(path) as writer:
            digest = hash_stream(reader, ("sha256",), on_chunk=writer.write)["sha256"]
            size = writer.tell()
    return size, digest


__all__ = ["READ_PERMISSION", "Output", "OutputFile", "OutputReference", "OutputValue", "add_results"]
