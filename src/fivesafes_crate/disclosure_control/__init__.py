"""Disclosure control: screening outputs with statistical disclosure-control rules, and reading ACRO's results.

The service the lifecycle's disclosure phase and the ``fivesafes disclosure`` commands use:

- :func:`load_disclosure_policy` (a preset or a TOML/JSON file, ACRO's ``config.json`` keys accepted) gives a
  :class:`DisclosurePolicy`, whose ``id``, ``name`` and ``digest`` identify it as a screening's instrument
  (outcomes are :class:`~fivesafes_crate.issues.ScreeningOutcome`, beside the validator's severities);
- :func:`screen_output` screens one file, :func:`screen_outputs` named files below a folder (a crate's working
  copy), :func:`screen_target` a crate, bag, ZIP, folder or file; all stream, so memory does not grow with size;
- :func:`render_json` / :func:`render_text` render a :class:`ScreeningReport` safely: never a cell value, a
  contribution or a matched identifier; :func:`finding_rows`, :func:`output_heading` and :func:`report_footer`
  give its pieces to a presenter that draws tables;
- :func:`load_evidence` reads per-cell evidence (ACRO's federated ``evidence.json``) for the dominance rules;
- :func:`read_acro_results` reads and verifies an ACRO results folder.

Rule ids are listed in :data:`RULES`. This package reads crates through :mod:`~fivesafes_crate.model` only.
"""

from __future__ import annotations

from .acro import AcroCheck, AcroFile, AcroOutput, AcroResults, AcroResultsError, parse_timezone, read_acro_results
from .evidence import CellEvidence, Evidence, EvidenceError, OutputEvidence, load_evidence
from .outcomes import OutputKind, OutputScreening, RuleFinding, ScreeningReport
from .policy import PRESETS, DisclosurePolicy, DisclosurePolicyError, NKRule, load_disclosure_policy
from .report import FindingRow, finding_rows, output_heading, render_json, render_text, report_footer
from .rules import RULES, nk_dominated, nk_share, p_ratio, p_ratio_fails
from .screener import screen_output, screen_outputs, screen_target

__all__ = [
    "PRESETS",
    "RULES",
    "AcroCheck",
    "AcroFile",
    "AcroOutput",
    "AcroResults",
    "AcroResultsError",
    "CellEvidence",
    "DisclosurePolicy",
    "DisclosurePolicyError",
    "Evidence",
    "EvidenceError",
    "FindingRow",
    "NKRule",
    "OutputEvidence",
    "OutputKind",
    "OutputScreening",
    "RuleFinding",
    "ScreeningReport",
    "finding_rows",
    "load_disclosure_policy",
    "load_evidence",
    "nk_dominated",
    "nk_share",
    "output_heading",
    "p_ratio",
    "p_ratio_fails",
    "parse_timezone",
    "read_acro_results",
    "render_json",
    "render_text",
    "report_footer",
    "screen_output",
    "screen_outputs",
    "screen_target",
]
