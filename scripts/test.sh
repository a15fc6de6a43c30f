#!/usr/bin/env bash
# Set up, lint, type-check and run the whole test suite (sockets are blocked for the run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks scripts hatch_build.py
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
