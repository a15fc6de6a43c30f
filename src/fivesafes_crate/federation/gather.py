"""Gather the nodes' returned crates into one federated summary crate; partial results stay visible.

The summary is a crate folder::

    SUMMARY/ro-crate-metadata.json      the federated analysis and one action per node
    SUMMARY/cohort.json ...             the request's own input files (the same bytes at every node)
    SUMMARY/nodes/<tre>/                each node's returned bag, untouched (bagit.txt, manifests, data/, signatures/)

Its root describes the request the nodes received (its workflow, project, researcher and inputs, and the
requested run, *potential*: nothing ran at the summary's level), identified by the federated identifier, and
``mentions`` one ``Action`` per node whose ``actionStatus`` and ``additionalType`` say its outcome:

* completed: the node published its result (disclosure check approved);
* withheld: the node's disclosure check rejected the outputs;
* failed: a step failed at the node, or it returned a crate that was not published;
* never returned: a node given as expected with no result (the action stays active, without a result).

Each returned node crate is a ``Dataset`` ``nodes/<tre>/data/`` with the versionless RO-Crate ``conformsTo``
(RO-Crate 1.2, "referencing other RO-Crates"), ``about`` its node action, and the ``publisher`` and
``datePublished`` of the node's root copied; its bag is a ``Dataset`` ``nodes/<tre>/`` listing the bag's tag
manifest (a ``File`` with its ``sha256``) and its signatures, which are carried unchanged.
"""

from __future__ import annotations

import enum
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import CrateReadError, CrateStateError, OutputExistsError, UsageError
from ..model.crate import Crate, load_crate, serialise
from ..model.entities import JSON, Entity, as_list, has_type, local_path, ref_ids
from ..model.lifecycle import Status, Step, lifecycle_state, main_action
from ..model.reviews import TERMS
from ..model.safe_files import hash_file
from ..model.source import DEFAULT_LIMITS, CrateSource, Limits, open_source
from ..model.vocab import ACTIVE, COMPLETED, FAILED, POTENTIAL
from ..packaging import TAG_MANIFEST
from ..packaging.staging import new_folder
from ..phases.lifecycle import Clock, system_clock, timestamp
from .nodes import Membership, Node, copy_out, membership

NODES_DIR = "nodes"
RO_CRATE = "https://w3id.org/ro/crate"
DESCRIPTOR_CONFORMS = "https://w3id.org/ro/crate/1.2"
SUMMARY_TERM = TERMS + "FederatedSummary"


class NodeOutcome(enum.Enum):
    """What became of a node's part of the federated analysis."""

    COMPLETED = "completed"
    FAILED = "failed"
    WITHHELD = "withheld"
    NEVER_RETURNED = "never returned"

    @property
    def term(self) -> str:
        """Our ``DefinedTerm`` for the outcome (``additionalType`` of the node action)."""
        return TERMS + "Node" + "".join(word.capitalize() for word in self.value.split())

    @property
    def status(self) -> str:
        """The node action's ``actionStatus``."""
        return {NodeOutcome.COMPLETED: COMPLETED, NodeOutcome.NEVER_RETURNED: ACTIVE}.get(self, FAILED)


_DESCRIPTIONS = {
    NodeOutcome.COMPLETED: "The node published its result: its disclosure check approved the outputs",
    NodeOutcome.FAILED: "A step failed at the node, or the node returned a crate that was not published",
    NodeOutcome.WITHHELD: "The node's disclosure check rejected the outputs: nothing of them was released",
    NodeOutcome.NEVER_RETURNED: "The node returned no result",
}


@dataclass(frozen=True)
class NodeResult:
    """One node's part as gathered: the node, its outcome, why (for an outcome other than completed), and
    where its bag lies in the summary (None when it never returned)."""

    node: Node
    outcome: NodeOutcome
    reason: str | None
    folder: str | None


@dataclass(frozen=True)
class FederatedSummary:
    """A gathered summary crate: its folder, the federated identifier and each node's result in order."""

    path: Path
    federated_id: str
    nodes: tuple[NodeResult, ...]


