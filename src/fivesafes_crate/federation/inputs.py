"""The inputs of one validation run: every crate given, and after a federated summary crate each crate it nests.

:func:`validate_all` is what ``fivesafes validate A B C`` runs: it expands the federated summaries
(``federate gather``) into their nodes and validates everything through :mod:`~fivesafes_crate.validation.batch`.
It lives here, beside the summaries it reads, so that validating does not load the rest of the front door.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable

from ..errors import CrateReadError
from ..issues import ReportSet, Severity, Stage
from ..model.source import DEFAULT_LIMITS, Limits
from ..packaging import ProgressCallback
from ..profiles import Profile
from ..signing.trust import TrustStore
from ..validation.batch import validate_many
from ..validation.engine import ExtraCheck, chosen_stage, validate
from .summary import summary_nodes


def validate_all(
    targets: Iterable[str | os.PathLike[str]],
    *,
    profile: str | Profile | None = None,
    stage: Stage | str | None = None,
    phase: Stage | str | None = None,
    threshold: Severity = Severity.MUST,
    limits: Limits = DEFAULT_LIMITS,
    extra_checks: tuple[ExtraCheck, ...] = (),
    trust: TrustStore | None = None,
    jobs: int = 1,
    progress: ProgressCallback | None = None,
    engine: str | None = None,
) -> ReportSet:
    """Validate several crates, each exactly as :func:`~fivesafes_crate.validate` does: one report per crate, in
    the order given.

    The reports are keyed by each path as given (``os.fspath``); a path given twice is validated once. A
    federated summary crate (``federate gather``) is followed by each crate it nests, validated with its own
    detected profile and keyed ``SUMMARY/nodes/<tre>``. An input that cannot be opened at all
    (:class:`~fivesafes_crate.errors.CrateReadError`) does not stop the others: it is an
    :class:`~fivesafes_crate.issues.InputFailure` in ``failures``, whose message names it as given. ``jobs``
    validates that many inputs at a time (worker processes of the standard library); the result is the same.
    ``stage`` (``phase``: its deprecated name) is the stage to validate every crate as; ``progress(done,
    total)`` follows the hashing of each bag (with ``jobs`` 1: a callback cannot reach a worker process).
    ``engine`` forces a SHACL engine, as for :func:`~fivesafes_crate.validate`. Arguments that are wrong for
    every input (an unknown profile, stage or engine) still raise.
    """
    expanded: list[str | os.PathLike[str]] = []
    for target in targets:
        expanded.append(target)
        try:
            nodes = summary_nodes(target, limits=limits) or []
        except CrateReadError:
            nodes = []  # reported by its own validation
        expanded += [os.path.join(os.fspath(target), "nodes", node.id) for node in nodes]
    validator = functools.partial(validate, progress=progress) if progress is not None and jobs == 1 else validate
    return validate_many(expanded, profile=profile, phase=chosen_stage(stage, phase), threshold=threshold,
                         limits=limits, extra_checks=extra_checks, trust=trust, jobs=jobs, validator=validator,
                         engine=engine)
