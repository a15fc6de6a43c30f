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
  ``@graph``) are removed from the value that holds them, at any depth; one whose ``@id`` names an entity
  that is kept becomes a plain reference to it.

Everything else is kept as written. :attr:`~.lifecycle.StepResult.removed` lists what was removed: the
``@id`` of each removed entity, and ``<@id> <property>: <what>`` for removed parts and embedded objects.
Sanitizing records no action and is idempotent: a second run finds nothing and writes nothing.

Run it first, on the crate as received: it cannot tell the TRE's own records from a client's, so it would
remove those too. On a bag it regenerates the manifests, which must not bless content that was damaged in
transit: when something is to be removed, the bag is first verified as the check phase does (see
:mod:`.check`), and a bag that fails is refused untouched; record its failed check with
:func:`~.check.record_check` instead.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from ..model.crate import Crate
from ..model.entities import JSON, Entity, additional_types, as_list, iri_values
from ..model.lifecycle import LifecycleState, main_action
from ..model.source import DEFAULT_LIMITS, Limits
from ..model.vocab import SHP_TERMS
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


def _is_reference(value: JSON) -> bool:
    return isinstance(value, dict) and set(value) == {"@id"}


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
    removed: list[str] = field(default_factory=list)

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
                if item["@id"] in self.gone:
                    continue
            elif isinstance(item, dict):
                if is_review_lookalike(item):
                    self.removed.append(f"{where}: embedded {_what(item)}")
                    node_id = item.get("@id")
                    if not isinstance(node_id, str) or node_id not in self.crate:
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

    See the module documentation for what counts. The crate is re-indexed; nothing is written.
    """
    keep = {id(node) for node in (crate.descriptor, crate.root, main_action(crate)) if node is not None}
    graph = crate.graph
    doomed = [node for node in crate.entities if id(node) not in keep and is_review_lookalike(node)]
    doomed_ids = {id(node) for node in doomed}
    graph[:] = [item for item in graph if id(item) not in doomed_ids]
    crate.reindex()
    gone = {node_id for node in doomed if isinstance(node_id := node.get("@id"), str) and node_id not in crate}
    sanitizer = _Sanitizer(crate, gone, [_label(node) for node in doomed])
    for entity in crate.entities:
        sanitizer.node(entity, _label(entity), protected=id(entity) in keep)
    crate.reindex()
    return sanitizer.removed


def _summary(removed: list[str]) -> str:
    if not removed:
        return "sanitize: nothing to remove (no client-submitted assessment or lookalike)"
    listed = "; ".join(removed[:_SUMMARY_ITEMS])
    more = f"; and {len(removed) - _SUMMARY_ITEMS} more" if len(removed) > _SUMMARY_ITEMS else ""
    return f"sanitize: removed {len(removed)} client-submitted assessment(s) or lookalike(s): {listed}{more}"


def sanitize(
    target: str | os.PathLike[str],
    *,
    clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback | None = None,
) -> StepResult:
    """Remove every client-submitted ``AssessAction``, and anything that could pass for one, from a received crate.

    Review actions (``AssessAction`` and subtypes, ``DownloadAction``, actions with an SHP ``additionalType``,
    also under a ``"type"`` key or embedded) go with every reference to them; SHP terms and review types on
    other entities go, the entities stay; nothing to remove writes nothing. Run it first.

    ``target`` is a crate folder, bag folder or bag ZIP, replaced atomically when something was removed.
    ``result.removed`` lists what went; ``result.action`` is None (sanitizing records no action). ``clock`` gives the
    ``Bagging-Date`` of regenerated manifests. Refused (:class:`~.lifecycle.StepRefused`, untouched) when a bag
    with something to remove fails its manifests. It is the intake step: it cannot tell the TRE's own records
    from a client's (a crate may arrive with another TRE's), so running it later removes the TRE's records too.
    """
    found: list[str] = []

    def body(space: Workspace, state: LifecycleState) -> tuple[Entity | None, str]:
        crate = space.crate
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
        return None, _summary(removed)

    result = apply_step(target, body, clock=clock or system_clock, limits=limits)
    return dataclasses.replace(result, removed=tuple(found))


__all__ = ["ASSESS_TYPES", "REVIEW_TYPES", "SHP_NAMES", "declared_type_names", "is_review_lookalike",
           "remove_lookalikes", "sanitize"]
