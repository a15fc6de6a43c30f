"""Hostile and broken input: every case ends in a clear issue or a one-line error, quickly, in bounded memory.

Each case builds its input under ``tmp_path`` and is run three ways:

- the library, ``validate(path)``, under an audit hook that records every file opened or listed, every write
  and every socket operation (nothing may be read outside the input and the installed package, nothing may be
  written, no socket may be created), with a time bound and, where memory matters, a ``tracemalloc`` bound;
- the CLI in-process through ``typer.testing.CliRunner`` (stdout and stderr are captured separately);
- the CLI as a real process (the ``fivesafes`` console script next to ``sys.executable``), with a
  ``sitecustomize`` audit hook that logs socket use and reads of forbidden paths to a file.

Expected outcomes: a report holding a given check id (CLI exit 1, JSON report on stdout), or a
:class:`~fivesafes_crate.errors.FiveSafesError` (CLI exit 2, empty stdout, exactly one line on stderr). No case may
end in a traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fivesafes_crate.errors import FiveSafesError
from fivesafes_crate.issues import Report, Severity
from fivesafes_crate.validation.engine import validate

REPO = Path(__file__).resolve().parents[2]
PACKAGE = Path(__import__("fivesafes_crate").__file__).resolve().parent
CONTEXT = "https://w3id.org/ro/crate/1.2/context"
METADATA = "ro-crate-metadata.json"
PASSWD = Path("/etc/passwd")
PRIVATE_CONTEXTS = ("http://10.0.0.1/context.jsonld", "http://169.254.169.254/latest")


# --------------------------------------------------------------------------------------------------------------
# A small valid crate (the profile's example request) to corrupt.


def request_graph() -> list[dict[str, Any]]:
    project = "#project-be6ffb55-4f5a-4c14-b60e-47e0951090c70"
    workflow = "https://workflowhub.eu/workflows/289?version=1"
    return [
        {
            "@id": METADATA,
            "@type": "CreativeWork",
            "about": {"@id": "./"},
            "conformsTo": {"@id": "https://w3id.org/ro/crate/1.2"},
        },
        {
            "@id": "./",
            "@type": "Dataset",
            "name": "Bad input regression crate",
            "description": "A correct request that each regression test breaks in one way",
            "conformsTo": {"@id": "https://w3id.org/5s-crate/0.4"},
            "hasPart": [{"@id": workflow}, {"@id": "input1.txt"}],
            "mainEntity": {"@id": workflow},
            "mentions": {"@id": "#query-1"},
            "sourceOrganization": {"@id": project},
        },
        {
            "@id": "https://w3id.org/5s-crate/0.4",
            "@type": ["CreativeWork", "Profile"],
            "name": "Five Safes RO-Crate profile",
        },
        {
            "@id": workflow,
            "@type": "Dataset",
            "name": "CWL Protein MD Setup tutorial with mutations",
            "conformsTo": {"@id": "https://w3id.org/workflowhub/workflow-ro-crate/1.0"},
            "distribution": {"@id": "https://workflowhub.eu/workflows/289/ro_crate?version=1"},
        },
        {
            "@id": "https://workflowhub.eu/workflows/289/ro_crate?version=1",
            "@type": "DataDownload",
            "name": "Workflow RO-Crate download",
            "conformsTo": {"@id": "https://w3id.org/ro/crate"},
            "encodingFormat": "application/zip",
        },
        {
            "@id": "#query-1",
            "@type": "CreateAction",
            "actionStatus": "http://schema.org/PotentialActionStatus",
            "agent": {"@id": "https://orcid.org/0000-0001-9842-9718"},
            "instrument": {"@id": workflow},
            "name": "Execute query 12389 on workflow",
            "object": [{"@id": "input1.txt"}],
        },
        {
            "@id": "https://orcid.org/0000-0001-9842-9718",
            "@type": "Person",
            "name": "Stian Soiland-Reyes",
            "affiliation": {"@id": "https://ror.org/027m9bs27"},
            "memberOf": [{"@id": project}],
        },
        {"@id": "https://ror.org/027m9bs27", "@type": "Organization", "name": "The University of Manchester"},
        {
            "@id": project,
            "@type": "Project",
            "name": "Investigation of cancer (TRE72 project 81)",
            "member": [{"@id": "https://ror.org/027m9bs27"}],
        },
        {"@id": "input1.txt", "@type": "File", "name": "input1", "exampleOfWork": {"@id": "#sequence"}},
        {"@id": "#sequence", "@type": "FormalParameter", "name": "input-sequence"},
    ]


def request_document(**extra: Any) -> dict[str, Any]:
    return {"@context": CONTEXT, "@graph": request_graph(), **extra}


def write_crate(folder: Path, metadata: bytes | str | dict[str, Any] | None = None) -> Path:
    """A crate folder with ``input1.txt`` and the given metadata (default: the valid request)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "input1.txt").write_bytes(b"MKTAYIAKQRQISFVKSHFSRQ\n")
    if metadata is None:
        metadata = request_document()
    if isinstance(metadata, dict):
        metadata = json.dumps(metadata, indent=2)
    if isinstance(metadata, str):
        metadata = metadata.encode()
    (folder / METADATA).write_bytes(metadata)
    return folder


