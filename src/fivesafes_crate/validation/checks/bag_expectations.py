"""Checks on the BagIt bag around a crate: RFC 8493 validity and the profile's BagIt expectations.

Every check reads one shared :class:`~fivesafes_crate.packaging.BagVerification` (the bag is hashed once
per validation) and reports one issue per file where the problem concerns a file, with ``file`` set to the
bag-relative name. Symbolic links and special files in a bag folder are integrity problems (they cannot be
verified and are never followed); in a ZIP they are left to ``zip.symlink`` (see :mod:`.container`), which
covers every member of the archive.

``fetch.txt``: the profile lists it as optional and RFC 8493 allows it, so its presence is not an issue. A file
that is only listed in ``fetch.txt`` and absent is reported by ``bagit.fetch`` (SHOULD): the crate is
incomplete, a reviewer cannot see that file, and this library never downloads anything. Fetch entries that
would land outside the payload are ``bagit.manifest-path`` (MUST).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from ...issues import Severity
from ...model.source import METADATA_FILE, EntryKind
from ...packaging import BagVerification, ProblemKind, verify_bag
from ..registry import CheckContext, Finding, check

RFC = "RFC 8493 (BagIt)"
BAGIT = "BagIt expectations"
ARCHIVE = "Archive serialisation"
SECURITY = "Security considerations"
PAYLOAD_METADATA = f"data/{METADATA_FILE}"


def bag_verification(context: CheckContext) -> BagVerification:
    """The bag's verification, computed once per opened source (see :func:`verify_bag`) and shared by every check."""
    source = context.source
    if source is None:  # pragma: no cover - the engine only runs bag checks on a bag source
        raise ValueError("BagIt checks need a source")
    return verify_bag(source)


def _problems(context: CheckContext, *kinds: ProblemKind, area: str | None = None) -> Iterator[Finding]:
    for problem in bag_verification(context).of(*kinds, area=area):
        yield Finding(problem.message, file=problem.file)


@check(
    "bagit.declaration",
    Severity.MUST,
    section=RFC,
    scope="bag",
    description="bagit.txt is present and well-formed: 'BagIt-Version: M.N' then 'Tag-File-Character-Encoding', "
    "UTF-8 without a byte-order mark.",
)
def declaration(context: CheckContext) -> Iterator[Finding]:
    """RFC 8493 section 2.1.1: the bag declaration."""
    yield from _problems(context, ProblemKind.DECLARATION)


@check(
    "bagit.declaration-case",
    Severity.SHOULD,
    section=RFC,
    scope="bag",
    description="bagit.txt labels are spelled exactly 'BagIt-Version' and 'Tag-File-Character-Encoding' (the "
    "example bags write 'BagIt-version'; it is accepted but other tools may reject it).",
)
def declaration_case(context: CheckContext) -> Iterator[Finding]:
    """Labels are case-sensitive in RFC 8493; a tolerant reader accepts other cases and says so."""
    yield from _problems(context, ProblemKind.DECLARATION_CASE)


@check(
    "bagit.version",
    Severity.MUST,
    section=ARCHIVE,
    scope="bag",
    description="bagit.txt declares BagIt 1.0 or later.",
)
def version(context: CheckContext) -> Iterator[Finding]:
    """The profile's archive example: bagit.txt 'MUST indicate BagIt 1.0 or later'."""
    declared = bag_verification(context).info.declaration
    if declared.version_number is not None and declared.version_number < (1, 0):
        yield Finding(
            f"bagit.txt declares BagIt {declared.version}; the profile requires 1.0 or later", file="bagit.txt"
        )


@check(
    "bagit.bag-info",
    Severity.MUST,
    section=RFC,
    scope="bag",
    description="bag-info.txt lines are 'Label: value' (continuations indented) in the declared encoding, and "
    "Payload-Oxum appears at most once as <octets>.<files>.",
)
def bag_info(context: CheckContext) -> Iterator[Finding]:
    """RFC 8493 section 2.2.2: the bag metadata file."""
    yield from _problems(context, ProblemKind.BAG_INFO)


