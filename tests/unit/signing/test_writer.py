"""Signing bags: what is written where, refusals that leave the bag untouched, atomic landing, lifecycle hook."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from fivesafes_crate.errors import UsageError
from fivesafes_crate.packaging import package, refresh_bag
from fivesafes_crate.signing import SigningKeyError, SigningRefused, sign, sign_bag_folder, verify_signatures
from fivesafes_crate.signing.dsse import parse_envelope
from fivesafes_crate.signing.keys import PublicKey
from fivesafes_crate.signing.statement import PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE
from unit._crates import PERSON
from unit.signing._signed import CHECK_ACTION, LATER, NOW, TRE, URN, keys, lifecycle_bag, request_bag, trust_store


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_requester_signature_and_its_state(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    before = _tree(bag)
    record = sign(bag, keys().requester, role="requester", principal=PERSON, now=NOW)
    after = _tree(bag)
    assert record.file == "signatures/0001.requester.dsse.json" and record.phase == "request"
    added = sorted(set(after) - set(before))
    assert added == ["signatures/0001.requester.dsse.json", "signatures/0001.state/bag-info.txt",
                     "signatures/0001.state/manifest-sha512.txt", "signatures/0001.state/ro-crate-metadata.json",
                     "signatures/0001.state/tagmanifest-sha512.txt"]
    assert {name: after[name] for name in before} == before  # nothing else changed
    for name in ("bag-info.txt", "manifest-sha512.txt", "tagmanifest-sha512.txt"):
        assert after[f"signatures/0001.state/{name}"] == before[name]
    assert after["signatures/0001.state/ro-crate-metadata.json"] == before["data/ro-crate-metadata.json"]
    envelope = parse_envelope(after[record.file])
    assert envelope.payload_type == PAYLOAD_TYPE and envelope.signatures[0].keyid == keys().requester.key_id
    statement = json.loads(envelope.payload)
    assert statement["_type"] == STATEMENT_TYPE and statement["predicateType"] == PREDICATE_TYPE
    tag_manifest = before["tagmanifest-sha512.txt"]
    assert statement["subject"] == [{"name": "tagmanifest-sha512.txt", "digest": {
        "sha512": hashlib.sha512(tag_manifest).hexdigest(), "sha256": hashlib.sha256(tag_manifest).hexdigest()}}]
    assert statement["predicate"] == {"role": "requester", "phase": "request", "externalIdentifier": URN,
                                      "signer": PERSON, "signedAt": "2024-03-06T12:00:00+00:00",
                                      "assessAction": None, "previous": []}


def test_later_signatures_chain_and_are_covered_after_a_refresh(tmp_path: Path) -> None:
    bag = lifecycle_bag(tmp_path / "bag", keys())
    tag_manifest = (bag / "tagmanifest-sha512.txt").read_text()
    assert "signatures/0001.requester.dsse.json" in tag_manifest  # listed by the refresh
    assert "signatures/0002" not in tag_manifest  # not by the state it signs
    statement = json.loads(parse_envelope((bag / "signatures/0002.tre-check.dsse.json").read_bytes()).payload)
    first = (bag / "signatures/0001.requester.dsse.json").read_bytes()
    assert statement["predicate"]["previous"] == [
        {"name": "signatures/0001.requester.dsse.json", "sha512": hashlib.sha512(first).hexdigest()}]
    assert statement["predicate"]["assessAction"] == CHECK_ACTION
    assert not (bag / "signatures/0002.state/ro-crate-metadata.json").exists()  # only requesters keep it


def test_signing_a_zip_replaces_it_with_the_signed_bag(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    archive = package(bag, tmp_path / "request.bagit.zip", bagging_date=date(2024, 3, 6))
    record = sign(archive, keys().requester, role="requester", principal=PERSON, now=NOW)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
    assert f"request/{record.file}" in names and "request/signatures/0001.state/tagmanifest-sha512.txt" in names
    assert verify_signatures(archive, trust_store(keys()), now=LATER).valid


def test_repacking_and_refreshing_carry_signatures_over(tmp_path: Path) -> None:
    bag = lifecycle_bag(tmp_path / "bag", keys())
    signatures = {k: v for k, v in _tree(bag).items() if k.startswith("signatures/")}
    refresh_bag(bag, bagging_date=date(2024, 3, 9))
    listed = (bag / "tagmanifest-sha512.txt").read_text()
    for name, data in signatures.items():
        assert f"{hashlib.sha512(data).hexdigest()}  {name}\n" in listed
    repacked = package(bag, tmp_path / "again", folder=True)
    assert {k: v for k, v in _tree(repacked).items() if k.startswith("signatures/")} == signatures
    assert (repacked / "tagmanifest-sha512.txt").read_text().count("signatures/") == len(signatures)
    archive = package(bag, tmp_path / "again.zip")
    with zipfile.ZipFile(archive) as opened:
        assert {n.split("/", 1)[1] for n in opened.namelist() if "/signatures/" in n and not n.endswith("/")} \
            == set(signatures)


def _assert_refused(bag: Path, match: str, **kwargs: object) -> None:
    before = _tree(bag)
    arguments: dict[str, object] = {"role": "requester", "principal": PERSON, "now": NOW, **kwargs}
    with pytest.raises((SigningRefused, UsageError), match=match):
        sign(bag, keys().requester, **arguments)  # type: ignore[arg-type]
    assert _tree(bag) == before
    assert sorted(p.name for p in bag.parent.iterdir() if p.name.startswith(".")) == []


def test_a_tampered_bag_is_never_signed(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    (bag / "data" / "input1.txt").write_bytes(b"tampered")
    _assert_refused(bag, "fails BagIt verification")


def test_unlisted_tag_files_fetch_and_strays_are_refused(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    (bag / "notes.txt").write_text("n")
    _assert_refused(bag, "not listed in tagmanifest")
    (bag / "notes.txt").unlink()
    (bag / "signatures").mkdir()
    (bag / "signatures" / "readme.txt").write_text("x")
    _assert_refused(bag, "only signatures belong")
    shutil.rmtree(bag / "signatures")
    (bag / "signatures" / "0001.state").mkdir(parents=True)
    (bag / "signatures" / "0001.state" / "bag-info.txt").write_text("x")
    _assert_refused(bag, "state folder without its envelope")


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"role": "admin"}, "role 'admin'"),
        ({"role": "tre:custom"}, "no default phase"),
        ({"role": "tre:check", "phase": "Check Phase"}, "lower-case"),
        ({"principal": "alice"}, "absolute URI"),
        ({"assess_action": "#a b"}, "without spaces"),
    ],
)
def test_bad_arguments_are_usage_errors(tmp_path: Path, arguments: dict[str, object], match: str) -> None:
    _assert_refused(request_bag(tmp_path / "bag"), match, **arguments)


def test_crate_folders_are_not_signed(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    _assert_refused(tmp_path / "bag-crate", "pack the crate first")
    assert bag.is_dir()


class _BrokenHsm:
    """A signer whose device returns garbage or fails."""

    def __init__(self, result: bytes | None) -> None:
        self.result = result

    def public_key(self) -> PublicKey:
        return keys().requester.public_key()

    def sign(self, data: bytes) -> bytes:
        if self.result is None:
            raise RuntimeError("device unplugged")
        return self.result


@pytest.mark.parametrize(("result", "match"), [(None, "device unplugged"), (b"\x00" * 64, "does not verify")])
def test_a_failing_signer_writes_nothing(tmp_path: Path, result: bytes | None, match: str) -> None:
    bag = request_bag(tmp_path / "bag")
    before = _tree(bag)
    with pytest.raises(SigningKeyError, match=match):
        sign(bag, _BrokenHsm(result), role="requester", principal=PERSON, now=NOW)
    assert _tree(bag) == before


def test_a_custom_signer_protocol_implementation_signs(tmp_path: Path) -> None:
    class Hsm:
        def public_key(self) -> PublicKey:
            return keys().tre.public_key()

        def sign(self, data: bytes) -> bytes:
            return keys().tre.sign(data)

    bag = request_bag(tmp_path / "bag")
    sign(bag, keys().requester, role="requester", principal=PERSON, now=NOW)
    sign(bag, Hsm(), role="tre:check", principal=TRE, now=NOW)
    assert verify_signatures(bag, trust_store(keys()), now=LATER).valid


def test_an_interrupted_swap_is_repaired(tmp_path: Path) -> None:
    bag = request_bag(tmp_path / "bag")
    sign(bag, keys().requester, role="requester", principal=PERSON, now=NOW)
    aside = bag / ".signatures.fivesafes-previous"
    (bag / "signatures").rename(aside)  # killed between the two renames of the portable swap
    sign(bag, keys().tre, role="tre:check", principal=TRE, now=NOW)
    assert (bag / "signatures" / "0001.requester.dsse.json").is_file()
    assert (bag / "signatures" / "0002.tre-check.dsse.json").is_file()
    assert not aside.exists()


def test_the_lifecycle_hook_signs_in_the_step_role(tmp_path: Path) -> None:
    from fivesafes_crate.model.lifecycle import Step
    from fivesafes_crate.signing import sign_hook

    bag = request_bag(tmp_path / "bag")
    sign_bag_folder(bag, keys().requester, role="requester", principal=PERSON, now=NOW)
    hook = sign_hook(keys().tre, principal=TRE, clock=lambda: LATER)
    hook(bag, Step.CHECK, CHECK_ACTION)
    envelope = parse_envelope((bag / "signatures/0002.tre-check.dsse.json").read_bytes())
    assert json.loads(envelope.payload)["predicate"]["assessAction"] == CHECK_ACTION
    verification = verify_signatures(bag, trust_store(keys()), now=LATER)
    assert verification.valid and verification.endorsed_actions() == {CHECK_ACTION}


def test_a_real_lifecycle_step_signs_through_the_hook(tmp_path: Path) -> None:
    from fivesafes_crate.phases.check import record_check
    from fivesafes_crate.phases.lifecycle import Agent
    from fivesafes_crate.signing import sign_hook

    bag = request_bag(tmp_path / "bag")
    sign(bag, keys().requester, role="requester", principal=PERSON, now=NOW)
    result = record_check(bag, agent=Agent(TRE, "Safe Haven"), clock=lambda: LATER, new_id=lambda: "1",
                          sign=sign_hook(keys().tre, principal=TRE, clock=lambda: LATER))
    assert result.action is not None and result.action["@id"] == CHECK_ACTION
    verification = verify_signatures(bag, trust_store(keys()), now=LATER, policy="checked")
    assert verification.valid, verification.problems
    assert [e.role for e in verification.envelopes] == ["requester", "tre:check"]
    assert verification.endorsed_actions() == {CHECK_ACTION}
