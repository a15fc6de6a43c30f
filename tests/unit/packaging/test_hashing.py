"""Hashing bags: the copier's lanes and ring of chunks, and verifying with any number of threads."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from pathlib import Path

import pytest

from fivesafes_crate.model.safe_files import CHUNK_SIZE
from fivesafes_crate.model.source import Entry, EntryKind, open_source
from fivesafes_crate.packaging import PayloadCopier, hashing, verify_bag
from unit.packaging._bags import make_bag, must, zip_folder


@pytest.mark.parametrize("lanes", [1, 3])
def test_copier_copies_and_hashes_multi_chunk_files_exactly(lanes: int) -> None:
    data = os.urandom(CHUNK_SIZE * (hashing.RING_SIZE * lanes + 2) + 123)
    seen: list[tuple[int, int]] = []
    out = io.BytesIO()
    with PayloadCopier(progress=lambda done, total: seen.append((done, total)), total=len(data) + 3,
                       lanes=lanes) as copier:
        first, size = copier.copy(io.BytesIO(data), out.write)
        second, small = copier.copy(io.BytesIO(b"abc"), out.write)
        empty, none = copier.copy(io.BytesIO(b""), out.write)
    assert out.getvalue() == data + b"abc"
    assert (size, small, none) == (len(data), 3, 0)
    assert first.result() == hashlib.sha512(data).hexdigest()
    assert second.result() == hashlib.sha512(b"abc").hexdigest()
    assert empty.result() == hashlib.sha512(b"").hexdigest()
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (len(data) + 3, len(data) + 3)


def test_copier_spreads_files_over_lanes_and_keeps_each_files_chunks_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many multi-chunk files of varied sizes through three lanes: every digest is of its own file's bytes."""
    threads: set[str] = set()

    class Watched:
        def __init__(self, algorithm: str) -> None:
            self._hash = hashlib.new(algorithm)

        def update(self, chunk: memoryview) -> None:
            threads.add(threading.current_thread().name)
            time.sleep(0.001)  # a slow hasher, so that later files find the first lanes busy
            self._hash.update(chunk)

        def hexdigest(self) -> str:
            return self._hash.hexdigest()

    monkeypatch.setattr(hashing, "new_hasher", Watched)
    files = [os.urandom(CHUNK_SIZE * (i % 4) + 1000 * i) for i in range(12)]
    out = io.BytesIO()
    with PayloadCopier(lanes=3) as copier:
        results = [copier.copy(io.BytesIO(data), out.write) for data in files]
    assert out.getvalue() == b"".join(files)
    assert [digest.result() for digest, _ in results] == [hashlib.sha512(data).hexdigest() for data in files]
    assert [size for _, size in results] == [len(data) for data in files]
    assert len(threads) == 3


def test_copier_needs_a_lane() -> None:
    with pytest.raises(ValueError):
        PayloadCopier(lanes=0)


def test_multi_chunk_files_in_folder_and_zip_with_any_worker_count(tmp_path: Path) -> None:
    payload = {f"data/f{i:03}.bin": os.urandom(i * 37_000) for i in range(40)}
    payload["data/big.bin"] = os.urandom(3 * 1024 * 1024 + 5)  # several 1 MiB chunks
    folder = make_bag(tmp_path / "bag", payload)
    archive = zip_folder(folder, tmp_path / "bag.zip")
    total = sum(len(c) for c in payload.values())
    for target in (folder, archive):
        for workers in (1, 4):
            with open_source(target) as source:
                result = verify_bag(source, workers=workers)
            assert result.valid, must(result)
            assert result.payload_files == len(payload) and result.payload_bytes == total
            assert result.files_checked == len(payload) + 4  # payload and the four tag files listed
            assert result.bytes_hashed > total


def test_zip_members_are_opened_under_a_lock_and_stay_consistent(tmp_path: Path) -> None:
    """Many small ZIP members hashed by 8 threads give the same result as one thread."""
    payload = {f"data/d{i % 7}/f{i}.txt": f"file {i}\n".encode() * (i % 50 + 1) for i in range(400)}
    archive = zip_folder(make_bag(tmp_path / "bag", payload), tmp_path / "bag.zip")
    with open_source(archive) as source:
        one = verify_bag(source, workers=1)
        many = verify_bag(source, workers=8)
    assert one.valid and many.valid
    assert (one.files_checked, one.bytes_hashed) == (many.files_checked, many.bytes_hashed)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_many_small_files_hash_the_same_in_any_number_of_threads(tmp_path: Path, workers: int) -> None:
    """Small files are handed to threads in batches; every file is hashed once, whatever the thread count."""
    payload = {f"data/d{i % 7}/f{i:04d}.csv": os.urandom(100 + i) for i in range(600)}
    bag = make_bag(tmp_path / "bag", payload)
    with open_source(bag) as source:
        entries = source.bag_entries()
        results = hashing.hash_bag_files(source, entries, {n: ("sha512", "md5") for n in payload}, workers, None)
    assert sorted(r.name for r in results) == sorted(payload)
    for result in results:
        assert result.digests == {"sha512": hashlib.sha512(payload[result.name]).hexdigest(),
                                  "md5": hashlib.md5(payload[result.name]).hexdigest()}
        assert result.size == len(payload[result.name])


def test_batches_cover_every_file_once_and_spread_over_the_threads() -> None:
    sizes = {f"f{i}": Entry(f"f{i}", EntryKind.FILE, 1000) for i in range(2000)}
    batches = hashing._batches(sorted(sizes), sizes, 2)
    assert sorted(n for batch in batches for n in batch) == sorted(sizes)
    assert len(batches) >= 8 and max(map(len, batches)) <= hashing.BATCH_FILES
    big = {"big": Entry("big", EntryKind.FILE, 100 * hashing.BATCH_BYTES), **dict(list(sizes.items())[:3])}
    assert hashing._batches(sorted(big, key=lambda n: -big[n].size), big, 2)[0] == ["big"]


def test_known_digests_are_reused_only_for_the_same_unchanged_file(tmp_path: Path) -> None:
    payload = {"data/a.txt": b"alpha", "data/b.txt": b"beta"}
    bag = make_bag(tmp_path / "bag", payload)
    with open_source(bag) as source:
        verification = verify_bag(source)
    assert len(verification.known) == 6  # two payload files and four tag files, each by its identity
    (bag / "data" / "b.txt").unlink()
    (bag / "data" / "b.txt").write_bytes(b"BETA!")  # a new file under the old name: hashed afresh
    known = {identity: {"sha512": "0" * 128} for identity in verification.known}  # planted: only reuse shows it
    with open_source(bag) as source:
        digests = hashing.digest_files(source, list(payload), known=known)
    assert digests["data/a.txt"] == "0" * 128
    assert digests["data/b.txt"] == hashlib.sha512(b"BETA!").hexdigest()
    with open_source(bag) as source:
        assert hashing.digest_files(source, list(payload), known=known, algorithm="md5")["data/a.txt"] == \
            hashlib.md5(b"alpha").hexdigest()  # known for sha512 only: md5 is computed


def test_zip_members_have_no_identity_and_are_never_reused(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "bag", {"data/a.txt": b"alpha"})
    with open_source(zip_folder(bag, tmp_path / "bag.zip")) as source:
        assert verify_bag(source).valid and not verify_bag(source).known
