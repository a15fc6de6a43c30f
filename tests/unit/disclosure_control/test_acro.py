"""Reading ACRO results: both format generations, checksums verified first, timezones required."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fivesafes_crate.disclosure_control import AcroResultsError, parse_timezone, read_acro_results
from fivesafes_crate.errors import UsageError
from fivesafes_crate.issues import ScreeningOutcome


@pytest.fixture()
def standalone(reference_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "standalone"
    shutil.copytree(reference_dir / "acro-sample-1.0.2" / "standalone", copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return copy


def test_golden_acro_verdicts(reference_dir: Path) -> None:
    results = read_acro_results(reference_dir / "acro-sample-1.0.2" / "standalone", timezone="Europe/London")
    assert (results.generation, results.version) == (2, "1.0.2")
    assert "results.json" in results.verified and len(results.verified) == 9
    statuses = {o.uid: o.status for o in results.outputs}
    assert statuses == {"output_0": ScreeningOutcome.FAIL, "output_1": ScreeningOutcome.FAIL,
                        "output_2": ScreeningOutcome.PASS, "output_3": ScreeningOutcome.REVIEW,
                        "2ndary_risk_summary_json-DONT_RELEASE": ScreeningOutcome.REVIEW,
                        "2ndary_risk_summary_csv-DONT_RELEASE": ScreeningOutcome.REVIEW}
    output_0 = results.output("output_0")
    assert output_0 is not None and output_0.exception == "small cells are structural"
    threshold = [c for c in output_0.files[0].checks if c.rule == "sdc.threshold"]
    assert [(c.name, c.flagged, c.status) for c in threshold] == [("MinimumThresholdCheck", 5, "fail")]
    output_2 = results.output("output_2")
    assert output_2 is not None and output_2.dof == 297 and [f.name for f in output_2.files] == [
        "output_2_0.csv", "output_2_1.csv", "output_2_2.csv"]
    output_3 = results.for_file("outputs/note.txt")
    assert output_3 is not None and output_3.comments == ("a text note",) and output_3.release
    assert [o.release for o in results.outputs][-2:] == [False, False]
    moment = output_0.timestamp
    assert moment.tzinfo is not None and moment.isoformat() == "2026-11-28T15:30:58.895914+00:00"
    assert output_0.files[0].sha256 == "14132d93379255cd4d00ee9002df36792ec743703e0c63a8cc75af4d2f965a1e"


def test_timezones() -> None:
    assert parse_timezone("UTC") is UTC
    assert parse_timezone("+05:30").utcoffset(None) == timedelta(hours=5, minutes=30)
    assert parse_timezone("Europe/Paris").utcoffset(datetime(2026, 7, 1)) == timedelta(hours=2)
    with pytest.raises(UsageError, match="unknown timezone"):
        parse_timezone("Mars/Olympus")


def test_a_changed_file_is_refused(standalone: Path) -> None:
    (standalone / "output_0_0.csv").write_text("region,A\nEast,60\n", "utf-8")
    with pytest.raises(AcroResultsError, match="differs") as caught:
        read_acro_results(standalone, timezone="UTC")
    assert caught.value.path == "output_0_0.csv"


def test_missing_checksums_are_refused(standalone: Path) -> None:
    (standalone / "checksums" / "note.txt.txt").unlink()
    with pytest.raises(AcroResultsError, match="no checksum"):
        read_acro_results(standalone, timezone="UTC")
    shutil.rmtree(standalone / "checksums")
    with pytest.raises(AcroResultsError, match="cannot be verified"):
        read_acro_results(standalone, timezone="UTC")


def _write(folder: Path, name: str, data: bytes) -> None:
    (folder / name).write_bytes(data)
    (folder / "checksums" / f"{name}.txt").write_text(hashlib.sha256(data).hexdigest(), "ascii")


def test_first_generation_results(tmp_path: Path) -> None:
    folder = tmp_path / "acro"
    (folder / "checksums").mkdir(parents=True)
    _write(folder, "output_0_0.csv", b"g,a\nr,3\n")
    sdc = {"summary": {"suppressed": False, "negative": 0, "missing": 0, "threshold": 1, "p-ratio": 0,
                       "nk-rule": 0, "all-values-are-same": 0}, "cells": {"threshold": [[0, 0]]}}
    document = {"version": "0.4.5", "results": {"output_0": {
        "uid": "output_0", "status": "fail", "type": "table", "properties": {"method": "crosstab"},
        "files": [{"name": "output_0_0.csv", "sdc": sdc}], "outcome": {}, "command": "crosstab",
        "summary": "fail; threshold: 1 cells may need suppressing;", "timestamp": "2024-03-06T10:00:00",
        "comments": ["please"], "exception": ""}}}
    _write(folder, "results.json", json.dumps(document).encode())
    results = read_acro_results(folder, timezone="+01:00")
    assert results.generation == 1
    output = results.outputs[0]
    checks = {c.name: (c.rule, c.flagged, c.status) for c in output.files[0].checks}
    assert checks["threshold"] == ("sdc.threshold", 1, None) and "suppressed" not in checks
    assert checks["nk-rule"][0] == "sdc.nk" and output.method == "crosstab"
    assert output.timestamp.isoformat() == "2024-03-06T10:00:00+01:00"


@pytest.mark.parametrize(("change", "message"), [
    ({"status": "maybe"}, "'status' must be pass, fail or review"),
    ({"timestamp": "yesterday"}, "not an ISO 8601 time"),
    ({"comments": "one"}, "'comments' must be a list"),
    ({"files": [{"name": "other.csv"}]}, "no checksum"),
])
def test_malformed_results_are_refused(tmp_path: Path, change: dict[str, object], message: str) -> None:
    folder = tmp_path / "acro"
    (folder / "checksums").mkdir(parents=True)
    entry = {"uid": "o", "status": "pass", "type": "custom", "files": [], "summary": "", "comments": [],
             "exception": "", "timestamp": "2024-03-06T10:00:00", **change}
    _write(folder, "results.json", json.dumps({"results": {"o": entry}}).encode())
    with pytest.raises(AcroResultsError, match=message.replace("(", r"\(")):
        read_acro_results(folder, timezone="UTC")
