#!/usr/bin/env bash
# Create .venv (if missing) and install fivesafes-crate with its test tools; create .venv-rocrate-validator with
# fivesafes-crate and rocrate-validator, which pins rich<14 and so cannot share .venv (the test suite runs it
# there: tests/cli/test_export_profile.py). Used by demo.sh, test.sh and CI.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
if [ ! -x .venv-rocrate-validator/bin/python ]; then
  "$PYTHON" -m venv .venv-rocrate-validator
fi
.venv-rocrate-validator/bin/python -m pip install --quiet --disable-pip-version-check -e ".[rocrate-validator]"
