"""The disclosure stage's steps: the disclosure check of the workflow results, and what it writes.

* :mod:`.decision`: the crate's one ``DisclosureCheck`` (pending, in review, approved, rejected) and
  :func:`record_disclosure`, which records a decision;
* :mod:`.verdicts`: the output checker's per-output :class:`Verdict`\\ s and the guard rails of an approval;
* :mod:`.withholding`: removing what was not approved (a rejection, or pruning the rejected outputs);
* :mod:`.screening`: automated screening and ACRO's results, recorded as screening reviews of the same check.

The modules import one another downwards in that order (``decision`` uses ``verdicts`` and ``withholding``,
``screening`` uses ``decision``); this package re-exports the step function and the two values its callers
pass, so that ``fivesafes_crate.phases.disclosure`` names what the check's caller needs. The screening step is
imported from :mod:`.screening` itself: it needs the disclosure-control stack, which recording a decision does
not.
"""

from __future__ import annotations

from .decision import DisclosureDecision, record_disclosure
from .verdicts import Verdict

__all__ = [
    "DisclosureDecision",
    "Verdict",
    "record_disclosure",
]
