"""Packaging crates as BagIt bags: reading and verifying bags (:mod:`.bag`), writing them as deterministic ZIPs
or folders and unpacking ZIPs safely (:mod:`.archive`)."""

from __future__ import annotations

from .archive import archive_bag, pack, refresh_bag, unpack
from .bag import (
    BagDeclaration,
    BagInfo,
    BagMetadata,
    BagProblem,
    BagVerification,
    FetchEntry,
    Manifest,
    ManifestEntry,
    PayloadCopier,
    ProblemKind,
    digest_files,
    encode_manifest_path,
    read_bag,
    tag_files,
    verify_bag,
)

__all__ = [
    "BagDeclaration",
    "BagInfo",
    "BagMetadata",
    "BagProblem",
    "BagVerification",
    "FetchEntry",
    "Manifest",
    "ManifestEntry",
    "PayloadCopier",
    "ProblemKind",
    "archive_bag",
    "digest_files",
    "encode_manifest_path",
    "pack",
    "read_bag",
    "refresh_bag",
    "tag_files",
    "unpack",
    "verify_bag",
]
