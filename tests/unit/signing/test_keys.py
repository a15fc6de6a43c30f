"""Keys: generation, PEM files with passphrases, key ids, algorithms by key type, secrets kept out of sight."""

from __future__ import annotations

import hashlib
import logging
import pickle
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils

from fivesafes_crate.errors import SuppliedFileError, UsageError
from fivesafes_crate.signing import KeyAlgorithm, KeySigner, Signer, SigningKeyError, create_key_pair, load_signer
from fivesafes_crate.signing.keys import (
    algorithm_of,
    key_id,
    load_public_key,
    public_der,
    read_passphrase_file,
    verify_signature,
)
from unit.signing._signed import keys, rsa_key

MESSAGE = b"DSSEv1 1 t 2 {}"


@pytest.mark.parametrize("which", ["ecdsa", "ed25519", "rsa"])
def test_each_algorithm_signs_and_verifies(which: str) -> None:
    signer = {"ecdsa": keys().requester, "ed25519": keys().tre}.get(which) or rsa_key()
    signature = signer.sign(MESSAGE)
    assert verify_signature(signer.public_key(), MESSAGE, signature)
    assert not verify_signature(signer.public_key(), MESSAGE + b"!", signature)
    assert isinstance(signer, Signer)


def test_algorithms_follow_the_key_type() -> None:
    assert keys().requester.algorithm is KeyAlgorithm.ECDSA_P256
    assert keys().tre.algorithm is KeyAlgorithm.ED25519
    assert rsa_key().algorithm is KeyAlgorithm.RSA_PSS


def test_key_id_is_sha256_of_the_der_public_key() -> None:
    public = keys().requester.public_key()
    assert key_id(public) == "sha256:" + hashlib.sha256(public_der(public)).hexdigest()
    assert keys().requester.key_id == key_id(public)


def test_ecdsa_signatures_are_der_and_raw_is_accepted() -> None:
    signer = keys().requester
    der = signer.sign(MESSAGE)
    r, s = utils.decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert verify_signature(signer.public_key(), MESSAGE, raw)


def test_a_signature_of_one_algorithm_never_verifies_under_another() -> None:
    ed_signature = keys().tre.sign(MESSAGE)
    assert not verify_signature(keys().requester.public_key(), MESSAGE, ed_signature)
    assert not verify_signature(rsa_key().public_key(), MESSAGE, ed_signature)
    assert not verify_signature(keys().tre.public_key(), MESSAGE, keys().requester.sign(MESSAGE))


