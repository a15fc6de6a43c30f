"""The TRE side of the lifecycle: each review step as one call that records exactly what the profile says.

Every step opens the crate as a working copy (:mod:`.workspace`), refuses to run out of order
(:class:`~.lifecycle.StepRefused`, crate untouched), records its action (:mod:`.lifecycle`), regenerates the
bag manifests and moves the new state into place atomically. Import the step functions from
:mod:`fivesafes_crate` (or :mod:`fivesafes_crate.api`); this package exports the shared vocabulary.
"""

from __future__ import annotations

from .lifecycle import (
    Agent,
    AgentKind,
    LifecycleState,
    RecordedAction,
    Status,
    Step,
    StepRefused,
    StepResult,
    lifecycle_state,
)
from .workspace import TargetKind, Workspace

__all__ = [
    "Agent",
    "AgentKind",
    "LifecycleState",
    "RecordedAction",
    "Status",
    "Step",
    "StepRefused",
    "StepResult",
    "TargetKind",
    "Workspace",
    "lifecycle_state",
]
