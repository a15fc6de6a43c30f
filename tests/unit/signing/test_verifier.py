"""Verification against a trust store: the per-envelope report, and every threat of the signing design.

Each threat must give a failed verification with a specific reason (a :class:`Failure` kind and a message),
never an exception other than the typed errors.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fivesafes_crate.errors import CrateReadError, UsageError
from fivesafes_crate.signing import (
    Failure,
    SignatureInvalid,
    SignedState,
    TrustStore,
    endorsed_actions,
    sign,
    sign_bag_folder,
    verify,
    verify_signatures,
)
from fivesafes_crate.signing.dsse import Envelope, EnvelopeSignature, b64encode, pae, parse_envelope
from fivesafes_crate.signing.keys import public_pem
from fivesafes_crate.signing.trust import trusted_key
from unit._crates import PERSON
from unit.signing._signed import (
    CHECK_ACTION,
    LATER,
    NOW,
    OTHER_URN,
    TRE,
    URN,
    Keys,
    keys,
    lifecycle_bag,
    request_bag,
    tre_edit,
    trust_store,
)

VERIFY_AT = datetime(2024, 3, 8, tzinfo=UTC)
FIRST = "signatures/0001.requester.dsse.json"
SECOND = "signatures/0002.tre-check.dsse.json"


def _verify(bag: Path, trust: TrustStore | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    return verify_signatures(bag, trust or trust_store(keys()), now=VERIFY_AT, **kwargs)  # type: ignore[arg-type]


def _kinds(bag: Path, trust: TrustStore | None = None, **kwargs: object) -> set[Failure]:
    result = _verify(bag, trust, **kwargs)
    assert not result.valid
    return {p.kind for p in result.problems}


@pytest.fixture
def bag(tmp_path: Path) -> Path:
    return lifecycle_bag(tmp_path / "bag", keys())


def test_a_signed_lifecycle_verifies_with_a_report_per_envelope(bag: Path) -> None:
    result = _verify(bag, policy="checked")
    assert result.valid, result.problems
    first, second = result.envelopes
    assert (first.file, first.role, first.phase, first.principal, first.key_id) == (
        FIRST, "requester", "request", PERSON, keys().requester.key_id)
    assert first.signature_ok and first.role_allowed and first.chain_ok and first.state is SignedState.SUPERSEDED
    assert first.diff is not None and first.diff.modified == ("data/ro-crate-metadata.json",)
    assert (first.diff.unchanged, first.diff.added, first.diff.removed) == (1, (), ())
    assert (second.file, second.role, second.state, second.diff) == (SECOND, "tre:check", SignedState.CURRENT, None)
    assert second.assess_action == CHECK_ACTION and second.signed_at == "2024-03-07T09:30:00+00:00"
    assert result.unsigned == () and result.policy == "checked" and result.files_checked > 0
    assert result.endorsed_actions() == {CHECK_ACTION}
    verify(bag, trust_store(keys()), policy="checked", now=VERIFY_AT)
    assert endorsed_actions(bag, trust_store(keys()), now=VERIFY_AT) == {CHECK_ACTION}


@pytest.mark.parametrize("name", ["data/input1.txt", "data/ro-crate-metadata.json", "bag-info.txt",
                                  "manifest-sha512.txt", "tagmanifest-sha512.txt", "bagit.txt", FIRST,
                                  "signatures/0001.state/ro-crate-metadata.json",
                                  "signatures/0002.state/tagmanifest-sha512.txt",
                                  "signatures/0002.state/bag-info.txt"])
def test_tampering_with_any_signed_file_fails(bag: Path, name: str) -> None:
    path = bag / name
    path.write_bytes(path.read_bytes() + b" ")
    result = _verify(bag)
    assert not result.valid
    with pytest.raises(SignatureInvalid) as caught:
        verify(bag, trust_store(keys()), now=VERIFY_AT)
    assert caught.value.verification == result and caught.value.path


def test_an_added_file_is_reported_unsigned(bag: Path) -> None:
    (bag / "data" / "extra.txt").write_text("smuggled")
    (bag / "notes.txt").write_text("unlisted tag file")
    (bag / "signatures" / "0002.state" / "extra.txt").write_text("stray")
    result = _verify(bag)
    assert result.unsigned == ("data/extra.txt", "notes.txt", "signatures/0002.state/extra.txt")
    assert {p.kind for p in result.problems} >= {Failure.UNSIGNED_FILE}


def test_removing_a_middle_envelope_breaks_the_chain(tmp_path: Path) -> None:
    bag = lifecycle_bag(tmp_path / "bag", keys())
    tre_edit(bag, "#check-2")
    sign_bag_folder(bag, keys().tre, role="tre:signoff", principal=TRE, now=LATER)
    (bag / SECOND).unlink()
    shutil.rmtree(bag / "signatures" / "0002.state")
    result = _verify(bag)
    chain = [p.message for p in result.problems if p.kind is Failure.CHAIN]
    assert any("without gaps" in m for m in chain) and any(f"missing from the bag: {SECOND}" in m for m in chain)


def test_removing_the_last_envelope_fails_the_policy(bag: Path) -> None:
    (bag / SECOND).unlink()
    shutil.rmtree(bag / "signatures" / "0002.state")
    assert _kinds(bag, policy="checked") == {Failure.CURRENT, Failure.POLICY}


def test_an_envelope_swapped_in_from_another_crate(tmp_path: Path) -> None:
    bag = lifecycle_bag(tmp_path / "bag", keys())
    other = lifecycle_bag(tmp_path / "other", keys(), urn=OTHER_URN)
    (bag / SECOND).unlink()
    shutil.rmtree(bag / "signatures" / "0002.state")
    shutil.copy(other / SECOND, bag / SECOND)
    shutil.copytree(other / "signatures" / "0002.state", bag / "signatures" / "0002.state")
    result = _verify(bag)
    state = [p.message for p in result.problems if p.kind is Failure.STATE]
    assert any("another crate" in m and OTHER_URN in m for m in state)
    assert result.envelopes[1].state is SignedState.SUPERSEDED  # its subject is not this bag's tag manifest
    assert Failure.CHAIN in {p.kind for p in result.problems}


def test_replaying_an_older_state_as_current(bag: Path) -> None:
    for name in ("bag-info.txt", "manifest-sha512.txt", "tagmanifest-sha512.txt"):
        shutil.copy(bag / "signatures" / "0001.state" / name, bag / name)
    shutil.copy(bag / "signatures" / "0001.state" / "ro-crate-metadata.json", bag / "data" / "ro-crate-metadata.json")
    result = _verify(bag)
    assert result.envelopes[0].state is SignedState.CURRENT
    rolled = [p for p in result.problems if p.kind is Failure.CURRENT]
    assert rolled and "rolled back" in rolled[0].message and rolled[0].file == SECOND
    # without the later envelope, the replay is a valid older state: the policy catches it
    (bag / SECOND).unlink()
    shutil.rmtree(bag / "signatures" / "0002.state")
    assert _kinds(bag, policy="checked") == {Failure.POLICY}


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        ({"not_before": datetime(2024, 4, 1, tzinfo=UTC)}, "before key"),
        ({"not_after": datetime(2024, 3, 1, tzinfo=UTC)}, "expired"),
        ({"revoked_at": datetime(2024, 3, 1, tzinfo=UTC)}, "was revoked"),
    ],
)
def test_a_key_outside_its_validity_window(bag: Path, window: dict[str, datetime], reason: str) -> None:
    result = _verify(bag, trust_store(keys(), **window))
    allowed = [p for p in result.problems if p.kind is Failure.KEY_ALLOWED]
    assert allowed and reason in allowed[0].message and allowed[0].file == FIRST
    assert not result.envelopes[0].role_allowed


def test_a_key_revoked_after_signing_stands_only_when_vouched_for(tmp_path: Path) -> None:
    revoked = trust_store(keys(), revoked_at=datetime(2024, 3, 6, 18, tzinfo=UTC))
    assert _verify(lifecycle_bag(tmp_path / "vouched", keys()), revoked).valid  # 0002 by the TRE covers it
    alone = request_bag(tmp_path / "alone")
    sign_bag_folder(alone, keys().requester, role="requester", principal=PERSON, now=NOW)
    result = _verify(alone, revoked)
    assert any("revoked" in p.message for p in result.problems if p.kind is Failure.KEY_ALLOWED)
    assert FIRST in result.unsigned and "signatures/0001.state/bag-info.txt" in result.unsigned  # covers nothing


def test_a_role_the_key_may_not_sign(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    sign_bag_folder(bag, keys().requester, role="tre:publish", principal=PERSON, now=NOW)
    problems = [p.message for p in _verify(bag).problems if p.kind is Failure.KEY_ALLOWED]
    assert problems == [f"key {keys().requester.key_id} ({PERSON}) may not sign as tre:publish; it may sign as "
                        "requester"]


def test_a_signer_claiming_another_principal(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    sign_bag_folder(bag, keys().requester, role="requester", principal="https://orcid.org/0000-0000-0000-0000",
                    now=NOW)
    assert any("belongs to" in p.message for p in _verify(bag).problems if p.kind is Failure.KEY_ALLOWED)


def test_a_signature_from_the_future(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    sign_bag_folder(bag, keys().requester, role="requester", principal=PERSON, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert any("future" in p.message for p in _verify(bag).problems)


def _rewrite_envelope(bag: Path, name: str, envelope: Envelope) -> None:
    (bag / name).write_bytes(envelope.to_json())


def test_algorithm_confusion_ed25519_key_presented_as_ecdsa(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    sign_bag_folder(bag, keys().requester, role="requester", principal=PERSON, now=NOW)
    envelope = parse_envelope((bag / FIRST).read_bytes())
    # the trust store holds the requester's principal with an Ed25519 key; the envelope names it but carries
    # an ECDSA signature made with another key: the key type decides, so it fails
    trust = TrustStore.of(trusted_key(keys().stranger.public_key(), principal=PERSON, roles=("requester",)))
    forged = Envelope(envelope.payload_type, envelope.payload,
                      (EnvelopeSignature(keys().requester.sign(envelope.pae()), keys().stranger.key_id),))
    _rewrite_envelope(bag, FIRST, forged)
    problems = [p.message for p in _verify(bag, trust).problems if p.kind is Failure.VERIFIED]
    assert problems and f"does not verify with key {keys().stranger.key_id} (ed25519)" in problems[0]


def test_unknown_and_mismatched_key_ids(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    sign_bag_folder(bag, keys().stranger, role="requester", principal=PERSON, now=NOW)
    assert "not in the trust store" in _verify(bag).problems[0].message
    envelope = parse_envelope((bag / FIRST).read_bytes())
    anonymous = Envelope(envelope.payload_type, envelope.payload, (EnvelopeSignature(envelope.signatures[0].sig),))
    _rewrite_envelope(bag, FIRST, anonymous)
    assert "no trusted key verifies" in _verify(bag).problems[0].message


def test_an_envelope_without_a_keyid_verifies_by_trying_the_keys(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    sign_bag_folder(bag, keys().requester, role="requester", principal=PERSON, now=NOW)
    envelope = parse_envelope((bag / FIRST).read_bytes())
    url_safe = {"payload": base64.urlsafe_b64encode(envelope.payload).decode().rstrip("="),
                "payloadType": envelope.payload_type,
                "signatures": [{"sig": base64.urlsafe_b64encode(envelope.signatures[0].sig).decode()}]}
    (bag / FIRST).write_text(json.dumps(url_safe))
    assert _verify(bag).valid


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"payload": "***", "payloadType": "application/vnd.in-toto+json", "signatures": [{"sig": "AA=="}]}',
         "not base64"),
        (b"[" * 5000 + b"]" * 5000, "nested deeper"),
        (b'{"payload": "' + b"A" * (2 * 1024 * 1024) + b'"}', "larger than"),
        (b"{}", "no string 'payloadType'"),
        (json.dumps({"payload": "e30=", "payloadType": "text/plain", "signatures": [{"sig": "AA=="}]}).encode(),
         "payloadType is 'text/plain'"),
    ],
)
def test_malformed_envelopes_fail_with_a_reason(bag: Path, content: bytes, reason: str) -> None:
    (bag / SECOND).write_bytes(content)
    problems = [p for p in _verify(bag).problems if p.kind is Failure.ENVELOPE]
    assert problems and reason in problems[0].message and problems[0].file == SECOND


def test_a_signed_payload_that_is_not_our_statement(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    payload = json.dumps({"_type": "https://in-toto.io/Statement/v1", "subject": [], "predicateType": "x",
                          "predicate": {}}).encode()
    message = pae("application/vnd.in-toto+json", payload)
    envelope = Envelope("application/vnd.in-toto+json", payload,
                        (EnvelopeSignature(keys().requester.sign(message), keys().requester.key_id),))
    (bag / "signatures").mkdir()
    _rewrite_envelope(bag, FIRST, envelope)
    result = _verify(bag)
    assert result.envelopes[0].signature_ok and "predicateType" in result.envelopes[0].problems[0].message


def test_a_bag_without_signatures(tmp_path: Path) -> None:
    assert _kinds(request_bag(tmp_path / "bag")) == {Failure.PRESENT}


def test_a_bag_changed_after_its_last_signature(bag: Path) -> None:
    tre_edit(bag, "#sneaky")
    result = _verify(bag)
    assert {p.kind for p in result.problems} == {Failure.CURRENT}
    assert result.endorsed_actions() == frozenset()


def test_two_signoffs_by_distinct_principals(tmp_path: Path) -> None:
    bag = lifecycle_bag(tmp_path / "bag", keys())
    other_tre = "https://tre.example.org/people/bob"
    trust = trust_store(keys())
    trust = TrustStore.of(*trust.keys, trusted_key(keys().stranger.public_key(), principal=other_tre,
                                                   roles=("tre:signoff",)), policies=trust.policies)
    sign_bag_folder(bag, keys().tre, role="tre:signoff", principal=TRE, now=LATER)
    assert _kinds(bag, trust, policy="two-signoffs") == {Failure.POLICY}
    sign_bag_folder(bag, keys().stranger, role="tre:signoff", principal=other_tre, now=LATER)
    assert _verify(bag, trust, policy="two-signoffs").valid


def test_the_requester_must_be_the_requesting_agent(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    impostor = "https://orcid.org/0000-0000-0000-0001"
    trust = TrustStore.of(trusted_key(keys().requester.public_key(), principal=impostor, roles=("requester",)),
                          policies=trust_store(keys()).policies)
    sign_bag_folder(bag, keys().requester, role="requester", principal=impostor, now=NOW)
    result = _verify(bag, trust, policy="checked")
    assert result.problems[0].message.startswith("policy checked needs a signature of role requester by the "
                                                 "Requesting Agent")


def test_only_tre_custody_endorses_actions(bag: Path) -> None:
    sign_bag_folder(bag, keys().requester, role="requester", principal=PERSON, now=LATER)  # co-signed after the TRE
    result = _verify(bag)
    assert result.valid and result.endorsed_actions() == frozenset()


def test_fetch_txt_and_broken_bags_fail(bag: Path) -> None:
    (bag / "fetch.txt").write_text("")
    assert Failure.BAG in _kinds(bag)


def test_a_file_smuggled_beside_the_bag_in_its_zip(tmp_path: Path, bag: Path) -> None:
    archive = tmp_path / "signed.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(bag.rglob("*")):
            if path.is_file():
                zipped.write(path, "bag/" + path.relative_to(bag).as_posix())
        zipped.writestr("extra/payload.exe", b"MZ")
    assert _verify(bag).valid
    result = _verify(archive)
    assert [p.kind for p in result.problems] == [Failure.BAG] and "extra" in result.problems[0].message


def test_typed_errors_only(tmp_path: Path, bag: Path) -> None:
    with pytest.raises(CrateReadError):
        _verify(tmp_path / "bag-crate")
    with pytest.raises(UsageError, match="no policy"):
        _verify(bag, policy="nope")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
@pytest.mark.parametrize("which", ["ecdsa", "ed25519"])
def test_openssl_verifies_an_envelope(tmp_path: Path, which: str) -> None:
    """What docs/signing.md tells people to do: extract the PAE and the signature, then ``openssl`` alone."""
    signer = keys().requester if which == "ecdsa" else keys().tre
    bag = request_bag(tmp_path / "bag")
    record = sign(bag, signer, role="requester", principal=PERSON, now=NOW)
    document = json.loads((bag / record.file).read_text())
    payload_type = document["payloadType"].encode()
    payload = base64.b64decode(document["payload"])
    (tmp_path / "pae.bin").write_bytes(b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload))
    (tmp_path / "sig.bin").write_bytes(base64.b64decode(document["signatures"][0]["sig"]))
    (tmp_path / "key.pub.pem").write_bytes(public_pem(signer.public_key()))
    if which == "ecdsa":
        command = ["openssl", "dgst", "-sha256", "-verify", "key.pub.pem", "-signature", "sig.bin", "pae.bin"]
    else:
        command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "key.pub.pem", "-rawin", "-in", "pae.bin",
                   "-sigfile", "sig.bin"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Verified" in done.stdout + done.stderr, done.stdout + done.stderr
    (tmp_path / "pae.bin").write_bytes((tmp_path / "pae.bin").read_bytes() + b" ")
    assert subprocess.run(command, cwd=tmp_path, capture_output=True, check=False).returncode != 0
    statement = json.loads(payload)
    tag_manifest = (bag / "tagmanifest-sha512.txt").read_bytes()
    assert statement["subject"][0]["digest"]["sha512"] == hashlib.sha512(tag_manifest).hexdigest()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_rsa_pss(tmp_path: Path) -> None:
    from unit.signing._signed import rsa_key

    signer = rsa_key()
    message = pae("application/vnd.in-toto+json", b"{}")
    (tmp_path / "pae.bin").write_bytes(message)
    (tmp_path / "sig.bin").write_bytes(signer.sign(message))
    (tmp_path / "key.pub.pem").write_bytes(public_pem(signer.public_key()))
    command = ["openssl", "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
               "-verify", "key.pub.pem", "-signature", "sig.bin", "pae.bin"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert b64encode(b"x") == "eA=="


def test_the_keys_fixture_is_shared(bag: Path) -> None:
    assert isinstance(keys(), Keys) and URN in (bag / "bag-info.txt").read_text()


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_a_truncated_envelope_fails_with_a_reason(bag: Path, keep: float) -> None:
    data = (bag / SECOND).read_bytes()
    (bag / SECOND).write_bytes(data[: int(len(data) * keep)])
    report = _verify(bag)
    problems = [p for p in report.problems if p.kind is Failure.ENVELOPE]
    assert not report.valid and problems and problems[0].file == SECOND
    assert "is not valid JSON" in problems[0].message
