#!/usr/bin/env bash
# The main job: set up, run the whole lifecycle on the bundled example (researcher -> TRE -> researcher, every
# step signed and every intermediate crate validated), validate every bundled example crate at severity
# "should" (each must pass), then show what the validator says about the profile's own example bags.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
FIVESAFES=.venv/bin/fivesafes

echo "== The whole lifecycle of a request (scripts/lifecycle_demo.py)"
.venv/bin/python scripts/lifecycle_demo.py
echo

echo "== Bundled examples, validated at severity should (each must be valid)"
for crate in examples/*/; do
  [ -f "$crate/ro-crate-metadata.json" ] || continue
  printf '%-32s ' "$crate"
  "$FIVESAFES" validate "$crate" --severity should | tail -n 1
done

REF=tests/data/5s-crate/0.4  # the profile's examples, copied byte-exact (tests/data/README.md)
echo
echo "== The profile's example request, as shipped (a BagIt bag in a ZIP), at severity must"
"$FIVESAFES" validate "$REF/example-request.bagit.zip" || true
echo
echo "== The profile's example result bag folder (stale manifests, known deviations), JSON report excerpt"
"$FIVESAFES" validate "$REF/example-result" --format json | head -n 30 || true
