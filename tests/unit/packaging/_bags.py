"""Bags and crates for the packaging tests: the reference suite's location, small crates and bags, ZIP helpers."""

from __future__ import annotations

import hashlib
import stat
import zipfile
from datetime import date
from pathlib import Path

from fivesafes_crate.issues import Severity
from fivesafes_crate.model.source import DEFAULT_LIMITS, CrateSource, DirectoryStorage, SourceKind
from fivesafes_crate.packaging import BagVerification, verify_bag
from unit._crates import REFERENCE_DIR

SUITE = REFERENCE_DIR / "bagit-conformance-suite"
EXAMPLES = REFERENCE_DIR / "5s-crate"
URN = "urn:uuid:9796155a-fe44-4614-89b8-71945f718ffb"
DAY = date(2024, 3, 6)
METADATA = b'{"@context": "https://w3id.org/ro/crate/1.2/context", "@graph": []}\n'
FILE = stat.S_IFREG | 0o644


def make_crate(folder: Path, files: dict[str, bytes] | None = None) -> Path:
    """A crate folder: a metadata file plus ``files`` (crate-relative names)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ro-crate-metadata.json").write_bytes(METADATA)
    for name, data in (files if files is not None else {"input1.txt": b"A:Gly4Lys\n"}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def listing(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) below ``folder``."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


def make_bag(folder: Path, payload: dict[str, bytes], *, version: str = "1.0") -> Path:
    """A consistent bag with sha512 and md5 payload manifests and a sha512 tag manifest."""
    for name, content in payload.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    tags = {"bagit.txt": f"BagIt-Version: {version}\nTag-File-Character-Encoding: UTF-8\n".encode()}
    octets = sum(len(c) for c in payload.values())
    tags["bag-info.txt"] = f"Payload-Oxum: {octets}.{len(payload)}\n".encode()
    for algorithm in ("sha512", "md5"):
        lines = "".join(
            f"{hashlib.new(algorithm, c).hexdigest()}  {n.replace('%', '%25')}\n" for n, c in sorted(payload.items())
        )
        tags[f"manifest-{algorithm}.txt"] = lines.encode()
    tags["tagmanifest-sha512.txt"] = "".join(
        f"{hashlib.sha512(c).hexdigest()}  {n}\n" for n, c in tags.items()
    ).encode()
    for name, content in tags.items():
        (folder / name).write_bytes(content)
    return folder


def zip_folder(folder: Path, target: Path, top: str = "bag") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return target


def verify_folder(path: Path) -> BagVerification:
    """Verify a folder as a bag even when it lacks bagit.txt (the suite's missing-bagit.txt case)."""
    source = CrateSource(
        path, SourceKind.BAG_DIRECTORY, DirectoryStorage(path, DEFAULT_LIMITS), "data/", "", DEFAULT_LIMITS
    )
    return verify_bag(source)


def must(result: BagVerification) -> list[str]:
    return [f"{p.kind.value}: {p.message}" for p in result.problems if p.severity >= Severity.MUST]


def should(result: BagVerification) -> list[str]:
    return [f"{p.kind.value}: {p.message}" for p in result.problems if p.severity < Severity.MUST]