@check(
    "bagit.external-identifier",
    Severity.MUST,
    section=BAGIT,
    scope="bag",
    description="bag-info.txt has an External-Identifier.",
)
def external_identifier(context: CheckContext) -> Iterator[Finding]:
    """The profile: bag-info.txt MUST include a generated External-Identifier."""
    info = bag_verification(context).info
    if not info.has_bag_info:
        yield Finding("bag-info.txt is missing, so the bag has no External-Identifier", file="bag-info.txt")
    elif not any(value.strip() for value in info.values("External-Identifier")):
        yield Finding("bag-info.txt has no External-Identifier", file="bag-info.txt")


@check(
    "bagit.external-identifier-uuid",
    Severity.SHOULD,
    section=BAGIT,
    scope="bag",
    description="The External-Identifier is a UUID URN (urn:uuid:...).",
)
def external_identifier_uuid(context: CheckContext) -> Iterator[Finding]:
    """The profile: the External-Identifier SHOULD be a UUID URN (RFC 4122)."""
    for value in bag_verification(context).info.values("External-Identifier"):
        if value.strip() and not _is_uuid_urn(value.strip()):
            yield Finding(
                f"bag-info.txt External-Identifier {value!r} is not a urn:uuid: UUID URN", file="bag-info.txt"
            )


def _is_uuid_urn(value: str) -> bool:
    if not value.lower().startswith("urn:uuid:"):
        return False
    try:
        uuid.UUID(value[len("urn:uuid:") :])
    except ValueError:
        return False
    return len(value) == len("urn:uuid:") + 36


@check(
    "bagit.manifest-sha512",
    Severity.MUST,
    section=ARCHIVE,
    scope="bag",
    description="The bag has a payload manifest using SHA-512 (manifest-sha512.txt).",
)
def manifest_sha512(context: CheckContext) -> Iterator[Finding]:
    """The profile: the payload manifest MUST be present using sha-512 checksums."""
    manifests = bag_verification(context).info.payload_manifests
    if not any(m.algorithm == "sha512" for m in manifests):
        others = ", ".join(m.name for m in manifests)
        found = f"it has only {others}" if others else "it has no payload manifest at all"
        yield Finding(f"the bag has no manifest-sha512.txt; {found}", file="manifest-sha512.txt")


@check(
    "bagit.tagmanifest-sha512",
    Severity.SHOULD,
    section=ARCHIVE,
    scope="bag",
    description="The bag has a tag manifest using SHA-512 (tagmanifest-sha512.txt).",
)
def tagmanifest_sha512(context: CheckContext) -> Iterator[Finding]:
    """The profile: the tag manifest SHOULD be included as sha-512."""
    if not any(m.algorithm == "sha512" for m in bag_verification(context).info.tag_manifests):
        yield Finding("the bag has no tagmanifest-sha512.txt", file="tagmanifest-sha512.txt")


@check(
    "bagit.manifest-syntax",
    Severity.MUST,
    section=RFC,
    scope="bag",
    description="Manifest and fetch.txt lines are well-formed, list each file once, and every fetch.txt file is "
    "in every payload manifest.",
)
def manifest_syntax(context: CheckContext) -> Iterator[Finding]:
    """RFC 8493 sections 2.1.3, 2.2.1 and 2.2.3: manifest and fetch file format."""
    yield from _problems(context, ProblemKind.MANIFEST_SYNTAX, ProblemKind.DUPLICATE)


@check(
    "bagit.manifest-portability",
    Severity.SHOULD,
    section=RFC,
    scope="bag",
    description="Manifests are written canonically: no './' or md5sum '*' prefixes, names matching the payload "
    "byte for byte (not only after case or Unicode folding), no repeated lines, algorithms tools can verify.",
)
def manifest_portability(context: CheckContext) -> Iterator[Finding]:
    """Lines this reader accepts leniently (the conformance suite's warning cases) but other tools may not."""
    yield from _problems(context, ProblemKind.PORTABILITY, ProblemKind.UNSUPPORTED_ALGORITHM)


@check(
    "bagit.manifest-path",
    Severity.MUST,
    section=SECURITY,
    scope="bag",
    description="Manifest and fetch.txt paths stay inside the bag (no absolute, '..', '~', drive or backslash "
    "paths) and payload entries lie in data/.",
)
def manifest_path(context: CheckContext) -> Iterator[Finding]:
    """Such paths are never looked up; each is reported with its manifest as ``file``."""
    yield from _problems(context, ProblemKind.UNSAFE_PATH, ProblemKind.OUTSIDE_PAYLOAD)


