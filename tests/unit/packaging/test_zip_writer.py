"""The ZIPs written here are synced: in the background while they grow, and with their folder after the rename."""

from __future__ import annotations

import errno
import os
import threading
from datetime import date
from pathlib import Path

import pytest

from fivesafes_crate.packaging import package, zip_writer


def test_background_syncs_while_writing_change_no_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crate = tmp_path / "crate"
    crate.mkdir()
    (crate / "ro-crate-metadata.json").write_bytes(b'{"@context": "https://w3id.org/ro/crate/1.2/context", '
                                                   b'"@graph": []}\n')
    for index in range(5):
        (crate / f"part{index}.bin").write_bytes(os.urandom(300_000))
    kwargs = {"external_identifier": "urn:uuid:11111111-2222-4333-8444-555555555555", "bagging_date": date(2024, 1, 1)}
    (tmp_path / "plain").mkdir()
    (tmp_path / "synced").mkdir()
    plain = package(crate, tmp_path / "plain" / "bag.zip", **kwargs).read_bytes()
    calls: list[int] = []
    monkeypatch.setattr(zip_writer, "SYNC_EVERY", 100_000)  # sync during this small pack
    monkeypatch.setattr(zip_writer.os, "fdatasync", lambda fd: calls.append(fd))
    synced = package(crate, tmp_path / "synced" / "bag.zip", **kwargs).read_bytes()
    assert calls  # how many depends on how fast the helper thread syncs: the schedule is pinned below
    assert synced == plain


def test_a_sync_starts_every_sync_every_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(zip_writer, "SYNC_EVERY", 1000)
    monkeypatch.setattr(zip_writer.os, "fdatasync", calls.append)
    with (tmp_path / "zip").open("w+b") as stream:
        with zip_writer.BackgroundSync(stream) as syncing:
            for _ in range(10):
                assert syncing.write(b"x" * 600) == 600
                syncing.wait()  # the sync in flight is done before the next write
        assert calls == [stream.fileno()] * 5  # after 1200, 2400... bytes: every second write
    assert (tmp_path / "zip").read_bytes() == b"x" * 6000


def test_a_sync_in_flight_is_never_doubled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    release = threading.Event()

    def slow(handle: int) -> None:
        release.wait()
        calls.append(handle)

    monkeypatch.setattr(zip_writer, "SYNC_EVERY", 1000)
    monkeypatch.setattr(zip_writer.os, "fdatasync", slow)
    with (tmp_path / "zip").open("w+b") as stream, zip_writer.BackgroundSync(stream) as syncing:
        for _ in range(5):
            syncing.write(b"x" * 1000)  # each crosses the threshold while the first sync still runs
        release.set()
        syncing.wait()
        assert calls == [stream.fileno()]


def test_an_error_of_a_background_sync_surfaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(handle: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(zip_writer, "SYNC_EVERY", 1000)
    monkeypatch.setattr(zip_writer.os, "fdatasync", failing)
    with (
        (tmp_path / "zip").open("w+b") as stream,
        pytest.raises(OSError, match="Input/output"),
        zip_writer.BackgroundSync(stream) as syncing,
    ):
        syncing.write(b"x" * 1000)  # the failed sync is raised on leaving, so the ZIP is never renamed


def test_a_packed_zip_and_its_rename_are_synced(crate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ZIP's bytes are synced before the rename, and its folder after it (so the new name is durable)."""
    synced: list[str] = []
    real_fsync = os.fsync

    def watched(handle: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{handle}"))
        real_fsync(handle)

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name the synced files")
    monkeypatch.setattr(os, "fsync", watched)
    target = package(crate, tmp_path / "request.bagit.zip")
    temporary = [name for name in synced if Path(name).name.startswith(".request.bagit.zip.")]
    assert temporary and synced.index(temporary[-1]) < synced.index(str(tmp_path))
    assert synced[-1] == str(tmp_path) and target.is_file()
