"""Generate the invalid fixtures of the BagIt and archive checks (``bagit.*``, ``zip.*``, ``archive.*``).

Run ``python tests/crates/make_bag_fixtures.py`` (then ``python tests/crates/make_readme.py``). Every fixture is a
small BagIt 1.0 bag (folder ``bag/``, or a ZIP of it) whose payload is the profile's 0.4 example request
(``5s-crate/0.4/example-request/data/``: its metadata file, without the Project member it leaves undescribed,
and ``input1.txt``) with correct SHA-512 manifests, and which breaks exactly one thing. The output is
committed; the example is read from its copy in ``tests/data/``. Symbolic links are only ever built inside
ZIP files (git cannot store them portably).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

CRATES = Path(__file__).resolve().parent
INVALID = CRATES / "invalid"
REFERENCE = CRATES.parent / "data" / "5s-crate" / "0.4" / "example-request" / "data"
ORIGIN = "Own bag around the 0.4 example request (5s-crate/0.4/example-request/data/, without its dangling member)"
DANGLING = "https://ror.org/01ee9ar58"
EXTERNAL_ID = "urn:uuid:3f1c2a4e-7b7d-4c1e-9a55-0d6c3b1f2e10"
DATE = (2024, 3, 6, 12, 0, 0)

Files = dict[str, bytes]


def payload() -> Files:
    """The payload files of every fixture bag: the example request's metadata file and input."""
    document: Any = json.loads((REFERENCE / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    for entity in document["@graph"]:
        if isinstance(entity.get("member"), list):
            entity["member"] = [m for m in entity["member"] if m.get("@id") != DANGLING]
    metadata = (json.dumps(document, indent=4, ensure_ascii=False) + "\n").encode()
    return {"data/ro-crate-metadata.json": metadata, "data/input1.txt": (REFERENCE / "input1.txt").read_bytes()}


def manifest(files: Files, algorithm: str = "sha512") -> bytes:
    """A manifest of ``files`` in RFC 8493 form (two spaces between checksum and path)."""
    return "".join(
        f"{hashlib.new(algorithm, data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode()


def bag(
    data: Files | None = None,
    *,
    declaration: bytes = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
    info: str | None = None,
    manifests: Files | None = None,
    extra_tags: Files | None = None,
    tag_algorithm: str = "sha512",
) -> Files:
    """A complete, consistent bag as ``{bag-relative name: bytes}``; the arguments replace single parts."""
    data = payload() if data is None else data
    octets = sum(len(v) for v in data.values())
    if info is None:
        info = f"External-Identifier: {EXTERNAL_ID}\nBagging-Date: 2024-03-06\nPayload-Oxum: {octets}.{len(data)}\n"
    tags: Files = {"bagit.txt": declaration, "bag-info.txt": info.encode()}
    tags.update(manifests if manifests is not None else {"manifest-sha512.txt": manifest(data)})
    tags.update(extra_tags or {})
    tags[f"tagmanifest-{tag_algorithm}.txt"] = manifest(tags, tag_algorithm)
    return {**tags, **data}


def write_folder(target: Path, files: Files) -> None:
    for name, content in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def write_zip(target: Path, files: Files, *, links: dict[str, str] | None = None) -> None:
    """A deterministic ZIP of ``files`` (names as given) plus symbolic-link members ``{name: link target}``."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            member = zipfile.ZipInfo(name, date_time=DATE)
            member.external_attr = (stat.S_IFREG | 0o644) << 16
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, content)
        for name, link in (links or {}).items():
            member = zipfile.ZipInfo(name, date_time=DATE)
            member.create_system = 3
            member.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(member, link)


def in_folder(files: Files, prefix: str = "bag/") -> Files:
    return {prefix + name: content for name, content in files.items()}


def fixture(check_id: str, description: str, write: Callable[[Path], str], checks: list[str] | None = None) -> None:
    """Write ``invalid/<check_id>/``: the input (``write`` returns its relative name) and ``expected.json``."""
    folder = INVALID / check_id
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    name = write(folder)
    expected = {
        "description": f"{ORIGIN}. {description}",
        "input": name,
        "profile": None,
        "phase": None,
        "checks": checks or [check_id],
    }
    (folder / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")


def folder_bag(files: Files) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        write_folder(folder / "bag", files)
        return "bag"

    return write


def zip_of(files: Files, name: str = "crate.zip", links: dict[str, str] | None = None) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        write_zip(folder / name, files, links=links)
        return name

    return write


def main() -> None:
    data = payload()
    good = manifest(data).decode()
    octets = sum(len(v) for v in data.values())
    input_line = next(line for line in good.splitlines() if line.endswith("data/input1.txt"))

    fixture(
        "bagit.declaration",
        "bagit.txt starts with a UTF-8 byte-order mark (tag manifest updated to match).",
        folder_bag(bag(declaration=b"\xef\xbb\xbfBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")),
    )
    fixture(
        "bagit.declaration-case",
        "bagit.txt writes `BagIt-version` in lower case, like the official example bags.",
        folder_bag(bag(declaration=b"BagIt-version: 1.0\nTag-File-Character-Encoding: UTF-8\n")),
    )
    fixture(
        "bagit.version",
        "bagit.txt declares BagIt 0.97, older than the 1.0 the profile requires.",
        folder_bag(bag(declaration=b"BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")),
    )
    fixture(
        "bagit.bag-info",
        "bag-info.txt has a line that is not `Label: value`.",
        folder_bag(bag(info=f"External-Identifier: {EXTERNAL_ID}\nthis line has no label\nPayload-Oxum: {octets}.2\n")),
    )
    fixture(
        "bagit.external-identifier",
        "bag-info.txt has no External-Identifier.",
        folder_bag(bag(info=f"Bagging-Date: 2024-03-06\nPayload-Oxum: {octets}.2\n")),
    )
    fixture(
        "bagit.external-identifier-uuid",
        "The External-Identifier is `query-12389`, not a UUID URN.",
        folder_bag(bag(info=f"External-Identifier: query-12389\nPayload-Oxum: {octets}.2\n")),
    )
    fixture(
        "bagit.manifest-sha512",
        "The only payload manifest is manifest-sha256.txt.",
        folder_bag(bag(manifests={"manifest-sha256.txt": manifest(data, "sha256")})),
    )
    fixture(
        "bagit.tagmanifest-sha512",
        "The only tag manifest is tagmanifest-sha256.txt.",
        folder_bag(bag(tag_algorithm="sha256")),
    )
    fixture(
        "bagit.manifest-syntax",
        "manifest-sha512.txt lists data/input1.txt a second time with a different checksum.",
        folder_bag(bag(manifests={"manifest-sha512.txt": (good + "0" * 128 + "  data/input1.txt\n").encode()})),
    )
    fixture(
        "bagit.manifest-portability",
        "manifest-sha512.txt writes `./data/input1.txt` (accepted, but not canonical).",
        folder_bag(
            bag(manifests={"manifest-sha512.txt": good.replace("  data/input1.txt", "  ./data/input1.txt").encode()})
        ),
    )
    fixture(
        "bagit.manifest-path",
        "manifest-sha512.txt also lists `../outside.txt`, a path outside the bag.",
        folder_bag(
            bag(manifests={"manifest-sha512.txt": (good + input_line.split()[0] + "  ../outside.txt\n").encode()})
        ),
    )
    tampered = bag()
    tampered["data/input1.txt"] = data["data/input1.txt"][::-1]  # same size, so Payload-Oxum still matches
    fixture(
        "bagit.payload-integrity",
        "data/input1.txt was changed (bytes reversed) after the manifests were written.",
        folder_bag(tampered),
    )
    retagged = bag()
    retagged["bag-info.txt"] += b"Contact-Name: Someone Else\n"
    fixture(
        "bagit.tag-integrity",
        "bag-info.txt was edited after tagmanifest-sha512.txt was written.",
        folder_bag(retagged),
    )
    fixture(
        "bagit.payload-oxum",
        "Payload-Oxum declares one byte more than the payload holds.",
        folder_bag(bag(info=f"External-Identifier: {EXTERNAL_ID}\nPayload-Oxum: {octets + 1}.2\n")),
    )
    pending = {**data, "data/extra.txt": b"to be fetched\n"}
    fetched = bag(
        data,
        info=f"External-Identifier: {EXTERNAL_ID}\nPayload-Oxum: {octets + 14}.3\n",
        manifests={"manifest-sha512.txt": manifest(pending)},
        extra_tags={"fetch.txt": b"https://example.org/extra.txt 14 data/extra.txt\n"},
    )
    fixture(
        "bagit.fetch",
        "data/extra.txt is listed in the manifest and in fetch.txt but absent: the bag is incomplete offline.",
        folder_bag(fetched),
    )
    fixture(
        "bagit.system-file",
        "The payload carries an empty `Thumbs.db` (listed in the manifest).",
        folder_bag(bag({**data, "data/Thumbs.db": b""})),
    )
    fixture(
        "bagit.metadata-in-payload",
        "The payload holds input1.txt but no ro-crate-metadata.json.",
        folder_bag(bag({"data/input1.txt": data["data/input1.txt"]})),
    )
    fixture(
        "bagit.payload-present",
        "The payload holds only ro-crate-metadata.json.",
        folder_bag(bag({"data/ro-crate-metadata.json": data["data/ro-crate-metadata.json"]})),
    )
    whole = in_folder(bag())
    fixture(
        "zip.entry-name",
        "The ZIP of the bag also holds a member named `bag/../escaped.txt`.",
        zip_of({**whole, "bag/../escaped.txt": b"outside\n"}),
    )
    fixture(
        "zip.limits",
        "The ZIP of the bag also holds bag/zeros.bin: 4 MiB of zeros that compress about 1000 times.",
        zip_of({**whole, "bag/zeros.bin": bytes(4 * 1024 * 1024)}),
    )
    fixture(
        "zip.single-top-level",
        "The ZIP holds the bag folder and also a README.txt at top level.",
        zip_of({**whole, "README.txt": b"read me\n"}),
    )
    fixture(
        "zip.symlink",
        "The ZIP of the bag holds a member bag/data/passwd that is a symbolic link to /etc/passwd.",
        zip_of(whole, links={"bag/data/passwd": "/etc/passwd"}),
    )
    fixture(
        "archive.bagit-zip",
        "A ZIP holding the crate (metadata file and input) at its root, not wrapped in a BagIt bag.",
        zip_of({name.removeprefix("data/"): content for name, content in data.items()}),
    )


if __name__ == "__main__":
    main()
