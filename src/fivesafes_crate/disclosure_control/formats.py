"""Screening one output stream: recognise its format (extension and magic bytes) and apply the rules that fit.

CSV tables go to :mod:`.table`; model printouts, logs and other text to the degrees-of-freedom and pattern
scans; JSON to the count-leaf rules; PNG and JPEG to the image-metadata rule; spreadsheets (with the ``xlsx``
extra) to the table rules sheet by sheet; ZIP archives member by member with the bag-reading limits. Record-level
formats and the policy's blocked formats fail without being parsed; saved models are never deserialised. Every
byte is hashed as it is read (:class:`~.streams.Input`), whatever the format.
"""

from __future__ import annotations

import csv
import importlib
import re
import struct
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from ..errors import CrateReadError
from ..issues import ScreeningOutcome
from ..model.source import EntryKind, Limits, ZipStorage
from .cells import display_label
from .evidence import Evidence, OutputEvidence
from .outcomes import MAX_LOCATIONS, OutputKind, OutputScreening, RuleFinding
from .patterns import DofScan, TextScan, looks_like_model_output
from .policy import DisclosurePolicy
from .rules import Tally, below_threshold, rounding_finding, threshold_finding, unrounded, zeros_finding
from .streams import Input, LineTooLong, line_blocks
from .table import TableScan, scan_csv

HEAD = 64 * 1024
MAX_METADATA_CHUNK = 1 << 20
MAX_IMAGE_CHUNKS = 100_000

MODEL_EXTENSIONS = frozenset({".pkl", ".pickle", ".joblib", ".h5", ".hdf5", ".keras", ".pt", ".pth", ".onnx", ".pb",
                              ".ckpt", ".safetensors", ".rds", ".rda", ".rdata", ".npy", ".npz", ".model"})
CSV_EXTENSIONS = frozenset({".csv", ".tsv", ".tab", ".psv"})
ARCHIVE_EXTENSIONS = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".gz", ".bz2", ".xz", ".7z", ".rar")
SPREADSHEET_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
OFFICE_EXTENSIONS = frozenset({".docx", ".pptx", ".odt", ".ods", ".odp", ".xls", ".doc", ".ppt"})
COUNT_KEYS = frozenset({"count", "counts", "n", "total", "freq", "frequency", "frequencies"})

_RECORD_MAGIC = ((b"SQLite format 3\x00", "SQLite database"), (b"PAR1", "Parquet file"), (b"<stata_dta>", "Stata data"),
                 (b"ARROW1", "Arrow file"), (b"FEA1", "Feather file"), (b"$FL2", "SPSS data"), (b"$FL3", "SPSS data"))
