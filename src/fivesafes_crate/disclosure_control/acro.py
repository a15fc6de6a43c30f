"""Reading the results of ACRO, the statistical output-checking tool, so that its verdicts can be recorded.

ACRO's ``finalise(folder, "json")`` writes ``results.json`` (one entry per output: status, files, per-check
summaries, comments, the researcher's exception request, a timestamp), the output files and ``checksums/``
(``<file>.txt`` holding each file's SHA-256). Two generations of ``results.json`` exist, told apart by their
keys: ACRO 0.4 names its checks ``threshold``, ``p-ratio``, ``nk-rule``...; ACRO 1.x adds ``tool`` and
per-output ``fair`` blocks and names its checks ``MinimumThresholdCheck``, ``NKCheck``, ``PPercentCheck``...

:func:`read_acro_results` verifies every checksum before it trusts anything, and needs a timezone: ACRO writes
local times without an offset.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import CrateReadError, SuppliedFileError, UsageError
from ..issues import ScreeningOutcome
from ..model.safe_files import hash_stream
from ..model.source import DEFAULT_LIMITS, DirectoryStorage, EntryKind, Limits
from ._files import read_limited

RESULTS_FILE = "results.json"
CHECKSUMS_FOLDER = "checksums"

ACRO_RULES: dict[str, str] = {
    "MinimumThresholdCheck": "sdc.threshold",
    "NKCheck": "sdc.nk",
    "PPercentCheck": "sdc.p-ratio",
    "RequiredZeroCheck": "sdc.zeros",
    "PresenceOfZeroCheck": "sdc.zeros",
    "MinimumDoFCheck": "sdc.dof",
    "threshold": "sdc.threshold",
    "nk-rule": "sdc.nk",
    "p-ratio": "sdc.p-ratio",
    "all-values-are-same": "sdc.full-cells",
}
"""ACRO check names (both generations) and the rule id of ours that checks the same thing."""

_STATUSES = {"pass": ScreeningOutcome.PASS, "fail": ScreeningOutcome.FAIL, "review": ScreeningOutcome.REVIEW}


class AcroResultsError(SuppliedFileError):
    """An ACRO results folder cannot be trusted or read: a checksum is missing or differs, or a file is malformed."""


NOT_CELL_COUNTS = frozenset({"MinimumDoFCheck"})
"""ACRO checks whose number in ``sdc.summary`` is not a count of flagged cells: for a table, ACRO sums the
residual degrees of freedom of its cells (``n - 1`` each), which gives group sizes away. It is never kept."""


@dataclass(frozen=True, slots=True)
class AcroCheck:
    """One ACRO check on one file: ACRO's name, our equivalent rule (if any), how many cells ACRO flagged (None
    for the checks of :data:`NOT_CELL_COUNTS`, whose number is not a count of cells), and its pass/fail status
    when ACRO states one (ACRO 1.x)."""

    name: str
    rule: str | None
    flagged: int | None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class AcroFile:
    """A file of an ACRO output, its verified SHA-256 and ACRO's checks on it."""

    name: str
    sha256: str
    checks: tuple[AcroCheck, ...] = ()


@dataclass(frozen=True, slots=True)
class AcroOutput:
    """ACRO's verdict on one output.

    ``status`` is ACRO's outcome; ``exception`` the researcher's request to release a failing output anyway
    (empty when none); ``timestamp`` is aware (the timezone given to :func:`read_acro_results`). ``release`` is
    False for ACRO's own session summaries (ids ending ``DONT_RELEASE``).
    """

    uid: str
    status: ScreeningOutcome
    type: str
    method: str | None
    files: tuple[AcroFile, ...]
    summary: str
    comments: tuple[str, ...]
    exception: str
    timestamp: datetime
    dof: int | None = None
    release: bool = True


@dataclass(frozen=True, slots=True)
class AcroResults:
    """A verified ACRO results folder: ``generation`` 1 (ACRO 0.x keys) or 2 (ACRO 1.x, with ``tool``),
    ``sha256`` of ``results.json`` and the names of every file whose checksum was verified."""

    version: str
    generation: int
    outputs: tuple[AcroOutput, ...]
    sha256: str
    verified: tuple[str, ...]

    def output(self, uid: str) -> AcroOutput | None:
        """The output with ACRO id ``uid``, or None."""
        return next((o for o in self.outputs if o.uid == uid), None)

    def for_file(self, name: str) -> AcroOutput | None:
        """The output one of whose files is called ``name`` (a bare file name), or None."""
        base = name.rsplit("/", 1)[-1]
        return next((o for o in self.outputs if any(f.name.rsplit("/", 1)[-1] == base for f in o.files)), None)


