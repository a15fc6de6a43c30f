"""Hashing bag files in parallel: all algorithms of a file in one streaming read, memory bounded by chunks.

* :func:`hash_bag_files` (for :func:`~.bag_verifier.verify_bag` and :func:`digest_files`) hashes files in
  parallel threads (hashlib releases the GIL), every algorithm of a file in one read of 1 MiB chunks
  (:func:`~fivesafes_crate.model.safe_files.hash_stream`), so memory stays bounded whatever the payload
  size. ZIP members are read in place; opening and closing members is serialised with a lock because
  :class:`zipfile.ZipFile` keeps an unsynchronised reference count of open members (reads themselves are
  synchronised by :mod:`zipfile`).
* :class:`PayloadCopier` (for writing bags) copies files while hashing *lanes* hash the same chunks, with the
  same chunk loop (:func:`~fivesafes_crate.model.safe_files.read_chunks`).
"""

from __future__ import annotations

import os
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

from ..errors import CrateReadError
from ..model.safe_files import CHUNK_SIZE, hash_stream, new_hasher, read_chunks
from ..model.source import CrateSource, Entry, EntryKind, FileIdentity
from .bag_writer import WRITE_ALGORITHM

BATCH_BYTES = 8 * 1024 * 1024
"""Bytes of files :func:`hash_bag_files` gives one thread at a time (a large file alone is one batch)."""

BATCH_FILES = 256
"""Files :func:`hash_bag_files` gives one thread at a time, at most."""

RING_SIZE = 8
"""Chunk buffers per hashing lane of a :class:`PayloadCopier`: the reader can run this far ahead of the hashers."""

HASH_LANES = max(1, min(4, os.cpu_count() or 1))
"""Hashing threads of a :class:`PayloadCopier` by default: one per CPU, at most four (memory: 8 MiB each)."""


@dataclass(frozen=True, slots=True)
class FileDigests:
    """What hashing one bag file gave: its digests by algorithm (None when it could not be read, with
    ``error`` saying why), the bytes read, and which file on disk they are of."""

    name: str
    digests: dict[str, str] | None
    size: int
    error: str | None = None
    identity: FileIdentity | None = None
    """The file's identity when it is known unchanged from the folder walk to the end of the read (else None):
    the digests hold for every file of that identity (:func:`digest_files`' ``known``)."""


def hash_bag_files(
    source: CrateSource,
    sizes: Mapping[str, Entry],
    algorithms: Mapping[str, tuple[str, ...]],
    workers: int | None,
    progress: Callable[[int, int], None] | None,
) -> list[FileDigests]:
    """Hash each named bag file with its algorithms, in threads when that pays off; results in any order.

    ``workers`` defaults to the CPU count, at most 8: files are handed to the threads in batches
    (:func:`_batches`), so that many small files spread over every core as a few large ones do (hashlib and
    file reads release the GIL). ``progress(done, total)`` is called with the bytes hashed so far after every
    chunk, never from two threads at once.
    """
    if not algorithms:
        return []
    lock = threading.Lock()
    names = sorted(algorithms, key=lambda n: (-sizes[n].size, n))  # largest first keeps every thread busy
    total = sum(sizes[n].size for n in names)
    tick = progress_counter(progress, total)
    count = max(1, min(workers or min(8, os.cpu_count() or 1), len(names)))
    batches = _batches(names, sizes, count)

    def job(batch: list[str]) -> list[FileDigests]:
        view = memoryview(bytearray(CHUNK_SIZE))  # one buffer per batch, reused for each of its files
        return [_hash_one(source, sizes[name], algorithms[name], lock, view, tick) for name in batch]

    if count == 1 or len(batches) == 1:
        return [result for batch in batches for result in job(batch)]
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="bag-hash") as pool:
        return [result for results in pool.map(job, batches) for result in results]


