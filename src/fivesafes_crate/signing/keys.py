"""Signing keys: the three algorithms, the :class:`Signer` protocol, PEM files and key ids.

* **Algorithms.** ECDSA over P-256 with SHA-256 (the default; signatures DER-encoded as OpenSSL writes them,
  the raw 64-byte ``r || s`` form is accepted when verifying), Ed25519 (pure, over the message) and RSA-PSS
  with SHA-256, MGF1-SHA-256 and a 32-byte salt, for keys of at least :data:`MIN_RSA_BITS` bits. The key's
  type decides the algorithm; nothing in an envelope can choose it.
* **Key id** ``sha256:<hex>``: SHA-256 of the DER SubjectPublicKeyInfo. Only a hint for finding the key.
* **Files.** Private keys are PKCS#8 PEM, encrypted with a passphrase (AES-256-CBC under PBKDF2 as
  :mod:`cryptography` chooses), written with mode 0o600; public keys are SubjectPublicKeyInfo PEM.
* **Secrets stay secret.** A :class:`KeySigner` shows only its algorithm and key id in ``repr``; no message of
  this module quotes a key or a passphrase.
"""

from __future__ import annotations

import enum
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

from ..errors import OutputExistsError, SuppliedFileError, UsageError
from ..model.safe_files import write_new, writing

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey
"""The public key types a trust store can hold."""

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey

MIN_RSA_BITS = 3072
"""The smallest RSA modulus accepted for signing and verifying (NIST SP 800-57: 128-bit security)."""

MAX_KEY_FILE_BYTES = 64 * 1024
"""PEM files larger than this are refused before they are parsed."""

MAX_PASSPHRASE_FILE_BYTES = 4096
"""Passphrase files larger than this are refused: they hold something else."""

PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644
PUBLIC_SUFFIX = ".pub.pem"


class SigningKeyError(SuppliedFileError):
    """A key cannot be generated, read, written or used (wrong passphrase, unsupported type, weak RSA key)."""


class KeyAlgorithm(enum.Enum):
    """The signature algorithms a crate signature can use, decided by the key's type."""

    ECDSA_P256 = "ecdsa-p256"
    ED25519 = "ed25519"
    RSA_PSS = "rsa-pss"


@runtime_checkable
class Signer(Protocol):
    """What signing needs from a key: its public half and a signature over bytes.

    Implement it to sign with a key in an HSM or a cloud KMS: ``sign`` must return, for the key's type, a DER
    ECDSA-SHA-256 signature (P-256), an Ed25519 signature, or an RSA-PSS-SHA-256 signature with a 32-byte salt.
    Every signature is checked against ``public_key()`` before it is written.
    """

    def public_key(self) -> PublicKey:
        """The public key that verifies this signer's signatures."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` (the DSSE pre-authentication encoding) and return the signature bytes."""
        ...


def algorithm_of(key: PublicKey | PrivateKey) -> KeyAlgorithm:
    """The algorithm a key signs with; raises :class:`SigningKeyError` for any other curve, type or a weak key."""
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise SigningKeyError(f"EC keys must use the P-256 curve, not {key.curve.name}")
        return KeyAlgorithm.ECDSA_P256
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return KeyAlgorithm.ED25519
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise SigningKeyError(f"RSA keys must have at least {MIN_RSA_BITS} bits, not {key.key_size}")
        return KeyAlgorithm.RSA_PSS
    raise SigningKeyError(f"unsupported key type {type(key).__name__}: use ECDSA P-256, Ed25519 or RSA-PSS")


def public_der(key: PublicKey) -> bytes:
    """The DER SubjectPublicKeyInfo of a public key."""
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_pem(key: PublicKey) -> bytes:
    """The SubjectPublicKeyInfo PEM of a public key."""
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: PublicKey) -> str:
    """``sha256:<hex>`` of the DER SubjectPublicKeyInfo: the hint an envelope's ``keyid`` carries."""
    return "sha256:" + hashlib.sha256(public_der(key)).hexdigest()


