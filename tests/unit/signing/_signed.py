"""Signed bags for tests: keys made once per session, a trust store for them, and a bag signed through a lifecycle.

``Keys`` holds a requester key (ECDSA P-256) and two TRE keys (Ed25519), generated once; ``lifecycle_bag``
packs the unit-test request crate as a bag folder, signs it as the requester, then, like a TRE step would,
edits the metadata, refreshes the manifests and signs again with ``tre:check`` backing ``#check-1``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from fivesafes_crate.packaging import package, refresh_bag
from fivesafes_crate.signing import KeyAlgorithm, KeySigner, TrustStore, generate_key, sign_bag_folder
from fivesafes_crate.signing.trust import Policy, Requirement, trusted_key
from unit._crates import PERSON, ROOT, entity, write_crate

URN = "urn:uuid:9796155a-fe44-4614-89b8-71945f718ffb"
OTHER_URN = "urn:uuid:0b8e0f43-5a43-4c9b-8a3f-1f2d3c4b5a69"
TRE = "https://tre.example.org/"
NOW = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)
LATER = datetime(2024, 3, 7, 9, 30, tzinfo=UTC)
CHECK_ACTION = "#check-1"


@dataclass(frozen=True)
class Keys:
    """The keys of the test lifecycle: the researcher's and the TRE's (and one nobody trusts)."""

    requester: KeySigner
    tre: KeySigner
    stranger: KeySigner


def trust_store(keys: Keys, **requester_window: datetime | None) -> TrustStore:
    """Trust the requester (role requester, optional not_before/not_after/revoked_at) and the TRE (tre:*)."""
    return TrustStore.of(
        trusted_key(keys.requester.public_key(), principal=PERSON, roles=("requester",), **requester_window),
        trusted_key(keys.tre.public_key(), principal=TRE, roles=("tre:check", "tre:signoff", "tre:publish")),
        policies={
            "checked": Policy("checked", (Requirement("requester", principal="requesting-agent"),
                                          Requirement("tre:check", state="current"))),
            "published": Policy("published", (Requirement("requester", principal="requesting-agent"),
                                              Requirement("tre:publish", state="current"))),
            "two-signoffs": Policy("two-signoffs", (Requirement("tre:signoff", count=2),)),
        },
    )


def request_bag(folder: Path, *, urn: str = URN, files: dict[str, bytes] | None = None) -> Path:
    """The unit-test request crate packed as a bag folder ``folder`` (fixed identifier and date)."""
    crate = write_crate(folder.with_name(folder.name + "-crate"), files=files)
    return package(crate, folder, folder=True, external_identifier=urn, bagging_date=date(2024, 3, 6))


def tre_edit(bag: Path, action_id: str = CHECK_ACTION) -> None:
    """What a TRE step does to a bag folder: record an action in the metadata and refresh the manifests."""
    metadata = bag / "data" / "ro-crate-metadata.json"
    document = json.loads(metadata.read_text(encoding="utf-8"))
    document["@graph"].append({"@id": action_id, "@type": "AssessAction", "name": "Check passed",
                               "agent": {"@id": TRE}, "object": {"@id": ROOT},
                               "actionStatus": "http://schema.org/CompletedActionStatus"})
    root = entity(document, ROOT)
    root["mentions"] = [*([root["mentions"]] if isinstance(root["mentions"], dict) else root["mentions"]),
                        {"@id": action_id}]
    metadata.write_text(json.dumps(document, indent=2), encoding="utf-8")
    refresh_bag(bag, bagging_date=date(2024, 3, 7))


def lifecycle_bag(folder: Path, keys: Keys, *, urn: str = URN) -> Path:
    """A bag signed by the requester (0001), then edited by the TRE and signed ``tre:check`` (0002)."""
    bag = request_bag(folder, urn=urn)
    sign_bag_folder(bag, keys.requester, role="requester", principal=PERSON, now=NOW)
    tre_edit(bag)
    sign_bag_folder(bag, keys.tre, role="tre:check", principal=TRE, assess_action=CHECK_ACTION, now=LATER)
    return bag


@functools.cache
def keys() -> Keys:
    """The test keys, generated once per test session."""
    return Keys(generate_key(), generate_key(KeyAlgorithm.ED25519), generate_key(KeyAlgorithm.ED25519))


@functools.cache
def rsa_key() -> KeySigner:
    """An RSA-PSS 3072-bit key, generated once per test session (generation is slow)."""
    return generate_key(KeyAlgorithm.RSA_PSS)
