"""``fivesafes pack``, ``unpack`` and ``verify``: BagIt packaging of crates and bag integrity reports.

``verify --format json`` prints the object of :func:`~fivesafes_crate.reporting.json.verification_to_json`,
described by ``docs/reference/verify.schema.json``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

import fivesafes_crate
from fivesafes_crate import UsageError, printable

from ._app import EXIT_INVALID, EXIT_VALID, app, finish
from ._options import ForceOpt, Format, FormatOpt, TrustOpt, TrustPolicyOpt
from ._progress import ProgressBar
from .render import console_text, shown

if TYPE_CHECKING:
    from fivesafes_crate import BagVerification, SignatureVerification

T = TypeVar("T")

GROUPS = (
    ("missing", "listed in a manifest but not in the bag"),
    ("extra", "in the payload but not listed in every payload manifest"),
    ("changed", "checksum differs from the manifest"),
)


OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Where to write (default: next to the crate).")]


@app.command()
def pack(
    crate: Annotated[Path, typer.Argument(help="Crate folder (with ro-crate-metadata.json), or a bag folder to "
                                          "re-pack.", show_default=False)],
    output: OutputOpt = None,
    bag_dir: Annotated[bool, typer.Option("--bag-dir", help="Write the bag as a folder instead of a ZIP.")] = False,
    external_identifier: Annotated[str | None, typer.Option(
        "--external-identifier", metavar="URN",
        help="bag-info.txt External-Identifier (default: the bag's own when re-packing, else a new urn:uuid).")] = None,
    bagging_date: Annotated[datetime | None, typer.Option(
        "--date", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
        help="Bagging-Date (default: SOURCE_DATE_EPOCH, else today).")] = None,
    force: ForceOpt = False,
) -> None:
    """Pack a crate as a BagIt bag in a ZIP with one top-level folder, the profile's transfer form.

    The metadata file must be JSON. An existing output is refused unless --force replaces it (a ZIP; an
    existing bag folder is never replaced). The same crate, identifier and date give the same bytes. Prints the
    path written. Exit status: 0 written, 2 refused or failed (nothing is left behind).

    Example: [bold]fivesafes pack request/ -o request.bagit.zip[/]
    """

    bar = ProgressBar("packing")
    finish(
        lambda: bar.run(lambda: fivesafes_crate.package(
            crate, output, folder=bag_dir, external_identifier=external_identifier,
            bagging_date=bagging_date.date() if bagging_date else None, progress=bar, overwrite=force,
        )),
        lambda path: (printable(str(path)), EXIT_VALID),
    )


@app.command()
def unpack(
    archive: Annotated[Path, typer.Argument(help="A ZIP holding one bag folder.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="New folder to extract the bag into (its "
                                         "bagit.txt and data/ land directly in it).", show_default=False)],
) -> None:
    """Extract a bag ZIP safely into a new folder, refusing unsafe or oversized archives.

    Prints the folder written. Exit status: 0 extracted, 2 refused or failed (nothing is left behind).

    Example: [bold]fivesafes unpack request.bagit.zip -o request[/]
    """

    finish(lambda: fivesafes_crate.unpack(archive, output), lambda path: (printable(str(path)), EXIT_VALID))


@app.command()
def verify(
    bag: Annotated[Path, typer.Argument(help="A bag folder or a ZIP holding one.", show_default=False)],
    fmt: FormatOpt = Format.text,
    trust: TrustOpt = None,
    policy: TrustPolicyOpt = None,
) -> None:
    """Check a bag's BagIt integrity file by file: missing, extra and changed files, and tag-file problems.

    With --trust, verify its signatures too: one entry per envelope (signature, role, state, chain, changes
    since a superseded state), unsigned files, and the --policy requirements (docs/signing.md).

    Exit status: 0 intact (and signed as required), 1 problems found, 2 unreadable input or usage error.

    Example: [bold]fivesafes verify request.bagit.zip --trust trust.toml --policy published --format json[/]
    """

    bar = ProgressBar("verifying", enabled=fmt is not Format.json)
    if trust is not None or policy is not None:
        # deferred: start-up (the CLI loads the library only for the command that runs)
        from .signing import signatures_output

        def check() -> SignatureVerification:
            if trust is None:
                raise UsageError("--policy needs --trust (the trust store that defines the policy)")
            store = fivesafes_crate.load_trust_store(trust)
            return fivesafes_crate.verify_signatures(bag, store, policy=policy, progress=bar)

        finish(lambda: bar.run(check), signatures_output(fmt is Format.json))

    def render(result: BagVerification) -> tuple[str, int]:
        # deferred: start-up (the CLI loads the library only for the command that runs)
        from ..reporting.json import verification_to_json

        text = json.dumps(verification_to_json(result), indent=2, ensure_ascii=False) if fmt is Format.json \
            else render_verification(result)
        return text, EXIT_VALID if result.valid else EXIT_INVALID

    finish(lambda: bar.run(lambda: fivesafes_crate.verify_bag(bag, progress=bar)), render)


def render_verification(result: BagVerification) -> str:
    """Text report: missing, extra and changed files grouped, other problems, what was and was not checked, then
    the verdict."""
    lines: list[str] = []
    listed: set[int] = set()
    for kind, meaning in GROUPS:
        found = [(i, p) for i, p in enumerate(result.problems) if p.kind.value == kind]
        if not found:
            continue
        listed.update(i for i, _ in found)
        lines.append(f"[bold]{kind}[/] [dim]({len(found)}: {meaning})[/]")
        lines.extend(f"  {shown(p.file or '?')}" for _, p in found)
    others = [p for i, p in enumerate(result.problems) if i not in listed]
    if others:
        lines.append("[bold]other problems[/]")
        for p in others:
            style = "bold red" if p.severity.label == "must" else "bold yellow"
            lines.append(f"  [{style}]{p.severity.label}[/] [cyan]{p.kind.value}[/] {shown(p.message)}")
    lines.append(f"[dim]checked: {shown('; '.join(result.checked))}[/]")
    lines.extend(f"[dim]not checked: {shown(what)}[/]" for what in result.not_checked)
    verdict = "[bold green]VALID[/]" if result.valid else "[bold red]INVALID[/]"
    lines.append(f"{verdict}: {result.files_checked} files checked, {result.bytes_hashed} bytes hashed")
    return console_text("\n".join(lines))