_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def verify_signature(key: PublicKey, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` over ``data`` verifies with ``key`` under the key type's algorithm."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(_der_ecdsa(signature), data, ec.ECDSA(hashes.SHA256()))
        else:
            key.verify(signature, data, _PSS, hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def _der_ecdsa(signature: bytes) -> bytes:
    """A DER ECDSA signature as given, or the raw 64-byte ``r || s`` form (IEEE P1363) converted to DER."""
    try:
        utils.decode_dss_signature(signature)
    except ValueError:
        if len(signature) == 64:
            return utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                              int.from_bytes(signature[32:], "big"))
    return signature


def _sign_with(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    return key.sign(data, _PSS, hashes.SHA256())


class KeySigner:
    """A :class:`Signer` holding a private key in memory (from :func:`generate_key` or :func:`load_signer`).

    ``repr`` shows the algorithm and key id only; the private key is never exposed except by
    :meth:`private_pem`, which always encrypts unless told otherwise.
    """

    __slots__ = ("__key", "algorithm", "key_id")

    def __init__(self, private_key: PrivateKey) -> None:
        self.algorithm = algorithm_of(private_key)
        self.__key = private_key
        self.key_id = key_id(private_key.public_key())

    def public_key(self) -> PublicKey:
        """The public half of the key."""
        return self.__key.public_key()

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` with the key's algorithm (ECDSA signatures DER-encoded)."""
        return _sign_with(self.__key, data)

    def private_pem(self, passphrase: bytes | None) -> bytes:
        """The private key as PKCS#8 PEM, encrypted with ``passphrase`` (None: unencrypted, for tests and HSMs)."""
        if passphrase is not None and not passphrase:
            raise SigningKeyError("the passphrase is empty")
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
        )
        return self.__key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)

    def __repr__(self) -> str:
        return f"KeySigner({self.algorithm.value}, {self.key_id})"

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a KeySigner holds a private key and cannot be pickled")


def generate_key(algorithm: KeyAlgorithm = KeyAlgorithm.ECDSA_P256, *, rsa_bits: int = MIN_RSA_BITS) -> KeySigner:
    """A new signing key in memory: ECDSA P-256 by default, Ed25519, or RSA-PSS (at least 3072 bits)."""
    if algorithm is KeyAlgorithm.ECDSA_P256:
        return KeySigner(ec.generate_private_key(ec.SECP256R1()))
    if algorithm is KeyAlgorithm.ED25519:
        return KeySigner(ed25519.Ed25519PrivateKey.generate())
    if rsa_bits < MIN_RSA_BITS:
        raise UsageError(f"RSA keys must have at least {MIN_RSA_BITS} bits, not {rsa_bits}")
    return KeySigner(rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits))


def _read_small(path: Path, what: str) -> bytes:
    shown = str(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise SigningKeyError(f"cannot read the {what}: {exc.strerror or exc}", path=shown) from exc
    if len(data) > MAX_KEY_FILE_BYTES:
        raise SigningKeyError(f"the {what} is larger than {MAX_KEY_FILE_BYTES} bytes; not a PEM key", path=shown)
    return data


def load_signer(path: str | os.PathLike[str], passphrase: bytes | str | None = None) -> KeySigner:
    """Read a PEM private key (decrypted with ``passphrase``) as a :class:`KeySigner`.

    Raises :class:`SigningKeyError` for an unreadable file, a wrong or missing passphrase, or a key type
    signing does not support; the message never quotes the key or the passphrase.
    """
    given = Path(path)
    data = _read_small(given, "private key file")
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    try:
        key = serialization.load_pem_private_key(data, password=secret or None)
    except TypeError:
        if secret:
            raise SigningKeyError("the private key is not encrypted but a passphrase was given",
                                  path=str(given)) from None
        raise SigningKeyError("the private key is encrypted: give its passphrase", path=str(given)) from None
    except (ValueError, UnsupportedAlgorithm):
        raise SigningKeyError(_unloadable(data, secret), path=str(given)) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise SigningKeyError(f"unsupported key type {type(key).__name__}: use ECDSA P-256, Ed25519 or RSA-PSS",
                              path=str(given))
    try:
        return KeySigner(key)
    except SigningKeyError as exc:
        raise SigningKeyError(exc.message, path=str(given)) from None


def _unloadable(data: bytes, secret: bytes | None) -> str:
    """Why PEM ``data`` gave no private key: a public key, a wrong passphrase, or not a private key at all.

    Each has its own message, since each has its own remedy; none quotes the key or the passphrase.
    """
    try:
        serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        pass
    else:
        return (f"this is a public key (a private key is needed to sign): give the private key, not the "
                f"{PUBLIC_SUFFIX} file")
    if secret:
        try:
            serialization.load_pem_private_key(data, password=None)
        except TypeError:  # encrypted: it opens with the right passphrase only
            return "the passphrase is wrong for this private key"
        except (ValueError, UnsupportedAlgorithm):
            pass
    return "not a PEM private key (PKCS#8, as fivesafes keygen writes)"


def read_passphrase_file(path: str | os.PathLike[str]) -> str:
    """The passphrase in the first line of a file (a newline ends it); raises :class:`SigningKeyError`.

    The file is read up to :data:`MAX_PASSPHRASE_FILE_BYTES`; a missing, unreadable, too large or empty one is
    refused, naming the file, never quoting what it holds.
    """
    shown = os.fspath(path)
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_PASSPHRASE_FILE_BYTES + 1)
    except OSError as exc:
        raise SigningKeyError(f"cannot read the passphrase file: {exc.strerror or exc}", path=shown) from exc
    if len(raw) > MAX_PASSPHRASE_FILE_BYTES:
        raise SigningKeyError("the passphrase file is too large to hold a passphrase", path=shown)
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise SigningKeyError("the passphrase file is not UTF-8 text", path=shown) from None
    if not lines or not lines[0]:
        raise SigningKeyError("the passphrase file's first line is empty", path=shown)
    return lines[0]


