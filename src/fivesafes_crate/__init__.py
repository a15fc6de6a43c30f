"""fivesafes-crate: build, sign and validate Five Safes RO-Crates offline.

>>> from fivesafes_crate import validate, Severity
>>> report = validate("request.zip", threshold=Severity.SHOULD)   # doctest: +SKIP
>>> report.valid, [issue.check for issue in report.issues]        # doctest: +SKIP

The front door: every name of ``__all__`` is the object its implementation module defines, and documents, re-
exported here; :mod:`fivesafes_crate.api` holds the few functions that compose several implementations. The names
are loaded on first use (PEP 562) from the module :data:`_HOMES` names for them, so that importing the package
(and ``fivesafes --help``) stays fast: the RDF, SHACL and cryptography machinery is only imported when something
needs it. Type checkers read the same names from the imports under ``TYPE_CHECKING``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_HOMES: dict[str, tuple[str, ...]] = {
    ".api": ("export_dur", "export_profile", "open_crate", "record_screening", "screen_outputs", "verify_bag",),
    ".authoring.builder": ("create_request",),
    ".authoring.spec": ("RequestSpec", "SpecError", "load_request_spec",),
    ".authoring.workflow": ("UnknownInputError",),
    ".disclosure_control.acro": ("AcroOutput", "AcroResults", "AcroResultsError", "read_acro_results",),
    ".disclosure_control.evidence": ("EvidenceError",),
    ".disclosure_control.outcomes": ("OutputScreening", "RuleFinding", "ScreeningReport",),
    ".disclosure_control.policy": ("DisclosurePolicy", "DisclosurePolicyError", "load_disclosure_policy",),
    ".errors": (
        "ContextUnavailable", "ConversionError", "CrateError", "CrateReadError", "CrateStateError",
        "FiveSafesError", "OutputExistsError", "StorageError", "SuppliedFileError", "TrustError",
        "UnsafeInputError", "UnsupportedProfileError", "UsageError",
    ),
    ".federation.checking": ("receive", "verify", "verify_signatures",),
    ".federation.gather": ("FederatedSummary", "NodeOutcome", "NodeResult",),
    ".federation.inputs": ("validate_all",),
    ".federation.nodes": ("Node",),
    ".federation.pool": ("PooledOutput",),
    ".federation.services": (
        "federate_gather", "federate_pool", "federate_split", "receive_federation", "verify_federation",
    ),
    ".interop.dur": ("DurConfigError", "ExportRefused",),
    ".interop.ro_crate_py": ("from_rocrate", "to_rocrate",),
    ".interop.rocrate_validator": ("ExportedProfile",),
    ".issues": ("InputFailure", "Issue", "Report", "ReportSet", "ScreeningOutcome", "Severity", "Stage",),
    ".model.crate": ("Crate", "EntityError", "MetadataSyntaxError", "save_crate",),
    ".model.lifecycle": ("Status", "Step", "Timeline",),
    ".model.source": ("Limits",),
    ".packaging.bag_verifier": ("BagVerification",),
    ".packaging.packing": ("package",),
    ".packaging.unpacking": ("unpack",),
    ".phases.check": ("record_check",),
    ".phases.disclosure.decision": ("DisclosureDecision", "record_disclosure",),
    ".phases.execution": ("fail_run", "finish_run", "start_run",),
    ".phases.lifecycle": ("Agent", "AgentKind", "StepRefused", "StepResult",),
    ".phases.publishing": ("License", "publish",),
    ".phases.receiving": ("Receipt", "status",),
    ".phases.results": ("OutputFile", "OutputReference", "OutputValue", "add_results",),
    ".phases.retrieval": ("WorkflowMismatchError", "record_retrieval",),
    ".phases.sanitizing": ("sanitize",),
    ".phases.disclosure.screening": ("ScreeningResult", "import_acro",),
    ".phases.disclosure.verdicts": ("Verdict",),
    ".phases.signoff": ("record_signoff",),
    ".phases.validation_step": ("ComparingCheck", "Comparison", "ExpectedInputs", "record_validation",),
    ".profiles": ("Profile", "list_profiles",),
    ".reporting.preview": ("preview", "write_preview",),
    ".signing.keys": (
        "KeyAlgorithm", "KeyPairFiles", "KeySigner", "Signer", "SigningKeyError", "create_key_pair",
        "generate_key", "load_signer",
    ),
    ".signing.trust": ("TrustStore", "TrustStoreError", "load_trust_store",),
    ".signing.verifier": (
        "SignatureInvalid", "SignatureVerification", "endorsed_actions",
    ),
    ".signing.writer": ("SignatureRecord", "SigningRefused", "sign", "sign_hook",),
    ".untrusted": ("printable",),
    ".validation.engine": ("list_checks", "validate",),
    ".validation.registry": ("CheckContext", "CheckInfo",),
    ".website": ("render_preview",),
}
"""Where each public name is implemented (relative to this package): the module it is loaded from on first use."""

__all__ = [
    "AcroOutput", "AcroResults", "AcroResultsError", "Agent", "AgentKind", "BagVerification", "CheckContext",
    "CheckInfo", "ComparingCheck", "Comparison", "ContextUnavailable", "ConversionError", "Crate", "CrateError",
    "CrateReadError", "CrateStateError", "DisclosureDecision", "DisclosurePolicy", "DisclosurePolicyError",
    "DurConfigError", "EntityError", "EvidenceError", "ExpectedInputs", "ExportRefused", "ExportedProfile",
    "FederatedSummary", "FiveSafesError", "InputFailure", "Issue", "KeyAlgorithm", "KeyPairFiles", "KeySigner",
    "License", "Limits", "MetadataSyntaxError", "Node", "NodeOutcome", "NodeResult", "OutputExistsError",
    "OutputFile", "OutputReference", "OutputScreening", "OutputValue", "PooledOutput", "Profile", "Receipt",
    "Report", "ReportSet", "RequestSpec", "RuleFinding", "ScreeningOutcome", "ScreeningReport", "ScreeningResult",
    "Severity", "SignatureInvalid", "SignatureRecord", "SignatureVerification", "Signer", "SigningKeyError",
    "SigningRefused", "SpecError", "Stage", "Status", "Step", "StepRefused", "StepResult", "StorageError",
    "SuppliedFileError", "Timeline", "TrustError", "TrustStore", "TrustStoreError", "UnknownInputError",
    "UnsafeInputError", "UnsupportedProfileError", "UsageError", "Verdict", "WorkflowMismatchError", "__version__",
    "add_results",
    "create_key_pair", "create_request", "endorsed_actions", "export_dur", "export_profile", "fail_run",
    "federate_gather", "federate_pool", "federate_split", "finish_run", "from_rocrate", "generate_key",
    "import_acro", "list_checks", "list_profiles", "load_disclosure_policy", "load_request_spec", "load_signer",
    "load_trust_store", "open_crate", "package", "preview", "printable", "publish", "read_acro_results", "receive",
    "receive_federation", "record_check", "record_disclosure", "record_retrieval", "record_screening",
    "record_signoff", "record_validation", "render_preview", "sanitize", "save_crate", "screen_outputs", "sign",
    "sign_hook", "start_run", "status", "to_rocrate", "unpack", "validate", "validate_all", "verify", "verify_bag",
    "verify_federation", "verify_signatures", "write_preview",
]

if TYPE_CHECKING:
    from .api import (
        export_dur,
        export_profile,
        open_crate,
        record_screening,
        screen_outputs,
        verify_bag,
    )
    from .authoring.builder import create_request
    from .authoring.spec import RequestSpec, SpecError, load_request_spec
    from .authoring.workflow import UnknownInputError
    from .disclosure_control.acro import AcroOutput, AcroResults, AcroResultsError, read_acro_results
    from .disclosure_control.evidence import EvidenceError
    from .disclosure_control.outcomes import OutputScreening, RuleFinding, ScreeningReport
    from .disclosure_control.policy import DisclosurePolicy, DisclosurePolicyError, load_disclosure_policy
    from .errors import (
        ContextUnavailable,
        ConversionError,
        CrateError,
        CrateReadError,
        CrateStateError,
        FiveSafesError,
        OutputExistsError,
        StorageError,
        SuppliedFileError,
        TrustError,
        UnsafeInputError,
        UnsupportedProfileError,
        UsageError,
    )
    from .federation.checking import receive, verify, verify_signatures
    from .federation.gather import FederatedSummary, NodeOutcome, NodeResult
    from .federation.inputs import validate_all
    from .federation.nodes import Node
    from .federation.pool import PooledOutput
    from .federation.services import (
        federate_gather,
        federate_pool,
        federate_split,
        receive_federation,
        verify_federation,
    )
    from .interop.dur import DurConfigError, ExportRefused
    from .interop.ro_crate_py import from_rocrate, to_rocrate
    from .interop.rocrate_validator import ExportedProfile
    from .issues import InputFailure, Issue, Report, ReportSet, ScreeningOutcome, Severity, Stage
    from .model.crate import Crate, EntityError, MetadataSyntaxError, save_crate
    from .model.lifecycle import Status, Step, Timeline
    from .model.source import Limits
    from .packaging.bag_verifier import BagVerification
    from .packaging.packing import package
    from .packaging.unpacking import unpack
    from .phases.check import record_check
    from .phases.disclosure.decision import DisclosureDecision, record_disclosure
    from .phases.disclosure.screening import ScreeningResult, import_acro
    from .phases.disclosure.verdicts import Verdict
    from .phases.execution import fail_run, finish_run, start_run
    from .phases.lifecycle import Agent, AgentKind, StepRefused, StepResult
    from .phases.publishing import License, publish
    from .phases.receiving import Receipt, status
    from .phases.results import OutputFile, OutputReference, OutputValue, add_results
    from .phases.retrieval import WorkflowMismatchError, record_retrieval
    from .phases.sanitizing import sanitize
    from .phases.signoff import record_signoff
    from .phases.validation_step import ComparingCheck, Comparison, ExpectedInputs, record_validation
    from .profiles import Profile, list_profiles
    from .reporting.preview import preview, write_preview
    from .signing.keys import (
        KeyAlgorithm,
        KeyPairFiles,
        KeySigner,
        Signer,
        SigningKeyError,
        create_key_pair,
        generate_key,
        load_signer,
    )
    from .signing.trust import TrustStore, TrustStoreError, load_trust_store
    from .signing.verifier import SignatureInvalid, SignatureVerification, endorsed_actions
    from .signing.writer import SignatureRecord, SigningRefused, sign, sign_hook
    from .untrusted import printable
    from .validation.engine import list_checks, validate
    from .validation.registry import CheckContext, CheckInfo
    from .website import render_preview

_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import a public name from its home module on first access (PEP 562), for start-up time."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'fivesafes_crate' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