def regular(name: str, compress_type: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    """A ZIP member typed as a Unix regular file (``ZipFile.writestr(name, ...)`` leaves the type bits at 0)."""
    info = zipfile.ZipInfo(name, date_time=(2023, 4, 29, 12, 0, 0))
    info.create_system = 3
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.compress_type = compress_type
    return info


def crate_zip(target: Path, members: dict[str, bytes], *, metadata: dict[str, Any] | None = None) -> Path:
    """A ZIP with a crate at its root: the valid request metadata, input1.txt and extra members."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(regular(METADATA), json.dumps(metadata or request_document()))
        archive.writestr(regular("input1.txt"), b"MKTAYIAKQRQISFVKSHFSRQ\n")
        for name, data in members.items():
            archive.writestr(regular(name), data)
    return target


def sha512(data: bytes) -> str:
    import hashlib

    return hashlib.sha512(data).hexdigest()


# --------------------------------------------------------------------------------------------------------------
# Watching what the library does: files opened and listed, writes, sockets (audit hook), time, memory.


@dataclass
class Watch:
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    network: list[str] = field(default_factory=list)


_WATCH: Watch | None = None
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _audit(event: str, args: tuple[Any, ...]) -> None:
    watch = _WATCH
    if watch is None:
        return
    if event.startswith("socket.") or event in ("urllib.Request", "http.client.connect"):
        watch.network.append(f"{event} {args!r}"[:200])
    elif event == "open":
        path, mode, flags = [*args, None, None, None][:3]
        if isinstance(path, int) or path is None:
            return
        name = os.fsdecode(path)
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        (watch.writes if writing else watch.reads).append(name)
    elif event in ("os.listdir", "os.scandir") and args and not isinstance(args[0], int):
        watch.reads.append(os.fsdecode(args[0]) if args[0] is not None else ".")


sys.addaudithook(_audit)


@contextlib.contextmanager
def watching() -> Iterator[Watch]:
    global _WATCH
    watch = Watch()
    _WATCH = watch
    try:
        yield watch
    finally:
        _WATCH = None


def _inside(path: str, roots: list[Path]) -> bool:
    """True when ``path`` lies inside a root both as written and once symbolic links are resolved."""

    def under(candidate: Path) -> bool:
        return any(candidate == root or root in candidate.parents for root in roots)

    return under(Path(os.path.abspath(path))) and under(Path(os.path.realpath(path)))


def allowed_roots(*inputs: Path) -> list[Path]:
    """Where the library may read: the input, the interpreter and its packages, this package and its shapes."""
    roots = [Path(os.path.realpath(p)) for p in inputs]
    roots += [Path(sys.prefix), Path(sys.base_prefix), PACKAGE, REPO / "shapes", REPO / "src"]
    return [Path(os.path.realpath(root)) for root in roots] + [Path(sys.prefix).absolute()]


@dataclass
class Outcome:
    report: Report | None
    error: FiveSafesError | None
    seconds: float
    peak_mib: float | None
    watch: Watch


def run_library(path: Path, *, roots: list[Path] | None = None, memory: bool = False, **kwargs: Any) -> Outcome:
    """Validate under watch; any exception other than FiveSafesError fails the test (it would be a traceback)."""
    report = error = None
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    with watching() as watch:
        try:
            report = validate(path, **kwargs)
        except FiveSafesError as exc:
            error = exc
    seconds = time.perf_counter() - start
    peak = None
    if memory:
        peak = tracemalloc.get_traced_memory()[1] / 1024**2
        tracemalloc.stop()
    assert not watch.network, f"socket activity: {watch.network}"
    assert not [w for w in watch.writes if "__pycache__" not in w], f"files written: {watch.writes}"
    outside = [r for r in watch.reads if not _inside(r, roots or allowed_roots(path))]
    assert not outside, f"read outside the input: {outside}"
    if error is not None:
        text = str(error)
        assert text and "\n" not in text, f"error message is not one line: {text!r}"
    return Outcome(report, error, seconds, peak, watch)


def issues_of(report: Report, check: str) -> list[Any]:
    return [i for i in report.issues if i.check == check or (check.endswith(".") and i.check.startswith(check))]


def report_text(report: Report) -> str:
    return "\n".join(f"{i.check} {i.focus} {i.path} {i.file} {i.message}" for i in report.issues)


# --------------------------------------------------------------------------------------------------------------
# Running the CLI: in-process (CliRunner) and as a real process (console script) with an audit log.


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    audit: list[str]


def cli_in_process(args: list[str]) -> CliResult:
    from typer.testing import CliRunner

    from fivesafes_crate.cli import app

    with watching() as watch:
        result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"CLI raised {result.exception!r}") from result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr, watch.network)


SITECUSTOMIZE = textwrap.dedent(
    """
    import os, sys
    _log = os.environ.get("FIVESAFES_AUDIT_LOG")
    _forbidden = [p for p in os.environ.get("FIVESAFES_FORBIDDEN", "").split(os.pathsep) if p]
    _busy = [False]

    def _hook(event, args):
        if not _log or _busy[0]:
            return
        hit = None
        if event.startswith("socket."):
            hit = event
        elif event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            name = os.fsdecode(args[0])
            for candidate in (os.path.abspath(name), os.path.realpath(name)):
                if any(candidate == f or candidate.startswith(f.rstrip("/") + "/") for f in _forbidden):
                    hit = "open " + candidate
        if hit:
            _busy[0] = True
            try:
                with open(_log, "a") as stream:
                    stream.write(hit + "\\n")
            finally:
                _busy[0] = False
            if event.startswith("socket.") and event not in ("socket.__new__", "socket.bind"):
                raise RuntimeError("network use blocked by the test harness")

    sys.addaudithook(_hook)
    """
)


def cli_command() -> list[str]:
    script = Path(sys.executable).parent / "fivesafes"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "fivesafes_crate"]


def cli_process(args: list[str], tmp_path: Path, forbidden: list[Path] = ()) -> CliResult:  # type: ignore[assignment]
    hooks = tmp_path / "_hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = hooks / "audit.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(hooks), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "FIVESAFES_AUDIT_LOG": str(log),
        "FIVESAFES_FORBIDDEN": os.pathsep.join(str(p) for p in forbidden),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [*cli_command(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    audit = log.read_text().splitlines() if log.exists() else []
    return CliResult(done.returncode, done.stdout, done.stderr, audit)


RUNNERS = ["cli-runner", "subprocess"]


def run_cli(how: str, path: Path, tmp_path: Path, *extra: str, forbidden: list[Path] = ()) -> CliResult:  # type: ignore[assignment]
    args = ["validate", str(path), "--format", "json", *extra]
    result = cli_in_process(args) if how == "cli-runner" else cli_process(args, tmp_path, list(forbidden))
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr[-3000:]
    # Creating a socket at import (urllib3 probes IPv6 with a bound AF_INET6 socket) is its own test below;
    # here any actual network use (connect, DNS, send) or forbidden read fails the case.
    activity = [a for a in result.audit if a not in ("socket.__new__", "socket.bind")]
    assert not activity, f"forbidden activity in the CLI process: {activity}"
    return result


def assert_cli_error(result: CliResult) -> None:
    """Exit 2, nothing on stdout, exactly one line on stderr."""
    assert result.exit_code == 2, (result.exit_code, result.stdout[:500], result.stderr[:500])
    assert result.stdout == ""
    lines = result.stderr.strip("\n").splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"stderr is not one line: {result.stderr!r}"


def assert_cli_issue(result: CliResult, check: str) -> dict[str, Any]:
    """Exit 1 and a JSON report on stdout that holds ``check`` (a prefix when it ends with a dot)."""
    assert result.exit_code == 1, (result.exit_code, result.stdout[:500], result.stderr[:500])
    document = json.loads(result.stdout)
    assert document["valid"] is False
    found = [
        i for i in document["issues"] if i["check"] == check or (check.endswith(".") and i["check"].startswith(check))
    ]
    assert found, f"no {check} issue in {[i['check'] for i in document['issues']]}"
    return document


def assert_cli_issue_or_error(result: CliResult, check: str) -> None:
    if result.exit_code == 2:
        assert_cli_error(result)
    else:
        assert_cli_issue(result, check)


# --------------------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module", autouse=True)
def _warm_up(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Validate one good crate first so lazy imports (pyshacl, shapes) are not counted against a case."""
    validate(write_crate(tmp_path_factory.mktemp("warm") / "crate"))


@pytest.fixture
def secret_passwd() -> str:
    """A line of /etc/passwd that must never appear in any output."""
    if not PASSWD.is_file():
        pytest.skip("/etc/passwd not present")
    first = PASSWD.read_text().splitlines()[0]
    assert first
    return first


def test_baseline_crate_is_valid(tmp_path: Path) -> None:
    """The crate the other cases corrupt is valid, so each issue below comes from the corruption."""
    outcome = run_library(write_crate(tmp_path / "crate"))
    assert outcome.report is not None and outcome.report.valid, report_text(outcome.report)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------------------
# Malformed JSON


MALFORMED = '{\n  "@context": "https://w3id.org/ro/crate/1.2/context",\n  "@graph": [ {"@id": "./",, } ]\n}\n'


def test_malformed_json_is_an_issue_with_line_and_column(tmp_path: Path) -> None:
    outcome = run_library(write_crate(tmp_path / "crate", MALFORMED))
    assert outcome.report is not None and not outcome.report.valid
    (issue,) = issues_of(outcome.report, "json.syntax")
    assert issue.severity is Severity.MUST
    assert issue.line == 3 and issue.column is not None, issue  # the place is data, not part of the message


@pytest.mark.parametrize("how", RUNNERS)
def test_malformed_json_cli(how: str, tmp_path: Path) -> None:
    document = assert_cli_issue(run_cli(how, write_crate(tmp_path / "crate", MALFORMED), tmp_path), "json.syntax")
    (issue,) = [i for i in document["issues"] if i["check"] == "json.syntax"]
    assert issue["line"] == 3 and isinstance(issue["column"], int)


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param(b'{"@context": "\xe9t\xe9", "@graph": []}', id="latin-1"),
        pytest.param(b"", id="empty"),
        pytest.param(b'\xef\xbb\xbf{"@graph": [', id="bom-truncated"),
        pytest.param(b'{"@graph": []} trailing', id="trailing-garbage"),
        pytest.param(b'{"@graph": [], "@graph": [1]} {', id="two-documents"),
    ],
)
def test_not_json_is_a_syntax_issue(metadata: bytes, tmp_path: Path) -> None:
    outcome = run_library(write_crate(tmp_path / "crate", metadata))
    assert outcome.report is not None
    assert issues_of(outcome.report, "json.syntax"), report_text(outcome.report)


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param(f'{{"@context": "{CONTEXT}", "@graph": [], "n": NaN}}', id="NaN"),
        pytest.param(f'{{"@context": "{CONTEXT}", "@graph": [], "n": -Infinity}}', id="Infinity"),
    ],
)
def test_non_json_constants_are_a_syntax_issue(metadata: str, tmp_path: Path) -> None:
    """NaN and Infinity are not JSON (RFC 8259 §6); Python's json module accepts them unless told not to."""
    outcome = run_library(write_crate(tmp_path / "crate", metadata))
    assert outcome.report is not None
    assert issues_of(outcome.report, "json.syntax"), report_text(outcome.report)


