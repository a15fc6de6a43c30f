"""What a screening found, as data: rule outcomes, per-rule findings, per-output results and the whole report.

Nothing here holds a cell value, a contribution or a matched identifier: a :class:`RuleFinding` carries a rule id,
an outcome, a message written from counts and policy parameters, the number of flagged cells or lines, and the
*labels* of the flagged cells. That is what makes the report safe to release with the outputs it describes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..issues import ScreeningOutcome
from .policy import DisclosurePolicy

MAX_LOCATIONS = 20
"""Labels kept per finding; the count of flagged cells is always exact."""


class OutputKind(enum.Enum):
    """What an output was recognised as; it decides which rules apply."""

    FREQUENCY_TABLE = "frequency-table"
    MAGNITUDE_TABLE = "magnitude-table"
    TABLE = "table"
    MODEL_OUTPUT = "model-output"
    JSON = "json"
    TEXT = "text"
    IMAGE = "image"
    SPREADSHEET = "spreadsheet"
    ARCHIVE = "archive"
    BLOCKED = "blocked-format"
    RECORD_LEVEL = "record-level"
    MODEL_FILE = "model-file"
    BINARY = "binary"
    TOO_LARGE = "too-large"
    NOT_A_FILE = "not-a-file"


@dataclass(frozen=True, slots=True)
class RuleFinding:
    """The outcome of one rule on one output.

    ``flagged`` counts the cells (or lines, chunks, members) the rule flagged out of ``checked``;
    ``locations`` holds the labels of at most :data:`MAX_LOCATIONS` of them (``East / A``, ``line 12``), never
    their values. ``message`` is written from counts and policy parameters only.
    """

    rule: str
    outcome: ScreeningOutcome
    message: str
    flagged: int = 0
    checked: int = 0
    locations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OutputScreening:
    """The screening of one output file: what it is, the exact bytes screened (``sha256``, ``size``) and the
    findings of every rule that applies. ``parts`` holds the screenings of an archive's members. ``sha256`` is
    None only for a name that is not a regular file (a symbolic link is never followed).
    """

    name: str
    kind: OutputKind
    sha256: str | None
    size: int
    findings: tuple[RuleFinding, ...]
    parts: tuple[OutputScreening, ...] = ()

    @property
    def outcome(self) -> ScreeningOutcome:
        """The worst outcome of the findings and parts; ``REVIEW`` when no rule could judge the output."""
        worst = max([f.outcome for f in self.findings] + [p.outcome for p in self.parts],
                    default=ScreeningOutcome.NOT_CHECKED)
        return ScreeningOutcome.REVIEW if worst is ScreeningOutcome.NOT_CHECKED else worst

    def findings_for(self, rule: str) -> tuple[RuleFinding, ...]:
        """The findings of one rule (``sdc.nk`` gives one per N-K rule of the policy)."""
        return tuple(f for f in self.findings if f.rule == rule)


@dataclass(frozen=True, slots=True)
class ScreeningReport:
    """The screening of a set of outputs under one policy.

    ``evidence`` is the file name of the per-cell evidence used (its content never enters the report).
    """

    policy: DisclosurePolicy
    outputs: tuple[OutputScreening, ...]
    evidence: str | None = None

    @property
    def outcome(self) -> ScreeningOutcome:
        """The worst outcome of the outputs; ``NOT_CHECKED`` when there is no output at all.

        Nothing to screen is not a pass: a run without outputs (or outputs not attached yet) vouches for nothing.
        """
        return max((o.outcome for o in self.outputs), default=ScreeningOutcome.NOT_CHECKED)

    def counts(self) -> dict[ScreeningOutcome, int]:
        """How many outputs have each outcome (``PASS``, ``REVIEW``, ``FAIL``)."""
        counts = dict.fromkeys((ScreeningOutcome.FAIL, ScreeningOutcome.REVIEW, ScreeningOutcome.PASS), 0)
        for output in self.outputs:
            counts[output.outcome] += 1
        return counts

    def output(self, name: str) -> OutputScreening | None:
        """The screening of the output called ``name``, or None."""
        return next((o for o in self.outputs if o.name == name), None)
