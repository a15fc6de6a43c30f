"""Verifying a signed bag against a trust store: one report entry per envelope, unsigned files, policy.

A bag passes when all of this holds (each failure is a :class:`SignatureProblem` whose :class:`Failure` kind
says which rule broke):

* ``bag``: its BagIt verification passes, it has no ``fetch.txt``, and a ZIP holds nothing but the bag folder;
* ``present``: ``signatures/`` holds at least one envelope;
* ``envelope``: every envelope is well-formed (size, JSON, DSSE, statement, predicate, file name);
* ``verified``: every envelope's signature verifies with a trusted key, before its payload is read; a
  ``keyid`` must name that key (the key's type decides the algorithm);
* ``key-allowed``: the key may sign in the role, for the principal the statement names, at the claimed time
  (``not_before``/``not_after``; not after ``revoked_at``, and a signature by a key revoked since is accepted
  only when a later signature by an unrevoked key vouches for it);
* ``state``: the state copies are the signed subject and agree with each other, the External-Identifier is
  the bag's, and a requester signature keeps the metadata it signed;
* ``chain``: envelopes are numbered 0001 on without gaps and each lists every earlier one (name, SHA-512);
* ``current``: the current tag manifest is signed, and no envelope after one over the current state signs an
  older state (a rolled-back bag);
* ``unsigned-file``: every file is in a manifest, is the tag manifest, or belongs to an envelope whose
  signature verified with a key allowed for its role;
* ``policy``: the chosen policy's requirements are met.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ..errors import CrateReadError, TrustError
from ..issues import Severity
from ..model.crate import Crate, MetadataLimitError, MetadataSyntaxError, parse_metadata
from ..model.entities import has_type, ref_ids
from ..model.source import DEFAULT_LIMITS, METADATA_FILE, CrateSource, Entry, EntryKind, Limits, open_source
from ..packaging import (
    BAG_INFO_FILE,
    FETCH_FILE,
    PAYLOAD_MANIFEST,
    PAYLOAD_PREFIX,
    TAG_MANIFEST,
    BagVerification,
    verify_bag,
)
from .dsse import MAX_ENVELOPE_BYTES, Envelope, MalformedEnvelope, parse_envelope
from .keys import verify_signature
from .layout import EnvelopeFile, external_identifiers, parse_manifest, scan, sha256_hex, sha512_hex, state_folder
from .statement import PAYLOAD_TYPE, REQUESTER, TRE_PREFIX, Statement, parse_statement, role_file_part, timestamp
from .trust import REQUESTING_AGENT, STATE_CURRENT, Policy, Requirement, TrustedKey, TrustStore

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a ``signedAt`` may lie (clocks of signer and verifier differ a little)."""


class Failure(enum.Enum):
    """Which rule a signature problem breaks; ``fivesafes validate --trust`` reports them as ``signature.<value>``."""

    BAG = "bag"
    PRESENT = "present"
    ENVELOPE = "envelope"
    VERIFIED = "verified"
    KEY_ALLOWED = "key-allowed"
    STATE = "state"
    CHAIN = "chain"
    CURRENT = "current"
    UNSIGNED_FILE = "unsigned-file"
    POLICY = "policy"


class SignedState(enum.Enum):
    """Whether an envelope signs the bag's current tag manifest or an earlier one."""

    CURRENT = "current"
    SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class SignatureProblem:
    """One reason verification fails: the rule broken, a message, and the bag-relative file concerned."""

    kind: Failure
    message: str
    file: str | None = None