_ARCHIVE_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c", b"Rar!")
_IMAGE_MAGIC = (b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")


@dataclass(frozen=True)
class Context:
    """What every output of a screening shares: the policy, the evidence, the limits and archive depth."""

    policy: DisclosurePolicy
    evidence: Evidence | None
    limits: Limits
    depth: int = 0


Analysis = tuple[OutputKind, list[RuleFinding], list[OutputScreening]]


def _review(rule: str, message: str) -> RuleFinding:
    return RuleFinding(rule, ScreeningOutcome.REVIEW, message)


def _fail(rule: str, message: str) -> RuleFinding:
    return RuleFinding(rule, ScreeningOutcome.FAIL, message)


def _too_large(policy: DisclosurePolicy) -> RuleFinding:
    return _review("sdc.size", f"larger than the policy's limit of {policy.max_file_bytes} bytes: not screened")


def extension(name: str) -> str:
    """The lower-case extension of a file name, with compound archive extensions (``.tar.gz``) kept whole."""
    lowered = name.rsplit("/", 1)[-1].lower()
    for compound in (".tar.gz", ".tar.bz2", ".tar.xz"):
        if lowered.endswith(compound):
            return compound
    dot = lowered.rfind(".")
    return lowered[dot:] if dot > 0 else ""


def screen_stream(stream: IO[bytes], name: str, size: int | None, context: Context) -> OutputScreening:
    """Screen one output read from ``stream`` (``size`` as declared by its container, if known)."""
    data = Input(stream, name)
    kind, findings, parts = _analyse(data, name, size, context)
    data.drain()
    return OutputScreening(name, kind, data.sha256, data.size, tuple(findings), tuple(parts))


def not_a_file(name: str) -> OutputScreening:
    """The screening of a name that is a symbolic link or special file: never followed, never read."""
    return OutputScreening(name, OutputKind.NOT_A_FILE, None, 0,
                           (_review("sdc.manual", "a symbolic link or special file: never followed or read"),))


def _analyse(data: Input, name: str, size: int | None, context: Context) -> Analysis:
    policy = context.policy
    ext = extension(name)
    if ext in policy.record_level_extensions:
        return OutputKind.RECORD_LEVEL, [_fail("sdc.record-level", f"record-level data format ({ext})")], []
    if ext in policy.blocked_extensions:
        return OutputKind.BLOCKED, [_fail("sdc.blocked-format", f"{ext} files can embed exact data points: "
                                                                "blocked by the policy")], []
    if ext in MODEL_EXTENSIONS:
        return OutputKind.MODEL_FILE, [_review("sdc.model-file", f"saved model or array ({ext}): never "
                                                                 "deserialised; check what it can reveal")], []
    if size is not None and size > policy.max_file_bytes:
        return OutputKind.TOO_LARGE, [_too_large(policy)], []
    head = data.peek(HEAD)
    for magic, what in _RECORD_MAGIC:
        if head.startswith(magic):
            return OutputKind.RECORD_LEVEL, [_fail("sdc.record-level", f"record-level data ({what})")], []
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return OutputKind.MODEL_FILE, [_review("sdc.model-file", "a Python pickle: never deserialised")], []
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return OutputKind.MODEL_FILE, [_review("sdc.model-file", "an HDF5 file: never opened")], []
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if head.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if ext in SPREADSHEET_EXTENSIONS:
            return _spreadsheet(data, name, context)
        if ext in OFFICE_EXTENSIONS:
            return OutputKind.BINARY, [_review("sdc.manual", "an office document: check it by hand")], []
        return _archive(data, context)
    if head.startswith(_ARCHIVE_MAGIC) or head[257:262] == b"ustar" or ext in ARCHIVE_EXTENSIONS:
        return OutputKind.ARCHIVE, [_review("sdc.archive", "an archive format that is not opened: check its "
                                                           "members by hand")], []
    if head.startswith(_IMAGE_MAGIC) or head[8:12] == b"WEBP":
        return OutputKind.IMAGE, [_review("sdc.manual", "an image: check what it shows by hand")], []
    if head.startswith(b"%PDF"):
        return OutputKind.BINARY, [_review("sdc.manual", "a PDF document: check it by hand")], []
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return OutputKind.TEXT, [_review("sdc.manual", "UTF-16 text is not screened automatically")], []
    if b"\x00" in head:
        return OutputKind.BINARY, [_review("sdc.manual", "a binary file of unknown format")], []
    evidence = context.evidence.for_output(name) if context.evidence is not None else None
    if looks_like_model_output(head):
        return _text(data, name, policy, model=True, evidence=evidence)
    if ext in CSV_EXTENSIONS:
        return _csv(data, name, head, context, evidence)
    if ext == ".json":
        return _json(data, name, context)
    return _text(data, name, policy, model=False, evidence=evidence)


def _text(data: Input, name: str, policy: DisclosurePolicy, *, model: bool,
          evidence: OutputEvidence | None) -> Analysis:
    scan, dof = TextScan(), DofScan()
    findings: list[RuleFinding] = []
    try:
        for block, line in line_blocks(data.chunks()):
            scan.feed(block, line)
            if model:
                dof.feed(block)
    except LineTooLong:
        findings.append(_review("sdc.unreadable", "a line too long to scan: the rest was not screened"))
    if model:
        findings.insert(0, dof.finding(policy.dof_threshold, evidence.dof if evidence else None, _summary_of(name)))
        return OutputKind.MODEL_OUTPUT, findings + scan.findings(), []
    findings.insert(0, _review("sdc.manual", "free text: no statistical rule applies; check it by hand"))
    return OutputKind.TEXT, findings + scan.findings(), []


def _summary_of(name: str) -> str | None:
    """The file of an ACRO model's summary (``output_3_0.csv``) for its other tables (``output_3_1.csv``)."""
    base = name.rsplit("/", 1)[-1]
    match = re.fullmatch(r"(output_[0-9]+)_([0-9]+)(\.[A-Za-z]+)", base)
    return f"{match.group(1)}_0{match.group(3)}" if match and match.group(2) != "0" else None


def _delimiter(head: bytes, ext: str) -> str:
    if ext in (".tsv", ".tab"):
        return "\t"
    if ext == ".psv":
        return "|"
    sample = head[:4096].decode("utf-8", "replace")
    sample = sample[: sample.rfind("\n") + 1] or sample
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _csv(data: Input, name: str, head: bytes, context: Context, evidence: OutputEvidence | None) -> Analysis:
    table = TableScan(context.policy, evidence, evidence_source=context.evidence.source if context.evidence else None)
    scan = TextScan()
    findings: list[RuleFinding] = []
    try:
        status = scan_csv(line_blocks(data.chunks(), quote=b'"'), _delimiter(head, extension(name)), table, scan)
        if status.problem:
            findings.append(_review("sdc.unreadable", status.problem))
    except LineTooLong:
        findings.append(_review("sdc.unreadable", "a line or quoted field too long to parse: the rest was not "
                                                  "screened"))
    kind, table_findings = table.result()
    return kind, findings + table_findings + scan.findings(), []


def _json(data: Input, name: str, context: Context) -> Analysis:
    limit = context.limits.max_metadata_bytes
    scan = TextScan()
    kept: list[bytes] = []
    total = 0
    try:
        for block, line in line_blocks(data.chunks()):
            scan.feed(block, line)
            total += len(block)
            if total <= limit:
                kept.append(block)
    except LineTooLong:
        total = limit + 1
    if total > limit:
        return OutputKind.JSON, [_review("sdc.unreadable", f"JSON larger than {limit} bytes or with over-long "
                                                           "lines: not parsed"), *scan.findings()], []
    from ..model.crate import parse_metadata  # deferred: start-up (screening a table should start fast)

    try:
        document = parse_metadata(b"".join(kept), path=name, limits=context.limits)
    except CrateReadError as exc:
        return OutputKind.JSON, [_review("sdc.unreadable", exc.message), *scan.findings()], []
    return OutputKind.JSON, count_leaf_findings(document, context.policy) + scan.findings(), []


def count_leaf_findings(document: Any, policy: DisclosurePolicy) -> list[RuleFinding]:
    """Threshold, zeros and rounding over the JSON count leaves (keys ``count``, ``n``, ``total``, ``freq``...)."""
    low, zeros, unround = Tally(), Tally(), Tally()
    counted = 0
    stack: list[tuple[Any, str]] = [(document, "$")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            items: list[tuple[Any, Any]] = list(node.items())
        else:
            items = list(enumerate(node)) if isinstance(node, list) else []
        for key, child in reversed(items):
            where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
            if isinstance(key, str) and key.lower() in COUNT_KEYS:
                for index, value in enumerate(child if isinstance(child, list) else [child]):
                    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 \
                            or not float(value).is_integer():
                        continue
                    counted += 1
                    label = display_label(where if not isinstance(child, list) else f"{where}[{index}]",
                                          f"count field {counted}")
                    if below_threshold(value, policy.threshold):
                        low.add(label)
                    elif value == 0:
                        zeros.add(label)
                    if policy.rounding and unrounded(value, policy.round_base):
                        unround.add(label)
            elif isinstance(child, dict | list):
                stack.append((child, where))
    if not counted:
        return [_review("sdc.manual", "JSON without count fields (count, n, total, freq): check it by hand")]
    return [threshold_finding(low, counted, policy), zeros_finding(zeros, counted, policy),
            rounding_finding(unround, counted, policy)]


def _skip(data: Input, size: int) -> None:
    while size > 0 and (chunk := data.read(min(size, 1 << 20))):
        size -= len(chunk)


def _image_findings(found: list[str], scan: TextScan, notes: Sequence[str] = ()) -> list[RuleFinding]:
    manual = _review("sdc.manual", "an image: check what it shows by hand")
    if found:
        message = f"{len(found)} metadata block(s){''.join(notes)}: check them by hand"
        metadata = RuleFinding("sdc.image-metadata", ScreeningOutcome.REVIEW, message, flagged=len(found),
                               locations=tuple(found[:MAX_LOCATIONS]))
    else:
        metadata = RuleFinding("sdc.image-metadata", ScreeningOutcome.PASS, "no text chunks, EXIF, XMP or comments")
    return [manual, metadata, *scan.findings()]


def _png(data: Input) -> Analysis:
    scan = TextScan()
    found: list[str] = []
    data.read_exactly(8)
    chunks = 0
    while len(header := data.read_exactly(8)) == 8:
        chunks += 1
        if chunks > MAX_IMAGE_CHUNKS:
            found.append(f"more than {MAX_IMAGE_CHUNKS} chunks: the rest not read")
            break
        length, chunk_type = struct.unpack(">I4s", header)
        if chunk_type in (b"tEXt", b"zTXt", b"iTXt", b"eXIf") and length <= MAX_METADATA_CHUNK:
            body = data.read_exactly(length)
            label = _png_label(chunk_type, body)
            found.append(label)
            scan.feed_metadata(_png_text(chunk_type, body), label)
        else:
            if chunk_type in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
                found.append(f"{chunk_type.decode('ascii')} chunk too large to scan")
            _skip(data, length)
        data.read_exactly(4)
        if chunk_type == b"IEND":
            break
    return OutputKind.IMAGE, _image_findings(found, scan), []


def _png_label(chunk_type: bytes, body: bytes) -> str:
    if chunk_type == b"eXIf":
        return "EXIF chunk"
    keyword = body.split(b"\x00", 1)[0][:79].decode("latin-1")
    return f"{chunk_type.decode('ascii')} chunk '{display_label(keyword, '?')}'"


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompressobj().decompress(data, MAX_METADATA_CHUNK)
    except zlib.error:
        return b""


def _png_text(chunk_type: bytes, body: bytes) -> bytes:
    """The text of a PNG text chunk (decompressed within a limit), or the raw EXIF bytes."""
    if chunk_type == b"eXIf":
        return body
    _, _, rest = body.partition(b"\x00")
    if chunk_type == b"zTXt":
        return _inflate(rest[1:])
    if chunk_type == b"iTXt":
        compressed, rest = rest[:1] == b"\x01", rest[2:]
        _, _, rest = rest.partition(b"\x00")  # language tag
        _, _, text = rest.partition(b"\x00")  # translated keyword
        return _inflate(text) if compressed else text
    return rest


def _jpeg(data: Input) -> Analysis:
    scan = TextScan()
    found: list[str] = []
    notes: list[str] = []
    data.read_exactly(2)
    while True:
        if data.read(1) != b"\xff":  # the end of the file, or not a marker where one must be: stop
            break
        marker = data.read(1)
        while marker == b"\xff":
            marker = data.read(1)
        if not marker or marker in (b"\xd9", b"\xda"):
            break
        if marker in (b"\xd8", b"\x01") or b"\xd0" <= marker <= b"\xd7":
            continue
        length_bytes = data.read_exactly(2)
        if len(length_bytes) < 2:
            break
        body = data.read_exactly(max(struct.unpack(">H", length_bytes)[0] - 2, 0))
        label = None
        if marker == b"\xe1" and body.startswith(b"Exif\x00\x00"):
            label = "EXIF"
            if _exif_has_gps(body[6:]):
                notes.append(", with a GPS position")
        elif marker == b"\xe1" and body.startswith(b"http://ns.adobe.com/xap/1.0/"):
            label = "XMP"
        elif marker == b"\xed":
            label = "IPTC"
        elif marker == b"\xfe":
            label = "comment"
        if label is not None:
            found.append(label)
            scan.feed_metadata(body, label)
    return OutputKind.IMAGE, _image_findings(found, scan, notes[:1]), []


def _exif_has_gps(tiff: bytes) -> bool:
    """True when the first image directory of an EXIF block points to GPS information (tag 0x8825)."""
    if tiff[:2] not in (b"II", b"MM") or len(tiff) < 8:
        return False
    order = "<" if tiff[:2] == b"II" else ">"
    (offset,) = struct.unpack(order + "I", tiff[4:8])
    if offset + 2 > len(tiff):
        return False
    (count,) = struct.unpack(order + "H", tiff[offset:offset + 2])
    for index in range(min(count, 1000)):
        start = offset + 2 + 12 * index
        if start + 2 > len(tiff):
            break
        if struct.unpack(order + "H", tiff[start:start + 2])[0] == 0x8825:
            return True
    return False


def _spool(data: Input, folder: Path, limit: int, suffix: str = "") -> Path | None:
    """Copy the rest of the stream into ``folder`` (the copy is what gets parsed); None beyond ``limit``."""
    target = folder / f"output{suffix}"
    written = 0
    with target.open("wb") as copy:
        for chunk in data.chunks():
            written += len(chunk)
            if written > limit:
                return None
            copy.write(chunk)
    return target


def _open_zip(path: Path, limits: Limits) -> tuple[ZipStorage | None, list[RuleFinding]]:
    try:
        storage = ZipStorage(path, limits)
    except CrateReadError as exc:
        return None, [_fail("sdc.archive", f"refused: {exc.message}")]
    problems = []
    if storage.findings:
        problems.append(RuleFinding("sdc.archive", ScreeningOutcome.FAIL,
                                    f"{len(storage.findings)} member(s) refused (unsafe names, duplicates or "
                                    "suspicious compression): they cannot be screened", flagged=len(storage.findings)))
    return storage, problems


def _archive(data: Input, context: Context) -> Analysis:
    if context.depth > 0:
        return OutputKind.ARCHIVE, [_review("sdc.archive", "an archive inside an archive: not opened")], []
    with tempfile.TemporaryDirectory(prefix="fivesafes-sdc-") as folder:
        copy = _spool(data, Path(folder), context.policy.max_file_bytes)
        if copy is None:
            return OutputKind.TOO_LARGE, [_too_large(context.policy)], []
        storage, findings = _open_zip(copy, context.limits)
        if storage is None:
            return OutputKind.ARCHIVE, findings, []
        parts: list[OutputScreening] = []
        inner = replace(context, depth=context.depth + 1)
        try:
            for member, entry in sorted(storage.entries().items()):
                if entry.kind is EntryKind.DIRECTORY:
                    continue
                if entry.kind is not EntryKind.FILE:
                    parts.append(not_a_file(member))
                    continue
                with storage.open(member) as stream:
                    parts.append(screen_stream(stream, member, entry.size, inner))
        finally:
            storage.close()
    if not findings:
        findings.append(RuleFinding("sdc.archive", ScreeningOutcome.PASS, f"{len(parts)} member(s) screened",
                                    checked=len(parts)))
    return OutputKind.ARCHIVE, findings, parts


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _spreadsheet(data: Input, name: str, context: Context) -> Analysis:
    try:
        openpyxl = importlib.import_module("openpyxl")
    except ImportError:
        return OutputKind.SPREADSHEET, [_review("sdc.manual", "a spreadsheet: install fivesafes-crate[xlsx] to "
                                                              "screen it, or check it by hand")], []
    evidence = context.evidence.for_output(name) if context.evidence is not None else None
    with tempfile.TemporaryDirectory(prefix="fivesafes-sdc-") as folder:
        copy = _spool(data, Path(folder), context.policy.max_file_bytes, extension(name))
        if copy is None:
            return OutputKind.TOO_LARGE, [_too_large(context.policy)], []
        storage, findings = _open_zip(copy, context.limits)
        if storage is None or findings:
            if storage is not None:
                storage.close()
            return OutputKind.SPREADSHEET, findings, []
        storage.close()
        scan = TextScan()
        try:
            workbook = openpyxl.load_workbook(copy, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many types on malformed files; the file is untrusted input
            return OutputKind.SPREADSHEET, [_review("sdc.unreadable", "not a readable workbook")], []
        try:
            for number, sheet in enumerate(workbook.worksheets, start=1):
                where = display_label(str(sheet.title), f"sheet {number}")
                table = TableScan(context.policy, evidence, where=where,
                                  evidence_source=context.evidence.source if context.evidence else None)
                for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                    cells = [_cell_text(value) for value in row]
                    table.add_row(cells)
                    for value in row:
                        if isinstance(value, str):
                            scan.feed_metadata(value.encode("utf-8", "replace"), f"{where} row {row_number}")
                _, sheet_findings = table.result()
                findings.extend(replace(f, message=f"sheet {where}: {f.message}") for f in sheet_findings)
        except Exception:  # as above: a malformed sheet must become a finding, not a crash
            findings.append(_review("sdc.unreadable", "a sheet could not be read to the end"))
        finally:
            workbook.close()
    return OutputKind.SPREADSHEET, findings + scan.findings(), []