def parse_public_key(data: bytes, *, path: str | None = None) -> PublicKey:
    """A SubjectPublicKeyInfo PEM public key of a supported type; raises :class:`SigningKeyError` otherwise."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise SigningKeyError("not a PEM public key (SubjectPublicKeyInfo)", path=path) from None
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        raise SigningKeyError(f"unsupported key type {type(key).__name__}: use ECDSA P-256, Ed25519 or RSA-PSS",
                              path=path)
    try:
        algorithm_of(key)
    except SigningKeyError as exc:
        raise SigningKeyError(exc.message, path=path) from None
    return key


def load_public_key(path: str | os.PathLike[str]) -> PublicKey:
    """Read a SubjectPublicKeyInfo PEM public key file."""
    given = Path(path)
    return parse_public_key(_read_small(given, "public key file"), path=str(given))


@dataclass(frozen=True, slots=True)
class KeyPairFiles:
    """What :func:`create_key_pair` wrote: the private and public key files, the key id and algorithm."""

    private: Path
    public: Path
    key_id: str
    algorithm: KeyAlgorithm


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``data`` and ``mode``, atomically and never over an existing file (one created
    meanwhile is :class:`~fivesafes_crate.errors.OutputExistsError`; a write failure a ``StorageError``)."""
    with writing(path):
        try:
            write_new(path, data, mode)
        except FileExistsError:
            raise OutputExistsError("appeared while the key was written; nothing was replaced",
                                    path=str(path)) from None


def public_path_for(private: Path) -> Path:
    """Where the public key of ``private`` goes: ``key.pem`` -> ``key.pub.pem``."""
    stem = private.name[:-4] if private.name.lower().endswith(".pem") else private.name
    return private.with_name(stem + PUBLIC_SUFFIX)


def save_key_pair(signer: KeySigner, private: str | os.PathLike[str], passphrase: bytes | None) -> KeyPairFiles:
    """Write ``signer``'s private key (mode 0o600, encrypted unless ``passphrase`` is None) and public key.

    Neither file may exist already (:class:`~fivesafes_crate.errors.OutputExistsError`, also for one that
    appears meanwhile); on failure neither is left, and a folder that cannot be written raises
    :class:`~fivesafes_crate.errors.StorageError`.
    """
    target = Path(private)
    public = public_path_for(target)
    for path in (target, public):
        if os.path.lexists(path):
            raise OutputExistsError("already exists; choose another file name", path=str(path))
    if not target.parent.is_dir():
        raise UsageError("the output's folder does not exist", path=str(target))
    pem = signer.private_pem(passphrase)
    _write_new(target, pem, PRIVATE_MODE)
    try:
        _write_new(public, public_pem(signer.public_key()), PUBLIC_MODE)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return KeyPairFiles(target, public, signer.key_id, signer.algorithm)


def create_key_pair(
    private: str | os.PathLike[str],
    *,
    passphrase: bytes | str | None,
    algorithm: KeyAlgorithm = KeyAlgorithm.ECDSA_P256,
    rsa_bits: int = MIN_RSA_BITS,
) -> KeyPairFiles:
    """Generate a key and write ``private`` (PKCS#8 PEM encrypted with ``passphrase``, mode 0o600) and its public
    key ``<name>.pub.pem``; neither may exist. Returns both paths and the key id ``sha256:<hex>``.

    Pass None as ``passphrase`` only for keys that never leave a protected machine (tests, CI secrets stores).
    """
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    if secret is not None and not secret:
        raise UsageError("the passphrase is empty")
    return save_key_pair(generate_key(algorithm, rsa_bits=rsa_bits), private, secret)
