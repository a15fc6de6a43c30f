"""The trust store TOML: the documented schema is accepted, everything else is refused with the entry at fault."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fivesafes_crate.errors import UsageError
from fivesafes_crate.signing import KeyAlgorithm, TrustStoreError, load_trust_store
from fivesafes_crate.signing.keys import public_pem
from fivesafes_crate.signing.trust import REQUESTING_AGENT, STATE_CURRENT
from unit.signing._signed import keys

ORCID = "https://orcid.org/0000-0002-1825-0097"


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "alice.pub.pem").write_bytes(public_pem(keys().requester.public_key()))
    path = tmp_path / "trust.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = f"""
[[key]]
public_key_file = "alice.pub.pem"
key_id = "{keys().requester.key_id}"
algorithm = "ecdsa-p256"
principal = "{ORCID}"
roles = ["requester"]
not_before = 2024-01-01T00:00:00Z
not_after = 2026-01-01T00:00:00+01:00
revoked_at = 2025-06-01T00:00:00Z
name = "Alice"

[[key]]
public_key = \"\"\"{public_pem(keys().tre.public_key()).decode()}\"\"\"
principal = "https://tre.example.org/"
roles = ["tre:check", "tre:publish"]

[policy.published]
description = "requested and published"
require = [
  {{ role = "requester", principal = "requesting-agent" }},
  {{ role = "tre:publish", state = "current" }},
]

[policy.signed-off]
require = [{{ role = "tre:signoff", count = 2 }}]
"""


def test_the_documented_schema_loads(tmp_path: Path) -> None:
    store = load_trust_store(_write(tmp_path, GOOD))
    alice = store.by_key_id(keys().requester.key_id)
    assert alice is not None and alice.principal == ORCID and alice.roles == {"requester"}
    assert alice.algorithm is KeyAlgorithm.ECDSA_P256 and alice.name == "Alice"
    assert alice.revoked_at == datetime(2025, 6, 1, tzinfo=UTC)
    assert alice.revoked(datetime(2025, 6, 1, tzinfo=UTC)) and not alice.revoked(datetime(2025, 5, 1, tzinfo=UTC))
    tre = store.by_key_id(keys().tre.key_id)
    assert tre is not None and tre.algorithm is KeyAlgorithm.ED25519
    published = store.policy("published")
    assert [(r.role, r.principal, r.state) for r in published.requirements] == [
        ("requester", REQUESTING_AGENT, "any"), ("tre:publish", None, STATE_CURRENT)]
    assert store.policy("signed-off").requirements[0].count == 2
    with pytest.raises(UsageError, match=r"no policy 'nope'.*published, signed-off"):
        store.policy("nope")


def _key(**members: str) -> str:
    fields = {"public_key_file": '"alice.pub.pem"', "principal": f'"{ORCID}"', "roles": '["requester"]'}
    fields.update(members)
    return "[[key]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items() if v)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "at least one \\[\\[key\\]\\]"),
        ("[[key]\n", "not valid TOML"),
        (_key() + "[other]\n", "unknown top-level"),
        (_key(colour='"red"'), "key 1: unknown member"),
        (_key(public_key_file=""), "exactly one of public_key"),
        (_key(public_key='"x"'), "exactly one of public_key"),
        (_key(public_key_file='"missing.pem"'), "key 1: .*cannot read"),
        (_key(key_id='"sha256:00"'), "not the id of this key"),
        (_key(algorithm='"ed25519"'), "algorithm says ed25519 but the key is ecdsa-p256"),
        (_key(algorithm='"dsa"'), "algorithm must be one of"),
        (_key(principal='"alice"'), "absolute URI"),
        (_key(roles='["admin"]'), "roles must be"),
        (_key(roles="[]"), "roles must be"),
        (_key(not_before="2024-01-01T00:00:00"), "with an offset"),
        (_key(not_before="2025-01-01T00:00:00Z", not_after="2024-01-01T00:00:00Z"), "later than not_before"),
        (_key() + _key(), "appears twice"),
        (_key() + "[policy.p]\nrequire = []\n", "non-empty list"),
        (_key() + "[policy.p]\nrequire = [{ role = \"tre:x\", count = 0 }]\n", "count must be"),
        (_key() + "[policy.p]\nrequire = [{ role = \"tre:x\", state = \"old\" }]\n", "state must be"),
        (_key() + "[policy.p]\nrequire = [{ role = \"tre:x\", principal = \"requesting-agent\" }]\n",
         "requester role only"),
        (_key() + "[policy.p]\nrequire = [{ role = \"boss\" }]\n", "role must be"),
        (_key() + "[policy.p]\nrequire = [{ role = \"tre:x\", why = 1 }]\n", "unknown member"),
    ],
)
def test_schema_violations_name_the_entry(tmp_path: Path, text: str, reason: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(TrustStoreError, match=reason) as caught:
        load_trust_store(path)
    assert caught.value.path == str(path)


def test_unreadable_trust_files(tmp_path: Path) -> None:
    with pytest.raises(TrustStoreError, match="cannot read"):
        load_trust_store(tmp_path / "missing.toml")
    (tmp_path / "big.toml").write_bytes(b"#" * (1024 * 1024 + 1))
    with pytest.raises(TrustStoreError, match="larger than"):
        load_trust_store(tmp_path / "big.toml")
    (tmp_path / "latin.toml").write_bytes(b"# \xe9\n")
    with pytest.raises(TrustStoreError, match="not UTF-8"):
        load_trust_store(tmp_path / "latin.toml")