def test_huge_integer_literal_is_an_issue_not_a_traceback(tmp_path: Path) -> None:
    """A 5,000-digit number trips Python's int max-str-digits guard (ValueError, not JSONDecodeError)."""
    document = json.dumps(request_document()).replace('"@graph"', '"n": ' + "9" * 5000 + ', "@graph"', 1)
    outcome = run_library(write_crate(tmp_path / "crate", document))
    assert outcome.seconds < 2
    assert outcome.report is not None
    assert issues_of(outcome.report, "json.syntax") or issues_of(outcome.report, "json.limits"), report_text(
        outcome.report
    )


@pytest.mark.parametrize("how", RUNNERS)
def test_huge_integer_literal_cli(how: str, tmp_path: Path) -> None:
    document = f'{{"@context": "{CONTEXT}", "@graph": [], "n": {"9" * 5000}}}'
    result = run_cli(how, write_crate(tmp_path / "crate", document), tmp_path)
    assert result.exit_code in (1, 2)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param([], id="array"),
        pytest.param("crate", id="string"),
        pytest.param(None, id="null"),
        pytest.param(42, id="number"),
        pytest.param(
            {"@context": CONTEXT, "@graph": [1, "x", None, [], {"@id": 5}, {"@id": ["a"]}, {"@type": 7}]},
            id="junk-graph",
        ),
        pytest.param({"@context": CONTEXT, "@graph": {"@id": "./"}}, id="graph-object"),
        pytest.param({"@context": 5, "@graph": []}, id="context-number"),
        pytest.param({"@context": {"@version": 1.0}, "@graph": []}, id="context-bad-version"),
    ],
)
def test_wrong_shapes_of_json_are_issues(document: Any, tmp_path: Path) -> None:
    outcome = run_library(write_crate(tmp_path / "crate", json.dumps(document)))
    assert outcome.report is not None and not outcome.report.valid


