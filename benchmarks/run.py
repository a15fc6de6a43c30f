"""Benchmark validation: whole-process CLI runs and in-process ``validate()`` calls, time and peak memory.

For each size N (synthetic published crates from :mod:`generate`) this measures

- ``fivesafes validate <crate>`` as a whole process: wall time and peak RSS of that child alone
  (``os.wait4`` rusage);
- ``validate()`` called twice in one fresh process: import time, first call, second call (which reuses the
  parsed shapes), and the process's peak RSS after each call;

plus the profile's example bag ZIP through the CLI, a 2,000-entity crate, and ``fivesafes --help`` (which
must not import rdflib, pyshacl or pyld). Each figure is the median of ``--repeat`` runs. A Markdown report
goes to stdout and every figure to ``benchmarks/out/results.json``.

Usage::

    .venv/bin/python benchmarks/run.py [--sizes 10,100,1000,10000] [--repeat 3] [--form crate|bag|zip]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
EXAMPLE_ZIP = Path(__file__).resolve().parents[1] / "tests" / "data" / "5s-crate" / "0.4" / "example-request.bagit.zip"
TARGETS = {"example_s": 1.0, "n2000_s": 3.0, "help_s": 0.3, "rss_10000_mib": 1024.0}
HEAVY_MODULES = ("rdflib", "pyshacl", "pyld")

IN_PROCESS = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from fivesafes_crate.validation.engine import validate
t1 = time.perf_counter()
result = {"import_s": t1 - t0}
for label in ("first", "second"):
    start = time.perf_counter()
    report = validate(sys.argv[1])
    result[label + "_s"] = time.perf_counter() - start
    result[label + "_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result[label + "_valid"] = report.valid
    result[label + "_issues"] = len(report.issues)
    result[label + "_checks"] = sorted(report.checks())
print(json.dumps(result))
"""

HELP_IMPORTS = r"""
import sys
sys.argv = ["fivesafes", "--help"]
import contextlib, io
from fivesafes_crate.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
print(",".join(heavy))
"""


def cli_command() -> list[str]:
    """The console script next to the interpreter (the venv's ``fivesafes``)."""
    script = Path(sys.executable).parent / "fivesafes"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "fivesafes_crate"]


def run_child(argv: Sequence[str], timeout: float = 3600.0, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a process; return wall and CPU time (user + system), its own peak RSS (MiB), exit code and the tails
    of its output. ``env`` replaces the environment when given."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(argv), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "rss_mib": usage.ru_maxrss / 1024,
        "exit": process.returncode,
        "stdout": stdout.decode("utf-8", "replace"),
        "stderr_tail": stderr.decode("utf-8", "replace")[-2000:],
    }


def median_runs(argv: Sequence[str], repeat: int) -> dict[str, Any]:
    runs = [run_child(argv) for _ in range(repeat)]
    return {
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "min_s": min(r["wall_s"] for r in runs),
        "rss_mib": statistics.median(r["rss_mib"] for r in runs),
        "exit": runs[-1]["exit"],
        "ok": all(r["exit"] in (0, 1) and "Traceback" not in r["stderr_tail"] for r in runs),
        "walls": [r["wall_s"] for r in runs],
        "exits": [r["exit"] for r in runs],
        "stdout_head": runs[-1]["stdout"][:2000],
        "stderr_tail": runs[-1]["stderr_tail"],
    }


def bench_cli(path: Path, repeat: int) -> dict[str, Any]:
    return median_runs([*cli_command(), "validate", str(path)], repeat)


