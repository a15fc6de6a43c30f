"""DSSE v1: the pre-authentication encoding, the specification's test vector, and strict envelope parsing.

The vector is the one of the DSSE specification (secure-systems-lab/dsse, ``protocol.md``, "Test Vectors"):
payload ``hello world`` of type ``http://example.com/HelloWorld``, signed with ECDSA P-256/SHA-256 (RFC 6979
deterministic nonces) by the key whose private scalar ``d`` is given there, signature as raw ``r || s``.
Further PAE vectors are built by hand from the specification's definition
``"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body``.
"""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from fivesafes_crate.signing.dsse import (
    MAX_ENVELOPE_BYTES,
    MAX_JSON_DEPTH,
    Envelope,
    EnvelopeSignature,
    MalformedEnvelope,
    b64decode,
    pae,
    parse_envelope,
)
from fivesafes_crate.signing.keys import verify_signature

SPEC_TYPE = "http://example.com/HelloWorld"
SPEC_PAYLOAD = b"hello world"
SPEC_PAE = b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
SPEC_D = 97358161215184420915383655311931858321456579547487070936769975997791359926199
SPEC_X = 46950820868899156662930047687818585632848591499744589407958293238635476079160
SPEC_Y = 5640078356564379163099075877009565129882514886557779369047442380624545832820
SPEC_SIG = "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="
SPEC_ENVELOPE = {"payload": "aGVsbG8gd29ybGQ=", "payloadType": SPEC_TYPE, "signatures": [{"sig": SPEC_SIG}]}


def test_pae_of_the_specification_vector() -> None:
    assert pae(SPEC_TYPE, SPEC_PAYLOAD) == SPEC_PAE


@pytest.mark.parametrize(
    ("payload_type", "body", "expected"),
    [
        ("", b"", b"DSSEv1 0  0 "),
        ("a", b"b", b"DSSEv1 1 a 1 b"),
        ("application/vnd.in-toto+json", b"{}", b"DSSEv1 28 application/vnd.in-toto+json 2 {}"),
        ("t", b"x" * 10, b"DSSEv1 1 t 10 " + b"x" * 10),
        ("t", b"\x00 \n\xff", b"DSSEv1 1 t 4 \x00 \n\xff"),
        ("\u00e9", b"", b"DSSEv1 2 \xc3\xa9 0 "),  # LEN counts bytes of UTF-8, not characters
    ],
)
def test_pae_follows_the_definition(payload_type: str, body: bytes, expected: bytes) -> None:
    assert pae(payload_type, body) == expected


def test_the_specification_envelope_verifies_with_its_key() -> None:
    key = ec.EllipticCurvePublicNumbers(SPEC_X, SPEC_Y, ec.SECP256R1()).public_key()
    assert ec.derive_private_key(SPEC_D, ec.SECP256R1()).public_key().public_numbers() == key.public_numbers()
    envelope = parse_envelope(json.dumps(SPEC_ENVELOPE).encode())
    assert envelope.payload == SPEC_PAYLOAD and envelope.pae() == SPEC_PAE
    assert verify_signature(key, envelope.pae(), envelope.signatures[0].sig)  # raw r || s is accepted
    assert not verify_signature(key, pae(SPEC_TYPE, b"hello world!"), envelope.signatures[0].sig)


def test_round_trip_keeps_everything() -> None:
    envelope = Envelope("t", b"\x00payload\xff", (EnvelopeSignature(b"sig", "sha256:ab"), EnvelopeSignature(b"s2")))
    assert parse_envelope(envelope.to_json()) == envelope


@pytest.mark.parametrize("text", ["aGVsbG8gd29ybGQ=", "aGVsbG8gd29ybGQ"])
def test_base64_with_or_without_padding(text: str) -> None:
    assert b64decode(text) == b"hello world"


def test_base64_url_safe_alphabet_is_accepted() -> None:
    data = bytes(range(256))
    assert b64decode(base64.urlsafe_b64encode(data).decode()) == data
    assert b64decode(base64.b64encode(data).decode()) == data


@pytest.mark.parametrize("text", ["a+b-AAAA", "aGVs bG8=", "aGVsbG8gd29ybGQ==", "a", "aGVsbG8=x", "é"])
def test_bad_base64_is_refused(text: str) -> None:
    with pytest.raises(MalformedEnvelope):
        b64decode(text)


def _envelope(**changes: object) -> bytes:
    document: dict[str, object] = {"payload": "e30=", "payloadType": "t", "signatures": [{"sig": "AA=="}]}
    document.update(changes)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[]", "not a JSON object"),
        (b"{", "not valid JSON"),
        (b"\xff", "not UTF-8"),
        (_envelope(payload="%%%"), "payload is not base64"),
        (_envelope(signatures=[]), "no list of signatures"),
        (_envelope(signatures=[{"sig": "AA==", "extra": 1}]), "members DSSE does not define"),
        (_envelope(signatures=[{"sig": "AA==", "keyid": 3}]), "keyid that is not a string"),
        (_envelope(signatures=[{"sig": "A"}]), "'sig' is not base64"),
        (_envelope(signatures=[{"sig": "AA=="}] * 17), "more than 16"),
        (_envelope(payloadType=1), "no string 'payloadType'"),
        (_envelope(other=True), "members DSSE does not define: other"),
        (b'{"payload": "e30=", "payload": "e30=", "payloadType": "t", "signatures": [{"sig": "AA=="}]}',
         "appears twice"),
        (b'{"payload": NaN}', "NaN is not a JSON value"),
    ],
)
def test_malformed_envelopes_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedEnvelope, match=reason):
        parse_envelope(data)


def test_deep_json_is_refused() -> None:
    with pytest.raises(MalformedEnvelope, match="nested deeper"):
        parse_envelope(_envelope(payloadType=[[[[[[[[[[[[[[[[[["t"]]]]]]]]]]]]]]]]]]))
    with pytest.raises(MalformedEnvelope, match=r"nested deeper|not valid JSON"):
        parse_envelope(b"[" * 100_000 + b"]" * 100_000)
    assert MAX_JSON_DEPTH < 100


def test_huge_envelope_is_refused_unparsed() -> None:
    with pytest.raises(MalformedEnvelope, match="larger than"):
        parse_envelope(b" " * (MAX_ENVELOPE_BYTES + 1))
