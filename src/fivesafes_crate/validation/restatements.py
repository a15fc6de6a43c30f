"""One defect, one issue across check families (docs/conformance.md, rule 7).

Most restatements are avoided where the checks are written (a shape skips what another check reports). What is
left are pairs of checks from different families (a Python base-layer check and a profile shape, or two shapes
of different stages) that see the same defect on the same entity and property: the more specific check, whose
level is the one of the profile's sentence, keeps its issue and the general one's issue at the same
``(focus, path)`` is dropped. Only the pairs listed here, and only on the same entity and property: an
independent check is never suppressed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..issues import Issue

RESTATED_BY: Mapping[str, frozenset[str]] = {
    # An input or output with no typed description: the profile's MUST says what is missing.
    "ref.dangling": frozenset({"inputs.data-entity", "outputs.described"}),
    # A result not reached through hasPart, at the published stage: the publishing sentence, same MUST.
    "data.linked-from-root": frozenset({"publishing.has-part-results"}),
    # An AssessAction the root does not mention, once published: the MUST replaces the earlier SHOULD.
    "review.mentioned": frozenset({"publishing.mentions-assess-actions"}),
    # A review agent without a name: the profile's sentence about review agents, same SHOULD.
    "rocrate.contextual-name": frozenset({"review.agent-name"}),
}
"""For a check id, the checks whose issue on the same ``(focus, path)`` already states its defect."""


def without_restatements(issues: Iterable[Issue]) -> list[Issue]:
    """``issues`` less those :data:`RESTATED_BY` another issue on the same entity and property."""
    issues = list(issues)
    reported = {(issue.check, issue.focus, issue.path) for issue in issues}
    return [issue for issue in issues
            if not any((by, issue.focus, issue.path) in reported for by in RESTATED_BY.get(issue.check, ()))]
