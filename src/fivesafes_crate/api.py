"""The façade TRE software and the CLI call: one function per job.

Everything here is re-exported from :mod:`fivesafes_crate`; import from there.
"""

from __future__ import annotations

import os

from .issues import Report, Severity, Stage
from .model.crate import Crate, load_crate
from .model.source import DEFAULT_LIMITS, Limits, open_source
from .profiles import PROFILES, Profile
from .validation.engine import ExtraCheck, catalogue
from .validation.engine import validate as _validate
from .validation.registry import CheckInfo


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
