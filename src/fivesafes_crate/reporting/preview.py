"""The preview page as a file: read a crate in any form, validate it, and render or write its page elsewhere.

The page itself is :func:`fivesafes_crate.website.render_preview` (pure, and what every lifecycle step writes into
the crate); this module adds reading and validating the crate (:func:`preview`) and writing the page beside
it, never replacing a file unasked (:func:`write_preview`, named by :func:`default_output`).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ..errors import OutputExistsError, UsageError
from ..issues import Severity
from ..model.crate import load_crate, write_atomic
from ..model.safe_files import refuse_special_output, write_new, writing
from ..model.source import DEFAULT_LIMITS, WEBSITE_FILE, Limits, SourceKind, open_source
from ..signing.listing import claimed_signatures
from ..validation.engine import validate_crate
from ..website import render_preview


def preview(
    target: str | os.PathLike[str],
    *,
    profile: str | None = None,
    threshold: Severity = Severity.SHOULD,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """The preview page of a crate (any form): a self-contained HTML5 page with the request, the lifecycle
    timeline, the results and the validation summary at ``threshold``. See :func:`render_preview`.
    """
    with open_source(target, limits) as source:
        crate = load_crate(source)
        report = validate_crate(crate, profile=profile, threshold=threshold)
        signatures = claimed_signatures(source) if source.bag_prefix is not None else None
    return render_preview(crate, report, signatures)


def default_output(target: str | os.PathLike[str]) -> Path:
    """Where a preview of ``target`` goes unless told: ``<name>.preview.html`` beside the crate, never in it.

    ``<name>`` is the crate folder's name, or the bag's or ZIP's without ``.zip`` and ``.bagit``
    (``result.bagit.zip`` → ``result.preview.html``); for a metadata file, its folder's name.
    """
    real = Path(target).resolve()
    if real.is_file() and not zipfile.is_zipfile(real):
        real = real.parent
    stem = real.name
    for suffix in (".zip", ".bagit"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    if not stem:
        raise UsageError("cannot name a preview after this crate: give the output file", path=str(target))
    return real.parent / f"{stem}.preview.html"


def _check_output(output: Path, source_path: Path, kind: SourceKind, overwrite: bool) -> bool:
    """Refuse an output that would overwrite the crate, break a bag or replace a file unasked.

    Returns True for a crate folder's own preview, which is always rewritten (it is the crate's generated page).
    """
    shown = str(output)
    parent = output.parent.resolve()
    if not parent.is_dir():
        raise UsageError("the output's folder does not exist", path=shown)
    real = parent / output.name
    if real.is_dir():
        raise UsageError("the output is a folder; give a file name", path=shown)
    refuse_special_output(real, shown)
    crate = source_path.resolve()
    if real == crate:
        raise UsageError("the output is the crate itself", path=shown)
    own_preview = kind in (SourceKind.DIRECTORY, SourceKind.METADATA_FILE) and real == crate / WEBSITE_FILE
    if crate in real.parents and not own_preview:
        raise UsageError(f"the output lies inside the crate; only a crate folder's own {WEBSITE_FILE} may be "
                         "written there (a bag's manifests would no longer verify)", path=shown)
    if not (overwrite or own_preview) and os.path.lexists(real):
        raise OutputExistsError("already exists: choose another name, or replace it with --force", path=shown)
    return own_preview


def write_preview(
    target: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    profile: str | None = None,
    threshold: Severity = Severity.SHOULD,
    limits: Limits = DEFAULT_LIMITS,
    overwrite: bool = False,
) -> Path:
    """Write the preview page of a crate (see :func:`preview`) atomically and return the path written.

    ``output`` defaults to ``<name>.preview.html`` beside the crate (``result.bagit.zip`` →
    ``result.preview.html``, :func:`default_output`). An existing file is refused
    (:class:`~fivesafes_crate.errors.OutputExistsError`, also when one appears while the page is written)
    unless ``overwrite``; a crate folder's own ``ro-crate-preview.html`` is always rewritten. The crate is never
    modified: an output inside it is refused (:class:`~fivesafes_crate.errors.UsageError`), except that own
    preview (not a bag's, whose manifests would break: the lifecycle steps rewrite a bag's preview themselves).
    An output that cannot be written raises :class:`~fivesafes_crate.errors.StorageError`.
    """
    path = Path(output) if output is not None else default_output(target)
    with open_source(target, limits) as source:
        own_preview = _check_output(path, source.path, source.kind, overwrite)
        crate = load_crate(source)
        report = validate_crate(crate, profile=profile, threshold=threshold)
        signatures = claimed_signatures(source) if source.bag_prefix is not None else None
    page = render_preview(crate, report, signatures).encode("utf-8")
    with writing(path):
        if overwrite or own_preview:
            write_atomic(path, page)
        else:
            try:
                write_new(path, page)
            except FileExistsError:
                raise OutputExistsError("appeared while the preview was written; nothing was replaced",
                                        path=str(path)) from None
    return path


__all__ = ["default_output", "preview", "write_preview"]
