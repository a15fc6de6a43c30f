"""Sanitizing: remove every client-submitted assessment, and anything that could pass for one, from a request.

Only the TRE may record review steps: a client-written ``AssessAction`` could bypass its compliance process,
so the profile says references to them MUST be removed (sections "Review process" and "Security
considerations"). A submitted request records no review step at all, so :func:`sanitize` trusts nothing that
looks like one, whichever way it is written:

* **Review actions are removed**, with every reference to them (``mentions`` first of all): entities typed
  ``AssessAction`` or one of its schema.org subtypes (``ReviewAction``, ``ChooseAction``, ``ReactAction``...),
  or ``DownloadAction`` (a workflow retrieval is the TRE's record too), and any other action carrying an SHP
  ``additionalType`` (``CheckValue``, ``ValidationCheck``, ``SignOff``, ``DisclosureCheck``,
  ``GenerateCheckValue``). Types are recognised under ``@type`` and under the ``"type"`` key some crates use
  instead, as a compact term, a prefixed name or a full IRI; ``@type`` lists count when any member matches.
* **Lookalike parts of other entities are removed, the entities kept**: SHP ``additionalType`` values on
  anything that is not removed (a ``File``, the root), and review types added to the entities a crate cannot
  lose (the metadata descriptor, the root, the requested run's ``CreateAction``).
* **Embedded lookalikes** (a review action written inline as a property value instead of as an entity of
  ``@graph``, also in ``@included`` or a named graph) are removed from the value that holds them, at any depth;
  one whose ``@id`` names an entity that is kept becomes a plain reference to it, and references to one that is
  not go too.
* **What a node means counts, not only how it is spelled**: the document is expanded (bundled contexts only)
  and a node JSON-LD reads as a review action (:func:`review_meaning`: through an aliased ``@type`` or
  ``@id``, a redefined term or prefix, ``rdf:type`` as a property) is removed as well. The result is expanded
  again, and a crate that still holds one, or a reference to a removed one, in a form that cannot be edited
  safely is refused (:class:`~.lifecycle.StepRefused`).

Everything else is kept as written. :attr:`~.lifecycle.StepResult.removed` lists what was removed: the
``@id`` of each removed entity, and ``<@id> <property>: <what>`` for removed parts and embedded objects.
Sanitizing records no action and is idempotent: a second run finds nothing and writes nothing.

Run it first, on the crate as received: it cannot tell the TRE's own records from a client's, so it refuses
(:class:`~.lifecycle.StepRefused`, the crate untouched) a crate that holds a check, the TRE's intake, or a
publishing action: naming the latest such step, and saying that sanitizing applies to a crate as received.
``force=True`` (``--force``) removes them anyway, for a TRE that knows the crate is as received (a client forged
the check), and its summary lists every item removed. Whether or not a crate was sanitized, no step counts a
review action recorded before the intake (:class:`~.lifecycle.Provenance`). On a bag it regenerates the
manifests, which must not bless content that was damaged in transit: when something is to be removed, the bag is
first verified as the check phase does (see :mod:`.check`), and a bag that fails is refused untouched; record
its failed check with :func:`~.check.record_check` instead.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model.crate import Crate
from ..model.entities import JSON, Entity, additional_types, as_list, iri_values
from ..model.graph import expand, node_objects, resolve_id, written_id
from ..model.lifecycle import LifecycleState, Provenance, Step, lifecycle_state, main_action, provenance
from ..model.source import DEFAULT_LIMITS, Limits
from ..model.vocab import SCHEMA, SHP_TERMS
from ..packaging import ProgressCallback
from .check import verify_original
from .lifecycle import Clock, StepResult, apply_step, refuse, system_clock
from .workspace import Workspace

log = logging.getLogger(__name__)

ASSESS_TYPES = frozenset(
    {
        "AssessAction",
        "ChooseAction",
        "VoteAction",
        "IgnoreAction",
        "ReactAction",
        "AgreeAction",
        "DisagreeAction",
        "DislikeAction",
        "EndorseAction",
        "LikeAction",
        "WantAction",
        "ReviewAction",
    }
)
"""``AssessAction`` and its schema.org subtypes, by local name."""

REVIEW_TYPES = ASSESS_TYPES | {"DownloadAction"}
"""Types only the TRE records in a crate's review process."""