def outcome_of(crate: Crate) -> tuple[NodeOutcome, str | None]:
    """The outcome of a returned node crate, and the reason when it did not complete."""
    state = lifecycle_state(crate)
    disclosure = state.last(Step.DISCLOSURE)
    if disclosure is not None and disclosure.status is Status.FAILED:
        return NodeOutcome.WITHHELD, f"disclosure check rejected: {disclosure.name}"
    ended = state.ended
    if ended is not None:
        return NodeOutcome.FAILED, f"{ended.step.label} failed: {ended.name}"
    if state.published and disclosure is not None and disclosure.status is Status.COMPLETED:
        return NodeOutcome.COMPLETED, None
    return NodeOutcome.FAILED, f"returned unpublished, at stage {crate.stage().value}"


def _closure(crate: Crate, start: Sequence[str]) -> list[str]:
    """The ids reachable from ``start`` through references, never through an action or a review."""
    seen: list[str] = []
    stack = list(reversed(start))
    while stack:
        entity_id = stack.pop()
        entity = crate.get(entity_id)
        if entity_id in seen or entity is None or entity_id == crate.root_id:
            continue
        if any(t.endswith("Action") for t in as_list(entity.get("@type")) if isinstance(t, str)) or has_type(
                entity, "Review"):
            continue
        seen.append(entity_id)
        stack.extend(reversed([target for _, target in crate.references(entity)]))
    return seen


@dataclass(frozen=True)
class _Request:
    """The request part of the summary, taken from a returned node crate: entities and the files they name."""

    root: Entity
    run: Entity | None
    entities: list[Entity]
    files: list[str]


def _request_of(crate: Crate) -> _Request:
    root = crate.root or {}
    run = main_action(crate)
    starts = [*ref_ids(root.get("conformsTo")), *ref_ids(root.get("mainEntity")),
              *ref_ids(root.get("sourceOrganization"))]
    if run is not None:
        starts += [*ref_ids(run.get("agent")), *ref_ids(run.get("instrument")), *ref_ids(run.get("object"))]
    ids = _closure(crate, starts)
    entities = [dict(crate.get(i) or {}) for i in ids]
    files = [path for path in (local_path(i) for i in ids) if path and not path.endswith("/")]
    request_run: Entity | None = None
    if run is not None:
        request_run = {key: value for key, value in run.items()
                       if key in ("@id", "@type", "name", "description", "agent", "instrument", "object")}
        request_run["actionStatus"] = POTENTIAL
    return _Request(root, request_run, entities, files)


def _ref(entity_id: str) -> dict[str, str]:
    return {"@id": entity_id}


def _refs(ids: Sequence[str]) -> JSON:
    return [_ref(i) for i in ids]


@dataclass(frozen=True)
class _Returned:
    path: str
    membership: Membership
    outcome: NodeOutcome
    reason: str | None
    crate: Crate


