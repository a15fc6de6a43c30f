"""The tag files of the bags written here: BagIt 1.0, SHA-512 manifests, paths encoded as RFC 8493 says."""

from __future__ import annotations

import hashlib

import pytest

from fivesafes_crate.errors import UsageError
from fivesafes_crate.packaging import BagMetadata, encode_manifest_path, tag_files
from unit.packaging._bags import DAY, URN


def test_manifest_paths_percent_encode_percent_cr_and_lf_only() -> None:
    assert encode_manifest_path("data/100% a\r\nb %0A.txt") == "data/100%25 a%0D%0Ab %250A.txt"
    assert encode_manifest_path("data/é ü #?.txt") == "data/é ü #?.txt"


def test_tag_files_are_exactly_bagit_1_0_with_sha512_manifests() -> None:
    digests = {"data/b.txt": "b" * 128, "data/a%.txt": "a" * 128}
    files = tag_files(BagMetadata(URN, DAY, 12, 2), digests)
    assert list(files) == ["bag-info.txt", "bagit.txt", "manifest-sha512.txt", "tagmanifest-sha512.txt"]
    assert files["bagit.txt"] == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    assert files["bag-info.txt"] == (
        f"External-Identifier: {URN}\nBagging-Date: 2024-03-06\nPayload-Oxum: 12.2\n".encode()
    )
    assert files["manifest-sha512.txt"] == f"{'a' * 128}  data/a%25.txt\n{'b' * 128}  data/b.txt\n".encode()
    expected = "".join(
        f"{hashlib.sha512(files[name]).hexdigest()}  {name}\n"
        for name in ("bag-info.txt", "bagit.txt", "manifest-sha512.txt")
    )
    assert files["tagmanifest-sha512.txt"] == expected.encode()


@pytest.mark.parametrize("identifier", ["", "  ", "urn:uuid:x\nBagging-Date: 1999-01-01", " urn:uuid:x"])
def test_bag_info_refuses_identifiers_that_would_corrupt_it(identifier: str) -> None:
    with pytest.raises(UsageError) as caught:
        tag_files(BagMetadata(identifier, DAY, 0, 0), {})
    assert caught.value.path == "bag-info.txt"
