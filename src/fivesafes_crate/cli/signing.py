"""``fivesafes keygen`` and ``fivesafes sign``, and rendering signature reports (``verify --trust``).

Passphrases never come from the command line (other users can read it from the process list): from
``--passphrase-file``, the ``FIVESAFES_KEY_PASSPHRASE`` environment variable, or a prompt on a terminal.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import fivesafes_crate
from fivesafes_crate import UsageError, printable

from ._app import EXIT_INVALID, EXIT_VALID, app, finish
from .render import console_text, shown

if TYPE_CHECKING:
    from fivesafes_crate import KeyPairFiles, SignatureRecord, SignatureVerification

PASSPHRASE_ENV = "FIVESAFES_KEY_PASSPHRASE"


class AlgorithmChoice(enum.StrEnum):
    """A key algorithm for ``fivesafes keygen``."""

    ecdsa_p256 = "ecdsa-p256"
    ed25519 = "ed25519"
    rsa_pss = "rsa-pss"


PassphraseFileOpt = Annotated[Path | None, typer.Option(
    "--passphrase-file", metavar="FILE", show_default=False,
    help=f"Read the key's passphrase from FILE (first line). Default: ${PASSPHRASE_ENV}, else a prompt.")]
NoPassphraseOpt = Annotated[bool, typer.Option(
    "--no-passphrase", help="The private key is not encrypted (only for keys kept in a protected secret store).")]


def passphrase_source(file: Path | None, none: bool, *, confirm: bool) -> Callable[[], str | None]:
    """Where the passphrase comes from, as a function run inside the command (its errors exit 2).

    A terminal prompt happens here, while parsing; a missing passphrase is an error only when it is needed.
    """
    if none:
        return lambda: None
    if file is not None:
        return lambda: _read_passphrase_file(file)
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return lambda: from_env
    if sys.stdin.isatty():
        typed: str = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm)
        return lambda: typed

    def missing() -> str | None:
        raise UsageError(f"the key needs a passphrase: give --passphrase-file FILE or set {PASSPHRASE_ENV} "
                         "(or --no-passphrase for an unencrypted key)")

    return missing


def _read_passphrase_file(file: Path) -> str:
    from ..signing import read_passphrase_file  # deferred: start-up (cryptography is slow to import)

    return read_passphrase_file(file)


@app.command()
def keygen(
    output: Annotated[Path, typer.Option("--output", "-o", show_default=False,
                                         help="Private key file to write (PEM); the public key goes to "
                                         "<name>.pub.pem beside it.")],
    algorithm: Annotated[AlgorithmChoice, typer.Option("--algorithm", help="Key type.")] = AlgorithmChoice.ecdsa_p256,
    bits: Annotated[int, typer.Option("--bits", help="RSA modulus size (rsa-pss only; at least 3072).")] = 3072,
    passphrase_file: PassphraseFileOpt = None,
    no_passphrase: NoPassphraseOpt = False,
) -> None:
    """Generate a signing key: PKCS#8 private key (encrypted, mode 600) and SubjectPublicKeyInfo public key.

    Prints the key id (sha256 of the public key) and both files. Put the public key in a trust store (see
    docs/signing.md); the private key never goes into a bag. Exit status: 0 written, 2 refused or failed.

    Example: [bold]fivesafes keygen -o alice.pem --passphrase-file pass.txt[/]
    """
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import KeyAlgorithm

    secret = passphrase_source(passphrase_file, no_passphrase, confirm=True)

    def render(files: KeyPairFiles) -> tuple[str, int]:
        return "\n".join(printable(f"{what}: {value}") for what, value in (
            ("key id", files.key_id), ("private key", files.private), ("public key", files.public))), EXIT_VALID

    finish(lambda: fivesafes_crate.create_key_pair(output, passphrase=secret(), algorithm=KeyAlgorithm(algorithm.value),
                                       rsa_bits=bits), render)


@app.command()
def sign(
    bag: Annotated[Path, typer.Argument(help="A bag folder or a ZIP holding one.", show_default=False)],
    key: Annotated[Path, typer.Option("--key", "-k", show_default=False, help="Private key file (PEM).")],
    role: Annotated[str, typer.Option("--role", show_default=False,
                                      help="requester, or the TRE step: tre:check, tre:validate, tre:signoff, "
                                      "tre:disclosure, tre:publish...")],
    signer: Annotated[str, typer.Option("--signer", envvar="FIVESAFES_SIGNER", show_default=False,
                                        help="Your URI: an ORCID for a researcher, the TRE's URI for a TRE.")],
    phase: Annotated[str | None, typer.Option("--phase", help="Lifecycle phase (default: the role's).")] = None,
    assess_action: Annotated[str | None, typer.Option(
        "--assess-action", metavar="ID", help="@id of the action this signature backs (TRE roles).")] = None,
    passphrase_file: PassphraseFileOpt = None,
    no_passphrase: NoPassphraseOpt = False,
) -> None:
    """Sign a bag: a DSSE envelope over its tag manifest, added to signatures/ atomically.

    The bag's BagIt integrity is verified first; a damaged bag is never signed. Prints the envelope written.
    Exit status: 0 signed, 2 refused or failed (the bag is untouched).

    Example: [bold]fivesafes sign request.bagit.zip --key alice.pem --role requester --signer
    https://orcid.org/0000-0002-1825-0097[/]
    """

    secret = passphrase_source(passphrase_file, no_passphrase, confirm=False)

    def render(record: SignatureRecord) -> tuple[str, int]:
        return printable(f"{record.file} ({record.role}, {record.phase}; key {record.key_id})"), EXIT_VALID

    finish(lambda: fivesafes_crate.sign(bag, fivesafes_crate.load_signer(key, secret()), role=role, principal=signer,
                                        phase=phase, assess_action=assess_action, now=datetime.now().astimezone()),
           render)


def render_signatures(result: SignatureVerification) -> str:
    """Text report of ``verify --trust``: one block per envelope, unsigned files, problems, verdict, and what the
    verdict does not cover (the metadata)."""
    from ..packaging import METADATA_NOT_CHECKED  # deferred: start-up (the packaging stack is not needed for --help)

    lines: list[str] = []
    for e in result.envelopes:
        mark = "[bold green]ok[/]" if e.ok else "[bold red]FAILED[/]"
        lines.append(f"{mark} [bold]{shown(e.file)}[/]")
        facts = [
            f"role {shown(e.role or '?')}, phase {shown(e.phase or '?')}",
            f"signer {shown(e.principal or '?')}, key {shown(e.key_id or '?')}",
            f"signed at {shown(e.signed_at or '?')}"
            + (f", backs {shown(e.assess_action)}" if e.assess_action else ""),
            ", ".join((f"signature {'ok' if e.signature_ok else 'not verified'}",
                       f"role {'allowed' if e.role_allowed else 'not allowed'}",
                       f"state {e.state.value if e.state else 'unknown'}",
                       f"chain {'ok' if e.chain_ok else 'broken'}")),
        ]
        if e.diff is not None:
            changes = [f"{e.diff.unchanged} unchanged"]
            changes += [f"{what}: {shown(', '.join(names))}" for what, names in
                        (("modified", e.diff.modified), ("added", e.diff.added), ("removed", e.diff.removed)) if names]
            facts.append("since then: " + "; ".join(changes))
        lines.extend(f"    {fact}" for fact in facts)
        lines.extend(f"    [red]{shown(p.kind.value)}[/]: {shown(p.message)}" for p in e.problems)
    if result.unsigned:
        lines.append(f"[bold]unsigned[/] [dim]({len(result.unsigned)}: covered by no manifest and no verified "
                     "envelope)[/]")
        lines.extend(f"  {shown(name)}" for name in result.unsigned)
    own = {p for e in result.envelopes for p in e.problems}
    others = [p for p in result.problems if p not in own and p.kind.value != "unsigned-file"]
    if others:
        lines.append("[bold]other problems[/]")
        lines.extend(f"  [bold red]{shown(p.kind.value)}[/] {shown(p.message)}"
                     + (f" [dim]({shown(p.file)})[/]" if p.file else "") for p in others)
    verdict = "[bold green]VALID[/]" if result.valid else "[bold red]INVALID[/]"
    policy = f", policy {shown(result.policy)}" if result.policy else ""
    lines.append(f"[dim]not checked: {shown(METADATA_NOT_CHECKED)}[/]")
    lines.append(f"{verdict}: {len(result.envelopes)} envelope(s){policy}, {result.files_checked} files checked")
    return console_text("\n".join(lines))


def signatures_output(json_format: bool) -> Callable[[SignatureVerification], tuple[str, int]]:
    """A renderer for :func:`~fivesafes_crate.cli._app.finish`: the text or JSON report and exit 0 or 1."""

    def render(result: SignatureVerification) -> tuple[str, int]:
        # deferred: start-up (the CLI loads the library only for the command that runs)
        import json

        # deferred: start-up (the CLI loads the library only for the command that runs)
        from ..reporting.json import signatures_to_json

        text = json.dumps(signatures_to_json(result), indent=2, ensure_ascii=False) if json_format \
            else render_signatures(result)
        return text, EXIT_VALID if result.valid else EXIT_INVALID

    return render
