"""What a bag's signature envelopes claim, as data: the preview lists it, :mod:`fivesafes_crate.signing` reads it.

A data class only, so that the page renderer (:mod:`fivesafes_crate.website`, which reads the model and nothing
above it) can show signatures that the signing layer found (:func:`fivesafes_crate.signing.listing.claimed_signatures`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClaimedSignature:
    """One envelope of ``signatures/``: its number, the role it claims, and what its statement claims.

    ``signer`` and ``signed_at`` are None when the envelope or its statement cannot be read (``role`` is then the
    role part of the file name). Nothing here is verified: a forged envelope is listed like a genuine one.
    """

    number: int
    role: str
    signer: str | None
    signed_at: str | None


__all__ = ["ClaimedSignature"]
