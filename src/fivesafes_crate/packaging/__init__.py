"""Packaging crates as BagIt bags: reading and verifying bags (:mod:`.bag`), later also writing them."""

from __future__ import annotations

from .bag import (
    BagDeclaration,
    BagInfo,
    BagProblem,
    BagVerification,
    FetchEntry,
    Manifest,
    ManifestEntry,
    ProblemKind,
    read_bag,
    verify_bag,
)

__all__ = [
    "BagDeclaration",
    "BagInfo",
    "BagProblem",
    "BagVerification",
    "FetchEntry",
    "Manifest",
    "ManifestEntry",
    "ProblemKind",
    "read_bag",
    "verify_bag",
]
