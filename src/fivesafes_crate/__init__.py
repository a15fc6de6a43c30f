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
    "Agent": "fivesafes_crate.phases.lifecycle",
    "AgentKind": "fivesafes_crate.phases.lifecycle",
    "CheckContext": "fivesafes_crate.validation.registry",
    "CheckInfo": "fivesafes_crate.validation.registry",
    "ContextUnavailable": "fivesafes_crate.errors",
    "Crate": "fivesafes_crate.model.crate",
    "CrateReadError": "fivesafes_crate.errors",
    "EntityError": "fivesafes_crate.model.crate",
    "FiveSafesError": "fivesafes_crate.errors",
    "Issue": "fivesafes_crate.issues",
    "Limits": "fivesafes_crate.model.source",
    "MetadataSyntaxError": "fivesafes_crate.model.crate",
    "Profile": "fivesafes_crate.profiles",
    "Receipt": "fivesafes_crate.phases.receiving",
    "Report": "fivesafes_crate.issues",
    "RequestSpec": "fivesafes_crate.authoring.spec",
    "Severity": "fivesafes_crate.issues",
    "SpecError": "fivesafes_crate.authoring.spec",
    "Stage": "fivesafes_crate.issues",
    "Status": "fivesafes_crate.phases.lifecycle",
    "Step": "fivesafes_crate.phases.lifecycle",
    "StepRefused": "fivesafes_crate.phases.lifecycle",
    "StepResult": "fivesafes_crate.phases.lifecycle",
    "Timeline": "fivesafes_crate.phases.receiving",
    "UnknownInputError": "fivesafes_crate.authoring.workflow",
    "UnsafeInputError": "fivesafes_crate.errors",
    "UsageError": "fivesafes_crate.errors",
    "create_request": "fivesafes_crate.api",
    "list_checks": "fivesafes_crate.api",
    "list_profiles": "fivesafes_crate.api",
    "load_request_spec": "fivesafes_crate.api",
    "open_crate": "fivesafes_crate.api",
    "package": "fivesafes_crate.api",
    "receive": "fivesafes_crate.api",
    "save_crate": "fivesafes_crate.model.crate",
    "status": "fivesafes_crate.api",
    "unpack": "fivesafes_crate.api",
    "validate": "fivesafes_crate.api",
    "verify_bag": "fivesafes_crate.api",
}

__all__ = [
    "Agent",
    "AgentKind",
    "CheckContext",
    "CheckInfo",
    "ContextUnavailable",
    "Crate",
    "CrateReadError",
    "EntityError",
    "FiveSafesError",
    "Issue",
    "Limits",
    "MetadataSyntaxError",
    "Profile",
    "Receipt",
    "Report",
    "RequestSpec",
    "Severity",
    "SpecError",
    "Stage",
    "Status",
    "Step",
    "StepRefused",
    "StepResult",
    "Timeline",
    "UnknownInputError",
    "UnsafeInputError",
    "UsageError",
    "__version__",
    "create_request",
    "list_checks",
    "list_profiles",
    "load_request_spec",
    "open_crate",
    "package",
    "receive",
    "save_crate",
    "status",
    "unpack",
    "validate",
    "verify_bag",
]

if TYPE_CHECKING:
    from .api import (
        create_request,
        list_checks,
        list_profiles,
        load_request_spec,
        open_crate,
        package,
        receive,
        status,
        unpack,
        validate,
        verify_bag,
    )
    from .authoring.spec import RequestSpec, SpecError
    from .authoring.workflow import UnknownInputError
    from .errors import ContextUnavailable, CrateReadError, FiveSafesError, UnsafeInputError, UsageError
    from .issues import Issue, Report, Severity, Stage
    from .model.crate import Crate, EntityError, MetadataSyntaxError, save_crate
    from .model.source import Limits
    from .phases.lifecycle import Agent, AgentKind, Status, Step, StepRefused, StepResult
    from .phases.receiving import Receipt, Timeline
    from .profiles import Profile
    from .validation.registry import CheckContext, CheckInfo


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