SHP_NAMES = frozenset(term.rsplit("#", 1)[1] for term in SHP_TERMS)
"""Local names of the SHP terms (``CheckValue``...)."""

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SCHEMA_NAMESPACES = (SCHEMA, "https://schema.org/")
_ADDITIONAL_TYPE_IRIS = tuple(namespace + "additionalType" for namespace in _SCHEMA_NAMESPACES)
_TYPE_KEYS = ("@type", "type")
_SUMMARY_ITEMS = 5


def _local(term: str) -> str:
    for separator in ("#", "/", ":"):
        term = term.rsplit(separator, 1)[-1]
    return term


def declared_type_names(node: Entity) -> set[str]:
    """Local names of every type a node declares, under ``@type`` or ``"type"``."""
    return {_local(t) for key in _TYPE_KEYS for t in as_list(node.get(key)) if isinstance(t, str)}


def is_review_lookalike(node: Entity) -> bool:
    """True for an action that could pass for a review step: a review type, or an action with an SHP term."""
    types = declared_type_names(node)
    if types & REVIEW_TYPES:
        return True
    return any(name.endswith("Action") for name in types) and bool(additional_types(node) & SHP_NAMES)


def review_meaning(node: dict[str, Any]) -> str | None:
    """What a node of the *expanded* document is, when JSON-LD reads it as a review action; None otherwise.

    Its types are its ``@type`` IRIs (however the crate spelled the key or the term) and its ``rdf:type``
    values; it is a review action when one is a schema.org review type, or a schema.org action with an SHP
    ``additionalType``. Returns the local name that says so (``AssessAction``, ``SignOff``...).
    """
    types = [t for t in as_list(node.get("@type")) if isinstance(t, str)]
    types += [v["@id"] for v in as_list(node.get(RDF_TYPE)) if isinstance(v, dict) and isinstance(v.get("@id"), str)]
    names = {t[len(ns):] for t in types for ns in _SCHEMA_NAMESPACES if t.startswith(ns)}
    review = sorted(names & REVIEW_TYPES)
    if review:
        return review[0]
    if not any(name.endswith("Action") for name in names):
        return None
    terms = {v.get("@id", v.get("@value")) for key in _ADDITIONAL_TYPE_IRIS for v in as_list(node.get(key))
             if isinstance(v, dict)}
    shp = sorted(term for term in terms if term in SHP_TERMS)
    return _local(shp[0]) if shp else None


def review_nodes(expanded: list[JSON]) -> list[tuple[str | None, str]]:
    """``(IRI or None, what)`` for every node of an expanded document that JSON-LD reads as a review action."""
    return [(node_id if isinstance(node_id := node.get("@id"), str) else None, what)
            for node in node_objects(expanded) if (what := review_meaning(node)) is not None]


def _iri(node: Entity) -> str | None:
    node_id = node.get("@id")
    return resolve_id(node_id) if isinstance(node_id, str) else None


def _is_reference(value: JSON) -> bool:
    return isinstance(value, dict) and set(value) == {"@id"} and isinstance(value["@id"], str)


def _label(node: Entity) -> str:
    node_id = node.get("@id")
    return node_id if isinstance(node_id, str) else "(entity without @id)"


def _what(node: Entity) -> str:
    names = sorted(declared_type_names(node) & REVIEW_TYPES) or sorted(additional_types(node) & SHP_NAMES)
    return " ".join(names) or "action"


