"""Findings as data: severities, screening outcomes, lifecycle stages, issues and the validation report.

The vocabulary follows the profile text: requirement levels are MUST > SHOULD > MAY. One word per concept: a
*stage* is where a crate is in its life (``request`` ... ``published``), a *step* is what the TRE does and
records to move it on (a check, a sign-off...); the profile's section headings call the steps "phases". The
lower-case strings ``must|should|may`` and the stage names only appear at the CLI/JSON edge via
:meth:`Severity.label` and :attr:`Stage.value`.

This module imports nothing from the package.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
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


class ScreeningOutcome(enum.IntEnum):
    """The outcome of a rule, an output or a screening, ordered so that ``FAIL > REVIEW > PASS > NOT_CHECKED``.

    ``NOT_CHECKED`` means the rule did not apply or could not be judged; an output whose rules were all not
    checked is reported as ``REVIEW``, since nothing vouches for it.
    """

    NOT_CHECKED = 0
    PASS = 1
    REVIEW = 2
    FAIL = 3

    @property
    def label(self) -> str:
        """The lower-case word used in JSON and on the command line: ``pass``, ``review``, ``fail``, ``not-checked``."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, text: str) -> ScreeningOutcome:
        """Parse ``pass``, ``review``, ``fail`` or ``not-checked`` (any case)."""
        try:
            return cls[text.strip().upper().replace("-", "_")]
        except KeyError:
            raise ValueError(f"unknown outcome {text!r}: expected pass, review, fail or not-checked") from None


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
            raise ValueError(f"unknown stage {text!r}: expected one of {names}") from None


_STAGE_ORDER = list(Stage)


@dataclass(frozen=True, slots=True)
class Issue:
    """One broken rule: which check, how severe, on which entity, property and file, in the spec's words.

    ``focus`` is the entity ``@id`` exactly as written in the crate, ``path`` the property as a compact term
    (``mentions``), ``file`` a crate-relative (or, for BagIt checks, bag-relative) file name; ``line`` and
    ``column`` (1-based) locate the issue in ``file`` when known (a JSON syntax error).
    """

    severity: Severity
    check: str
    message: str
    focus: str | None = None
    path: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def sort_key(self) -> tuple[int, str, str, str, str, str]:
        """Most severe first, then grouped by check, entity, property, file and message."""
        return (-self.severity, self.check, self.focus or "", self.path or "", self.file or "", self.message)


UNKNOWN = "unknown"
"""How reports name the stage of a crate whose metadata could not be read."""


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of validating one crate.

    ``issues`` holds every finding (all severities, sorted); ``valid`` says whether none reaches
    ``threshold``. Use :meth:`at_threshold` for the issues a user asked to see. ``profile`` and ``stage`` are
    None when the metadata could not be read: nothing was checked against a profile, and no stage is known.
    ``metadata_file`` is the metadata file as the user names it (``notcrate.json``,
    ``req/ro-crate-metadata.json``, ``bag.zip/bag/data/ro-crate-metadata.json``; None for a crate in memory),
    where reports place issues that have a line. ``declared`` lists the Five Safes RO-Crate profile IRIs the
    root declares in ``conformsTo``, as written (empty when it declares none): ``profile`` is what was checked,
    which differs from them when a profile was asked for or none was declared.
    """

    profile: str | None
    stage: Stage | None
    threshold: Severity
    issues: tuple[Issue, ...] = field(default_factory=tuple)
    metadata_file: str | None = None
    declared: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        profile: str | None,
        stage: Stage | None,
        threshold: Severity,
        issues: Iterable[Issue],
        metadata_file: str | None = None,
        *,
        declared: tuple[str, ...] = (),
    ) -> Report:
        """Create a report with de-duplicated, sorted issues."""
        unique = sorted(set(issues), key=Issue.sort_key)
        return cls(profile=profile, stage=stage, threshold=threshold, issues=tuple(unique),
                   metadata_file=metadata_file, declared=declared)

    @property
    def stage_label(self) -> str:
        """The stage's name (``request``...), or ``unknown`` when the metadata could not be read."""
        return self.stage.value if self.stage is not None else UNKNOWN

    @property
    def phase(self) -> Stage | None:
        """Deprecated name of :attr:`stage`, kept for one release."""
        return self.stage

    @property
    def phase_label(self) -> str:
        """Deprecated name of :attr:`stage_label`, kept for one release."""
        return self.stage_label

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


@dataclass(frozen=True, slots=True)
class InputFailure:
    """An input of several that could not be validated at all, so that it has no report.

    Not a finding about a crate: the job failed for this input (missing, not a crate, unsafe). ``target`` is the
    path as given, ``error`` the error's type (``CrateReadError``, ``UnsafeInputError``), ``message`` one line
    that names the input as given. Reports show it beside the others' results as a tool execution error.
    """

    target: str
    error: str
    message: str


@dataclass(frozen=True)
class ReportSet(Mapping[str, Report]):
    """The reports of several inputs keyed by the path as given, in order, and the inputs that had none.

    Reads as a mapping of the reports; ``failures`` holds the inputs that could not be opened, each an
    :class:`InputFailure`. ``valid`` needs every input validated and valid.
    """

    reports: Mapping[str, Report]
    failures: tuple[InputFailure, ...] = ()

    def __getitem__(self, target: str) -> Report:
        return self.reports[target]

    def __iter__(self) -> Iterator[str]:
        return iter(self.reports)

    def __len__(self) -> int:
        return len(self.reports)

    @property
    def complete(self) -> bool:
        """True when every input could be validated (no failures)."""
        return not self.failures

    @property
    def valid(self) -> bool:
        """True when every input was validated and every report is valid."""
        return self.complete and all(report.valid for report in self.reports.values())
