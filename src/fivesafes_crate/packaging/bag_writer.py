"""Writing a bag's tag files: what :func:`tag_files` returns is every tag file of a BagIt 1.0 bag.

``bagit.txt`` (BagIt 1.0, UTF-8), ``bag-info.txt`` and SHA-512 payload and tag manifests, paths percent-encoded
for ``%``, CR and LF as RFC 8493 requires (the ``bagit`` package encodes only CR and LF, so it misreads names
containing ``%``). The payload digests come from :mod:`.hashing`, which hashes files while they are copied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ..errors import UsageError
from ..model.safe_files import new_hasher
from .bag_reader import BAG_INFO_FILE, DECLARATION_FILE

WRITE_VERSION = "1.0"
"""The BagIt version this library writes."""

WRITE_ALGORITHM = "sha512"
"""The manifest algorithm this library writes: the profile requires SHA-512 payload and tag manifests."""

PAYLOAD_MANIFEST = f"manifest-{WRITE_ALGORITHM}.txt"
TAG_MANIFEST = f"tagmanifest-{WRITE_ALGORITHM}.txt"


def encode_manifest_path(path: str) -> str:
    """A bag-relative path as a manifest writes it: ``%``, CR and LF percent-encoded (RFC 8493 section 2.1.3).

    The reader decodes exactly these three, so any name round-trips; ``%`` goes first so it is not re-encoded.
    """
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


@dataclass(frozen=True, slots=True)
class BagMetadata:
    """What :func:`tag_files` writes to ``bag-info.txt``: identifier, bagging date and the Payload-Oxum counts."""

    external_identifier: str
    bagging_date: date
    payload_bytes: int
    payload_files: int


def declaration_text() -> bytes:
    """``bagit.txt`` for BagIt 1.0 with UTF-8 tag files, exactly as RFC 8493 section 2.1.1 spells it."""
    return f"BagIt-Version: {WRITE_VERSION}\nTag-File-Character-Encoding: UTF-8\n".encode()


def bag_info_text(metadata: BagMetadata) -> bytes:
    """``bag-info.txt``: External-Identifier, Bagging-Date (``YYYY-MM-DD``) and Payload-Oxum, in that order.

    Raises :class:`~fivesafes_crate.errors.UsageError` for an identifier that is empty or spans lines (it
    would corrupt the tag file).
    """
    identifier = metadata.external_identifier
    if not identifier.strip() or identifier != identifier.strip() or not identifier.isprintable():
        raise UsageError(
            f"External-Identifier {identifier!r} must be one line of printable text without surrounding spaces",
            path=BAG_INFO_FILE,
        )
    return (
        f"External-Identifier: {identifier}\n"
        f"Bagging-Date: {metadata.bagging_date.isoformat()}\n"
        f"Payload-Oxum: {metadata.payload_bytes}.{metadata.payload_files}\n"
    ).encode()


def manifest_text(digests: Mapping[str, str]) -> bytes:
    """A manifest: one ``<checksum>  <path>`` line per bag-relative path, sorted by path, paths encoded."""
    return "".join(f"{digests[name]}  {encode_manifest_path(name)}\n" for name in sorted(digests)).encode()


def tag_files(
    metadata: BagMetadata, payload_digests: Mapping[str, str], other_tag_digests: Mapping[str, str] | None = None
) -> dict[str, bytes]:
    """Every tag file of a BagIt 1.0 bag with SHA-512 manifests, by bag-relative name, sorted by name.

    ``payload_digests`` maps bag-relative payload names (``data/...``) to SHA-512 hex digests. The tag manifest
    covers ``bagit.txt``, ``bag-info.txt``, the payload manifest (never itself) and the tag files of
    ``other_tag_digests`` (bag-relative name to SHA-512), which are kept in the bag but not written here.
    """
    files = {
        DECLARATION_FILE: declaration_text(),
        BAG_INFO_FILE: bag_info_text(metadata),
        PAYLOAD_MANIFEST: manifest_text(payload_digests),
    }
    tag_digests = {name: new_hasher(WRITE_ALGORITHM, data).hexdigest() for name, data in files.items()}
    tag_digests.update(other_tag_digests or {})
    files[TAG_MANIFEST] = manifest_text(tag_digests)
    return dict(sorted(files.items()))


__all__ = [
    "PAYLOAD_MANIFEST",
    "TAG_MANIFEST",
    "WRITE_ALGORITHM",
    "WRITE_VERSION",
    "BagMetadata",
    "bag_info_text",
    "declaration_text",
    "encode_manifest_path",
    "manifest_text",
    "tag_files",
]
