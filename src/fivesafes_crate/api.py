"""The façade TRE software and the CLI call: one function per job.

Everything here is re-exported from :mod:`fivesafes_crate`; import from there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CrateReadError, CrateStateError, UsageError
from .issues import Report, ReportSet, Severity, Stage
from .model.crate import Crate, load_crate
from .model.source import DEFAULT_LIMITS, Limits, open_source
from .profiles import PROFILES, Profile
from .validation.engine import ExtraCheck, catalogue
from .validation.engine import validate as _validate
from .validation.registry import CheckInfo

if TYPE_CHECKING:
    from rocrate.rocrate import ROCrate

    from .authoring.spec import RequestSpec
    from .disclosure_control import AcroResults, DisclosurePolicy, ScreeningReport
    from .federation.gather import FederatedSummary
    from .federation.nodes import Node
    from .federation.pool import PooledOutput
    from .interop.rocrate_validator import ExportedProfile
    from .model.entities import JSON, Entity
    from .model.lifecycle import Timeline
    from .packaging import BagVerification
    from .phases.disclosure import DisclosureDecision, Verdict
    from .phases.lifecycle import Agent, Clock, IdFactory, StepResult
    from .phases.publishing import License
    from .phases.receiving import Receipt
    from .phases.results import Output
    from .phases.screening import ScreeningResult
    from .signing import (
        KeyAlgorithm,
        KeyPairFiles,
        KeySigner,
        SignatureRecord,
        SignatureVerification,
        Signer,
        TrustStore,
    )
    from .signing.writer import SignHook

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
    trust: TrustStore | None = None,
) -> Report:
    """Validate a Five Safes RO-Crate offline; see :func:`fivesafes_crate.validation.engine.validate`.

    With a ``trust`` store (:func:`load_trust_store`) the bag's signatures are checked too (``signature.*``).
    """
    return _validate(target, profile=profile, phase=phase, threshold=threshold, limits=limits,
                     extra_checks=extra_checks, trust=trust)


def validate_all(
    targets: Iterable[str | os.PathLike[str]],
    *,
    profile: str | Profile | None = None,
    phase: Stage | str | None = None,
    threshold: Severity = Severity.MUST,
    limits: Limits = DEFAULT_LIMITS,
    extra_checks: tuple[ExtraCheck, ...] = (),
    trust: TrustStore | None = None,
    jobs: int = 1,
) -> ReportSet:
    """Validate several crates, each exactly as :func:`validate` does: one report per crate, in the order given.

    The reports are keyed by each path as given (``os.fspath``); a path given twice is validated once. A
    federated summary crate (``federate gather``) is followed by each crate it nests, validated with its own
    detected profile and keyed ``SUMMARY/nodes/<tre>``. An input that cannot be opened at all
    (:class:`~fivesafes_crate.errors.CrateReadError`) does not stop the others: it is an
    :class:`~fivesafes_crate.issues.InputFailure` in ``failures``, whose message names it as given. ``jobs``
    validates that many inputs at a time (worker processes of the standard library); the result is the same.
    Arguments that are wrong for every input (an unknown profile) still raise.
    """
    from .federation.summary import summary_nodes
    from .validation.batch import validate_many

    expanded: list[str | os.PathLike[str]] = []
    for target in targets:
        expanded.append(target)
        try:
            nodes = summary_nodes(target, limits=limits) or []
        except CrateReadError:
            nodes = []  # reported by its own validation
        expanded += [os.path.join(os.fspath(target), "nodes", node.id) for node in nodes]
    return validate_many(expanded, profile=profile, phase=phase, threshold=threshold, limits=limits,
                         extra_checks=extra_checks, trust=trust, jobs=jobs, validator=validate)


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
    limits: Limits = DEFAULT_LIMITS,
    overwrite: bool = False,
) -> Path:
    """Pack a crate folder as a BagIt 1.0 bag inside a deterministic ZIP (or as a bag folder with ``folder``).

    The ZIP holds one top-level folder, as the profile requires. ``External-Identifier`` is kept when
    ``crate`` is already a bag, else ``external_identifier`` or a new ``urn:uuid:``. The same crate, identifier
    and bagging date give the same bytes. ``limits.max_entries`` bounds the files and folders walked. The
    metadata file must be JSON (:class:`~fivesafes_crate.MetadataSyntaxError` otherwise). An existing output is
    refused (:class:`~fivesafes_crate.OutputExistsError`) unless ``overwrite`` replaces an existing ZIP. Written
    atomically; returns the path written.
    """
    from .packaging import pack

    return pack(crate, output, folder=folder, external_identifier=external_identifier,
                bagging_date=bagging_date, progress=progress, limits=limits, overwrite=overwrite)


def unpack(
    archive: str | os.PathLike[str], output: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS
) -> Path:
    """Extract a bag ZIP safely into ``output`` (a new folder), refusing unsafe or oversized archives.

    Nothing is written outside ``output``; on any error nothing is left behind. Returns ``output``.
    """
    from .packaging import unpack as _unpack

    return _unpack(archive, output, limits=limits)


def verify_bag(
    path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS, progress: ProgressCallback | None = None
) -> BagVerification:
    """Check the BagIt integrity of a bag folder or bag ZIP: every manifest entry, per file.

    Returns the verification (``.valid``, ``.problems`` with missing, extra and changed files); raises
    :class:`~fivesafes_crate.errors.CrateReadError` when ``path`` is not a bag.
    """
    from .packaging import verify_bag as _verify

    with open_source(path, limits) as source:
        if not source.is_bag:
            raise CrateReadError("not a BagIt bag (no bagit.txt)", path=os.fspath(path))
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
    trust: TrustStore | None = None,
    policy: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Receipt:
    """The receiving phase: BagIt manifests, validation at ``threshold`` and the status of every review step;
    with ``trust`` (and a named ``policy``) also the signatures, each review action counting only when a
    trusted TRE signature backs it.

    ``receipt.accepted`` is True only when everything passed and every step completed; ``receipt.reasons``
    says what did not, in lifecycle order. A federated summary folder (``federate gather``) is received node by
    node: ``receipt.nodes`` holds each nested node's receipt and the summary is accepted only when all are (see
    :func:`receive_federation`).
    """
    from .phases.receiving import receive as _receive

    if _is_summary(path, limits):
        from .federation.checking import receive_summary

        return receive_summary(path, profile=profile, threshold=threshold, trust=trust, policy=policy, limits=limits)
    return _receive(path, profile=profile, threshold=threshold, trust=trust, policy=policy, limits=limits)


def _is_summary(path: str | os.PathLike[str], limits: Limits) -> bool:
    """Whether ``path`` is a federated summary crate folder, whose nested nodes are checked one by one."""
    from .federation.summary import summary_nodes

    return summary_nodes(path, limits=limits) is not None


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
    from .reporting.preview import preview as _preview

    return _preview(target, profile=profile, threshold=threshold, limits=limits)


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
    ``result.preview.html``). An existing file is refused (:class:`~fivesafes_crate.OutputExistsError`)
    unless ``overwrite``, except a crate folder's own ``ro-crate-preview.html``, which is always rewritten. The
    crate is never modified: an output inside it is refused with :class:`~fivesafes_crate.errors.UsageError`,
    except that own preview (a bag's manifests would break: the lifecycle steps rewrite a bag's preview
    themselves).
    """
    from .reporting.preview import write_preview as _write_preview

    return _write_preview(target, output, profile=profile, threshold=threshold, limits=limits, overwrite=overwrite)


