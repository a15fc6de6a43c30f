"""Every writer of the library, given a place it cannot write: a StorageError naming the output, nothing left.

Issue 18 item 6: a read-only folder (or one without permission) gave a bare ``OSError`` about a hidden ``.tmp``
file. Each case below names the folder that refuses writes, the output the error must name and the call; the
folder is made unwritable by :func:`~unit._storage.refuse_writes` (which works as root too), either at the first
write (``create``: the temporary sibling) or only at the final move into place (``rename``: the temporary copy
is complete and must be removed).
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

import fivesafes_crate as fs
from fivesafes_crate.errors import FiveSafesError, StorageError
from fivesafes_crate.model.source import METADATA_FILE
from unit._storage import listing, refuse_writes
from unit.phases.conftest import (
    EXAMPLE_REQUEST_DIR,
    OUTPUT_CHECKER,
    POLICY,
    REVIEWER,
    TRE,
    VALIDATOR,
    FixedClock,
    executed_crate,
    output_files,
    request_bag,
    reviewed_crate,
    running_crate,
    workflow_crate,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = datetime(2024, 3, 14, 16, 0, tzinfo=UTC)
ACRO = Path(__file__).resolve().parents[1] / "data" / "acro-sample-1.0.2" / "standalone"
ACRO_AGENT = fs.Agent("https://safehaven.example.org/#acro", "ACRO", fs.AgentKind.SOFTWARE, TRE)
SCREENER = fs.Agent("https://safehaven.example.org/#screening", "Screening", fs.AgentKind.SOFTWARE, TRE)


@dataclass(frozen=True)
class Case:
    """What a writer is given: the folder that refuses writes, the output the error names, and the call."""

    refused: Path
    target: Path
    call: Callable[[], object]


Setup = Callable[[Path], Case]


def _new(tmp_path: Path) -> Case:
    (tmp_path / "ro").mkdir()
    spec = fs.load_request_spec(EXAMPLES / "request-spec" / "request.yaml")
    return Case(tmp_path / "ro", tmp_path / "ro" / "new", lambda: fs.create_request(spec, tmp_path / "ro" / "new"))


def _pack(folder: bool) -> Setup:
    def setup(tmp_path: Path) -> Case:
        (tmp_path / "ro").mkdir()
        target = tmp_path / "ro" / ("request.bagit" if folder else "request.bagit.zip")
        return Case(tmp_path / "ro", target, lambda: fs.package(EXAMPLE_REQUEST_DIR, target, folder=folder))
    return setup


def _unpack(tmp_path: Path) -> Case:
    (tmp_path / "ro").mkdir()
    archive = request_bag(tmp_path, form="zip")
    return Case(tmp_path / "ro", tmp_path / "ro" / "bag", lambda: fs.unpack(archive, tmp_path / "ro" / "bag"))


def _sign(form: str) -> Setup:
    def setup(tmp_path: Path) -> Case:
        (tmp_path / "ro").mkdir()
        bag = request_bag(tmp_path / "ro", form=form)
        signer = fs.generate_key()
        refused = bag if form == "bag" else bag.parent  # a bag folder gets a new signatures/ inside it
        return Case(refused, bag, lambda: fs.sign(bag, signer, role="requester",
                                                  principal="https://orcid.org/0000-0002-1825-0097", now=NOW))
    return setup


def _keygen(tmp_path: Path) -> Case:
    (tmp_path / "ro").mkdir()
    target = tmp_path / "ro" / "alice.pem"
    return Case(tmp_path / "ro", target, lambda: fs.create_key_pair(target, passphrase="correct horse"))


def _preview(tmp_path: Path) -> Case:
    (tmp_path / "ro").mkdir()
    target = tmp_path / "ro" / "request.html"
    return Case(tmp_path / "ro", target, lambda: fs.write_preview(EXAMPLE_REQUEST_DIR, target))


def _export(tmp_path: Path) -> Case:
    (tmp_path / "ro").mkdir()
    return Case(tmp_path / "ro", tmp_path / "ro", lambda: fs.export_profile(tmp_path / "ro", profile="0.4"))


def _save(tmp_path: Path) -> Case:
    folder = shutil.copytree(EXAMPLE_REQUEST_DIR, tmp_path / "ro")
    crate = fs.open_crate(folder)
    return Case(folder, folder / METADATA_FILE, lambda: fs.save_crate(crate))


Run = Callable[[Path, Path], Callable[[], object]]
"""Given the crate and a scratch folder outside the refused one, prepare what a step needs; return the call."""


def _step(make: Callable[..., Path], run: Run, *, form: str = "zip") -> Setup:
    """A lifecycle step on a crate made by ``make(folder, form=form)`` in the refused folder ``ro/``."""
    def setup(tmp_path: Path) -> Case:
        (tmp_path / "ro").mkdir()
        target = make(tmp_path / "ro", form=form)
        scratch = tmp_path / "given"
        scratch.mkdir()
        return Case(tmp_path / "ro", target, run(target, scratch))
    return setup


def _retrieve(target: Path, scratch: Path) -> Callable[[], object]:
    workflow = workflow_crate(scratch)
    return lambda: fs.record_retrieval(target, workflow, agent=VALIDATOR)


def _add(target: Path, scratch: Path) -> Callable[[], object]:
    table, _figures = output_files(scratch)
    return lambda: fs.add_results(target, [fs.OutputFile(table)], clock=FixedClock())


def _plain(step: Callable[[Path], object]) -> Run:
    return lambda target, _scratch: lambda: step(target)


STEPS: dict[str, Setup] = {
    "sanitize": _step(request_bag, _plain(lambda t: fs.sanitize(t, clock=FixedClock()))),
    "check": _step(request_bag, _plain(lambda t: fs.record_check(t, agent=VALIDATOR, clock=FixedClock()))),
    "check (bag folder)": _step(request_bag, _plain(lambda t: fs.record_check(t, agent=VALIDATOR,
                                                                              clock=FixedClock())), form="bag"),
    "validate": _step(request_bag, _plain(lambda t: fs.record_validation(t, agent=VALIDATOR, clock=FixedClock()))),
    "retrieve": _step(request_bag, _retrieve),
    "signoff": _step(reviewed_crate, _plain(lambda t: fs.record_signoff(t, agent=REVIEWER, approved=True,
                                                                        policy=POLICY, clock=FixedClock()))),
    "run start": _step(reviewed_crate, _plain(lambda t: fs.start_run(t, clock=FixedClock()))),
    "run fail": _step(running_crate, _plain(lambda t: fs.fail_run(t, reason="out of memory", clock=FixedClock()))),
    "run finish": _step(running_crate, _plain(lambda t: fs.finish_run(t, clock=FixedClock()))),
    "result add": _step(running_crate, _add),
    "disclosure record": _step(executed_crate, _plain(lambda t: fs.record_disclosure(
        t, fs.DisclosureDecision.IN_REVIEW, agent=OUTPUT_CHECKER, clock=FixedClock()))),
    "disclosure check --write": _step(executed_crate, _plain(lambda t: fs.record_screening(
        t, agent=SCREENER, clock=FixedClock()))),
    "disclosure import-acro": _step(executed_crate, _plain(lambda t: fs.import_acro(
        t, ACRO, timezone="UTC", agent=ACRO_AGENT, clock=FixedClock()))),
    "publish": _step(executed_crate, _plain(lambda t: fs.publish(
        t, publisher=TRE, license=fs.License("https://spdx.org/licenses/CC-BY-4.0"), agent=TRE,
        clock=FixedClock()))),
}
WRITERS: dict[str, Setup] = {
    "new": _new,
    "pack": _pack(folder=False),
    "pack --bag-dir": _pack(folder=True),
    "unpack": _unpack,
    "sign (ZIP)": _sign("zip"),
    "sign (bag folder)": _sign("bag"),
    "keygen": _keygen,
    "preview": _preview,
    "export-profile": _export,
    "save_crate": _save,
    **STEPS,
}
MOVED_INTO_PLACE = ["new", "pack", "pack --bag-dir", "unpack", "sign (ZIP)", "sign (bag folder)", "keygen", "preview",
                    "export-profile", "save_crate", "check", "check (bag folder)", "run start"]
"""Writers whose output is complete before the last move: that move fails too, and the copy is removed."""


def _refused(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, at: str, code: int) -> StorageError:
    before = listing(tmp_path)
    refuse_writes(monkeypatch, case.refused, at=at, code=code)  # type: ignore[arg-type]
    with pytest.raises(StorageError) as caught:
        case.call()
    monkeypatch.undo()
    assert listing(tmp_path) == before, "a temporary file or a partial output was left behind, or the input changed"
    return caught.value


@pytest.mark.parametrize("name", list(WRITERS))
def test_a_read_only_folder_is_a_storage_error_naming_the_output(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = WRITERS[name](tmp_path)
    error = _refused(case, tmp_path, monkeypatch, "create", errno.EROFS)
    assert (error.path, error.errno, error.reason) == (str(case.target), errno.EROFS, "read-only file system")
    assert str(error) == f"{case.target}: cannot write here (read-only file system)"
    assert ".tmp" not in str(error)


@pytest.mark.parametrize("name", MOVED_INTO_PLACE)
def test_a_refused_move_into_place_leaves_nothing_behind(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = WRITERS[name](tmp_path)
    error = _refused(case, tmp_path, monkeypatch, "rename", errno.EACCES)
    assert str(error) == f"{case.target}: cannot write here (permission denied)"
    assert error.errno == errno.EACCES


def test_a_storage_error_is_a_fivesafes_error_and_no_os_error() -> None:
    assert issubclass(StorageError, FiveSafesError) and not issubclass(StorageError, OSError)
