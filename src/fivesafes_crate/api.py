"""The façade TRE software and the CLI call: one function per job.

Everything here is re-exported from :mod:`fivesafes_crate`; import from there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CrateReadError
from .issues import Report, Severity, Stage
from .model.crate import Crate, load_crate
from .model.source import DEFAULT_LIMITS, Limits, open_source
from .profiles import PROFILES, Profile
from .validation.engine import ExtraCheck, catalogue
from .validation.engine import validate as _validate
from .validation.registry import CheckInfo

if TYPE_CHECKING:
    from .authoring.spec import RequestSpec
    from .packaging.bag import BagVerification
    from .phases.receiving import Receipt, Timeline

ProgressCallback = Callable[[int, int], None]
"""``progress(done, total)`` in bytes, called while hashing or writing a payload."""


def open_crate(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> Crate:
    """Read a crate's metadata from any supported form (folder, metadata file, bag, ZIP).

    The returned crate keeps its source open for file access; call ``crate.source.close()`` when done.
    Raises :class:`~fivesafes_crate.errors.CrateReadError` when the input or its metadata cannot be read.
    """
    source = open_source(path, limits)
    try:
        return load_crate(source)
    except BaseException:
        source.close()
        raise


def validate(
    target: str | os.PathLike[str] | Crate,
    *,
    profile: str | Profile | None = None,
    phase: Stage | str | None = None,
    threshold: Severity = Severity.MUST,
    limits: Limits = DEFAULT_LIMITS,
    extra_checks: tuple[ExtraCheck, ...] = (),
) -> Report:
    """Validate a Five Safes RO-Crate offline; see :func:`fivesafes_crate.validation.engine.validate`."""
    return _validate(target, profile=profile, phase=phase, threshold=threshold, limits=limits,
                     extra_checks=extra_checks)


def list_checks() -> list[CheckInfo]:
    """Every check the validator runs (Python checks and SHACL shapes), sorted by id."""
    return list(catalogue().values())


def list_profiles() -> list[Profile]:
    """The supported Five Safes RO-Crate profile versions."""
    return list(PROFILES)


def package(
    crate: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    folder: bool = False,
    external_identifier: str | None = None,
    bagging_date: date | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Pack a crate folder as a BagIt 1.0 bag inside a deterministic ZIP (or as a bag folder with ``folder``).

    The ZIP holds one top-level folder, as the profile requires. ``External-Identifier`` is kept when
    ``crate`` is already a bag, else ``external_identifier`` or a new ``urn:uuid:``. The same crate, identifier
    and bagging date give the same bytes. Written atomically; returns the path written.
    """
    from .packaging.archive import pack

    return pack(crate, output, folder=folder, external_identifier=external_identifier,
                bagging_date=bagging_date, progress=progress)


def unpack(
    archive: str | os.PathLike[str], output: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS
) -> Path:
    """Extract a bag ZIP safely into ``output`` (a new folder), refusing unsafe or oversized archives.

    Nothing is written outside ``output``; on any error nothing is left behind. Returns ``output``.
    """
    from .packaging.archive import unpack as _unpack

    return _unpack(archive, output, limits=limits)


def verify_bag(
    path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS, progress: ProgressCallback | None = None
) -> BagVerification:
    """Check the BagIt integrity of a bag folder or bag ZIP: every manifest entry, per file.

    Returns the verification (``.valid``, ``.problems`` with missing, extra and changed files); raises
    :class:`~fivesafes_crate.errors.CrateReadError` when ``path`` is not a bag.
    """
    from .packaging.bag import verify_bag as _verify

    with open_source(path, limits) as source:
        if not source.is_bag:
            raise CrateReadError("not a BagIt bag (no bagit.txt)", path=Path(path).name)
        return _verify(source, progress=progress)


def load_request_spec(path: str | os.PathLike[str]) -> RequestSpec:
    """Read and check a request spec file (YAML or JSON) against its published JSON Schema."""
    from .authoring.spec import load_spec

    return load_spec(path)


def create_request(
    spec: RequestSpec,
    output: str | os.PathLike[str],
    *,
    now: Callable[[], datetime] | None = None,
    new_id: Callable[[], str] | None = None,
) -> Crate:
    """Build a Five Safes request crate folder at ``output`` from a request spec (atomically).

    ``now`` and ``new_id`` are injectable so that tests get byte-identical crates.
    """
    from .authoring.builder import build_request

    return build_request(spec, output, now=now, new_id=new_id)


def status(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> Timeline:
    """The lifecycle timeline of a crate (any form): one row per recorded action, and the inferred stage."""
    from .phases.receiving import status as _status

    return _status(path, limits=limits)


def receive(
    path: str | os.PathLike[str],
    *,
    profile: str | None = None,
    threshold: Severity = Severity.SHOULD,
    limits: Limits = DEFAULT_LIMITS,
) -> Receipt:
    """The receiving phase: BagIt manifests, validation at ``threshold`` and the status of every review step.

    ``receipt.accepted`` is True only when everything passed and every step completed; ``receipt.reasons``
    says what did not, in lifecycle order.
    """
    from .phases.receiving import receive as _receive

    return _receive(path, profile=profile, threshold=threshold, limits=limits)
