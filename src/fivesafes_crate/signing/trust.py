"""The trust store: which keys may sign as whom, in which roles and when, and the policies a crate must meet.

A TOML file (schema in ``docs/signing.md``, checked here member by member; unknown members are errors)::

    [[key]]
    public_key_file = "keys/alice.pub.pem"     # or public_key = "-----BEGIN PUBLIC KEY-----..."
    key_id = "sha256:..."                       # optional pin: must be the key's id
    algorithm = "ecdsa-p256"                    # optional pin: ecdsa-p256, ed25519 or rsa-pss
    principal = "https://orcid.org/0000-0002-1825-0097"
    roles = ["requester"]
    not_before = 2024-01-01T00:00:00Z           # optional, offset date-times
    not_after = 2026-01-01T00:00:00Z
    revoked_at = 2025-06-01T00:00:00Z

    [policy.published]
    description = "requested by the Requesting Agent, published by the TRE"
    require = [
      { role = "requester", principal = "requesting-agent" },
      { role = "tre:publish", state = "current" },
    ]
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import SuppliedFileError, UsageError
from ..model.crate import nested_deeper_than
from .keys import KeyAlgorithm, PublicKey, SigningKeyError, algorithm_of, key_id, load_public_key, parse_public_key
from .statement import REQUESTER, valid_role, valid_uri

MAX_TRUST_FILE_BYTES = 1024 * 1024
MAX_TRUST_DEPTH = 16
"""The deepest nesting of tables and arrays a trust store may have (its schema needs three)."""
REQUESTING_AGENT = "requesting-agent"
"""A policy ``principal`` meaning: the agent of the crate's requested ``CreateAction``, as the requester signed it."""

STATE_CURRENT = "current"
STATE_ANY = "any"

_KEY_MEMBERS = {"public_key", "public_key_file", "key_id", "algorithm", "principal", "roles", "not_before",
                "not_after", "revoked_at", "name"}
_POLICY_MEMBERS = {"description", "require"}
_REQUIREMENT_MEMBERS = {"role", "count", "state", "principal"}


class TrustStoreError(SuppliedFileError):
    """A trust store file cannot be read or does not follow the documented schema; the message says where."""


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """A public key the verifier trusts, for one principal, some roles and a period."""

    key_id: str
    algorithm: KeyAlgorithm
    public_key: PublicKey = field(repr=False, compare=False)
    principal: str
    roles: frozenset[str]
    not_before: datetime | None = None
    not_after: datetime | None = None
    revoked_at: datetime | None = None
    name: str | None = None

    def revoked(self, now: datetime) -> bool:
        """True when the key's revocation time has come."""
        return self.revoked_at is not None and self.revoked_at <= now


@dataclass(frozen=True, slots=True)
class Requirement:
    """One line of a policy: ``count`` signatures of ``role`` by distinct principals, over ``state``.

    ``principal`` is None (anyone the trust store allows), a URI, or :data:`REQUESTING_AGENT`.
    """

    role: str
    count: int = 1
    state: str = STATE_ANY
    principal: str | None = None

    def describe(self) -> str:
        """The requirement in words, for messages."""
        who = {None: "", REQUESTING_AGENT: " by the Requesting Agent"}.get(self.principal, f" by {self.principal}")
        where = " over the current state" if self.state == STATE_CURRENT else ""
        many = f"{self.count} signatures" if self.count > 1 else "a signature"
        distinct = " (distinct principals)" if self.count > 1 else ""
        return f"{many} of role {self.role}{who}{where}{distinct}"


