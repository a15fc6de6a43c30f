"""SARIF 2.1.0 for code scanning: one log with one run, one result per issue of every crate validated.

Each check id is a rule (its description, spec section and requirement level); MUST, SHOULD and MAY become
the levels ``error``, ``warning`` and ``note``. A result is placed on the metadata file at the line of its
entity's ``"@id"``, or at its own line and column when it has one (a JSON syntax error), or on the
crate-relative or bag-relative file a file or BagIt check names, or on the ZIP a crate was read from; it names
the entity ``@id`` as its logical location. An input that could not be validated at all (a
:class:`~fivesafes_crate.issues.ReportSet`'s failures) is a tool execution notification of level ``error``
on that input, and the invocation is not successful. Artifact URIs are relative
references built from each path as given, so that a command run at the root of a repository gives URIs that
GitHub code scanning places in that repository. ``partialFingerprints`` hash what identifies an issue, never a
line number, so an alert survives unrelated edits.

Placing results reads each input again, through :func:`~fivesafes_crate.model.source.open_source` like every
read, to learn where its metadata and files lie.
"""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import FiveSafesError
from ..issues import InputFailure, Issue, Report, ReportSet, Severity
from ..model.source import METADATA_FILE, CrateSource, SourceKind, open_source

if TYPE_CHECKING:
    from ..validation.registry import CheckInfo

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_NAME = "fivesafes-crate"
INFORMATION_URI = "https://pypi.org/project/fivesafes-crate/"
SOURCE_ROOT = "%SRCROOT%"
"""The ``uriBaseId`` of every relative artifact URI: the folder the command ran in (a repository's root in CI)."""
FINGERPRINT = "fivesafesIssue/v1"
"""The ``partialFingerprints`` key; its version changes only if what the hash covers changes."""
LEVELS: dict[Severity, str] = {Severity.MUST: "error", Severity.SHOULD: "warning", Severity.MAY: "note"}

_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]:,]')


def entity_lines(text: str) -> dict[str, int]:
    """The 1-based line of each top-level ``@graph`` entity's ``"@id"`` in a metadata document.

    A tolerant scan, not a parser: references (``{"@id": ...}`` values) and nested objects are skipped, and
    on malformed JSON the lines found before the scan lost its way are returned.
    """
    newlines = [match.start() for match in re.finditer("\n", text)]
    found: dict[str, int] = {}
    stack: list[tuple[str, str | None]] = []  # each open "{" or "[" with the member name it is the value of
    key: str | None = None
    expecting_key = False
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("{", "["):
            stack.append((token, key))
            key, expecting_key = None, token == "{"
        elif token in ("}", "]"):
            if stack:
                stack.pop()
            key, expecting_key = None, False
        elif token == ",":
            key, expecting_key = None, bool(stack) and stack[-1][0] == "{"
        elif token == ":":
            expecting_key = False
        elif expecting_key:
            key, expecting_key = _string(token), False
        elif key == "@id" and len(stack) == 3 and stack[0][0] == "{" and stack[1] == ("[", "@graph"):
            found.setdefault(_string(token), bisect_right(newlines, match.start()) + 1)
    return found


def _string(token: str) -> str:
    """A quoted JSON string token's value (its raw text when an escape is invalid)."""
    try:
        return str(json.loads(token))
    except ValueError:
        return token[1:-1]


def _uri(path: Path) -> str:
    """A path as a URI: a relative reference for a relative path, a ``file:`` URI for an absolute one."""
    if path.is_absolute():
        return path.as_uri()
    text = path.as_posix()
    return "" if text == "." else quote(text, safe="/")


def _folder_uri(path: Path) -> str:
    """The URI prefix of names inside a folder (empty for the current folder)."""
    uri = _uri(path)
    return uri.rstrip("/") + "/" if uri else ""


