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
    "CheckContext": "fivesafes_crate.validation.registry",
    "CheckInfo": "fivesafes_crate.validation.registry",
    "ContextUnavailable": "fivesafes_crate.errors",
    "Crate": "fivesafes_crate.model.crate",
    "CrateReadError": "fivesafes_crate.errors",
    "FiveSafesError": "fivesafes_crate.errors",
    "Issue": "fivesafes_crate.issues",
    "Limits": "fivesafes_crate.model.source",
    "MetadataSyntaxError": "fivesafes_crate.model.crate",
    "Profile": "fivesafes_crate.profiles",
    "Report": "fivesafes_crate.issues",
    "Severity": "fivesafes_crate.issues",
    "Stage": "fivesafes_crate.issues",
    "UnsafeInputError": "fivesafes_crate.errors",
    "UsageError": "fivesafes_crate.errors",
    "list_checks": "fivesafes_crate.api",
    "list_profiles": "fivesafes_crate.api",
    "open_crate": "fivesafes_crate.api",
    "validate": "fivesafes_crate.api",
}

__all__ = [
    "CheckContext",
    "CheckInfo",
    "ContextUnavailable",
    "Crate",
    "CrateReadError",
    "FiveSafesError",
    "Issue",
    "Limits",
    "MetadataSyntaxError",
    "Profile",
    "Report",
    "Severity",
    "Stage",
    "UnsafeInputError",
    "UsageError",
    "__version__",
    "list_checks",
    "list_profiles",
    "open_crate",
    "validate",
]

if TYPE_CHECKING:
    from .api import list_checks, list_profiles, open_crate, validate
    from .errors import ContextUnavailable, CrateReadError, FiveSafesError, UnsafeInputError, UsageError
    from .issues import Issue, Report, Severity, Stage
    from .model.crate import Crate, MetadataSyntaxError
    from .model.source import Limits
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
