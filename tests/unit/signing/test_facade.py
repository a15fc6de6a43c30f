"""The public front door: signing through the names ``fivesafes_crate`` exports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import fivesafes_crate as fc
from unit._crates import PERSON
from unit.signing._signed import NOW, TRE, request_bag


def test_the_whole_story_through_the_facade(tmp_path: Path) -> None:
    requester, tre = fc.generate_key(), fc.generate_key(fc.KeyAlgorithm.ED25519)
    assert isinstance(requester, fc.KeySigner) and isinstance(tre, fc.Signer)
    bag = request_bag(tmp_path / "bag")
    fc.create_key_pair(tmp_path / "tre.pem", passphrase="passphrase", algorithm=fc.KeyAlgorithm.ED25519)
    (tmp_path / "trust.toml").write_text(
        f'[[key]]\npublic_key_file = "tre.pub.pem"\nprincipal = "{TRE}"\nroles = ["tre:check"]\n')
    trust = fc.load_trust_store(tmp_path / "trust.toml")
    assert isinstance(trust, fc.TrustStore)
    signer = fc.load_signer(tmp_path / "tre.pem", "passphrase")
    record = fc.sign(bag, signer, role="tre:check", principal=TRE, assess_action="#check-1", now=NOW)
    later = datetime(2024, 3, 8, tzinfo=UTC)
    fc.verify(bag, trust, now=later)
    assert fc.verify_signatures(bag, trust, now=later).envelopes[0].file == record.file
    assert fc.endorsed_actions(bag, trust, now=later) == {"#check-1"}
    report = fc.validate(bag, trust=trust)
    assert not {i.check for i in report.issues if i.check.startswith("signature.")}
    fc.sign(bag, requester, role="requester", principal=PERSON, now=NOW)
    with pytest.raises(fc.SignatureInvalid) as caught:
        fc.verify(bag, trust, now=later)
    assert isinstance(caught.value, fc.FiveSafesError) and not caught.value.verification.valid
    assert "signature.verified" in fc.validate(bag, trust=trust).checks()
    with pytest.raises(fc.CrateReadError):
        fc.sign(tmp_path / "trust.toml", requester, role="requester", principal=PERSON)
    (bag / "data" / "input1.txt").write_text("tampered")
    with pytest.raises(fc.SigningRefused, match="fails BagIt verification"):
        fc.sign(bag, requester, role="requester", principal=PERSON)


def test_errors_are_five_safes_errors() -> None:
    for error in (fc.SigningKeyError, fc.SigningRefused, fc.SignatureInvalid, fc.TrustStoreError):
        assert issubclass(error, fc.FiveSafesError)