@pytest.mark.parametrize(
    "bad_id",
    ["http://[::1", "http://[zz]/x", "https://exa mple.org/\u0000", "C:\\windows\\x", "\u202eevil", "%2e%2e/%2e%2e/x"],
)
def test_odd_ids_never_raise(bad_id: str, tmp_path: Path) -> None:
    """``@id``s that urllib or rdflib reject (an unclosed IPv6 literal raises ValueError in urlsplit)."""
    document = request_document()
    document["@graph"][1]["hasPart"].append({"@id": bad_id})
    document["@graph"].append({"@id": bad_id, "@type": "File", "name": "odd"})
    outcome = run_library(write_crate(tmp_path / "crate", document))
    assert outcome.report is not None


# --------------------------------------------------------------------------------------------------------------
# Deep nesting


def _deep_array(depth: int) -> str:
    return f'{{"@context": "{CONTEXT}", "@graph": {"[" * depth}{"]" * depth}}}'


def _deep_object(depth: int) -> str:
    opening = '{"a": ' * depth
    return f'{{"@context": "{CONTEXT}", "@graph": [], "x": {opening}1{"}" * depth}}}'


@pytest.mark.parametrize("build", [_deep_array, _deep_object], ids=["arrays", "objects"])
@pytest.mark.parametrize("depth", [10_000, 200_000])
def test_deep_nesting_is_refused_quickly(build: Callable[[int], str], depth: int, tmp_path: Path) -> None:
    outcome = run_library(write_crate(tmp_path / "crate", build(depth)), memory=True)
    assert outcome.seconds < 2, outcome.seconds
    assert outcome.peak_mib is not None and outcome.peak_mib < 256
    if outcome.report is not None:
        assert issues_of(outcome.report, "json.limits"), report_text(outcome.report)


@pytest.mark.parametrize("how", RUNNERS)
def test_deep_nesting_cli(how: str, tmp_path: Path) -> None:
    start = time.perf_counter()
    result = run_cli(how, write_crate(tmp_path / "crate", _deep_array(10_000)), tmp_path)
    assert time.perf_counter() - start < 10
    assert_cli_issue_or_error(result, "json.limits")


def test_nesting_just_under_the_limit_is_interpreted_without_error(tmp_path: Path) -> None:
    """Depth 120 passes the JSON guard; JSON-LD expansion and the RDF writer must cope (issues allowed)."""
    document = request_document()
    value: Any = "leaf"
    for _ in range(115):
        value = {"@type": "Thing", "name": value}
    document["@graph"][1]["about"] = value
    outcome = run_library(write_crate(tmp_path / "crate", document))
    assert outcome.seconds < 30
    assert outcome.report is not None and not outcome.report.valid


# --------------------------------------------------------------------------------------------------------------
# A 2 GiB metadata file (sparse: no real disk used)


def _sparse_metadata(folder: Path, name: str = METADATA) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("wb") as stream:
        stream.write(b"{")
        stream.truncate(2 * 1024**3)
    return path


