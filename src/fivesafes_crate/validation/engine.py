"""One validation: open the input, read the metadata, interpret it, run the checks, build the report.

Every layer that fails becomes an issue from its own check (``json.syntax``, ``jsonld.context-offline``...)
and only the checks that can still be judged run after it: no RDF-based check runs on a graph that could not
be interpreted. Only an input that cannot be opened at all raises. A report about metadata that could not be
read claims no profile and no stage (``stage`` unknown): nothing was checked against either.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from ..errors import ContextUnavailable, CrateReadError, FiveSafesError, UsageError
from ..issues import Issue, Report, Severity, Stage
from ..model.crate import Crate, MetadataLimitError, MetadataSyntaxError, load_crate
from ..model.graph import GraphBuildError, build_graph
from ..model.source import DEFAULT_LIMITS, METADATA_FILE, CrateSource, Limits, TooLargeError, open_source
from ..packaging import ProgressCallback, verify_bag
from ..profiles import Profile, resolve_profile
from ..signing.trust import TrustStore
from . import checks  # noqa: F401  (the rule modules register their checks on import)
from .registry import PYTHON_CHECKS, CheckContext, CheckInfo
from .restatements import without_restatements
from .shacl import load_library, run_shapes
from .shacl_engines import get_engine

ExtraCheck = Callable[[CheckContext], Iterable[Issue]]
"""A TRE's own check: called with the same context as built-in checks, returns issues with its own ids."""


def catalogue() -> dict[str, CheckInfo]:
    """Every check id (Python and SHACL) with its catalogue entry, sorted by id."""
    infos = {check.info.id: check.info for check in PYTHON_CHECKS.values()}
    for check_id, info in load_library().infos.items():
        if check_id in infos:
            raise ValueError(f"check id {check_id!r} is both a Python check and a shape")
        infos[check_id] = info
    return dict(sorted(infos.items()))


def list_checks() -> list[CheckInfo]:
    """Every check the validator runs (Python checks and SHACL shapes), sorted by id."""
    return list(catalogue().values())


def _load(source: CrateSource) -> tuple[Crate | None, FiveSafesError | None]:
    try:
        return load_crate(source), None
    except (MetadataSyntaxError, MetadataLimitError, TooLargeError) as exc:
        return None, exc
    except CrateReadError as exc:
        return None, exc


def validate_source(
    source: CrateSource,
    *,
    profile: str | Profile | None = None,
    stage: Stage | str | None = None,
    phase: Stage | str | None = None,
    threshold: Severity = Severity.MUST,
    extra_checks: Iterable[ExtraCheck] = (),
    trust: TrustStore | None = None,
    engine: str | None = None,
) -> Report:
    """Validate an opened source; see :func:`validate`."""
    crate, load_error = _load(source)
    return _validate(source, crate, load_error, profile, chosen_stage(stage, phase), threshold, extra_checks, trust,
                     engine)


def validate_crate(
    crate: Crate,
    *,
    profile: str | Profile | None = None,
    stage: Stage | str | None = None,
    phase: Stage | str | None = None,
    threshold: Severity = Severity.MUST,
    extra_checks: Iterable[ExtraCheck] = (),
    trust: TrustStore | None = None,
    engine: str | None = None,
) -> Report:
    """Validate an in-memory crate (its source, if any, is used for file and BagIt checks)."""
    return _validate(crate.source, crate, None, profile, chosen_stage(stage, phase), threshold, extra_checks, trust,
                     engine)


def chosen_stage(stage: Stage | str | None, phase: Stage | str | None) -> Stage | None:
    """The stage asked for by ``stage``, or by its deprecated name ``phase`` (kept for one release); None: infer it.

    Raises :class:`~fivesafes_crate.errors.UsageError` for an unknown stage name, or for both names given
    with different stages.
    """
    parsed = []
    for given in (stage, phase):
        try:
            parsed.append(Stage.parse(given) if isinstance(given, str) else given)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if parsed[0] is not None and parsed[1] is not None and parsed[0] is not parsed[1]:
        raise UsageError(f"stage {parsed[0].value!r} and phase {parsed[1].value!r} disagree: give the stage only")
    return parsed[0] or parsed[1]