@dataclass(frozen=True, slots=True)
class StateDiff:
    """How the payload changed since a superseded state: unchanged count and bag-relative names."""

    unchanged: int
    modified: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EnvelopeVerification:
    """The verification of one envelope.

    ``signature_ok``: a trusted key verifies it; ``role_allowed``: that key may sign in this role, as this
    principal, at this time; ``state``: what it signs (None when unknown); ``chain_ok``: it lists every
    earlier envelope exactly; ``diff``: for a superseded state, the payload changes since.
    """

    file: str
    number: int
    key_id: str | None = None
    principal: str | None = None
    role: str | None = None
    phase: str | None = None
    signed_at: str | None = None
    assess_action: str | None = None
    signature_ok: bool = False
    role_allowed: bool = False
    state: SignedState | None = None
    chain_ok: bool = False
    diff: StateDiff | None = None
    problems: tuple[SignatureProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing is wrong with this envelope."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class SignatureVerification:
    """The outcome of verifying a bag's signatures: every envelope, unsigned files, and every problem.

    ``valid`` is True when there is no problem at all; ``problems`` holds the envelopes' problems too, in
    order. ``policy`` names the policy applied (None: only the rules every bag must meet).
    """

    envelopes: tuple[EnvelopeVerification, ...]
    unsigned: tuple[str, ...]
    problems: tuple[SignatureProblem, ...]
    policy: str | None = None
    files_checked: int = 0
    bytes_hashed: int = 0

    @property
    def valid(self) -> bool:
        """True when every envelope verifies, no file is unsigned and the policy (if any) is met."""
        return not self.problems

    def endorsed_actions(self) -> frozenset[str]:
        """The ``AssessAction`` ``@id``s a trusted TRE signature backs in this bag, as the receiving step uses them.

        Only a bag that verifies endorses anything. An action is endorsed by a verified envelope of a ``tre:``
        role naming it as ``assessAction`` when every later envelope is also of a ``tre:`` role: nobody but
        the TRE has signed a change to the crate since.
        """
        if not self.valid:
            return frozenset()
        endorsed: set[str] = set()
        for index, envelope in enumerate(self.envelopes):
            later = self.envelopes[index + 1:]
            if envelope.assess_action and (envelope.role or "").startswith(TRE_PREFIX) and \
                    all((e.role or "").startswith(TRE_PREFIX) for e in later):
                endorsed.add(envelope.assess_action)
        return frozenset(endorsed)


class SignatureInvalid(TrustError):
    """A bag's signatures do not verify (raised by :func:`verify`); ``verification`` holds the full report."""

    def __init__(self, verification: SignatureVerification, *, path: str | None = None) -> None:
        problems = verification.problems
        first = problems[0] if problems else SignatureProblem(Failure.PRESENT, "no problem recorded")
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"signature verification failed: {first.message}{more}", path=first.file or path)
        self.verification = verification


@dataclass
class _Bag:
    """What every envelope check consults: the bag's entries, current tag files and hashed envelopes."""

    source: CrateSource
    entries: Mapping[str, Entry]
    trust: TrustStore
    now: datetime
    tag_manifest: bytes | None
    payload: dict[str, str] | None
    identifier: str | None
    envelope_bytes: dict[str, bytes] = field(default_factory=dict)
    covered: set[str] = field(default_factory=set)
    state_files: dict[int, set[str]] = field(default_factory=dict)
    requesting_agents: dict[int, str | None] = field(default_factory=dict)
    keys: dict[int, TrustedKey] = field(default_factory=dict)
    signed_at: dict[int, datetime] = field(default_factory=dict)


def _read(source: CrateSource, entries: Mapping[str, Entry], name: str, limit: int) -> bytes | None:
    entry = entries.get(name)
    if entry is None or entry.kind is not EntryKind.FILE:
        return None
    try:
        return source.read_in_bag(name, limit)
    except CrateReadError:
        return None


