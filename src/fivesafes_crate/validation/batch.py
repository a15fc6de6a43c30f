"""Validating many crates, optionally in parallel (``jobs`` worker processes), with a deterministic result.

Each input is validated exactly as :func:`~.engine.validate` does, in a worker of a
:class:`concurrent.futures.ProcessPoolExecutor` (the standard library only: no engine of our own); with a trust
store (whose keys cannot cross process boundaries) or a TRE's own checks (which may be closures), the workers
are threads. Reports come back in the order the
inputs were given, whatever order the workers finish in, so the output of ``--jobs 4`` is byte-identical to
that of ``--jobs 1``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import CrateReadError, UnsupportedProfileError, UsageError
from ..issues import InputFailure, Report, ReportSet, Severity, Stage
from ..model.source import DEFAULT_LIMITS, Limits
from .engine import ExtraCheck, validate

if TYPE_CHECKING:
    from ..profiles import Profile
    from ..signing.trust import TrustStore


Validator = Callable[..., Report]
"""A function validating one input as :func:`~.engine.validate` does (same keyword arguments)."""


@dataclass(frozen=True)
class _Options:
    """What every validation of the batch shares (picklable, to reach worker processes)."""

    profile: str | Profile | None
    phase: Stage | str | None
    threshold: Severity
    limits: Limits
    extra_checks: tuple[ExtraCheck, ...]
    trust: TrustStore | None
    validator: Validator
    engine: str | None


def _one(key: str, target: str | os.PathLike[str], options: _Options) -> Report | InputFailure:
    """Validate one input; an input that cannot be opened, or that declares only an unsupported profile version,
    is an :class:`InputFailure` naming it as given."""
    try:
        return options.validator(target, profile=options.profile, phase=options.phase, threshold=options.threshold,
                        limits=options.limits, extra_checks=options.extra_checks, trust=options.trust,
                        engine=options.engine)
    except (CrateReadError, UnsupportedProfileError) as exc:
        message = str(exc) if exc.path is not None and exc.path.startswith(key) else f"{key}: {exc}"
        return InputFailure(key, type(exc).__name__, message)


def validate_many(
    targets: Iterable[str | os.PathLike[str]],
    *,
    profile: str | Profile | None = None,
    phase: Stage | str | None = None,
    threshold: Severity = Severity.MUST,
    limits: Limits = DEFAULT_LIMITS,
    extra_checks: tuple[ExtraCheck, ...] = (),
    trust: TrustStore | None = None,
    jobs: int = 1,
    validator: Validator = validate,
    engine: str | None = None,
) -> ReportSet:
    """Validate several inputs (``jobs`` at a time), keyed by each path as given, in the order given.

    A path given twice is validated once. ``validator`` validates one input (the front door passes its own
    :func:`~fivesafes_crate.validate`, so that what it does is what each input gets); ``engine`` names the SHACL
    engine of each validation. Raises
    :class:`~fivesafes_crate.errors.UsageError` for ``jobs < 1`` and for arguments wrong for every input (an
    unknown profile).
    """
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    unique: dict[str, str | os.PathLike[str]] = {}
    for target in targets:
        unique.setdefault(os.fspath(target), target)
    options = _Options(profile, phase, threshold, limits, tuple(extra_checks), trust, validator, engine)
    if jobs == 1 or len(unique) < 2:
        outcomes: Sequence[Report | InputFailure] = [_one(key, target, options) for key, target in unique.items()]
    else:
        workers = min(jobs, len(unique))
        pool: Executor = (ThreadPoolExecutor(workers) if trust is not None or extra_checks
                          else ProcessPoolExecutor(workers))
        with pool:
            futures = [pool.submit(_one, key, target, options) for key, target in unique.items()]
            outcomes = [future.result() for future in futures]
    reports = {key: o for key, o in zip(unique, outcomes, strict=True) if isinstance(o, Report)}
    failures = tuple(o for o in outcomes if isinstance(o, InputFailure))
    return ReportSet(reports, failures)
