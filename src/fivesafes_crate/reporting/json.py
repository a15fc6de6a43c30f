"""The machine-readable report: a contract, described by ``docs/reference/report.schema.json``.

Keys are spelled here and nowhere else (the screening report's, which a step also writes into the crate, with
that report in :mod:`fivesafes_crate.disclosure_control.report`). Adding a key is a minor change; renaming or
removing one breaks every CI system that reads the report.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..issues import Issue, Report

if TYPE_CHECKING:  # only types: rendering must not import the validation stack (``fivesafes --help`` stays fast)
    from ..model.lifecycle import Timeline
    from ..packaging import BagVerification
    from ..phases.lifecycle import StepResult
    from ..phases.receiving import Receipt
    from ..signing.verifier import SignatureVerification


def issue_to_json(issue: Issue) -> dict[str, Any]:
    """One issue as a JSON object."""
    return {
        "severity": issue.severity.label,
        "check": issue.check,
        "focus": issue.focus,
        "path": issue.path,
        "file": issue.file,
        "line": issue.line,
        "column": issue.column,
        "message": issue.message,
    }


def report_to_json(report: Report) -> dict[str, Any]:
    """The report as a JSON object listing the issues at or above its threshold (``profile`` null and ``stage``
    ``unknown`` when the metadata could not be read). ``profile`` is what was validated against, ``declared``
    the Five Safes profile IRIs the root declares (a list, empty when none); ``phase`` repeats ``stage`` for one
    release (deprecated)."""
    return {
        "valid": report.valid,
        "profile": report.profile,
        "declared": list(report.declared),
        "stage": report.stage_label,
        "phase": report.stage_label,
        "issues": [issue_to_json(issue) for issue in report.at_threshold()],
    }


def render_json(report: Report) -> str:
    """The report as one JSON document (indented, UTF-8 characters kept)."""
    return json.dumps(report_to_json(report), indent=2, ensure_ascii=False)


def step_to_json(result: StepResult) -> dict[str, Any]:
    """What a lifecycle step did, for ``fivesafes tre ... --format json``: the action written and a summary."""
    action = result.action
    return {
        "path": str(result.path),
        "summary": result.summary,
        "action": action.get("@id") if action is not None else None,
        "status": result.status.label if result.status is not None else None,
        "stage": result.crate.stage().value,
        "removed": list(result.removed),
    }


def verification_to_json(result: BagVerification) -> dict[str, Any]:
    """A BagIt verification (``fivesafes verify``) as the object ``docs/reference/verify.schema.json`` describes."""
    return {
        "valid": result.valid,
        "files_checked": result.files_checked,
        "bytes_hashed": result.bytes_hashed,
        "problems": [
            {"severity": p.severity.label, "kind": p.kind.value, "file": p.file, "message": p.message}
            for p in result.problems
        ],
        "checked": list(result.checked),
        "not_checked": list(result.not_checked),
    }


def timeline_to_json(timeline: Timeline) -> dict[str, Any]:
    """A crate's lifecycle (``fivesafes status --format json``): the stage and one object per recorded action."""
    return {
        "stage": timeline.stage.value,
        "steps": [
            {
                "step": row.step.label,
                "action": row.action_id,
                "status": row.status.label if row.status is not None else None,
                "name": row.name,
                "agents": list(row.agents),
                "start": row.start,
                "end": row.end,
            }
            for row in timeline.rows
        ],
    }


def receipt_to_json(receipt: Receipt) -> dict[str, Any]:
    """What ``fivesafes receive --format json`` prints: verdict, reasons, bag check, validation, timeline, signatures
    and the disclosure check's per-output verdicts."""
    return {
        "accepted": receipt.accepted,
        "reasons": list(receipt.reasons),
        "bag": verification_to_json(receipt.bag) if receipt.bag is not None else None,
        "validation": report_to_json(receipt.report),
        "timeline": timeline_to_json(receipt.timeline),
        "signatures": signatures_to_json(receipt.signatures) if receipt.signatures is not None else None,
        "verdicts": [
            {
                "output": verdict.output,
                "name": verdict.name,
                "verdict": "approved" if verdict.approved else "rejected",
                "withheld": verdict.withheld,
                "comment": verdict.comment,
                "author": verdict.author,
                "date": verdict.date,
            }
            for verdict in receipt.verdicts
        ],
    }


def signatures_to_json(result: SignatureVerification) -> dict[str, Any]:
    """A signature verification (``fivesafes verify --trust``), as ``docs/reference/signatures.schema.json`` says."""
    return {
        "valid": result.valid,
        "policy": result.policy,
        "files_checked": result.files_checked,
        "bytes_hashed": result.bytes_hashed,
        "envelopes": [
            {
                "file": e.file,
                "key_id": e.key_id,
                "principal": e.principal,
                "role": e.role,
                "phase": e.phase,
                "signed_at": e.signed_at,
                "assess_action": e.assess_action,
                "signature_ok": e.signature_ok,
                "role_allowed": e.role_allowed,
                "state": e.state.value if e.state is not None else None,
                "chain_ok": e.chain_ok,
                "diff": None if e.diff is None else {
                    "unchanged": e.diff.unchanged,
                    "modified": list(e.diff.modified),
                    "added": list(e.diff.added),
                    "removed": list(e.diff.removed),
                },
                "ok": e.ok,
            }
            for e in result.envelopes
        ],
        "unsigned": list(result.unsigned),
        "problems": [{"kind": p.kind.value, "file": p.file, "message": p.message} for p in result.problems],
    }
