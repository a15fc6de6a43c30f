"""The output checker's per-output verdicts on the disclosure check, and the guard rails around them.

A :class:`Verdict` is recorded as a ``Review`` with the SHP term ``PassedDisclosureCheck`` or
``FailedDisclosureCheck``, bound to the exact bytes judged (``sha256``), listed as the check's ``result``. Guard
rails, each a :class:`~..lifecycle.StepRefused` that leaves the crate untouched:

* once the check has per-output reviews (a screening or verdicts), an approval needs a verdict for every output
  in scope (:func:`~fivesafes_crate.model.reviews.output_scope`); without any, the approval covers the crate as
  a whole;
* an output the screening failed is approved only explicitly, with a comment that justifies it;
* rejected outputs must be pruned before the check is approved (``prune``, :mod:`.withholding`);
* a verdict is refused when the output's bytes changed since it was screened, attached or judged.

:func:`plan_verdicts` checks one call's verdicts against the crate, :func:`require_verdicts` applies the
approval's rails and :func:`write_verdicts` writes them; :func:`~.decision.record_disclosure` runs the three.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ...errors import UsageError
from ...issues import ScreeningOutcome
from ...model.crate import Crate
from ...model.entities import Entity
from ...model.reviews import (
    FAILED_DISCLOSURE_CHECK,
    PASSED_DISCLOSURE_CHECK,
    ScopedOutput,
    output_scope,
    reviewed,
    reviews_of,
    screening_of,
    verdict_of,
)
from ...model.source import EntryKind, open_source
from ..lifecycle import Agent, IdFactory, ensure_agent, refuse
from ..reviews import describe_file, drop_reviews, file_sha256, fresh_id, review_entity
from ..workspace import Workspace


@dataclass(frozen=True)
class Verdict:
    """The output checker's verdict on one output: approved or rejected, with an optional comment.

    ``output`` is the crate-relative name of an output file (a folder stands for every file below it) or the
    ``@id`` of a value output. Approving an output that the screening failed needs a ``comment`` justifying it.
    """

    output: str
    approved: bool
    comment: str | None = None


def checked_verdicts(verdicts: Sequence[Verdict]) -> list[Verdict]:
    """The verdicts given, each naming an output once, comments in one line (a usage error otherwise)."""
    checked: dict[str, Verdict] = {}
    for verdict in verdicts:
        if not isinstance(verdict, Verdict) or not isinstance(verdict.output, str) or not verdict.output.strip():
            raise UsageError("a verdict names an output: a crate-relative file name or a value's @id")
        if verdict.output in checked:
            raise UsageError("two verdicts for one output", path=verdict.output)
        comment = " ".join(verdict.comment.split()) if isinstance(verdict.comment, str) else None
        checked[verdict.output] = dataclasses.replace(verdict, comment=comment or None)
    return list(checked.values())


@dataclass
class VerdictPlan:
    """The verdicts of one call, checked against the crate, and the verdicts in force once they are written."""

    scope: list[ScopedOutput]
    reviews: list[Entity]  # the check's reviews before this call
    new: list[tuple[ScopedOutput, Verdict, str | None]]  # with the sha256 of the bytes judged
    agent: Agent
    moment: datetime
    new_id: IdFactory
    in_force: dict[str, bool] = dataclasses.field(default_factory=dict)  # output key -> approved

    @property
    def rejected(self) -> list[ScopedOutput]:
        """The outputs whose verdict in force is a rejection."""
        return [output for output in self.scope if self.in_force.get(output.key) is False]


def plan_verdicts(space: Workspace, check: Entity | None, verdicts: Sequence[Verdict], agent: Agent,
                  moment: datetime, new_id: IdFactory) -> VerdictPlan:
    """The verdicts of one call checked against the working copy: every output unchanged since it was
    reviewed, a failed screening approved only with a comment; and the verdicts in force once written."""
    crate = space.crate
    with open_source(space.folder) as source:
        entries = source.crate_entries()
    scope = output_scope(crate, entries)
    plan = VerdictPlan(scope, reviews_of(crate, check), [], agent, moment, new_id)
    digests = {output.key: file_sha256(space, output.key) for output in scope
               if output.file and entries[output.key].kind is EntryKind.FILE}
    for output in scope:
        _require_unchanged(crate, output, digests.get(output.key), plan.reviews)
        for review in plan.reviews:
            if output.entity_id is not None and reviewed(review) == output.entity_id and verdict_of(review) is not None:
                plan.in_force[output.key] = bool(verdict_of(review))
    for output, verdict in _expand(verdicts, scope):
        screened = [screening_of(r) for r in plan.reviews if output.entity_id and reviewed(r) == output.entity_id]
        if verdict.approved and not verdict.comment and ScreeningOutcome.FAIL in screened:
            raise refuse(f"cannot approve {output.key}: the screening failed it; approve it only with a comment "
                         "that justifies it", crate, output.entity_id)
        plan.new.append((output, verdict, digests.get(output.key)))
        plan.in_force[output.key] = verdict.approved
    return plan


def _expand(verdicts: Sequence[Verdict], scope: Sequence[ScopedOutput]) -> list[tuple[ScopedOutput, Verdict]]:
    """Each verdict with the outputs it names: a file, a value, an entity ``@id``, or a folder's files."""
    chosen: dict[str, tuple[ScopedOutput, Verdict]] = {}
    for verdict in verdicts:
        name = verdict.output.strip()
        folder = name.rstrip("/") + "/"
        found = [output for output in scope
                 if name in (output.key, output.entity_id) or (output.file and output.key.startswith(folder))]
        if not found:
            raise UsageError("not an output in scope of the disclosure check (a file of the run's results or under "
                             "outputs/, or a value result)", path=name)
        for output in found:
            if output.key in chosen:
                raise UsageError("two verdicts for one output", path=output.key)
            chosen[output.key] = (output, verdict)
    return list(chosen.values())