def test_weak_or_other_keys_are_refused() -> None:
    with pytest.raises(SigningKeyError, match="P-256"):
        KeySigner(ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(SigningKeyError, match="at least 3072"):
        algorithm_of(rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key())
    with pytest.raises(UsageError, match="at least 3072"):
        from fivesafes_crate.signing import generate_key

        generate_key(KeyAlgorithm.RSA_PSS, rsa_bits=2048)


def test_private_keys_stay_out_of_repr_logs_and_pickles(caplog: pytest.LogCaptureFixture) -> None:
    signer = keys().requester
    secret = signer.private_pem(None).decode()
    body = "".join(secret.splitlines()[1:-1])
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").info("signer %s %r", signer, signer)
    for text in (repr(signer), str(signer), caplog.text):
        assert body[:40] not in text and "PRIVATE" not in text
    assert repr(signer) == f"KeySigner(ecdsa-p256, {signer.key_id})"
    with pytest.raises(TypeError):
        pickle.dumps(signer)
    assert not hasattr(signer, "__dict__")


def test_key_pair_files_round_trip_with_a_passphrase(tmp_path: Path) -> None:
    files = create_key_pair(tmp_path / "alice.pem", passphrase="correct horse", algorithm=KeyAlgorithm.ED25519)
    assert files.public == tmp_path / "alice.pub.pem"
    assert stat.S_IMODE(files.private.stat().st_mode) == 0o600
    pem = files.private.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    signer = load_signer(files.private, "correct horse")
    assert signer.key_id == files.key_id == key_id(load_public_key(files.public))
    assert serialization.load_pem_private_key(pem, b"correct horse") is not None  # standard PKCS#8


def test_wrong_missing_or_needless_passphrases_are_typed_errors(tmp_path: Path) -> None:
    create_key_pair(tmp_path / "k.pem", passphrase=b"secret-passphrase")
    with pytest.raises(SigningKeyError, match="passphrase is wrong") as wrong:
        load_signer(tmp_path / "k.pem", "guess")
    assert "guess" not in str(wrong.value) and "secret-passphrase" not in str(wrong.value)
    assert "public key" not in str(wrong.value) and "not a PEM" not in str(wrong.value)
    with pytest.raises(SigningKeyError, match="give its passphrase"):
        load_signer(tmp_path / "k.pem")
    create_key_pair(tmp_path / "plain.pem", passphrase=None)
    with pytest.raises(SigningKeyError, match="not encrypted"):
        load_signer(tmp_path / "plain.pem", "x")
    assert load_signer(tmp_path / "plain.pem").algorithm is KeyAlgorithm.ECDSA_P256


def test_key_files_are_never_overwritten(tmp_path: Path) -> None:
    create_key_pair(tmp_path / "k.pem", passphrase=None)
    before = (tmp_path / "k.pem").read_bytes()
    with pytest.raises(UsageError, match="already exists"):
        create_key_pair(tmp_path / "k.pem", passphrase=None)
    assert (tmp_path / "k.pem").read_bytes() == before
    with pytest.raises(UsageError, match="empty"):
        create_key_pair(tmp_path / "other.pem", passphrase="")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.pem", "k.pub.pem"]


@pytest.mark.parametrize("content", [b"not a key", b"x" * 70_000])
def test_unreadable_key_files(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "bad.pem").write_bytes(content)
    with pytest.raises(SigningKeyError):
        load_signer(tmp_path / "bad.pem")
    with pytest.raises(SigningKeyError):
        load_public_key(tmp_path / "bad.pem")
    with pytest.raises(SigningKeyError, match="cannot read"):
        load_signer(tmp_path / "missing.pem")


@pytest.mark.parametrize("passphrase", [None, "a passphrase"])
def test_a_public_key_given_as_the_private_key_says_so(tmp_path: Path, passphrase: str | None) -> None:
    files = create_key_pair(tmp_path / "k.pem", passphrase="secret-passphrase")
    with pytest.raises(SigningKeyError) as caught:
        load_signer(files.public, passphrase)
    assert str(caught.value) == (f"{files.public}: this is a public key (a private key is needed to sign): give the "
                                 "private key, not the .pub.pem file")
    assert isinstance(caught.value, SuppliedFileError)


def test_a_file_that_is_no_key_is_not_called_a_wrong_passphrase(tmp_path: Path) -> None:
    (tmp_path / "notes.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    for passphrase in (None, "guess"):
        with pytest.raises(SigningKeyError, match="not a PEM private key") as caught:
            load_signer(tmp_path / "notes.pem", passphrase)
        assert "passphrase" not in caught.value.message


def test_a_passphrase_file_gives_its_first_line(tmp_path: Path) -> None:
    (tmp_path / "pass.txt").write_bytes(b"correct horse\nsecond line\n")
    assert read_passphrase_file(tmp_path / "pass.txt") == "correct horse"


@pytest.mark.parametrize(("content", "fragment"), [
    (None, "cannot read the passphrase file: No such file or directory"),
    (b"", "first line is empty"),
    (b"\nsecret", "first line is empty"),
    (b"x" * 5000, "too large"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_a_bad_passphrase_file_is_a_key_error_naming_it(tmp_path: Path, content: bytes | None, fragment: str) -> None:
    path = tmp_path / "pass.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SigningKeyError, match=fragment) as caught:
        read_passphrase_file(path)
    assert caught.value.path == str(path)
