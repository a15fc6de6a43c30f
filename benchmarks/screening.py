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

With ``--outputs N`` it measures instead what a checker waits for: screening a folder of ``N`` small outputs of
the kinds ACRO writes (frequency and magnitude tables, tables by region and year, model summaries and JSON
counts), with ACRO-style ``evidence.json`` (read each time) and from the files alone; the best CPU time of
five runs in one process, imports excluded. Run it with another checkout's interpreter to compare versions
(the outputs and evidence use only what every version reads)::

    .venv/bin/python benchmarks/screening.py [--sizes 10,100] [--columns 10] [--keep]
    .venv/bin/python benchmarks/screening.py --outputs 100
"""

from __future__ import annotations

import argparse
import json
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


OUTPUT_JOB = """
import sys, time
from pathlib import Path
from fivesafes_crate.disclosure_control import PRESETS, load_evidence, screen_outputs
folder = Path(sys.argv[1])
names = sorted(p.name for p in (folder / "outputs").iterdir())
best = float("inf")
for _ in range(5):
    start = time.process_time()
    evidence = load_evidence(folder / "evidence" / "evidence.json") if sys.argv[2] == "evidence" else None
    report = screen_outputs(folder / "outputs", names, PRESETS["acro-default"], evidence)
    best = min(best, time.process_time() - start)
assert len(report.outputs) == len(names)
print(best)
"""

_REGIONS = ("North", "South", "East", "West")


def build_outputs(folder: Path, count: int, seed: int = 1) -> None:
    """``count`` outputs of ACRO's kinds in ``folder/outputs`` and their evidence in ``folder/evidence``."""
    rng = random.Random(seed)
    outputs, evidence = folder / "outputs", folder / "evidence"
    outputs.mkdir(parents=True)
    evidence.mkdir()
    entries: dict[str, dict[str, object]] = {}
    for number in range(count):
        uid = f"output_{number}"
        kind = number % 5
        counts = {(region, grade): rng.randint(0, 60) for region in _REGIONS for grade in "ABC"}
        table = "region,A,B,C\n" + "".join(f"{region}," + ",".join(str(counts[(region, grade)]) for grade in "ABC")
                                           + "\n" for region in _REGIONS)
        if kind == 0:  # a frequency crosstab
            (outputs / f"{uid}_0.csv").write_text(table, encoding="ascii")
            entries[uid] = {"analysis_names": ["FrequencyTable"], "interim_tables": {"count_table": f"{uid}_n.csv"}}
            (evidence / f"{uid}_n.csv").write_text(table, encoding="ascii")
        elif kind in (1, 2):  # a mean by region and grade, with its evidence
            means = "region,A,B,C\n" + "".join(f"{region}," + ",".join(f"{rng.uniform(1e3, 5e4):.2f}" for _ in "ABC")
                                              + "\n" for region in _REGIONS)
            (outputs / f"{uid}_0.csv").write_text(means, encoding="ascii")
            tables = {}
            for statistic, scale in (("count_table", 1), ("sum", 20_000), ("max", 5_000), ("top_2_sum", 9_000)):
                name = f"{uid}_{statistic}.csv"
                tables[statistic] = name
                body = "region,A,B,C\n" + "".join(
                    f"{region}," + ",".join(str(counts[(region, grade)] * scale) for grade in "ABC") + "\n"
                    for region in _REGIONS)
                (evidence / name).write_text(body, encoding="ascii")
            entries[uid] = {"analysis_names": ["Mean"], "interim_tables": tables}
        elif kind == 3:  # a model summary
            (outputs / f"{uid}_0.csv").write_text(
                "OLS Regression Results\nDep. Variable:,y\nNo. Observations:,300\n"
                f"Df Residuals:,{rng.randint(5, 400)}\nR-squared:,0.41\n", encoding="ascii")
            entries[uid] = {"analysis_names": ["GeneralLinearModel"], "dof": rng.randint(5, 400),
                            "interim_tables": {}}
        else:  # counts as JSON
            (outputs / f"{uid}.json").write_text(
                "{" + ", ".join(f'"{region}": {{"n": {rng.randint(0, 90)}}}' for region in _REGIONS) + "}",
                encoding="ascii")
    (evidence / "evidence.json").write_text(json.dumps({"outputs": entries}), encoding="utf-8")


def measure_outputs(count: int) -> None:
    """Print the CPU time of screening ``count`` outputs, with evidence and from the files alone."""
    work = Path(tempfile.mkdtemp(prefix="fivesafes-sdc-bench-"))
    try:
        build_outputs(work, count)
        print(f"{os.cpu_count()} CPUs; {count} outputs of ACRO's kinds; best of five runs\n")
        print("| job | CPU s | per output ms |")
        print("|---|---:|---:|")
        for mode in ("alone", "evidence"):
            process = subprocess.run([sys.executable, "-c", OUTPUT_JOB, str(work), mode], check=True,
                                     capture_output=True, text=True)
            cpu = float(process.stdout)
            print(f"| screen {count} outputs, {'with evidence' if mode == 'evidence' else 'file alone'} | "
                  f"{cpu:.3f} | {1000 * cpu / count:.2f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


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
    parser.add_argument("--outputs", type=int, help="screen this many small outputs instead (with and without "
                                                    "evidence)")
    args = parser.parse_args()
    if args.outputs:
        measure_outputs(args.outputs)
        return
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