@pytest.mark.parametrize("given", ["folder", "metadata-file"])
def test_huge_metadata_file_is_refused_by_size(given: str, tmp_path: Path) -> None:
    path = _sparse_metadata(tmp_path / "crate")
    target = path.parent if given == "folder" else path
    outcome = run_library(target, roots=allowed_roots(path.parent), memory=True)
    assert outcome.seconds < 2, f"took {outcome.seconds:.2f} s: the file is read instead of refused by size"
    assert outcome.peak_mib is not None and outcome.peak_mib < 200, f"peak {outcome.peak_mib:.0f} MiB"
    if outcome.report is not None:
        (issue,) = issues_of(outcome.report, "json.limits")
        assert issue.severity is Severity.MUST


@pytest.mark.parametrize("how", RUNNERS)
def test_huge_metadata_file_cli(how: str, tmp_path: Path) -> None:
    path = _sparse_metadata(tmp_path / "crate")
    start = time.perf_counter()
    result = run_cli(how, path.parent, tmp_path)
    assert time.perf_counter() - start < 10
    assert_cli_issue_or_error(result, "json.limits")


# --------------------------------------------------------------------------------------------------------------
# ZIP bombs and ZIPs declaring huge sizes


def _zeros_member(
    archive: zipfile.ZipFile, name: str, megabytes: int, prefix: bytes = b"", fill: bytes = b"\0"
) -> None:
    info = regular(name)
    block = fill * (1024 * 1024)
    with archive.open(info, "w", force_zip64=True) as stream:
        stream.write(prefix)
        for _ in range(megabytes):
            stream.write(block)


@pytest.fixture(scope="module")
def bomb_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crate ZIP whose data member ``outputs/zeros.bin`` is 100 MiB of zeros (about 100 KiB compressed)."""
    document = request_document()
    document["@graph"][1]["hasPart"].append({"@id": "outputs/zeros.bin"})
    document["@graph"].append({"@id": "outputs/zeros.bin", "@type": "File", "name": "zeros"})
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(regular(METADATA), json.dumps(document))
        archive.writestr(regular("input1.txt"), b"MKTAYIAKQRQISFVKSHFSRQ\n")
        _zeros_member(archive, "outputs/zeros.bin", 100)
    assert path.stat().st_size < 1024 * 1024
    return path


@pytest.fixture(scope="module")
def metadata_bomb_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crate ZIP whose ``ro-crate-metadata.json`` is a 100 MiB JSON document of spaces."""
    path = tmp_path_factory.mktemp("bomb") / "metadata-bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        _zeros_member(archive, METADATA, 100, prefix=b'{"@graph": []', fill=b" ")
    return path


def test_zip_bomb_member_is_refused_unread(bomb_zip: Path) -> None:
    outcome = run_library(bomb_zip, memory=True)
    assert outcome.seconds < 10, outcome.seconds
    assert outcome.peak_mib is not None and outcome.peak_mib < 64, f"peak {outcome.peak_mib:.0f} MiB"
    assert outcome.report is not None and not outcome.report.valid
    issues = issues_of(outcome.report, "zip.limits")
    assert issues and any("zeros.bin" in i.message or i.file == "outputs/zeros.bin" for i in issues), report_text(
        outcome.report
    )


def test_zip_bomb_metadata_is_refused_unread(metadata_bomb_zip: Path) -> None:
    outcome = run_library(metadata_bomb_zip, memory=True)
    assert outcome.seconds < 10, outcome.seconds
    assert outcome.peak_mib is not None and outcome.peak_mib < 100, f"peak {outcome.peak_mib:.0f} MiB"
    if outcome.report is not None:
        assert issues_of(outcome.report, "zip.limits") or issues_of(outcome.report, "json.limits"), report_text(
            outcome.report
        )


@pytest.mark.parametrize("how", RUNNERS)
def test_zip_bomb_cli(how: str, bomb_zip: Path, tmp_path: Path) -> None:
    assert_cli_issue(run_cli(how, bomb_zip, tmp_path), "zip.limits")


def _declare_sizes(path: Path, names: set[str], size: int) -> None:
    """Rewrite the declared uncompressed size of ``names`` in the local and central headers (no ZIP64)."""
    data = bytearray(path.read_bytes())
    for signature, size_offset, name_len_offset, header_len in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = 0
        while (start := data.find(signature, start)) != -1:
            (name_len,) = struct.unpack_from("<H", data, start + name_len_offset)
            name = bytes(data[start + header_len : start + header_len + name_len]).decode()
            if name in names:
                struct.pack_into("<I", data, start + size_offset, size)
            start += 4
    path.write_bytes(bytes(data))


def test_zip_declaring_huge_total_is_refused(tmp_path: Path) -> None:
    """20 members that each declare 4 GiB (80 GiB in all, above the 64 GiB default) but hold a few bytes."""
    members = {f"outputs/part-{i}.bin": b"x" * 10 for i in range(20)}
    path = tmp_path / "huge.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(regular(METADATA, zipfile.ZIP_STORED), json.dumps(request_document()))
        archive.writestr(regular("input1.txt", zipfile.ZIP_STORED), b"MKTAYIAKQRQISFVKSHFSRQ\n")
        for name, data in members.items():
            archive.writestr(regular(name, zipfile.ZIP_STORED), data)
    _declare_sizes(path, set(members), 0xFFFF_FFF0)
    assert sum(i.file_size for i in zipfile.ZipFile(path).infolist()) > 64 * 1024**3
    outcome = run_library(path, memory=True)
    assert outcome.seconds < 5
    assert outcome.peak_mib is not None and outcome.peak_mib < 64
    if outcome.report is not None:
        assert issues_of(outcome.report, "zip.limits"), report_text(outcome.report)


