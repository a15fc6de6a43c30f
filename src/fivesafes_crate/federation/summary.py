"""Reading a federated summary crate back: is it one, which nodes it nests, and checking them one by one.

A summary is recognised by its root's ``additionalType`` (our ``FederatedSummary`` term). Its nested nodes are
the bag folders ``nodes/<tre>/`` its node actions name; each is checked on its own, offline: its signatures
against the trust store, and the digest of its tag manifest against the one the summary recorded, so that a
nested bag replaced after gathering is caught even when it verifies by itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..model.crate import Crate, load_crate
from ..model.entities import ref_ids
from ..model.safe_files import hash_file
from ..model.source import DEFAULT_LIMITS, Limits, SourceKind, open_source
from ..packaging import TAG_MANIFEST
from .gather import NODES_DIR, SUMMARY_TERM, NodeOutcome
from .nodes import NODE_ID


@dataclass(frozen=True)
class NestedNode:
    """A node bag nested in a summary: the node id, the bag folder on disk and the tag-manifest digest recorded."""

    id: str
    folder: Path
    recorded_sha256: str | None
    completed: bool = False
    """Whether the summary records the node's outcome as completed (published after an approved disclosure)."""

    @property
    def digest_matches(self) -> bool:
        """Whether the nested bag's tag manifest still has the digest the summary recorded."""
        manifest = self.folder / TAG_MANIFEST
        return self.recorded_sha256 is not None and manifest.is_file() and hash_file(manifest) == self.recorded_sha256


def is_summary(crate: Crate) -> bool:
    """True for a federated summary crate."""
    return SUMMARY_TERM in ref_ids((crate.root or {}).get("additionalType"))


def nested_nodes(crate: Crate, folder: Path) -> list[NestedNode]:
    """The node bags a summary crate (read from ``folder``) nests, in the order of its node actions."""
    found = []
    for entity_id in ref_ids((crate.root or {}).get("hasPart")):
        parts = entity_id.split("/")
        if len(parts) != 3 or parts[0] != NODES_DIR or parts[2] != "" or not NODE_ID.match(parts[1]):
            continue
        manifest = crate.get(f"{entity_id}{TAG_MANIFEST}")
        digest = manifest.get("sha256") if manifest else None
        action = crate.get(f"#node-{parts[1]}") or {}
        completed = NodeOutcome.COMPLETED.term in ref_ids(action.get("additionalType"))
        found.append(NestedNode(parts[1], folder / NODES_DIR / parts[1], digest if isinstance(digest, str) else None,
                                completed))
    return found


def summary_nodes(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> list[NestedNode] | None:
    """The nested nodes of the summary crate folder at ``path``, or None when ``path`` is not a summary folder."""
    given = Path(path)
    if not given.is_dir():
        return None
    with open_source(given, limits) as source:
        if source.kind is not SourceKind.DIRECTORY:
            return None
        crate = load_crate(source)
    return nested_nodes(crate, given) if is_summary(crate) else None
