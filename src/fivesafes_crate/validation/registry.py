"""The catalogue of checks: every check id with its severity, stage and spec section, and the Python checks.

Python checks register with :func:`check`; SHACL shapes are added by :mod:`.shacl` from their annotations.
Ids are stable once released: never rename one, add a new id instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..errors import FiveSafesError
from ..issues import Issue, Severity, Stage
from ..model.crate import Crate
from ..model.graph import CrateGraph
from ..model.source import CrateSource
from ..profiles import Profile, ProfileResolution
from ..signing.trust import TrustStore
from ..untrusted import printable

SPEC_SECTIONS: dict[str, str] = {
    "Archive serialisation": "#archive-serialisation",
    "BagIt expectations": "#bagit-expectations",
    "Zip expectations": "#zip-expectations",
    "Metadata file expectations": "#metadata-file-expectations",
    "Profile conformance": "#profile-conformance",
    "Referencing a Workflow Crate": "#referencing-a-workflow-crate",
    "Finding the RO-Crate archive": "#finding-the-ro-crate-archive",
    "Requested Workflow Run": "#requested-workflow-run",
    "Requesting Agent": "#requesting-agent",
    "Responsible Project": "#responsible-project",
    "Inputs": "#inputs",
    "Outputs": "#outputs",
    "Sensitive data": "#sensitive-data",
    "Review process": "#review-process",
    "Check phase": "#check-phase",
    "Validation phase": "#validation-phase",
    "Workflow retrieval phase": "#workflow-retrieval-phase",
    "Sign-off phase": "#sign-off-phase",
    "Workflow execution phase": "#workflow-execution-phase",
    "Disclosure phase": "#disclosure-phase",
    "Publishing phase": "#publishing-phase",
    "Receiving phase": "#receiving-phase",
    "Security considerations": "#security-considerations",
    "RO-Crate 1.2": "https://w3id.org/ro/crate/1.2",
    "JSON-LD 1.1": "https://www.w3.org/TR/json-ld11/",
    "RFC 8493 (BagIt)": "https://doi.org/10.17487/rfc8493",
}
"""Spec sections a check may cite, with their anchors in the profile text (or external documents)."""


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """What a check verifies: its stable id, requirement level, first stage it applies at, and spec section."""

    id: str
    severity: Severity
    stage: Stage
    section: str
    description: str
    kind: Literal["python", "shacl"]
    profiles: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        """The section's anchor in the profile text (or the URL of the external spec)."""
        return SPEC_SECTIONS.get(self.section, "")

    def applies(self, profile_version: str, stage: Stage) -> bool:
        """True for a crate of this profile version at this stage."""
        return stage.includes(self.stage) and (not self.profiles or profile_version in self.profiles)


QUOTE_LIMIT = 60
"""The longest quoted value a message shows; longer ones are cut and end with an ellipsis."""


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value from the crate as a message quotes it: JSON syntax, shortened, terminal-safe.

    Messages name the offending value so that a reader sees what is wrong without opening the crate; the
    value is untrusted, so it is cut to ``limit`` characters and its control characters are escaped
    (:func:`~fivesafes_crate.untrusted.printable`). Strings keep their quotes (``"yesterday"``), so an
    empty string or a number is visible as one.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return printable(text)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a Python check found; the engine adds the check id and severity to make an :class:`Issue`."""

    message: str
    focus: str | None = None
    path: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None


@dataclass
class CheckContext:
    """Everything a Python check may look at. Fields are None when that layer could not be read."""

    source: CrateSource | None
    crate: Crate | None
    graph: CrateGraph | None
    profile: Profile
    stage: Stage
    load_error: FiveSafesError | None = None
    trust: TrustStore | None = None
    graph_error: FiveSafesError | None = None
    resolution: ProfileResolution | None = None
    """How :attr:`profile` was chosen and what the root declares (None for a context built by hand)."""
    cache: dict[str, object] = field(default_factory=dict)

    def memo(self, key: str, compute: Callable[[], object]) -> object:
        """Compute a value shared by several checks once per validation (e.g. the BagIt verification)."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


CheckFunction = Callable[[CheckContext], Iterable[Finding]]
Scope = Literal["source", "bag", "crate", "graph"]


@dataclass(frozen=True, slots=True)
class PythonCheck:
    """A registered Python check: its catalogue entry, what it needs, and the function."""

    info: CheckInfo
    scope: Scope
    function: CheckFunction

    def run(self, context: CheckContext) -> list[Issue]:
        """Run the check and turn its findings into issues."""
        return [
            Issue(self.info.severity, self.info.id, f.message, focus=f.focus, path=f.path, file=f.file, line=f.line,
                  column=f.column)
            for f in self.function(context)
        ]


PYTHON_CHECKS: dict[str, PythonCheck] = {}


def check(
    check_id: str,
    severity: Severity,
    *,
    section: str,
    description: str,
    stage: Stage = Stage.REQUEST,
    scope: Scope = "crate",
    profiles: tuple[str, ...] = (),
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a Python check under a stable id.

    ``scope`` says what the check needs: ``source`` (always runs), ``bag`` (input is a bag), ``crate`` (parsed
    metadata) or ``graph`` (interpreted RDF). ``stage`` is the first lifecycle stage it applies at.
    """
    if section not in SPEC_SECTIONS:
        raise ValueError(f"check {check_id}: unknown spec section {section!r}")

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in PYTHON_CHECKS:
            raise ValueError(f"check id {check_id!r} registered twice")
        info = CheckInfo(check_id, severity, stage, section, description, "python", profiles)
        PYTHON_CHECKS[check_id] = PythonCheck(info, scope, function)
        return function

    return register
