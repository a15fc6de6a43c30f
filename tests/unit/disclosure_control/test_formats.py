"""Screening by format: JSON count leaves, images and their metadata, archives, spreadsheets, record-level and
blocked formats, saved models, text, model printouts, and the size guard."""

from __future__ import annotations

import io
import json
import pickle
import sqlite3
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from fivesafes_crate.disclosure_control import (
    PRESETS,
    OutputKind,
    OutputScreening,
    load_evidence,
    screen_output,
    streams,
)
from fivesafes_crate.disclosure_control.formats import extension
from fivesafes_crate.disclosure_control.policy import DisclosurePolicy
from fivesafes_crate.issues import ScreeningOutcome

ACRO = PRESETS["acro-default"]
FAIL, REVIEW, PASS = ScreeningOutcome.FAIL, ScreeningOutcome.REVIEW, ScreeningOutcome.PASS


def screen(tmp_path: Path, name: str, data: bytes, policy: DisclosurePolicy = ACRO) -> OutputScreening:
    file = tmp_path / name
    file.write_bytes(data)
    return screen_output(file, policy=policy)


def rules(screening: OutputScreening) -> dict[str, ScreeningOutcome]:
    return {f.rule: f.outcome for f in screening.findings}


def test_json_count_leaves(tmp_path: Path) -> None:
    document = {"cohort": {"n": 1520}, "groups": [{"label": "a", "count": 4}, {"label": "b", "count": 0}],
                "freq": [12, 30], "mean_age": 41.5, "flag": True}
    result = screen(tmp_path, "counts.json", json.dumps(document).encode())
    assert result.kind is OutputKind.JSON and result.outcome is FAIL
    threshold = result.findings_for("sdc.threshold")[0]
    assert (threshold.flagged, threshold.checked, threshold.locations) == (1, 5, ("$.groups[0].count",))
    assert result.findings_for("sdc.zeros")[0].locations == ("$.groups[1].count",)
    plain = screen(tmp_path, "plain.json", b'{"model": "x", "items": [1, 2]}')
    assert rules(plain)["sdc.manual"] is REVIEW
    broken = screen(tmp_path, "broken.json", b'{"n": 4,')
    assert rules(broken)["sdc.unreadable"] is REVIEW and broken.kind is OutputKind.JSON


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_png_text_chunks_are_listed_and_scanned(tmp_path: Path) -> None:
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    text = _png_chunk(b"tEXt", b"Software\x00matplotlib")
    secret = _png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"patient 943 476 5919"))
    data = b"\x89PNG\r\n\x1a\n" + header + text + secret + _png_chunk(b"IDAT", zlib.compress(b"\x00\x00")) + \
        _png_chunk(b"IEND", b"")
    result = screen(tmp_path, "plot.png", data)
    assert result.kind is OutputKind.IMAGE and result.outcome is FAIL
    found = rules(result)
    assert (found["sdc.manual"], found["sdc.image-metadata"], found["sdc.identifiers"]) == (REVIEW, REVIEW, FAIL)
    assert result.findings_for("sdc.image-metadata")[0].locations == ("tEXt chunk 'Software'", "zTXt chunk 'Comment'")
    assert "943" not in repr(result)
    bare = screen(tmp_path, "bare.png", b"\x89PNG\r\n\x1a\n" + header + _png_chunk(b"IEND", b""))
    assert rules(bare)["sdc.image-metadata"] is PASS and bare.outcome is REVIEW


def _exif_with_gps() -> bytes:
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x8825, 4, 1, 26) + struct.pack("<I", 0)
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd
    return b"Exif\x00\x00" + tiff


def test_jpeg_exif_and_comments(tmp_path: Path) -> None:
    exif = _exif_with_gps()
    data = (b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + b"\xff\xfe" +
            struct.pack(">H", 12) + b"hello note" + b"\xff\xda\x00\x02" + b"\x00" * 10 + b"\xff\xd9")
    result = screen(tmp_path, "photo.jpg", data)
    metadata = result.findings_for("sdc.image-metadata")[0]
    assert result.kind is OutputKind.IMAGE and metadata.outcome is REVIEW
    assert metadata.locations == ("EXIF", "comment") and "GPS position" in metadata.message