@dataclass(frozen=True, slots=True)
class Spot:
    """A place in an artifact: its URI, a 1-based line and, when known, a column."""

    uri: str
    line: int = 1
    column: int | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one validated crate's files lie, as URIs relative to the folder the command ran in.

    ``archive`` is the ZIP a crate was read from (every result is placed on it); ``crate_root`` and
    ``bag_root`` prefix crate-relative and bag-relative names; ``lines`` maps entity ``@id``s to the line of
    their ``"@id"`` in the metadata file.
    """

    metadata: str
    crate_root: str
    bag_root: str | None = None
    archive: str | None = None
    lines: Mapping[str, int] = field(default_factory=dict)

    def artifact(self, issue: Issue, bag_relative: bool) -> Spot:
        """Where an issue lies: the metadata file unless the issue names another, at the issue's own line and
        column when it has them, else at its entity's line."""
        if self.archive is not None:
            return Spot(self.archive)
        if issue.file is None or (issue.file == METADATA_FILE and not bag_relative):
            uri = self.metadata
        elif bag_relative and self.bag_root is not None:
            uri = self.bag_root + quote(issue.file, safe="/")
        else:
            uri = self.crate_root + quote(issue.file, safe="/")
        if issue.line is not None:
            return Spot(uri, issue.line, issue.column)
        if uri == self.metadata and issue.focus is not None:
            return Spot(uri, self.lines.get(issue.focus, 1))
        return Spot(uri)


def locate(target: str) -> Placement:
    """Open ``target`` (any input form) to learn where its metadata file, crate root and bag root lie.

    Raises :class:`~fivesafes_crate.errors.CrateReadError` when it can no longer be opened.
    """
    given = Path(target)
    with open_source(given) as source:
        if source.is_zip:
            uri = _uri(given)
            return Placement(metadata=uri, crate_root=uri, archive=uri)
        folder = _folder_uri(source.path)
        crate_root = folder + source.crate_prefix
        metadata = _uri(given) if source.kind is SourceKind.METADATA_FILE else crate_root + METADATA_FILE
        bag_root = None if source.bag_prefix is None else folder + source.bag_prefix
        return Placement(metadata=metadata, crate_root=crate_root, bag_root=bag_root, lines=_metadata_lines(source))


def _metadata_lines(source: CrateSource) -> dict[str, int]:
    try:
        data = source.read_metadata()
    except FiveSafesError:  # missing, unreadable or too large: already an issue of its own; results go to line 1
        return {}
    return entity_lines(data.decode("utf-8", errors="replace"))


def _artifact_location(uri: str) -> dict[str, Any]:
    location: dict[str, Any] = {"uri": uri}
    if not uri.startswith("file:"):  # relative references only: an absolute path was given as a file: URI
        location["uriBaseId"] = SOURCE_ROOT
    return location


def _physical(spot: Spot) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": spot.line}
    if spot.column is not None:
        region["startColumn"] = spot.column
    return {"artifactLocation": _artifact_location(spot.uri), "region": region}


def fingerprint(target: str, issue: Issue) -> str:
    """A stable hash of what identifies an issue: the crate path, check, entity, property, file and message."""
    parts = (Path(target).as_posix(), issue.check, issue.focus or "", issue.path or "", issue.file or "",
             issue.message)
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def _result(target: str, issue: Issue, rule_index: int, place: Placement, bag_relative: bool) -> dict[str, Any]:
    spot = place.artifact(issue, bag_relative)
    location: dict[str, Any] = {"physicalLocation": _physical(spot)}
    result: dict[str, Any] = {
        "ruleId": issue.check,
        "ruleIndex": rule_index,
        "level": LEVELS[issue.severity],
        "message": {"text": issue.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: fingerprint(target, issue)},
        "properties": {"crate": target, "severity": issue.severity.label, "focus": issue.focus, "path": issue.path,
                       "file": issue.file},
    }
    if issue.focus is not None:
        location["logicalLocations"] = [{"name": issue.focus, "kind": "object"}]
        if spot.uri != place.metadata:
            result["relatedLocations"] = [{
                "id": 1,
                "message": {"text": f"where {issue.focus} is described"},
                "physicalLocation": _physical(Spot(place.metadata, place.lines.get(issue.focus, 1))),
            }]
    return result


