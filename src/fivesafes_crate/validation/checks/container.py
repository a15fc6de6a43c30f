"""Checks on the container a crate arrives in: the ZIP archive (or folder) around the bag.

:func:`~fivesafes_crate.model.source.open_source` records what it refused while opening a ZIP (unsafe names,
suspected zip bombs, extra top-level entries) as findings; these checks surface them under stable ids.

Links and special files: ``zip.symlink`` reports every such ZIP member, anywhere in the archive. In a bag
*folder* they are reported by ``bagit.payload-integrity`` / ``bagit.tag-integrity`` (a link cannot be verified
against a manifest and is never followed); a separate folder id would need a committed symlink fixture, which
git cannot store portably.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...issues import Severity
from ...model.source import EntryKind, SourceKind
from ..registry import CheckContext, Finding, check

ZIP = "Zip expectations"
ARCHIVE = "Archive serialisation"
SECURITY = "Security considerations"


def _source_findings(context: CheckContext, check_id: str) -> Iterator[Finding]:
    if context.source is None:
        return
    for issue in context.source.findings:
        if issue.check == check_id:
            yield Finding(issue.message, file=issue.file)


@check(
    "zip.entry-name",
    Severity.MUST,
    section=SECURITY,
    scope="source",
    description="Every ZIP entry name is a safe relative path (no absolute, '..', backslash or control-character "
    "names) and no two names collide after Unicode normalisation and case folding.",
)
def entry_name(context: CheckContext) -> Iterator[Finding]:
    """Such entries are refused when the ZIP is opened and are never read."""
    yield from _source_findings(context, "zip.entry-name")


@check(
    "zip.limits",
    Severity.MUST,
    section=SECURITY,
    scope="source",
    description="No ZIP entry expands beyond the compression-ratio limit (a possible zip bomb).",
)
def limits(context: CheckContext) -> Iterator[Finding]:
    """Such entries are refused when the ZIP is opened and are never decompressed."""
    yield from _source_findings(context, "zip.limits")


@check(
    "zip.single-top-level",
    Severity.MUST,
    section=ZIP,
    scope="source",
    description="The ZIP archive holds only a single top-level entry: the bag folder.",
)
def single_top_level(context: CheckContext) -> Iterator[Finding]:
    """The profile: 'The ZIP archive MUST only contain a single top-level entry for the bag directory'."""
    yield from _source_findings(context, "zip.single-top-level")


@check(
    "zip.symlink",
    Severity.MUST,
    section=SECURITY,
    scope="source",
    description="The ZIP archive holds no symbolic links, devices or other special members.",
)
def zip_symlink(context: CheckContext) -> Iterator[Finding]:
    """A link member can point anywhere once unpacked; it is never read here and is reported per member."""
    source = context.source
    if source is None or not source.is_zip:
        return
    for name, entry in sorted(source.storage.entries().items()):
        if entry.kind is EntryKind.SYMLINK:
            yield Finding(f"ZIP member {name!r} is a symbolic link", file=name)
        elif entry.kind is EntryKind.OTHER:
            yield Finding(f"ZIP member {name!r} is a device or other special file", file=name)


@check(
    "archive.bagit-zip",
    Severity.SHOULD,
    section=ARCHIVE,
    scope="source",
    description="A ZIP holding a crate holds it as a BagIt bag (a folder with bagit.txt and data/).",
)
def bagit_zip(context: CheckContext) -> Iterator[Finding]:
    """The profile: a crate SHOULD be transferred as a ZIP containing a single BagIt directory."""
    if context.source is not None and context.source.kind is SourceKind.CRATE_ZIP:
        yield Finding("the ZIP holds an RO-Crate directly instead of a BagIt bag folder around it")
