"""What can be wrong with a bag: :class:`ProblemKind` and :class:`BagProblem`, each kind at one fixed severity.

Reading (:mod:`.bag_reader`) and verifying (:mod:`.bag_verifier`) report problems as these values rather than
exceptions, so that a validator can report *each* broken file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..issues import Severity


class ProblemKind(enum.Enum):
    """What is wrong with a bag; each kind has one fixed severity (see :attr:`BagProblem.severity`)."""

    DECLARATION = "declaration"
    """``bagit.txt`` missing or not as RFC 8493 section 2.1.1 prescribes."""
    DECLARATION_CASE = "declaration-case"
    """A ``bagit.txt`` label written in another letter case (``BagIt-version``); accepted."""
    BAG_INFO = "bag-info"
    """``bag-info.txt`` lines not as RFC 8493 section 2.2.2 prescribes."""
    NO_PAYLOAD_MANIFEST = "no-payload-manifest"
    """No ``manifest-<alg>.txt`` at all."""
    MANIFEST_SYNTAX = "manifest-syntax"
    """A manifest or ``fetch.txt`` line that cannot be read, or a fetch entry missing from a manifest."""
    DUPLICATE = "duplicate"
    """One file listed twice in one manifest with different checksums (or at all, from BagIt 1.0)."""
    PORTABILITY = "portability"
    """A manifest line accepted only leniently (``./``, ``*``, case or normalisation differences, repeats)."""
    UNSUPPORTED_ALGORITHM = "unsupported-algorithm"
    """A manifest whose algorithm this reader cannot compute; its entries are not verified."""
    UNSAFE_PATH = "unsafe-path"
    """A manifest or fetch path that would resolve outside the bag; never looked up."""
    OUTSIDE_PAYLOAD = "outside-payload"
    """A payload manifest or fetch entry naming a file outside ``data/``."""
    MISSING = "missing"
    """Listed in a manifest but absent (or not a regular file)."""
    CHANGED = "changed"
    """Present but its checksum differs from the manifest."""
    EXTRA = "extra"
    """A payload file not listed in every payload manifest."""
    UNREADABLE = "unreadable"
    """Present but could not be read (damaged or encrypted ZIP member...)."""
    OXUM = "oxum"
    """``Payload-Oxum`` does not match the payload's byte and file counts."""
    FETCH_PENDING = "fetch-pending"
    """Absent but listed in ``fetch.txt``: the bag is incomplete and nothing is downloaded."""
    SPECIAL_FILE = "special-file"
    """A symbolic link, device or other non-regular file in the bag; never followed or read."""
    SYSTEM_FILE = "system-file"
    """An operating-system metadata file (``.DS_Store``, ``Thumbs.db``...) in the payload."""
    CONTAINER = "container"
    """The ZIP around the bag breaks a container rule: a member refused (unsafe, duplicate or colliding name,
    a possible zip bomb) or an entry beside the one bag folder. Such members are never read, and
    :func:`~fivesafes_crate.packaging.unpack` refuses the whole ZIP."""


_SHOULD_KINDS = frozenset(
    {
        ProblemKind.DECLARATION_CASE,
        ProblemKind.PORTABILITY,
        ProblemKind.UNSUPPORTED_ALGORITHM,
        ProblemKind.FETCH_PENDING,
        ProblemKind.SYSTEM_FILE,
    }
)


@dataclass(frozen=True, slots=True)
class BagProblem:
    """One problem found in a bag: what, which file (bag-relative) and, for manifests, which one and algorithm.

    ``area`` is ``"payload"`` or ``"tag"`` for problems about a listed or present file, else None.
    """

    kind: ProblemKind
    message: str
    file: str | None = None
    manifest: str | None = None
    algorithm: str | None = None
    area: str | None = None

    @property
    def severity(self) -> Severity:
        """MUST for problems that make the bag invalid under RFC 8493, SHOULD for tolerated deviations."""
        return Severity.SHOULD if self.kind in _SHOULD_KINDS else Severity.MUST


__all__ = ["BagProblem", "ProblemKind"]
