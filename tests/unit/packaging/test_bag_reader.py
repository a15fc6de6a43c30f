"""The BagIt reader: tag files of the conformance suite, the example bags and bags built here."""

from __future__ import annotations

from pathlib import Path

import pytest

from fivesafes_crate.errors import CrateReadError
from fivesafes_crate.issues import Severity
from fivesafes_crate.model.source import open_source
from fivesafes_crate.packaging import ProblemKind, read_bag, verify_bag
from unit.packaging._bags import EXAMPLES, SUITE, make_bag, must, verify_folder


def test_holey_bag_is_parsed_and_never_fetched() -> None:
    result = verify_folder(SUITE / "v0.97/valid/holey-bag")
    assert [f.path for f in result.info.fetch][3] == "data/test 1.txt"
    assert result.info.fetch[0].url.startswith("http://localhost")
    assert not result.of(ProblemKind.FETCH_PENDING)  # every fetched file is already present


def test_encoded_names_are_literal_except_the_three_rfc_escapes() -> None:
    result = verify_folder(SUITE / "v0.97/valid/bag-with-encoded-names")
    paths = {e.path for m in result.info.payload_manifests for e in m.entries}
    assert "data/%7Etest1.txt" in paths
    assert "data/%test2.txt" in paths


def test_tag_file_encodings() -> None:
    utf16 = verify_folder(SUITE / "v0.97/valid/UTF-16-encoded-tag-files")
    assert utf16.info.declaration.encoding == "UTF-16"
    assert utf16.info.values("Payload-Oxum") == ["58.2"]
    latin = verify_folder(SUITE / "v0.97/valid/ISO-8859-1-encoded-tag-files")
    assert latin.valid and latin.files_checked == 5


def test_bag_info_continuations_and_repeats() -> None:
    info = verify_folder(SUITE / "v0.96/valid/basic-bag").info
    assert info.values("External-Description") == [
        "Uncompressed greyscale TIFF images from the Yoshimuri papers collection."
    ]
    repeated = verify_folder(SUITE / "v0.96/valid/duplicate-metadata-entries").info
    assert len(repeated.values("Source-Organization")) == 2


def test_lower_case_version_label_is_a_warning_not_a_crash() -> None:
    with open_source(EXAMPLES / "0.4" / "example-request") as source:
        result = verify_bag(source)
    assert result.valid
    assert result.info.declaration.version == "1.0"
    (problem,) = result.of(ProblemKind.DECLARATION_CASE)
    assert problem.severity is Severity.SHOULD and problem.file == "bagit.txt"


def test_read_bag_refuses_a_crate_that_is_not_a_bag(tmp_path: Path) -> None:
    (tmp_path / "ro-crate-metadata.json").write_text("{}")
    with open_source(tmp_path) as source, pytest.raises(CrateReadError):
        read_bag(source)


def test_percent_encoded_names(tmp_path: Path) -> None:
    folder = make_bag(tmp_path / "bag", {"data/100%.txt": b"full"})
    with open_source(folder) as source:
        result = verify_bag(source)
    assert result.valid, must(result)
    assert result.info.payload_manifests[0].entries[0].written == "data/100%25.txt"
