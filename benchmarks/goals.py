"""The figures of issue 16 (validation at the speed of parsing), before and after, side by side in one run.

Each figure is a whole ``fivesafes`` process, run ``--repeat`` times per configuration, interleaved (so that the
machine's load falls on every configuration alike), best wall time, best CPU time (user + system of the child)
and peak RSS:

- the profile's example request bag ZIP (``fivesafes validate``);
- ``fivesafes --help``;
- synthetic published result crates (``benchmarks/generate.py``) at each ``--sizes`` N, with the log-log slope
  of time against N between the smallest and the largest.

Configurations: ``after`` (this tree, the default engine: the fast one when installed), ``after --engine
pyshacl`` (this tree, the reference engine) and, with ``--before REV``, ``before`` (that git revision's source,
exported with ``git archive`` to a temporary folder and run with this interpreter and its packages). The bag
verification figures are in ``benchmarks/hashing.py``.

Usage::

    .venv/bin/python benchmarks/goals.py [--before main] [--sizes 1000,10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
from run import EXAMPLE_ZIP, load_average, run_child

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"


def export_revision(revision: str, into: Path) -> Path:
    """The ``src`` folder of ``revision`` exported under ``into`` (with this tree's generated Profile Crates)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "src", "shapes"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    generated = SRC / "fivesafes_crate" / "profile-crates"
    if generated.is_dir():
        shutil.copytree(generated, into / "src" / "fivesafes_crate" / "profile-crates", dirs_exist_ok=True)
    return into / "src"


def best(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    result = run_child(argv, env=env)
    if result["exit"] not in (0, 1):
        raise SystemExit(f"failed ({result['exit']}): {' '.join(argv)}\n{result['stderr_tail']}")
    return result


def measure(configs: dict[str, tuple[dict[str, str], list[str]]], args: list[str], repeat: int) -> dict[str, Any]:
    """Best wall, best CPU and peak RSS per configuration, the runs interleaved."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in configs}
    for _ in range(repeat):
        for name, (env, extra) in configs.items():
            runs[name].append(best([sys.executable, "-m", "fivesafes_crate", *args, *extra], env))
    return {name: {"wall_s": min(r["wall_s"] for r in found), "cpu_s": min(r["cpu_s"] for r in found),
                   "rss_mib": max(r["rss_mib"] for r in found)} for name, found in runs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REV", help="git revision to compare with (e.g. main)")
    parser.add_argument("--sizes", type=generate.parse_sizes, default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        configs: dict[str, tuple[dict[str, str], list[str]]] = {}
        if args.before:
            configs["before"] = ({**base, "PYTHONPATH": str(export_revision(args.before, Path(tmp) / "before"))}, [])
        configs["after"] = (base, [])
        configs["after --engine pyshacl"] = (base, ["--engine", "pyshacl"])
        load = load_average()
        rows: list[tuple[str, dict[str, Any]]] = []
        validate_configs = configs
        rows.append(("example request ZIP", measure(validate_configs, ["validate", str(EXAMPLE_ZIP)], args.repeat)))
        help_configs = {name: (env, []) for name, (env, _extra) in configs.items() if "--engine" not in name}
        rows.append(("--help", measure(help_configs, ["--help"], args.repeat)))
        sized: dict[int, dict[str, Any]] = {}
        for n in sorted(args.sizes):
            crate = generate.write_crate(n, Path(tmp) / f"crate-{n}")
            sized[n] = measure(validate_configs, ["validate", str(crate)], args.repeat)
            rows.append((f"result crate N={n} ({generate.entity_count(n)} entities)", sized[n]))
        names = list(configs)
        print(f"load average {load} before, {load_average()} after; {os.cpu_count()} CPUs; best of {args.repeat}")
        print()
        print("| figure | " + " | ".join(f"{name}: wall s / CPU s / peak MiB" for name in names) + " |")
        print("| --- |" + " --- |" * len(names))
        for label, figures in rows:
            cells = [f"{f['wall_s']:.2f} / {f['cpu_s']:.2f} / {f['rss_mib']:.0f}" if (f := figures.get(name)) else "-"
                     for name in names]
            print(f"| {label} | " + " | ".join(cells) + " |")
        if len(sized) >= 2:
            low, high = min(sized), max(sized)
            ratio = {name: sized[high][name]["cpu_s"] / sized[low][name]["cpu_s"] for name in names}
            slopes = [f"{name}: {math.log(ratio[name]) / math.log(high / low):.2f}" for name in names]
            print(f"\nlog-log slope of CPU time, N={low} to N={high}: " + ", ".join(slopes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
