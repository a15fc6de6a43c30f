"""Packaging crates as BagIt bags (RFC 8493): one idea per module, each importing only those above it here.

* :mod:`.bag_problems`: what can be wrong with a bag (:class:`ProblemKind`, :class:`BagProblem`).
* :mod:`.bag_reader`: parsing ``bagit.txt``, ``bag-info.txt``, manifests and ``fetch.txt`` (:func:`read_bag`);
  the names of a bag's files.
* :mod:`.bag_writer`: rendering the tag files of a BagIt 1.0 bag with SHA-512 manifests (:func:`tag_files`).
* :mod:`.hashing`: hashing bag files in parallel threads (:func:`digest_files`) and copying files while hashing
  lanes hash them (:class:`PayloadCopier`).
* :mod:`.bag_verifier`: checking every manifest entry and payload file (:func:`verify_bag`).
* :mod:`.staging`: outputs built in a temporary sibling and renamed into place only when complete.
* :mod:`.zip_writer`: deterministic ZIP members, compression by content, background syncing.
* :mod:`.packing`: :func:`package` (a crate folder as a bag ZIP or folder), :func:`refresh_bag`, :func:`archive_bag`.
* :mod:`.unpacking`: :func:`unpack`, extracting a bag ZIP safely.

Opening files without following links, creating files exclusively and the chunked hashing loop are the
primitives of :mod:`fivesafes_crate.model.safe_files`. Other packages import from this package, never from its
modules.
"""

from __future__ import annotations

from .bag_problems import BagProblem, ProblemKind
from .bag_reader import (
    BAG_INFO_FILE,
    FETCH_FILE,
    PAYLOAD_PREFIX,
    SIGNATURE_DIR,
    BagDeclaration,
    BagInfo,
    FetchEntry,
    Manifest,
    ManifestEntry,
    read_bag,
)
from .bag_verifier import METADATA_NOT_CHECKED, BagVerification, verify_bag
from .bag_writer import PAYLOAD_MANIFEST, TAG_MANIFEST, BagMetadata, encode_manifest_path, tag_files
from .hashing import KnownDigests, PayloadCopier, digest_files
from .packing import ProgressCallback, archive_bag, package, refresh_bag
from .unpacking import unpack

__all__ = [
    "BAG_INFO_FILE",
    "FETCH_FILE",
    "METADATA_NOT_CHECKED",
    "PAYLOAD_MANIFEST",
    "PAYLOAD_PREFIX",
    "SIGNATURE_DIR",
    "TAG_MANIFEST",
    "BagDeclaration",
    "BagInfo",
    "BagMetadata",
    "BagProblem",
    "BagVerification",
    "FetchEntry",
    "KnownDigests",
    "Manifest",
    "ManifestEntry",
    "PayloadCopier",
    "ProblemKind",
    "ProgressCallback",
    "archive_bag",
    "digest_files",
    "encode_manifest_path",
    "package",
    "read_bag",
    "refresh_bag",
    "tag_files",
    "unpack",
    "verify_bag",
]
