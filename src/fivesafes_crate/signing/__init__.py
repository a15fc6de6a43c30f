"""Signing and verifying crates across the lifecycle (see ``docs/signing.md``).

What is signed is the BagIt hash tree: one DSSE v1 envelope (:mod:`.dsse`) carrying an in-toto Statement v1
(:mod:`.statement`) about ``tagmanifest-sha512.txt`` covers every byte of the bag without JSON-LD
canonicalisation. Envelopes and byte-exact copies of what they signed live in ``signatures/`` beside
``data/`` (:mod:`.layout`); each lists every earlier envelope (a hash chain). Keys (:mod:`.keys`) are ECDSA
P-256, Ed25519 or RSA-PSS, behind a small :class:`Signer` protocol for HSMs; the verifier (:mod:`.verifier`)
checks envelopes against a trust store and policies (:mod:`.trust`).
"""

from __future__ import annotations

from .keys import (
    KeyAlgorithm,
    KeyPairFiles,
    KeySigner,
    Signer,
    SigningKeyError,
    create_key_pair,
    generate_key,
    key_id,
    load_public_key,
    load_signer,
    read_passphrase_file,
)
from .trust import Policy, Requirement, TrustedKey, TrustStore, TrustStoreError, load_trust_store, trusted_key
from .verifier import (
    EnvelopeVerification,
    Failure,
    SignatureInvalid,
    SignatureProblem,
    SignatureVerification,
    SignedState,
    StateDiff,
    endorsed_actions,
    verify,
    verify_signatures,
    verify_source,
)
from .writer import SignatureRecord, SigningRefused, sign, sign_bag_folder, sign_hook

__all__ = [
    "EnvelopeVerification",
    "Failure",
    "KeyAlgorithm",
    "KeyPairFiles",
    "KeySigner",
    "Policy",
    "Requirement",
    "SignatureInvalid",
    "SignatureProblem",
    "SignatureRecord",
    "SignatureVerification",
    "SignedState",
    "Signer",
    "SigningKeyError",
    "SigningRefused",
    "StateDiff",
    "TrustStore",
    "TrustStoreError",
    "TrustedKey",
    "create_key_pair",
    "endorsed_actions",
    "generate_key",
    "key_id",
    "load_public_key",
    "load_signer",
    "load_trust_store",
    "read_passphrase_file",
    "sign",
    "sign_bag_folder",
    "sign_hook",
    "trusted_key",
    "verify",
    "verify_signatures",
    "verify_source",
]