@dataclass(frozen=True, slots=True)
class Policy:
    """A named set of requirements a crate must meet for a target state (``published``, ``signed-off``...)."""

    name: str
    requirements: tuple[Requirement, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class TrustStore:
    """Trusted keys (by key id) and named policies, from :func:`load_trust_store` or built in code."""

    keys: tuple[TrustedKey, ...]
    policies: Mapping[str, Policy] = field(default_factory=dict)

    def by_key_id(self, wanted: str) -> TrustedKey | None:
        """The trusted key with this key id, or None."""
        return next((key for key in self.keys if key.key_id == wanted), None)

    def policy(self, name: str) -> Policy:
        """The named policy; :class:`~fivesafes_crate.errors.UsageError` when the store has none of that name."""
        found = self.policies.get(name)
        if found is None:
            known = ", ".join(sorted(self.policies)) or "none"
            raise UsageError(f"the trust store has no policy {name!r} (it has: {known})")
        return found

    @classmethod
    def of(cls, *keys: TrustedKey, policies: Mapping[str, Policy] | None = None) -> TrustStore:
        """A store from keys built in code; refuses the same key twice."""
        seen: set[str] = set()
        for key in keys:
            if key.key_id in seen:
                raise TrustStoreError(f"key {key.key_id} appears twice; list its roles in one entry")
            seen.add(key.key_id)
        return cls(tuple(keys), dict(policies or {}))


def trusted_key(
    public_key: PublicKey,
    *,
    principal: str,
    roles: tuple[str, ...] | frozenset[str],
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    revoked_at: datetime | None = None,
    name: str | None = None,
) -> TrustedKey:
    """A :class:`TrustedKey` built in code, checked as the TOML loader checks an entry."""
    _check_entry(principal, list(roles), (not_before, not_after, revoked_at), "the key")
    return TrustedKey(key_id(public_key), algorithm_of(public_key), public_key, principal, frozenset(roles),
                      not_before, not_after, revoked_at, name)


def _check_entry(principal: Any, roles: Any, times: tuple[Any, ...], where: str) -> None:
    if not isinstance(principal, str) or not valid_uri(principal):
        raise TrustStoreError(f"{where}: principal must be an absolute URI (an ORCID, the TRE's URI)")
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) and valid_role(r) for r in roles):
        raise TrustStoreError(f"{where}: roles must be a non-empty list of 'requester' or 'tre:<name>'")
    for moment in times:
        if moment is not None and (not isinstance(moment, datetime) or moment.tzinfo is None):
            raise TrustStoreError(f"{where}: not_before, not_after and revoked_at must be date-times with an offset "
                                  "(2025-01-01T00:00:00Z)")
    not_before, not_after = times[0], times[1]
    if not_before is not None and not_after is not None and not_after <= not_before:
        raise TrustStoreError(f"{where}: not_after must be later than not_before")


def load_trust_store(path: str | os.PathLike[str]) -> TrustStore:
    """Read and check a trust store TOML file (keys, principals, roles, validity, policies; docs/signing.md).

    Raises :class:`TrustStoreError` naming the file and the entry at fault.
    """
    given = Path(path)
    shown = str(given)
    try:
        with given.open("rb") as stream:
            raw = stream.read(MAX_TRUST_FILE_BYTES + 1)
    except OSError as exc:
        raise TrustStoreError(f"cannot read the trust store: {exc.strerror or exc}", path=shown) from exc
    if len(raw) > MAX_TRUST_FILE_BYTES:
        raise TrustStoreError(f"larger than {MAX_TRUST_FILE_BYTES} bytes", path=shown)
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise TrustStoreError(f"not UTF-8 (byte {exc.start})", path=shown) from None
    except tomllib.TOMLDecodeError as exc:
        raise TrustStoreError(f"not valid TOML: {exc}", path=shown) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        document = None
    if document is None or nested_deeper_than(document, MAX_TRUST_DEPTH):
        raise TrustStoreError(f"nested deeper than {MAX_TRUST_DEPTH} levels", path=shown)
    try:
        return _parse(document, given.parent)
    except TrustStoreError as exc:
        raise TrustStoreError(exc.message, path=shown) from None


def _parse(document: dict[str, Any], base: Path) -> TrustStore:
    unknown = sorted(set(document) - {"key", "policy"})
    if unknown:
        raise TrustStoreError(f"unknown top-level member(s) {', '.join(unknown)}: expected [[key]] and [policy.NAME]")
    entries = document.get("key", [])
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise TrustStoreError("the trust store needs at least one [[key]] table")
    keys = [_parse_key(entry, index, base) for index, entry in enumerate(entries, 1)]
    policies_table = document.get("policy", {})
    if not isinstance(policies_table, dict):
        raise TrustStoreError("policy must be a table of named policies: [policy.NAME]")
    policies = {name: _parse_policy(name, value) for name, value in policies_table.items()}
    return TrustStore.of(*keys, policies=policies)


