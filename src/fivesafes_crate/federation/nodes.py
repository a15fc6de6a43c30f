"""What every federation step shares: a node of the federation, the federated identifier a crate carries, and
copying an opened crate or bag into a folder file by file (through the guarded source, never following links).

A request split for a federation carries, on its root, ``isPartOf`` the federated analysis (``urn:uuid:...``,
described as a ``CreativeWork``) and an ``identifier`` ``PropertyValue`` naming the node: ``propertyID`` the
federated identifier, ``value`` the node's id (``tre-a``) and ``url`` the TRE. The TRE's steps keep both, so a
returned result says which federation and which node it belongs to.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnsafeInputError, UsageError
from ..model.crate import Crate, CrateEditor
from ..model.entities import Entity, as_list, ref_ids
from ..model.source import CrateSource, EntryKind

NODE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
"""A node id: lower-case letters, digits and inner hyphens, as it names the node's folder ``nodes/<id>/``."""
NODE_PROPERTY = "#federated-node"
FEDERATED_NAME = "Federated analysis"


@dataclass(frozen=True)
class Node:
    """One TRE of the federation: its short id (``tre-a``, the folder name) and its URL (the TRE's ``@id``)."""

    id: str
    url: str

    def __post_init__(self) -> None:
        if not NODE_ID.match(self.id):
            raise UsageError(f"node id {self.id!r} must be lower-case letters, digits and inner hyphens")
        if not self.url.startswith(("https://", "http://")):
            raise UsageError(f"the URL of node {self.id} must be an http(s) URL, not {self.url!r}")

    @classmethod
    def parse(cls, text: str) -> Node:
        """A node from ``ID=URL`` (as ``--tre`` gives it)."""
        node_id, sep, url = text.partition("=")
        if not sep:
            raise UsageError(f"expected ID=URL, not {text!r}")
        return cls(node_id.strip(), url.strip())


@dataclass(frozen=True)
class Membership:
    """The federation a crate belongs to, read from its root: the federated identifier and its node."""

    federated_id: str
    node: Node


def mark(editor: CrateEditor, federated_id: str, node: Node) -> None:
    """Mark a request's root as the ``node``'s part of the federated analysis ``federated_id``."""
    crate = editor.crate
    root_id = crate.root_id or "./"
    editor.put({"@id": federated_id, "@type": "CreativeWork", "name": FEDERATED_NAME, "identifier": federated_id})
    editor.put({"@id": NODE_PROPERTY, "@type": "PropertyValue", "name": "federated node", "propertyID": federated_id,
                "value": node.id, "url": node.url})
    editor.link(root_id, "isPartOf", federated_id)
    editor.link(root_id, "identifier", NODE_PROPERTY)


def membership(crate: Crate) -> Membership | None:
    """The federation and node a crate says it belongs to, or None for a crate that was not split."""
    root = crate.root or {}
    parts = set(ref_ids(root.get("isPartOf")))
    for value in as_list(root.get("identifier")):
        for entity_id in ref_ids(value):
            entity: Entity | None = crate.get(entity_id)
            if entity is None or entity.get("propertyID") not in parts:
                continue
            node_id, url = entity.get("value"), entity.get("url")
            if isinstance(node_id, str) and isinstance(url, str):
                return Membership(str(entity["propertyID"]), Node(node_id, url))
    return None


def copy_out(source: CrateSource, target: Path, *, bag: bool) -> None:
    """Copy every file of the opened bag (``bag``) or crate into the existing folder ``target``, byte for byte.

    Raises :class:`~fivesafes_crate.errors.UnsafeInputError` for a link or special file in the input.
    """
    entries = source.bag_entries() if bag else source.crate_entries()
    opener = source.open_in_bag if bag else source.open_in_crate
    for name, entry in sorted(entries.items()):
        if not name:
            continue
        destination = target.joinpath(*name.rstrip("/").split("/"))
        if entry.kind is EntryKind.DIRECTORY:
            destination.mkdir(parents=True, exist_ok=True)
        elif entry.kind is EntryKind.FILE:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with opener(name) as stream, destination.open("xb") as out:
                shutil.copyfileobj(stream, out)
        else:
            raise UnsafeInputError(f"holds {name}, which is not a regular file or folder", path=source.label)
