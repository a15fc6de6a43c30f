"""Property tests for packaging: arbitrary file trees survive pack -> unpack byte for byte; arbitrary hostile
ZIPs never write outside the target folder and leave nothing behind when refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fivesafes_crate.errors import FiveSafesError, UnsafeInputError
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import package, unpack, verify_bag

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
METADATA = b'{"@context": "https://w3id.org/ro/crate/1.2/context", "@graph": []}\n'

# Names as people write them: spaces, %, punctuation, accents, other scripts, emoji, and the line feed and
# carriage return POSIX allows in names (BagIt percent-encodes them); never '/' or NUL.
SEGMENT = st.text(
    alphabet=st.sampled_from("abcXYZ019 %-_.,#&+=()[]~'éüßÅ中文Ωй🙂\n\r"), min_size=1, max_size=12
).filter(lambda s: s not in (".", ".."))
PATHS = st.lists(SEGMENT, min_size=1, max_size=3).map("/".join)
TREES = st.dictionaries(PATHS, st.binary(max_size=3000), min_size=0, max_size=8)


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _usable(tree: dict[str, bytes]) -> dict[str, bytes]:
    """Drop paths that clash with earlier ones: a file that is also a folder, or names equal after folding
    (pack refuses those, as tested in ``test_writer.py``)."""
    kept: dict[str, bytes] = {}
    files = {_fold("ro-crate-metadata.json")}
    folders: dict[str, str] = {}
    for name, data in sorted(tree.items()):
        parts = name.split("/")
        parents = {_fold("/".join(parts[:i])): "/".join(parts[:i]) for i in range(1, len(parts))}
        if _fold(name) in files or _fold(name) in folders or set(parents) & files:
            continue
        if any(folders.get(key, actual) != actual for key, actual in parents.items()):
            continue
        kept[name] = data
        files.add(_fold(name))
        folders.update(parents)
    return kept


def _write(root: Path, tree: dict[str, bytes]) -> None:
    root.mkdir()
    (root / "ro-crate-metadata.json").write_bytes(METADATA)
    for name, data in tree.items():
        path = root.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@SETTINGS
@given(tree=TREES, folder=st.booleans())
def test_arbitrary_trees_survive_pack_and_unpack(tree: dict[str, bytes], folder: bool) -> None:
    tree = _usable(tree)
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        crate = work / "crate"
        try:
            _write(crate, tree)
        except OSError:
            assume(False)  # the file system refused a name (too long, reserved...)
        written = package(crate, work / ("bag" if folder else "crate.zip"), folder=folder,
                       external_identifier="urn:uuid:00000000-0000-4000-8000-000000000000",
                       bagging_date=date(2024, 1, 1))
        with open_source(written) as source:
            result = verify_bag(source)
        assert result.valid, result.problems
        out = written if folder else unpack(written, work / "out")
        assert _files(out / "data") == _files(crate)


@SETTINGS
@given(name=st.sampled_from(["tab\there", "bell\x07", "escape\x1b[31m", "back\\slash"]))
def test_names_that_would_not_unpack_safely_are_refused(name: str) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        try:
            _write(work / "crate", {name: b"x"})
        except OSError:
            assume(False)
        with pytest.raises(UnsafeInputError):
            package(work / "crate", work / "crate.zip")
        assert sorted(p.name for p in work.iterdir()) == ["crate"]


# --- hostile archives --------------------------------------------------------------------------------------

HOSTILE_NAMES = st.one_of(
    st.sampled_from([
        "../evil", "../../evil", "/tmp/evil-abs", "bag/../../evil", "bag/./x", "bag//x", "bag\\..\\evil",
        "C:/evil", "bag/data/A.txt", "bag/data/a.txt", "bag/DATA/a.txt", "bag/data/caf\u00e9",
        "bag/data/cafe\u0301", "other/x", "x", "bag/bagit.txt", "bag/data/ro-crate-metadata.json",
        "bag/data/sub/", "bag/", "bag/data/x\n", "~/evil",
    ]),
    PATHS.map(lambda p: "bag/data/" + p),
)
KINDS = st.sampled_from(["file", "file", "file", "symlink", "device", "fifo", "bomb"])
MEMBERS = st.lists(st.tuples(HOSTILE_NAMES, KINDS, st.binary(max_size=200)), min_size=1, max_size=8)


def _hostile_zip(path: Path, members: list[tuple[str, str, bytes]], with_bag: bool) -> None:
    modes = {"file": stat.S_IFREG | 0o644, "bomb": stat.S_IFREG | 0o644, "symlink": stat.S_IFLNK | 0o777,
             "device": stat.S_IFCHR | 0o644, "fifo": stat.S_IFIFO | 0o644}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as opened:
        if with_bag:
            opened.writestr("bag/bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        for name, kind, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = modes[kind] << 16
            payload = bytes(4 * 1024 * 1024) if kind == "bomb" else (b"../../../etc/passwd" if kind == "symlink"
                                                                      else data)
            with pytest.warns(UserWarning) if name in opened.namelist() else contextlib.nullcontext():
                opened.writestr(info, payload, zipfile.ZIP_DEFLATED)


def _snapshot(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@SETTINGS
@given(members=MEMBERS, with_bag=st.booleans())
def test_hostile_zips_never_escape_and_leave_nothing_on_failure(
    members: list[tuple[str, str, bytes]], with_bag: bool
) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        archive = work / "in.zip"
        _hostile_zip(archive, members, with_bag)
        box = work / "a" / "b"
        box.mkdir(parents=True)
        before = _snapshot(work)
        try:
            out = unpack(archive, box / "out")
        except FiveSafesError:
            assert _snapshot(work) == before  # refused: nothing written, no temporary left
        else:
            created = _snapshot(work) - before
            assert all(name == "a/b/out" or name.startswith("a/b/out/") for name in created), created
            for path in out.rglob("*"):
                info = path.lstat()
                assert stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)
                assert stat.S_IMODE(info.st_mode) == (0o755 if stat.S_ISDIR(info.st_mode) else 0o644)
        assert not Path("/tmp/evil-abs").exists()
        assert not any(p.name == "evil" for p in work.rglob("*"))
        assert os.listdir(work / "a") == ["b"]