def verify_source(
    source: CrateSource,
    trust: TrustStore,
    *,
    policy: str | Policy | None = None,
    now: datetime | None = None,
    bag: BagVerification | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SignatureVerification:
    """Verify the signatures of an opened bag; ``bag`` is its BagIt verification when already computed.

    ``progress(done, total)`` reports bytes hashed, as for :func:`~fivesafes_crate.packaging.verify_bag`.
    Findings are data (:class:`SignatureVerification`); raises :class:`~fivesafes_crate.errors.UsageError`
    only for an unknown policy name and :class:`~fivesafes_crate.errors.CrateReadError` when ``source`` is
    not a bag.
    """
    chosen = trust.policy(policy) if isinstance(policy, str) else policy
    if not source.is_bag:
        raise CrateReadError("not a BagIt bag (no bagit.txt): only bags carry signatures", path=source.label)
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    result = bag or verify_bag(source, progress=progress)
    problems: list[SignatureProblem] = []
    if not result.valid:
        failing = [p for p in result.problems if p.severity >= Severity.MUST]
        more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
        problems.append(SignatureProblem(Failure.BAG, f"the bag fails BagIt verification: {failing[0].message}{more}",
                                         failing[0].file))
    entries = source.bag_entries()
    if FETCH_FILE in entries:
        problems.append(SignatureProblem(Failure.BAG, "a signed bag must not have fetch.txt", FETCH_FILE))
    limit = source.limits.max_tag_file_bytes
    tag_manifest = _read(source, entries, TAG_MANIFEST, limit)
    manifest_bytes = _read(source, entries, PAYLOAD_MANIFEST, limit)
    info_bytes = _read(source, entries, BAG_INFO_FILE, limit)
    identifiers = external_identifiers(info_bytes) if info_bytes is not None else []
    state = _Bag(source, entries, trust, moment, tag_manifest,
                 parse_manifest(manifest_bytes) if manifest_bytes is not None else None,
                 identifiers[0] if len(identifiers) == 1 else None)
    layout = scan(entries)
    if not layout.envelopes:
        problems.append(SignatureProblem(Failure.PRESENT, "the bag has no signature (no signatures/*.dsse.json)"))
    for envelope in layout.envelopes:
        data = _read(source, entries, envelope.name, MAX_ENVELOPE_BYTES)
        state.envelope_bytes[envelope.name] = data if data is not None else b""
    checked = [_check_envelope(state, item, layout.envelopes) for item in layout.envelopes]
    checked = _check_order(checked)
    checked = _check_revocations(state, checked)
    for item in checked:
        problems.extend(item.problems)
        if item.signature_ok and item.role_allowed:
            state.covered |= {item.file, *state.state_files.get(item.number, ())}
    if layout.envelopes and not any(e.ok and e.state is SignedState.CURRENT for e in checked):
        problems.append(SignatureProblem(Failure.CURRENT, f"the current {TAG_MANIFEST} is signed by no envelope "
                                         "that verifies: the bag changed after its last signature", TAG_MANIFEST))
    unsigned = _unsigned(state)
    problems.extend(SignatureProblem(Failure.UNSIGNED_FILE, "covered by no manifest and no verified envelope", name)
                    for name in unsigned)
    if chosen is not None:
        problems.extend(_apply_policy(chosen, checked, state))
    return SignatureVerification(tuple(checked), tuple(unsigned), tuple(problems),
                                 chosen.name if chosen is not None else None, result.files_checked,
                                 result.bytes_hashed)


def verify_signatures(
    path: str | os.PathLike[str],
    trust: TrustStore,
    *,
    policy: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: Callable[[int, int], None] | None = None,
) -> SignatureVerification:
    """Verify a bag's signatures against a trust store (and a named policy): a report per envelope.

    Unlike :func:`verify_bag` (BagIt integrity only), this checks who signed what: ``.valid``, ``.envelopes``,
    ``.unsigned`` files and ``.problems``. Raises ``CrateReadError`` when ``path`` is not a bag.
    """
    with open_source(path, limits) as source:
        return verify_source(source, trust, policy=policy, now=now, progress=progress)


def verify(
    path: str | os.PathLike[str],
    trust: TrustStore,
    *,
    policy: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Return when a bag's signatures verify against ``trust`` (and ``policy``); raise ``SignatureInvalid``
    carrying the full report (``.verification``) otherwise.
    """
    verification = verify_signatures(path, trust, policy=policy, now=now, limits=limits)
    if not verification.valid:
        raise SignatureInvalid(verification, path=os.fspath(path))


def endorsed_actions(
    path: str | os.PathLike[str],
    trust: TrustStore,
    *,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> frozenset[str]:
    """The ``AssessAction`` ``@id``s of a bag backed by a trusted TRE signature (empty unless the bag verifies).

    See :meth:`SignatureVerification.endorsed_actions`; the receiving step treats only these as endorsements.
    """
    return verify_signatures(path, trust, now=now, limits=limits).endorsed_actions()


# --- one envelope ------------------------------------------------------------------------------------------


class _Fail(Protocol):
    """The ``fail(kind, message[, file])`` callback the envelope checks report through."""

    def __call__(self, kind: Failure, message: str, file: str | None = ...) -> None:
        """Record one problem of the envelope being checked."""


def _verified_key(state: _Bag, envelope: Envelope) -> tuple[TrustedKey | None, str | None, str]:
    """The trusted key that verifies a signature of ``envelope``, the key id shown, and why none does."""
    message = envelope.pae()
    reasons = []
    for signature in envelope.signatures:
        if signature.keyid is not None:
            key = state.trust.by_key_id(signature.keyid)
            if key is None:
                reasons.append(f"keyid {signature.keyid} is not in the trust store")
                continue
            if verify_signature(key.public_key, message, signature.sig):
                return key, key.key_id, ""
            reasons.append(f"the signature does not verify with key {key.key_id} ({key.algorithm.value})")
            continue
        for key in state.trust.keys:
            if verify_signature(key.public_key, message, signature.sig):
                return key, key.key_id, ""
        reasons.append("no trusted key verifies the signature")
    hint = next((s.keyid for s in envelope.signatures if s.keyid), None)
    return None, hint, "; ".join(reasons)


def _check_envelope(state: _Bag, item: EnvelopeFile, envelopes: tuple[EnvelopeFile, ...]) -> EnvelopeVerification:
    problems: list[SignatureProblem] = []

    def fail(kind: Failure, message: str, file: str | None = item.name) -> None:
        problems.append(SignatureProblem(kind, message, file))

    base = EnvelopeVerification(item.name, item.number)
    data = state.envelope_bytes[item.name]
    entry = state.entries[item.name]
    if entry.size > MAX_ENVELOPE_BYTES or len(data) > MAX_ENVELOPE_BYTES:
        fail(Failure.ENVELOPE, f"the envelope is larger than {MAX_ENVELOPE_BYTES} bytes")
        return _done(base, problems)
    try:
        envelope = parse_envelope(data)
        if envelope.payload_type != PAYLOAD_TYPE:
            raise MalformedEnvelope(f"payloadType is {envelope.payload_type!r}, not {PAYLOAD_TYPE}")
    except MalformedEnvelope as exc:
        fail(Failure.ENVELOPE, str(exc))
        return _done(base, problems)
    key, shown_id, reason = _verified_key(state, envelope)
    if key is None:
        fail(Failure.VERIFIED, f"the signature does not verify: {reason}")
        return _done(base, problems, key_id=shown_id)
    try:
        statement = parse_statement(envelope.payload)
    except MalformedEnvelope as exc:
        fail(Failure.ENVELOPE, f"signed by {key.key_id} but {exc}")
        return _done(base, problems, key_id=key.key_id, principal=key.principal, signature_ok=True)
    predicate = statement.predicate
    state.keys[item.number] = key
    state.signed_at[item.number] = predicate.signed_at
    if role_file_part(predicate.role) != item.role_part:
        fail(Failure.ENVELOPE, f"the file name says role {item.role_part} but the statement says {predicate.role}")
    role_allowed = _check_key(key, predicate.role, predicate.signer, predicate.signed_at, state.now, fail)
    signed_state, diff = _check_state(state, item, statement, fail)
    chain_ok = _check_chain(state, item, envelopes, statement, fail)
    return _done(base, problems, key_id=key.key_id, principal=key.principal, role=predicate.role,
                 phase=predicate.phase, signed_at=timestamp(predicate.signed_at),
                 assess_action=predicate.assess_action, signature_ok=True, role_allowed=role_allowed,
                 state=signed_state, chain_ok=chain_ok, diff=diff)


def _done(base: EnvelopeVerification, problems: list[SignatureProblem], **values: object) -> EnvelopeVerification:
    return replace(base, problems=tuple(problems), **values)  # type: ignore[arg-type]


def _check_key(key: TrustedKey, role: str, signer: str, signed_at: datetime, now: datetime, fail: _Fail) -> bool:
    allowed = True
    if role not in key.roles:
        fail(Failure.KEY_ALLOWED, f"key {key.key_id} ({key.principal}) may not sign as {role}; it may sign as "
             f"{', '.join(sorted(key.roles))}")
        allowed = False
    if signer != key.principal:
        fail(Failure.KEY_ALLOWED, f"the statement names signer {signer} but key {key.key_id} belongs to "
             f"{key.principal}")
        allowed = False
    if key.not_before is not None and signed_at < key.not_before:
        fail(Failure.KEY_ALLOWED, f"signed at {timestamp(signed_at)}, before key {key.key_id} became valid "
             f"({timestamp(key.not_before)})")
        allowed = False
    if key.not_after is not None and signed_at > key.not_after:
        fail(Failure.KEY_ALLOWED, f"signed at {timestamp(signed_at)}, after key {key.key_id} expired "
             f"({timestamp(key.not_after)})")
        allowed = False
    if key.revoked_at is not None and signed_at >= key.revoked_at:
        fail(Failure.KEY_ALLOWED, f"signed at {timestamp(signed_at)}, after key {key.key_id} was revoked "
             f"({timestamp(key.revoked_at)})")
        allowed = False
    if signed_at > now + CLOCK_SKEW:
        fail(Failure.KEY_ALLOWED, f"signed at {timestamp(signed_at)}, which is in the future")
        allowed = False
    return allowed


def _check_state(
    state: _Bag, item: EnvelopeFile, statement: Statement, fail: _Fail
) -> tuple[SignedState | None, StateDiff | None]:
    """Check the state copies against the signed subject and each other; mark the ones that match as covered."""
    folder = state_folder(item.number)
    limit = state.source.limits.max_tag_file_bytes
    tag_name = f"{folder}/{TAG_MANIFEST}"
    signed = _read(state.source, state.entries, tag_name, limit)
    if signed is None:
        fail(Failure.STATE, f"the copy of the signed {TAG_MANIFEST} is missing", tag_name)
        return None, None
    if sha512_hex(signed) != statement.sha512 or sha256_hex(signed) != statement.sha256:
        fail(Failure.STATE, f"the copy of {TAG_MANIFEST} is not the one that was signed (digest mismatch)", tag_name)
        return None, None
    matched = state.state_files.setdefault(item.number, set())
    matched.add(tag_name)
    listed = parse_manifest(signed) or {}
    manifest: dict[str, str] | None = None
    for copy in (BAG_INFO_FILE, PAYLOAD_MANIFEST):
        name = f"{folder}/{copy}"
        data = _read(state.source, state.entries, name, limit)
        if data is None:
            fail(Failure.STATE, f"the copy of the signed {copy} is missing", name)
        elif listed.get(copy) != sha512_hex(data):
            fail(Failure.STATE, f"the copy of {copy} does not match the signed {TAG_MANIFEST}", name)
        else:
            matched.add(name)
            if copy == BAG_INFO_FILE:
                _check_identifier(state, statement, data, name, fail)
            else:
                manifest = parse_manifest(data)
    if statement.predicate.role == REQUESTER:
        _check_requester_copy(state, item, manifest, fail)
    current = state.tag_manifest is not None and signed == state.tag_manifest
    if current:
        return SignedState.CURRENT, None
    return SignedState.SUPERSEDED, _diff(manifest, state.payload)


def _check_identifier(state: _Bag, statement: Statement, bag_info: bytes, name: str, fail: _Fail) -> None:
    claimed = statement.predicate.external_identifier
    signed = external_identifiers(bag_info)
    if signed != [claimed]:
        fail(Failure.STATE, f"the statement's External-Identifier {claimed} is not the signed bag-info.txt's", name)
    if state.identifier != claimed:
        fail(Failure.STATE, f"signed for the bag {claimed}, not this one ({state.identifier or 'none'}): an envelope "
             "from another crate", name)


def _check_requester_copy(state: _Bag, item: EnvelopeFile, manifest: dict[str, str] | None, fail: _Fail) -> None:
    name = f"{state_folder(item.number)}/{METADATA_FILE}"
    data = _read(state.source, state.entries, name, state.source.limits.max_metadata_bytes)
    wanted = (manifest or {}).get(PAYLOAD_PREFIX + METADATA_FILE)
    if data is None:
        fail(Failure.STATE, "a requester signature must keep the metadata file it signed", name)
    elif wanted != sha512_hex(data):
        fail(Failure.STATE, "the copy of the metadata file does not match the signed payload manifest", name)
    else:
        state.state_files.setdefault(item.number, set()).add(name)
        state.requesting_agents[item.number] = _requesting_agent(data)


def _requesting_agent(metadata: bytes) -> str | None:
    """The ``@id`` of the agent of the requested ``CreateAction`` (mentioned from the root), if there is one."""
    try:
        crate = Crate(parse_metadata(metadata))
    except (MetadataSyntaxError, MetadataLimitError):
        return None
    root = crate.root
    candidates = [crate.get(i) for i in ref_ids(root.get("mentions"))] if root else []
    for entity in candidates:
        if entity is not None and has_type(entity, "CreateAction"):
            agents = ref_ids(entity.get("agent"))
            return agents[0] if len(agents) == 1 else None
    return None


def _diff(old: dict[str, str] | None, new: dict[str, str] | None) -> StateDiff | None:
    if old is None or new is None:
        return None
    common = old.keys() & new.keys()
    modified = tuple(sorted(name for name in common if old[name] != new[name]))
    return StateDiff(len(common) - len(modified), modified, tuple(sorted(new.keys() - old.keys())),
                     tuple(sorted(old.keys() - new.keys())))


def _check_chain(
    state: _Bag, item: EnvelopeFile, envelopes: tuple[EnvelopeFile, ...], statement: Statement, fail: _Fail
) -> bool:
    ok = True
    if item.number != envelopes.index(item) + 1 or sum(e.number == item.number for e in envelopes) > 1:
        fail(Failure.CHAIN, f"envelope numbers must run 0001, 0002... without gaps or repeats; this one is "
             f"{item.number:04d}")
        ok = False
    earlier = [e for e in envelopes if (e.number, e.name) < (item.number, item.name)]
    expected = [(e.name, sha512_hex(state.envelope_bytes[e.name])) for e in earlier]
    recorded = [(p.name, p.sha512) for p in statement.predicate.previous]
    if recorded != expected:
        names = {name for name, _ in expected}
        missing = [name for name, _ in recorded if name not in names]
        changed = [name for (name, digest) in recorded if name in names and (name, digest) not in expected]
        unlisted = [name for name, _ in expected if name not in {n for n, _ in recorded}]
        detail = "; ".join(part for part in (
            f"missing from the bag: {', '.join(missing)}" if missing else "",
            f"changed since: {', '.join(changed)}" if changed else "",
            f"not listed: {', '.join(unlisted)}" if unlisted else "",
        ) if part) or "listed in another order"
        fail(Failure.CHAIN, f"the hash chain of earlier envelopes is broken ({detail})")
        ok = False
    return ok


# --- across envelopes --------------------------------------------------------------------------------------


def _check_order(checked: list[EnvelopeVerification]) -> list[EnvelopeVerification]:
    """A later envelope over an older state than an envelope over the current one: the bag was rolled back."""
    first_current = next((e.number for e in checked if e.state is SignedState.CURRENT), None)
    if first_current is None:
        return checked
    result = []
    for envelope in checked:
        if envelope.number > first_current and envelope.state is SignedState.SUPERSEDED:
            problem = SignatureProblem(
                Failure.CURRENT, f"signs another state than the current one, which the earlier envelope "
                f"{first_current:04d} signs: the bag was rolled back to an older state", envelope.file)
            envelope = _done(envelope, [*envelope.problems, problem])
        result.append(envelope)
    return result


def _check_revocations(state: _Bag, checked: list[EnvelopeVerification]) -> list[EnvelopeVerification]:
    """A key revoked since signing: its signature stands only if a later one by an unrevoked key vouches for it."""
    result = []
    for envelope in checked:
        key = state.keys.get(envelope.number)
        if key is not None and key.revoked(state.now) and envelope.role_allowed:
            vouched = any(
                later.number > envelope.number and later.signature_ok and later.chain_ok
                and (later_key := state.keys.get(later.number)) is not None and not later_key.revoked(state.now)
                for later in checked
            )
            if not vouched:
                problem = SignatureProblem(
                    Failure.KEY_ALLOWED, f"key {key.key_id} was revoked at {timestamp(key.revoked_at or state.now)}; "
                    "its earlier signature stands only when a later signature by an unrevoked key covers it",
                    envelope.file)
                envelope = _done(envelope, [*envelope.problems, problem], role_allowed=False)
        result.append(envelope)
    return result


def _unsigned(state: _Bag) -> list[str]:
    """Files covered by neither manifest nor a verified envelope (data/ files must be in the payload manifest)."""
    listed = (parse_manifest(state.tag_manifest) if state.tag_manifest is not None else None) or {}
    payload = state.payload or {}
    found = []
    for name, entry in sorted(state.entries.items()):
        if entry.kind is not EntryKind.FILE:
            continue
        if name.startswith(PAYLOAD_PREFIX):
            covered = name in payload
        else:
            covered = name == TAG_MANIFEST or name in listed or name in state.covered
        if not covered:
            found.append(name)
    return found


def _apply_policy(policy: Policy, checked: list[EnvelopeVerification], state: _Bag) -> list[SignatureProblem]:
    problems = []
    for requirement in policy.requirements:
        principals = {e.principal for e in checked if _meets(e, requirement, state)}
        if len(principals) < requirement.count:
            problems.append(SignatureProblem(
                Failure.POLICY, f"policy {policy.name} needs {requirement.describe()}; found {len(principals)}: "
                f"{_how_to_meet(requirement)}"))
    return problems


def _how_to_meet(requirement: Requirement) -> str:
    """What the signers must do to meet a requirement, for the message of a policy that is not met."""
    if requirement.role.startswith(TRE_PREFIX):
        how = ("the TRE signs the step with --key KEY (or a sign hook) and the trust store gives that key the role "
               f"{requirement.role}")
    else:
        how = (f"sign with 'fivesafes sign --role {requirement.role} --key KEY' and give that key the role "
               f"{requirement.role} in the trust store")
    return how + (", after the crate's last change" if requirement.state == STATE_CURRENT else "")


def _meets(envelope: EnvelopeVerification, requirement: Requirement, state: _Bag) -> bool:
    if not envelope.ok or envelope.role != requirement.role:
        return False
    if requirement.state == STATE_CURRENT and envelope.state is not SignedState.CURRENT:
        return False
    if requirement.principal == REQUESTING_AGENT:
        return envelope.principal is not None and envelope.principal == state.requesting_agents.get(envelope.number)
    return requirement.principal is None or envelope.principal == requirement.principal
