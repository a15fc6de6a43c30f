"""The compositions of the front door: each function here does something no single implementation does
(opens and closes a source, follows a federated summary into its nodes, loads a policy and its evidence for a
screening, picks the validator an export is for). The federation's own are in :mod:`.federation.services`.

Every other public name is its implementation, re-exported by :mod:`fivesafes_crate` (which also re-exports
these); import from there.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .disclosure_control.evidence import load_evidence
from .disclosure_control.outcomes import ScreeningReport
from .disclosure_control.policy import DisclosurePolicy, load_disclosure_policy
from .disclosure_control.screener import screen_outputs as screen_names
from .disclosure_control.screener import screen_target
from .errors import CrateReadError, CrateStateError, UsageError
from .federation.checking import checked_nodes
from .federation.summary import summary_nodes
from .interop.dur import dumps, export_entry, load_dur_config, write_output
from .interop.rocrate_validator import ExportedProfile, export_rocrate_validator
from .model.crate import Crate, load_crate
from .model.entities import JSON
from .model.source import DEFAULT_LIMITS, Limits, open_source
from .packaging import ProgressCallback
from .packaging.bag_verifier import BagVerification
from .packaging.bag_verifier import verify_bag as verify_bag_source
from .phases.disclosure.screening import ScreeningResult
from .phases.disclosure.screening import record_screening as record_screening_with
from .phases.lifecycle import Agent, Clock, IdFactory
from .profiles import PROFILES, Profile, get_profile
from .signing.writer import SignHook

EXPORT_TARGETS = ("rocrate-validator",)
"""The validators :func:`export_profile` writes profiles for."""


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


def verify_bag(
    path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS, progress: ProgressCallback | None = None
) -> BagVerification:
    """Check the BagIt integrity of a bag folder or bag ZIP: every manifest entry, per file.

    Returns the verification (``.valid``, ``.problems`` with missing, extra and changed files); raises
    :class:`~fivesafes_crate.errors.CrateReadError` when ``path`` is not a bag.
    """
    with open_source(path, limits) as source:
        if not source.is_bag:
            raise CrateReadError("not a BagIt bag (no bagit.txt)", path=os.fspath(path))
        return verify_bag_source(source, progress=progress)


def record_screening(
    target: str | os.PathLike[str],
    *,
    agent: Agent,
    policy: DisclosurePolicy | str | os.PathLike[str] = "acro-default",
    evidence: str | os.PathLike[str] | None = None,
    as_decision: bool = False,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ScreeningResult:
    """Disclosure phase: screen every output in scope (as :func:`screen_outputs`) and record it in the crate.

    Written: the report as ``disclosure/sdc-report.json`` (a ``File`` in the root's ``hasPart``: it holds no
    value), one screening ``Review`` per output (outcome term, ``sha256`` of the bytes screened, ``author`` the
    screening software ``agent``, a ``SoftwareApplication`` with its TRE as ``provider``), ``sha256`` on every
    output, and the policy and report as the ``instrument`` of the ``DisclosureCheck``, created pending when
    there is none. With ``as_decision`` the check is approved when every output passed (it never rejects).
    Returns the step and the report. Refused like :func:`record_disclosure`.
    """
    chosen = load_disclosure_policy(policy)
    found = load_evidence(Path(evidence), limits=limits) if evidence is not None else None
    return record_screening_with(target, agent=agent, policy=chosen, evidence=found, as_decision=as_decision,
                             clock=clock, new_id=new_id, sign=sign, limits=limits)


def screen_outputs(
    path: str | os.PathLike[str],
    *,
    policy: DisclosurePolicy | str | os.PathLike[str] = "acro-default",
    evidence: str | os.PathLike[str] | None = None,
    names: Iterable[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ScreeningReport:
    """Screen outputs with disclosure-control rules; nothing is written.

    ``path`` is a crate folder, bag folder or bag ZIP (every result file and everything under ``outputs/`` is
    screened), a plain folder of outputs, or one output file; with ``names``, ``path`` is a folder and only those
    relative names (folders: every file below them) are screened. ``evidence`` is per-cell evidence for magnitude
    tables (ACRO's ``evidence.json``). Each output's ``sha256`` is that of the exact bytes screened. The report
    never holds a cell value, a contribution or a matched identifier.
    """
    chosen = load_disclosure_policy(policy)
    found = load_evidence(Path(evidence), limits=limits) if evidence is not None else None
    if names is not None:
        return screen_names(path, names, chosen, found, limits=limits)
    return screen_target(path, chosen, found, limits=limits)


def export_profile(
    output: str | os.PathLike[str], *, target: str = "rocrate-validator", profile: str | Profile | None = None
) -> list[ExportedProfile]:
    """Write our SHACL shapes as a profile folder of another validator into ``output``, one per profile version.

    ``target`` ``rocrate-validator`` writes ``five-safes-crate-<MAJOR.MINOR>/`` folders that
    ``rocrate-validator validate --extra-profiles-path OUTPUT -p five-safes-crate-0.4`` loads (see
    ``docs/interop.md``). ``profile`` limits the export to one version. An existing profile folder is never
    replaced (:class:`~fivesafes_crate.errors.UsageError`).
    """
    if target not in EXPORT_TARGETS:
        raise UsageError(f"unknown export target {target!r}: supported are {', '.join(EXPORT_TARGETS)}")
    chosen = PROFILES if profile is None else (get_profile(profile) if isinstance(profile, str) else profile,)
    return export_rocrate_validator(output, chosen)


def export_dur(
    crates: Sequence[str | os.PathLike[str]],
    *,
    config: str | os.PathLike[str] | None = None,
    fmt: str = "gateway-json",
    output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, JSON]:
    """The HDR UK Data Use Register entry of one or more published crates of one project (a Gateway DUR create
    request body); with ``output``, also written there (never over an existing file unless ``overwrite``).

    Fields come from the crates as :data:`~fivesafes_crate.interop.dur.GATEWAY_JSON` says, what a crate cannot
    hold from the ``[dur]`` table of the TRE's TOML ``config``, else ``null``; several crates roll up into one
    entry; a federated summary crate (``federate gather``) stands for its completed nodes. Only approved outputs
    appear. Raises :class:`~fivesafes_crate.ExportRefused` for a crate that is not
    published or lacks a completed sign-off or disclosure check, or of another project than the others, and
    :class:`~fivesafes_crate.DurConfigError` for a bad configuration file.
    """
    settings = load_dur_config(config)
    if not crates:
        raise UsageError("give at least one published crate")
    targets: list[str | os.PathLike[str]] = []
    for path in crates:
        nodes = summary_nodes(path, limits=limits) if Path(path).is_dir() else None
        if nodes is None:
            targets.append(path)
            continue
        completed = [node.folder for node in checked_nodes(path, limits=limits) if node.completed]
        if not completed:
            raise CrateStateError("no node of this federated summary completed: nothing was approved for release",
                                  path=os.fspath(path))
        targets += completed
    opened: list[tuple[Crate, str]] = []
    try:
        for target in targets:
            opened.append((open_crate(target, limits=limits), os.fspath(target)))
        entry = export_entry(opened, settings, fmt=fmt)
    finally:
        for crate, _ in opened:
            if crate.source is not None:
                crate.source.close()
    if output is not None:
        write_output(Path(output), dumps(entry).encode("utf-8"), overwrite=overwrite)
    return entry
