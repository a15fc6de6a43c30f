"""Build ``examples/request-from-spec/`` from ``examples/request-spec/request.yaml`` with a fixed clock and ids.

    python scripts/build_example_request.py [OUTPUT]

OUTPUT defaults to ``examples/request-from-spec`` (replaced if it exists). The tests re-run this into a
temporary folder and compare the result byte for byte with the committed crate.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from fivesafes_crate import create_request, load_request_spec

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "examples" / "request-spec" / "request.yaml"
DEFAULT_OUTPUT = REPO / "examples" / "request-from-spec"
NOW = datetime(2024, 3, 6, 9, 30, tzinfo=UTC)
IDS = (
    "5e61ded6-4135-4225-8de2-e96d5532e6fb",  # the CreateAction
    "feb3de78-b1d6-423a-a038-cfce426603f2",  # the project
)


def build(output: Path) -> Path:
    """Build the example crate into ``output`` (a folder that must not exist)."""
    ids = iter(IDS)
    create_request(load_request_spec(SPEC), output, now=lambda: NOW, new_id=lambda: next(ids))
    return output


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    if output.exists():
        with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
            built = build(Path(scratch) / output.name)
            shutil.rmtree(output)
            built.rename(output)
    else:
        build(output)
    sys.stderr.write(f"built {output}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