def _require_unchanged(crate: Crate, output: ScopedOutput, digest: str | None, reviews: Sequence[Entity]) -> None:
    """Refuse when an output's bytes differ from those attached, screened or judged before."""
    if digest is None or output.entity_id is None:
        return
    for review in reviews:
        recorded = review.get("sha256")
        if reviewed(review) == output.entity_id and isinstance(recorded, str) and recorded.lower() != digest:
            when = "it was screened" if screening_of(review) is not None else "its last verdict"
            raise refuse(f"the bytes of {output.key} changed since {when} (sha256 differs): screen it again",
                         crate, output.entity_id)
    entity = crate.get(output.entity_id) or {}
    if isinstance(entity.get("sha256"), str) and entity["sha256"].lower() != digest:
        raise refuse(f"the bytes of {output.key} differ from the sha256 the crate records for it", crate,
                     output.entity_id)


def require_verdicts(crate: Crate, plan: VerdictPlan, prune: bool) -> None:
    """An approval: with per-output reviews, a verdict for every output in scope; rejected outputs pruned."""
    if not plan.new and not any(screening_of(r) is not None or verdict_of(r) is not None for r in plan.reviews):
        return  # the approval covers the crate as a whole, as the profile's check does
    missing = [output.key for output in plan.scope if output.key not in plan.in_force]
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise refuse(f"cannot approve: {len(missing)} output(s) in scope have no verdict ({shown}); approve or "
                     "reject each", crate)
    if plan.rejected and not prune:
        shown = ", ".join(output.key for output in plan.rejected[:3])
        raise refuse(f"cannot approve: rejected outputs must be pruned first ({shown}); give prune", crate)


def write_verdicts(space: Workspace, plan: VerdictPlan) -> list[str]:
    """Write the planned verdicts (replacing earlier ones on the same outputs; a file nobody described is
    described, in the plan's scope too); their ``@id``\\ s."""
    crate = space.crate
    edit = crate.edit()
    written: list[str] = []
    superseded: list[str] = []
    with open_source(space.folder) as source:
        entries = source.crate_entries()
    for output, verdict, digest in plan.new:
        item = output.entity_id
        if item is None:
            item = describe_file(edit, output.key, sha256=digest, size=entries[output.key].size)
            plan.scope[plan.scope.index(output)] = dataclasses.replace(output, entity_id=item)
        elif digest is not None and "sha256" not in (crate.get(item) or {}):
            edit.set(item, "sha256", digest)
        superseded += [r["@id"] for r in plan.reviews if reviewed(r) == item and verdict_of(r) is not None]
        review_id = fresh_id("verdict", plan.new_id)
        outcome = "approved" if verdict.approved else "rejected"
        edit.add(review_entity(review_id, item=item, term=PASSED_DISCLOSURE_CHECK if verdict.approved else
                               FAILED_DISCLOSURE_CHECK, name=f"Disclosure verdict on {output.key}: {outcome}",
                               author=plan.agent.id, moment=plan.moment, body=verdict.comment, sha256=digest))
        written.append(review_id)
    drop_reviews(edit, superseded)
    ensure_agent(edit, plan.agent)
    return written


__all__ = [
    "Verdict",
    "VerdictPlan",
    "checked_verdicts",
    "plan_verdicts",
    "require_verdicts",
    "write_verdicts",
]
