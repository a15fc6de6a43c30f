"""Split one request into a packed request per TRE of the federation, all sharing one federated identifier.

Each node's request is the same crate (every file copied byte for byte) with its root marked as that node's
part of the federated analysis (:func:`~.nodes.mark`), packed as a deterministic BagIt ZIP
``<output>/<node>.bagit.zip`` whose ``External-Identifier`` is :func:`node_bag_id`. The output folder is
built beside its final name and appears complete or not at all. Only a request (stage ``request``) is split.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from ..errors import CrateStateError, OutputExistsError, UsageError
from ..issues import Stage
from ..model.crate import load_crate, save_crate
from ..model.source import DEFAULT_LIMITS, Limits, open_source
from ..packaging import package
from ..packaging.staging import new_folder
from .nodes import Node, copy_out, mark, membership


def new_federated_id() -> str:
    """A new federated identifier: a random ``urn:uuid:``."""
    return f"urn:uuid:{uuid.uuid4()}"


def node_bag_id(federated_id: str, node: Node) -> str:
    """The ``External-Identifier`` of a node's request bag: a name-based UUID URN of the federation and node."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{federated_id}#{node.id}')}"


def split(
    request: str | os.PathLike[str],
    nodes: Sequence[Node],
    output: str | os.PathLike[str],
    *,
    federated_id: str | Callable[[], str] = new_federated_id,
    bagging_date: date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Path]:
    """Write one packed request per node into the new folder ``output``; returns the ZIPs in node order.

    Raises :class:`~fivesafes_crate.errors.UsageError` for no node or a node given twice,
    :class:`~fivesafes_crate.errors.OutputExistsError` when ``output`` exists, and
    :class:`~fivesafes_crate.errors.CrateStateError` for a crate that is not a request or was split already.
    """
    if not nodes:
        raise UsageError("give at least one TRE (--tre ID=URL)")
    ids = [node.id for node in nodes]
    if len(set(ids)) != len(ids):
        raise UsageError(f"a TRE is given twice: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}")
    target = Path(output)
    if os.path.lexists(target):
        raise OutputExistsError("already exists: give a new folder", path=str(target))
    if not target.parent.resolve().is_dir():
        raise UsageError("the output's folder does not exist", path=str(target))
    identifier = federated_id() if callable(federated_id) else federated_id
    with open_source(request, limits) as source:
        crate = load_crate(source)
        if crate.stage() is not Stage.REQUEST:
            raise CrateStateError(f"is at stage {crate.stage().value}: only a request is split", path=source.label)
        if membership(crate) is not None:
            raise CrateStateError("was split for a federation already", path=source.label)
        with new_folder(target, "the requests were written") as folder, tempfile.TemporaryDirectory(
                prefix=".split-", dir=target.parent) as scratch:
            written = []
            for node in nodes:
                staged = Path(scratch) / node.id
                staged.mkdir()
                copy_out(source, staged, bag=False)
                copy = load_crate(open_source(staged, limits))
                try:
                    mark(copy.edit(), identifier, node)
                    save_crate(copy, staged)
                finally:
                    if copy.source is not None:
                        copy.source.close()
                package(staged, folder / f"{node.id}.bagit.zip", external_identifier=node_bag_id(identifier, node),
                        bagging_date=bagging_date, limits=limits)
                written.append(target / f"{node.id}.bagit.zip")
    return written