@pytest.mark.parametrize("how", RUNNERS)
def test_zip_declaring_huge_total_cli(how: str, tmp_path: Path) -> None:
    path = tmp_path / "huge.zip"
    names = {f"p{i}" for i in range(20)}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(regular(METADATA, zipfile.ZIP_STORED), json.dumps(request_document()))
        for name in names:
            archive.writestr(regular(name, zipfile.ZIP_STORED), b"x")
    _declare_sizes(path, names, 0xFFFF_FFF0)
    assert_cli_issue_or_error(run_cli(how, path, tmp_path), "zip.limits")


def _plain_bag_zip(tmp_path: Path, attr: Callable[[zipfile.ZipInfo], None] | None) -> Path:
    bag = _bag(tmp_path, [])
    path = tmp_path / "plain.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(bag.rglob("*")):
            if file.is_file():
                name = f"bag/{file.relative_to(bag).as_posix()}"
                if attr is None:
                    archive.writestr(name, file.read_bytes())  # external_attr 0o600 << 16: no file-type bits
                else:
                    info = zipfile.ZipInfo(name)
                    attr(info)
                    archive.writestr(info, file.read_bytes())
    return path


def _msdos(info: zipfile.ZipInfo) -> None:
    info.create_system = 0  # MS-DOS/Windows tools: the high 16 bits of external_attr carry no Unix mode
    info.external_attr = 0x20  # FILE_ATTRIBUTE_ARCHIVE


@pytest.mark.parametrize("attr", [None, _msdos], ids=["python-writestr", "ms-dos"])
def test_zip_members_without_unix_file_type_are_regular_files(
    attr: Callable[[zipfile.ZipInfo], None] | None, tmp_path: Path
) -> None:
    """``ZipFile.writestr(name, data)`` and Windows zippers write no S_IFREG bits; such members are plain files."""
    path = _plain_bag_zip(tmp_path, attr)
    outcome = run_library(path)
    assert outcome.report is not None
    assert outcome.report.valid, report_text(outcome.report)


