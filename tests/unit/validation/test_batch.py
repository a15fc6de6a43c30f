"""Validating many crates at once: the same reports in the order given, whatever the number of workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from fivesafes_crate import Severity, UsageError
from fivesafes_crate.validation.batch import validate_many

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_jobs_give_the_same_reports_in_the_order_given(tmp_path: Path) -> None:
    targets = [EXAMPLES / name for name in ("published", "request", "under-review", "executed", "request-0.5")]
    targets.insert(2, tmp_path / "missing")
    one = validate_many(targets, threshold=Severity.SHOULD)
    three = validate_many(targets, threshold=Severity.SHOULD, jobs=3)
    assert one == three
    assert list(three) == [str(t) for t in targets if t.name != "missing"]
    assert [f.target for f in three.failures] == [str(tmp_path / "missing")]
    assert "missing" in three.failures[0].message


def test_a_path_given_twice_is_validated_once() -> None:
    reports = validate_many([EXAMPLES / "request", EXAMPLES / "request"], jobs=2)
    assert list(reports) == [str(EXAMPLES / "request")]


def test_jobs_must_be_positive() -> None:
    with pytest.raises(UsageError, match="at least 1"):
        validate_many([EXAMPLES / "request"], jobs=0)
