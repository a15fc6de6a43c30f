"""Benchmark bag verification against ``sha512sum`` on the same files: one large file, and many small ones.

Builds two BagIt bags in a temporary folder (sha512 manifests written here, with hashlib):

- ``large``: one payload file of ``--large-mib`` MiB (default 1024) of pseudo-random bytes;
- ``small``: ``--small-count`` payload files (default 10,000) of 1-4 KiB each;

then, for each, runs ``fivesafes verify <bag>`` and ``sha512sum`` over the same payload files as whole
processes, side by side in one run, ``--repeat`` times each, and prints the best wall time and the CPU time
(user + system, of the child) of each and their ratio. The page cache is warm for both (each is run once
before timing). The machine's other load moves wall times; the CPU times and the ratios of one run hold better.

Usage::

    .venv/bin/python benchmarks/hashing.py [--large-mib 1024] [--small-count 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIVESAFES = REPO / ".venv" / "bin" / "fivesafes"


def write_bag(root: Path, files: dict[str, bytes] | None = None, large: int = 0) -> list[Path]:
    """A BagIt 1.0 bag at ``root`` with the given payload (or one ``large``-byte file); returns the payload paths."""
    payload = root / "data"
    payload.mkdir(parents=True)
    lines = []
    paths = []
    if large:
        path = payload / "large.bin"
        digest = hashlib.sha512()
        generator = random.Random(1)
        with path.open("wb") as out:
            for _ in range(large // (1 << 20)):
                block = generator.randbytes(1 << 20)
                digest.update(block)
                out.write(block)
        lines.append(f"{digest.hexdigest()}  data/large.bin")
        paths.append(path)
    for name, data in (files or {}).items():
        path = payload / name
        path.write_bytes(data)
        lines.append(f"{hashlib.sha512(data).hexdigest()}  data/{name}")
        paths.append(path)
    (root / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8")
    (root / "manifest-sha512.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process; its output is discarded."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command[:3])} ...")
    return wall, usage.ru_utime + usage.ru_stime


def compare(label: str, bag: Path, payload: list[Path], repeat: int) -> None:
    ours = [str(FIVESAFES), "verify", str(bag)]
    theirs = ["sha512sum", *map(str, payload)]
    for command in (ours, theirs):  # warm the page cache and the imports
        timed(command)
    results = {"fivesafes verify": [], "sha512sum": []}
    for _ in range(repeat):
        results["fivesafes verify"].append(timed(ours))
        results["sha512sum"].append(timed(theirs))
    best = {name: (min(w for w, _c in runs), min(c for _w, c in runs)) for name, runs in results.items()}
    print(f"| {label} | {best['fivesafes verify'][0]:.2f} | {best['sha512sum'][0]:.2f} | "
          f"{best['fivesafes verify'][0] / best['sha512sum'][0]:.2f}x | {best['fivesafes verify'][1]:.2f} | "
          f"{best['sha512sum'][1]:.2f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-mib", type=int, default=1024)
    parser.add_argument("--small-count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    generator = random.Random(2)
    print("| payload | verify wall (s) | sha512sum wall (s) | ratio | verify CPU (s) | sha512sum CPU (s) |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        if args.large_mib:
            bag = Path(tmp) / "large"
            compare(f"1 file, {args.large_mib} MiB", bag, write_bag(bag, large=args.large_mib << 20), args.repeat)
        if args.small_count:
            bag = Path(tmp) / "small"
            files = {f"f{i:05d}.csv": generator.randbytes(generator.randint(1024, 4096))
                     for i in range(args.small_count)}
            compare(f"{args.small_count} files, 1-4 KiB", bag, write_bag(bag, files), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
