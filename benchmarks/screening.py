"""Benchmark disclosure-control screening of a large CSV output against ``csv.reader`` merely iterating it.

Generates a frequency table (a label column and ``--columns`` count columns; counts drawn from 0 to 2,000, so
about one row in twenty holds a count below the threshold of 10 or a zero) of each size in ``--sizes`` MiB,
then runs each job in a fresh child process and reports the CPU time of its work (``time.process_time``
around the call, so interpreter start and imports are left out; CPU time is steadier than wall time on a
shared machine), the wall time of the whole process and its peak RSS (``os.wait4``):

- ``csv.reader``: ``for row in csv.reader(open(path, newline=""))`` (the floor);
- ``screen``: :func:`fivesafes_crate.disclosure_control.screen_output` with the ``acro-default`` policy
  (threshold, zeros, full cells, secondary suppression, identifier and secret scans, SHA-256 of every byte).

Targets: screening takes at most 3 times the CPU time of ``csv.reader`` at every size, and its peak RSS does
not grow with the size of the file (within 16 MiB between the smallest and the largest).

Usage::

    .venv/bin/python benchmarks/screening.py [--sizes 10,100] [--columns 10] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 3.0
TARGET_RSS_GROWTH_MIB = 16.0

JOBS = {
    "csv.reader": """
import csv, sys, time
start = time.process_time()
with open(sys.argv[1], newline="") as stream:
    for row in csv.reader(stream):
        pass
print(time.process_time() - start)
""",
    "screen": """
import sys, time
from fivesafes_crate.disclosure_control import PRESETS, screen_output
start = time.process_time()
result = screen_output(sys.argv[1], policy=PRESETS["acro-default"])
print(time.process_time() - start)
assert result.kind.value == "frequency-table", result.kind
""",
}


def build_table(path: Path, size_mib: int, columns: int, seed: int = 1) -> int:
    """Write a frequency table of about ``size_mib`` MiB; returns its size in bytes."""
    rng = random.Random(seed)
    pool = [",".join(str(rng.randint(0, 2000)) for _ in range(columns)) for _ in range(50_000)]
    target = size_mib * 1024 * 1024
    written = 0
    with path.open("w", encoding="ascii", newline="") as stream:
        header = "area," + ",".join(f"count_{j}" for j in range(columns)) + "\n"
        stream.write(header)
        written += len(header)
        row = 0
        while written < target:
            lines = [f"area{row + i},{pool[(row + i) * 7919 % len(pool)]}\n" for i in range(10_000)]
            row += len(lines)
            chunk = "".join(lines)
            stream.write(chunk)
            written += len(chunk)
    return path.stat().st_size


def run(code: str, path: Path) -> tuple[float, float, float]:
    """CPU seconds of the job's work (interpreter start and imports excluded), wall seconds of the whole child
    process, and its peak RSS (MiB)."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    printed = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"job failed: {code}")
    return float(printed), wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100", help="comma-separated file sizes in MiB")
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="fivesafes-sdc-bench-"))
    try:
        print(f"{os.cpu_count()} CPUs; a label column and {args.columns} count columns\n")
        print("| size MiB | job | CPU s | wall s | x csv.reader (CPU) | peak RSS MiB |")
        print("|---:|---|---:|---:|---:|---:|")
        ratios: list[float] = []
        screen_rss: list[float] = []
        for size in sizes:
            path = work / f"table-{size}.csv"
            build_table(path, size, args.columns)
            run(JOBS["csv.reader"], path)  # warm the page cache once
            floor = None
            for name, code in JOBS.items():
                cpu, wall, rss = run(code, path)
                floor = floor or cpu
                ratio = cpu / floor
                print(f"| {size} | {name} | {cpu:.2f} | {wall:.2f} | {ratio:.2f} | {rss:.0f} |")
                if name == "screen":
                    ratios.append(ratio)
                    screen_rss.append(rss)
            path.unlink()
        growth = max(screen_rss) - min(screen_rss)
        met = max(ratios) <= TARGET_RATIO and growth <= TARGET_RSS_GROWTH_MIB
        print(f"\nworst ratio {max(ratios):.2f} (target <= {TARGET_RATIO:.0f}); peak RSS grows {growth:.1f} MiB from "
              f"{min(sizes)} to {max(sizes)} MiB (target <= {TARGET_RSS_GROWTH_MIB:.0f}): "
              f"{'met' if met else 'NOT met'}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
