"""The researcher's side: the lifecycle timeline of a crate (``status``) and the receiving checks (``receive``).

The profile's receiving phase: check the BagIt manifests as in the check phase, and the status of *every*
action, because a TRE may hand back partial crates (failed approvals, pending or running work): a publishing
action alone proves nothing. :func:`receive` therefore accepts a crate only when its bag is intact, it
validates for its stage, and each step of the review process was recorded and completed: check, validation,
sign-off, execution, disclosure check and publishing (a workflow retrieval, when recorded, must have
completed too). Anything failed, pending, running or missing is a reason, listed in lifecycle order.

With a trust store, the signatures are verified too, and each recorded review action counts only when a
trusted TRE signature backs it (:meth:`~fivesafes_crate.signing.SignatureVerification.endorsed_actions`): a
client could otherwise forge an approval the TRE never gave. The run itself is the researcher's request and
needs no endorsement.

Neither function writes anything; both read any form of crate (folder, bag folder or ZIP).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..issues import Report, Severity
from ..model.crate import Crate, load_crate
from ..model.entities import has_type
from ..model.lifecycle import Status, Step, Timeline, timeline_of
from ..model.reviews import RecordedVerdict, recorded_verdicts
from ..model.source import DEFAULT_LIMITS, Limits, open_source
from ..packaging import BagVerification, ProgressCallback, verify_bag
from ..signing.trust import TrustStore
from ..signing.verifier import Failure, SignatureVerification, verify_source
from ..signing.writer import STEP_ROLES
from ..validation.engine import validate_crate

SIGNING_COMMANDS = {
    Step.CHECK: "tre check",
    Step.VALIDATION: "tre validate",
    Step.RETRIEVAL: "tre retrieve",
    Step.SIGN_OFF: "tre signoff",
    Step.DISCLOSURE: "disclosure record",
    Step.PUBLISHING: "tre publish",
}
"""The ``fivesafes`` command that records (and, with ``--key``, signs) each review step, for receiving's hints."""

REQUIRED_STEPS = (Step.CHECK, Step.VALIDATION, Step.SIGN_OFF, Step.EXECUTION, Step.DISCLOSURE, Step.PUBLISHING)
"""Steps a finished crate must show completed, in lifecycle order (retrieval is optional)."""


@dataclass(frozen=True)
class Receipt:
    """What :func:`receive` found: accepted only with an intact bag, a valid report and every step completed.

    ``verdicts`` are the per-output verdicts of the disclosure check (approved, or rejected and withheld).
    """

    accepted: bool
    reasons: tuple[str, ...]
    bag: BagVerification | None
    report: Report
    timeline: Timeline
    signatures: SignatureVerification | None = None
    verdicts: tuple[RecordedVerdict, ...] = ()


def status(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> Timeline:
    """The lifecycle timeline of a crate (any form): one row per recorded action, and the inferred stage."""
    with open_source(path, limits) as source:
        return timeline_of(load_crate(source))


def receive(
    path: str | os.PathLike[str],
    *,
    profile: str | None = None,
    threshold: Severity = Severity.SHOULD,
    trust: TrustStore | None = None,
    policy: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback | None = None,
) -> Receipt:
    """The receiving phase: BagIt manifests, validation at ``threshold`` and the status of every review step;
    with ``trust`` (and a named ``policy``) also the signatures, each review action counting only when a
    trusted TRE signature backs it.

    ``receipt.accepted`` is True only when everything passed and every step completed; ``receipt.reasons``
    says what did not, in lifecycle order.

    ``progress(done, total)`` follows the bytes hashed. Raises :class:`~fivesafes_crate.errors.CrateReadError`
    only when the input cannot be read at all.
    """
    with open_source(path, limits) as source:
        bag = verify_bag(source, progress=progress) if source.is_bag else None
        crate = load_crate(source)
        report = validate_crate(crate, profile=profile, threshold=threshold)
        signatures = None
        if trust is not None and bag is not None:  # the bag's hashing above is shared, not repeated
            signatures = verify_source(source, trust, policy=policy, bag=bag)
    timeline = timeline_of(crate)
    reasons: list[str] = []
    if bag is None:
        reasons.append("not a bag: the BagIt manifests cannot be checked")
    elif not bag.valid:
        reasons.append(f"the bag's manifests do not verify ({len(bag.problems)} problem(s); see fivesafes verify)")
    if not report.valid:
        counts = ", ".join(f"{len(found)} {level.label}" for level in reversed(Severity)
                           if (found := [i for i in report.at_threshold() if i.severity is level]))
        reasons.append(f"the crate is not valid at severity {threshold.label} ({counts})")
    reasons.extend(_step_reasons(crate, timeline))
    if signatures is not None:
        reasons.extend(_endorsement_reasons(signatures, timeline))
    return Receipt(not reasons, tuple(reasons), bag, report, timeline, signatures, recorded_verdicts(crate))


def _endorsement_reasons(signatures: SignatureVerification, timeline: Timeline) -> list[str]:
    reasons: list[str] = []
    unmet = [problem for problem in signatures.problems if problem.kind is Failure.POLICY]
    others = [problem for problem in signatures.problems if problem.kind is not Failure.POLICY]
    if others:
        reasons.append(f"the signatures do not verify ({len(others)} problem(s), first: {others[0].message}; "
                       "see fivesafes verify --trust)")
    reasons.extend(problem.message for problem in unmet)  # each says how to meet it
    endorsed = signatures.endorsed_actions()
    for row in timeline.rows:
        if row.step is not Step.EXECUTION and row.action_id not in endorsed:
            reasons.append(f"{row.step.label} {row.action_id} is not backed by a trusted TRE signature: the TRE "
                           f"signs the step with 'fivesafes {SIGNING_COMMANDS[row.step]} ... --key KEY' (or a sign "
                           f"hook) and the trust store gives that key the role {STEP_ROLES[row.step]}")
    return reasons


def _step_reasons(crate: Crate, timeline: Timeline) -> list[str]:
    reasons: list[str] = []
    for step in Step:
        rows = [row for row in timeline.rows if row.step is step]
        if not rows:
            if step in REQUIRED_STEPS and not (step is Step.EXECUTION and _execution_withdrawn(crate, timeline)):
                reasons.append(f"no {step.label} recorded")
            continue
        last = rows[-1]
        if last.status is not Status.COMPLETED:
            outcome = last.status.label if last.status else "without a status"
            reasons.append(f"{step.label} {outcome}: {last.name or last.action_id}")
    return reasons


def _execution_withdrawn(crate: Crate, timeline: Timeline) -> bool:
    """True when the run was removed after a rejected disclosure check (the profile's SHOULD): reported there."""
    rejected = any(row.step is Step.DISCLOSURE and row.status is Status.FAILED for row in timeline.rows)
    return rejected and not any(has_type(entity, "CreateAction") for entity in crate.entities)


__all__ = ["REQUIRED_STEPS", "SIGNING_COMMANDS", "Receipt", "receive", "status"]