@pytest.mark.parametrize(("name", "data", "kind", "outcome"), [
    ("plot.svg", b"<svg/>", OutputKind.BLOCKED, FAIL),
    ("graph.gph", b"anything", OutputKind.BLOCKED, FAIL),
    ("extract.parquet", b"PAR1....", OutputKind.RECORD_LEVEL, FAIL),
    ("cohort.dta", b"<stata_dta>", OutputKind.RECORD_LEVEL, FAIL),
    ("renamed.csv", b"PAR1 not really a csv", OutputKind.RECORD_LEVEL, FAIL),
    ("model.joblib", b"\x80\x04", OutputKind.MODEL_FILE, REVIEW),
    ("weights.bin", b"\x89HDF\r\n\x1a\n", OutputKind.MODEL_FILE, REVIEW),
    ("data.bin", b"\x00\x01\x02\x03", OutputKind.BINARY, REVIEW),
    ("report.pdf", b"%PDF-1.7", OutputKind.BINARY, REVIEW),
    ("notes.txt", "\ufeffwide".encode("utf-16"), OutputKind.TEXT, REVIEW),
    ("logs.tar.gz", b"\x1f\x8b\x08\x00", OutputKind.ARCHIVE, REVIEW),
    ("chart.gif", b"GIF89a....", OutputKind.IMAGE, REVIEW),
])
def test_formats_decided_without_parsing(tmp_path: Path, name: str, data: bytes, kind: OutputKind,
                                         outcome: ScreeningOutcome) -> None:
    result = screen(tmp_path, name, data)
    assert (result.kind, result.outcome, result.size) == (kind, outcome, len(data))


def test_a_pickle_is_never_loaded(tmp_path: Path) -> None:
    class Boom:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (exec, ("raise SystemExit('deserialised!')",))

    result = screen(tmp_path, "model.pkl", pickle.dumps(Boom()))
    assert result.kind is OutputKind.MODEL_FILE and rules(result) == {"sdc.model-file": REVIEW}
    renamed = screen(tmp_path, "model.dat", pickle.dumps(Boom()))
    assert renamed.kind is OutputKind.MODEL_FILE


def test_sqlite_is_record_level_whatever_its_name(tmp_path: Path) -> None:
    database = tmp_path / "cohort.csv"
    with sqlite3.connect(database) as connection:
        connection.execute("create table t (x)")
    connection.close()
    assert screen_output(database, policy=ACRO).kind is OutputKind.RECORD_LEVEL


def test_text_and_model_printouts(tmp_path: Path) -> None:
    text = screen(tmp_path, "notes.md", b"We found nothing surprising.\n")
    assert text.kind is OutputKind.TEXT and rules(text)["sdc.manual"] is REVIEW
    model = screen(tmp_path, "model.txt", b"                 OLS Regression Results\nDep. Variable: y\n"
                                          b"Df Residuals:                     297\n")
    assert model.kind is OutputKind.MODEL_OUTPUT and model.outcome is PASS
    small = screen(tmp_path, "model.log", b"Residual standard error: 0.5 on 4 degrees of freedom\n")
    assert small.outcome is FAIL


