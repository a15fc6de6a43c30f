"""The TRE side of the lifecycle: each review step as one call that records exactly what the profile says.

Every step opens the crate as a working copy (:mod:`.workspace`), refuses to run out of order
(:class:`~.lifecycle.StepRefused`, crate untouched), records its action (:mod:`.lifecycle`), regenerates the
bag manifests and moves the new state into place atomically. Import the step functions from
:mod:`fivesafes_crate` (or :mod:`fivesafes_crate.api`); this package exports what the steps share.
Reading a crate's state (steps, statuses, timeline, recorded verdicts) is :mod:`fivesafes_crate.model.lifecycle`
and :mod:`fivesafes_crate.model.reviews`: this package holds only what changes a crate.
"""

from __future__ import annotations

from .lifecycle import Agent, AgentKind, StepRefused, StepResult
from .workspace import TargetKind, Workspace

__all__ = [
    "Agent",
    "AgentKind",
    "StepRefused",
    "StepResult",
    "TargetKind",
    "Workspace",
]
