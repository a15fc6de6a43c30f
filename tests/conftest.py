"""Shared fixtures: where the project's examples, test crates and the copies of the reference material live."""

from __future__ import annotations

import hashlib
import stat
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from unit._crates import REFERENCE_DIR

pytest_plugins = ("no_skips", "pytester")  # no_skips: a skip fails under FIVESAFES_NO_SKIPS=1 (.ci/run)

REPO = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = REPO / "examples"
CRATES_DIR = REPO / "tests" / "crates"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The ``examples/`` folder of the repository."""
    return EXAMPLES_DIR


@pytest.fixture(scope="session")
def crates_dir() -> Path:
    """The ``tests/crates/`` folder of valid and invalid fixtures."""
    return CRATES_DIR


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``tests/data/``: the reference material the tests read (spec texts, example crates, BagIt suite, ACRO)."""
    return REFERENCE_DIR


def build_bag_zip(crate: Path, target: Path, *, bag_name: str = "bag", external_id: str | None = None) -> Path:
    """Package the crate folder ``crate`` as a BagIt 1.0 bag with SHA-512 manifests, zipped as ``target``.

    The ZIP holds one top-level folder ``bag_name/`` (the profile's transfer form); member times are fixed so
    that the same crate always gives the same bytes.
    """
    payload = {
        "data/" + path.relative_to(crate).as_posix(): path.read_bytes()
        for path in sorted(crate.rglob("*"))
        if path.is_file()
    }
    manifest = "".join(f"{hashlib.sha512(data).hexdigest()}  {name}\n" for name, data in payload.items())
    external_id = external_id or "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, crate.resolve().as_uri()))
    octets = sum(len(data) for data in payload.values())
    tags = {
        "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        "bag-info.txt": (
            f"External-Identifier: {external_id}\nBagging-Date: 2024-03-06\nPayload-Oxum: {octets}.{len(payload)}\n"
        ).encode(),
        "manifest-sha512.txt": manifest.encode(),
    }
    tags["tagmanifest-sha512.txt"] = "".join(
        f"{hashlib.sha512(data).hexdigest()}  {name}\n" for name, data in tags.items()
    ).encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**tags, **payload}.items():
            member = zipfile.ZipInfo(f"{bag_name}/{name}", date_time=(2024, 3, 6, 12, 0, 0))
            member.external_attr = (stat.S_IFREG | 0o644) << 16
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, data)
    return target


@pytest.fixture(scope="session")
def bag_zip() -> Callable[..., Path]:
    """:func:`build_bag_zip`, for tests that need a crate as a zipped bag."""
    return build_bag_zip
