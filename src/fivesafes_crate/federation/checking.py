"""Checking a federated summary as the researcher receives it: every nested node bag, offline, one by one.

This is the one implementation behind ``fivesafes verify SUMMARY --trust``, ``fivesafes receive SUMMARY`` and
their ``federate`` aliases. Each node bag ``nodes/<tre>/`` is first held to the tag-manifest digest the summary
recorded when it was gathered (a bag replaced since is refused with a :class:`~fivesafes_crate.errors.TrustError`
naming the node, even when it verifies by itself), then verified or received on its own; the summary's report
carries the nodes' reports by node id, and is valid or accepted only when every node's is.
"""

from __future__ import annotations

import os
from datetime import datetime

from ..errors import TrustError, UsageError
from ..issues import Severity
from ..model.crate import load_crate
from ..model.lifecycle import timeline_of
from ..model.source import DEFAULT_LIMITS, Limits, open_source
from ..packaging import TAG_MANIFEST
from ..phases.receiving import Receipt, receive
from ..signing.trust import TrustStore
from ..signing.verifier import SignatureVerification, verify_signatures
from ..validation.engine import validate_crate
from .summary import NestedNode, summary_nodes


def checked_nodes(summary: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> list[NestedNode]:
    """The nested nodes of the summary crate folder ``summary``, each with the tag-manifest digest gathered.

    Raises :class:`~fivesafes_crate.errors.UsageError` when ``summary`` is not a summary crate folder and
    :class:`~fivesafes_crate.errors.TrustError` naming the node whose tag manifest changed since gathering.
    """
    nodes = summary_nodes(summary, limits=limits)
    if nodes is None:
        raise UsageError("not a federated summary crate folder (made by federate gather)", path=os.fspath(summary))
    for node in nodes:
        if not node.digest_matches:
            raise TrustError(f"the tag manifest of node {node.id} is not the one gathered (its digest differs)",
                             path=os.fspath(node.folder / TAG_MANIFEST))
    return nodes


def verify_summary(
    summary: str | os.PathLike[str],
    trust: TrustStore,
    *,
    policy: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> SignatureVerification:
    """Verify every node bag of a summary against ``trust`` (and ``policy``); the summary folder itself is not a
    bag and carries no signature of its own, so its report holds only the nodes' (``.nodes``, by node id)."""
    nodes = {node.id: verify_signatures(node.folder, trust, policy=policy, now=now, limits=limits)
             for node in checked_nodes(summary, limits=limits)}
    return SignatureVerification((), (), (), policy=policy, nodes=nodes,
                                 files_checked=sum(v.files_checked for v in nodes.values()),
                                 bytes_hashed=sum(v.bytes_hashed for v in nodes.values()))


def receive_summary(
    summary: str | os.PathLike[str],
    *,
    profile: str | None = None,
    threshold: Severity = Severity.SHOULD,
    trust: TrustStore | None = None,
    policy: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Receipt:
    """Receive a summary: the summary crate validated at ``threshold`` (``profile`` applies to it, each node
    is validated with its own detected profile), and every node received as :func:`receive` does (with
    ``trust``: its signatures). Accepted only when the summary is valid and every node is accepted; the reasons
    name the node they concern. A node whose outputs were withheld is never accepted (it was not published).
    """
    nodes = {node.id: receive(node.folder, threshold=threshold, trust=trust, policy=policy, limits=limits)
             for node in checked_nodes(summary, limits=limits)}
    with open_source(summary, limits) as source:
        crate = load_crate(source)
    report = validate_crate(crate, profile=profile, threshold=threshold)
    reasons = [] if report.valid else [f"the summary crate is not valid at severity {threshold.label}"]
    reasons += [f"node {node_id}: {reason}" for node_id, receipt in nodes.items() for reason in receipt.reasons]
    return Receipt(not reasons, tuple(reasons), None, report, timeline_of(crate), nodes=nodes)