@dataclass
class _Sanitizer:
    """Removes lookalikes from one crate's entities, recording what it removed."""

    crate: Crate
    gone: set[str]
    """IRIs of removed nodes: references to them go."""
    meant: set[str]
    """IRIs of the nodes the expanded document reads as review actions."""
    removed: list[str] = field(default_factory=list)

    def lookalike(self, node: Entity) -> bool:
        """A review action as written, or as JSON-LD reads it."""
        return is_review_lookalike(node) or _iri(node) in self.meant

    def node(self, node: Entity, label: str, *, protected: bool) -> None:
        """Clean a node that is kept: its lookalike parts, then the values it holds."""
        if protected:
            for key in _TYPE_KEYS:
                self._strip(node, key, label, lambda value: isinstance(value, str) and _local(value) in REVIEW_TYPES)
        self._strip(node, "additionalType", label, lambda value: any(
            _local(iri) in SHP_NAMES for iri in iri_values(value)))
        for key in [k for k in node if k not in ("@id", "@context", *_TYPE_KEYS)]:
            kept = self._value(node[key], f"{label} {key}")
            if kept is None:
                del node[key]
            else:
                node[key] = kept

    def _strip(self, node: Entity, key: str, label: str, matches: Callable[[JSON], bool]) -> None:
        value = node.get(key)
        if value is None:
            return
        items = as_list(value)
        dropped = [item for item in items if matches(item)]
        if not dropped:
            return
        for item in dropped:
            shown = item.get("@id") if isinstance(item, dict) else item
            self.removed.append(f"{label} {key}: {shown}")
        kept = [item for item in items if not matches(item)]
        if not kept:
            del node[key]
        else:
            node[key] = kept if isinstance(value, list) else kept[0]

    def _value(self, value: JSON, where: str) -> JSON:
        """The value without embedded lookalikes and references to removed entities; None when nothing is left."""
        items = value if isinstance(value, list) else [value]
        kept: list[JSON] = []
        for item in items:
            if _is_reference(item):
                if resolve_id(item["@id"]) in self.gone:
                    continue
            elif isinstance(item, dict):
                if self.lookalike(item):
                    self.removed.append(f"{where}: embedded {_what(item)}")
                    node_id = item.get("@id")
                    if not isinstance(node_id, str) or node_id not in self.crate:
                        if isinstance(node_id, str):
                            self.gone.add(resolve_id(node_id))  # references to it elsewhere go too
                        continue
                    item = {"@id": node_id}  # it named a kept entity: keep the link, not the forged description
                else:
                    self.node(item, where, protected=False)
            elif isinstance(item, list):
                item = self._value(item, where)
                if item is None:
                    continue
            kept.append(item)
        if isinstance(value, list):
            return kept if kept or not value else None
        return kept[0] if kept else None


def remove_lookalikes(crate: Crate) -> list[str]:
    """Remove client-submitted review actions and lookalikes from ``crate`` in memory; return what was removed.

    See the module documentation for what counts: what a node is, is decided on the expanded document as well
    as on its spelling. The crate is re-indexed; nothing is written. Raises
    :class:`~.lifecycle.StepRefused` (the crate in memory part-cleaned) when the expanded result still holds a
    review action, or a reference to a removed one, in a form that cannot be edited safely.
    """
    meant = {iri for iri, _what in review_nodes(expand(crate)) if iri is not None}
    keep = {id(node) for node in (crate.descriptor, crate.root, main_action(crate)) if node is not None}
    graph = crate.graph
    spelled = {_iri(node) for node in crate.entities if is_review_lookalike(node)}
    sanitizer = _Sanitizer(crate, set(), meant - spelled)  # a lookalike's twin of the same @id is not one
    doomed = [node for node in crate.entities if id(node) not in keep and sanitizer.lookalike(node)]
    doomed_ids = {id(node) for node in doomed}
    graph[:] = [item for item in graph if id(item) not in doomed_ids]
    crate.reindex()
    sanitizer.gone.update(resolve_id(node_id) for node in doomed
                          if isinstance(node_id := node.get("@id"), str) and node_id not in crate)
    sanitizer.gone.update(iri for iri in meant if written_id(iri) not in crate)  # also those with an aliased @id
    sanitizer.removed.extend(_label(node) for node in doomed)
    while True:  # an embedded lookalike removed with its @id takes the references to it along on the next pass
        known = len(sanitizer.gone)
        for entity in crate.entities:
            sanitizer.node(entity, _label(entity), protected=id(entity) in keep)
        if len(sanitizer.gone) == known:
            break
    crate.reindex()
    if sanitizer.removed or meant:
        _require_clean(crate, sanitizer.gone | meant)
    return sanitizer.removed


def _require_clean(crate: Crate, removed: set[str]) -> None:
    """Refuse a result that JSON-LD still reads as holding a review action or a reference to a removed one."""
    expanded = expand(crate)
    for iri, what in review_nodes(expanded):
        shown = written_id(iri) if iri is not None else "an embedded node"
        article = "an" if what[:1] in "AEIOU" else "a"
        raise refuse(f"cannot sanitize safely: {shown} is still {article} {what} as JSON-LD reads it (its @type "
                     "or @id is written through the context: an aliased keyword, a redefined term, or rdf:type), which "
                     "sanitizing cannot remove from the crate as written; refuse the crate, or have it resubmitted "
                     "in plain JSON-LD", crate, written_id(iri) if iri is not None else None)
    nodes = list(node_objects(expanded))
    described = {node["@id"] for node in nodes if len(node) > 1 and isinstance(node.get("@id"), str)}
    for node in nodes:
        target = node.get("@id")
        if set(node) == {"@id"} and target in removed and target not in described:
            raise refuse(f"cannot sanitize safely: the removed {written_id(target)} is still referenced in a form "
                         "sanitizing cannot edit (an aliased @id); refuse the crate, or have it resubmitted in "
                         "plain JSON-LD", crate, written_id(target))


