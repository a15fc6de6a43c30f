"""Steps that can take seconds report their hashing through a ``progress(done, total)`` callback (issue 18
item 13): validate of a bag, the check, sanitize (when it must verify the bag) and receive."""

from __future__ import annotations

from pathlib import Path

import fivesafes_crate as api

from .conftest import EXAMPLE_REQUEST_DIR, VALIDATOR, FixedClock, request_bag
from .test_sanitizing import _write, forged_request


class Recorder:
    """A progress callback that keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))

    def finished(self) -> bool:
        """Called at least once, never past the total, and ending at it."""
        return bool(self.calls) and all(0 <= d <= t for d, t in self.calls) and self.calls[-1][0] == self.calls[-1][1]


def test_validate_of_a_bag_reports_its_hashing(tmp_path: Path) -> None:
    bag, seen = request_bag(tmp_path, form="zip"), Recorder()
    report = api.validate(bag, progress=seen)
    assert seen.finished() and seen.calls[-1][1] > 0
    assert report == api.validate(bag)  # the same report: the verification is shared, not repeated


def test_validate_of_a_crate_folder_hashes_nothing(tmp_path: Path) -> None:
    seen = Recorder()
    api.validate(EXAMPLE_REQUEST_DIR, progress=seen)
    assert seen.calls == []


def test_validate_all_passes_the_callback_on(tmp_path: Path) -> None:
    seen = Recorder()
    api.validate_all([request_bag(tmp_path, form="zip")], progress=seen)
    assert seen.finished()


def test_the_check_reports_its_hashing(tmp_path: Path) -> None:
    seen = Recorder()
    api.record_check(request_bag(tmp_path), agent=VALIDATOR, clock=FixedClock(), progress=seen)
    assert seen.finished()


def test_sanitize_reports_the_verification_it_needs(tmp_path: Path) -> None:
    forged = request_bag(tmp_path, source=_write(tmp_path / "forged", forged_request()))
    seen = Recorder()
    assert api.sanitize(forged, force=True, clock=FixedClock(), progress=seen).removed  # it claims a publication
    assert seen.finished()
    (tmp_path / "clean").mkdir()
    clean, quiet = request_bag(tmp_path / "clean"), Recorder()
    assert not api.sanitize(clean, clock=FixedClock(), progress=quiet).removed
    assert quiet.calls == []  # nothing to remove: no manifests to protect, nothing hashed


def test_receive_reports_its_hashing(tmp_path: Path) -> None:
    seen = Recorder()
    api.receive(request_bag(tmp_path, form="zip"), progress=seen)
    assert seen.finished()
