"""Benchmark packaging: throughput (MiB/s) and peak RSS of pack and verify against plain hashlib SHA-512.

Builds a payload of ``--files`` random files totalling ``--size-mib`` MiB (default 1,000 files, 1 GiB) in a
temporary folder, then runs each job ``--repeat`` times (default 3), each in a fresh child process, and reports
the best wall time, MiB/s and the largest peak RSS of the children (``os.wait4`` rusage). The best of several
runs is the usual throughput measure: single runs on a shared 2-core machine vary by 30% and more, the floor
included.

- ``hashlib``: SHA-512 over the same files in one thread, 1 MiB reads (the floor);
- ``pack (zip)``: :func:`fivesafes_crate.packaging.package` to a ZIP;
- ``pack (folder)``: the same to a bag folder;
- ``verify (folder)``: :func:`~fivesafes_crate.packaging.verify_bag` on the unpacked bag;
- ``verify (zip)``: the same on the ZIP, read in place.

Targets: pack and verify at least 80% of the hashlib throughput; peak RSS under 200 MiB whatever the size.

Usage::

    .venv/bin/python benchmarks/packaging.py [--size-mib 1024] [--files 1000] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 0.8
TARGET_RSS_MIB = 200.0

JOBS = {
    "hashlib": """
import hashlib, os, sys
buffer = bytearray(1 << 20); view = memoryview(buffer)
for root, _, names in os.walk(sys.argv[1]):
    for name in sorted(names):
        h = hashlib.sha512()
        with open(os.path.join(root, name), "rb") as f:
            while n := f.readinto(buffer):
                h.update(view[:n])
""",
    "pack (zip)": """
import sys
from datetime import date
from fivesafes_crate.packaging import package
package(sys.argv[1], sys.argv[2] + "/bench.bagit.zip",
        external_identifier="urn:uuid:00000000-0000-4000-8000-000000000000", bagging_date=date(2024, 1, 1))
""",
    "pack (folder)": """
import sys
from fivesafes_crate.packaging import package
package(sys.argv[1], sys.argv[2] + "/bench.bagit", folder=True)
""",
    "verify (folder)": """
import sys
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import verify_bag
with open_source(sys.argv[2] + "/bench.bagit") as source:
    assert verify_bag(source).valid
""",
    "verify (zip)": """
import sys
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import verify_bag
with open_source(sys.argv[2] + "/bench.bagit.zip") as source:
    assert verify_bag(source).valid
""",
}


def build_payload(folder: Path, size_mib: int, files: int) -> int:
    """Random files in a few subfolders, sizes varying around the mean; returns the total bytes."""
    folder.mkdir(parents=True)
    (folder / "ro-crate-metadata.json").write_bytes(b'{"@context": "https://w3id.org/ro/crate/1.2/context", '
                                                    b'"@graph": []}\n')
    total_target = size_mib * 1024 * 1024
    mean = total_target // files
    written = 0
    for index in range(files):
        size = mean // 2 + (index * 7919) % (mean + 1) if index < files - 1 else max(0, total_target - written)
        size = min(size, total_target - written)
        path = folder / f"part{index % 10}" / f"file{index:05}.bin"
        path.parent.mkdir(exist_ok=True)
        with path.open("wb") as stream:
            left = size
            while left:
                chunk = os.urandom(min(left, 1 << 20))
                stream.write(chunk)
                left -= len(chunk)
        written += size
    return written


def run(code: str, payload: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one job in a fresh child process."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, str(payload), str(out)])
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"job failed: {code}")
    return elapsed, usage.ru_maxrss / 1024


def clear_output(out: Path, job: str) -> None:
    """Remove the previous run's output of a pack job before timing the next one.

    A pack job measures packing: replacing an existing 1 GiB ZIP would add the file system's work of deleting
    the old one (about 0.7 s here, as ``rm`` pays it), and a folder output must not exist.
    """
    if job == "pack (folder)":
        shutil.rmtree(out / "bench.bagit", ignore_errors=True)
    elif job == "pack (zip)":
        (out / "bench.bagit.zip").unlink(missing_ok=True)
    os.sync()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per job; the best time is reported")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fivesafes-bench-"))
    try:
        payload, out = work / "bench", work / "out"
        out.mkdir()
        total = build_payload(payload, args.size_mib, args.files)
        mib = total / 1024 / 1024
        print(f"payload: {args.files} files, {mib:.0f} MiB, {os.cpu_count()} CPUs\n")
        print("| job | seconds | MiB/s | % of hashlib | peak RSS MiB |")
        print("|---|---:|---:|---:|---:|")
        floor = None
        verdicts = []
        for name, code in JOBS.items():
            run(JOBS["hashlib"], payload, out) if name == "hashlib" else None  # warm the page cache once
            runs = []
            for _ in range(max(1, args.repeat)):
                clear_output(out, name)
                runs.append(run(code, payload, out))
            seconds, rss = min(r[0] for r in runs), max(r[1] for r in runs)
            speed = mib / seconds
            floor = floor or speed
            ratio = speed / floor
            print(f"| {name} | {seconds:.2f} | {speed:.0f} | {ratio:.0%} | {rss:.0f} |")
            if name != "hashlib":
                verdicts.append(ratio >= TARGET_RATIO and rss < TARGET_RSS_MIB)
        print(f"\ntargets (>= {TARGET_RATIO:.0%} of hashlib, < {TARGET_RSS_MIB:.0f} MiB): "
              f"{'met' if all(verdicts) else 'NOT met'}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
