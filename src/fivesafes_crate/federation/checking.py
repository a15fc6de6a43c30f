"""Checking a federated summary as the researcher receives it: every nested node bag, offline, one by one.

This is the one implementation behind ``fivesafes verify SUMMARY --trust``, ``fivesafes receive SUMMARY`` and
their ``federate`` aliases: :func:`receive`, :func:`verify_signatures` and :func:`verify` are the front door's
(a single crate or bag goes to the receiving phase and the signature verifier unchanged). Each node bag
``nodes/<tre>/`` is first held to the tag-manifest digest the summary recorded when it was gathered (a bag
replaced since is refused with a :class:`~fivesafes_crate.errors.TrustError` naming the node, even when it
verifies by itself), then verified or received on its own; the summary's report carries the nodes' reports by
node id, and is valid or accepted only when every node's is.
"""

from __future__ import annotations

import os
from datetime import datetime

from ..errors import TrustError, UsageError
from ..issues import Severity
from ..model.crate import load_crate
from ..model.lifecycle import timeline_of
from ..model.source import DEFAULT_LIMITS, Limits, open_source
from ..packaging import TAG_MANIFEST, ProgressCallback
from ..phases.receiving import Receipt
from ..phases.receiving import receive as receive_phase
from ..signing.trust import TrustStore
from ..signing.verifier import SignatureInvalid, SignatureVerification
from ..signing.verifier import verify as verify_bag_signed
from ..signing.verifier import verify_signatures as verify_bag_signatures
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
    nodes = {node.id: verify_bag_signatures(node.folder, trust, policy=policy, now=now, limits=limits)
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
    nodes = {node.id: receive_phase(node.folder, threshold=threshold, trust=trust, policy=policy, limits=limits)
             for node in checked_nodes(summary, limits=limits)}
    with open_source(summary, limits) as source:
        crate = load_crate(source)
    report = validate_crate(crate, profile=profile, threshold=threshold)
    reasons = [] if report.valid else [f"the summary crate is not valid at severity {threshold.label}"]
    reasons += [f"node {node_id}: {reason}" for node_id, receipt in nodes.items() for reason in receipt.reasons]
    return Receipt(not reasons, tuple(reasons), None, report, timeline_of(crate), nodes=nodes)


def _is_summary(path: str | os.PathLike[str], limits: Limits) -> bool:
    """Whether ``path`` is a federated summary crate folder, whose nested nodes are checked one by one."""
    return summary_nodes(path, limits=limits) is not None


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
    says what did not, in lifecycle order. A federated summary folder (``federate gather``) is received node by
    node: ``receipt.nodes`` holds each nested node's receipt and the summary is accepted only when it is valid
    and every node is accepted (``fivesafes_crate.receive_federation`` returns just those).

    ``progress(done, total)`` follows the bytes hashed (of a single crate). Raises
    :class:`~fivesafes_crate.errors.CrateReadError` only when the input cannot be read at all.
    """
    if _is_summary(path, limits):
        return receive_summary(path, profile=profile, threshold=threshold, trust=trust, policy=policy, limits=limits)
    return receive_phase(path, profile=profile, threshold=threshold, trust=trust, policy=policy, limits=limits,
                         progress=progress)


def verify_signatures(
    path: str | os.PathLike[str],
    trust: TrustStore,
    *,
    policy: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback | None = None,
) -> SignatureVerification:
    """Verify a bag's signatures against a trust store (and a named policy): a report per envelope.

    Unlike :func:`verify_bag` (BagIt integrity only), this checks who signed what: ``.valid``, ``.envelopes``,
    ``.unsigned`` files and ``.problems``. A federated summary folder (``federate gather``) is verified node by
    node: ``.nodes`` holds each nested node bag's report and ``.valid`` needs every one (a node whose tag
    manifest changed since gathering raises ``TrustError``). Raises ``CrateReadError`` when ``path`` is neither
    a bag nor a summary.
    """
    if _is_summary(path, limits):
        return verify_summary(path, trust, policy=policy, now=now, limits=limits)
    return verify_bag_signatures(path, trust, policy=policy, now=now, limits=limits, progress=progress)


def verify(
    path: str | os.PathLike[str],
    trust: TrustStore,
    *,
    policy: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Return when a bag's signatures (a federated summary: every nested node's) verify against ``trust`` (and
    ``policy``); raise ``SignatureInvalid`` carrying the full report (``.verification``) otherwise."""
    if not _is_summary(path, limits):
        verify_bag_signed(path, trust, policy=policy, now=now, limits=limits)
        return
    found = verify_summary(path, trust, policy=policy, now=now, limits=limits)
    if not found.valid:
        raise SignatureInvalid(found, path=os.fspath(path))
