"""The ZIPs written here are synced: in the background while they grow, and with their folder after the rename."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from fivesafes_crate.packaging import pack, zip_writer


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
    plain = pack(crate, tmp_path / "plain" / "bag.zip", **kwargs).read_bytes()
    calls: list[int] = []
    monkeypatch.setattr(zip_writer, "SYNC_EVERY", 100_000)  # sync many times during this small pack
    monkeypatch.setattr(zip_writer.os, "fdatasync", lambda fd: calls.append(fd))
    synced = pack(crate, tmp_path / "synced" / "bag.zip", **kwargs).read_bytes()
    assert len(calls) >= 5
    assert synced == plain


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
    target = pack(crate, tmp_path / "request.bagit.zip")
    temporary = [name for name in synced if Path(name).name.startswith(".request.bagit.zip.")]
    assert temporary and synced.index(temporary[-1]) < synced.index(str(tmp_path))
    assert synced[-1] == str(tmp_path) and target.is_file()
