"""Property: flipping any byte of any file of a signed bag makes verification fail.

The bag is signed by the requester, edited and refreshed by the TRE and signed again, so it holds payload,
tag files, an envelope listed in the tag manifest and the newest envelope, listed nowhere yet. The one
exception is that newest envelope: its bytes are bound only through what they decode to (DSSE signs the
payload, not the JSON around it), so a flip that leaves the decoded envelope equal (whitespace, the other
base64 alphabet) changes nothing. When the bag also holds a file that nothing signs, verification fails and
that file is reported unsigned, whatever was flipped.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unit.signing._signed import keys, lifecycle_bag, trust_store

from fivesafes_crate.signing import verify_signatures
from fivesafes_crate.signing.dsse import MalformedEnvelope, parse_envelope
from fivesafes_crate.signing.verifier import SignatureVerification

NEWEST = "signatures/0002.tre-check.dsse.json"
UNSIGNED = "notes.txt"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lifecycle_bag(tmp_path_factory.mktemp("signed") / "bag", keys())


def _files(bag: Path) -> list[str]:
    return sorted(p.relative_to(bag).as_posix() for p in bag.rglob("*") if p.is_file())


def _same_envelope(old: bytes, new: bytes) -> bool:
    try:
        return parse_envelope(old) == parse_envelope(new)
    except MalformedEnvelope:
        return False


def _check(bag: Path) -> SignatureVerification:
    return verify_signatures(bag, trust_store(keys()), policy="checked")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), with_unsigned=st.booleans())
def test_a_flipped_byte_is_always_caught(template: Path, data: st.DataObject, with_unsigned: bool) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        bag = Path(temporary) / "bag"
        shutil.copytree(template, bag)
        if with_unsigned:
            (bag / UNSIGNED).write_text("not listed anywhere\n")
        files = _files(bag)
        name = data.draw(st.sampled_from(files), label="file")
        path = bag / name
        original = path.read_bytes()
        position = data.draw(st.integers(0, len(original) - 1), label="position")
        mask = data.draw(st.integers(1, 255), label="xor")
        flipped = bytearray(original)
        flipped[position] ^= mask
        path.write_bytes(bytes(flipped))

        result = _check(bag)

        if with_unsigned:
            assert not result.valid
            assert UNSIGNED in result.unsigned
        elif name == NEWEST and _same_envelope(original, bytes(flipped)):
            assert result.valid, result.problems
        else:
            assert not result.valid, (name, position, mask)


def test_the_template_verifies(template: Path) -> None:
    assert _check(template).valid