def _parse_key(entry: dict[str, Any], index: int, base: Path) -> TrustedKey:
    where = f"key {index}"
    unknown = sorted(set(entry) - _KEY_MEMBERS)
    if unknown:
        raise TrustStoreError(f"{where}: unknown member(s) {', '.join(unknown)}")
    inline, file = entry.get("public_key"), entry.get("public_key_file")
    if (inline is None) == (file is None):
        raise TrustStoreError(f"{where}: give exactly one of public_key (PEM text) and public_key_file")
    try:
        if isinstance(inline, str):
            public = parse_public_key(inline.encode("utf-8"))
        elif isinstance(file, str):
            public = load_public_key(base / file)
        else:
            raise TrustStoreError(f"{where}: public_key and public_key_file must be text")
    except SigningKeyError as exc:
        raise TrustStoreError(f"{where}: {exc}") from None
    kid, algorithm = key_id(public), algorithm_of(public)
    pinned = entry.get("key_id")
    if pinned is not None and pinned != kid:
        raise TrustStoreError(f"{where}: key_id {pinned!r} is not the id of this key ({kid})")
    declared = entry.get("algorithm")
    if declared is not None:
        if declared not in {a.value for a in KeyAlgorithm}:
            raise TrustStoreError(f"{where}: algorithm must be one of {', '.join(a.value for a in KeyAlgorithm)}")
        if declared != algorithm.value:
            raise TrustStoreError(f"{where}: algorithm says {declared} but the key is {algorithm.value}")
    times = (entry.get("not_before"), entry.get("not_after"), entry.get("revoked_at"))
    _check_entry(entry.get("principal"), entry.get("roles"), times, where)
    name = entry.get("name")
    if name is not None and not isinstance(name, str):
        raise TrustStoreError(f"{where}: name must be text")
    return TrustedKey(kid, algorithm, public, entry["principal"], frozenset(entry["roles"]), *times, name)


def _parse_policy(name: str, value: Any) -> Policy:
    where = f"policy {name!r}"
    if not isinstance(value, dict):
        raise TrustStoreError(f"{where} must be a table")
    unknown = sorted(set(value) - _POLICY_MEMBERS)
    if unknown:
        raise TrustStoreError(f"{where}: unknown member(s) {', '.join(unknown)}")
    description = value.get("description", "")
    if not isinstance(description, str):
        raise TrustStoreError(f"{where}: description must be text")
    items = value.get("require")
    if not isinstance(items, list) or not items:
        raise TrustStoreError(f"{where}: require must be a non-empty list of requirements")
    return Policy(name, tuple(_parse_requirement(item, f"{where} requirement {i}") for i, item in enumerate(items, 1)),
                  description)


def _parse_requirement(item: Any, where: str) -> Requirement:
    if not isinstance(item, dict):
        raise TrustStoreError(f"{where} must be a table such as {{ role = \"tre:publish\" }}")
    unknown = sorted(set(item) - _REQUIREMENT_MEMBERS)
    if unknown:
        raise TrustStoreError(f"{where}: unknown member(s) {', '.join(unknown)}")
    role, count = item.get("role"), item.get("count", 1)
    state, principal = item.get("state", STATE_ANY), item.get("principal")
    if not isinstance(role, str) or not valid_role(role):
        raise TrustStoreError(f"{where}: role must be 'requester' or 'tre:<name>'")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 100:
        raise TrustStoreError(f"{where}: count must be a whole number from 1 to 100")
    if state not in (STATE_ANY, STATE_CURRENT):
        raise TrustStoreError(f"{where}: state must be {STATE_CURRENT!r} or {STATE_ANY!r}")
    if principal is not None:
        if principal == REQUESTING_AGENT:
            if role != REQUESTER:
                raise TrustStoreError(f"{where}: principal {REQUESTING_AGENT!r} applies to the requester role only")
        elif not isinstance(principal, str) or not valid_uri(principal):
            raise TrustStoreError(f"{where}: principal must be an absolute URI or {REQUESTING_AGENT!r}")
    return Requirement(role, count, state, principal)
