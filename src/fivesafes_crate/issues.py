"""Findings as data: severities, lifecycle stages, issues and the validation report.

The vocabulary follows the profile text: requirement levels are MUST > SHOULD > MAY, stages are the phases
of the Five Safes RO-Crate review process. The lower-case strings ``must|should|may`` and the stage names only
appear at the CLI/JSON edge via :meth:`Severity.label` and :attr:`Stage.value`.

This module imports nothing from the package.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Requirement level of a check, ordered so that ``MUST > SHOULD > MAY``."""

    MAY = 1
    SHOULD = 2
    MUST = 3

    @property
    def label(self) -> str:
        """The lower-case keyword used in JSON and on the command line."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse ``must``, ``should`` or ``may`` (any case)."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: expected must, should or may") from None


class Stage(enum.Enum):
    """Lifecycle stage of a crate, inferred from its actions; later stages include earlier requirements."""

    REQUEST = "request"
    UNDER_REVIEW = "under-review"
    EXECUTING = "executing"
    EXECUTED = "executed"
    DISCLOSURE_CHECKED = "disclosure-checked"
    PUBLISHED = "published"

    @property
    def rank(self) -> int:
        """Position in the lifecycle, 0 for a request."""
        return _STAGE_ORDER.index(self)

    def includes(self, other: Stage) -> bool:
        """True when requirements introduced at ``other`` apply to a crate at this stage."""
        return other.rank <= self.rank

    @classmethod
    def parse(cls, text: str) -> Stage:
        """Parse a stage name such as ``request`` or ``disclosure-checked``."""
        try:
            return cls(text.strip().lower().replace("_", "-"))
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown phase {text!r}: expected one of {names}") from None


_STAGE_ORDER = list(Stage)


@dataclass(frozen=True, slots=True)
class Issue:
    """One broken rule: which check, how severe, on which entity, property and file, in the spec's words.

    ``focus`` is the entity ``@id`` exactly as written in the crate, ``path`` the property as a compact term
    (``mentions``), ``file`` a crate-relative (or, for BagIt checks, bag-relative) file name.
    """

    severity: Severity
    check: str
    message: str
    focus: str | None = None
    path: str | None = None
    file: str | None = None

    def sort_key(self) -> tuple[int, str, str, str, str, str]:
        """Most severe first, then grouped by check, entity, property, file and message."""
        return (-self.severity, self.check, self.focus or "", self.path or "", self.file or "", self.message)


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of validating one crate.

    ``issues`` holds every finding (all severities, sorted); ``valid`` says whether none reaches
    ``threshold``. Use :meth:`at_threshold` for the issues a user asked to see.
    """

    profile: str
    phase: Stage
    threshold: Severity
    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @classmethod
    def build(cls, profile: str, phase: Stage, threshold: Severity, issues: Iterable[Issue]) -> Report:
        """Create a report with de-duplicated, sorted issues."""
        unique = sorted(set(issues), key=Issue.sort_key)
        return cls(profile=profile, phase=phase, threshold=threshold, issues=tuple(unique))

    @property
    def valid(self) -> bool:
        """True when no issue is at or above the threshold."""
        return not self.at_threshold()

    def at_threshold(self, threshold: Severity | None = None) -> tuple[Issue, ...]:
        """The issues at or above ``threshold`` (default: the report's own)."""
        level = self.threshold if threshold is None else threshold
        return tuple(issue for issue in self.issues if issue.severity >= level)

    def checks(self) -> set[str]:
        """The ids of every check that produced an issue, at any severity."""
        return {issue.check for issue in self.issues}
