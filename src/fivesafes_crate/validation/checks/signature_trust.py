"""Signature checks: run only when a trust store is given (``validate(..., trust=...)``, ``--trust``).

Each check reports the problems of one :class:`~fivesafes_crate.signing.verifier.Failure` kind found by the
signature verifier (see ``docs/signing.md``); BagIt integrity problems stay with the ``bagit.*`` checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...issues import Severity
from ...packaging import verify_bag
from ...signing.verifier import Failure, SignatureVerification, verify_source
from ..registry import CheckContext, Finding, check

SECTION = "Check phase"


def _verification(context: CheckContext) -> SignatureVerification | None:
    """The bag's signature verification, computed once per validation (None without a trust store)."""
    source, trust = context.source, context.trust
    if source is None or trust is None or not source.is_bag:
        return None
    bag = verify_bag(source)
    result = context.memo("signatures", lambda: verify_source(source, trust, bag=bag))
    assert isinstance(result, SignatureVerification)
    return result


def _findings(context: CheckContext, kind: Failure) -> Iterator[Finding]:
    verification = _verification(context)
    if verification is None:
        return
    for problem in verification.problems:
        if problem.kind is kind:
            yield Finding(problem.message, file=problem.file)


@check("signature.present", Severity.MUST, section=SECTION, scope="bag",
       description="with a trust store, the bag carries at least one signature envelope in signatures/")
def present(context: CheckContext) -> Iterator[Finding]:
    """Report a bag without signatures when signatures are asked for."""
    return _findings(context, Failure.PRESENT)


@check("signature.envelope", Severity.MUST, section=SECTION, scope="bag",
       description="every signature envelope is a well-formed DSSE envelope carrying a crate-signature statement")
def envelope(context: CheckContext) -> Iterator[Finding]:
    """Report malformed envelopes (size, JSON, base64, statement, predicate, file name)."""
    return _findings(context, Failure.ENVELOPE)


@check("signature.verified", Severity.MUST, section=SECTION, scope="bag",
       description="every envelope's signature verifies with a key of the trust store")
def verified(context: CheckContext) -> Iterator[Finding]:
    """Report envelopes no trusted key verifies."""
    return _findings(context, Failure.VERIFIED)


@check("signature.key-allowed", Severity.MUST, section=SECTION, scope="bag",
       description="each signing key may sign in its role, for its principal, at the time signed (validity, "
       "revocation)")
def key_allowed(context: CheckContext) -> Iterator[Finding]:
    """Report signatures by keys outside their roles, principal, validity window or after revocation."""
    return _findings(context, Failure.KEY_ALLOWED)


@check("signature.state", Severity.MUST, section=SECTION, scope="bag",
       description="each envelope's state copies are what it signed, for this bag's External-Identifier")
def state(context: CheckContext) -> Iterator[Finding]:
    """Report missing or altered state copies and envelopes signed for another bag."""
    return _findings(context, Failure.STATE)


@check("signature.chain", Severity.MUST, section=SECTION, scope="bag",
       description="envelopes are numbered without gaps and each lists every earlier one with its SHA-512")
def chain(context: CheckContext) -> Iterator[Finding]:
    """Report removed, reordered or altered earlier envelopes."""
    return _findings(context, Failure.CHAIN)


@check("signature.current", Severity.MUST, section=SECTION, scope="bag",
       description="the current tag manifest is signed, and the bag was not rolled back to an older signed state")
def current(context: CheckContext) -> Iterator[Finding]:
    """Report a bag changed after its last signature, or rolled back."""
    return _findings(context, Failure.CURRENT)


@check("signature.unsigned-file", Severity.MUST, section=SECTION, scope="bag",
       description="every file of the bag is covered by a manifest or by a verified signature envelope")
def unsigned_file(context: CheckContext) -> Iterator[Finding]:
    """Report files no manifest and no verified envelope covers."""
    return _findings(context, Failure.UNSIGNED_FILE)