def _integrity_kinds(context: CheckContext) -> tuple[ProblemKind, ...]:
    kinds: tuple[ProblemKind, ...] = (
        ProblemKind.MISSING,
        ProblemKind.CHANGED,
        ProblemKind.EXTRA,
        ProblemKind.UNREADABLE,
    )
    if context.source is not None and not context.source.is_zip:
        kinds += (ProblemKind.SPECIAL_FILE,)  # in a ZIP, zip.symlink reports them
    return kinds


@check(
    "bagit.payload-integrity",
    Severity.MUST,
    section=RFC,
    scope="bag",
    description="Every payload file listed in a manifest is present and matches its checksum, and every payload "
    "file is listed in every payload manifest.",
)
def payload_integrity(context: CheckContext) -> Iterator[Finding]:
    """One issue per file: missing, changed (with the algorithm), unlisted, unreadable, or a link."""
    yield from _problems(context, *_integrity_kinds(context), area="payload")


@check(
    "bagit.tag-integrity",
    Severity.MUST,
    section=RFC,
    scope="bag",
    description="Every tag file listed in a tag manifest is present and matches its checksum.",
)
def tag_integrity(context: CheckContext) -> Iterator[Finding]:
    """One issue per tag file: missing, changed, unreadable, or a link."""
    yield from _problems(context, *_integrity_kinds(context), area="tag")


@check(
    "bagit.payload-oxum",
    Severity.MUST,
    section=RFC,
    scope="bag",
    description="When bag-info.txt declares Payload-Oxum, it matches the payload's byte and file counts.",
)
def payload_oxum(context: CheckContext) -> Iterator[Finding]:
    """RFC 8493 section 2.2.2: Payload-Oxum, the quick completeness check."""
    yield from _problems(context, ProblemKind.OXUM)


@check(
    "bagit.fetch",
    Severity.SHOULD,
    section=ARCHIVE,
    scope="bag",
    description="No payload file is left to be fetched: files listed in fetch.txt are present in the bag (this "
    "library never downloads them).",
)
def fetch(context: CheckContext) -> Iterator[Finding]:
    """A crate under review should be complete offline; a pending fetch is content nobody has reviewed."""
    yield from _problems(context, ProblemKind.FETCH_PENDING)


@check(
    "bagit.system-file",
    Severity.SHOULD,
    section=SECURITY,
    scope="bag",
    description="The payload carries no operating-system metadata files (.DS_Store, Thumbs.db, desktop.ini, ._*).",
)
def system_file(context: CheckContext) -> Iterator[Finding]:
    """Such files are noise for reviewers and can leak folder listings and thumbnails of other files."""
    yield from _problems(context, ProblemKind.SYSTEM_FILE)


@check(
    "bagit.metadata-in-payload",
    Severity.MUST,
    section=ARCHIVE,
    scope="bag",
    description="The payload folder holds the RO-Crate Metadata File data/ro-crate-metadata.json.",
)
def metadata_in_payload(context: CheckContext) -> Iterator[Finding]:
    """The profile: the RO-Crate Metadata File MUST be present in data/."""
    assert context.source is not None
    entry = context.source.bag_entries().get(PAYLOAD_METADATA)
    if entry is None:
        yield Finding(f"the bag has no {PAYLOAD_METADATA}", file=PAYLOAD_METADATA)
    elif entry.kind is not EntryKind.FILE:
        yield Finding(f"{PAYLOAD_METADATA} is not a regular file", file=PAYLOAD_METADATA)


@check(
    "bagit.payload-present",
    Severity.SHOULD,
    section=ARCHIVE,
    scope="bag",
    description="The payload holds one or more files or folders besides the RO-Crate Metadata File.",
)
def payload_present(context: CheckContext) -> Iterator[Finding]:
    """The profile: '[payload files and directories] 1 or more SHOULD be present'."""
    assert context.source is not None
    others = [n for n in context.source.bag_entries() if n.startswith("data/") and n != PAYLOAD_METADATA]
    if not others:
        yield Finding(f"the payload folder data/ holds nothing besides {METADATA_FILE}", file="data")
