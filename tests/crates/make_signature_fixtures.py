"""Generate the invalid fixtures of the signature checks (``signature.*``), each a signed bag and its trust store.

Run ``.venv/bin/python tests/crates/make_signature_fixtures.py`` (then ``python tests/crates/make_readme.py``).
Every fixture is the valid ``minimal-request`` crate packed as a bag folder ``bag/``, signed as the requester
(and, where the fixture needs a later state, refreshed and signed ``tre:check``) with keys generated for the
run, and ``trust.toml`` trusting their public keys. Each breaks one signature rule; the private keys are
thrown away, so regenerating gives new signatures.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from fivesafes_crate.packaging import package, refresh_bag
from fivesafes_crate.signing import KeyAlgorithm, KeySigner, generate_key, sign_bag_folder
from fivesafes_crate.signing.keys import public_pem

CRATES = Path(__file__).resolve().parent
INVALID = CRATES / "invalid"
SOURCE = CRATES / "valid" / "minimal-request" / "crate"
ORIGIN = "The valid minimal-request crate packed as a bag folder and signed as the requester"
URN = "urn:uuid:6f0c1e52-3c0b-4f55-9d7e-2b1a4c8e9f01"
TRE = "https://tre.example.org/"
NOW = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)


def _requesting_agent() -> str:
    document = json.loads((SOURCE / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    graph = {e["@id"]: e for e in document["@graph"]}
    mentions = graph["./"]["mentions"]
    run = graph[(mentions if isinstance(mentions, dict) else mentions[0])["@id"]]
    return str(run["agent"]["@id"])


def _trust(requester: KeySigner, tre: KeySigner, requester_roles: str = '["requester"]') -> str:
    return (f'[[key]]\npublic_key = """{public_pem(requester.public_key()).decode()}"""\n'
            f'principal = "{_requesting_agent()}"\nroles = {requester_roles}\n\n'
            f'[[key]]\npublic_key = """{public_pem(tre.public_key()).decode()}"""\n'
            f'principal = "{TRE}"\nroles = ["tre:check"]\n')


def _write(check: str, description: str, build: Callable[[Path, KeySigner, KeySigner], str]) -> None:
    folder = INVALID / check
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    requester, tre = generate_key(), generate_key(KeyAlgorithm.ED25519)
    bag = package(SOURCE, folder / "bag", folder=True, external_identifier=URN, bagging_date=date(2024, 3, 6))
    (folder / "trust.toml").write_text(build(bag, requester, tre), encoding="utf-8")
    expected = {"description": f"{ORIGIN}; {description}", "input": "bag", "trust": "trust.toml", "profile": None,
                "phase": None, "checks": [check]}
    (folder / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")


def _sign(bag: Path, requester: KeySigner) -> None:
    sign_bag_folder(bag, requester, role="requester", principal=_requesting_agent(), now=NOW)


def _two_states(bag: Path, requester: KeySigner, tre: KeySigner) -> None:
    _sign(bag, requester)
    refresh_bag(bag, bagging_date=date(2024, 3, 7))
    sign_bag_folder(bag, tre, role="tre:check", principal=TRE, now=NOW)


def present(bag: Path, requester: KeySigner, tre: KeySigner) -> str:
    return _trust(requester, tre)


def envelope(bag: Path, requester: KeySigner, tre: KeySigner) -> str:
    _sign(bag, requester)
    (bag / "signatures" / "0001.requester.dsse.json").write_text(
        '{"payload": "not base64!", "payloadType": "application/vnd.in-toto+json", "signatures": [{"sig": "AA=="}]}\n')
    return _trust(requester, tre)


def verified(bag: Path, requester: KeySigner, tre: KeySigner) -> str:
    _sign(bag, generate_key())
    return _trust(requester, tre)


def key_allowed(bag: Path, requester: KeySigner, tre: KeySigner) -> str:
    _sign(bag, requester)
    return _trust(requester, tre, requester_roles='["tre:check"]')


def state(bag: Path, requester: KeySigner, tre: KeySigner) -> str:
    _sign(bag, requester)
    copy = bag / "signatures" / "0001.state" / "bag-info.txt"
    copy.write_text(copy.read_text() + "Contact-Name: someone\n")
    return _trust(requester, tre)


def chain(bag: Path, requester: KeySigner, tre: KeySigner) -> str:
    _two_states(bag, requester, tre)
    signatures = bag / "signatures"
    (signatures / "0002.tre-check.dsse.json").rename(signatures / "0003.tre-check.dsse.json")
    (signatures / "0002.state").rename(signatures / "0003.state")
    return _trust(requester, tre)


def current(bag: Path, requester: KeySigner, tre: KeySigner) -> str:
    _sign(bag, requester)
    refresh_bag(bag, bagging_date=date(2024, 3, 8))
    return _trust(requester, tre)


def unsigned_file(bag: Path, requester: KeySigner, tre: KeySigner) -> str:
    _sign(bag, requester)
    (bag / "notes.txt").write_text("a tag file listed in no manifest and signed by nobody\n")
    return _trust(requester, tre)


FIXTURES: dict[str, tuple[str, Callable[[Path, KeySigner, KeySigner], str]]] = {
    "signature.present": ("then left unsigned: a trust store asks for signatures but signatures/ is absent", present),
    "signature.envelope": ("its envelope then replaced by one whose payload is not base64", envelope),
    "signature.verified": ("with a key that is not in trust.toml", verified),
    "signature.key-allowed": ("with a key that trust.toml allows only the role tre:check", key_allowed),
    "signature.state": ("then its copy of the signed bag-info.txt altered", state),
    "signature.chain": ("refreshed and signed tre:check, then envelope 0002 renamed 0003 (a gap)", chain),
    "signature.current": ("then its manifests refreshed with a new Bagging-Date: the current state is unsigned",
                          current),
    "signature.unsigned-file": ("then notes.txt added beside data/, in no manifest", unsigned_file),
}


def main() -> None:
    for check, (description, build) in FIXTURES.items():
        _write(check, description, build)


if __name__ == "__main__":
    main()
