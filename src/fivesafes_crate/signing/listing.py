"""The signatures a bag holds, as their envelopes claim them: what the preview lists, nothing verified.

Verifying needs a trust store (:mod:`.verifier`); the preview page only says which envelopes the bag carries,
in order, with the role, signer and time each one's statement claims, so that a reader sees that the crate is
signed and knows to run ``fivesafes verify --trust``. An envelope that cannot be read is listed as such.
"""

from __future__ import annotations

from ..model.signatures import ClaimedSignature
from ..model.source import CrateSource
from .dsse import MAX_ENVELOPE_BYTES, MalformedEnvelope, parse_envelope
from .layout import scan
from .statement import parse_statement, timestamp
from .verifier import _read


def claimed_signatures(source: CrateSource) -> tuple[ClaimedSignature, ...]:
    """The envelopes of a bag in number order (empty for a crate that is not a bag, or holds none)."""
    entries = source.bag_entries()
    found = []
    for item in scan(entries).envelopes:
        data = _read(source, entries, item.name, MAX_ENVELOPE_BYTES)
        role, signer, signed_at = item.role_part, None, None
        if data is not None:
            try:
                predicate = parse_statement(parse_envelope(data).payload).predicate
            except MalformedEnvelope:
                pass
            else:
                role, signer, signed_at = predicate.role, predicate.signer, timestamp(predicate.signed_at)
        found.append(ClaimedSignature(item.number, role, signer, signed_at))
    return tuple(found)


__all__ = ["ClaimedSignature", "claimed_signatures"]
