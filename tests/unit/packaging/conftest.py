"""Fixtures of the packaging tests: the example request crate and its bag ZIP."""

from __future__ import annotations

from pathlib import Path

import pytest

from fivesafes_crate.packaging import package
from unit._crates import write_crate
from unit.packaging._bags import DAY, URN


@pytest.fixture
def crate(tmp_path: Path) -> Path:
    """The example request crate (valid at MUST) with a nested file added."""
    folder = write_crate(tmp_path / "request")
    (folder / "extra").mkdir()
    (folder / "extra" / "notes.md").write_bytes(b"# notes\n")
    return folder


@pytest.fixture
def archive(crate: Path, tmp_path: Path) -> Path:
    return package(crate, tmp_path / "request.bagit.zip", external_identifier=URN, bagging_date=DAY)
