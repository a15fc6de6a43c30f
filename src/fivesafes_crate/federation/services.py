"""The federation's public functions: split a request across TREs, gather and pool their results, and check the
nodes of a summary, each taking the forms a caller writes (``ID=URL`` strings for nodes, a policy by name or file)
and handing them to the implementation in :mod:`.split`, :mod:`.gather`, :mod:`.pool` and :mod:`.checking`.

Re-exported by :mod:`fivesafes_crate`; import from there.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from ..disclosure_control.policy import DisclosurePolicy, load_disclosure_policy
from ..issues import Severity
from ..model.source import DEFAULT_LIMITS, Limits
from ..phases.lifecycle import Agent, Clock
from ..phases.receiving import Receipt
from ..signing.trust import TrustStore
from ..signing.verifier import SignatureVerification
from .checking import receive_summary, verify_summary
from .gather import FederatedSummary, gather
from .nodes import Node
from .pool import PooledOutput, pool
from .split import new_federated_id, split


def federate_split(
    request: str | os.PathLike[str],
    tres: Sequence[Node | str],
    output: str | os.PathLike[str],
    *,
    federated_id: str | None = None,
    bagging_date: date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Path]:
    """Split a request (crate folder, bag folder or bag ZIP) into one packed request per TRE of a federation.

    ``tres`` are :class:`~fivesafes_crate.Node`\\ s or ``ID=URL`` strings. Writes ``output/<id>.bagit.zip``
    (a new folder, complete or not at all), each a valid request sharing one federated identifier
    (``federated_id``, default a new ``urn:uuid:``) so that their results can be gathered. Returns the ZIPs.
    """
    nodes = [tre if isinstance(tre, Node) else Node.parse(tre) for tre in tres]
    return split(request, nodes, output, federated_id=federated_id or new_federated_id, bagging_date=bagging_date,
                 limits=limits)


def federate_gather(
    results: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    expected: Sequence[Node | str] = (),
    clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> FederatedSummary:
    """Gather the bags the TREs returned into a federated summary crate folder ``output``.

    Each node's bag is nested untouched under ``nodes/<id>/`` (a ``Dataset`` with the versionless RO-Crate
    ``conformsTo``), with its tag-manifest digest and signatures listed, and one action per node records its
    outcome (:class:`~fivesafes_crate.NodeOutcome`: completed, failed, withheld, or never returned for an
    ``expected`` node without a result). See ``docs/federation.md``.
    """
    nodes = [tre if isinstance(tre, Node) else Node.parse(tre) for tre in expected]
    return gather(results, output, expected=nodes, clock=clock, limits=limits)


def federate_pool(
    summary: str | os.PathLike[str],
    *,
    agent: Agent,
    policy: DisclosurePolicy | str | os.PathLike[str] = "acro-default",
    clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[PooledOutput]:
    """Pool the completed nodes' tables of a summary crate into ``pooled/`` and screen each pooled output.

    Records an aggregation action per pooled table (``agent`` pooled it) and two ``Review``\\ s of it: the
    disclosure rules of ``policy`` and a differencing check between each node's cells and the pooled total.
    """
    return pool(summary, agent=agent, policy=load_disclosure_policy(policy), clock=clock, limits=limits)


def verify_federation(
    summary: str | os.PathLike[str],
    trust: TrustStore,
    *,
    policy: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, SignatureVerification]:
    """Verify every node bag nested in a summary crate against ``trust`` (and ``policy``), offline.

    Returns each node's signature report by node id (the ``.nodes`` of :func:`~fivesafes_crate.verify_signatures` of
    the summary). Raises :class:`~fivesafes_crate.TrustError` naming the node when a nested bag's tag manifest no
    longer has the digest the summary recorded, and :class:`~fivesafes_crate.UsageError` when ``summary`` is not
    a summary crate folder.
    """
    return dict(verify_summary(summary, trust, policy=policy, now=now, limits=limits).nodes)


def receive_federation(
    summary: str | os.PathLike[str],
    *,
    trust: TrustStore | None = None,
    policy: str | None = None,
    threshold: Severity = Severity.SHOULD,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Receipt]:
    """:func:`~fivesafes_crate.receive` every node bag nested in a summary crate (with ``trust``: against the
    trust store), offline; each node's receipt by node id (the ``.nodes`` of the summary's receipt). A node
    whose outputs were withheld is not accepted (it was not published). Raises as :func:`verify_federation`
    does for a changed nested bag or a folder that is not a summary.
    """
    return dict(receive_summary(summary, threshold=threshold, trust=trust, policy=policy, limits=limits).nodes)