def _node_entities(returned: _Returned | None, node: Node, folder: Path | None) -> tuple[list[Entity], str | None]:
    """The node action, and for a returned node its crate and bag datasets, tag manifest and signatures."""
    action_id = f"#node-{node.id}"
    outcome = returned.outcome if returned else NodeOutcome.NEVER_RETURNED
    reason = returned.reason if returned else "no result was returned"
    action: Entity = {"@id": action_id, "@type": "Action", "name": f"Analysis at {node.id}: {outcome.value}",
                      "additionalType": _ref(outcome.term), "actionStatus": outcome.status, "agent": _ref(node.url)}
    if reason:
        action["error"] = reason
    organisation: Entity = {"@id": node.url, "@type": "Organization", "name": node.id}
    entities = [action, organisation]
    if returned is None or folder is None:
        return entities, None
    node_root = returned.crate.root or {}
    run = lifecycle_state(returned.crate).execution
    if run is not None and run.start:
        action["startTime"] = run.start
    if run is not None and run.end:
        action["endTime"] = run.end
    bag_dir = f"{NODES_DIR}/{node.id}/"
    crate_dir = f"{bag_dir}data/"
    action["result"] = _ref(crate_dir)
    nested: Entity = {"@id": crate_dir, "@type": "Dataset", "name": f"Result crate of {node.id}",
                      "conformsTo": _ref(RO_CRATE), "about": _ref(action_id)}
    for key in ("publisher", "datePublished", "version"):
        if key in node_root:
            nested[key] = node_root[key]
    manifest = f"{bag_dir}{TAG_MANIFEST}"
    parts = [crate_dir, manifest]
    signatures = sorted(p.relative_to(folder).as_posix() for p in (folder / "signatures").glob("*.dsse.json"))
    parts += [f"{bag_dir}{name}" for name in signatures]
    bag: Entity = {"@id": bag_dir, "@type": "Dataset", "name": f"BagIt bag returned by {node.id}",
                   "hasPart": _refs(parts)}
    tag: Entity = {"@id": manifest, "@type": "File", "name": f"Tag manifest of the bag of {node.id}",
                   "encodingFormat": "text/plain", "sha256": hash_file(folder / TAG_MANIFEST)}
    entities += [bag, nested, tag]
    entities += [{"@id": f"{bag_dir}{name}", "@type": "File", "name": f"Signature {Path(name).name} of {node.id}",
                  "encodingFormat": "application/json"} for name in signatures]
    return entities, bag_dir


def _copy_files(source: CrateSource, names: Sequence[str], folder: Path) -> None:
    """Copy the request's own files (crate-relative names, never outside the crate) from a node's crate."""
    for name in names:
        if source.crate_entry(name) is None:
            continue  # a file the node no longer holds: the validator names what is missing
        target = folder.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open_in_crate(name) as stream, target.open("xb") as out:
            shutil.copyfileobj(stream, out)


def _read(path: str | os.PathLike[str], limits: Limits) -> _Returned:
    shown = os.fspath(path)
    with open_source(path, limits) as source:
        if not source.is_bag:
            raise CrateReadError("not a bag: gather takes the bags the TREs returned", path=shown)
        crate = load_crate(source)
        found = membership(crate)
        if found is None:
            raise CrateStateError("is not part of a federated analysis (not made by federate split)", path=shown,
                                  entity_id=crate.root_id)
        outcome, reason = outcome_of(crate)
        return _Returned(shown, found, outcome, reason, crate)