def test_archives_are_screened_member_by_member(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tables/counts.csv", "g,a\nr1,3\nr2,40\n")
        archive.writestr("readme.txt", "notes\n")
        archive.writestr("inner.zip", b"PK\x05\x06" + b"\x00" * 18)
    result = screen(tmp_path, "bundle.zip", buffer.getvalue())
    assert result.kind is OutputKind.ARCHIVE and result.outcome is FAIL
    parts = {part.name: part for part in result.parts}
    assert set(parts) == {"tables/counts.csv", "readme.txt", "inner.zip"}
    assert parts["tables/counts.csv"].outcome is FAIL and parts["inner.zip"].outcome is REVIEW
    assert "inside an archive" in parts["inner.zip"].findings[0].message
    assert rules(result)["sdc.archive"] is PASS


def test_unsafe_archive_members_fail(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ok.txt", "fine\n")
        archive.writestr("../escape.txt", "bad\n")
    result = screen(tmp_path, "bad.zip", buffer.getvalue())
    assert rules(result)["sdc.archive"] is FAIL and [p.name for p in result.parts] == ["ok.txt"]
    refused = screen(tmp_path, "corrupt.zip", b"PK\x03\x04 not really a zip")
    assert refused.kind is OutputKind.ARCHIVE and rules(refused)["sdc.archive"] is FAIL


def test_spreadsheets_sheet_by_sheet(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Counts"
    for row in (["region", "A", "B"], ["East", 6, 11], ["North", 50, 58.0]):
        sheet.append(row)
    notes = workbook.create_sheet("Notes")
    notes.append(["contact", "jane.doe@example.org"])
    file = tmp_path / "tables.xlsx"
    workbook.save(file)
    result = screen_output(file, policy=ACRO)
    assert result.kind is OutputKind.SPREADSHEET and result.outcome is FAIL
    threshold = result.findings_for("sdc.threshold")[0]
    assert threshold.locations == ("Counts: East / A",) and threshold.message.startswith("sheet Counts:")
    assert rules(result)["sdc.identifiers"] is REVIEW and "jane" not in repr(result)


def test_size_guard_and_overlong_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = DisclosurePolicy("small", "Small", max_file_bytes=10)
    result = screen(tmp_path, "big.csv", b"g,a\nr1,50\nr2,60\n", small)
    assert result.kind is OutputKind.TOO_LARGE and rules(result) == {"sdc.size": REVIEW}
    assert result.size == 16  # hashed all the same
    monkeypatch.setattr(streams, "MAX_LINE", 64)
    long = screen(tmp_path, "long.txt", b"x" * 300)  # no line end within MAX_LINE bytes
    assert rules(long)["sdc.unreadable"] is REVIEW
    wide = screen(tmp_path, "long.csv", b"g,a,r1," + b"7" * 300)
    assert rules(wide)["sdc.unreadable"] is REVIEW


def test_extension() -> None:
    assert [extension(n) for n in ("a/b.CSV", "x.tar.gz", "noext", ".hidden", "dir.v2/file")] == [
        ".csv", ".tar.gz", "", "", ""]


def test_a_models_other_tables_point_to_its_summary_and_take_the_evidence_dof(tmp_path: Path) -> None:
    """ACRO writes a model's summary as ``output_N_0.csv`` and its coefficients as ``output_N_1.csv``."""
    coefficients = b",coef,std err,t,P>|t|,[0.025,0.975]\nconst,2.99,0.056,53.6,0.0,2.88,3.10\n"
    alone = screen(tmp_path, "output_19_1.csv", coefficients)
    (dof,) = alone.findings_for("sdc.dof")
    assert dof.outcome is REVIEW and "output_19_0.csv" in dof.message and "--evidence" in dof.message
    (folder := tmp_path / "evidence").mkdir()
    (folder / "evidence.json").write_text(json.dumps({"outputs": {"output_19": {
        "analysis_names": ["GeneralLinearModel"], "dof": 298, "interim_tables": {}}}}), "utf-8")
    evidence = load_evidence(folder / "evidence.json")
    assert screen_output(tmp_path / "output_19_1.csv", policy=ACRO, evidence=evidence).outcome is PASS
    summary = screen(tmp_path, "output_19_0.csv", b"Dep. Variable:,y\nDf Residuals:,4\n")
    assert summary.outcome is FAIL and "output_19" not in summary.findings_for("sdc.dof")[0].message
