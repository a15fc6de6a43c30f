"""Workflow retrieval phase: record the download of the referenced Workflow RO-Crate, and optionally nest it.

The library never downloads anything: the TRE fetches the Workflow RO-Crate through its own proxy (section
"Security considerations": never from inside the secured network) and hands the result, a ZIP or a folder, to
:func:`record_retrieval`, which

* checks that it **is the referenced workflow** (the root's ``mainEntity``): the Workflow RO-Crate must
  declare conformance to the Workflow RO-Crate profile (on its root or metadata descriptor); its root or main
  workflow must be identified by the referenced ``@id`` (as ``@id``, ``identifier``, ``url`` or ``sameAs``),
  or, for a versioned WorkflowHub URL, by the URL without ``?version=`` together with that ``version``; a
  ``version`` or ``name`` it states must agree with the reference (the name with the root's or the
  workflow's). Otherwise :class:`WorkflowMismatchError` is raised and the crate is untouched;
* records a completed ``DownloadAction`` whose ``object`` is the URL downloaded from: the workflow's
  ``distribution`` (or ``url``, e.g. found by Signposting, when the crate names none);
* with ``nest``, copies the Workflow RO-Crate into the payload as ``workflow/<name>/`` (``<name>`` the
  WorkflowHub workflow number, or the file or folder name), described as a ``Dataset`` that is the action's
  ``result``, ``sameAs`` the ``mainEntity``, with the download location as ``distribution``, ``conformsTo``
  Workflow RO-Crate, and part of the root (``hasPart``), as in the profile's example.

The step needs a completed validation and refuses to repeat a completed retrieval; it is refused after a
failed step or publishing, and when the workflow is already a folder of the crate.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..authoring.workflow import WorkflowCrateError, copy_workflow_crate, folder_name, read_workflow_crate
from ..errors import SuppliedFileError, UsageError
from ..model.crate import load_crate
from ..model.entities import JSON, Entity, iri_values, ref_ids
from ..model.lifecycle import LifecycleState, Status, Step, provenance
from ..model.safe_files import writing
from ..model.source import DEFAULT_LIMITS, Limits, open_source
from ..model.vocab import uri_scheme, workflow_version
from ..signing.writer import SignHook
from .lifecycle import (
    Agent,
    Clock,
    IdFactory,
    StepResult,
    action_id,
    apply_step,
    new_uuid,
    record_action,
    refuse,
    require_open,
    system_clock,
)
from .workspace import Workspace

log = logging.getLogger(__name__)

WORKFLOW_RO_CRATE_PREFIXES = ("https://w3id.org/workflowhub/workflow-ro-crate/",
                              "http://w3id.org/workflowhub/workflow-ro-crate/")
"""Profile IRIs a Workflow RO-Crate declares conformance to start with (any version)."""

NEST_FOLDER = "workflow/"
"""Where a nested Workflow RO-Crate goes in the payload."""


class WorkflowMismatchError(SuppliedFileError):
    """The Workflow RO-Crate given is not the workflow the request references (or not a Workflow RO-Crate)."""


def _text(value: JSON) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _identities(nodes: list[Entity]) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        node_id = node.get("@id")
        if isinstance(node_id, str) and uri_scheme(node_id):
            found.add(node_id)
        for key in ("identifier", "url", "sameAs"):
            found.update(iri_values(node.get(key)))
    return found


def _check_match(path: Path, reference: str, described: Entity | None, limits: Limits) -> tuple[str | None, str]:
    """Check that the Workflow RO-Crate at ``path`` is ``reference``; return a name for it and its profile IRI."""
    shown = path.name or str(path)
    try:
        info = read_workflow_crate(path)
    except WorkflowCrateError as exc:
        raise WorkflowMismatchError(exc.message, path=shown) from exc
    with open_source(path, limits) as source:
        crate = load_crate(source)
    root = crate.root or {}
    main = next((e for i in ref_ids(root.get("mainEntity")) if (e := crate.get(i)) is not None), {})
    declared = [*iri_values(root.get("conformsTo")), *iri_values((crate.descriptor or {}).get("conformsTo"))]
    profile = next((iri for iri in declared if iri.startswith(WORKFLOW_RO_CRATE_PREFIXES)), None)
    if profile is None:
        raise WorkflowMismatchError("not a Workflow RO-Crate: it declares no conformance to "
                                    f"{WORKFLOW_RO_CRATE_PREFIXES[0]}...", path=shown)
    identities = _identities([root, main])
    versions = {v for node in (root, main) if (v := _text(node.get("version"))) is not None}
    hub_version = workflow_version(reference)
    unversioned = reference.rsplit("?", 1)[0] if hub_version else None
    wanted_version = hub_version or _text((described or {}).get("version"))
    if reference not in identities and not (unversioned in identities and wanted_version in versions):
        listed = ", ".join(sorted(identities)) or "nothing (no absolute @id, identifier, url or sameAs)"
        raise WorkflowMismatchError(f"is not the referenced workflow {reference}: it is identified as {listed}",
                                    path=shown)
    if wanted_version is not None and versions and wanted_version not in versions:
        raise WorkflowMismatchError(f"is version {', '.join(sorted(versions))} of the workflow, but the request "
                                    f"references version {wanted_version}", path=shown)
    wanted_name = _text((described or {}).get("name"))
    names = {n for node in (root, main) if (n := _text(node.get("name"))) is not None}
    if wanted_name is not None and names and wanted_name.casefold() not in {n.casefold() for n in names}:
        named = " and ".join(repr(n) for n in sorted(names))
        raise WorkflowMismatchError(f"is named {named}, but the request names the workflow {wanted_name!r}",
                                    path=shown)
    return wanted_name or info.name, profile


def _nest_name(reference: str, path: Path) -> str:
    """``workflow/<n>/`` for WorkflowHub workflow ``n`` (as in the profile's example), else the file's name."""
    if workflow_version(reference):
        return f"{NEST_FOLDER}{reference.rsplit('?', 1)[0].rsplit('/', 1)[1]}/"
    return f"{NEST_FOLDER}{folder_name(path)}/"


def record_retrieval(
    target: str | os.PathLike[str],
    workflow_crate: str | os.PathLike[str],
    *,
    agent: Agent,
    nest: bool = False,
    url: str | None = None,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Workflow retrieval phase: record the ``DownloadAction`` of the referenced Workflow RO-Crate.

    Nothing is downloaded: ``workflow_crate`` is the ZIP or folder the TRE's proxy fetched, checked to be the
    root's ``mainEntity`` (else :class:`~fivesafes_crate.WorkflowMismatchError`). ``object`` is the workflow's
    ``distribution`` (or ``url``); with ``nest`` it is copied into the payload as ``workflow/<name>/``, the
    action's ``result`` (see the module documentation). ``url`` is where it was downloaded from when the
    workflow names no ``distribution``. Refused
    (:class:`~.lifecycle.StepRefused`) without a completed validation, after a completed retrieval, a failed
    step or publishing. The crate is untouched in every such case.
    """
    now = clock or system_clock
    ids = new_id or new_uuid
    given = Path(workflow_crate)

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        require_open(state, crate, "record the workflow retrieval")
        validation = state.last(Step.VALIDATION)
        if validation is None or validation.status is not Status.COMPLETED:
            found = "none is recorded" + provenance(crate).note(Step.VALIDATION) if validation is None else \
                "it failed or is not finished"
            raise refuse(f"cannot record the workflow retrieval: it needs a completed validation, and {found}",
                         crate, validation.id if validation else None,
                         first="tre validate {path}" if validation is None else None)
        done = [a for a in state.of(Step.RETRIEVAL) if a.status is Status.COMPLETED]
        if done:
            raise refuse("cannot record the workflow retrieval: it was recorded already "
                         f"({done[0].name or done[0].id})", crate, done[0].id)
        root_id = crate.root_id or "./"
        workflows = ref_ids((crate.root or {}).get("mainEntity"))
        if not workflows:
            raise refuse("cannot record the workflow retrieval: the root names no mainEntity workflow", crate, root_id)
        reference = workflows[0]
        if not uri_scheme(reference):
            raise refuse(f"cannot record the workflow retrieval: the workflow {reference} is part of the crate, there "
                         "is nothing to download", crate, reference)
        described = crate.get(reference)
        distributions = ref_ids((described or {}).get("distribution"))
        location = url or (distributions[0] if distributions else None)
        if location is None:
            raise UsageError("the workflow names no distribution: give the URL its Workflow RO-Crate was downloaded "
                             "from", path=crate.metadata_file, entity_id=reference)
        if not uri_scheme(location) or any(c.isspace() for c in location):
            raise UsageError(f"the download location {location!r} is not an absolute URL")
        start = now()
        name, profile = _check_match(given, reference, described, limits)
        editor = crate.edit()
        results = []
        if nest:
            folder = _nest_name(reference, given)
            if folder in crate or space.path_of(folder).exists():
                raise UsageError("the crate has this folder already; the workflow cannot be nested there",
                                 path=folder)
            destination = space.path_of(folder)
            with writing(folder):
                destination.parent.mkdir(parents=True, exist_ok=True)
                copy_workflow_crate(given, destination)
            nested: Entity = {"@id": folder, "@type": "Dataset"}
            if name is not None:
                nested["name"] = name
            nested.update({"sameAs": {"@id": reference}, "conformsTo": {"@id": profile},
                           "distribution": {"@id": location}})
            editor.add(nested)
            editor.link(root_id, "hasPart", folder)
            results.append(folder)
        end = now()
        where = f" (nested as {results[0]})" if results else ""
        action = record_action(
            editor, step=Step.RETRIEVAL, action_id=action_id(Step.RETRIEVAL, ids),
            name=f"Downloaded workflow RO-Crate: matches the referenced workflow{where}",
            status=Status.COMPLETED, agent=agent, results=results, start=start, end=end,
            extra={"object": {"@id": location}},
        )
        space.touch()
        log.info("workflow retrieval from %s recorded%s", location, where)
        return action, f"retrieval: Workflow RO-Crate from {location} matches {reference}{where}"

    return apply_step(target, body, clock=now, step=Step.RETRIEVAL, sign=sign, limits=limits)


__all__ = ["NEST_FOLDER", "WORKFLOW_RO_CRATE_PREFIXES", "WorkflowMismatchError", "record_retrieval"]
