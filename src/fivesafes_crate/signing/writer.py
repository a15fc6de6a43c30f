"""Signing a bag: one new envelope over the current tag manifest, with copies of what it signed.

:func:`sign_bag_folder` is for lifecycle steps, which have just regenerated the manifests of a working copy:
it trusts them and only reads tag files. :func:`sign` is for anyone else: it verifies the bag's BagIt integrity
first (a signature must never vouch for a tampered payload), refuses tag files a signature would not cover,
and lands the signature atomically: a bag folder gets its new ``signatures/`` folder by one directory
exchange (two renames where the system has no exchange; an interrupted swap is repaired by the next call), a
bag ZIP is unpacked, signed and re-archived to a temporary file that replaces it. Concurrent signers and
lifecycle steps on crates of the same folder wait for each other (``flock`` on the folder).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import CrateStateError, UsageError
from ..issues import Severity
from ..model.crate import write_atomic
from ..model.folders import folder_lock, link_tree, recover_swap, swap_folder
from ..model.lifecycle import Step
from ..model.safe_files import DIR_MODE, scratch_folder, writing
from ..model.source import DEFAULT_LIMITS, METADATA_FILE, CrateSource, EntryKind, Limits, SourceKind, open_source
from ..packaging import (
    BAG_INFO_FILE,
    FETCH_FILE,
    PAYLOAD_MANIFEST,
    PAYLOAD_PREFIX,
    SIGNATURE_DIR,
    TAG_MANIFEST,
    archive_bag,
    unpack,
    verify_bag,
)
from .dsse import MAX_ENVELOPE_BYTES, Envelope, EnvelopeSignature
from .keys import Signer, SigningKeyError, algorithm_of, key_id, verify_signature
from .layout import (
    ENVELOPE_SUFFIX,
    MAX_ENVELOPES,
    envelope_name,
    external_identifiers,
    scan,
    sha256_hex,
    sha512_hex,
    state_folder,
)
from .statement import (
    PAYLOAD_TYPE,
    REQUESTER,
    ROLE_PHASES,
    Predicate,
    PreviousEnvelope,
    Statement,
    timestamp,
    valid_phase,
    valid_reference,
    valid_role,
    valid_uri,
)

log = logging.getLogger(__name__)

SignHook = Callable[[Path, Step, "str | None"], None]
"""Signs a finished bag folder for a step: ``hook(folder, step, action_id)``; :func:`sign_hook` makes one, and
every TRE step takes one as ``sign=``."""


class SigningRefused(CrateStateError):
    """A bag cannot be signed as it is (damaged, not a bag, tag files a signature would not cover...).

    Raised before anything is written: the bag is left untouched.
    """


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    """What signing wrote: the envelope (bag-relative name), who signed as what, and the tag manifest signed."""

    file: str
    number: int
    role: str
    phase: str
    principal: str
    key_id: str
    signed_at: str
    assess_action: str | None
    tag_manifest_sha512: str


def _check_arguments(role: str, phase: str | None, principal: str, assess_action: str | None) -> str:
    """Refuse unusable arguments; return the phase (the role's default when None)."""
    if not isinstance(role, str) or not valid_role(role):
        raise UsageError(f"role {role!r} must be 'requester' or 'tre:<name>' (e.g. tre:check, tre:publish)")
    chosen = phase if phase is not None else ROLE_PHASES.get(role)
    if chosen is None:
        raise UsageError(f"role {role!r} has no default phase: give the phase")
    if not valid_phase(chosen):
        raise UsageError(f"phase {chosen!r} must be a lower-case name such as request or sign-off")
    if not isinstance(principal, str) or not valid_uri(principal):
        raise UsageError(f"signer {principal!r} must be an absolute URI (an ORCID or the TRE's URI)")
    if assess_action is not None and not valid_reference(assess_action):
        raise UsageError(f"assess action {assess_action!r} must be an @id without spaces")
    return chosen


def _read(source: CrateSource, name: str, limit: int) -> bytes:
    entry = source.bag_entries().get(name)
    if entry is None or entry.kind is not EntryKind.FILE:
        raise SigningRefused("missing from the bag: refresh or re-pack the bag before signing", path=name)
    return source.read_in_bag(name, limit)


def prepare_signature(
    source: CrateSource,
    signer: Signer,
    *,
    role: str,
    principal: str,
    phase: str | None = None,
    assess_action: str | None = None,
    now: datetime,
) -> tuple[dict[str, bytes], SignatureRecord]:
    """The files of a new signature of an opened bag (bag-relative name -> bytes) and its record; writes nothing.

    The bag's manifests are taken as they are. Raises :class:`SigningRefused` for a bag that cannot carry a
    signature, :class:`~fivesafes_crate.signing.keys.SigningKeyError` when the signer fails.
    """
    chosen_phase = _check_arguments(role, phase, principal, assess_action)
    if not source.is_bag:
        raise SigningRefused("not a bag: pack the crate first (fivesafes pack)", path=source.label)
    entries = source.bag_entries()
    if FETCH_FILE in entries:
        raise SigningRefused("a signed bag has no fetch.txt: its files would not be covered", path=FETCH_FILE)
    layout = scan(entries)
    if layout.strays:
        raise SigningRefused("not an envelope or state copy; only signatures belong in signatures/",
                             path=layout.strays[0])
    numbers = [e.number for e in layout.envelopes]
    if len(set(numbers)) != len(numbers):
        duplicate = next(n for n in numbers if numbers.count(n) > 1)
        raise SigningRefused(f"two envelopes are numbered {duplicate:04d}", path=SIGNATURE_DIR)
    number = max(numbers, default=0) + 1
    if number > MAX_ENVELOPES:
        raise SigningRefused(f"the bag already holds {MAX_ENVELOPES} signatures", path=SIGNATURE_DIR)
    if number in layout.states:
        raise SigningRefused("a state folder without its envelope is in the way; remove it",
                             path=state_folder(number))
    limit = source.limits.max_tag_file_bytes
    tag_manifest = _read(source, TAG_MANIFEST, limit)
    copies = {TAG_MANIFEST: tag_manifest, BAG_INFO_FILE: _read(source, BAG_INFO_FILE, limit),
              PAYLOAD_MANIFEST: _read(source, PAYLOAD_MANIFEST, limit)}
    if role == REQUESTER:
        copies[METADATA_FILE] = _read(source, PAYLOAD_PREFIX + METADATA_FILE, source.limits.max_metadata_bytes)
    identifiers = external_identifiers(copies[BAG_INFO_FILE])
    if len(identifiers) != 1:
        raise SigningRefused("bag-info.txt must hold exactly one External-Identifier to be signed", path=BAG_INFO_FILE)
    previous = tuple(PreviousEnvelope(e.name, sha512_hex(_read(source, e.name, MAX_ENVELOPE_BYTES)))
                     for e in layout.envelopes)
    public = signer.public_key()
    algorithm_of(public)  # refuses unsupported keys before anything is signed
    signed_at = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    statement = Statement(
        sha512_hex(tag_manifest), sha256_hex(tag_manifest),
        Predicate(role, chosen_phase, identifiers[0], principal, signed_at, assess_action, previous),
    )
    payload = statement.to_json()
    envelope = Envelope(PAYLOAD_TYPE, payload, ())
    message = envelope.pae()
    try:
        signature = signer.sign(message)
    except SigningKeyError:
        raise
    except Exception as exc:
        raise SigningKeyError(f"the signer failed: {type(exc).__name__}: {exc}") from exc
    if not isinstance(signature, bytes) or not verify_signature(public, message, signature):
        raise SigningKeyError("the signer's signature does not verify with its own public key (wrong format?)")
    kid = key_id(public)
    name = envelope_name(number, role)
    files = {f"{state_folder(number)}/{copy}": data for copy, data in copies.items()}
    files[name] = Envelope(PAYLOAD_TYPE, payload, (EnvelopeSignature(signature, kid),)).to_json()
    record = SignatureRecord(name, number, role, chosen_phase, principal, kid, timestamp(signed_at), assess_action,
                             statement.sha512)
    return files, record


def _write_files(root: Path, files: dict[str, bytes]) -> None:
    """Write bag-relative ``files`` under ``root``: state copies first, the envelope last."""
    for name in sorted(files, key=lambda n: (n.endswith(ENVELOPE_SUFFIX), n)):
        path = root.joinpath(*name.split("/"))
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        write_atomic(path, files[name])


def sign_bag_folder(
    folder: str | os.PathLike[str],
    signer: Signer,
    *,
    role: str,
    principal: str,
    phase: str | None = None,
    assess_action: str | None = None,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> SignatureRecord:
    """Sign an unpacked bag folder in place, trusting its manifests to be current (a lifecycle working copy).

    Adds ``signatures/NNNN.<role>.dsse.json`` and ``signatures/NNNN.state/``; changes no other file. For a bag
    that may have been tampered with use :func:`sign`, which verifies it first and lands atomically.
    """
    path = Path(folder)
    with open_source(path, limits) as source:
        if source.kind is not SourceKind.BAG_DIRECTORY:
            raise SigningRefused("not a bag folder (no bagit.txt beside data/)", path=str(path))
        files, record = prepare_signature(source, signer, role=role, principal=principal, phase=phase,
                                          assess_action=assess_action, now=now)
    with writing(path):
        _write_files(path, files)
    log.info("signed %s as %s (%s)", path, record.role, record.file)
    return record


def require_intact(source: CrateSource) -> None:
    """Refuse a bag whose BagIt integrity fails or that holds tag files no signature would cover."""
    result = verify_bag(source)
    if not result.valid:
        failing = [p for p in result.problems if p.severity >= Severity.MUST]
        more = f" (and {len(failing) - 1} more problem(s))" if len(failing) > 1 else ""
        raise SigningRefused(f"the bag fails BagIt verification: {failing[0].message}{more}; nothing was signed",
                             path=failing[0].file)
    listed = {entry.path for manifest in result.info.tag_manifests if manifest.name == TAG_MANIFEST
              for entry in manifest.entries}
    for name, entry in sorted(source.bag_entries().items()):
        if entry.kind is not EntryKind.FILE or name.startswith((PAYLOAD_PREFIX, SIGNATURE_DIR + "/")):
            continue
        if name != TAG_MANIFEST and name not in listed:
            raise SigningRefused(f"not listed in {TAG_MANIFEST}, so no signature would cover it; remove it or "
                                 "re-pack the bag", path=name)


def sign(
    path: str | os.PathLike[str],
    signer: Signer,
    *,
    role: str,
    principal: str,
    phase: str | None = None,
    assess_action: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> SignatureRecord:
    """Sign a bag folder or bag ZIP: one DSSE envelope over its tag manifest, added atomically to ``signatures/``.

    The bag's BagIt integrity is verified first. Returns what was written.

    ``role`` is ``requester`` or ``tre:<step>``; ``principal`` the signer's URI (ORCID or TRE); ``phase``
    defaults to the role's phase; ``assess_action`` is the ``@id`` of the action this signature backs;
    ``now`` (default: the current time) is recorded as ``signedAt``. Raises :class:`SigningRefused` for a
    damaged bag, :class:`~fivesafes_crate.errors.UsageError` for arguments or inputs that are not a bag.
    """
    given = Path(path)
    moment = now or datetime.now(UTC)
    _check_arguments(role, phase, principal, assess_action)
    with folder_lock(given):
        recover_swap(given / SIGNATURE_DIR)
        with open_source(given, limits) as source:
            kind = source.kind
            if kind is SourceKind.BAG_DIRECTORY:
                require_intact(source)
                files, record = prepare_signature(source, signer, role=role, principal=principal, phase=phase,
                                                  assess_action=assess_action, now=moment)
        if kind is SourceKind.BAG_DIRECTORY:
            _land(given, files)
        elif kind is SourceKind.BAG_ZIP:
            record = _sign_zip(given, signer, role, principal, phase, assess_action, moment, limits)
        else:
            raise UsageError("signing works on a bag folder or a bag ZIP: pack the crate first (fivesafes pack)",
                             path=str(given))
    log.info("signed %s as %s (%s)", given, record.role, record.file)
    return record


def _sign_zip(given: Path, signer: Signer, role: str, principal: str, phase: str | None, assess_action: str | None,
              now: datetime, limits: Limits) -> SignatureRecord:
    with writing(given), scratch_folder(given) as temporary:  # locked: a concurrent pack never takes it for stale
        folder = temporary / "bag"
        unpack(given, folder, limits=limits)
        with open_source(folder, limits) as source:
            require_intact(source)
        record = sign_bag_folder(folder, signer, role=role, principal=principal, phase=phase,
                                 assess_action=assess_action, now=now, limits=limits)
        archive_bag(folder, given, limits=limits)
    return record


STEP_ROLES = {
    Step.CHECK: "tre:check",
    Step.VALIDATION: "tre:validate",
    Step.RETRIEVAL: "tre:retrieve",
    Step.SIGN_OFF: "tre:signoff",
    Step.EXECUTION: "tre:execute",
    Step.DISCLOSURE: "tre:disclosure",
    Step.PUBLISHING: "tre:publish",
}
"""The role a TRE signs each lifecycle step's bag in."""


def sign_hook(signer: Signer, *, principal: str, clock: Callable[[], datetime] | None = None) -> SignHook:
    """A hook for the ``sign=`` parameter of every lifecycle step: the TRE signs each step's finished bag with
    ``signer`` in the step's role (``tre:check``, ``tre:validate``, ... ``tre:publish``) as ``principal``,
    backing the action the step recorded (the signature's ``assessAction``, when the step wrote one).
    ``clock()`` (default: now) gives its ``signedAt``.
    """
    now = clock or (lambda: datetime.now(UTC))

    def hook(folder: Path, step: Step, action: str | None) -> None:
        sign_bag_folder(folder, signer, role=STEP_ROLES[step], principal=principal, assess_action=action, now=now())

    return hook


def _land(bag: Path, files: dict[str, bytes]) -> None:
    """Give ``bag`` a new ``signatures/`` holding the old files (hard links) and ``files``, in one exchange."""
    current = bag / SIGNATURE_DIR
    prefix = SIGNATURE_DIR + "/"
    with writing(bag):
        staging = Path(tempfile.mkdtemp(prefix=f".{bag.name}.signatures.", suffix=".tmp", dir=bag.parent))
        new = staging / SIGNATURE_DIR
        try:
            if os.path.lexists(current):
                link_tree(current, new, shown=prefix)
            else:
                new.mkdir()
            _write_files(new, {name[len(prefix):]: data for name, data in files.items()})
            for folder in (new, *(p for p in new.rglob("*") if p.is_dir() and not p.is_symlink())):
                os.chmod(folder, DIR_MODE)
            if os.path.lexists(current):
                swap_folder(new, current)  # an interruption of the portable swap is repaired by recover_swap
            else:
                os.rename(new, current)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # after an exchange it holds the old folder
