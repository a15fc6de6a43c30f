"""The file primitives: no link followed, nothing but regular files read, nothing overwritten, exact modes, digests."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from fivesafes_crate.model.safe_files import (
    CHUNK_SIZE,
    FILE_MODE,
    NotRegularFile,
    create_exclusive,
    hash_file,
    hash_stream,
    open_regular,
    read_chunks,
    write_temporary,
)

SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
SHA256_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SHA512_EMPTY = (
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
)


@pytest.fixture
def umask() -> Iterator[None]:
    """A strict umask, so that a mode that survives it was set explicitly."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


# --- open_regular ------------------------------------------------------------------------------------------


def test_a_regular_file_is_opened_for_blocking_reads(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    with open_regular(path) as stream:
        assert os.get_blocking(stream.fileno())
        assert stream.read() == b"abc"


def test_a_symbolic_link_is_refused_not_followed(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_bytes(b"secret")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    with pytest.raises(OSError) as caught:
        open_regular(tmp_path / "link.txt")
    assert caught.value.errno in (errno.ELOOP, errno.EMLINK)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile) as caught:
        open_regular(fifo)
    assert caught.value.path == str(fifo)


@pytest.mark.parametrize("path", [Path("/dev/null"), Path("/")], ids=["device", "folder"])
def test_devices_and_folders_are_refused(path: Path) -> None:
    with pytest.raises(NotRegularFile):
        open_regular(path)


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "missing.txt")


# --- create_exclusive and write_temporary ------------------------------------------------------------------


def test_a_new_file_gets_exactly_its_mode_whatever_the_umask(tmp_path: Path, umask: None) -> None:
    with create_exclusive(tmp_path / "a.txt") as stream:
        stream.write(b"a")
    with create_exclusive(tmp_path / "key.pem", 0o600) as stream:
        stream.write(b"k")
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == FILE_MODE == 0o644
    assert stat.S_IMODE((tmp_path / "key.pem").stat().st_mode) == 0o600
    assert (tmp_path / "a.txt").read_bytes() == b"a"


def test_an_existing_file_is_refused_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        create_exclusive(path)
    assert path.read_bytes() == b"old"


def test_a_link_is_never_written_through(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(tmp_path / "target")  # dangling: creating through it would make target
    with pytest.raises(FileExistsError):
        create_exclusive(tmp_path / "link")
    assert not (tmp_path / "target").exists()


def test_a_temporary_sibling_is_hidden_synced_and_has_its_mode(tmp_path: Path, umask: None) -> None:
    temporary = write_temporary(tmp_path / "crate.json", b"{}")
    assert temporary.parent == tmp_path and temporary.name.startswith(".crate.json.")
    assert temporary.read_bytes() == b"{}"
    assert stat.S_IMODE(temporary.stat().st_mode) == FILE_MODE
    assert stat.S_IMODE(write_temporary(tmp_path / "key.pem", b"k", 0o600).stat().st_mode) == 0o600
    assert not (tmp_path / "crate.json").exists()


def test_an_unsynced_temporary_sibling_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(handle: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        write_temporary(tmp_path / "a.txt", b"x")
    assert list(tmp_path.iterdir()) == []


# --- hashing -----------------------------------------------------------------------------------------------


def test_the_hash_of_a_known_file(tmp_path: Path) -> None:
    (tmp_path / "abc.txt").write_bytes(b"abc")
    assert hash_file(tmp_path / "abc.txt") == SHA256_ABC


def test_the_hash_of_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    assert hash_file(tmp_path / "empty") == SHA256_EMPTY
    assert hash_file(tmp_path / "empty", "sha512") == SHA512_EMPTY


def test_hashing_a_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "abc.txt").write_bytes(b"abc")
    (tmp_path / "link").symlink_to(tmp_path / "abc.txt")
    with pytest.raises(OSError):
        hash_file(tmp_path / "link")


def test_every_algorithm_of_a_multi_chunk_stream_in_one_read() -> None:
    data = os.urandom(2 * CHUNK_SIZE + 5)
    chunks: list[int] = []
    digests = hash_stream(io.BytesIO(data), ("sha256", "md5", "sha512"), on_chunk=lambda c: chunks.append(len(c)))
    assert digests == {name: hashlib.new(name, data).hexdigest() for name in ("sha256", "md5", "sha512")}
    assert chunks == [CHUNK_SIZE, CHUNK_SIZE, 5]


def test_chunks_fill_the_given_buffers_and_stop_at_the_limit() -> None:
    buffer = memoryview(bytearray(4))
    read = [bytes(chunk) for chunk in read_chunks(io.BytesIO(b"abcdefghij"), lambda: buffer, limit=7)]
    assert read == [b"abcd", b"efg"]
