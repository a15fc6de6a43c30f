"""fivesafes-crate: build, sign and validate Five Safes RO-Crates offline.

>>> from fivesafes_crate import validate, Severity
>>> report = validate("request.zip", threshold=Severity.SHOULD)   # doctest: +SKIP
>>> report.valid, [issue.check for issue in report.issues]        # doctest: +SKIP

Names are loaded on first use so that importing the package (and ``fivesafes --help``) stays fast: the RDF
and SHACL machinery is only imported when something needs it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "AcroOutput": "fivesafes_crate.disclosure_control.acro",
    "AcroResults": "fivesafes_crate.disclosure_control.acro",
    "AcroResultsError": "fivesafes_crate.disclosure_control.acro",
    "Agent": "fivesafes_crate.phases.lifecycle",
    "AgentKind": "fivesafes_crate.phases.lifecycle",
    "CheckContext": "fivesafes_crate.validation.registry",
    "CheckInfo": "fivesafes_crate.validation.registry",
    "ComparingCheck": "fivesafes_crate.phases.validation",
    "Comparison": "fivesafes_crate.phases.validation",
    "ContextUnavailable": "fivesafes_crate.errors",
    "ConversionError": "fivesafes_crate.interop.ro_crate_py",
    "Crate": "fivesafes_crate.model.crate",
    "CrateError": "fivesafes_crate.errors",
    "CrateReadError": "fivesafes_crate.errors",
    "CrateStateError": "fivesafes_crate.errors",
    "DisclosureDecision": "fivesafes_crate.phases.disclosure",
    "DisclosurePolicy": "fivesafes_crate.disclosure_control.policy",
    "DisclosurePolicyError": "fivesafes_crate.disclosure_control.policy",
    "EntityError": "fivesafes_crate.model.crate",
    "EvidenceError": "fivesafes_crate.disclosure_control.evidence",
    "ExpectedInputs": "fivesafes_crate.phases.validation",
    "ExportedProfile": "fivesafes_crate.interop.rocrate_validator",
    "FiveSafesError": "fivesafes_crate.errors",
    "InputFailure": "fivesafes_crate.issues",
    "Issue": "fivesafes_crate.issues",
    "KeyAlgorithm": "fivesafes_crate.signing.keys",
    "KeySigner": "fivesafes_crate.signing.keys",
    "License": "fivesafes_crate.phases.publishing",
    "Limits": "fivesafes_crate.model.source",
    "MetadataSyntaxError": "fivesafes_crate.model.crate",
    "OutputExistsError": "fivesafes_crate.errors",
    "OutputFile": "fivesafes_crate.phases.results",
    "OutputReference": "fivesafes_crate.phases.results",
    "OutputScreening": "fivesafes_crate.disclosure_control.outcomes",
    "OutputValue": "fivesafes_crate.phases.results",
    "Profile": "fivesafes_crate.profiles",
    "Receipt": "fivesafes_crate.phases.receiving",
    "Report": "fivesafes_crate.issues",
    "ReportSet": "fivesafes_crate.issues",
    "RequestSpec": "fivesafes_crate.authoring.spec",
    "RuleFinding": "fivesafes_crate.disclosure_control.outcomes",
    "ScreeningOutcome": "fivesafes_crate.issues",
    "ScreeningReport": "fivesafes_crate.disclosure_control.outcomes",
    "ScreeningResult": "fivesafes_crate.phases.screening",
    "Severity": "fivesafes_crate.issues",
    "SignatureInvalid": "fivesafes_crate.signing.verifier",
    "SignatureVerification": "fivesafes_crate.signing.verifier",
    "Signer": "fivesafes_crate.signing.keys",
    "SigningKeyError": "fivesafes_crate.signing.keys",
    "SigningRefused": "fivesafes_crate.signing.writer",
    "SpecError": "fivesafes_crate.authoring.spec",
    "Stage": "fivesafes_crate.issues",
    "Status": "fivesafes_crate.model.lifecycle",
    "Step": "fivesafes_crate.model.lifecycle",
    "StepRefused": "fivesafes_crate.phases.lifecycle",
    "StepResult": "fivesafes_crate.phases.lifecycle",
    "StorageError": "fivesafes_crate.errors",
    "SuppliedFileError": "fivesafes_crate.errors",
    "Timeline": "fivesafes_crate.model.lifecycle",
    "TrustError": "fivesafes_crate.errors",
    "TrustStore": "fivesafes_crate.signing.trust",
    "TrustStoreError": "fivesafes_crate.signing.trust",
    "UnknownInputError": "fivesafes_crate.authoring.workflow",
    "UnsafeInputError": "fivesafes_crate.errors",
    "UnsupportedProfileError": "fivesafes_crate.errors",
    "UsageError": "fivesafes_crate.errors",
    "Verdict": "fivesafes_crate.phases.disclosure",
    "WorkflowMismatchError": "fivesafes_crate.phases.retrieval",
    "add_results": "fivesafes_crate.api",
    "create_key_pair": "fivesafes_crate.api",
    "create_request": "fivesafes_crate.api",
    "endorsed_actions": "fivesafes_crate.api",
    "export_profile": "fivesafes_crate.api",
    "fail_run": "fivesafes_crate.api",
    "finish_run": "fivesafes_crate.api",
    "from_rocrate": "fivesafes_crate.api",
    "generate_key": "fivesafes_crate.api",
    "import_acro": "fivesafes_crate.api",
    "list_checks": "fivesafes_crate.api",
    "list_profiles": "fivesafes_crate.api",
    "load_disclosure_policy": "fivesafes_crate.api",
    "load_request_spec": "fivesafes_crate.api",
    "load_signer": "fivesafes_crate.api",
    "load_trust_store": "fivesafes_crate.api",
    "open_crate": "fivesafes_crate.api",
    "package": "fivesafes_crate.api",
    "preview": "fivesafes_crate.api",
    "printable": "fivesafes_crate.untrusted",
    "publish": "fivesafes_crate.api",
    "read_acro_results": "fivesafes_crate.api",
    "receive": "fivesafes_crate.api",
    "record_check": "fivesafes_crate.api",
    "record_disclosure": "fivesafes_crate.api",
    "record_retrieval": "fivesafes_crate.api",
    "record_screening": "fivesafes_crate.api",
    "record_signoff": "fivesafes_crate.api",
    "record_validation": "fivesafes_crate.api",
    "render_preview": "fivesafes_crate.website",
    "sanitize": "fivesafes_crate.api",
    "save_crate": "fivesafes_crate.model.crate",
    "screen_outputs": "fivesafes_crate.api",
    "sign": "fivesafes_crate.api",
    "sign_hook": "fivesafes_crate.api",
    "start_run": "fivesafes_crate.api",
    "status": "fivesafes_crate.api",
    "to_rocrate": "fivesafes_crate.api",
    "unpack": "fivesafes_crate.api",
    "validate": "fivesafes_crate.api",
    "validate_all": "fivesafes_crate.api",
    "verify": "fivesafes_crate.api",
    "verify_bag": "fivesafes_crate.api",
    "verify_signatures": "fivesafes_crate.api",
    "write_preview": "fivesafes_crate.api",
}

__all__ = [
    "AcroOutput",
    "AcroResults",
    "AcroResultsError",
    "Agent",
    "AgentKind",
    "CheckContext",
    "CheckInfo",
    "ComparingCheck",
    "Comparison",
    "ContextUnavailable",
    "ConversionError",
    "Crate",
    "CrateError",
    "CrateReadError",
    "CrateStateError",
    "DisclosureDecision",
    "DisclosurePolicy",
    "DisclosurePolicyError",
    "EntityError",
    "EvidenceError",
    "ExpectedInputs",
    "ExportedProfile",
    "FiveSafesError",
    "InputFailure",
    "Issue",
    "KeyAlgorithm",
    "KeySigner",
    "License",
    "Limits",
    "MetadataSyntaxError",
    "OutputExistsError",
    "OutputFile",
    "OutputReference",
    "OutputScreening",
    "OutputValue",
    "Profile",
    "Receipt",
    "Report",
    "ReportSet",
    "RequestSpec",
    "RuleFinding",
    "ScreeningOutcome",
    "ScreeningReport",
    "ScreeningResult",
    "Severity",
    "SignatureInvalid",
    "SignatureVerification",
    "Signer",
    "SigningKeyError",
    "SigningRefused",
    "SpecError",
    "Stage",
    "Status",
    "Step",
    "StepRefused",
    "StepResult",
    "StorageError",
    "SuppliedFileError",
    "Timeline",
    "TrustError",
    "TrustStore",
    "TrustStoreError",
    "UnknownInputError",
    "UnsafeInputError",
    "UnsupportedProfileError",
    "UsageError",
    "Verdict",
    "WorkflowMismatchError",
    "__version__",
    "add_results",
    "create_key_pair",
    "create_request",
    "endorsed_actions",
    "export_profile",
    "fail_run",
    "finish_run",
    "from_rocrate",
    "generate_key",
    "import_acro",
    "list_checks",
    "list_profiles",
    "load_disclosure_policy",
    "load_request_spec",
    "load_signer",
    "load_trust_store",
    "open_crate",
    "package",
    "preview",
    "printable",
    "publish",
    "read_acro_results",
    "receive",
    "record_check",
    "record_disclosure",
    "record_retrieval",
    "record_screening",
    "record_signoff",
    "record_validation",
    "render_preview",
    "sanitize",
    "save_crate",
    "screen_outputs",
    "sign",
    "sign_hook",
    "start_run",
    "status",
    "to_rocrate",
    "unpack",
    "validate",
    "validate_all",
    "verify",
    "verify_bag",
    "verify_signatures",
    "write_preview",
]

if TYPE_CHECKING:
    from .api import (
        add_results,
        create_key_pair,
        create_request,
        endorsed_actions,
        export_profile,
        fail_run,
        finish_run,
        from_rocrate,
        generate_key,
        import_acro,
        list_checks,
        list_profiles,
        load_disclosure_policy,
        load_request_spec,
        load_signer,
        load_trust_store,
        open_crate,
        package,
        preview,
        publish,
        read_acro_results,
        receive,
        record_check,
        record_disclosure,
        record_retrieval,
        record_screening,
        record_signoff,
        record_validation,
        sanitize,
        screen_outputs,
        sign,
        sign_hook,
        start_run,
        status,
        to_rocrate,
        unpack,
        validate,
        validate_all,
        verify,
        verify_bag,
        verify_signatures,
        write_preview,
    )
    from .authoring.spec import RequestSpec, SpecError
    from .authoring.workflow import UnknownInputError
    from .disclosure_control.acro import AcroOutput, AcroResults, AcroResultsError
    from .disclosure_control.evidence import EvidenceError
    from .disclosure_control.outcomes import OutputScreening, RuleFinding, ScreeningReport
    from .disclosure_control.policy import DisclosurePolicy, DisclosurePolicyError
    from .errors import (
        ContextUnavailable,
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
    from .interop.ro_crate_py import ConversionError
    from .interop.rocrate_validator import ExportedProfile
    from .issues import InputFailure, Issue, Report, ReportSet, ScreeningOutcome, Severity, Stage
    from .model.crate import Crate, EntityError, MetadataSyntaxError, save_crate
    from .model.lifecycle import Status, Step, Timeline
    from .model.source import Limits
    from .phases.disclosure import DisclosureDecision, Verdict
    from .phases.lifecycle import Agent, AgentKind, StepRefused, StepResult
    from .phases.publishing import License
    from .phases.receiving import Receipt
    from .phases.results import OutputFile, OutputReference, OutputValue
    from .phases.retrieval import WorkflowMismatchError
    from .phases.screening import ScreeningResult
    from .phases.validation import ComparingCheck, Comparison, ExpectedInputs
    from .profiles import Profile
    from .signing.keys import KeyAlgorithm, KeySigner, Signer, SigningKeyError
    from .signing.trust import TrustStore, TrustStoreError
    from .signing.verifier import SignatureInvalid, SignatureVerification
    from .signing.writer import SigningRefused
    from .untrusted import printable
    from .validation.registry import CheckContext, CheckInfo
    from .website import render_preview


def __getattr__(name: str) -> Any:
    """Import a public name from its home module on first access (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fivesafes_crate' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
