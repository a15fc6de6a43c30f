"""Building a Five Safes request crate folder from a :class:`~.spec.RequestSpec`.

The crate is assembled with the same :class:`~fivesafes_crate.model.crate.CrateEditor` every later step uses,
in a hidden temporary folder next to ``output`` that is renamed to ``output`` only when complete: a reader
never sees a half-written crate. Identifiers come from ``new_id`` and the timestamp from ``now``, so the same
spec, clock and id sequence give byte-identical metadata.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import quote

from ..errors import OutputExistsError, UsageError
from ..model import vocab
from ..model.crate import Crate, load_crate, serialise
from ..model.entities import JSON, Entity
from ..model.safe_files import CHUNK_SIZE, NotRegularFile, create_exclusive, open_regular
from ..model.source import METADATA_FILE, open_source
from ..model.vocab import workflow_version
from ..packaging.staging import new_folder
from ..profiles import get_profile
from .spec import (
    InputFileError,
    InputSpec,
    OrganizationSpec,
    RequestSpec,
    SpecError,
    SpecProblem,
    check_input_file,
    check_spec,
    organization_id,
    person_id,
)
from .workflow import WorkflowCrateInfo, copy_workflow_crate, download_url, folder_name, read_workflow_crate

logger = logging.getLogger(__name__)

CONTEXT = "https://w3id.org/ro/crate/1.2/context"
RO_CRATE_SPEC = vocab.RO_CRATE_BASE + "1.2"
RO_CRATE_PROFILE = "https://w3id.org/ro/crate"
WORKFLOW_FOLDER = "workflow"
RESERVED_NAMES = frozenset({METADATA_FILE, "ro-crate-preview.html", "ro-crate-preview_files", WORKFLOW_FOLDER})
"""Crate-root names an input file may not take."""

_MEDIA_TYPES = mimetypes.MimeTypes()
"""Python's built-in media type table only (not the machine's /etc/mime.types): the same on every machine."""


def _ref(entity_id: str) -> dict[str, str]:
    return {"@id": entity_id}


def _timestamp(now: Callable[[], datetime]) -> str:
    moment = now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def media_type(path: Path) -> str:
    """The media type of a file from its extension (``application/octet-stream`` when unknown)."""
    guessed, _encoding = _MEDIA_TYPES.guess_type(path.name, strict=False)
    return guessed or "application/octet-stream"


def _fragment(text: str) -> str:
    """``text`` made safe for an ``@id`` fragment, keeping it readable (``age band`` → ``age%20band``)."""
    return quote(text, safe="-._~")


class _Ids:
    """The identifiers of a crate under construction, drawn from ``new_id`` in a fixed order."""

    def __init__(self, new_id: Callable[[], str]) -> None:
        self._new_id = new_id

    def make(self, prefix: str) -> str:
        value = self._new_id()
        if not isinstance(value, str) or not value:
            raise UsageError("new_id must return a non-empty string")
        return f"#{prefix}-{value}"


def _check_output(output: Path) -> None:
    if os.path.lexists(output):
        raise OutputExistsError("already exists: give a new folder name for the crate", path=str(output))
    if not output.parent.is_dir():
        raise UsageError("the folder to create the crate in does not exist", path=str(output.parent))
    if not output.name or output.name in (".", ".."):
        raise UsageError("not a folder name for the crate", path=str(output))


def _input_targets(spec: RequestSpec) -> dict[int, str]:
    """The crate-relative file name each file input is copied to (its own name), refusing every clash at once."""
    targets: dict[int, str] = {}
    used: dict[str, int] = {}
    problems: list[SpecProblem] = []
    reserved = {n.casefold() for n in RESERVED_NAMES}
    for index, item in enumerate(spec.inputs):
        if item.file is None:
            continue
        name = item.file.name
        key = name.casefold()
        where = f"inputs[{index}].file"
        if key in reserved:
            problems.append(SpecProblem(f"an input file may not be called {name!r} (a name the crate uses itself)",
                                        where, f"/inputs/{index}/file"))
        elif key in used:
            problems.append(SpecProblem(f"two input files are both called {name!r} (inputs[{used[key]}] and "
                                        f"inputs[{index}])", where, f"/inputs/{index}/file"))
        used.setdefault(key, index)
        targets[index] = name
    if problems:
        raise SpecError(path=spec.source, problems=problems)
    return targets


def create_request(
    spec: RequestSpec,
    output: str | os.PathLike[str],
    *,
    now: Callable[[], datetime] | None = None,
    new_id: Callable[[], str] | None = None,
) -> Crate:
    """Build a Five Safes request crate folder at ``output`` from a request spec (atomically).

    ``now`` and ``new_id`` are injectable so that tests get byte-identical crates.

    The crate holds the workflow (a URL with its ``distribution``, or a local Workflow RO-Crate nested under
    ``workflow/<name>/``), the input files (copied) and parameter values, the requesting agent, the responsible
    project and the ``CreateAction`` (``PotentialActionStatus``). ``datePublished`` is left for publishing.
    Ids are ``#<kind>-<new_id()>`` (default: UUID 4) unless fixed in the spec; ``now`` (default: UTC now) gives
    the root's ``dateCreated``. Raises :class:`~.spec.SpecError`, :class:`~.workflow.UnknownInputError`,
    :class:`~fivesafes_crate.errors.OutputExistsError` (``output`` exists), a read error for a local workflow, or
    :class:`~fivesafes_crate.errors.StorageError` when ``output``'s folder cannot be written (nothing is left).
    """
    now = now or (lambda: datetime.now(UTC))
    new_id = new_id or (lambda: str(uuid.uuid4()))
    target = Path(output)
    check_spec(spec)
    _check_output(target)
    for index, item in enumerate(spec.inputs):
        if item.file is not None:
            try:
                check_input_file(item.file)
            except SpecError as exc:
                raise type(exc)(exc.message, path=spec.source or exc.path, key_path=f"inputs[{index}].file") from None
    targets = _input_targets(spec)
    workflow_info: WorkflowCrateInfo | None = None
    if spec.workflow.path is not None:
        workflow_info = read_workflow_crate(spec.workflow.path)
        workflow_info.check_inputs([item.name for item in spec.inputs], path=spec.source)

    crate = _assemble(spec, workflow_info, targets, _Ids(new_id), _timestamp(now))
    with new_folder(target, "creating the crate") as staging:
        if spec.workflow.path is not None:
            (staging / WORKFLOW_FOLDER).mkdir()
            copy_workflow_crate(spec.workflow.path, staging / WORKFLOW_FOLDER / folder_name(spec.workflow.path))
        for index, name in targets.items():
            with _open_input(spec, index) as stream, create_exclusive(staging / name) as out:
                shutil.copyfileobj(stream, out, CHUNK_SIZE)
        (staging / METADATA_FILE).write_bytes(serialise(crate))  # the staging folder makes it atomic
    logger.info("created request crate %s", target)
    return load_crate(open_source(target))


def _open_input(spec: RequestSpec, index: int) -> IO[bytes]:
    """Open the file of input ``index`` for copying (never through a link); failures are the spec's input's."""
    source = spec.inputs[index].file
    assert source is not None
    try:
        return open_regular(source)
    except NotRegularFile:
        reason = "is no longer a regular file"
    except OSError as exc:
        reason = f"cannot be read: {exc.strerror or exc}"
    raise InputFileError(f"input file {source} {reason}", path=spec.source or str(source),
                         key_path=f"inputs[{index}].file")


def _assemble(
    spec: RequestSpec,
    workflow_info: WorkflowCrateInfo | None,
    targets: dict[int, str],
    ids: _Ids,
    created: str,
) -> Crate:
    """The metadata of the request crate, built entity by entity with the crate editor."""
    profile = get_profile(spec.profile)
    request_id = spec.request_id or ids.make("request")
    project = spec.project
    project_id = project.id or ids.make("project")
    affiliation_id = _organization_id(spec.agent.affiliation, ids)
    agent_id = person_id(spec.agent.id)
    member_ids = [_organization_id(member, ids) for member in project.members]
    workflow_name = spec.workflow.name or (workflow_info.name if workflow_info else None)
    if spec.workflow.path is not None:
        workflow_id = f"{WORKFLOW_FOLDER}/{folder_name(spec.workflow.path)}/"
        workflow_name = workflow_name or folder_name(spec.workflow.path)
    else:
        assert spec.workflow.url is not None and workflow_name is not None  # the schema requires both
        workflow_id = spec.workflow.url

    crate = Crate({"@context": CONTEXT, "@graph": []})
    edit = crate.edit()
    edit.add({"@id": METADATA_FILE, "@type": "CreativeWork", "about": _ref("./"),
              "conformsTo": _ref(RO_CRATE_SPEC)})
    edit.add({
        "@id": "./",
        "@type": "Dataset",
        "name": spec.name,
        "description": spec.description
        or f"Request to run the workflow {workflow_name} for the project {project.name}.",
        "dateCreated": created,
        "conformsTo": _ref(profile.id),
        "mainEntity": _ref(workflow_id),
        "hasPart": [_ref(workflow_id)],
    })
    edit.add({"@id": profile.id, "@type": "Profile", "name": profile.name})

    _add_workflow(crate, spec, workflow_id, workflow_name)

    parameters: list[Entity] = []
    objects: list[str] = []
    inputs: list[Entity] = []
    for index, item in enumerate(spec.inputs):
        parameter_id = f"#param-{_fragment(item.name)}"
        parameters.append(_formal_parameter(parameter_id, item, workflow_info))
        if item.file is not None:
            name = targets[index]
            entity_id = quote(name)
            inputs.append({
                "@id": entity_id,
                "@type": "File",
                "name": item.title or name,
                "encodingFormat": item.encoding_format or media_type(item.file),
                "contentSize": str(item.file.stat().st_size),
                "exampleOfWork": _ref(parameter_id),
            })
        else:
            entity_id = f"#input-{_fragment(item.name)}"
            inputs.append({"@id": entity_id, "@type": "PropertyValue", "name": item.name, "value": item.value,
                           "exampleOfWork": _ref(parameter_id)})
        objects.append(entity_id)

    action: Entity = {
        "@id": request_id,
        "@type": "CreateAction",
        "name": f"Execute {workflow_name}",
        "actionStatus": _ref(vocab.POTENTIAL),
        "agent": _ref(agent_id),
        "instrument": _ref(workflow_id),
    }
    if objects:
        action["object"] = [_ref(entity_id) for entity_id in objects]
    edit.add(action)
    edit.set("./", "mentions", [_ref(request_id)])
    for entity in inputs:
        edit.add(entity)
        if entity["@type"] == "File":
            edit.link("./", "hasPart", entity["@id"])
    for parameter in parameters:
        edit.add(parameter)

    edit.add({"@id": agent_id, "@type": "Person", "name": spec.agent.name,
              "affiliation": _ref(affiliation_id), "memberOf": [_ref(project_id)]})
    organizations = [(affiliation_id, spec.agent.affiliation.name)]
    organizations += [(mid, m.name) for mid, m in zip(member_ids, project.members, strict=True)]
    seen: set[str] = set()
    for org_id, org_name in organizations:
        if org_id not in seen:
            seen.add(org_id)
            edit.add({"@id": org_id, "@type": "Organization", "name": org_name})

    identifier_ids = [f"_:localid:{_fragment(i.tre)}:{_fragment(i.id)}" for i in project.identifiers]
    project_entity: Entity = {
        "@id": project_id,
        "@type": "Project",
        "name": project.name,
        "identifier": [_ref(i) for i in identifier_ids],
    }
    if project.funding is not None:
        project_entity["funding"] = [_ref(project.funding.id)]
    project_entity["member"] = [_ref(org_id) for org_id in dict.fromkeys(i for i, _ in organizations)]
    edit.add(project_entity)
    edit.set("./", "sourceOrganization", _ref(project_id))
    for identifier_id, identifier in zip(identifier_ids, project.identifiers, strict=True):
        edit.add({"@id": identifier_id, "@type": "PropertyValue", "name": identifier.tre, "value": identifier.id})
    if project.funding is not None:
        edit.add({"@id": project.funding.id, "@type": "Grant", "name": project.funding.name})
    return crate


def _organization_id(organization: OrganizationSpec, ids: _Ids) -> str:
    return organization_id(organization.id) if organization.id else ids.make("org")


def _formal_parameter(parameter_id: str, item: InputSpec, workflow_info: WorkflowCrateInfo | None) -> Entity:
    entity: Entity = {"@id": parameter_id, "@type": "FormalParameter", "name": item.name}
    declared = workflow_info.parameter(item.name) if workflow_info else None
    if declared is not None:
        extra: dict[str, JSON] = {"encodingFormat": declared.encoding_format,
                                  "additionalType": declared.additional_type}
        entity.update({key: value for key, value in extra.items() if value is not None})
    return entity


def _add_workflow(crate: Crate, spec: RequestSpec, workflow_id: str, workflow_name: str) -> None:
    edit = crate.edit()
    workflow: Entity = {
        "@id": workflow_id,
        "@type": "Dataset",
        "name": workflow_name,
        "conformsTo": _ref(vocab.WORKFLOW_RO_CRATE),
    }
    download: str | None = None
    if spec.workflow.url is not None:
        download = spec.workflow.download or download_url(spec.workflow.url)
        if download is None:
            raise SpecError(
                "give workflow.download, the URL of the Workflow RO-Crate ZIP: it can only be derived from a "
                "versioned WorkflowHub URL (https://workflowhub.eu/workflows/<n>?version=<v>)",
                path=spec.source, key_path="workflow.download",
            )
        workflow["distribution"] = _ref(download)
    edit.add(workflow)
    if download is not None:
        assert spec.workflow.url is not None
        version = workflow_version(spec.workflow.url)
        label = f"Workflow RO-Crate of {workflow_name}" + (f", version {version}" if version else "")
        edit.add({"@id": download, "@type": "DataDownload", "name": label, "conformsTo": _ref(RO_CRATE_PROFILE),
                  "encodingFormat": "application/zip"})
    edit.add({"@id": vocab.WORKFLOW_RO_CRATE, "@type": "Profile", "name": "Workflow RO-Crate profile 1.0"})
    if download is not None:
        edit.add({"@id": RO_CRATE_PROFILE, "@type": "Profile", "name": "RO-Crate"})


__all__ = ["CONTEXT", "create_request", "media_type"]