def gather(
    results: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    expected: Sequence[Node] = (),
    clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> FederatedSummary:
    """Write the summary crate of the nodes' returned bags (ZIPs or folders) into the new folder ``output``.

    ``expected`` nodes without a result are recorded as never returned. Raises
    :class:`~fivesafes_crate.errors.CrateStateError` for a bag that was not split for a federation or belongs to
    another one, :class:`~fivesafes_crate.errors.UsageError` for a node given twice or no result at all, and
    :class:`~fivesafes_crate.errors.OutputExistsError` when ``output`` exists.
    """
    if not results:
        raise UsageError("give at least one returned result")
    target = Path(output)
    if os.path.lexists(target):
        raise OutputExistsError("already exists: give a new folder", path=str(target))
    if not target.parent.resolve().is_dir():
        raise UsageError("the output's folder does not exist", path=str(target))
    returned = [_read(path, limits) for path in results]
    federations = sorted({r.membership.federated_id for r in returned})
    if len(federations) > 1:
        raise CrateStateError(f"results of different federated analyses: {', '.join(federations)}",
                              path=returned[-1].path)
    by_node: dict[str, _Returned] = {}
    for result in returned:
        if result.membership.node.id in by_node:
            raise UsageError(f"two results of node {result.membership.node.id}", path=result.path)
        by_node[result.membership.node.id] = result
    nodes = [r.membership.node for r in returned] + [n for n in expected if n.id not in by_node]
    federated_id = federations[0]
    # the request as a node received it, from a node that kept its run (a rejection may remove it)
    origin = next((r for r in returned if main_action(r.crate) is not None), returned[0])
    request = _request_of(origin.crate)
    now = (clock or system_clock)()
    with new_folder(target, "the summary was written") as folder:
        for result in returned:
            bag_folder = folder / NODES_DIR / result.membership.node.id
            bag_folder.mkdir(parents=True)
            with open_source(result.path, limits) as source:
                copy_out(source, bag_folder, bag=True)
                if result is origin:
                    _copy_files(source, request.files, folder)
        entities: list[Entity] = []
        gathered = []
        actions: list[str] = []
        node_parts: list[str] = []
        for node in nodes:
            found = by_node.get(node.id)
            made, bag_dir = _node_entities(found, node, folder / NODES_DIR / node.id if found else None)
            entities += [e for e in made if e["@id"] not in {x["@id"] for x in entities}]
            actions.append(f"#node-{node.id}")
            if bag_dir:
                node_parts.append(bag_dir)
            gathered.append(NodeResult(node, found.outcome if found else NodeOutcome.NEVER_RETURNED,
                                       found.reason if found else "no result was returned", bag_dir))
        document = _document(request, federated_id, now, actions, node_parts, entities)
        (folder / "ro-crate-metadata.json").write_bytes(serialise(Crate(document)))
    return FederatedSummary(target, federated_id, tuple(gathered))


def _document(request: _Request, federated_id: str, now: datetime, actions: list[str], node_parts: list[str],
              node_entities: list[Entity]) -> JSON:
    name = request.root.get("name")
    root: Entity = {
        "@id": "./", "@type": "Dataset",
        "name": f"Federated analysis: {name}" if isinstance(name, str) else "Federated analysis",
        "additionalType": _ref(SUMMARY_TERM),
        "identifier": federated_id,
        "dateCreated": timestamp(now),
    }
    for key in ("description", "conformsTo", "mainEntity", "sourceOrganization"):
        if key in request.root:
            root[key] = request.root[key]
    local = [e["@id"] for e in request.entities if isinstance(e.get("@id"), str) and local_path(str(e["@id"]))]
    main = ref_ids(request.root.get("mainEntity"))
    root["hasPart"] = _refs([*main, *[i for i in local if i not in main], *node_parts])
    root["mentions"] = _refs([*([str(request.run["@id"])] if request.run else []), *actions])
    outcomes = sorted({t for e in node_entities for t in ref_ids(e.get("additionalType"))})
    terms = [{"@id": term, "@type": "DefinedTerm", "name": term.rsplit("#", 1)[1],
              "description": next(d for o, d in _DESCRIPTIONS.items() if o.term == term)} for term in outcomes]
    summary_term = {"@id": SUMMARY_TERM, "@type": "DefinedTerm", "name": "FederatedSummary",
                    "description": "A federated summary crate: the request split to several TREs and each node's "
                                   "returned crate, nested under nodes/"}
    profiles = [e for e in request.entities if e.get("@type") == "Profile"]
    rest = [e for e in request.entities if e.get("@type") != "Profile"]
    graph: list[Entity] = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": _ref("./"),
         "conformsTo": _ref(DESCRIPTOR_CONFORMS)},
        root,
        *_profile_entities(request.root, profiles),
        *rest,
        *([request.run] if request.run else []),
        *node_entities,
        summary_term,
        *terms,
    ]
    return {"@context": "https://w3id.org/ro/crate/1.2/context", "@graph": graph}


def _profile_entities(root: Entity, found: list[Entity]) -> list[Entity]:
    """The root's ``conformsTo`` profiles as contextual entities (kept from the node crate when described)."""
    known = {e["@id"]: e for e in found}
    return [known.get(i, {"@id": i, "@type": "Profile", "name": i}) for i in ref_ids(root.get("conformsTo"))] + [
        e for i, e in known.items() if i not in ref_ids(root.get("conformsTo"))]