def bench_in_process(path: Path, repeat: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        child = run_child([sys.executable, "-c", IN_PROCESS, str(path)])
        if child["exit"] != 0:
            return {"error": child["stderr_tail"], "exit": child["exit"]}
        runs.append(json.loads(child["stdout"]))
    keys = ("import_s", "first_s", "second_s", "first_rss_mib", "second_rss_mib")
    summary: dict[str, Any] = {key: statistics.median(run[key] for run in runs) for key in keys}
    last = runs[-1]
    summary.update({k: last[k] for k in last if k not in keys})
    return summary


def bench_help(repeat: int) -> dict[str, Any]:
    result = median_runs([*cli_command(), "--help"], repeat)
    heavy = run_child([sys.executable, "-c", HELP_IMPORTS, *HEAVY_MODULES])
    result["heavy_imports"] = heavy["stdout"].strip() if heavy["exit"] == 0 else f"error: {heavy['stderr_tail']}"
    return result


def load_average() -> str:
    """The 1-minute load average (other processes on the machine inflate wall times)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def ok(flag: bool | None) -> str:
    return "-" if flag is None else ("yes" if flag else "**NO**")


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"# fivesafes-crate validation benchmarks ({results['form']} form, median of {results['repeat']})",
        "",
        f"Python {results['python']} on {results['machine']}; CLI `{' '.join(results['cli'])}`; "
        f"load average {results['load_before']} before, {results.get('load_after')} after.",
        "",
        "## Per size",
        "",
        "| N files | entities | CLI wall s | CLI min s | CLI exit | CLI peak MiB | import s | 1st validate() s | "
        "2nd validate() s | peak MiB after 1st | after 2nd | valid | issues |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in results["sizes"]:
        cli, inproc = row["cli"], row["in_process"]
        lines.append(
            "| "
            + " | ".join(
                [
                    str(row["n"]),
                    str(row["entities"]),
                    fmt(cli["wall_s"]),
                    fmt(cli.get("min_s")),
                    fmt(cli["exit"]),
                    fmt(cli["rss_mib"], 0),
                    fmt(inproc.get("import_s")),
                    fmt(inproc.get("first_s")),
                    fmt(inproc.get("second_s")),
                    fmt(inproc.get("first_rss_mib"), 0),
                    fmt(inproc.get("second_rss_mib"), 0),
                    fmt(inproc.get("first_valid", inproc.get("error", "?")[:40])),
                    fmt(inproc.get("first_issues")),
                ]
            )
            + " |"
        )
    lines += [
        "",
        "## Scaling (time per entity; a growing marginal cost means a super-linear step)",
        "",
        "| N files | entities | 2nd validate() ms/entity | marginal ms/entity vs previous N | "
        "CLI ms/entity | CLI marginal ms/entity |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["scaling"]:
        lines.append(
            f"| {row['n']} | {row['entities']} | {fmt(row['second_ms_per_entity'])} | "
            f"{fmt(row['second_marginal_ms'])} | {fmt(row['cli_ms_per_entity'])} | {fmt(row['cli_marginal_ms'])} |"
        )
    extra = results["extra"]
    lines += ["", "## Targets", "", "| measurement | figure | target | met |", "|---|---:|---:|---|"]
    for label, figure, target, met in results["targets"]:
        lines.append(f"| {label} | {figure} | {target} | {ok(met)} |")
    help_, example, n2000 = extra["help"], extra["example"], extra["n2000"]["cli"]
    lines += [
        "",
        f"`fivesafes --help`: {fmt(help_['wall_s'])} s (min {fmt(help_.get('min_s'))} s), "
        f"peak {fmt(help_['rss_mib'], 0)} MiB, heavy modules imported: {help_['heavy_imports'] or 'none'}.",
        f"Example bag ZIP (CLI): {fmt(example['wall_s'])} s (min {fmt(example.get('min_s'))} s), "
        f"exit {example['exit']}, peak {fmt(example['rss_mib'], 0)} MiB.",
        f"2,000 files (CLI): {fmt(n2000['wall_s'])} s (min {fmt(n2000.get('min_s'))} s), "
        f"exit {n2000['exit']}, peak {fmt(n2000['rss_mib'], 0)} MiB.",
        "",
    ]
    failures = [r for r in [*results["sizes"], results["extra"]["n2000"]] if not r["cli"]["ok"]]
    if failures:
        lines.append("CLI failures (exit not 0/1, or a traceback on stderr):")
        for row in failures:
            tail = row["cli"]["stderr_tail"].strip().splitlines()[-1:] or [""]
            lines.append(f"- N={row['n']}: exits {row['cli'].get('exits')}: {tail[0][:200]}")
    return "\n".join(lines)


def scaling(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    previous: dict[str, Any] | None = None
    for row in sizes:
        second = row["in_process"].get("second_s")
        cli = row["cli"]["wall_s"]
        entry = {
            "n": row["n"],
            "entities": row["entities"],
            "second_ms_per_entity": None if second is None else 1000 * second / row["entities"],
            "cli_ms_per_entity": 1000 * cli / row["entities"],
            "second_marginal_ms": None,
            "cli_marginal_ms": None,
        }
        if previous is not None:
            grown = row["entities"] - previous["entities"]
            prev_second = previous["in_process"].get("second_s")
            if second is not None and prev_second is not None:
                entry["second_marginal_ms"] = 1000 * (second - prev_second) / grown
            entry["cli_marginal_ms"] = 1000 * (cli - previous["cli"]["wall_s"]) / grown
        rows.append(entry)
        previous = row
    return rows


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    extra = results["extra"]
    found: list[tuple[str, str, str, bool | None]] = []
    example = extra["example"]
    found.append(
        (
            "example-request.bagit.zip, CLI whole process",
            f"{example['wall_s']:.3f} s",
            "< 1 s",
            example["wall_s"] < TARGETS["example_s"] and example["ok"],
        )
    )
    n2000 = extra["n2000"]
    found.append(
        (
            f"2,000 files ({n2000['entities']} entities), CLI whole process",
            f"{n2000['cli']['wall_s']:.3f} s",
            "< 3 s",
            n2000["cli"]["wall_s"] < TARGETS["n2000_s"] and n2000["cli"]["ok"],
        )
    )
    help_ = extra["help"]
    found.append(
        (
            "`fivesafes --help`, whole process",
            f"{help_['wall_s']:.3f} s",
            "< 0.3 s",
            help_["wall_s"] < TARGETS["help_s"] and help_["exit"] == 0,
        )
    )
    biggest = max(results["sizes"], key=lambda r: r["n"], default=None)
    if biggest is not None:
        rss = max(biggest["cli"]["rss_mib"], biggest["in_process"].get("second_rss_mib") or 0)
        found.append(
            (
                f"peak RSS at N={biggest['n']}",
                f"{rss:.0f} MiB",
                "< 1024 MiB",
                rss < TARGETS["rss_10000_mib"] if biggest["n"] >= 10_000 else None,
            )
        )
    rows = [r for r in results["scaling"] if r["second_marginal_ms"] is not None and r["n"] >= 1000]
    base = [r for r in results["scaling"] if r["n"] >= 100 and r["second_ms_per_entity"] is not None]
    if rows and base:
        worst = max(r["second_marginal_ms"] for r in rows)
        reference = min(r["second_ms_per_entity"] for r in base)
        found.append(
            (
                "linear growth: worst marginal / best average ms per entity (N ≥ 1000)",
                f"{worst / reference:.2f}x",
                "< 2x",
                worst / reference < 2,
            )
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=generate.parse_sizes, default=list(generate.DEFAULT_SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--form", choices=("crate", "bag", "zip"), default="crate")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    crates = args.out / "crates"
    bag = args.form != "crate"

    results: dict[str, Any] = {
        "form": args.form,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "cli": cli_command(),
        "load_before": load_average(),
        "sizes": [],
    }
    for n in sorted(args.sizes):
        print(f"N={n}: generating", file=sys.stderr)
        path = generate.generate(n, crates, bag=bag)[args.form]
        row = {"n": n, "entities": generate.entity_count(n), "path": str(path)}
        print(f"N={n}: CLI x{args.repeat}", file=sys.stderr)
        row["cli"] = bench_cli(path, args.repeat)
        print(f"N={n}: in-process x{args.repeat}", file=sys.stderr)
        row["in_process"] = bench_in_process(path, args.repeat)
        results["sizes"].append(row)

    print("extra: 2,000 files, example bag ZIP, --help", file=sys.stderr)
    path2000 = generate.generate(2000, crates, bag=bag)[args.form]
    results["extra"] = {
        "n2000": {"n": 2000, "entities": generate.entity_count(2000), "cli": bench_cli(path2000, args.repeat)},
        "example": bench_cli(EXAMPLE_ZIP, args.repeat),
        "help": bench_help(args.repeat),
    }
    results["load_after"] = load_average()
    results["scaling"] = scaling(results["sizes"])
    results["targets"] = targets(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