def _summary(removed: list[str], *, forced: bool) -> str:
    if not removed:
        return "sanitize: nothing to remove (no client-submitted assessment or lookalike)"
    if forced:  # the TRE overrode a refusal: say exactly what went, every item
        return f"sanitize --force: removed {len(removed)} review record(s) or lookalike(s): {'; '.join(removed)}"
    listed = "; ".join(removed[:_SUMMARY_ITEMS])
    more = f"; and {len(removed) - _SUMMARY_ITEMS} more" if len(removed) > _SUMMARY_ITEMS else ""
    return f"sanitize: removed {len(removed)} client-submitted assessment(s) or lookalike(s): {listed}{more}"


def _after_intake(found: Provenance, claimed: LifecycleState) -> str | None:
    """Why sanitizing would remove records of the TRE's review (the intake check, later steps, publishing)."""
    published = claimed.last(Step.PUBLISHING)
    if published is not None:
        return f"the crate was published ({published.id})"
    if found.intake is None:
        return None
    latest = found.trusted.actions[-1]
    if latest.id == found.intake.id:
        return f"the crate holds the check {found.intake.id}, the TRE's intake"
    return (f"the crate holds the {latest.step.label} {latest.id}, recorded after the intake (the check "
            f"{found.intake.id})")


def sanitize(
    target: str | os.PathLike[str],
    *,
    force: bool = False,
    clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback | None = None,
) -> StepResult:
    """Remove every client-submitted ``AssessAction``, and anything that could pass for one, from a received crate.

    Review actions (``AssessAction`` and subtypes, ``DownloadAction``, actions with an SHP ``additionalType``,
    also under a ``"type"`` key or embedded) go with every reference to them; SHP terms and review types on
    other entities go, the entities stay; nothing to remove writes nothing. Run it first, on the crate as
    received: a crate holding a check (the TRE's intake) or a publishing action is refused (``StepRefused``,
    naming the step) unless ``force``, since sanitizing would remove the TRE's own records; with ``force`` the
    summary lists every item removed.

    ``target`` is a crate folder, bag folder or bag ZIP, replaced atomically when something was removed.
    ``result.removed`` lists what went; ``result.action`` is None (sanitizing records no action). ``clock`` gives the
    ``Bagging-Date`` of regenerated manifests. Refused (:class:`~.lifecycle.StepRefused`, untouched) when a bag
    with something to remove fails its manifests, and (unless ``force``) when the crate holds a check or a
    publishing action: sanitizing applies to a crate as received, and cannot tell the TRE's own records from a
    client's. With ``force`` they go too, and the summary lists every item removed.
    """
    found: list[str] = []

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
        reason = None if force else _after_intake(provenance(crate), lifecycle_state(crate))
        if reason is not None:
            raise refuse(f"cannot sanitize: {reason}; sanitizing applies to a crate as received, before "
                         "'fivesafes tre check', and would remove the TRE's own records "
                         "('tre sanitize --force' removes them anyway)", crate)
        removed = remove_lookalikes(crate)
        if removed and space.is_bag:
            _verification, reasons = verify_original(space, limits, progress)
            if reasons:
                raise refuse(f"cannot sanitize: the bag fails its manifests ({len(reasons)} problem(s), first: "
                             f"{reasons[0]}); regenerating them would hide that: record the failed check instead",
                             crate)
        if removed:
            space.touch()
            log.info("sanitized %s: removed %d item(s)", os.fspath(target), len(removed))
        found.extend(removed)
        return None, _summary(removed, forced=force)

    result = apply_step(target, body, clock=clock or system_clock, limits=limits)
    return dataclasses.replace(result, removed=tuple(found))


__all__ = ["ASSESS_TYPES", "REVIEW_TYPES", "SHP_NAMES", "declared_type_names", "is_review_lookalike",
           "remove_lookalikes", "review_meaning", "review_nodes", "sanitize"]