def test_zip_with_too_many_entries_is_refused(tmp_path: Path) -> None:
    from fivesafes_crate.model.source import Limits

    path = crate_zip(tmp_path / "many.zip", {f"outputs/{i}.txt": b"" for i in range(50)})
    outcome = run_library(path, limits=Limits(max_entries=20))
    assert outcome.error is not None or issues_of(outcome.report, "zip.limits")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"PK\x03\x04" + b"\0" * 100, id="truncated"),
        pytest.param(b"PK\x05\x06" + b"\xff" * 18, id="eocd-only"),
        pytest.param(b"", id="empty-zip-name"),
    ],
)
def test_broken_zip_is_a_one_line_error(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(data)
    outcome = run_library(path)
    assert outcome.error is not None or (outcome.report is not None and not outcome.report.valid)


@pytest.mark.parametrize("how", RUNNERS)
def test_broken_zip_cli(how: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    assert_cli_error(run_cli(how, path, tmp_path))


# --------------------------------------------------------------------------------------------------------------
# ZIP entry names that escape


ESCAPING_NAMES = ["../evil.txt", "/abs/evil.txt", "outputs/../../evil2.txt", "..\\evil3.txt", "C:/evil4.txt"]


def _escaping_zip(tmp_path: Path) -> Path:
    path = crate_zip(tmp_path / "escape.zip", {name: b"EVIL CONTENT\n" for name in ESCAPING_NAMES})
    assert {i.filename for i in zipfile.ZipFile(path).infolist()} >= set(ESCAPING_NAMES)
    return path


def _no_evil_written(*folders: Path) -> None:
    for folder in folders:
        if folder.is_dir():
            assert not list(folder.rglob("evil*")), f"a file was extracted under {folder}"
    assert not Path("/abs").exists()


def test_zip_entry_names_that_escape_are_refused(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    path = _escaping_zip(work)
    with contextlib.chdir(work):
        outcome = run_library(path)
    assert outcome.report is not None and not outcome.report.valid
    issues = issues_of(outcome.report, "zip.entry-name")
    text = report_text(outcome.report)
    for name in ESCAPING_NAMES:
        assert any(name in i.message or repr(name) in i.message for i in issues), f"{name!r} not reported:\n{text}"
    _no_evil_written(tmp_path, Path.cwd())


@pytest.mark.parametrize("how", RUNNERS)
def test_zip_entry_names_that_escape_cli(how: str, tmp_path: Path) -> None:
    path = _escaping_zip(tmp_path)
    assert_cli_issue(run_cli(how, path, tmp_path), "zip.entry-name")
    _no_evil_written(tmp_path, Path.cwd())


# --------------------------------------------------------------------------------------------------------------
# Symbolic links


def _symlink_zip(tmp_path: Path) -> Path:
    document = request_document()
    document["@graph"][1]["hasPart"].append({"@id": "outputs/link.csv"})
    document["@graph"].append({"@id": "outputs/link.csv", "@type": "File", "name": "a link"})
    path = tmp_path / "symlink.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(regular(METADATA), json.dumps(document))
        archive.writestr(regular("input1.txt"), b"MKTAYIAKQRQISFVKSHFSRQ\n")
        info = zipfile.ZipInfo("outputs/link.csv")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, str(PASSWD))
    return path


def _symlink_folder(tmp_path: Path) -> Path:
    crate = write_crate(tmp_path / "crate")
    (crate / "outputs").mkdir()
    (crate / "outputs" / "passwd.csv").symlink_to(PASSWD)
    (crate / "linked").symlink_to(PASSWD.parent, target_is_directory=True)
    document = request_document()
    document["@graph"][1]["hasPart"] += [{"@id": "outputs/passwd.csv"}, {"@id": "linked/passwd"}]
    document["@graph"] += [
        {"@id": "outputs/passwd.csv", "@type": "File", "name": "a link to /etc/passwd"},
        {"@id": "linked/passwd", "@type": "File", "name": "a file in a linked folder"},
    ]
    (crate / METADATA).write_text(json.dumps(document))
    return crate


def test_zip_symlink_member_is_an_issue(tmp_path: Path, secret_passwd: str) -> None:
    outcome = run_library(_symlink_zip(tmp_path))
    assert outcome.report is not None and not outcome.report.valid
    text = report_text(outcome.report)
    assert "outputs/link.csv" in text, text
    assert secret_passwd not in text and "root:" not in text


def test_symlinks_in_a_crate_folder_are_issues_and_never_followed(tmp_path: Path, secret_passwd: str) -> None:
    crate = _symlink_folder(tmp_path)
    outcome = run_library(crate, roots=allowed_roots(crate))
    assert str(PASSWD) not in outcome.watch.reads and str(PASSWD.parent) not in outcome.watch.reads
    assert outcome.report is not None and not outcome.report.valid
    text = report_text(outcome.report)
    assert "outputs/passwd.csv" in text and "linked/passwd" in text, text
    assert secret_passwd not in text and "root:" not in text


def test_metadata_file_that_is_a_symlink_is_never_read(tmp_path: Path, secret_passwd: str) -> None:
    crate = tmp_path / "crate"
    crate.mkdir()
    (crate / METADATA).symlink_to(PASSWD)
    outcome = run_library(crate, roots=allowed_roots(crate))
    assert str(PASSWD) not in outcome.watch.reads
    text = str(outcome.error) if outcome.error else report_text(outcome.report)  # type: ignore[arg-type]
    assert secret_passwd not in text and "root:" not in text


def test_input_path_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    crate = write_crate(tmp_path / "crate")
    (tmp_path / "link").symlink_to(crate, target_is_directory=True)
    outcome = run_library(tmp_path / "link", roots=allowed_roots(tmp_path))
    assert outcome.error is not None


@pytest.mark.parametrize("how", RUNNERS)
@pytest.mark.parametrize("form", ["zip", "folder"])
def test_symlinks_cli(how: str, form: str, tmp_path: Path, secret_passwd: str) -> None:
    path = _symlink_zip(tmp_path) if form == "zip" else _symlink_folder(tmp_path)
    result = run_cli(how, path, tmp_path, forbidden=[PASSWD])
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    assert secret_passwd not in result.stdout + result.stderr
    assert "root:" not in result.stdout + result.stderr


# --------------------------------------------------------------------------------------------------------------
# BagIt manifests naming files outside the bag


def _bag(tmp_path: Path, extra_manifest: list[str], fetch: str | None = None) -> Path:
    bag = tmp_path / "bag"
    write_crate(bag / "data")
    outside = tmp_path / "outside.txt"
    outside.write_text("OUTSIDE SECRET\n")
    lines = []
    for path in sorted((bag / "data").rglob("*")):
        if path.is_file():
            lines.append(f"{sha512(path.read_bytes())}  {path.relative_to(bag).as_posix()}\n")
    lines += [f"{sha512(b'OUTSIDE SECRET' + chr(10).encode())}  {name}\n" for name in extra_manifest]
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "manifest-sha512.txt").write_text("".join(lines))
    (bag / "bag-info.txt").write_text("External-Identifier: urn:uuid:4f1c3d4e-62b5-4d3c-9a57-2b6e0f1d8c11\n")
    if fetch is not None:
        (bag / "fetch.txt").write_text(fetch)
    tags = [n for n in ("bagit.txt", "bag-info.txt", "manifest-sha512.txt", "fetch.txt") if (bag / n).exists()]
    (bag / "tagmanifest-sha512.txt").write_text(
        "".join(f"{sha512((bag / n).read_bytes())}  {n}\n" for n in tags)
        + "".join(f"{sha512(b'OUTSIDE SECRET' + chr(10).encode())}  {name}\n" for name in extra_manifest)
    )
    return bag


def _zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return target


ESCAPING_MANIFEST = ["../outside.txt", "data/../../outside.txt", "/etc/passwd"]


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_bag_manifest_naming_files_outside_is_an_issue(form: str, tmp_path: Path) -> None:
    bag = _bag(tmp_path, ESCAPING_MANIFEST)
    path = bag if form == "folder" else _zip_folder(bag, tmp_path / "bag.zip")
    outcome = run_library(path, roots=allowed_roots(bag if form == "folder" else path))
    assert outcome.report is not None and not outcome.report.valid
    assert issues_of(outcome.report, "bagit."), report_text(outcome.report)
    assert str(tmp_path / "outside.txt") not in outcome.watch.reads
    assert "OUTSIDE SECRET" not in report_text(outcome.report)


@pytest.mark.parametrize("how", RUNNERS)
def test_bag_manifest_naming_files_outside_cli(how: str, tmp_path: Path) -> None:
    bag = _bag(tmp_path, ESCAPING_MANIFEST)
    result = run_cli(how, bag, tmp_path, forbidden=[tmp_path / "outside.txt", PASSWD])
    assert_cli_issue(result, "bagit.")


@pytest.mark.parametrize("how", ["library", *RUNNERS])
def test_bag_fetch_file_pointing_at_private_addresses_is_never_fetched(how: str, tmp_path: Path) -> None:
    fetch = "".join(f"{url} 100 data/fetched-{i}.txt\n" for i, url in enumerate(PRIVATE_CONTEXTS))
    fetch += "file:///etc/passwd - data/passwd.txt\n"
    bag = _bag(tmp_path, [], fetch=fetch)
    if how == "library":
        outcome = run_library(bag)
        assert outcome.report is not None or outcome.error is not None
    else:
        result = run_cli(how, bag, tmp_path, forbidden=[PASSWD])
        assert result.exit_code in (0, 1, 2)


# --------------------------------------------------------------------------------------------------------------
# Remote and local JSON-LD contexts


@contextlib.contextmanager
def recorded_connects() -> Iterator[list[Any]]:
    """Record (and refuse) any connect attempt, whatever pytest-socket does."""
    attempts: list[Any] = []
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("connect blocked by the test")

    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield attempts
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


def _with_context(context: Any) -> dict[str, Any]:
    document = request_document()
    document["@context"] = context
    return document


CONTEXT_FORMS: dict[str, Callable[[str], Any]] = {
    "string": lambda url: url,
    "array": lambda url: [CONTEXT, url],
    "scoped": lambda url: [CONTEXT, {"myProp": {"@id": "https://example.org/terms#myProp", "@context": url}}],
    "import": lambda url: [CONTEXT, {"@import": url}],
}


@pytest.mark.parametrize("url", PRIVATE_CONTEXTS)
@pytest.mark.parametrize("form", list(CONTEXT_FORMS))
def test_remote_context_is_never_fetched(url: str, form: str, tmp_path: Path) -> None:
    document = _with_context(CONTEXT_FORMS[form](url))
    if form == "scoped":
        document["@graph"][1]["myProp"] = {"@id": "#thing"}
        document["@graph"].append({"@id": "#thing", "@type": "Thing", "name": "thing"})
    crate = write_crate(tmp_path / "crate", document)
    with recorded_connects() as attempts:
        outcome = run_library(crate)
    assert attempts == []
    assert outcome.report is not None and not outcome.report.valid
    issues = issues_of(outcome.report, "jsonld.context-offline")
    assert issues and all(i.severity is Severity.MUST for i in issues)
    assert any(url in i.message for i in issues), report_text(outcome.report)


def test_file_context_is_never_read(tmp_path: Path, secret_passwd: str) -> None:
    crate = write_crate(tmp_path / "crate", _with_context([CONTEXT, "file:///etc/passwd"]))
    outcome = run_library(crate)
    assert str(PASSWD) not in outcome.watch.reads
    assert outcome.report is not None
    assert issues_of(outcome.report, "jsonld.context-offline"), report_text(outcome.report)
    assert secret_passwd not in report_text(outcome.report)


@pytest.mark.parametrize("how", RUNNERS)
@pytest.mark.parametrize("url", PRIVATE_CONTEXTS)
def test_remote_context_cli(how: str, url: str, tmp_path: Path) -> None:
    crate = write_crate(tmp_path / "crate", _with_context(url))
    with recorded_connects() as attempts:
        result = run_cli(how, crate, tmp_path)
    assert attempts == []
    document = assert_cli_issue(result, "jsonld.context-offline")
    assert any(url in i["message"] for i in document["issues"] if i["check"] == "jsonld.context-offline")


def test_context_array_with_a_local_term_uses_the_term(tmp_path: Path) -> None:
    """A bundled URL plus a local definition works offline, and the local term is interpreted (not dropped)."""
    from fivesafes_crate.model.crate import Crate, parse_metadata
    from fivesafes_crate.model.graph import build_graph

    term = "https://example.org/terms#myProp"
    document = _with_context([CONTEXT, {"myProp": term}])
    document["@graph"][1]["myProp"] = "a local value"
    baseline = run_library(write_crate(tmp_path / "baseline"))
    outcome = run_library(write_crate(tmp_path / "crate", document))
    assert outcome.report is not None and baseline.report is not None
    assert not issues_of(outcome.report, "jsonld.context-offline")
    assert not [i for i in outcome.report.issues if "myProp" in i.message or i.path == "myProp"], report_text(
        outcome.report
    )
    assert outcome.report.issues == baseline.report.issues
    graph = build_graph(Crate(parse_metadata(json.dumps(document).encode())))
    assert any(str(p) == term for p in graph.graph.predicates()), "the local term was dropped"
    assert graph.term(next(p for p in graph.graph.predicates() if str(p) == term)) == "myProp"


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_no_socket_is_possible_here() -> None:
    """The suite runs with sockets disabled; this guards against that switch being dropped."""
    from pytest_socket import SocketBlockedError

    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_cli_process_creates_no_socket_at_all(tmp_path: Path) -> None:
    """Not even at import: pyld builds a requests loader on import, and urllib3 binds an AF_INET6 socket."""
    result = cli_process(["validate", str(write_crate(tmp_path / "crate")), "--format", "json"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.audit == [], f"socket use in the CLI process: {result.audit}"


def test_cli_entry_point_exists() -> None:
    command = cli_command()
    assert Path(command[0]).exists(), command