def sanitize(
    target: str | os.PathLike[str], *, force: bool = False, clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS
) -> StepResult:
    """Remove every client-submitted ``AssessAction``, and anything that could pass for one, from a received crate.

    Review actions (``AssessAction`` and subtypes, ``DownloadAction``, actions with an SHP ``additionalType``,
    also under a ``"type"`` key or embedded) go with every reference to them; SHP terms and review types on
    other entities go, the entities stay. ``result.removed`` says what went; nothing to remove writes nothing.
    Run it first, on the crate as received: a crate holding a check (the TRE's intake) or a publishing action is
    refused (``StepRefused``, naming the step) unless ``force``, since sanitizing would remove the TRE's own
    records; with ``force`` the summary lists every item removed. A bag that fails its manifests is refused
    rather than given fresh ones.
    """
    from .phases.sanitizing import sanitize as _sanitize

    return _sanitize(target, force=force, clock=clock, limits=limits)


def record_check(
    target: str | os.PathLike[str],
    *,
    agent: Agent,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Check phase: verify the bag's SHA-512 payload and tag manifests and record the ``CheckValue`` assessment.

    A bag that fails is recorded as failed (``FailedActionStatus``, per-file reasons in ``description``),
    which ends the lifecycle. Needs a bag folder or bag ZIP not checked yet; refused with
    :class:`~fivesafes_crate.StepRefused` (crate untouched) after a failed step or publishing.
    """
    from .phases.check import record_check as _record_check

    return _record_check(target, agent=agent, clock=clock, new_id=new_id, sign=sign, limits=limits)


def record_validation(
    target: str | os.PathLike[str],
    *,
    agent: Agent,
    threshold: Severity = Severity.MUST,
    profile: str | Profile | None = None,
    extra_checks: Sequence[ExtraCheck] = (),
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Validation phase: validate the crate and record the ``ValidationCheck`` assessment (instrument: the profile).

    Fails when an issue reaches ``threshold`` (default MUST: a missing recommendation does not reject a
    request); a failure names the issue count and ends the lifecycle. ``extra_checks`` are the TRE's own
    checks; a :class:`~fivesafes_crate.ComparingCheck` such as :class:`~fivesafes_crate.ExpectedInputs` also
    adds what it checked to ``object`` and what it expected to ``instrument``. Needs a completed check.
    """
    from .phases.validation import record_validation as _record_validation

    return _record_validation(target, agent=agent, threshold=threshold, profile=profile, extra_checks=extra_checks,
                              clock=clock, new_id=new_id, sign=sign, limits=limits)


def record_retrieval(
    target: str | os.PathLike[str],
    workflow_crate: str | os.PathLike[str],
    *,
    agent: Agent,
    nest: bool = False,
    url: str | None = None,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Workflow retrieval phase: record the ``DownloadAction`` of the referenced Workflow RO-Crate.

    Nothing is downloaded: ``workflow_crate`` is the ZIP or folder the TRE's proxy fetched, checked to be the
    root's ``mainEntity`` (else :class:`~fivesafes_crate.WorkflowMismatchError`). ``object`` is the workflow's
    ``distribution`` (or ``url``); with ``nest`` it is copied into the payload as ``workflow/<name>/``, the
    action's ``result``. Needs a completed validation; a completed retrieval is not repeated.
    """
    from .phases.retrieval import record_retrieval as _record_retrieval

    return _record_retrieval(target, workflow_crate, agent=agent, nest=nest, url=url, clock=clock, new_id=new_id,
                             sign=sign, limits=limits)


def record_signoff(
    target: str | os.PathLike[str],
    *,
    agent: Agent,
    approved: bool,
    policy: str,
    policy_name: str | None = None,
    reason: str | None = None,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Sign-off phase: record the ``SignOff`` assessment under the agreement ``policy`` (a ``CreativeWork``).

    ``object`` is the root, the workflow and the responsible project. A rejection (``approved=False``) is
    ``FailedActionStatus`` and ends the lifecycle. Needs a completed validation; a second sign-off is refused.
    """
    from .phases.signoff import record_signoff as _record_signoff

    return _record_signoff(target, agent=agent, approved=approved, policy=policy, policy_name=policy_name,
                           reason=reason, clock=clock, new_id=new_id, sign=sign, limits=limits)


def start_run(
    target: str | os.PathLike[str],
    *,
    clock: Clock | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Workflow execution phase: the approved run started (its ``CreateAction`` becomes Active, ``startTime``).

    Refused with :class:`~fivesafes_crate.StepRefused` (crate untouched) without an approved sign-off or unless
    the run is queued. ``target`` is a crate folder, bag folder or bag ZIP, replaced atomically.
    """
    from .phases.execution import start_run as _start_run

    return _start_run(target, clock=clock, sign=sign, limits=limits)


def finish_run(
    target: str | os.PathLike[str],
    *,
    clock: Clock | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Workflow execution phase: the running run completed (``CompletedActionStatus``, ``endTime``).

    Refused unless the run is running (started and not finished).
    """
    from .phases.execution import finish_run as _finish_run

    return _finish_run(target, clock=clock, sign=sign, limits=limits)


def fail_run(
    target: str | os.PathLike[str],
    *,
    reason: str,
    clock: Clock | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Workflow execution phase: the queued or running run failed, ``reason`` being its ``error``.

    A failed run ends the lifecycle: later steps are refused.
    """
    from .phases.execution import fail_run as _fail_run

    return _fail_run(target, reason=reason, clock=clock, sign=sign, limits=limits)


def add_results(
    target: str | os.PathLike[str],
    outputs: Sequence[Output],
    *,
    namespace: uuid.UUID | None = None,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Attach outputs to the running or completed run: files and folders copied under ``outputs/``, references
    by URI, values; sensitive references hashed (UUID v5 in the TRE's secret ``namespace``).

    Each output becomes a ``result`` of the ``CreateAction`` (data entities also a ``hasPart`` of the root); a
    disclosure check in review or approved goes back to pending. See :class:`OutputFile`,
    :class:`OutputReference` and :class:`OutputValue`.
    """
    from .phases.results import add_results as _add_results

    return _add_results(target, outputs, namespace=namespace, clock=clock, new_id=new_id, sign=sign, limits=limits)


def record_disclosure(
    target: str | os.PathLike[str],
    decision: DisclosureDecision,
    *,
    agent: Agent,
    reason: str | None = None,
    start: datetime | None = None,
    remove_run: bool = False,
    reviews: Sequence[Entity] = (),
    instruments: Sequence[Entity] = (),
    verdicts: Sequence[Verdict] = (),
    prune: bool = False,
    redact_withheld_names: bool = False,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Disclosure phase: record the crate's one ``DisclosureCheck`` as pending, in review, approved or rejected.

    Needs a completed run; approved and rejected are final (new results put an approval back to pending). A
    rejection needs a ``reason`` (the action's ``error``) and withholds the results: their files, entities and
    links are removed (``result.removed``), and the ``CreateAction`` too with ``remove_run``.

    ``verdicts`` (:class:`Verdict`) are the checker's per-output approvals and rejections, recorded as
    ``Review``\\ s with the SHP terms ``PassedDisclosureCheck`` / ``FailedDisclosureCheck`` and the ``sha256``
    of the bytes judged, listed as the check's ``result``. Refused (:class:`~fivesafes_crate.StepRefused`,
    crate untouched): an approval without a verdict for every output in scope once the check has per-output
    reviews; approving an output the screening failed without a comment; approving while rejected outputs are
    present (``prune`` withholds them, leaving a placeholder; ``redact_withheld_names`` hides even their
    names); a verdict on bytes that changed since they were screened. ``reviews`` and ``instruments`` are
    further entities recorded as the check's ``result`` and ``instrument``.
    """
    from .phases.disclosure import record_disclosure as _record_disclosure

    return _record_disclosure(target, decision, agent=agent, reason=reason, start=start, remove_run=remove_run,
                              reviews=reviews, instruments=instruments, verdicts=verdicts, prune=prune,
                              redact_withheld_names=redact_withheld_names, clock=clock, new_id=new_id, sign=sign,
                              limits=limits)


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
    from .disclosure_control import load_evidence, load_policy
    from .phases.screening import record_screening as _record_screening

    chosen = load_policy(policy)
    found = load_evidence(Path(evidence), limits=limits) if evidence is not None else None
    return _record_screening(target, agent=agent, policy=chosen, evidence=found, as_decision=as_decision,
                             clock=clock, new_id=new_id, sign=sign, limits=limits)


def import_acro(
    target: str | os.PathLike[str],
    folder: str | os.PathLike[str],
    *,
    timezone: str | tzinfo,
    agent: Agent,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Disclosure phase: record the results of ACRO (``folder``, as its ``finalise`` wrote them) as screening
    ``Review``\\ s of the crate's output files, after verifying every checksum ACRO wrote.

    ACRO's outputs are matched to the crate's files by SHA-256; each review records ACRO's status, its checks'
    counts, ACRO's comments and the researcher's exception request (``Comment``\\ s); a file ACRO did not
    check is ``not-checked``. ``timezone`` makes ACRO's local times aware; ``agent`` is ACRO as a
    ``SoftwareApplication`` with its TRE as ``provider``. Raises
    :class:`~fivesafes_crate.disclosure_control.AcroResultsError` when a checksum is missing or differs.
    """
    from .phases.screening import import_acro as _import_acro

    return _import_acro(target, folder, timezone=timezone, agent=agent, clock=clock, new_id=new_id, sign=sign,
                        limits=limits)


def publish(
    target: str | os.PathLike[str],
    *,
    publisher: Agent,
    license: License,
    agent: Agent,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    sign: SignHook | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StepResult:
    """Publishing phase: ``datePublished``, ``publisher``, ``license``, every assessment in ``mentions``, every
    result in ``hasPart``, and the ``GenerateCheckValue`` action; then the payload and tag manifests.

    Works on a bag folder or bag ZIP; refused without an approved disclosure check, and when published already.
    """
    from .phases.publishing import publish as _publish

    return _publish(target, publisher=publisher, license=license, agent=agent, clock=clock, new_id=new_id,
                    sign=sign, limits=limits)


# --- signing ---------------------------------------------------------------------------------------------


def generate_key(algorithm: KeyAlgorithm | None = None, *, rsa_bits: int = 3072) -> KeySigner:
    """A new signing key in memory: ECDSA P-256 by default, Ed25519, or RSA-PSS (at least 3072 bits)."""
    from .signing import KeyAlgorithm
    from .signing import generate_key as _generate

    return _generate(algorithm or KeyAlgorithm.ECDSA_P256, rsa_bits=rsa_bits)


def create_key_pair(
    private: str | os.PathLike[str],
    *,
    passphrase: bytes | str | None,
    algorithm: KeyAlgorithm | None = None,
    rsa_bits: int = 3072,
) -> KeyPairFiles:
    """Generate a key and write ``private`` (PKCS#8 PEM encrypted with ``passphrase``, mode 0o600) and its public
    key ``<name>.pub.pem``; neither may exist. Returns both paths and the key id ``sha256:<hex>``."""
    from .signing import KeyAlgorithm
    from .signing import create_key_pair as _create

    return _create(private, passphrase=passphrase, algorithm=algorithm or KeyAlgorithm.ECDSA_P256, rsa_bits=rsa_bits)


def load_signer(path: str | os.PathLike[str], passphrase: bytes | str | None = None) -> KeySigner:
    """Read a PEM private key (decrypted with ``passphrase``) as a signer; raises ``SigningKeyError``."""
    from .signing import load_signer as _load

    return _load(path, passphrase)


def load_trust_store(path: str | os.PathLike[str]) -> TrustStore:
    """Read and check a trust store TOML file (keys, principals, roles, validity, policies; docs/signing.md)."""
    from .signing import load_trust_store as _load

    return _load(path)


def sign(
    path: str | os.PathLike[str],
    signer: Signer,
    *,
    role: str,
    principal: str,
    phase: str | None = None,
    assess_action: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> SignatureRecord:
    """Sign a bag folder or bag ZIP: one DSSE envelope over its tag manifest, added atomically to ``signatures/``.

    The bag's BagIt integrity is verified first (``SigningRefused`` otherwise). ``role`` is ``requester`` or
    ``tre:<step>``, ``principal`` the signer's URI, ``assess_action`` the ``@id`` of the action the signature
    backs, ``now`` the ``signedAt`` time (default: now). Returns what was written.
    """
    from .signing import sign as _sign

    return _sign(path, signer, role=role, principal=principal, phase=phase, assess_action=assess_action, now=now,
                 limits=limits)


def sign_hook(signer: Signer, *, principal: str, clock: Clock | None = None) -> SignHook:
    """A hook for the ``sign=`` parameter of every lifecycle step: the TRE signs each step's finished bag with
    ``signer`` in the step's role (``tre:check``, ``tre:validate``, ... ``tre:publish``) as ``principal``,
    backing the action the step recorded. ``clock`` gives the signing time (default: now)."""
    from .signing.writer import sign_hook as _sign_hook

    return _sign_hook(signer, principal=principal, clock=clock)


def verify_signatures(
    path: str | os.PathLike[str],
    trust: TrustStore,
    *,
    policy: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback | None = None,
) -> SignatureVerification:
    """Verify a bag's signatures against a trust store (and a named policy): a report per envelope.

    Unlike :func:`verify_bag` (BagIt integrity only), this checks who signed what: ``.valid``, ``.envelopes``,
    ``.unsigned`` files and ``.problems``. A federated summary folder (``federate gather``) is verified node by
    node: ``.nodes`` holds each nested node bag's report and ``.valid`` needs every one (a node whose tag
    manifest changed since gathering raises ``TrustError``). Raises ``CrateReadError`` when ``path`` is neither
    a bag nor a summary.
    """
    from .signing import verify_signatures as _verify

    if _is_summary(path, limits):
        from .federation.checking import verify_summary

        return verify_summary(path, trust, policy=policy, now=now, limits=limits)
    return _verify(path, trust, policy=policy, now=now, limits=limits, progress=progress)


def verify(
    path: str | os.PathLike[str],
    trust: TrustStore,
    *,
    policy: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Return when a bag's signatures (a federated summary: every nested node's) verify against ``trust`` (and
    ``policy``); raise ``SignatureInvalid`` carrying the full report (``.verification``) otherwise."""
    from .signing import SignatureInvalid
    from .signing import verify as _verify

    if not _is_summary(path, limits):
        _verify(path, trust, policy=policy, now=now, limits=limits)
        return
    found = verify_signatures(path, trust, policy=policy, now=now, limits=limits)
    if not found.valid:
        raise SignatureInvalid(found, path=os.fspath(path))


def endorsed_actions(
    path: str | os.PathLike[str],
    trust: TrustStore,
    *,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> frozenset[str]:
    """The ``AssessAction`` ``@id``s of a bag backed by a trusted TRE signature (empty unless the bag verifies)."""
    from .signing import endorsed_actions as _endorsed

    return _endorsed(path, trust, now=now, limits=limits)


EXPORT_TARGETS = ("rocrate-validator",)
"""The validators :func:`export_profile` writes profiles for."""


def export_profile(
    output: str | os.PathLike[str], *, target: str = "rocrate-validator", profile: str | Profile | None = None
) -> list[ExportedProfile]:
    """Write our SHACL shapes as a profile folder of another validator into ``output``, one per profile version.

    ``target`` ``rocrate-validator`` writes ``five-safes-crate-<MAJOR.MINOR>/`` folders that
    ``rocrate-validator validate --extra-profiles-path OUTPUT -p five-safes-crate-0.4`` loads (see
    ``docs/interop.md``). ``profile`` limits the export to one version. An existing profile folder is never
    replaced (:class:`~fivesafes_crate.errors.UsageError`).
    """
    from .interop.rocrate_validator import export_rocrate_validator
    from .profiles import get_profile

    if target not in EXPORT_TARGETS:
        raise UsageError(f"unknown export target {target!r}: supported are {', '.join(EXPORT_TARGETS)}")
    chosen = PROFILES if profile is None else (get_profile(profile) if isinstance(profile, str) else profile,)
    return export_rocrate_validator(output, chosen)


def to_rocrate(crate: Crate) -> ROCrate:
    """The crate as an ro-crate-py ``rocrate.rocrate.ROCrate`` with every entity as written (order aside).

    Raises :class:`~fivesafes_crate.interop.ro_crate_py.ConversionError` when ro-crate-py cannot hold the crate;
    see :func:`fivesafes_crate.interop.ro_crate_py.to_rocrate` and ``docs/interop.md`` for what it rewrites.
    """
    from .interop.ro_crate_py import to_rocrate as _to_rocrate

    return _to_rocrate(crate)


def from_rocrate(ro: ROCrate) -> Crate:
    """A :class:`Crate` of the metadata ro-crate-py would write for ``ro`` (no source: metadata checks only)."""
    from .interop.ro_crate_py import from_rocrate as _from_rocrate

    return _from_rocrate(ro)


def load_disclosure_policy(policy: str | os.PathLike[str] = "acro-default") -> DisclosurePolicy:
    """A disclosure-control policy: a preset (``acro-default``, ``abs-datalab``, ``opensafely``, ``uk-llc``) or a
    TOML/JSON file (ACRO's ``config.json`` keys accepted); see ``docs/disclosure-control.md``.

    Its ``id``, ``name`` and ``digest`` identify it as a screening's instrument. Raises
    :class:`~fivesafes_crate.disclosure_control.DisclosurePolicyError` for an unknown preset or a bad file.
    """
    from .disclosure_control import load_policy

    return load_policy(policy)


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
    from .disclosure_control import load_evidence, load_policy, screen_target
    from .disclosure_control import screen_outputs as _screen_outputs

    chosen = load_policy(policy)
    found = load_evidence(Path(evidence), limits=limits) if evidence is not None else None
    if names is not None:
        return _screen_outputs(path, names, chosen, found, limits=limits)
    return screen_target(path, chosen, found, limits=limits)


def read_acro_results(
    folder: str | os.PathLike[str], *, timezone: str | tzinfo, limits: Limits = DEFAULT_LIMITS
) -> AcroResults:
    """Read the results ACRO's ``finalise`` wrote (``results.json``, both format generations) after verifying
    every checksum in ``checksums/``: per-output status, files, checks, comments and exception requests.

    ACRO writes local times without an offset: ``timezone`` (an IANA name such as ``Europe/London``, an offset
    such as ``+01:00``, or a ``tzinfo``) makes them aware. Raises
    :class:`~fivesafes_crate.disclosure_control.AcroResultsError` when a checksum is missing or differs.
    """
    from .disclosure_control import read_acro_results as _read

    return _read(Path(folder), timezone, limits=limits)


# --- registers ---------------------------------------------------------------------------------------------


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
    from .federation.checking import checked_nodes
    from .federation.summary import summary_nodes
    from .interop.dur import dumps, export_entry, load_dur_config, write_output

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


# --- federation --------------------------------------------------------------------------------------------


def federate_split(
    request: str | os.PathLike[str],
    tres: Sequence[Node | str],
    output: str | os.PathLike[str],
    *,
    federated_id: str | None = None,
    bagging_date: date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Path]:
    """Split a request (crate folder, bag folder or bag ZIP) into one packed request per TRE of a federation.

    ``tres`` are :class:`~fivesafes_crate.Node`\\ s or ``ID=URL`` strings. Writes ``output/<id>.bagit.zip``
    (a new folder, complete or not at all), each a valid request sharing one federated identifier
    (``federated_id``, default a new ``urn:uuid:``) so that their results can be gathered. Returns the ZIPs.
    """
    from .federation.nodes import Node as _Node
    from .federation.split import new_federated_id, split

    nodes = [tre if isinstance(tre, _Node) else _Node.parse(tre) for tre in tres]
    return split(request, nodes, output, federated_id=federated_id or new_federated_id, bagging_date=bagging_date,
                 limits=limits)


def federate_gather(
    results: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    expected: Sequence[Node | str] = (),
    clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> FederatedSummary:
    """Gather the bags the TREs returned into a federated summary crate folder ``output``.

    Each node's bag is nested untouched under ``nodes/<id>/`` (a ``Dataset`` with the versionless RO-Crate
    ``conformsTo``), with its tag-manifest digest and signatures listed, and one action per node records its
    outcome (:class:`~fivesafes_crate.NodeOutcome`: completed, failed, withheld, or never returned for an
    ``expected`` node without a result). See ``docs/federation.md``.
    """
    from .federation.gather import gather
    from .federation.nodes import Node as _Node

    nodes = [tre if isinstance(tre, _Node) else _Node.parse(tre) for tre in expected]
    return gather(results, output, expected=nodes, clock=clock, limits=limits)


def federate_pool(
    summary: str | os.PathLike[str],
    *,
    agent: Agent,
    policy: DisclosurePolicy | str | os.PathLike[str] = "acro-default",
    clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[PooledOutput]:
    """Pool the completed nodes' tables of a summary crate into ``pooled/`` and screen each pooled output.

    Records an aggregation action per pooled table (``agent`` pooled it) and two ``Review``\\ s of it: the
    disclosure rules of ``policy`` and a differencing check between each node's cells and the pooled total.
    """
    from .disclosure_control import load_policy
    from .federation.pool import pool

    return pool(summary, agent=agent, policy=load_policy(policy), clock=clock, limits=limits)


def verify_federation(
    summary: str | os.PathLike[str],
    trust: TrustStore,
    *,
    policy: str | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, SignatureVerification]:
    """Verify every node bag nested in a summary crate against ``trust`` (and ``policy``), offline.

    Returns each node's signature report by node id. Raises :class:`~fivesafes_crate.TrustError` naming the
    node when a nested bag's tag manifest no longer has the digest the summary recorded, and
    :class:`~fivesafes_crate.UsageError` when ``summary`` is not a summary crate folder.
    """
    from .federation.checking import verify_summary

    return dict(verify_summary(summary, trust, policy=policy, now=now, limits=limits).nodes)


def receive_federation(
    summary: str | os.PathLike[str],
    *,
    trust: TrustStore | None = None,
    policy: str | None = None,
    threshold: Severity = Severity.SHOULD,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Receipt]:
    """:func:`receive` every node bag nested in a summary crate (with ``trust``: against the trust store),
    offline; each node's receipt by node id. A node whose outputs were withheld is not accepted (it was not
    published). Raises as :func:`verify_federation` does for a changed nested bag or a folder that is not a
    summary.
    """
    from .federation.checking import receive_summary

    return dict(receive_summary(summary, threshold=threshold, trust=trust, policy=policy, limits=limits).nodes)