def parse_timezone(value: tzinfo | str) -> tzinfo:
    """A timezone from a ``tzinfo``, an IANA name (``Europe/London``), ``UTC``/``Z`` or an offset (``+01:00``)."""
    if isinstance(value, tzinfo):
        return value
    text = value.strip()
    if text.upper() in ("UTC", "Z"):
        return UTC
    offset = re.fullmatch(r"([+-])([0-9]{2}):?([0-9]{2})", text)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
        if delta >= timedelta(hours=24):
            raise UsageError(f"timezone offset {value!r} out of range")
        return timezone(sign * delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown timezone {value!r}: give an IANA name (Europe/London) or an offset "
                         "(+01:00)") from None


def read_acro_results(
    folder: str | os.PathLike[str], *, timezone: tzinfo | str, limits: Limits = DEFAULT_LIMITS
) -> AcroResults:
    """Read the results ACRO's ``finalise`` wrote (``results.json``, both format generations) after verifying
    every checksum in ``checksums/``: per-output status, files, checks, comments and exception requests.

    ACRO writes local times without an offset: ``timezone`` (an IANA name such as ``Europe/London``, an offset
    such as ``+01:00``, or a ``tzinfo``) makes them aware. ``results.json`` and every file it lists must have a
    checksum in ``checksums/`` that matches, and every checksum there must match its file; otherwise
    :class:`AcroResultsError` is raised and nothing is returned.
    """
    zone = parse_timezone(timezone)
    root = Path(folder)
    if not root.is_dir() or root.is_symlink():
        raise AcroResultsError("not a folder (give the folder ACRO's finalise wrote)", path=str(root))
    storage = DirectoryStorage(root, limits)
    checksums = _checksums(storage)
    if RESULTS_FILE not in checksums:
        raise AcroResultsError(f"no checksum for {RESULTS_FILE} in {CHECKSUMS_FOLDER}/", path=RESULTS_FILE)
    digests = {name: _verify(storage, name, expected) for name, expected in sorted(checksums.items())}
    document = _parse(_read(storage, RESULTS_FILE, limits.max_metadata_bytes), limits)
    generation = 2 if "tool" in document or _any_fair(document) else 1
    outputs = tuple(_output(uid, entry, digests, zone) for uid, entry in document["results"].items())
    version = document.get("version")
    return AcroResults(version=version if isinstance(version, str) else "", generation=generation,
                       outputs=outputs, sha256=digests[RESULTS_FILE], verified=tuple(sorted(digests)))


def _read(storage: DirectoryStorage, name: str, limit: int) -> bytes:
    try:
        with storage.open(name) as stream:
            return read_limited(stream, limit, name, AcroResultsError)
    except CrateReadError as exc:
        raise AcroResultsError(exc.message, path=name) from exc


def _checksums(storage: DirectoryStorage) -> dict[str, str]:
    """``{file name: expected hex SHA-256}`` from ``checksums/<file>.txt``."""
    folder = storage.lookup(CHECKSUMS_FOLDER)
    if folder is None or folder.kind is not EntryKind.DIRECTORY:
        raise AcroResultsError(f"no {CHECKSUMS_FOLDER}/ folder: the results cannot be verified", path=CHECKSUMS_FOLDER)
    prefix = CHECKSUMS_FOLDER + "/"
    found: dict[str, str] = {}
    for name, entry in storage.entries().items():
        if not name.startswith(prefix) or entry.kind is EntryKind.DIRECTORY or not name.endswith(".txt"):
            continue
        target = name[len(prefix):-4]
        words = _read(storage, name, 4096).decode("ascii", errors="replace").split()
        if not words or not re.fullmatch(r"[0-9a-fA-F]{64}", words[0]):
            raise AcroResultsError("not a SHA-256 checksum", path=name)
        found[target] = words[0].lower()
    return found