def _batches(names: list[str], sizes: Mapping[str, Entry], workers: int) -> list[list[str]]:
    """The files (largest first) cut into runs of about :data:`BATCH_BYTES` each, at least ``4 * workers`` runs
    when there are enough files: a thread takes a run at a time, so a small file costs no task of its own, and
    the runs at the end are short enough that no thread idles long while another finishes."""
    target = max(1, min(BATCH_BYTES, sum(sizes[n].size for n in names) // (4 * workers)))
    batches: list[list[str]] = []
    current: list[str] = []
    filled = 0
    for name in names:
        current.append(name)
        filled += sizes[name].size
        if filled >= target or len(current) >= BATCH_FILES:
            batches.append(current)
            current, filled = [], 0
    if current:
        batches.append(current)
    return batches


KnownDigests = Mapping[FileIdentity, Mapping[str, str]]
"""Digests by algorithm of files hashed before, by :class:`~fivesafes_crate.model.source.FileIdentity`."""


def known_digests(results: Iterable[FileDigests]) -> dict[FileIdentity, dict[str, str]]:
    """The digests of the results whose file identity is known, for :func:`digest_files`' ``known``."""
    return {r.identity: r.digests for r in results if r.identity is not None and r.digests is not None}


def digest_files(
    source: CrateSource,
    names: Iterable[str],
    *,
    algorithm: str = "sha512",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    known: KnownDigests | None = None,
) -> dict[str, str]:
    """Hex digests of bag files (bag-relative names), hashed in threads like :func:`~.bag_verifier.verify_bag` does.

    A file whose identity (device, inode, size, modification and change times) is in ``known`` with this
    algorithm is not read again: the check phase verifies a bag and then writes its manifests from the same,
    hard-linked, files. Raises :class:`~fivesafes_crate.errors.CrateReadError` naming the first file that
    cannot be read.
    """
    entries = source.bag_entries()
    wanted: dict[str, tuple[str, ...]] = {}
    digests: dict[str, str] = {}
    for name in names:
        entry = entries.get(name)
        if entry is None or entry.kind is not EntryKind.FILE:
            raise CrateReadError("not a file in the bag", path=name)
        before = known.get(entry.identity) if known and entry.identity is not None else None
        if before is not None and algorithm in before:
            digests[name] = before[algorithm]
        else:
            wanted[name] = (algorithm,)
    for result in hash_bag_files(source, entries, wanted, workers, progress):
        if result.digests is None:
            raise CrateReadError(f"cannot read: {result.error}", path=result.name)
        digests[result.name] = result.digests[algorithm]
    return dict(sorted(digests.items()))


def progress_counter(progress: Callable[[int, int], None] | None, total: int) -> Callable[[int], None] | None:
    """A thread-safe ``tick(n)`` that adds ``n`` bytes and reports ``progress(done, total)``, one call at a time."""
    if progress is None:
        return None
    lock = threading.Lock()
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        with lock:
            done += n
            progress(done, max(total, done))

    return tick


def _hash_one(
    source: CrateSource,
    entry: Entry,
    algorithms: tuple[str, ...],
    lock: threading.Lock,
    view: memoryview,
    tick: Callable[[int], None] | None = None,
) -> FileDigests:
    """Stream one file through every algorithm; an unreadable file gives no digests and the error.

    A file of a folder whose ``fstat`` after the read still gives the identity the walk saw is returned with
    that identity: nothing wrote to it in between, so the digests are of the file as it stands.
    """
    name = entry.name
    size = 0

    def count(chunk: memoryview) -> None:
        nonlocal size
        size += len(chunk)
        if tick is not None:
            tick(len(chunk))

    identity = None
    try:
        with lock:
            stream = source.open_in_bag(name)
        try:
            digests = hash_stream(stream, algorithms, buffer=view, on_chunk=count)
            if entry.identity is not None and FileIdentity.of(os.fstat(stream.fileno())) == entry.identity:
                identity = entry.identity
        finally:
            with lock:
                stream.close()
    except CrateReadError as exc:
        return FileDigests(name, None, size, exc.message)
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error) as exc:
        # a damaged, truncated or encrypted member is bag content, reported as data
        return FileDigests(name, None, size, f"{type(exc).__name__}: {exc}")
    return FileDigests(name, digests, size, identity=identity)


class PayloadCopier:
    """Copies files to a writer while helper threads hash the same chunks, for writing bags.

    Reading and writing (for a ZIP: CRC-32 and compression) run in the calling thread, hashing in helper
    threads; hashlib, zlib and file I/O release the GIL, and every file is read once, so the checksum is of
    exactly the bytes written. Files are spread over hashing *lanes* (one thread each, :data:`HASH_LANES` by
    default): a file's chunks all go to one lane, in order, and each new file goes to the least busy lane. SHA-512
    of one file is sequential, but several files hash at once, so copying a payload of many files takes less
    time than hashing it in one thread, as verifying does. Chunks come from a ring of :data:`RING_SIZE` buffers
    of :data:`~fivesafes_crate.model.safe_files.CHUNK_SIZE` bytes per lane, and a buffer is refilled only after
    its hash update is done, so memory stays bounded whatever the payload size. Use as a context manager.
    """

    def __init__(self, *, algorithm: str = WRITE_ALGORITHM, progress: Callable[[int, int], None] | None = None,
                 total: int = 0, lanes: int = HASH_LANES) -> None:
        if lanes < 1:
            raise ValueError("a PayloadCopier needs at least one hashing lane")
        self._algorithm = algorithm
        self._lanes = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"bag-write-hash-{i}")
                       for i in range(lanes)]
        self._ring = [memoryview(bytearray(CHUNK_SIZE)) for _ in range(RING_SIZE * lanes)]
        self._pending: list[tuple[int, Future[None]] | None] = [None] * len(self._ring)
        self._next = 0
        self._tick = progress_counter(progress, total)

    def _next_slot(self) -> int:
        index = self._next
        self._next = (index + 1) % len(self._ring)
        pending = self._pending[index]
        if pending is not None:
            pending[1].result()  # the hasher is done with this buffer
            self._pending[index] = None
        return index

    def _quietest_lane(self) -> int:
        """The lane with the fewest chunks still to hash (the first of those on a tie)."""
        busy = [0] * len(self._lanes)
        for pending in self._pending:
            if pending is not None and not pending[1].done():
                busy[pending[0]] += 1
        return busy.index(min(busy))

    def copy(
        self, stream: IO[bytes], write: Callable[[memoryview], object], *, limit: int | None = None
    ) -> tuple[Future[str], int]:
        """Stream ``stream`` to ``write`` chunk by chunk; return the hex digest (a future) and the bytes copied.

        At most ``limit`` bytes are copied when given: pass the expected size plus one to detect, and not
        follow, a file that grows while it is copied.
        """
        hasher = new_hasher(self._algorithm)
        lane_index = self._quietest_lane()
        lane = self._lanes[lane_index]
        size = 0
        slot = 0

        def next_view() -> memoryview:
            nonlocal slot
            slot = self._next_slot()
            return self._ring[slot]

        for chunk in read_chunks(stream, next_view, limit):
            self._pending[slot] = (lane_index, lane.submit(hasher.update, chunk))
            write(chunk)
            size += len(chunk)
            if self._tick is not None:
                self._tick(len(chunk))
        return lane.submit(hasher.hexdigest), size

    def close(self) -> None:
        """Wait for pending hashing and stop the helper threads."""
        for lane in self._lanes:
            lane.shutdown(wait=True)

    def __enter__(self) -> PayloadCopier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "BATCH_BYTES",
    "BATCH_FILES",
    "HASH_LANES",
    "RING_SIZE",
    "FileDigests",
    "KnownDigests",
    "PayloadCopier",
    "digest_files",
    "hash_bag_files",
    "known_digests",
    "progress_counter",
]