def _rule(info: CheckInfo, spec_url: str) -> dict[str, Any]:
    anchor = info.anchor
    url = anchor if "://" in anchor else spec_url + anchor
    keyword = info.severity.name
    return {
        "id": info.id,
        "shortDescription": {"text": info.description},
        "help": {
            "text": f"{info.description}\n\n{keyword}, section \"{info.section}\" ({url}); applies from the "
                    f"{info.stage.value} stage on.",
            "markdown": f"{info.description}\n\n**{keyword}**, section [{info.section}]({url}); applies from the "
                        f"`{info.stage.value}` stage on.",
        },
        "helpUri": url,
        "defaultConfiguration": {"level": LEVELS[info.severity]},
        "properties": {
            "severity": info.severity.label,
            "stage": info.stage.value,
            "section": info.section,
            "kind": info.kind,
            "profiles": list(info.profiles),
            "tags": ["five-safes-ro-crate", info.severity.label],
        },
    }


def _extra_rule(check_id: str, issues: list[Issue]) -> dict[str, Any]:
    """A rule for an id outside the catalogue (a TRE's own check), at its most severe issue's level."""
    return {
        "id": check_id,
        "shortDescription": {"text": f"{check_id} (a check outside the fivesafes-crate catalogue)"},
        "defaultConfiguration": {"level": LEVELS[max(issue.severity for issue in issues)]},
    }


def _notification(failure: InputFailure) -> dict[str, Any]:
    """A tool execution notification: the input named could not be validated at all."""
    return {
        "level": "error",
        "message": {"text": failure.message},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact_location(_uri(Path(failure.target)))}}],
        "exception": {"kind": failure.error, "message": failure.message},
        "properties": {"crate": failure.target},
    }


def sarif_log(reports: Mapping[str, Report]) -> dict[str, Any]:
    """The SARIF log of several crates' reports, keyed by the path each crate was validated from.

    Results are the issues at or above each report's threshold, in the order of ``reports``. When ``reports``
    is a :class:`~fivesafes_crate.issues.ReportSet`, each input without a report is a tool execution
    notification and the invocation is not successful.
    """
    # Deferred: start-up cost. The CLI imports the presenters, and the check catalogue loads
    # the validation stack (``fivesafes --help`` stays fast).
    from ..profiles import DEFAULT_PROFILE, get_profile
    from ..validation.engine import catalogue
    from ..validation.registry import PYTHON_CHECKS

    failures = reports.failures if isinstance(reports, ReportSet) else ()
    checks = catalogue()
    bag_checks = {check.info.id for check in PYTHON_CHECKS.values() if check.scope == "bag"}
    profiles = {get_profile(report.profile) for report in reports.values() if report.profile is not None}
    spec_url = profiles.pop().spec_url if len(profiles) == 1 else DEFAULT_PROFILE.spec_url
    extras: dict[str, list[Issue]] = {}
    for report in reports.values():
        for issue in report.at_threshold():
            if issue.check not in checks:
                extras.setdefault(issue.check, []).append(issue)
    rules = [_rule(info, spec_url) for info in checks.values()]
    rules += [_extra_rule(check_id, issues) for check_id, issues in sorted(extras.items())]
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    results = []
    for target, report in reports.items():
        place = locate(target)
        results += [_result(target, issue, index[issue.check], place, issue.check in bag_checks)
                    for issue in report.at_threshold()]
    from importlib.metadata import version  # deferred: start-up (only SARIF output pays for the metadata lookup)

    tool_version = version(TOOL_NAME)
    crates = [{"path": target, "profile": report.profile, "declared": list(report.declared),
               "stage": report.stage_label, "phase": report.stage_label,
               "severity": report.threshold.label, "valid": report.valid} for target, report in reports.items()]
    invocation: dict[str, Any] = {"executionSuccessful": not failures, "properties": {"crates": crates}}
    if failures:
        invocation["toolExecutionNotifications"] = [_notification(failure) for failure in failures]
    run = {
        "tool": {"driver": {"name": TOOL_NAME, "version": tool_version, "informationUri": INFORMATION_URI,
                            "rules": rules}},
        "invocations": [invocation],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(reports: Mapping[str, Report]) -> str:
    """The SARIF log of several crates' reports as one JSON document (indented, UTF-8 characters kept)."""
    return json.dumps(sarif_log(reports), indent=2, ensure_ascii=False)