def _verify(storage: DirectoryStorage, name: str, expected: str) -> str:
    entry = storage.lookup(name)
    if entry is None or entry.kind is not EntryKind.FILE:
        raise AcroResultsError("has a checksum but is missing or not a regular file", path=name)
    try:
        with storage.open(name) as stream:
            digest = hash_stream(stream, ("sha256",))["sha256"]
    except (CrateReadError, OSError) as exc:
        raise AcroResultsError(f"cannot read: {exc}", path=name) from exc
    if digest != expected:
        raise AcroResultsError("SHA-256 differs from its checksum in checksums/: the results were changed",
                               path=name)
    return expected


def _parse(data: bytes, limits: Limits) -> dict[str, Any]:
    from ..model.crate import parse_metadata  # deferred: start-up (screening alone should start fast)

    try:
        document = parse_metadata(data, path=RESULTS_FILE, limits=limits)
    except CrateReadError as exc:
        raise AcroResultsError(exc.message, path=RESULTS_FILE) from exc
    if not isinstance(document, dict) or not isinstance(document.get("results"), dict):
        raise AcroResultsError("expected an object with a 'results' object (ACRO results.json)", path=RESULTS_FILE)
    return document


def _any_fair(document: Mapping[str, Any]) -> bool:
    return any(isinstance(entry, dict) and "fair" in entry for entry in document["results"].values())


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(entry: Mapping[str, Any], key: str, uid: str, default: str | None = "") -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise AcroResultsError(f"'{key}' must be a string", path=RESULTS_FILE, entity_id=uid)
    return value


def _output(uid: str, entry: Any, digests: Mapping[str, str], zone: tzinfo) -> AcroOutput:
    if not isinstance(entry, dict):
        raise AcroResultsError("an output must be an object", path=RESULTS_FILE, entity_id=uid)
    status = _STATUSES.get(_text(entry, "status", uid, None))
    if status is None:
        raise AcroResultsError("'status' must be pass, fail or review", path=RESULTS_FILE, entity_id=uid)
    comments = entry.get("comments", [])
    if not isinstance(comments, list) or not all(isinstance(c, str) for c in comments):
        raise AcroResultsError("'comments' must be a list of strings", path=RESULTS_FILE, entity_id=uid)
    properties = _mapping(entry.get("properties"))
    statuses = _mapping(_mapping(entry.get("fair")).get("check_status"))
    dof = properties.get("dof")
    method = properties.get("method")
    return AcroOutput(
        uid=uid,
        status=status,
        type=_text(entry, "type", uid),
        method=method if isinstance(method, str) else None,
        files=tuple(_file(item, uid, digests, statuses) for item in entry.get("files", []) or []),
        summary=_text(entry, "summary", uid),
        comments=tuple(comments),
        exception=_text(entry, "exception", uid),
        timestamp=_timestamp(_text(entry, "timestamp", uid, None), zone, uid),
        dof=dof if isinstance(dof, int) and not isinstance(dof, bool) else None,
        release=not uid.endswith("DONT_RELEASE"),
    )


def _file(item: Any, uid: str, digests: Mapping[str, str], statuses: Mapping[str, Any]) -> AcroFile:
    name = item if isinstance(item, str) else item.get("name") if isinstance(item, dict) else None
    if not isinstance(name, str) or not name:
        raise AcroResultsError("a file entry needs a name", path=RESULTS_FILE, entity_id=uid)
    if name not in digests:
        raise AcroResultsError(f"no checksum in {CHECKSUMS_FOLDER}/ for this output file", path=name, entity_id=uid)
    sdc = item.get("sdc") if isinstance(item, dict) else None
    summary = sdc.get("summary") if isinstance(sdc, dict) else None
    checks = []
    for check, count in (summary.items() if isinstance(summary, dict) else []):
        if isinstance(count, bool) or not isinstance(count, int):
            continue
        status = statuses.get(check)
        checks.append(AcroCheck(check, ACRO_RULES.get(check), None if check in NOT_CELL_COUNTS else count,
                                status if isinstance(status, str) else None))
    return AcroFile(name=name, sha256=digests[name], checks=tuple(checks))


def _timestamp(text: str, zone: tzinfo, uid: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise AcroResultsError(f"'timestamp' is not an ISO 8601 time ({exc})", path=RESULTS_FILE,
                               entity_id=uid) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
