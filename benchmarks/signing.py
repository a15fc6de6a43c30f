"""Benchmark signing: what a signature costs beyond the hashing BagIt verification does anyway.

Two figures, each the best of ``--repeat`` runs (runs alternate so that the page cache favours neither), as wall
time and as CPU time of the process (all threads; steadier on a shared machine):

- **verify ratio**: a bag of ``--size-mib`` MiB in ``--files`` random files, signed by the requester and by the
  TRE (two envelopes, one superseded state): :func:`~fivesafes_crate.signing.verify_signatures` against plain
  :func:`~fivesafes_crate.packaging.verify_bag` (``fivesafes verify`` without ``--trust``). Target: <= 1.1.
- **signing beyond hashing**: a bag of ``--many`` small files: :func:`~fivesafes_crate.signing.sign` (which
  verifies the bag's integrity first) minus plain ``verify_bag`` of the same bag, and
  :func:`~fivesafes_crate.signing.sign_bag_folder` alone (what a lifecycle step adds). Target: < 1 s.

Usage::

    .venv/bin/python benchmarks/signing.py [--size-mib 1024] [--files 1000] [--many 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import package, refresh_bag, verify_bag
from fivesafes_crate.signing import KeyAlgorithm, TrustStore, generate_key, sign, sign_bag_folder, verify_signatures
from fivesafes_crate.signing.trust import trusted_key

PERSON = "https://orcid.org/0000-0002-1825-0097"
TRE = "https://tre.example.org/"
NOW = datetime(2024, 3, 6, 12, tzinfo=UTC)
METADATA = (b'{"@context": "https://w3id.org/ro/crate/1.2/context", "@graph": [{"@id": "./", "@type": "Dataset"}, '
            b'{"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": {"@id": "./"}}]}\n')
TARGET_RATIO = 1.1
TARGET_SECONDS = 1.0


def build_bag(folder: Path, total_bytes: int, files: int) -> Path:
    """A bag folder with ``files`` random files adding up to ``total_bytes``, packed with fixed metadata."""
    crate = folder.with_name(folder.name + "-crate")
    (crate / "files").mkdir(parents=True)
    (crate / "ro-crate-metadata.json").write_bytes(METADATA)
    size = max(1, total_bytes // files)
    chunk = os.urandom(min(size, 64 * 1024 * 1024))
    for index in range(files):
        with (crate / "files" / f"{index:05d}.bin").open("wb") as out:
            left = size
            while left > 0:
                out.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
            out.write(index.to_bytes(4, "big"))  # distinct contents
    bag = package(crate, folder, folder=True, external_identifier="urn:uuid:00000000-0000-4000-8000-000000000001",
               bagging_date=date(2024, 3, 6))
    shutil.rmtree(crate)
    return bag


def plain_verify(bag: Path) -> None:
    """``fivesafes verify`` without signatures."""
    with open_source(bag) as source:
        assert verify_bag(source).valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--many", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()

    requester, tre = generate_key(), generate_key(KeyAlgorithm.ED25519)
    trust = TrustStore.of(trusted_key(requester.public_key(), principal=PERSON, roles=("requester",)),
                          trusted_key(tre.public_key(), principal=TRE, roles=("tre:check",)))
    with tempfile.TemporaryDirectory(prefix="fivesafes-signing-bench-") as temporary:
        root = Path(temporary)
        big = build_bag(root / "big", arguments.size_mib * 1024 * 1024, arguments.files)
        sign_bag_folder(big, requester, role="requester", principal=PERSON, now=NOW)
        refresh_bag(big, bagging_date=date(2024, 3, 7))
        sign_bag_folder(big, tre, role="tre:check", principal=TRE, now=NOW)
        assert verify_signatures(big, trust).valid
        plain_runs, signed_runs = [], []
        for _ in range(arguments.repeat):
            plain_runs.append(_timed(lambda: plain_verify(big)))
            signed_runs.append(_timed(lambda: verify_signatures(big, trust)))
        for label, index in (("wall", 0), ("CPU", 1)):
            plain, signed = min(r[index] for r in plain_runs), min(r[index] for r in signed_runs)
            print(f"verify {arguments.size_mib} MiB in {arguments.files} files ({label}): plain {plain:.2f} s, "
                  f"with signatures {signed:.2f} s, ratio {signed / plain:.3f} (target <= {TARGET_RATIO})")
        shutil.rmtree(big)

        many = build_bag(root / "many", arguments.many * 1024, arguments.many)
        copies = [root / f"many-{i}" for i in range(arguments.repeat)]
        for copy in copies:
            shutil.copytree(many, copy)
        folder_runs = [_timed(lambda c=c: sign_bag_folder(c, requester, role="requester", principal=PERSON, now=NOW))
                       for c in copies]
        for copy in copies:
            shutil.rmtree(copy / "signatures")
        hashing_runs, sign_runs = [], []
        for copy in copies:
            hashing_runs.append(_timed(lambda c=copy: plain_verify(c)))
            sign_runs.append(_timed(lambda c=copy: sign(c, requester, role="requester", principal=PERSON, now=NOW)))
        for label, index in (("wall", 0), ("CPU", 1)):
            hashing, full = min(r[index] for r in hashing_runs), min(r[index] for r in sign_runs)
            alone = min(r[index] for r in folder_runs)
            print(f"sign {arguments.many} files ({label}): hashing (plain verify) {hashing:.2f} s, "
                  f"sign() {full:.2f} s, beyond hashing {full - hashing:.3f} s; sign_bag_folder alone {alone:.3f} s "
                  f"(target < {TARGET_SECONDS} s)")


def _timed(job: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) one run of ``job`` takes."""
    wall, cpu = time.perf_counter(), time.process_time()
    job()
    return time.perf_counter() - wall, time.process_time() - cpu


if __name__ == "__main__":
    main()
