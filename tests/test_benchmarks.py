"""A smoke run of the issue-16 benchmarks at tiny sizes: they run to the end and print their tables.

No timing is asserted (the machine is shared); what is checked is that each script still works against the
current code, so that the figures in README.md and docs/engines.md can be measured again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(script: str, *args: str) -> str:
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_goals_smoke() -> None:
    out = _run("goals.py", "--sizes", "5,10", "--repeat", "1")
    assert "| example request ZIP |" in out and "| result crate N=10 " in out and "log-log slope" in out
    assert "| --help |" in out


def test_engines_smoke() -> None:
    out = _run("engines.py", "--sizes", "5", "--repeat", "1", "--max-inputs", "3")
    assert "| pyshacl | 3 | 0 | 0 |" in out and "| shacl | 3 | 0 | 0 |" in out


def test_hashing_smoke() -> None:
    out = _run("hashing.py", "--large-mib", "2", "--small-count", "20", "--repeat", "1")
    assert "| 1 file, 2 MiB |" in out and "| 20 files, 1-4 KiB |" in out