def _validate(
    source: CrateSource | None,
    crate: Crate | None,
    load_error: FiveSafesError | None,
    profile: str | Profile | None,
    asked: Stage | None,
    threshold: Severity,
    extra_checks: Iterable[ExtraCheck],
    trust: TrustStore | None = None,
    engine: str | None = None,
) -> Report:
    if engine is not None:
        get_engine(engine)  # an unknown or missing engine is a usage error before any work
    metadata_file = source.named(METADATA_FILE) if source is not None else None
    resolution = resolve_profile(crate, profile, path=metadata_file or METADATA_FILE)
    chosen = resolution.profile
    stage = asked or (crate.stage() if crate is not None else Stage.REQUEST)
    graph = graph_error = None
    if crate is not None:
        try:
            graph = build_graph(crate)
        except (ContextUnavailable, GraphBuildError) as exc:
            graph_error = exc
    context = CheckContext(source, crate, graph, chosen, stage, load_error=load_error, graph_error=graph_error,
                           trust=trust, resolution=resolution)
    issues: list[Issue] = []
    for check in PYTHON_CHECKS.values():
        if not check.info.applies(chosen.version, stage):
            continue
        needed = {"source": source, "bag": source if source and source.is_bag else None, "crate": crate,
                  "graph": graph}[check.scope]
        if needed is not None:
            issues.extend(check.run(context))
    if graph is not None:
        issues.extend(run_shapes(graph, chosen.version, stage, engine))
    for extra in extra_checks:
        issues.extend(extra(context))
    issues = without_restatements(issues)
    if crate is None:  # unreadable metadata: nothing was checked against a profile, and no stage is known
        return Report.build(None, None, threshold, issues, metadata_file)
    return Report.build(chosen.id, stage, threshold, issues, metadata_file, declared=resolution.declared)


def validate(
    target: str | os.PathLike[str] | Crate,
    *,
    profile: str | Profile | None = None,
    stage: Stage | str | None = None,
    phase: Stage | str | None = None,
    threshold: Severity = Severity.MUST,
    limits: Limits = DEFAULT_LIMITS,
    extra_checks: Iterable[ExtraCheck] = (),
    trust: TrustStore | None = None,
    engine: str | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Validate a Five Safes RO-Crate offline and return a :class:`~fivesafes_crate.issues.Report`.

    ``target`` is a crate directory, its ``ro-crate-metadata.json``, a BagIt directory, a ZIP holding one bag
    directory or a crate, or an in-memory :class:`Crate`. The profile comes from the root's ``conformsTo``
    unless ``profile`` is given; the stage is inferred from the crate's actions unless ``stage`` is given
    (``phase`` is its deprecated name, kept for one release). ``threshold`` decides ``report.valid``; the report
    holds issues of every severity. With a ``trust`` store (:func:`~fivesafes_crate.load_trust_store`) the bag's
    signatures are verified too (``signature.*`` checks, see ``docs/signing.md``). ``progress(done, total)``
    follows the bytes hashed when ``target`` is a bag (a large one takes seconds).
    ``engine`` names the SHACL engine (``"shacl"``, the fast one, default when installed; ``"pyshacl"``, the
    reference): both give the same findings (``docs/engines.md``).

    Raises :class:`~fivesafes_crate.errors.CrateReadError` when the input cannot be opened at all,
    :class:`~fivesafes_crate.errors.UnsupportedProfileError` when no ``profile`` is given and the root declares
    only Five Safes profile versions that are not supported (exact IRIs, see :func:`~fivesafes_crate.profiles.
    resolve_profile`), and :class:`~fivesafes_crate.errors.UsageError` for an unknown profile or engine, or a
    fast engine not installed.
    """
    if isinstance(target, Crate):
        return validate_crate(target, profile=profile, stage=stage, phase=phase, threshold=threshold,
                              extra_checks=extra_checks, trust=trust, engine=engine)
    with open_source(target, limits) as source:
        if progress is not None and source.is_bag:
            verify_bag(source, progress=progress)  # hashed once, here: the BagIt checks reuse the verification
        return validate_source(source, profile=profile, stage=stage, phase=phase, threshold=threshold,
                               extra_checks=extra_checks, trust=trust, engine=engine)
